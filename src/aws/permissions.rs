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
