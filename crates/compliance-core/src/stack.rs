//! The monitoring stack that `setup` creates, as data: names, tags, documents
//! (policies, lifecycle, event pattern, dashboard) and the manifest of what was
//! created or adopted.
//!
//! Everything here is derived from a [`StackSpec`] with no AWS call, so the plan
//! `--dry-run` prints, the drift `status` reports and the resources `setup` writes
//! all come from one place, and the documents are unit-tested without AWS.
//! Input validation (suffix, e-mail, region) also lives here so bad input stops
//! with exit 2 before any call is made.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The tag every resource of the stack carries; teardown deletes nothing without it.
pub const MANAGED_BY: (&str, &str) = ("ManagedBy", "compliance");
pub const SUFFIX_TAG: &str = "ComplianceSuffix";
/// Metric namespace shared by scan (which publishes), the dashboard and the alarm.
pub const METRIC_NAMESPACE: &str = "Compliance";

/// How often Config evaluates periodic rules and delivers snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Frequency {
    One,
    Three,
    Six,
    Twelve,
    TwentyFour,
}

impl Frequency {
    pub fn parse(text: &str) -> Result<Frequency, String> {
        Ok(match text.trim().to_ascii_lowercase().as_str() {
            "1h" | "one_hour" => Frequency::One,
            "3h" | "three_hours" => Frequency::Three,
            "6h" | "six_hours" => Frequency::Six,
            "12h" | "twelve_hours" => Frequency::Twelve,
            "24h" | "1d" | "twentyfour_hours" => Frequency::TwentyFour,
            other => return Err(format!("--frequency {other}: use 1h, 3h, 6h, 12h or 24h")),
        })
    }

    /// AWS Config's `MaximumExecutionFrequency` value.
    pub fn as_config(self) -> &'static str {
        match self {
            Frequency::One => "One_Hour",
            Frequency::Three => "Three_Hours",
            Frequency::Six => "Six_Hours",
            Frequency::Twelve => "Twelve_Hours",
            Frequency::TwentyFour => "TwentyFour_Hours",
        }
    }
}

/// Server-side encryption of the evidence bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sse {
    Kms,
    Aes256,
}

/// One AWS managed Config rule to deploy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedRule {
    /// Our rule id, e.g. `s3-versioning-enabled`.
    pub rule_id: String,
    /// The Config rule name: `compliance-{rule_id}-{suffix}`, cut to Config's 128 characters.
    pub name: String,
    /// The AWS managed rule identifier, e.g. `S3_BUCKET_VERSIONING_ENABLED`.
    pub identifier: String,
    pub parameters: BTreeMap<String, String>,
    /// Periodic rules get `MaximumExecutionFrequency`.
    pub periodic: bool,
    /// Resource types the rule is scoped to (Config's `Scope.ComplianceResourceTypes`).
    pub resource_types: Vec<String>,
}

/// A rule of the catalogue whose AWS Config rule setup does not deploy, and why:
/// a parameter the managed rule needs is empty (the drift rule's
/// `cfn_role_arn`), so PutConfigRule would fail. Shown as a row of the plan and
/// of `status`, not as a warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedRule {
    /// Our rule id, e.g. `cfn-stack-no-drift`.
    pub rule_id: String,
    /// The Config rule name it would have.
    pub name: String,
    /// The rule parameter that is empty.
    pub parameter: String,
}

impl SkippedRule {
    /// Why, in a few words: "needs cfn_role_arn".
    pub fn reason(&self) -> String {
        format!("needs {}", self.parameter)
    }
}

/// Everything `setup` needs to know, from flags and compliance.toml.
#[derive(Debug, Clone, PartialEq)]
pub struct StackSpec {
    pub suffix: String,
    pub account: String,
    pub region: String,
    pub partition: String,
    pub emails: Vec<String>,
    pub frequency: Frequency,
    pub sse: Sse,
    /// Regions for the Config aggregator. With the default scope (this
    /// account), empty means no aggregator; with `--accounts` or
    /// `--organization`, empty means every region (AllAwsRegions).
    pub aggregator_regions: Vec<String>,
    /// Whose data the aggregator collects (`--accounts`, `--organization`).
    pub aggregator_scope: AggregatorScope,
    /// Extra tags (Owner, Environment, CostCenter, ComplianceLevel, …).
    pub tags: BTreeMap<String, String>,
    pub rules: Vec<ManagedRule>,
    /// The score below which the alarm fires.
    pub threshold: f64,
    /// Days history items live (DynamoDB TTL); `None` keeps them.
    pub retain_days: Option<u32>,
    /// Extend an existing (adopted) Config recorder with the types the rules need.
    pub adopt_recorder: bool,
}

/// Whose AWS Config data the stack's aggregator collects.
///
/// Recorded in the manifest's [`StackChoices`], so `status` and `teardown`
/// (which take no such flag) judge the aggregator against what setup was asked
/// for; a later `setup` without the flag goes back to [`AggregatorScope::Account`]
/// as it does for every other flag (setup applies what it is told).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggregatorScope {
    /// This account only; an aggregator exists only while `--regions` are given.
    #[default]
    Account,
    /// `setup --accounts ID,…`: these accounts (sorted, without repeats).
    Accounts(Vec<String>),
    /// `setup --organization`: every account of the organisation, through a
    /// role Config assumes (`names.org_role`, AWSConfigRoleForOrganizations).
    Organization,
}

/// An AWS account id: twelve digits.
pub fn validate_account_id(id: &str) -> Result<(), String> {
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("`{id}` is not an AWS account id (twelve digits)"))
    }
}

/// The account ids of `setup --accounts`, checked, sorted and without repeats.
pub fn parse_account_ids(given: &[String]) -> Result<Vec<String>, String> {
    let mut ids = std::collections::BTreeSet::new();
    for id in given {
        let id = id.trim();
        validate_account_id(id).map_err(|e| format!("--accounts: {e}"))?;
        ids.insert(id.to_string());
    }
    if ids.is_empty() {
        return Err("--accounts: name at least one account id".into());
    }
    Ok(ids.into_iter().collect())
}

/// The names of every resource of a stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Names {
    pub kms_alias: String,
    pub role: String,
    pub role_policy: String,
    /// The role Config assumes to read the organisation (`--organization` only).
    pub org_role: String,
    pub bucket: String,
    pub recorder: String,
    pub channel: String,
    pub aggregator: String,
    pub table: String,
    pub scan_index: String,
    pub topic: String,
    pub event_rule: String,
    pub dashboard: String,
    pub alarm: String,
    pub manifest_parameter: String,
}

/// Suffixes end up in bucket, role, table and rule names: lower-case letters,
/// digits and dashes, 1–15 characters, so `compliance-evidence-{suffix}-{account}-{region}`
/// stays within S3's 63 characters in every region.
pub fn validate_suffix(suffix: &str) -> Result<(), String> {
    if suffix.is_empty() {
        return Err("--suffix must not be empty".into());
    }
    if suffix.len() > 15 {
        return Err(format!("--suffix `{suffix}` is {} characters; at most 15 keep every resource name within AWS limits", suffix.len()));
    }
    if !suffix
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(format!("--suffix `{suffix}`: only lower-case letters, digits and `-` (S3 bucket names allow no others)"));
    }
    if suffix.starts_with('-') || suffix.ends_with('-') || suffix.contains("--") {
        return Err(format!(
            "--suffix `{suffix}` must not start or end with `-` or contain `--`"
        ));
    }
    Ok(())
}

/// A plausible single mailbox: what SNS will accept for an email subscription.
pub fn validate_email(email: &str) -> Result<(), String> {
    let bad = || Err(format!("--email `{email}` is not an e-mail address"));
    let Some((local, domain)) = email.split_once('@') else {
        return bad();
    };
    if local.is_empty()
        || domain.len() < 3
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return bad();
    }
    if email
        .chars()
        .any(|c| c.is_whitespace() || c == ',' || c == ';' || c == '<' || c == '>')
        || domain.contains('@')
    {
        return bad();
    }
    Ok(())
}

/// The AWS regions known to this release. A region AWS opens later is refused
/// with a message saying so; checking here means a typo stops setup before any call.
pub const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

/// A region this release knows (see [`KNOWN_REGIONS`]).
pub fn validate_known_region(region: &str) -> Result<(), String> {
    validate_region(region)?;
    if KNOWN_REGIONS.contains(&region) {
        Ok(())
    } else {
        Err(format!(
            "`{region}` is not an AWS region this release knows ({} …); check the spelling",
            KNOWN_REGIONS[..4].join(", ")
        ))
    }
}

/// Region names as AWS writes them (`eu-west-1`, `us-gov-west-1`).
pub fn validate_region(region: &str) -> Result<(), String> {
    if crate::resource::is_region_name(region) {
        Ok(())
    } else {
        Err(format!(
            "`{region}` is not an AWS region name (such as eu-west-1)"
        ))
    }
}

/// Config rule names allow 128 characters of letters, digits, `-` and `_`.
pub fn config_rule_name(rule_id: &str, suffix: &str) -> String {
    let name = format!("compliance-{rule_id}-{suffix}");
    name.chars().take(128).collect()
}

impl Names {
    /// The names of a stack from its suffix, account and region alone.
    pub fn of(suffix: &str, account: &str, region: &str) -> Names {
        let s = suffix;
        Names {
            kms_alias: format!("alias/compliance-{s}"),
            role: format!("compliance-config-{s}"),
            role_policy: format!("compliance-config-delivery-{s}"),
            org_role: format!("compliance-config-org-{s}"),
            bucket: format!("compliance-evidence-{s}-{account}-{region}"),
            recorder: format!("compliance-recorder-{s}"),
            channel: format!("compliance-channel-{s}"),
            aggregator: format!("compliance-aggregator-{s}"),
            table: format!("compliance-findings-{s}"),
            scan_index: "scan_id-index".into(),
            topic: format!("compliance-alerts-{s}"),
            event_rule: format!("compliance-noncompliant-{s}"),
            dashboard: format!("compliance-{s}"),
            alarm: format!("compliance-score-below-threshold-{s}"),
            manifest_parameter: format!("/compliance/{s}/manifest"),
        }
    }
}

impl StackSpec {
    pub fn names(&self) -> Names {
        Names::of(&self.suffix, &self.account, &self.region)
    }

    /// Tags on every resource: ours first, then the operator's.
    pub fn tags(&self) -> BTreeMap<String, String> {
        let mut tags = self.tags.clone();
        tags.insert(MANAGED_BY.0.into(), MANAGED_BY.1.into());
        tags.insert(SUFFIX_TAG.into(), self.suffix.clone());
        tags
    }

    pub fn bucket_arn(&self) -> String {
        format!("arn:{}:s3:::{}", self.partition, self.names().bucket)
    }

    pub fn role_arn(&self) -> String {
        format!(
            "arn:{}:iam::{}:role/{}",
            self.partition,
            self.account,
            self.names().role
        )
    }

    /// The ARN of the organisation aggregator's role.
    pub fn org_role_arn(&self) -> String {
        format!(
            "arn:{}:iam::{}:role/{}",
            self.partition,
            self.account,
            self.names().org_role
        )
    }

    /// Whether the stack has an aggregator: regions given, or a scope beyond this account.
    pub fn wants_aggregator(&self) -> bool {
        !self.aggregator_regions.is_empty() || self.aggregator_scope != AggregatorScope::Account
    }

    /// Whether the stack has the organisation aggregator's role.
    pub fn wants_org_role(&self) -> bool {
        self.aggregator_scope == AggregatorScope::Organization
    }

    pub fn topic_arn(&self) -> String {
        format!(
            "arn:{}:sns:{}:{}:{}",
            self.partition,
            self.region,
            self.account,
            self.names().topic
        )
    }

    /// Trust policy of the Config role.
    pub fn role_trust_policy(&self) -> Value {
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "config.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"AWS:SourceAccount": self.account}}
            }]
        })
    }

    /// The role's inline policy: delivery to this bucket only, no wildcard resources.
    pub fn role_inline_policy(&self) -> Value {
        let bucket = self.bucket_arn();
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DeliverToEvidenceBucket",
                    "Effect": "Allow",
                    "Action": ["s3:PutObject", "s3:PutObjectAcl"],
                    "Resource": format!("{bucket}/AWSLogs/{}/*", self.account),
                    "Condition": {"StringLike": {"s3:x-amz-acl": "bucket-owner-full-control"}}
                },
                {
                    "Sid": "CheckEvidenceBucket",
                    "Effect": "Allow",
                    "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
                    "Resource": bucket
                }
            ]
        })
    }

    /// Bucket policy: deny every request without TLS, and let AWS Config (from
    /// this account only) check the bucket and deliver into its prefix.
    pub fn bucket_policy(&self) -> Value {
        let bucket = self.bucket_arn();
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket.clone(), format!("{bucket}/*")],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}}
                },
                {
                    "Sid": "AWSConfigBucketPermissionsCheck",
                    "Effect": "Allow",
                    "Principal": {"Service": "config.amazonaws.com"},
                    "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
                    "Resource": bucket.clone(),
                    "Condition": {"StringEquals": {"AWS:SourceAccount": self.account}}
                },
                {
                    "Sid": "AWSConfigBucketDelivery",
                    "Effect": "Allow",
                    "Principal": {"Service": "config.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": format!("{bucket}/AWSLogs/{}/Config/*", self.account),
                    "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "AWS:SourceAccount": self.account}}
                }
            ]
        })
    }

    /// KMS key policy: the account administers the key; Config, SNS, EventBridge,
    /// CloudWatch and DynamoDB (through this account) may use it.
    pub fn key_policy(&self) -> Value {
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministers",
                    "Effect": "Allow",
                    "Principal": {"AWS": format!("arn:{}:iam::{}:root", self.partition, self.account)},
                    "Action": "kms:*",
                    "Resource": "*"
                },
                {
                    "Sid": "ServicesEncrypt",
                    "Effect": "Allow",
                    "Principal": {"Service": ["config.amazonaws.com", "events.amazonaws.com", "cloudwatch.amazonaws.com", "sns.amazonaws.com"]},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": self.account}}
                }
            ]
        })
    }

    /// EventBridge pattern: Config rule results that turned NON_COMPLIANT, for our rules only.
    pub fn event_pattern(&self) -> Value {
        json!({
            "source": ["aws.config"],
            "detail-type": ["Config Rules Compliance Change"],
            "detail": {
                "messageType": ["ComplianceChangeNotification"],
                "configRuleName": [{"prefix": "compliance-"}],
                "newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]}
            }
        })
    }

    /// Input transformer: a readable alert instead of the raw event.
    pub fn event_input_paths(&self) -> BTreeMap<String, String> {
        [
            ("rule", "$.detail.configRuleName"),
            ("type", "$.detail.resourceType"),
            ("resource", "$.detail.resourceId"),
            ("region", "$.detail.awsRegion"),
            ("account", "$.detail.awsAccountId"),
            ("time", "$.time"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    pub fn event_input_template(&self) -> String {
        format!(
            "\"[compliance {}] NON_COMPLIANT: <type> <resource> fails <rule> in account <account>, region <region> (<time>). Run `compliance rules explain` for the fix.\"",
            self.suffix
        )
    }

    /// The CloudWatch dashboard over the metrics `scan` publishes (its
    /// remediation-results widget stays empty: no command publishes those yet).
    pub fn dashboard_body(&self) -> Value {
        let suffix = &self.suffix;
        let region = &self.region;
        let metric = |name: &str, extra: &[(&str, &str)]| {
            let mut m: Vec<Value> = vec![
                json!(METRIC_NAMESPACE),
                json!(name),
                json!("Suffix"),
                json!(suffix),
            ];
            for (k, v) in extra {
                m.push(json!(k));
                m.push(json!(v));
            }
            Value::Array(m)
        };
        let widget = |x: u32, y: u32, title: &str, metrics: Vec<Value>| {
            json!({
                "type": "metric", "x": x, "y": y, "width": 12, "height": 6,
                "properties": {"title": title, "region": region, "view": "timeSeries", "stat": "Average", "period": 3600, "metrics": metrics}
            })
        };
        json!({
            "widgets": [
                widget(0, 0, "Compliance score", vec![metric("ComplianceScore", &[])]),
                widget(12, 0, "Violations by severity", ["critical", "high", "medium", "low"].iter().map(|s| metric("Violations", &[("Severity", s)])).collect()),
                widget(0, 6, "Score by service", ["ec2", "s3", "rds", "iam"].iter().map(|s| metric("ServiceScore", &[("Service", s)])).collect()),
                widget(12, 6, "Remediation results", vec![metric("RemediationSucceeded", &[]), metric("RemediationFailed", &[])]),
            ]
        })
    }

    /// The alarm: score below the threshold, to the alert topic.
    pub fn alarm_metric(&self) -> (&'static str, &'static str, Vec<(String, String)>) {
        (
            METRIC_NAMESPACE,
            "ComplianceScore",
            vec![("Suffix".to_string(), self.suffix.clone())],
        )
    }
}

/// What setup created and what it adopted, stored in SSM Parameter Store
/// (`/compliance/{suffix}/manifest`) so status and teardown work from any machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub suffix: String,
    pub account: String,
    pub region: String,
    /// Resources setup created, as "kind" → identifier (name or ARN).
    pub created: BTreeMap<String, String>,
    /// Resources that existed before and were reused; teardown leaves them.
    pub adopted: BTreeMap<String, String>,
    /// History retention set by `setup --retain-days`, so scans stamp their TTL.
    #[serde(default)]
    pub retain_days: Option<u32>,
    /// The choices setup was run with, so `status` judges drift against them.
    #[serde(default)]
    pub settings: Option<StackChoices>,
    pub updated_at: String,
}

/// The flags and tags a stack was set up with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StackChoices {
    pub emails: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub frequency: Option<Frequency>,
    pub sse: Option<Sse>,
    pub aggregator_regions: Vec<String>,
    /// Absent in manifests written before `--accounts`/`--organization`: this account.
    #[serde(default)]
    pub aggregator_scope: AggregatorScope,
}

impl StackChoices {
    pub fn of(spec: &StackSpec) -> StackChoices {
        StackChoices {
            emails: spec.emails.clone(),
            tags: spec.tags.clone(),
            frequency: Some(spec.frequency),
            sse: Some(spec.sse),
            aggregator_regions: spec.aggregator_regions.clone(),
            aggregator_scope: spec.aggregator_scope.clone(),
        }
    }

    /// Applies the recorded choices to a spec built with defaults.
    pub fn apply(&self, spec: &mut StackSpec) {
        spec.emails = self.emails.clone();
        spec.tags = self.tags.clone();
        if let Some(f) = self.frequency {
            spec.frequency = f;
        }
        if let Some(s) = self.sse {
            spec.sse = s;
        }
        spec.aggregator_regions = self.aggregator_regions.clone();
        spec.aggregator_scope = self.aggregator_scope.clone();
    }
}

impl Manifest {
    pub const VERSION: u32 = 1;

    pub fn owns(&self, kind: &str) -> bool {
        self.created.contains_key(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> StackSpec {
        StackSpec {
            suffix: "dev".into(),
            account: "123456789012".into(),
            region: "eu-west-1".into(),
            partition: "aws".into(),
            emails: vec!["secops@example.com".into()],
            frequency: Frequency::Six,
            sse: Sse::Kms,
            aggregator_regions: vec![],
            aggregator_scope: AggregatorScope::Account,
            tags: [("Owner".to_string(), "secops".to_string())].into(),
            rules: vec![],
            threshold: 70.0,
            retain_days: None,
            adopt_recorder: false,
        }
    }

    #[test]
    fn suffixes_that_every_service_accepts() {
        for ok in ["dev", "prod-eu", "a", "team42"] {
            assert!(validate_suffix(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Dev",
            "dev_1",
            "-dev",
            "dev-",
            "a--b",
            "sixteen-chars-xx",
            "dév",
        ] {
            assert!(validate_suffix(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_and_regions() {
        assert!(validate_email("secops@example.com").is_ok());
        for bad in [
            "secops",
            "a@b",
            "@example.com",
            "a b@example.com",
            "a@example.com,b@example.com",
        ] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
        assert!(validate_region("eu-west-1").is_ok() && validate_region("us-gov-west-1").is_ok());
        assert!(validate_region("mars-1").is_err() && validate_region("eu-west").is_err());
        assert!(validate_known_region("eu-west-1").is_ok());
        assert!(validate_known_region("eu-west-9").is_err());
    }

    #[test]
    fn names_fit_aws_limits() {
        let mut s = spec();
        s.suffix = "fifteen-chars-x".into();
        s.region = "ap-southeast-4".into();
        let n = s.names();
        assert!(n.bucket.len() <= 63, "{}", n.bucket);
        assert!(n.role.len() <= 64);
        assert_eq!(spec().names().table, "compliance-findings-dev");
        assert!(config_rule_name(&"x".repeat(200), "dev").len() <= 128);
    }

    #[test]
    fn documents_say_what_the_design_says() {
        let s = spec();
        assert_eq!(s.tags()["ManagedBy"], "compliance");
        assert_eq!(s.tags()["ComplianceSuffix"], "dev");
        let policy = s.bucket_policy();
        assert_eq!(policy["Statement"][0]["Effect"], "Deny");
        assert_eq!(
            policy["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"],
            "false"
        );
        let inline = s.role_inline_policy().to_string();
        assert!(
            !inline.contains("\"Resource\":\"*\""),
            "no wildcard resources: {inline}"
        );
        assert_eq!(
            s.event_pattern()["detail"]["newEvaluationResult"]["complianceType"][0],
            "NON_COMPLIANT"
        );
        let dashboard = s.dashboard_body().to_string();
        for metric in [
            "ComplianceScore",
            "Violations",
            "ServiceScore",
            "RemediationSucceeded",
        ] {
            assert!(dashboard.contains(metric), "{metric}");
        }
        assert_eq!(Frequency::parse("6h").unwrap().as_config(), "Six_Hours");
        assert!(Frequency::parse("2h").is_err());
    }

    #[test]
    fn account_ids_are_twelve_digits_and_the_scope_is_recorded() {
        let given = |ids: &[&str]| {
            parse_account_ids(&ids.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(
            given(&["444455556666", " 111122223333", "444455556666"]).unwrap(),
            ["111122223333", "444455556666"]
        );
        for bad in [
            &["12345678901"][..],
            &["1234567890123"],
            &["11112222333x"],
            &[],
        ] {
            assert!(given(bad).is_err(), "{bad:?}");
        }
        let mut s = spec();
        assert!(!s.wants_aggregator() && !s.wants_org_role());
        s.aggregator_scope = AggregatorScope::Organization;
        assert!(s.wants_aggregator() && s.wants_org_role());
        assert_eq!(
            s.org_role_arn(),
            "arn:aws:iam::123456789012:role/compliance-config-org-dev"
        );
        // Recorded and read back, and absent (older manifests) is this account.
        let choices = StackChoices::of(&s);
        let text = serde_json::to_string(&choices).unwrap();
        let back: StackChoices = serde_json::from_str(&text).unwrap();
        let mut other = spec();
        back.apply(&mut other);
        assert_eq!(other.aggregator_scope, AggregatorScope::Organization);
        let old: StackChoices =
            serde_json::from_str(r#"{"emails":[],"tags":{},"aggregator_regions":[]}"#).unwrap();
        assert_eq!(old.aggregator_scope, AggregatorScope::Account);
    }
}
