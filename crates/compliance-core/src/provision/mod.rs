//! The stack's services as plain values with pure diff functions, one file per
//! service: what the adapters in `src/aws/provision/` read from AWS is put in
//! these structs, compared here with the [`crate::stack::StackSpec`], and the
//! resulting [`crate::plan::Change`]s are what setup applies, `--dry-run` prints
//! and `status` reports.

pub mod cloudwatch;
pub mod config;
pub mod dynamodb;
pub mod events;
pub mod iam;
pub mod kms;
pub mod s3;
pub mod sns;

/// Key ARNs and bare key ids name the same key when their `key/…` parts match.
pub fn same_key(a: &str, b: &str) -> bool {
    let id = |k: &str| k.rsplit('/').next().unwrap_or(k).to_string();
    a == b || id(a) == id(b)
}

/// The stack every diff test starts from (suffix `dev` in 123456789012,
/// eu-west-1, SSE-KMS, default frequency); a test changes what it is about.
#[cfg(test)]
pub(crate) fn test_spec() -> crate::stack::StackSpec {
    use crate::stack::{Frequency, Sse, StackSpec};
    StackSpec {
        suffix: "dev".into(),
        account: "123456789012".into(),
        region: "eu-west-1".into(),
        partition: "aws".into(),
        emails: vec![],
        frequency: Frequency::Six,
        sse: Sse::Kms,
        aggregator_regions: vec![],
        aggregator_scope: Default::default(),
        tags: Default::default(),
        rules: vec![],
        threshold: 70.0,
        retain_days: None,
        adopt_recorder: false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_match_by_id_or_arn() {
        let arn = "arn:aws:kms:us-west-2:123456789012:key/1234-abcd";
        assert!(super::same_key(arn, arn));
        assert!(super::same_key(arn, "1234-abcd"));
        assert!(!super::same_key(arn, "alias/aws/sns"));
    }
}
