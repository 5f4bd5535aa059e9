//! Checks the test harness itself: `scripts/test` started moto and exported an
//! environment through which the AWS SDK for Rust reaches it, and the shared
//! helpers in `tests/support` behave.

use crate::support;

use std::collections::HashSet;

#[tokio::test]
async fn sts_get_caller_identity_reaches_moto() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("sts_get_caller_identity_reaches_moto");
        return;
    };
    let sts = aws_sdk_sts::Client::new(&config);
    let identity = sts.get_caller_identity().send().await.unwrap_or_else(|e| {
        panic!(
            "STS GetCallerIdentity against {:?} failed: {e:?}",
            support::endpoint_url()
        )
    });
    assert_eq!(identity.account(), Some(support::MOTO_ACCOUNT_ID));
}

#[tokio::test]
async fn s3_path_style_round_trip() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("s3_path_style_round_trip");
        return;
    };
    let s3 = support::s3_client(&config);
    let bucket = support::unique_name("harness");
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("create bucket");
    let listed = s3.list_buckets().send().await.expect("list buckets");
    assert!(
        listed.buckets().iter().any(|b| b.name() == Some(&bucket)),
        "{bucket} missing from ListBuckets"
    );
    s3.delete_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("delete bucket");
}

#[test]
fn unique_names_do_not_collide_and_suit_s3() {
    let names: Vec<String> = (0..1000).map(|_| support::unique_name("t")).collect();
    let distinct: HashSet<&String> = names.iter().collect();
    assert_eq!(distinct.len(), names.len());
    for name in &names {
        assert!(name.len() <= 63, "{name} too long for a bucket");
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{name} is not a valid bucket name"
        );
    }
}

#[test]
fn only_loopback_endpoints_count_as_local() {
    assert!(support::is_loopback_url("http://127.0.0.1:5000"));
    assert!(support::is_loopback_url("http://localhost:5000/"));
    assert!(support::is_loopback_url("http://[::1]:5000/moto-api"));
    assert!(!support::is_loopback_url("https://sts.amazonaws.com"));
    assert!(!support::is_loopback_url("http://10.0.0.5:5000"));
}
