//! `scan --source config` against a moto of the test's own (an account has one
//! Config recorder per region, which other tests set up too): buckets and IAM
//! roles and policies are judged from the items Config returns, and rules for a
//! type the recorder does not record give `error` findings naming the gap,
//! never compliant ones. moto's bucket items lack the encryption and
//! versioning parts, so the test asserts what moto fills (the public access
//! block, the policy) and not those.

use crate::support;
use crate::support::org::{s3, Moto};
use aws_sdk_config::types::{
    AccountAggregationSource, ConfigurationRecorder, RecordingGroup, ResourceType,
};
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use serde_json::Value;

const ADMIN: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const NARROW: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}"#;
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn find<'a>(doc: &'a Value, rule: &str, name: &str) -> &'a Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == rule && (f["resource_id"] == name || f["resource_name"] == name))
        .unwrap_or_else(|| panic!("no {rule} finding for {name}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn config_items_are_judged_and_unrecorded_types_are_errors() {
    let Some(moto) = Moto::start("config_source") else {
        return;
    };
    let conf = moto.management().await;
    let config = aws_sdk_config::Client::new(&conf);
    config
        .put_configuration_recorder()
        .configuration_recorder(
            ConfigurationRecorder::builder()
                .name("default")
                .role_arn("arn:aws:iam::123456789012:role/config")
                .recording_group(
                    RecordingGroup::builder()
                        .all_supported(false)
                        .include_global_resource_types(false)
                        .resource_types(ResourceType::Bucket)
                        .resource_types(ResourceType::Role)
                        .resource_types(ResourceType::Policy)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("recorder");
    let client = s3(&conf);
    for b in ["cfg-open", "cfg-blocked"] {
        client.create_bucket().bucket(b).send().await.unwrap();
    }
    client
        .put_public_access_block()
        .bucket("cfg-blocked")
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let iam = aws_sdk_iam::Client::new(&conf);
    iam.create_policy()
        .policy_name("cfg-admin")
        .policy_document(ADMIN)
        .send()
        .await
        .unwrap();
    iam.create_policy()
        .policy_name("cfg-narrow")
        .policy_document(NARROW)
        .send()
        .await
        .unwrap();
    iam.create_role()
        .role_name("cfg-role")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("cfg-role")
        .policy_name("inline-admin")
        .policy_document(ADMIN)
        .send()
        .await
        .unwrap();

    let dir = support::fresh_dir();
    let out = dir.join("config.json");
    let status = support::compliance_in(&dir)
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_MAX_ATTEMPTS", "1")
        .args(["scan", "--source", "config", "--resources", "s3,iam"])
        .args([
            "--format",
            "json",
            "--no-history",
            "--fail-on",
            "none",
            "--out",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "gaps are findings, not failed calls"
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(doc["source"]["kind"], "config");
    assert_eq!(doc["errors"], serde_json::json!([]));

    // Judged from Config's items, by the same rules.
    assert_eq!(
        find(&doc, "s3-public-access-blocked", "cfg-blocked")["status"],
        "compliant"
    );
    assert_eq!(
        find(&doc, "s3-public-access-blocked", "cfg-open")["status"],
        "non_compliant"
    );
    assert_eq!(
        find(&doc, "s3-no-public-read", "cfg-open")["status"],
        "compliant"
    );
    assert_eq!(
        find(&doc, "iam-no-admin-policy", "cfg-admin")["status"],
        "non_compliant"
    );
    assert_eq!(
        find(&doc, "iam-no-admin-policy", "cfg-narrow")["status"],
        "compliant"
    );
    assert_eq!(
        find(&doc, "iam-no-admin-policy", "cfg-role")["status"],
        "non_compliant"
    );
    let bucket = find(&doc, "s3-public-access-blocked", "cfg-blocked");
    assert_eq!(bucket["account"], support::MOTO_ACCOUNT_ID);
    assert!(bucket["source"].as_str().unwrap().starts_with("config:"));

    // A type the recorder does not record: errors naming the gap.
    for (rule, ty) in [
        ("iam-access-keys-rotated", "AWS::IAM::User"),
        ("iam-password-policy", "AWS::IAM::AccountPasswordPolicy"),
    ] {
        let f = find(&doc, rule, "*");
        assert_eq!(f["status"], "error", "{rule}");
        let note = f["evidence"]["note"].as_str().unwrap();
        assert!(
            note.contains("does not record") && note.contains(ty),
            "{note}"
        );
    }
    assert!(!doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["resource_type"] == "AWS::IAM::User" && f["status"] == "compliant"));

    // Through an aggregator over the account: the same buckets, judged alike.
    config
        .put_configuration_aggregator()
        .configuration_aggregator_name("compliance-test")
        .account_aggregation_sources(
            AccountAggregationSource::builder()
                .account_ids(support::MOTO_ACCOUNT_ID)
                .all_aws_regions(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("aggregator");
    let agg = dir.join("aggregator.json");
    let status = support::compliance_in(&dir)
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_MAX_ATTEMPTS", "1")
        .args([
            "scan",
            "--source",
            "config",
            "--aggregator",
            "compliance-test",
        ])
        .args(["--resources", "s3", "--format", "json", "--no-history"])
        .args(["--fail-on", "none", "--out"])
        .arg(&agg)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&std::fs::read(&agg).unwrap()).unwrap();
    assert_eq!(doc["source"]["kind"], "config-aggregator");
    assert_eq!(
        find(&doc, "s3-public-access-blocked", "cfg-blocked")["status"],
        "compliant"
    );
    assert_eq!(
        find(&doc, "s3-public-access-blocked", "cfg-open")["status"],
        "non_compliant"
    );
}
