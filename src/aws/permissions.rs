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

/// The IAM action that authorises an API operation, where the names differ.
pub fn action_for(service: &str, operation: &str) -> String {
    let renamed = match (service, operation) {
        ("s3", "ListBuckets") => "ListAllMyBuckets",
        ("s3", "GetBucketEncryption") => "GetEncryptionConfiguration",
        ("s3", "GetPublicAccessBlock") => "GetBucketPublicAccessBlock",
        ("s3", "GetBucketLifecycleConfiguration") => "GetLifecycleConfiguration",
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
}
