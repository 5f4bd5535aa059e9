//! The command line, declared with clap derive. Parsing only: no logic lives here,
//! so the help text, the completions in `completions/` and the README stay one
//! source of truth.

pub use crate::output::report::ReportFormat;
pub use crate::output::stack::StackFormat;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "compliance",
    version,
    about = "Scan, score and report AWS compliance (EC2, S3, RDS, IAM) against rules in TOML",
    long_about = "Scan, score and report AWS compliance (EC2, S3, RDS, IAM) against rules in TOML.\n\n\
        Exit codes: 0 compliant (nothing failing at or above --fail-on), 1 findings at or above \
        --fail-on, 2 usage or input error, 3 AWS or runtime error.",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Extra rule directory; its rules are added, or replace built-in ones with the same id
    #[arg(long = "rules", global = true, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Parameters, exemptions and scoring settings [default: ./compliance.toml when present]
    #[arg(long, global = true, value_name = "FILE", env = "COMPLIANCE_CONFIG")]
    pub config: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Never draw progress bars (they are drawn only on a terminal anyway)
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// AWS profile (default: the SDK's credential chain: environment, profile, SSO, IMDS)
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region [default: the profile's or AWS_REGION]
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Send every AWS call to this endpoint (an AWS-compatible API such as moto)
    #[arg(long, global = true, value_name = "URL", env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create (or repair) the continuous-monitoring stack in one account and region
    Setup(SetupArgs),
    /// Show what setup created and whether it drifted
    Status(StatusArgs),
    /// Remove exactly what setup created (shows the plan; asks on a terminal, needs --yes elsewhere)
    Teardown(TeardownArgs),
    /// Evaluate resources against the rules and print findings
    Scan(ScanArgs),
    /// Score a findings file or a stored scan, overall and by group
    Score(ScoreArgs),
    /// Stored scans and the score trend, or one resource's history
    History(HistoryArgs),
    /// New, resolved and persisting violations between two stored scans
    Diff(DiffArgs),
    /// Delete stored scans older than a date from the local history store
    Prune(PruneArgs),
    /// Render the latest stored scan, a stored scan or findings files as a report (table, json, markdown, csv, sarif, ocsf, asff, junit)
    Report(ReportArgs),
    /// List, explain, validate and test rules
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Print the least-privilege IAM policy a command needs
    IamPolicy(IamPolicyArgs),
    /// Plan, apply, verify and roll back fixes for failing rules, with an audit trail (plan only without --yes)
    Remediate(RemediateArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyFor {
    /// `scan`, with history, alerts and metrics of `--suffix` and SSM rule parameters
    Scan,
    /// What `setup`, `status` and `teardown` call
    Setup,
    /// Read-only: what `status` calls
    Status,
    /// What `teardown` calls (reads and deletes)
    Teardown,
    /// What `remediate` calls: the collectors for its targets and every action's writes
    Remediate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SseChoice {
    /// SSE-KMS with the key setup creates
    Kms,
    /// SSE-S3 (AES256)
    Aes256,
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Names every resource: compliance-{purpose}-{suffix} (1-15 of a-z, 0-9, -) [default: COMPLIANCE_SUFFIX, else [stack] suffix in compliance.toml]
    #[arg(long)]
    pub suffix: Option<String>,
    /// Subscribe this address to alerts; repeatable
    #[arg(long = "email", value_name = "ADDRESS")]
    pub emails: Vec<String>,
    /// How often periodic Config rules run and snapshots are delivered: 1h, 3h, 6h, 12h, 24h
    #[arg(long, default_value = "6h")]
    pub frequency: String,
    /// Evidence bucket encryption
    #[arg(long, value_enum, default_value_t = SseChoice::Kms)]
    pub sse: SseChoice,
    /// Aggregate AWS Config data from these regions (creates a Config aggregator)
    #[arg(long, value_delimiter = ',', value_name = "REGIONS")]
    pub regions: Vec<String>,
    /// Make the aggregator organisation-wide (from the management or delegated-admin account; all regions unless --regions)
    #[arg(long, conflicts_with = "accounts")]
    pub organization: bool,
    /// Make the aggregator collect from these accounts (all regions unless --regions)
    #[arg(long, value_delimiter = ',', value_name = "ACCOUNT_IDS")]
    pub accounts: Vec<String>,
    /// Extra tag on every resource (Owner=secops); repeatable; overrides [tags] in compliance.toml
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
    /// Expire history items after this many days (DynamoDB TTL)
    #[arg(long, value_name = "DAYS")]
    pub retain_days: Option<u32>,
    /// Extend an existing AWS Config recorder (one not created by setup) with the resource types the rules need
    #[arg(long)]
    pub adopt_recorder: bool,
    /// Print the plan (create / update / unchanged per resource) and change nothing
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = StackFormat::Table)]
    pub format: StackFormat,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The stack [default: COMPLIANCE_SUFFIX, else [stack] suffix in compliance.toml, else the only stack in the account and region]
    #[arg(long)]
    pub suffix: Option<String>,
    #[arg(long, value_enum, default_value_t = StackFormat::Table)]
    pub format: StackFormat,
}

#[derive(Debug, Args)]
pub struct TeardownArgs {
    /// The stack [default: COMPLIANCE_SUFFIX, else [stack] suffix in compliance.toml, else the only stack in the account and region]
    #[arg(long)]
    pub suffix: Option<String>,
    /// Delete without asking (required when stdin is not a terminal)
    #[arg(long, conflicts_with = "dry_run")]
    pub yes: bool,
    /// Print what would be deleted and change nothing
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = StackFormat::Table)]
    pub format: StackFormat,
}

#[derive(Debug, Args)]
pub struct IamPolicyArgs {
    /// The command to grant
    #[arg(long = "for", value_enum)]
    pub for_command: PolicyFor,
    /// For `--for scan`: the management-account policy and the member-account role's policy of an organisation scan
    #[arg(long)]
    pub organization: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// Severity threshold for exit code 1; `none` never fails on findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    None,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Read resources from an AWS Config snapshot or history file, notification, rule event or API response (JSON or JSON Lines) instead of the live account; repeatable
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub snapshot: Vec<PathBuf>,
    /// Regions to scan (comma-separated, or `all` for every enabled region) [default: --region]
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "REGIONS",
        conflicts_with = "snapshot"
    )]
    pub regions: Vec<String>,
    /// Concurrent API calls per service and region
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Give up on a live scan after this many seconds; what was read by then is still reported
    #[arg(long, default_value_t = 900, value_name = "SECS")]
    pub timeout: u64,
    /// Give up on one API call (retries included) after this many seconds
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub call_timeout: u64,
    /// Attempts per API call, with adaptive backoff on throttling
    #[arg(long, default_value_t = 5, env = "AWS_MAX_ATTEMPTS", value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
    /// Page size of list calls (tests of pagination only)
    #[arg(long, hide = true)]
    pub page_size: Option<i32>,
    #[arg(long, value_delimiter = ',', value_name = "KINDS", help = resource_kinds_help())]
    pub resources: Vec<String>,
    /// Run CloudFormation drift detection on every stack and wait for it (within --timeout) instead of reporting the last result
    #[arg(long, conflicts_with = "snapshot")]
    pub detect_drift: bool,
    /// Only these rules (ids or globs); repeatable
    #[arg(long = "rule", value_name = "ID")]
    pub rule: Vec<String>,
    /// Output format: any `report` format, written as the scan goes
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write the report to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 1 when a non-compliant or error finding has this severity or higher
    #[arg(long, value_enum, default_value_t = FailOn::Critical)]
    pub fail_on: FailOn,
    /// In the table, also list compliant and not-applicable findings
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub history: StoreArgs,
    /// Do not store this scan in history
    #[arg(long)]
    pub no_history: bool,
    /// What sends an alert to the suffix's topic (with --suffix); repeatable
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [AlertOnChoice::Critical, AlertOnChoice::Score])]
    pub alert_on: Vec<AlertOnChoice>,
    /// Announce violations again even if the previous scan already had them
    #[arg(long)]
    pub realert: bool,
    #[command(flatten)]
    pub org: Box<OrgArgs>,
}

/// Where a live scan reads: which accounts, which share of them, from which source.
#[derive(Debug, Args, Clone)]
pub struct OrgArgs {
    /// Accounts to scan: `all` (the organisation's active accounts, from the management or delegated-admin account) or ids, comma-separated [default: the caller's account]
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "all|ID,...",
        conflicts_with = "snapshot"
    )]
    pub accounts: Vec<String>,
    /// Role assumed in each member account
    #[arg(
        long,
        default_value = "OrganizationAccountAccessRole",
        value_name = "NAME"
    )]
    pub role_name: String,
    /// External id passed to AssumeRole
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// Session name of the assumed roles (shows in the member accounts' CloudTrail)
    #[arg(long, default_value = "compliance-scan", value_name = "NAME")]
    pub role_session_name: String,
    /// Account × region units read at once
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub account_concurrency: u16,
    /// Read only shard K of N (K from 0) of the account × region units; `auto` or `auto/N` reads K (and N) from JOB_COMPLETION_INDEX + COMPLIANCE_SHARD_COUNT or AWS_BATCH_JOB_ARRAY_INDEX + AWS_BATCH_JOB_ARRAY_SIZE
    #[arg(long, value_name = "K/N|auto", conflicts_with = "snapshot")]
    pub shard: Option<String>,
    /// The scan id to record (shards of one run share it) [default: a new UUID v7]
    #[arg(long, value_name = "ID")]
    pub scan_id: Option<String>,
    /// Read live resources from the service APIs, or from what AWS Config recorded
    #[arg(long, value_enum, default_value_t = SourceChoice::Api, conflicts_with = "snapshot")]
    pub source: SourceChoice,
    /// With --source config: read every account and region this Config aggregator covers
    #[arg(long, value_name = "NAME")]
    pub aggregator: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SourceChoice {
    /// Each service's API (one collector per service)
    Api,
    /// The AWS Config inventory (ListDiscoveredResources + BatchGetResourceConfig)
    Config,
}

/// Where history lives: the setup table of `--suffix`, else the local store.
#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created
    #[arg(long)]
    pub suffix: Option<String>,
    /// Local history store file [default: COMPLIANCE_STORE, else the user's data directory]
    #[arg(long, value_name = "PATH", conflicts_with = "suffix")]
    pub store: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlertOnChoice {
    /// New critical violations
    Critical,
    /// New violations of high severity or worse
    High,
    /// The score falling below the threshold
    Score,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Only scans since then: 7d, 24h, or a date (2026-11-01)
    #[arg(long)]
    pub since: Option<String>,
    /// One resource's history (its id or ARN) instead of the list of scans
    #[arg(long, value_name = "ID")]
    pub resource: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The earlier scan [default: the one before --to]
    #[arg(long, value_name = "SCAN_ID")]
    pub from: Option<String>,
    /// The later scan [default: the latest]
    #[arg(long, value_name = "SCAN_ID")]
    pub to: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Local history store file [default: COMPLIANCE_STORE, else the user's data directory]
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Delete scans older than this: 90d, 12h, or a date (2026-01-01)
    #[arg(long, value_name = "AGE")]
    pub older_than: String,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// A findings file written by `scan --format json`
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "scan",
        conflicts_with = "scan"
    )]
    pub input: Option<PathBuf>,
    /// A stored scan instead of a file: its id, or `latest`
    #[arg(long, value_name = "SCAN_ID")]
    pub scan: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Group the score: service, severity, category, framework, rule or account; repeatable
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "GROUP",
        default_value = "service"
    )]
    pub by: Vec<String>,
    /// Score threshold [default: the one in the findings file, else compliance.toml]
    #[arg(long)]
    pub threshold: Option<f64>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Findings files written by `scan --format json`; several merge into one report (findings de-duplicated by finding id) [default: the latest stored scan]
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with = "scan")]
    pub input: Vec<PathBuf>,
    /// A stored scan: its id, or `latest` [default: latest]
    #[arg(long, value_name = "SCAN_ID")]
    pub scan: Option<String>,
    /// A period summary of the stored scans instead: 7d, 30d, or a date (2026-11-01); formats table, json, markdown, html
    #[arg(long, value_name = "AGE", conflicts_with_all = ["input", "scan"])]
    pub since: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Output format; repeatable with --out-dir to write several at once
    #[arg(long, value_enum, default_values_t = [ReportFormat::Table])]
    pub format: Vec<ReportFormat>,
    /// Write the report to FILE instead of stdout
    #[arg(long, value_name = "FILE", conflicts_with = "out_dir")]
    pub out: Option<PathBuf>,
    /// Write one file per format into DIR (report.json, report.sarif, ...)
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// In the table, also list compliant and not-applicable findings
    #[arg(long)]
    pub all: bool,
    /// Also deliver the findings there: `securityhub` imports the ASFF documents (needs --format asff)
    #[arg(long, value_enum, value_name = "TARGET")]
    pub to: Option<ReportTarget>,
    /// Put every written file into S3 at s3://BUCKET/PREFIX/ and print the object URIs; alone, with --suffix, the stack's evidence bucket under reports/YYYY/MM/DD/ [files are written to --out, --out-dir, else the current directory]
    #[arg(long, value_name = "S3_URI", num_args = 0..=1, default_missing_value = "")]
    pub upload: Option<String>,
    /// With --upload: also print a presigned GET link valid this long (7d, 12h, 30m; at most 7d)
    #[arg(long, value_name = "DURATION", requires = "upload")]
    pub presign: Option<String>,
}

/// Where `report --to` delivers findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportTarget {
    /// AWS Security Hub in --region: BatchImportFindings, 100 per call
    Securityhub,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules in force (built-in plus --rules)
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show a rule's purpose, check, parameters, fix and AWS Config mapping
    Explain {
        /// Rule id
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Check rule files for errors [default: the built-in rules]
    Validate {
        /// Directory of rule files
        dir: Option<PathBuf>,
    },
    /// Run the rules' inline tests; exit 1 when one fails [default: the built-in rules]
    Test {
        /// Directory of rule files
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `--resources` help, listed from the resource-type registry so a new kind
/// shows up in `--help` and the completions without a second list to edit.
fn resource_kinds_help() -> String {
    let kinds: Vec<String> = crate::core::registry::KINDS
        .iter()
        .map(|k| format!("{} ({})", k.name, k.about))
        .collect();
    format!("Only these resource kinds: {}", kinds.join(", "))
}

/// Risks `remediate --allow` accepts besides safe ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AllowChoice {
    /// Changes that may cut off access or restart something
    Disruptive,
}

#[derive(Debug, Args)]
pub struct RemediateArgs {
    /// Only these rules (ids or globs); repeatable
    #[arg(long = "rule", value_name = "ID")]
    pub rule: Vec<String>,
    /// Only this resource (ARN or id); repeatable
    #[arg(long = "resource", value_name = "ARN")]
    pub resource: Vec<String>,
    #[arg(long, value_delimiter = ',', value_name = "KINDS", help = resource_kinds_help())]
    pub resources: Vec<String>,
    /// Regions to read targets in (comma-separated, or `all`) [default: --region]
    #[arg(long, value_delimiter = ',', value_name = "REGIONS")]
    pub regions: Vec<String>,
    /// Apply the safe changes of the plan (and the disruptive ones with --allow disruptive), then verify each
    #[arg(long)]
    pub yes: bool,
    /// Also apply changes of this risk (with --yes)
    #[arg(long, value_enum, value_name = "RISK")]
    pub allow: Vec<AllowChoice>,
    /// Refuse (exit 2) a plan with more changes than this, so a wrong filter cannot rewrite an account
    #[arg(long, default_value_t = 25, value_name = "N")]
    pub max_changes: usize,
    /// Changes applied at the same time (one resource's changes always run in order)
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// RDS: apply now instead of in the next maintenance window
    #[arg(long)]
    pub apply_immediately: bool,
    /// Restore what this run changed, from its recorded before-states (plan only without --yes)
    #[arg(long, value_name = "RUN_ID", conflicts_with_all = ["log", "rule", "resource"])]
    pub rollback: Option<String>,
    /// Targets from a stored scan (its id, or `latest`) instead of a fresh read; each is re-read live first
    #[arg(long, value_name = "SCAN_ID", conflicts_with_all = ["rollback", "input"])]
    pub from_scan: Option<String>,
    /// Targets from a findings file (`scan --format json`); each is re-read live first
    #[arg(long, value_name = "FILE", conflicts_with = "rollback")]
    pub input: Option<PathBuf>,
    /// Show the audit trail of remediation runs instead of planning
    #[arg(long, conflicts_with_all = ["yes", "rollback", "from_scan", "input"])]
    pub log: bool,
    /// With --log: only runs since then: 30d, 24h, or a date (2026-11-01)
    #[arg(long, requires = "log")]
    pub since: Option<String>,
    /// Local history store file that keeps the audit trail [default: COMPLIANCE_STORE, else the user's data directory]
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Use the stack `setup --suffix` created: the trail in its DynamoDB history table, one SNS message per applied run, the RemediationSucceeded/RemediationFailed metrics, and its KMS key for SSE-KMS when a rule names none
    #[arg(long, conflicts_with = "store")]
    pub suffix: Option<String>,
    /// Attempts per API call
    #[arg(long, default_value_t = 5, env = "AWS_MAX_ATTEMPTS", value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
    /// Give up on one API call (retries included) after this many seconds
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub call_timeout: u64,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the plan or result to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}
