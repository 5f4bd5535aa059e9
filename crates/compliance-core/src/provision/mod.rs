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
