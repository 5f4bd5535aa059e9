//! Every AWS operation the tool calls, once, by command: the single table from
//! which `compliance iam-policy --for …` prints least-privilege policies and
//! against which the tests check the calls the adapters really make.
//!
//! A row is (commands, service, SDK operation, IAM actions, resource scope, why).
//! The service is the IAM prefix (`cloudwatch`, not the signing name
//! `monitoring`); the operation is the API name as the SDK and the wire spell it
//! (`ListMultipartUploads`), which is not always the IAM action
//! (`s3:ListBucketMultipartUploads`): that mapping lives here and nowhere else.
//! One operation may have several rows, when it needs actions on another
//! service under another scope (a DynamoDB table encrypted with the stack's KMS
//! key needs `kms:CreateGrant` when it is created).
//!
//! The policies, decided here:
//! - `--for scan`: the collectors, SSM rule parameters, and what `scan --suffix`
//!   adds (history in the stack's table, the alert topic, metrics); the same
//!   policy covers `history`, `diff`, `score --scan` and `report` with `--suffix`, which
//!   read that table. Writes are limited to the stack's table, topic and the
//!   `Compliance` metric namespace. It also covers `report`: reading history,
//!   importing findings into Security Hub (`--to securityhub`) and putting
//!   report files into S3 (`--upload`).
//! - `--for setup`: setup, status and teardown together, because setup reads
//!   what exists before it changes anything and whoever may create the stack
//!   must be able to remove it.
//! - `--for status`: read-only, for an auditor who checks drift.
//! - `--for teardown`: reads and deletes, no creation.
//!
//! The integration test `tests/operations.rs` runs each command against moto
//! through a recording proxy and fails when a call is missing from its rows.

use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A command, or a part of one that an operator enables separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Command {
    /// `scan` against the live APIs: the collectors.
    Scan,
    /// Rule parameters read from SSM Parameter Store (`ssm:/compliance/…`).
    Ssm,
    /// History in the stack's DynamoDB table (`scan --suffix`, `history`, `diff`).
    History,
    /// The alert message to the stack's SNS topic after a scan.
    Alerts,
    /// CloudWatch metrics after a scan.
    Metrics,
    /// `setup` (creates and repairs the stack).
    Setup,
    /// `status` (reads the stack and reports drift).
    Status,
    /// `teardown` (deletes what the manifest lists).
    Teardown,
    /// What an organisation scan adds in the calling (management or
    /// delegated-admin) account: listing the accounts, assuming their roles.
    Organization,
    /// `remediate`: the actions' writes (its targets are read by the `Scan` rows).
    Remediate,
    /// `report --to securityhub` (imports ASFF findings).
    SecurityHub,
    /// `report --upload` (puts report files into S3).
    Upload,
}

impl Command {
    pub fn as_str(self) -> &'static str {
        match self {
            Command::Scan => "scan",
            Command::Ssm => "ssm",
            Command::History => "history",
            Command::Alerts => "alerts",
            Command::Metrics => "metrics",
            Command::Setup => "setup",
            Command::Status => "status",
            Command::Teardown => "teardown",
            Command::Organization => "organization",
            Command::Remediate => "remediate",
            Command::SecurityHub => "securityhub",
            Command::Upload => "upload",
        }
    }
}

/// The printed policies (`iam-policy --for`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    Scan,
    Setup,
    Status,
    Teardown,
    /// `iam-policy --for scan --organization`: the calling account's policy
    /// (the scan's plus listing accounts and assuming their roles).
    OrganizationScan,
    /// The role assumed in each member account: the collectors' and Config's reads only.
    MemberScan,
    Remediate,
}

impl Policy {
    /// The commands one policy grants.
    pub fn commands(self) -> &'static [Command] {
        use Command::*;
        match self {
            Policy::Scan => &[Scan, Ssm, History, Alerts, Metrics, SecurityHub, Upload],
            Policy::Setup => &[Setup, Status, Teardown],
            Policy::Status => &[Status],
            Policy::Teardown => &[Teardown],
            Policy::OrganizationScan => &[Scan, Ssm, History, Alerts, Metrics, Organization],
            Policy::MemberScan => &[Scan],
            Policy::Remediate => &[Scan, Ssm, Remediate],
        }
    }

    fn sid(self) -> &'static str {
        match self {
            Policy::Scan => "ComplianceScan",
            Policy::Setup => "ComplianceSetup",
            Policy::Status => "ComplianceStatus",
            Policy::Teardown => "ComplianceTeardown",
            Policy::OrganizationScan => "ComplianceOrgScan",
            Policy::MemberScan => "ComplianceMemberScan",
            Policy::Remediate => "ComplianceRemediate",
        }
    }
}

/// Where a row's actions apply, as narrow as the service allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// `"*"`: the action has no resource-level permission, or the collectors
    /// read every resource of the account.
    Any,
    /// `"*"` for the one action of `scan` that starts work in the account
    /// (CloudFormation drift detection): its own statement, so an operator who
    /// never passes `--detect-drift` can drop it and keep a read-only policy.
    DriftDetection,
    /// The stacks' history tables and their indexes.
    HistoryTable,
    /// The stacks' alert topics.
    AlertTopic,
    /// Parameters under `/compliance/` (rule parameters, stack manifests).
    Parameters,
    /// `cloudwatch:PutMetricData` in the `Compliance` namespace only.
    MetricsNamespace,
    /// KMS used on the caller's behalf by SSM (SecureString parameters).
    KmsViaSsm,
    /// KMS used on the caller's behalf by DynamoDB (the table's key).
    KmsViaDynamoDb,
    /// KMS used on the caller's behalf by SNS (the topic's key).
    KmsViaSns,
    /// `iam:PassRole` of the Config role, to AWS Config only.
    ConfigRole,
    /// The role `scan --accounts` assumes in member accounts.
    MemberRole,
    /// Security Hub's default product of an account (BatchImportFindings).
    SecurityHubImport,
    /// Objects `report --upload` puts into a bucket the operator names.
    ReportObjects,
    /// KMS used on the caller's behalf by S3 (a bucket's SSE-KMS key).
    KmsViaS3,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::Any => "",
            Scope::DriftDetection => "DriftDetection",
            Scope::HistoryTable => "HistoryTable",
            Scope::AlertTopic => "AlertTopic",
            Scope::Parameters => "Parameters",
            Scope::MetricsNamespace => "Metrics",
            Scope::KmsViaSsm => "KmsViaSsm",
            Scope::KmsViaDynamoDb => "KmsViaDynamoDb",
            Scope::KmsViaSns => "KmsViaSns",
            Scope::ConfigRole => "ConfigRole",
            Scope::MemberRole => "MemberRole",
            Scope::SecurityHubImport => "SecurityHubImport",
            Scope::ReportObjects => "ReportUpload",
            Scope::KmsViaS3 => "KmsViaS3",
        }
    }

    fn resource(self) -> Value {
        match self {
            Scope::HistoryTable => json!([
                "arn:aws:dynamodb:*:*:table/compliance-findings-*",
                "arn:aws:dynamodb:*:*:table/compliance-findings-*/index/*"
            ]),
            Scope::AlertTopic => json!("arn:aws:sns:*:*:compliance-alerts-*"),
            Scope::Parameters => json!("arn:aws:ssm:*:*:parameter/compliance/*"),
            Scope::ConfigRole => json!("arn:aws:iam::*:role/compliance-config-*"),
            // The default of --role-name; replace it when passing another.
            Scope::MemberRole => json!("arn:aws:iam::*:role/OrganizationAccountAccessRole"),
            Scope::SecurityHubImport => json!("arn:aws:securityhub:*:*:product/*/default"),
            Scope::ReportObjects => json!("arn:aws:s3:::*/*"),
            Scope::KmsViaS3 => json!("*"),
            Scope::Any
            | Scope::DriftDetection
            | Scope::MetricsNamespace
            | Scope::KmsViaSsm
            | Scope::KmsViaDynamoDb
            | Scope::KmsViaSns => json!("*"),
        }
    }

    fn condition(self) -> Option<Value> {
        match self {
            Scope::MetricsNamespace => {
                Some(json!({"StringEquals": {"cloudwatch:namespace": "Compliance"}}))
            }
            Scope::KmsViaSsm => {
                Some(json!({"StringLike": {"kms:ViaService": "ssm.*.amazonaws.com"}}))
            }
            Scope::KmsViaDynamoDb => {
                Some(json!({"StringLike": {"kms:ViaService": "dynamodb.*.amazonaws.com"}}))
            }
            Scope::KmsViaSns => {
                Some(json!({"StringLike": {"kms:ViaService": "sns.*.amazonaws.com"}}))
            }
            Scope::KmsViaS3 => {
                Some(json!({"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}))
            }
            Scope::ConfigRole => {
                Some(json!({"StringEquals": {"iam:PassedToService": "config.amazonaws.com"}}))
            }
            _ => None,
        }
    }
}

/// One AWS operation a command calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    pub commands: &'static [Command],
    /// The IAM service prefix.
    pub service: &'static str,
    /// The API operation, as the SDK and the wire name it.
    pub operation: &'static str,
    /// The IAM actions that authorise it.
    pub actions: &'static [&'static str],
    pub scope: Scope,
    pub why: &'static str,
}

use Command::{
    Alerts, History, Metrics, Organization, Remediate, Scan, SecurityHub, Setup, Ssm, Status,
    Teardown, Upload,
};

/// Provisioning reads: setup reads before it writes, status reports from them,
/// teardown checks ownership (tags) before it deletes.
const READ: &[Command] = &[Setup, Status, Teardown];
/// Creation and repair: setup only.
const WRITE: &[Command] = &[Setup];
/// Deletion: teardown, and setup when it rolls back or replaces a setting.
const DELETE: &[Command] = &[Setup, Teardown];
/// Every command that talks to AWS (`history`, `diff` and `score --scan` do
/// with `--suffix`).
const ALL: &[Command] = &[Scan, History, Setup, Status, Teardown, Remediate];

macro_rules! op {
    ($commands:expr, $service:literal, $operation:literal, [$($action:literal),+], $scope:ident, $why:literal) => {
        Operation {
            commands: $commands,
            service: $service,
            operation: $operation,
            actions: &[$($action),+],
            scope: Scope::$scope,
            why: $why,
        }
    };
}

/// The table. Keep rows grouped by service; `tests/operations.rs` checks every
/// call the adapters make against it.
#[rustfmt::skip]
pub const OPERATIONS: &[Operation] = &[
    // Identity: every command that talks to AWS names the account it works in.
    op!(ALL, "sts", "GetCallerIdentity", ["sts:GetCallerIdentity"], Any, "the account id for ARNs, manifests and reports"),
    // scan: the collectors.
    op!(&[Scan], "ec2", "DescribeRegions", ["ec2:DescribeRegions"], Any, "`--regions all`"),
    op!(&[Scan], "ec2", "DescribeInstances", ["ec2:DescribeInstances"], Any, "EC2 instances"),
    op!(&[Scan], "ec2", "DescribeSecurityGroups", ["ec2:DescribeSecurityGroups"], Any, "security groups"),
    op!(&[Scan], "ec2", "DescribeVolumes", ["ec2:DescribeVolumes"], Any, "EBS volumes"),
    op!(&[Scan], "s3", "ListBuckets", ["s3:ListAllMyBuckets"], Any, "the buckets of the account"),
    op!(&[Scan], "s3", "GetBucketLocation", ["s3:GetBucketLocation"], Any, "which region judges a bucket"),
    op!(&[Scan], "s3", "GetBucketEncryption", ["s3:GetEncryptionConfiguration"], Any, "default encryption"),
    op!(&[Scan], "s3", "GetBucketVersioning", ["s3:GetBucketVersioning"], Any, "versioning"),
    op!(&[Scan], "s3", "GetPublicAccessBlock", ["s3:GetBucketPublicAccessBlock"], Any, "the bucket's public access block"),
    op!(&[Scan], "s3", "GetBucketPolicy", ["s3:GetBucketPolicy"], Any, "TLS-only and public policies"),
    op!(&[Scan], "s3", "GetBucketAcl", ["s3:GetBucketAcl"], Any, "public ACLs"),
    op!(&[Scan], "s3", "GetBucketLifecycleConfiguration", ["s3:GetLifecycleConfiguration"], Any, "lifecycle rules"),
    op!(&[Scan], "s3", "GetBucketTagging", ["s3:GetBucketTagging"], Any, "required tags"),
    op!(&[Scan], "rds", "DescribeDBInstances", ["rds:DescribeDBInstances"], Any, "RDS instances"),
    op!(&[Scan], "iam", "GetAccountAuthorizationDetails", ["iam:GetAccountAuthorizationDetails"], Any, "users, roles, groups and policies in one paginated call"),
    op!(&[Scan], "iam", "ListAccessKeys", ["iam:ListAccessKeys"], Any, "access key age"),
    op!(&[Scan], "iam", "GetAccountPasswordPolicy", ["iam:GetAccountPasswordPolicy"], Any, "the password policy"),
    op!(&[Scan], "iam", "GetAccountSummary", ["iam:GetAccountSummary"], Any, "root access keys"),
    op!(&[Scan], "cloudformation", "DescribeStacks", ["cloudformation:DescribeStacks"], Any, "stacks and their drift status"),
    op!(&[Scan], "cloudformation", "DetectStackDrift", ["cloudformation:DetectStackDrift", "cloudformation:DetectStackResourceDrift"], DriftDetection, "`scan --detect-drift` starts drift detection (CloudFormation authorises both actions, and compares each resource with the caller's read access)"),
    op!(&[Scan], "cloudformation", "DescribeStackDriftDetectionStatus", ["cloudformation:DescribeStackDriftDetectionStatus"], Any, "`scan --detect-drift` waits for it"),
    // scan --source config: what AWS Config recorded, in each account and region or through an aggregator.
    op!(&[Scan], "config", "DescribeConfigurationRecorders", ["config:DescribeConfigurationRecorders"], Any, "`--source config`: which types the recorder records (the rest are error findings)"),
    op!(&[Scan], "config", "ListDiscoveredResources", ["config:ListDiscoveredResources"], Any, "`--source config`: the recorded resources"),
    op!(&[Scan], "config", "BatchGetResourceConfig", ["config:BatchGetResourceConfig"], Any, "`--source config`: their configuration items, 100 a call"),
    op!(&[Scan], "config", "ListAggregateDiscoveredResources", ["config:ListAggregateDiscoveredResources"], Any, "`--source config --aggregator`: the resources across accounts and regions"),
    op!(&[Scan], "config", "BatchGetAggregateResourceConfig", ["config:BatchGetAggregateResourceConfig"], Any, "`--source config --aggregator`: their configuration items"),
    // scan --accounts: in the calling (management or delegated-admin) account.
    op!(&[Organization], "organizations", "ListAccounts", ["organizations:ListAccounts"], Any, "`--accounts all`: the organisation's active accounts"),
    op!(&[Organization], "sts", "AssumeRole", ["sts:AssumeRole"], MemberRole, "`--accounts`: the scan role in each member account"),
    // remediate: each action's writes, and the reads an applier makes of the
    // current configuration just before writing (core::remediation declares
    // the same IAM actions per action; a test checks they agree).
    op!(&[Remediate], "s3", "PutBucketEncryption", ["s3:PutEncryptionConfiguration"], Any, "s3-enable-default-encryption"),
    op!(&[Remediate], "s3", "DeleteBucketEncryption", ["s3:PutEncryptionConfiguration"], Any, "rollback of s3-enable-default-encryption where there was none"),
    op!(&[Remediate], "s3", "PutBucketVersioning", ["s3:PutBucketVersioning"], Any, "s3-enable-versioning and its rollback"),
    op!(&[Remediate], "s3", "PutPublicAccessBlock", ["s3:PutBucketPublicAccessBlock"], Any, "s3-block-public-access"),
    op!(&[Remediate], "s3", "DeletePublicAccessBlock", ["s3:PutBucketPublicAccessBlock"], Any, "rollback of s3-block-public-access where there was none"),
    op!(&[Remediate], "s3", "PutBucketPolicy", ["s3:PutBucketPolicy"], Any, "s3-enforce-tls, s3-remove-public-grants"),
    op!(&[Remediate], "s3", "DeleteBucketPolicy", ["s3:DeleteBucketPolicy"], Any, "a policy left with no statement, or a rollback to none"),
    op!(&[Remediate], "s3", "GetBucketAcl", ["s3:GetBucketAcl"], Any, "the ACL's owner and grants, kept as S3 has them"),
    op!(&[Remediate], "s3", "PutBucketAcl", ["s3:PutBucketAcl"], Any, "s3-remove-public-grants"),
    op!(&[Remediate], "s3", "GetBucketLifecycleConfiguration", ["s3:GetLifecycleConfiguration"], Any, "existing lifecycle rules, kept as S3 has them"),
    op!(&[Remediate], "s3", "PutBucketLifecycleConfiguration", ["s3:PutLifecycleConfiguration"], Any, "s3-add-lifecycle"),
    op!(&[Remediate], "s3", "DeleteBucketLifecycle", ["s3:PutLifecycleConfiguration"], Any, "rollback of s3-add-lifecycle where there were no rules"),
    op!(&[Remediate], "ec2", "DescribeNetworkInterfaces", ["ec2:DescribeNetworkInterfaces"], Any, "what uses a security group, shown in the plan"),
    op!(&[Remediate], "ec2", "RevokeSecurityGroupIngress", ["ec2:RevokeSecurityGroupIngress"], Any, "sg-revoke-world-ingress"),
    op!(&[Remediate], "ec2", "AuthorizeSecurityGroupIngress", ["ec2:AuthorizeSecurityGroupIngress"], Any, "narrowed port ranges, and rollback"),
    op!(&[Remediate], "ec2", "ModifyInstanceMetadataOptions", ["ec2:ModifyInstanceMetadataOptions"], Any, "ec2-require-imdsv2 (a DryRun call first checks the permission)"),
    op!(&[Remediate], "rds", "ModifyDBInstance", ["rds:ModifyDBInstance"], Any, "the RDS actions"),
    op!(&[Remediate], "iam", "UpdateAccessKey", ["iam:UpdateAccessKey"], Any, "iam-deactivate-stale-keys (never deletes)"),
    op!(&[Remediate], "iam", "UpdateAccountPasswordPolicy", ["iam:UpdateAccountPasswordPolicy"], Any, "iam-set-password-policy"),
    op!(&[Remediate], "iam", "DeleteAccountPasswordPolicy", ["iam:DeleteAccountPasswordPolicy"], Any, "rollback to no password policy"),
    // remediate --suffix: the stack's manifest, the trail in its table, one message, two metrics.
    op!(&[Remediate], "ssm", "GetParameter", ["ssm:GetParameter"], Parameters, "with --suffix: the stack's manifest names its table, topic and key"),
    op!(&[Remediate], "dynamodb", "BatchWriteItem", ["dynamodb:BatchWriteItem"], HistoryTable, "with --suffix: the trail, each run rewritten before and after every change"),
    op!(&[Remediate], "dynamodb", "BatchWriteItem", ["kms:Decrypt", "kms:GenerateDataKey"], KmsViaDynamoDb, "the table is encrypted with the stack's key"),
    op!(&[Remediate], "dynamodb", "Query", ["dynamodb:Query"], HistoryTable, "with --suffix: --log, --rollback and --from-scan read the table"),
    op!(&[Remediate], "sns", "Publish", ["sns:Publish"], AlertTopic, "with --suffix: one message per applied run"),
    op!(&[Remediate], "sns", "Publish", ["kms:Decrypt", "kms:GenerateDataKey"], KmsViaSns, "the topic is encrypted with the stack's key"),
    op!(&[Remediate], "cloudwatch", "PutMetricData", ["cloudwatch:PutMetricData"], MetricsNamespace, "with --suffix: RemediationSucceeded and RemediationFailed per applied run"),
    // Rule parameters from SSM, read in the home region.
    op!(&[Ssm], "ssm", "GetParameter", ["ssm:GetParameter"], Parameters, "rule parameters named `ssm:/compliance/…`"),
    op!(&[Ssm], "ssm", "GetParameter", ["kms:Decrypt"], KmsViaSsm, "SecureString rule parameters"),
    // scan --suffix: where the stack is, then history, alerts and metrics.
    op!(&[History, Alerts, Metrics], "ssm", "GetParameter", ["ssm:GetParameter"], Parameters, "the stack's manifest names its table and topic"),
    op!(&[History], "dynamodb", "DescribeTable", ["dynamodb:DescribeTable"], HistoryTable, "the history table exists and is active"),
    op!(&[History], "dynamodb", "BatchWriteItem", ["dynamodb:BatchWriteItem"], HistoryTable, "one record per resource per scan"),
    op!(&[History], "dynamodb", "PutItem", ["dynamodb:PutItem"], HistoryTable, "the scan summary, written last"),
    op!(&[History], "dynamodb", "Query", ["dynamodb:Query"], HistoryTable, "previous scans: alerts, `history`, `diff`, `score --scan`"),
    op!(&[History], "dynamodb", "BatchWriteItem", ["kms:Decrypt", "kms:GenerateDataKey"], KmsViaDynamoDb, "the table is encrypted with the stack's key"),
    op!(&[Alerts], "sns", "Publish", ["sns:Publish"], AlertTopic, "one alert message per scan"),
    op!(&[Alerts], "sns", "Publish", ["kms:Decrypt", "kms:GenerateDataKey"], KmsViaSns, "the topic is encrypted with the stack's key"),
    op!(&[SecurityHub], "sts", "GetCallerIdentity", ["sts:GetCallerIdentity"], Any, "the account findings without one are imported into"),
    op!(&[SecurityHub], "securityhub", "BatchImportFindings", ["securityhub:BatchImportFindings"], SecurityHubImport, "`report --to securityhub`, 100 findings per call"),
    op!(&[Upload], "sts", "GetCallerIdentity", ["sts:GetCallerIdentity"], Any, "`--upload` with `--suffix`: the stack's names"),
    op!(&[Upload], "ssm", "GetParameter", ["ssm:GetParameter"], Parameters, "`--upload` with `--suffix`: the stack's manifest"),
    op!(&[Upload], "s3", "GetBucketLocation", ["s3:GetBucketLocation"], Any, "the bucket's region"),
    op!(&[Upload], "s3", "GetBucketEncryption", ["s3:GetEncryptionConfiguration"], Any, "the bucket's SSE-KMS key, used for the reports"),
    op!(&[Upload], "s3", "PutObject", ["s3:PutObject"], ReportObjects, "`report --upload`: one object per report file"),
    op!(&[Upload], "s3", "PutObject", ["kms:GenerateDataKey"], KmsViaS3, "reports encrypted with the bucket's KMS key"),
    op!(&[Metrics], "cloudwatch", "PutMetricData", ["cloudwatch:PutMetricData"], MetricsNamespace, "score and failing counts after each scan"),
    // setup / status / teardown: the manifest in SSM.
    op!(READ, "ssm", "GetParameter", ["ssm:GetParameter"], Parameters, "the stack's manifest"),
    op!(READ, "ssm", "GetParametersByPath", ["ssm:GetParametersByPath"], Parameters, "the stacks of the account and region, when no suffix is given"),
    op!(DELETE, "ssm", "PutParameter", ["ssm:PutParameter", "ssm:AddTagsToResource"], Parameters, "the manifest, tagged; teardown saves what is left after each removal"),
    op!(DELETE, "ssm", "DeleteParameter", ["ssm:DeleteParameter"], Parameters, "the manifest, last of all"),
    // KMS: the stack's key.
    op!(READ, "kms", "DescribeKey", ["kms:DescribeKey"], Any, "the key behind the alias"),
    op!(READ, "kms", "GetKeyRotationStatus", ["kms:GetKeyRotationStatus"], Any, "rotation drift"),
    op!(READ, "kms", "GetKeyPolicy", ["kms:GetKeyPolicy"], Any, "key policy drift"),
    op!(READ, "kms", "ListResourceTags", ["kms:ListResourceTags"], Any, "ownership tags"),
    op!(WRITE, "kms", "CreateKey", ["kms:CreateKey", "kms:TagResource"], Any, "the stack's key, tagged"),
    op!(WRITE, "kms", "CreateAlias", ["kms:CreateAlias"], Any, "alias/compliance-{suffix}"),
    op!(WRITE, "kms", "EnableKey", ["kms:EnableKey"], Any, "repair a disabled key"),
    op!(WRITE, "kms", "EnableKeyRotation", ["kms:EnableKeyRotation"], Any, "yearly rotation"),
    op!(WRITE, "kms", "PutKeyPolicy", ["kms:PutKeyPolicy"], Any, "lets Config, SNS, CloudWatch and EventBridge use the key"),
    op!(WRITE, "kms", "TagResource", ["kms:TagResource"], Any, "repair ownership tags"),
    op!(WRITE, "kms", "CancelKeyDeletion", ["kms:CancelKeyDeletion"], Any, "a key pending deletion is restored"),
    op!(DELETE, "kms", "DeleteAlias", ["kms:DeleteAlias"], Any, "teardown"),
    op!(DELETE, "kms", "ScheduleKeyDeletion", ["kms:ScheduleKeyDeletion"], Any, "teardown (keys are never deleted at once)"),
    // IAM: the Config role.
    op!(READ, "iam", "GetRole", ["iam:GetRole"], Any, "the Config role and its tags"),
    op!(READ, "iam", "ListAttachedRolePolicies", ["iam:ListAttachedRolePolicies"], Any, "managed policy drift"),
    op!(READ, "iam", "ListRolePolicies", ["iam:ListRolePolicies"], Any, "inline policies"),
    op!(READ, "iam", "GetRolePolicy", ["iam:GetRolePolicy"], Any, "inline policy drift"),
    op!(WRITE, "iam", "CreateRole", ["iam:CreateRole", "iam:TagRole"], Any, "the Config role (and with `--organization` the aggregator's role), tagged"),
    op!(WRITE, "iam", "TagRole", ["iam:TagRole"], Any, "repair ownership tags"),
    op!(WRITE, "iam", "UpdateAssumeRolePolicy", ["iam:UpdateAssumeRolePolicy"], Any, "repair the trust policy"),
    op!(WRITE, "iam", "AttachRolePolicy", ["iam:AttachRolePolicy"], Any, "AWS_ConfigRole; AWSConfigRoleForOrganizations with `--organization`"),
    op!(WRITE, "iam", "PutRolePolicy", ["iam:PutRolePolicy"], Any, "delivery to the evidence bucket and topic"),
    op!(DELETE, "iam", "DetachRolePolicy", ["iam:DetachRolePolicy"], Any, "teardown"),
    op!(DELETE, "iam", "DeleteRolePolicy", ["iam:DeleteRolePolicy"], Any, "teardown"),
    op!(DELETE, "iam", "DeleteRole", ["iam:DeleteRole"], Any, "teardown"),
    // S3: the evidence bucket.
    op!(READ, "s3", "HeadBucket", ["s3:ListBucket"], Any, "whether the bucket exists and is ours"),
    op!(READ, "s3", "GetBucketTagging", ["s3:GetBucketTagging"], Any, "ownership tags"),
    op!(READ, "s3", "GetBucketVersioning", ["s3:GetBucketVersioning"], Any, "versioning drift"),
    op!(READ, "s3", "GetBucketEncryption", ["s3:GetEncryptionConfiguration"], Any, "encryption drift"),
    op!(READ, "s3", "GetPublicAccessBlock", ["s3:GetBucketPublicAccessBlock"], Any, "public access block drift"),
    op!(READ, "s3", "GetBucketPolicy", ["s3:GetBucketPolicy"], Any, "bucket policy drift"),
    op!(READ, "s3", "GetBucketLifecycleConfiguration", ["s3:GetLifecycleConfiguration"], Any, "lifecycle drift"),
    op!(WRITE, "s3", "CreateBucket", ["s3:CreateBucket"], Any, "the evidence bucket"),
    op!(WRITE, "s3", "PutBucketTagging", ["s3:PutBucketTagging"], Any, "ownership tags"),
    op!(WRITE, "s3", "PutBucketVersioning", ["s3:PutBucketVersioning"], Any, "versioning"),
    op!(WRITE, "s3", "PutBucketEncryption", ["s3:PutEncryptionConfiguration"], Any, "SSE-KMS or SSE-S3"),
    op!(WRITE, "s3", "PutPublicAccessBlock", ["s3:PutBucketPublicAccessBlock"], Any, "no public access"),
    op!(WRITE, "s3", "PutBucketLifecycleConfiguration", ["s3:PutLifecycleConfiguration"], Any, "evidence retention"),
    op!(WRITE, "s3", "PutBucketPolicy", ["s3:PutBucketPolicy"], Any, "TLS only, Config delivery"),
    op!(DELETE, "s3", "DeleteBucketPolicy", ["s3:DeleteBucketPolicy"], Any, "teardown: the policy denies deleting objects"),
    op!(DELETE, "s3", "ListMultipartUploads", ["s3:ListBucketMultipartUploads"], Any, "teardown: unfinished uploads keep a bucket from being deleted"),
    op!(DELETE, "s3", "AbortMultipartUpload", ["s3:AbortMultipartUpload"], Any, "teardown: unfinished uploads"),
    op!(DELETE, "s3", "ListObjectVersions", ["s3:ListBucketVersions"], Any, "teardown: every version of the evidence"),
    op!(DELETE, "s3", "DeleteObjects", ["s3:DeleteObject", "s3:DeleteObjectVersion"], Any, "teardown: empty the bucket"),
    op!(DELETE, "s3", "DeleteBucket", ["s3:DeleteBucket"], Any, "teardown"),
    // AWS Config: recorder, delivery channel, rules, aggregator.
    op!(READ, "config", "DescribeConfigurationRecorders", ["config:DescribeConfigurationRecorders"], Any, "the recorder (one per region)"),
    op!(READ, "config", "DescribeConfigurationRecorderStatus", ["config:DescribeConfigurationRecorderStatus"], Any, "whether it records"),
    op!(READ, "config", "DescribeDeliveryChannels", ["config:DescribeDeliveryChannels"], Any, "the delivery channel"),
    op!(READ, "config", "DescribeConfigRules", ["config:DescribeConfigRules"], Any, "the managed rules"),
    op!(READ, "config", "DescribeConfigurationAggregators", ["config:DescribeConfigurationAggregators"], Any, "the aggregator"),
    op!(READ, "config", "ListTagsForResource", ["config:ListTagsForResource"], Any, "ownership tags"),
    op!(WRITE, "config", "PutConfigurationRecorder", ["config:PutConfigurationRecorder"], Any, "record the rules' resource types"),
    op!(WRITE, "config", "PutConfigurationRecorder", ["iam:PassRole"], ConfigRole, "the recorder assumes the Config role"),
    op!(WRITE, "config", "StartConfigurationRecorder", ["config:StartConfigurationRecorder"], Any, "start recording"),
    op!(WRITE, "config", "PutDeliveryChannel", ["config:PutDeliveryChannel"], Any, "snapshots to the evidence bucket"),
    op!(WRITE, "config", "PutConfigRule", ["config:PutConfigRule", "config:TagResource"], Any, "the managed rules, tagged"),
    op!(WRITE, "config", "PutConfigurationAggregator", ["config:PutConfigurationAggregator", "config:TagResource"], Any, "`--regions`, `--accounts`, `--organization`"),
    op!(WRITE, "config", "PutConfigurationAggregator", ["iam:PassRole"], ConfigRole, "`--organization`: Config assumes the role compliance-config-org-{suffix}"),
    op!(WRITE, "config", "PutConfigurationAggregator", ["config:PutConfigurationAggregator", "organizations:EnableAWSServiceAccess", "organizations:ListDelegatedAdministrators"], Any, "`--organization`: Config enables its access to the organisation (management account) or checks the delegated administrator"),
    op!(WRITE, "config", "TagResource", ["config:TagResource"], Any, "repair ownership tags"),
    op!(DELETE, "config", "StopConfigurationRecorder", ["config:StopConfigurationRecorder"], Any, "teardown"),
    op!(DELETE, "config", "DeleteConfigurationRecorder", ["config:DeleteConfigurationRecorder"], Any, "teardown"),
    op!(DELETE, "config", "DeleteDeliveryChannel", ["config:DeleteDeliveryChannel"], Any, "teardown"),
    op!(DELETE, "config", "DeleteConfigRule", ["config:DeleteConfigRule"], Any, "teardown"),
    op!(DELETE, "config", "DeleteConfigurationAggregator", ["config:DeleteConfigurationAggregator"], Any, "teardown"),
    // DynamoDB: the history table.
    op!(READ, "dynamodb", "DescribeTable", ["dynamodb:DescribeTable"], Any, "the history table"),
    op!(READ, "dynamodb", "DescribeContinuousBackups", ["dynamodb:DescribeContinuousBackups"], Any, "point-in-time recovery"),
    op!(READ, "dynamodb", "DescribeTimeToLive", ["dynamodb:DescribeTimeToLive"], Any, "`--retain-days`"),
    op!(READ, "dynamodb", "ListTagsOfResource", ["dynamodb:ListTagsOfResource"], Any, "ownership tags"),
    op!(WRITE, "dynamodb", "CreateTable", ["dynamodb:CreateTable", "dynamodb:TagResource"], Any, "the history table, tagged"),
    op!(WRITE, "dynamodb", "CreateTable", ["kms:CreateGrant", "kms:DescribeKey"], KmsViaDynamoDb, "the table is encrypted with the stack's key"),
    op!(WRITE, "dynamodb", "UpdateTable", ["dynamodb:UpdateTable"], Any, "repair encryption or the index"),
    op!(WRITE, "dynamodb", "UpdateTable", ["kms:CreateGrant", "kms:DescribeKey"], KmsViaDynamoDb, "re-encryption with the stack's key"),
    op!(WRITE, "dynamodb", "UpdateContinuousBackups", ["dynamodb:UpdateContinuousBackups"], Any, "point-in-time recovery"),
    op!(WRITE, "dynamodb", "UpdateTimeToLive", ["dynamodb:UpdateTimeToLive"], Any, "`--retain-days`"),
    op!(WRITE, "dynamodb", "TagResource", ["dynamodb:TagResource"], Any, "repair ownership tags"),
    op!(DELETE, "dynamodb", "DeleteTable", ["dynamodb:DeleteTable"], Any, "teardown"),
    // SNS: the alert topic.
    op!(READ, "sns", "GetTopicAttributes", ["sns:GetTopicAttributes"], Any, "policy and encryption drift"),
    op!(READ, "sns", "ListSubscriptionsByTopic", ["sns:ListSubscriptionsByTopic"], Any, "the e-mail subscriptions"),
    op!(READ, "sns", "ListTagsForResource", ["sns:ListTagsForResource"], Any, "ownership tags"),
    op!(WRITE, "sns", "CreateTopic", ["sns:CreateTopic", "sns:TagResource"], Any, "the alert topic, tagged"),
    op!(WRITE, "sns", "SetTopicAttributes", ["sns:SetTopicAttributes"], Any, "policy and encryption"),
    op!(WRITE, "sns", "Subscribe", ["sns:Subscribe"], Any, "`--email`"),
    op!(WRITE, "sns", "TagResource", ["sns:TagResource"], Any, "repair ownership tags"),
    op!(DELETE, "sns", "Unsubscribe", ["sns:Unsubscribe"], Any, "an address no longer given"),
    op!(DELETE, "sns", "DeleteTopic", ["sns:DeleteTopic"], Any, "teardown"),
    // EventBridge: the route from Config to the topic.
    op!(READ, "events", "DescribeRule", ["events:DescribeRule"], Any, "the route"),
    op!(READ, "events", "ListTargetsByRule", ["events:ListTargetsByRule"], Any, "its target"),
    op!(READ, "events", "ListTagsForResource", ["events:ListTagsForResource"], Any, "ownership tags"),
    op!(WRITE, "events", "PutRule", ["events:PutRule", "events:TagResource"], Any, "Config compliance changes, tagged"),
    op!(WRITE, "events", "PutTargets", ["events:PutTargets"], Any, "to the alert topic"),
    op!(WRITE, "events", "TagResource", ["events:TagResource"], Any, "repair ownership tags"),
    op!(DELETE, "events", "RemoveTargets", ["events:RemoveTargets"], Any, "teardown"),
    op!(DELETE, "events", "DeleteRule", ["events:DeleteRule"], Any, "teardown"),
    // CloudWatch: dashboard and alarm.
    op!(READ, "cloudwatch", "GetDashboard", ["cloudwatch:GetDashboard"], Any, "the dashboard"),
    op!(READ, "cloudwatch", "DescribeAlarms", ["cloudwatch:DescribeAlarms"], Any, "the score alarm"),
    op!(READ, "cloudwatch", "ListTagsForResource", ["cloudwatch:ListTagsForResource"], Any, "ownership tags"),
    op!(WRITE, "cloudwatch", "PutDashboard", ["cloudwatch:PutDashboard"], Any, "the dashboard"),
    op!(WRITE, "cloudwatch", "PutMetricAlarm", ["cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"], Any, "the score alarm, tagged"),
    op!(WRITE, "cloudwatch", "TagResource", ["cloudwatch:TagResource"], Any, "repair ownership tags"),
    op!(DELETE, "cloudwatch", "DeleteDashboards", ["cloudwatch:DeleteDashboards"], Any, "teardown"),
    op!(DELETE, "cloudwatch", "DeleteAlarms", ["cloudwatch:DeleteAlarms"], Any, "teardown"),
];

/// The rows of `service`/`operation` that `command` may use.
pub fn rows(command: Command, service: &str, operation: &str) -> Vec<&'static Operation> {
    OPERATIONS
        .iter()
        .filter(|o| o.service == service && o.operation == operation)
        .filter(|o| o.commands.contains(&command))
        .collect()
}

/// True when one of `commands` may call `service`/`operation`.
pub fn allows(commands: &[Command], service: &str, operation: &str) -> bool {
    commands
        .iter()
        .any(|c| !rows(*c, service, operation).is_empty())
}

/// The IAM actions one policy grants, by scope.
pub fn actions(policy: Policy) -> BTreeMap<Scope, BTreeSet<&'static str>> {
    let mut out: BTreeMap<Scope, BTreeSet<&'static str>> = BTreeMap::new();
    for row in OPERATIONS {
        if row.commands.iter().any(|c| policy.commands().contains(c)) {
            out.entry(row.scope)
                .or_default()
                .extend(row.actions.iter().copied());
        }
    }
    out
}

/// The least-privilege policy document, one statement per scope.
pub fn policy(policy: Policy) -> Value {
    let statements: Vec<Value> = actions(policy)
        .into_iter()
        .map(|(scope, actions)| {
            let mut s = Map::new();
            s.insert(
                "Sid".into(),
                json!(format!("{}{}", policy.sid(), scope.name())),
            );
            s.insert("Effect".into(), json!("Allow"));
            s.insert(
                "Action".into(),
                json!(actions.into_iter().collect::<Vec<_>>()),
            );
            s.insert("Resource".into(), scope.resource());
            if let Some(condition) = scope.condition() {
                s.insert("Condition".into(), condition);
            }
            Value::Object(s)
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remediate_policy_grants_every_action_the_core_declares() {
        let granted: BTreeSet<&str> = actions(Policy::Remediate).into_values().flatten().collect();
        for action in crate::core::remediation::iam_actions() {
            assert!(
                granted.contains(action),
                "{action} is declared by an action but not granted by `iam-policy --for remediate`"
            );
        }
        assert!(
            !granted
                .iter()
                .any(|a| a.starts_with("s3:Delete") && *a != "s3:DeleteBucketPolicy"),
            "remediate never deletes buckets or objects"
        );
    }

    #[test]
    fn every_row_names_a_service_action_and_reason() {
        for row in OPERATIONS {
            assert!(!row.commands.is_empty(), "{row:?}");
            assert!(!row.why.is_empty(), "{row:?}");
            for action in row.actions {
                let (prefix, name) = action.split_once(':').expect("service:Action");
                assert!(
                    !prefix.is_empty() && name.starts_with(char::is_uppercase),
                    "{action}"
                );
            }
            // The row's own service is among its actions, unless the row is an
            // extra one for a permission the service uses on the caller's behalf.
            if !matches!(
                row.scope,
                Scope::KmsViaSsm
                    | Scope::KmsViaDynamoDb
                    | Scope::KmsViaSns
                    | Scope::KmsViaS3
                    | Scope::ConfigRole
            ) {
                assert!(
                    row.actions
                        .iter()
                        .any(|a| a.starts_with(&format!("{}:", row.service))),
                    "{row:?}"
                );
            }
        }
    }

    #[test]
    fn teardown_may_abort_unfinished_uploads() {
        let teardown = actions(Policy::Teardown);
        let any = &teardown[&Scope::Any];
        assert!(any.contains("s3:ListBucketMultipartUploads"));
        assert!(any.contains("s3:AbortMultipartUpload"));
        let setup = actions(Policy::Setup);
        assert!(setup[&Scope::Any].contains("s3:AbortMultipartUpload"));
    }

    #[test]
    fn status_reads_only() {
        for actions in actions(Policy::Status).values() {
            for a in actions {
                let name = a.split_once(':').unwrap().1;
                assert!(
                    ["Get", "List", "Describe"]
                        .iter()
                        .any(|p| name.starts_with(p)),
                    "status may not call {a}"
                );
            }
        }
    }

    #[test]
    fn scan_writes_only_to_the_stack_and_its_namespace() {
        let scan = actions(Policy::Scan);
        for (scope, actions) in &scan {
            for a in actions {
                let name = a.split_once(':').unwrap().1;
                let read = ["Get", "BatchGet", "List", "Describe", "Query", "Decrypt"]
                    .iter()
                    .any(|p| name.starts_with(p));
                assert!(
                    read || *scope != Scope::Any,
                    "scan's {a} is not limited to the stack"
                );
            }
        }
        let document = policy(Policy::Scan);
        let metrics = document["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Action"] == json!(["cloudwatch:PutMetricData"]))
            .expect("a statement for metrics");
        assert_eq!(
            metrics["Condition"]["StringEquals"]["cloudwatch:namespace"],
            "Compliance"
        );
    }

    #[test]
    fn organisation_scans_assume_only_the_member_role() {
        let management = actions(Policy::OrganizationScan);
        assert!(management[&Scope::Any].contains("organizations:ListAccounts"));
        assert!(management[&Scope::MemberRole].contains("sts:AssumeRole"));
        let member = actions(Policy::MemberScan);
        assert!(member[&Scope::Any].contains("config:BatchGetResourceConfig"));
        assert!(member.values().all(|a| !a.contains("sts:AssumeRole")));
        assert!(!actions(Policy::Scan).contains_key(&Scope::MemberRole));
    }

    #[test]
    fn pass_role_is_limited_to_config() {
        let document = policy(Policy::Setup);
        let pass = document["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Action"] == json!(["iam:PassRole"]))
            .expect("a PassRole statement");
        assert_eq!(pass["Resource"], "arn:aws:iam::*:role/compliance-config-*");
        assert_eq!(
            pass["Condition"]["StringEquals"]["iam:PassedToService"],
            "config.amazonaws.com"
        );
    }
}
