//! The evidence bucket's settings as plain values and the pure comparison with
//! the spec: versioning, default encryption, public access block, policy,
//! lifecycle and tags. The adapter (`src/aws/provision/s3.rs`) reads the bucket
//! into [`BucketSettings`], summarises the lifecycle it wants (built with the
//! SDK's types) as text, and applies each [`Part`] with its own call.

use super::same_key;
use crate::plan::{same_policy, tag_changes, Change, Planned};
use crate::stack::StackSpec;
use serde_json::Value;

/// The four public access block flags, all of which setup turns on.
pub const PAB_FLAGS: [&str; 4] = [
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
];

/// Default encryption as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Encryption {
    pub algorithm: String,
    pub key: Option<String>,
    pub bucket_key: bool,
}

/// The bucket's settings that setup manages.
pub struct BucketSettings {
    /// None when versioning was never configured.
    pub versioning: Option<String>,
    pub encryption: Option<Encryption>,
    /// The four flags in [`PAB_FLAGS`] order; all false without a configuration.
    pub pab: [bool; 4],
    /// None without a policy; Some(None) when it is not JSON.
    pub policy: Option<Option<Value>>,
    /// Canonical summary of the lifecycle rules; None without a configuration.
    pub lifecycle: Option<String>,
}

/// The encryption the spec asks for; the key is None in a dry run before the key exists.
pub enum Expected {
    Kms(Option<String>),
    Aes256,
}

impl Expected {
    pub fn describe(&self) -> String {
        match self {
            Expected::Kms(Some(arn)) => format!("aws:kms with key {arn}, bucket key enabled"),
            Expected::Kms(None) => "aws:kms with the stack key, bucket key enabled".into(),
            Expected::Aes256 => "AES256".into(),
        }
    }

    pub fn matches(&self, found: &Encryption) -> bool {
        match self {
            Expected::Aes256 => found.algorithm == "AES256",
            Expected::Kms(key) => {
                found.algorithm == "aws:kms"
                    && found.bucket_key
                    && key
                        .as_ref()
                        .is_none_or(|arn| found.key.as_deref().is_some_and(|k| same_key(k, arn)))
            }
        }
    }
}

pub fn describe_encryption(found: &Option<Encryption>) -> String {
    match found {
        None => "none configured (S3's default SSE-S3 at most)".into(),
        Some(e) => {
            let mut text = e.algorithm.clone();
            if let Some(key) = &e.key {
                text.push_str(&format!(" with key {key}"));
            }
            if e.algorithm == "aws:kms" {
                text.push_str(if e.bucket_key {
                    ", bucket key enabled"
                } else {
                    ", bucket key disabled"
                });
            }
            text
        }
    }
}

/// What a change to the bucket is applied with: one S3 call per setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Versioning,
    Encryption,
    PublicAccessBlock,
    Policy,
    Lifecycle,
    Tags,
}

pub fn bucket_changes(
    spec: &StackSpec,
    expected: &Expected,
    found: &BucketSettings,
    tags: &[(String, String)],
    wanted_lifecycle: &str,
) -> Vec<Planned<Part>> {
    let mut out = Vec::new();
    if found.versioning.as_deref() != Some("Enabled") {
        out.push(Planned::new(
            Part::Versioning,
            Change::wanted(
                "versioning",
                "Enabled",
                found.versioning.as_deref().unwrap_or("Off"),
            ),
        ));
    }
    if !found
        .encryption
        .as_ref()
        .is_some_and(|e| expected.matches(e))
    {
        out.push(Planned::new(
            Part::Encryption,
            Change::wanted(
                "default encryption",
                expected.describe(),
                describe_encryption(&found.encryption),
            ),
        ));
    }
    for (flag, on) in PAB_FLAGS.iter().zip(found.pab) {
        if !on {
            out.push(Planned::new(
                Part::PublicAccessBlock,
                Change::wanted(format!("public access block {flag}"), "true", "false"),
            ));
        }
    }
    let policy_expected = "TLS-only deny plus AWS Config check and delivery (the stack's policy)";
    match &found.policy {
        None => out.push(Planned::new(
            Part::Policy,
            Change::wanted("bucket policy", policy_expected, "none"),
        )),
        Some(p)
            if !p
                .as_ref()
                .is_some_and(|p| same_policy(p, &spec.bucket_policy())) =>
        {
            out.push(Planned::new(
                Part::Policy,
                Change::wanted(
                    "bucket policy",
                    policy_expected,
                    p.as_ref().map_or("(not JSON)".into(), |p| p.to_string()),
                ),
            ))
        }
        Some(_) => {}
    }
    if found.lifecycle.as_deref() != Some(wanted_lifecycle) {
        out.push(Planned::new(
            Part::Lifecycle,
            Change::wanted(
                "lifecycle",
                wanted_lifecycle,
                found.lifecycle.as_deref().unwrap_or("none"),
            ),
        ));
    }
    for diff in tag_changes(&spec.tags(), tags) {
        out.push(Planned::new(Part::Tags, diff));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> StackSpec {
        super::super::test_spec()
    }

    #[test]
    fn keys_match_by_arn_or_id() {
        let arn = "arn:aws:kms:eu-west-2:123456789012:key/abc-123";
        let kms = Expected::Kms(Some(arn.into()));
        let found = Encryption {
            algorithm: "aws:kms".into(),
            key: Some(arn.into()),
            bucket_key: true,
        };
        assert!(kms.matches(&found));
        assert!(kms.matches(&Encryption {
            key: Some("abc-123".into()),
            ..found.clone()
        }));
        assert!(!kms.matches(&Encryption {
            key: Some("other".into()),
            ..found.clone()
        }));
        assert!(!kms.matches(&Encryption {
            bucket_key: false,
            ..found.clone()
        }));
        assert!(!Expected::Aes256.matches(&found));
    }

    #[test]
    fn a_bucket_as_specified_has_no_changes_and_each_drift_names_its_call() {
        let spec = spec();
        let expected = Expected::Aes256;
        let mut found = BucketSettings {
            versioning: Some("Enabled".into()),
            encryption: Some(Encryption {
                algorithm: "AES256".into(),
                key: None,
                bucket_key: false,
            }),
            pab: [true; 4],
            policy: Some(Some(spec.bucket_policy())),
            lifecycle: Some("the rules".into()),
        };
        let tags: Vec<(String, String)> = spec.tags().into_iter().collect();
        assert!(bucket_changes(&spec, &expected, &found, &tags, "the rules").is_empty());
        found.versioning = Some("Suspended".into());
        found.pab[2] = false;
        found.policy = None;
        let changes = bucket_changes(&spec, &expected, &found, &tags, "other rules");
        let parts: Vec<Part> = changes.iter().map(|p| p.by).collect();
        assert_eq!(
            parts,
            [
                Part::Versioning,
                Part::PublicAccessBlock,
                Part::Policy,
                Part::Lifecycle
            ]
        );
        assert_eq!(
            changes[0].reason(),
            "versioning: expected Enabled, found Suspended"
        );
        assert_eq!(
            changes[1].change.attribute,
            "public access block BlockPublicPolicy"
        );
    }
}
