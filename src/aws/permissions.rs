//! The least-privilege IAM policies the tool needs, printed by
//! `compliance iam-policy --for …`, so an operator can grant exactly what a
//! command calls and nothing more. Kept next to the collectors that make the
//! calls; a test checks that every call a collector makes is listed.

use serde_json::{json, Value};

/// Every API action `compliance scan` may call, by service.
pub const SCAN_ACTIONS: &[&str] = &[
    "sts:GetCallerIdentity",
    "ec2:DescribeRegions",
    "ec2:DescribeInstances",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVolumes",
    "s3:ListAllMyBuckets",
    "s3:GetBucketLocation",
    "s3:GetEncryptionConfiguration",
    "s3:GetBucketVersioning",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketPolicy",
    "s3:GetBucketAcl",
    "s3:GetLifecycleConfiguration",
    "s3:GetBucketTagging",
    "rds:DescribeDBInstances",
    "iam:GetAccountAuthorizationDetails",
    "iam:ListAccessKeys",
    "iam:GetAccountPasswordPolicy",
    "iam:GetAccountSummary",
];

/// What `scan --suffix` adds: history in the stack's table, alerts to its topic,
/// and the manifest that says where they are.
pub const SCAN_RECORD_ACTIONS: &[&str] = &[
    "dynamodb:BatchWriteItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:DescribeTable",
    "sns:Publish",
    "ssm:GetParameter",
];

/// The read-only policy for `compliance scan`. SSM access is limited to parameters
/// under `/compliance/`, the documented place for rule parameters.
pub fn scan_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ComplianceScanRead",
                "Effect": "Allow",
                "Action": SCAN_ACTIONS,
                "Resource": "*"
            },
            {
                "Sid": "ComplianceScanHistoryAlertsMetrics",
                "Effect": "Allow",
                "Action": SCAN_RECORD_ACTIONS,
                "Resource": [
                    "arn:aws:dynamodb:*:*:table/compliance-findings-*",
                    "arn:aws:sns:*:*:compliance-alerts-*",
                    "arn:aws:ssm:*:*:parameter/compliance/*"
                ]
            },
            {
                "Sid": "ComplianceScanMetrics",
                "Effect": "Allow",
                "Action": ["cloudwatch:PutMetricData"],
                "Resource": "*",
                "Condition": {"StringEquals": {"cloudwatch:namespace": "Compliance"}}
            },
            {
                "Sid": "ComplianceRuleParameters",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": "arn:aws:ssm:*:*:parameter/compliance/*"
            },
            {
                "Sid": "ComplianceSecureStringParameters",
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": "*",
                "Condition": {"StringLike": {"kms:ViaService": "ssm.*.amazonaws.com"}}
            }
        ]
    })
}

/// Every API action `setup`, `status` and `teardown` may call. Write actions are
/// limited to resources named `compliance-*` where the service allows it.
pub const SETUP_ACTIONS: &[&str] = &[
    "sts:GetCallerIdentity",
    "kms:CreateKey",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:ListAliases",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyRotationStatus",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:TagResource",
    "kms:ListResourceTags",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:UpdateAlias",
    "iam:CreateRole",
    "iam:GetRole",
    "iam:DeleteRole",
    "iam:TagRole",
    "iam:ListRoleTags",
    "iam:UpdateAssumeRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:PutRolePolicy",
    "iam:GetRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:ListRolePolicies",
    "iam:PassRole",
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:GetBucketLocation",
    "s3:GetBucketVersioning",
    "s3:PutBucketVersioning",
    "s3:GetEncryptionConfiguration",
    "s3:PutEncryptionConfiguration",
    "s3:GetBucketPublicAccessBlock",
    "s3:PutBucketPublicAccessBlock",
    "s3:GetBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:GetLifecycleConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:GetBucketTagging",
    "s3:PutBucketTagging",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:ListAllMyBuckets",
    "config:PutConfigurationRecorder",
    "config:DescribeConfigurationRecorders",
    "config:DescribeConfigurationRecorderStatus",
    "config:StartConfigurationRecorder",
    "config:StopConfigurationRecorder",
    "config:DeleteConfigurationRecorder",
    "config:PutDeliveryChannel",
    "config:DescribeDeliveryChannels",
    "config:DeleteDeliveryChannel",
    "config:PutConfigRule",
    "config:DescribeConfigRules",
    "config:DeleteConfigRule",
    "config:PutConfigurationAggregator",
    "config:DescribeConfigurationAggregators",
    "config:DeleteConfigurationAggregator",
    "config:TagResource",
    "config:ListTagsForResource",
    "dynamodb:CreateTable",
    "dynamodb:DescribeTable",
    "dynamodb:UpdateTable",
    "dynamodb:DeleteTable",
    "dynamodb:UpdateContinuousBackups",
    "dynamodb:DescribeContinuousBackups",
    "dynamodb:UpdateTimeToLive",
    "dynamodb:DescribeTimeToLive",
    "dynamodb:TagResource",
    "dynamodb:ListTagsOfResource",
    "sns:CreateTopic",
    "sns:DeleteTopic",
    "sns:GetTopicAttributes",
    "sns:SetTopicAttributes",
    "sns:Subscribe",
    "sns:Unsubscribe",
    "sns:ListSubscriptionsByTopic",
    "sns:TagResource",
    "sns:ListTagsForResource",
    "events:PutRule",
    "events:DescribeRule",
    "events:DeleteRule",
    "events:EnableRule",
    "events:PutTargets",
    "events:ListTargetsByRule",
    "events:RemoveTargets",
    "events:TagResource",
    "events:ListTagsForResource",
    "cloudwatch:PutDashboard",
    "cloudwatch:GetDashboard",
    "cloudwatch:DeleteDashboards",
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:DeleteAlarms",
    "cloudwatch:TagResource",
    "cloudwatch:ListTagsForResource",
    "ssm:GetParameter",
    "ssm:PutParameter",
    "ssm:DeleteParameter",
    "ssm:AddTagsToResource",
];

/// The policy for `compliance setup`, `status` and `teardown`. `iam:PassRole` is
/// limited to handing the Config role to AWS Config.
pub fn setup_policy() -> Value {
    let (pass, rest): (Vec<&str>, Vec<&str>) =
        SETUP_ACTIONS.iter().partition(|a| **a == "iam:PassRole");
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ComplianceSetup", "Effect": "Allow", "Action": rest, "Resource": "*"},
            {
                "Sid": "ComplianceConfigRole",
                "Effect": "Allow",
                "Action": pass,
                "Resource": "arn:aws:iam::*:role/compliance-config-*",
                "Condition": {"StringEquals": {"iam:PassedToService": "config.amazonaws.com"}}
            }
        ]
    })
}

/// The IAM action that authorises an API operation, where the names differ.
pub fn action_for(service: &str, operation: &str) -> String {
    let renamed = match (service, operation) {
        ("s3", "ListBuckets") => "ListAllMyBuckets",
        ("s3", "GetBucketEncryption") => "GetEncryptionConfiguration",
        ("s3", "GetPublicAccessBlock") => "GetBucketPublicAccessBlock",
        ("s3", "GetBucketLifecycleConfiguration") => "GetLifecycleConfiguration",
        ("s3", "PutBucketEncryption") => "PutEncryptionConfiguration",
        ("s3", "PutPublicAccessBlock") => "PutBucketPublicAccessBlock",
        ("s3", "PutBucketLifecycleConfiguration") => "PutLifecycleConfiguration",
        ("s3", "DeleteObjects") => "DeleteObject",
        ("s3", "ListObjectVersions") => "ListBucketVersions",
        ("s3", "HeadBucket") => "ListBucket",
        ("config", "DescribeConfigurationRecorderStatus") => "DescribeConfigurationRecorderStatus",
        ("ssm", "AddTagsToResource") => "AddTagsToResource",
        (_, op) => op,
    };
    format!("{service}:{renamed}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Operation names as the collectors spell them in calls and error reports.
    fn operations(source: &str) -> Vec<String> {
        let re = regex::Regex::new(r#""((?:Get|List|Describe)[A-Za-z]+)""#).unwrap();
        re.captures_iter(source).map(|c| c[1].to_string()).collect()
    }

    #[test]
    fn every_call_a_collector_makes_is_in_the_scan_policy() {
        let sources = [
            ("ec2", include_str!("collect/ec2.rs")),
            ("rds", include_str!("collect/rds.rs")),
            ("s3", include_str!("collect/s3.rs")),
            ("iam", include_str!("collect/iam.rs")),
        ];
        let mut checked = 0;
        for (service, source) in sources {
            for op in operations(source) {
                let action = action_for(service, &op);
                assert!(
                    SCAN_ACTIONS.contains(&action.as_str()),
                    "{action} (called in collect/{service}.rs) is missing from the scan policy"
                );
                checked += 1;
            }
        }
        assert!(
            checked >= 15,
            "found only {checked} operations; did the collectors change shape?"
        );
        assert!(SCAN_ACTIONS.contains(&"sts:GetCallerIdentity"));
    }

    #[test]
    fn every_call_setup_makes_is_in_the_setup_policy() {
        let re =
            regex::Regex::new(r#"from_sdk\(\s*"?([a-z0-9]+|SERVICE)"?,\s*[^,]+,\s*"([A-Za-z]+)""#)
                .unwrap();
        let service_const = regex::Regex::new(r#"const SERVICE: &str = "([a-z0-9]+)""#).unwrap();
        let sources = [
            include_str!("provision/kms.rs"),
            include_str!("provision/iam.rs"),
            include_str!("provision/s3.rs"),
            include_str!("provision/config.rs"),
            include_str!("provision/dynamodb.rs"),
            include_str!("provision/sns.rs"),
            include_str!("provision/events.rs"),
            include_str!("provision/cloudwatch.rs"),
            include_str!("provision/manifest.rs"),
        ];
        let mut missing = Vec::new();
        for source in sources {
            let default_service = service_const.captures(source).map(|c| c[1].to_string());
            for c in re.captures_iter(source) {
                let service = if &c[1] == "SERVICE" {
                    default_service.clone().unwrap_or_default()
                } else {
                    c[1].to_string()
                };
                let service = if service == "eventbridge" {
                    "events".to_string()
                } else {
                    service
                };
                let action = action_for(&service, &c[2]);
                if !SETUP_ACTIONS.contains(&action.as_str()) {
                    missing.push(action);
                }
            }
        }
        assert!(
            missing.is_empty(),
            "missing from the setup policy: {missing:?}"
        );
    }
}
