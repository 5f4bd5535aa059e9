//! The live S3 collector against moto: seeded buckets come back as AWS Config
//! items with the exact supplementary values the S3 rules read, the built-in
//! rules judge them as they would judge Config snapshots, the plan decides which
//! calls are made, and buckets are judged only in the scanned regions.
//!
//! moto is shared by every test of the run: buckets get unique names and every
//! assertion looks only at this test's buckets.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_config::{Region, SdkConfig};
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketCannedAcl, BucketLifecycleConfiguration,
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, ExpirationStatus,
    LifecycleExpiration, LifecycleRule, LifecycleRuleFilter, NoncurrentVersionExpiration,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging, Transition,
    TransitionStorageClass, VersioningConfiguration,
};
use compliance::aws::collect::{s3, Collected, Plan};
use compliance::aws::{Aws, Connection};
use compliance::core::catalogue::{Catalogue, RuleSource};
use compliance::core::engine::Engine;
use compliance::core::finding::Status;
use compliance::core::resource::ConfigItem;
use compliance::core::settings::Settings;
use indicatif::ProgressBar;
use serde_json::{json, Value};

const KMS_KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

async fn connect() -> Aws {
    Aws::connect(&Connection {
        profile: None,
        region: Some("us-east-1".into()),
        // AWS_ENDPOINT_URL, set by scripts/test, points the SDK at moto.
        endpoint_url: None,
        max_attempts: 2,
        call_timeout: Duration::from_secs(20),
    })
    .await
}

fn s3_client_in(config: &SdkConfig, region: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(config)
        .region(Region::new(region.to_string()))
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

fn catalogue() -> Catalogue {
    Catalogue::load(&[RuleSource {
        files: compliance::embedded::rule_files(),
    }])
    .expect("built-in rules load")
}

/// Every path the built-in S3 rules read.
fn s3_rule_paths() -> Vec<String> {
    let paths: BTreeSet<String> = catalogue()
        .rules()
        .iter()
        .filter(|r| r.applies_to("AWS::S3::Bucket"))
        .flat_map(|r| r.compile(None).expect("rule compiles").paths())
        .collect();
    paths.into_iter().collect()
}

fn plan(regions: &[&str], paths: Vec<String>) -> Plan {
    Plan {
        regions: regions.iter().map(|r| r.to_string()).collect(),
        types: ["AWS::S3::Bucket".to_string()].into(),
        paths,
        concurrency: 8,
        account: Some(support::MOTO_ACCOUNT_ID.to_string()),
        page_size: None,
        detect_drift: false,
    }
}

async fn collect(aws: &Aws, plan: &Plan) -> Collected {
    let collected = s3::collect(aws, plan, &ProgressBar::hidden()).await;
    assert!(
        collected.errors.is_empty() && collected.unlisted.is_empty(),
        "collector reported failures: {:?} {:?}",
        collected.errors,
        collected.unlisted
    );
    collected
}

fn item<'a>(collected: &'a Collected, bucket: &str) -> &'a ConfigItem {
    collected
        .items
        .iter()
        .find(|i| i.resource_id == bucket)
        .unwrap_or_else(|| panic!("{bucket} not collected"))
}

fn supplementary<'a>(item: &'a ConfigItem, key: &str) -> Option<&'a Value> {
    item.body["supplementaryConfiguration"].get(key)
}

fn tls_only_policy(bucket: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]
    })
    .to_string()
}

fn public_read_policy(bucket: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*")
        }]
    })
    .to_string()
}

fn tagging(pairs: &[(&str, &str)]) -> Tagging {
    let mut t = Tagging::builder();
    for (k, v) in pairs {
        t = t.tag_set(Tag::builder().key(*k).value(*v).build().unwrap());
    }
    t.build().unwrap()
}

fn encryption(
    algorithm: ServerSideEncryption,
    key: Option<&str>,
    bucket_key: bool,
) -> ServerSideEncryptionConfiguration {
    let mut default = ServerSideEncryptionByDefault::builder().sse_algorithm(algorithm);
    if let Some(key) = key {
        default = default.kms_master_key_id(key);
    }
    ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(default.build().unwrap())
                .bucket_key_enabled(bucket_key)
                .build(),
        )
        .build()
        .unwrap()
}

/// The seeded estate: bucket names by role.
struct Estate {
    secure: String,
    bare: String,
    public: String,
    eu: String,
}

async fn seed(config: &SdkConfig) -> Estate {
    let us = s3_client_in(config, "us-east-1");
    let eu = s3_client_in(config, "eu-west-1");
    let estate = Estate {
        secure: support::unique_name("s3-secure"),
        bare: support::unique_name("s3-bare"),
        public: support::unique_name("s3-public"),
        eu: support::unique_name("s3-eu"),
    };
    for name in [&estate.secure, &estate.bare, &estate.public] {
        us.create_bucket()
            .bucket(name)
            .send()
            .await
            .expect("create bucket");
    }
    eu.create_bucket()
        .bucket(&estate.eu)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .expect("create eu-west-1 bucket");

    // Everything a careful team turns on.
    let b = &estate.secure;
    us.put_bucket_encryption()
        .bucket(b)
        .server_side_encryption_configuration(encryption(
            ServerSideEncryption::AwsKms,
            Some(KMS_KEY),
            true,
        ))
        .send()
        .await
        .expect("put encryption");
    us.put_bucket_versioning()
        .bucket(b)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("put versioning");
    us.put_public_access_block()
        .bucket(b)
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
        .expect("put public access block");
    us.put_bucket_policy()
        .bucket(b)
        .policy(tls_only_policy(b))
        .send()
        .await
        .expect("put policy");
    us.put_bucket_lifecycle_configuration()
        .bucket(b)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .rules(
                    LifecycleRule::builder()
                        .id("archive-logs")
                        .status(ExpirationStatus::Enabled)
                        .filter(LifecycleRuleFilter::builder().prefix("logs/").build())
                        .expiration(LifecycleExpiration::builder().days(365).build())
                        .noncurrent_version_expiration(
                            NoncurrentVersionExpiration::builder()
                                .noncurrent_days(30)
                                .build(),
                        )
                        .transitions(
                            Transition::builder()
                                .days(30)
                                .storage_class(TransitionStorageClass::StandardIa)
                                .build(),
                        )
                        .abort_incomplete_multipart_upload(
                            AbortIncompleteMultipartUpload::builder()
                                .days_after_initiation(7)
                                .build(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("put lifecycle");
    us.put_bucket_tagging()
        .bucket(b)
        .tagging(tagging(&[("Criticality", "high"), ("Owner", "platform")]))
        .send()
        .await
        .expect("put tags");

    // Open to the world, twice over.
    let b = &estate.public;
    us.put_bucket_encryption()
        .bucket(b)
        .server_side_encryption_configuration(encryption(ServerSideEncryption::Aes256, None, false))
        .send()
        .await
        .expect("put encryption");
    us.put_bucket_versioning()
        .bucket(b)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Suspended)
                .build(),
        )
        .send()
        .await
        .expect("put versioning");
    us.put_bucket_acl()
        .bucket(b)
        .acl(BucketCannedAcl::PublicRead)
        .send()
        .await
        .expect("put acl");
    us.put_bucket_policy()
        .bucket(b)
        .policy(public_read_policy(b))
        .send()
        .await
        .expect("put policy");

    let b = &estate.eu;
    eu.put_bucket_versioning()
        .bucket(b)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("put versioning");
    eu.put_bucket_tagging()
        .bucket(b)
        .tagging(tagging(&[("Criticality", "low")]))
        .send()
        .await
        .expect("put tags");
    estate
}

/// moto's bucket owner (its ACL owner; ListBuckets names another id).
fn moto_owner() -> Value {
    json!({"displayName": "webfile", "id": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"})
}

/// The owner's full-control grant: moto gives the grantee an id and no display name.
fn owner_grant() -> Value {
    json!({"grantee": {"id": moto_owner()["id"]}, "permission": "FullControl"})
}

#[tokio::test]
async fn buckets_become_config_items_that_the_s3_rules_judge() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("buckets_become_config_items_that_the_s3_rules_judge");
        return;
    };
    let estate = seed(&config).await;
    let aws = connect().await;
    let collected = collect(&aws, &plan(&["us-east-1", "eu-west-1"], s3_rule_paths())).await;

    // The well-configured bucket.
    let secure = item(&collected, &estate.secure);
    assert_eq!(secure.resource_type, "AWS::S3::Bucket");
    assert_eq!(
        secure.resource_name.as_deref(),
        Some(estate.secure.as_str())
    );
    assert_eq!(
        secure.arn.as_deref(),
        Some(format!("arn:aws:s3:::{}", estate.secure).as_str())
    );
    assert_eq!(secure.region.as_deref(), Some("us-east-1"));
    assert_eq!(secure.account.as_deref(), Some(support::MOTO_ACCOUNT_ID));
    assert_eq!(&*secure.source, "live:s3:us-east-1");
    assert_eq!(secure.body["configuration"]["name"], estate.secure.as_str());
    assert!(
        secure.body["configuration"]["creationDate"].is_string(),
        "{}",
        secure.body
    );
    assert!(
        secure.body["configuration"]["owner"]["id"].is_string(),
        "{}",
        secure.body
    );
    assert_eq!(
        secure.body["tags"],
        json!({"Criticality": "high", "Owner": "platform"})
    );
    assert_eq!(secure.tag("Criticality"), Some("high"));
    assert_eq!(
        supplementary(secure, "ServerSideEncryptionConfiguration"),
        Some(&json!({"rules": [{
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyID": KMS_KEY},
            "bucketKeyEnabled": true
        }]}))
    );
    assert_eq!(
        supplementary(secure, "BucketVersioningConfiguration"),
        Some(&json!({"status": "Enabled", "isMfaDeleteEnabled": null}))
    );
    assert_eq!(
        supplementary(secure, "PublicAccessBlockConfiguration"),
        Some(&json!({
            "blockPublicAcls": true, "ignorePublicAcls": true,
            "blockPublicPolicy": true, "restrictPublicBuckets": true
        }))
    );
    // The normaliser parses the policy text, as it does for Config items.
    let policy: Value = serde_json::from_str(&tls_only_policy(&estate.secure)).unwrap();
    assert_eq!(
        supplementary(secure, "BucketPolicy"),
        Some(&json!({ "policyText": policy }))
    );
    assert_eq!(
        supplementary(secure, "AccessControlList"),
        Some(&json!({"owner": moto_owner(), "grantList": [owner_grant()]}))
    );
    assert_eq!(
        supplementary(secure, "BucketLifecycleConfiguration"),
        Some(&json!({"rules": [{
            "id": "archive-logs",
            "status": "Enabled",
            "filter": {"predicate": {"type": "LifecyclePrefixPredicate", "prefix": "logs/"}},
            "expirationInDays": 365,
            "expiredObjectDeleteMarker": false,
            "noncurrentVersionExpirationInDays": 30,
            "transitions": [{"days": 30, "storageClass": "STANDARD_IA"}],
            "noncurrentVersionTransitions": [],
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}
        }]}))
    );
    assert!(secure.unreadable.is_empty());

    // A bucket nobody configured: "not found" answers mean "not configured".
    let bare = item(&collected, &estate.bare);
    assert_eq!(bare.body["tags"], json!({}));
    assert_eq!(
        supplementary(bare, "ServerSideEncryptionConfiguration"),
        None
    );
    assert_eq!(
        supplementary(bare, "BucketVersioningConfiguration"),
        Some(&json!({"status": "Off", "isMfaDeleteEnabled": null}))
    );
    assert_eq!(supplementary(bare, "PublicAccessBlockConfiguration"), None);
    assert_eq!(
        supplementary(bare, "BucketPolicy"),
        Some(&json!({"policyText": null}))
    );
    assert_eq!(
        supplementary(bare, "AccessControlList"),
        Some(&json!({"owner": moto_owner(), "grantList": [owner_grant()]}))
    );
    assert_eq!(supplementary(bare, "BucketLifecycleConfiguration"), None);
    assert_eq!(supplementary(bare, "BucketTaggingConfiguration"), None);

    // The public one.
    let public = item(&collected, &estate.public);
    assert_eq!(
        supplementary(public, "ServerSideEncryptionConfiguration"),
        Some(&json!({"rules": [{
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"},
            "bucketKeyEnabled": false
        }]}))
    );
    assert_eq!(
        supplementary(public, "BucketVersioningConfiguration"),
        Some(&json!({"status": "Suspended", "isMfaDeleteEnabled": null}))
    );
    let policy: Value = serde_json::from_str(&public_read_policy(&estate.public)).unwrap();
    assert_eq!(
        supplementary(public, "BucketPolicy"),
        Some(&json!({ "policyText": policy }))
    );
    assert_eq!(
        supplementary(public, "AccessControlList"),
        Some(&json!({"owner": moto_owner(), "grantList": [
            owner_grant(),
            {"grantee": "AllUsers", "permission": "Read"}
        ]}))
    );

    // The eu-west-1 bucket, read through a client of its own region.
    let eu = item(&collected, &estate.eu);
    assert_eq!(eu.region.as_deref(), Some("eu-west-1"));
    assert_eq!(&*eu.source, "live:s3:eu-west-1");
    assert_eq!(eu.tag("Criticality"), Some("low"));
    assert_eq!(
        supplementary(eu, "BucketVersioningConfiguration"),
        Some(&json!({"status": "Enabled", "isMfaDeleteEnabled": null}))
    );

    // The built-in rules judge live items as they judge Config snapshots.
    let rules = catalogue().rules();
    let engine = Engine::new(&rules, &Settings::default());
    let mine: BTreeSet<&str> = [&estate.secure, &estate.bare, &estate.public, &estate.eu]
        .into_iter()
        .map(String::as_str)
        .collect();
    let items: Vec<ConfigItem> = collected
        .items
        .iter()
        .filter(|i| mine.contains(i.resource_id.as_str()))
        .cloned()
        .collect();
    let findings = engine.evaluate(&items);
    let got: BTreeMap<(String, String), Status> = findings
        .iter()
        .filter(|f| f.rule_id.starts_with("s3-"))
        .map(|f| ((f.rule_id.to_string(), f.resource_id.clone()), f.status))
        .collect();
    use Status::{Compliant as C, NonCompliant as N};
    let expected = [
        ("s3-default-encryption", [C, N, C, N]),
        ("s3-kms-encryption", [C, N, N, N]),
        ("s3-lifecycle-configured", [C, N, N, N]),
        ("s3-no-public-read", [C, C, N, C]),
        ("s3-public-access-blocked", [C, N, N, N]),
        ("s3-tls-only", [C, N, N, N]),
        ("s3-versioning-enabled", [C, N, N, C]),
    ];
    let buckets = [&estate.secure, &estate.bare, &estate.public, &estate.eu];
    let mut want = BTreeMap::new();
    for (rule, statuses) in expected {
        for (bucket, status) in buckets.iter().zip(statuses) {
            want.insert((rule.to_string(), bucket.to_string()), status);
        }
    }
    let evidence: Vec<String> = findings
        .iter()
        .filter(|f| want.get(&(f.rule_id.to_string(), f.resource_id.clone())) != Some(&f.status))
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f.rule_id,
                f.resource_id,
                f.status,
                f.evidence.summary()
            )
        })
        .collect();
    assert_eq!(got, want, "unexpected outcomes:\n{}", evidence.join("\n"));
    let criticality = findings
        .iter()
        .find(|f| f.resource_id == estate.secure)
        .map(|f| f.criticality);
    assert_eq!(
        criticality,
        Some(3.0),
        "Criticality=high tags weigh three times"
    );
}

#[tokio::test]
async fn calls_follow_the_paths_the_rules_read() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("calls_follow_the_paths_the_rules_read");
        return;
    };
    let us = s3_client_in(&config, "us-east-1");
    let bucket = support::unique_name("s3-calls");
    us.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("create bucket");
    us.put_bucket_policy()
        .bucket(&bucket)
        .policy(public_read_policy(&bucket))
        .send()
        .await
        .expect("put policy");
    let aws = connect().await;
    // Every region a test bucket lives in, so every listed bucket is read.
    let regions = ["us-east-1", "eu-west-1"];

    let all = collect(&aws, &plan(&regions, s3_rule_paths())).await;
    let without_policy: Vec<String> = s3_rule_paths()
        .into_iter()
        .filter(|p| !p.starts_with("supplementaryConfiguration.BucketPolicy"))
        .collect();
    let some = collect(&aws, &plan(&regions, without_policy)).await;

    assert!(supplementary(item(&all, &bucket), "BucketPolicy").is_some());
    assert!(
        some.items
            .iter()
            .all(|i| supplementary(i, "BucketPolicy").is_none()),
        "GetBucketPolicy was called although no rule reads the policy"
    );
    // One listing, then the same number of calls for every bucket. Other tests
    // add buckets concurrently, so compare calls per bucket, not totals.
    let per_bucket = |c: &Collected| {
        let n = c.items.len();
        assert!(
            n > 0 && (c.calls - 1) % n == 0,
            "{} calls for {n} buckets",
            c.calls
        );
        (c.calls - 1) / n
    };
    let (full, reduced) = (per_bucket(&all), per_bucket(&some));
    assert_eq!(full - reduced, 1, "exactly GetBucketPolicy is left out");
    // Tagging, six configuration reads, and GetBucketLocation where the
    // listing gives no region (moto 5.2 never does).
    assert!(full == 7 || full == 8, "{full} calls per bucket");
    eprintln!("calls per bucket with every S3 rule: {full}");

    // Only tags, which decide criticality, when no rule reads S3 configuration.
    let none = collect(&aws, &plan(&regions, vec!["configuration.name".into()])).await;
    assert_eq!(per_bucket(&none), full - 6);
    assert!(item(&none, &bucket).body["supplementaryConfiguration"]
        .as_object()
        .is_some_and(|s| s.is_empty()));
}

#[tokio::test]
async fn only_buckets_in_the_scanned_regions_are_judged() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("only_buckets_in_the_scanned_regions_are_judged");
        return;
    };
    let us_bucket = support::unique_name("s3-region-us");
    let eu_bucket = support::unique_name("s3-region-eu");
    s3_client_in(&config, "us-east-1")
        .create_bucket()
        .bucket(&us_bucket)
        .send()
        .await
        .expect("create us-east-1 bucket");
    let eu = s3_client_in(&config, "eu-west-1");
    eu.create_bucket()
        .bucket(&eu_bucket)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .expect("create eu-west-1 bucket");
    eu.put_bucket_encryption()
        .bucket(&eu_bucket)
        .server_side_encryption_configuration(encryption(ServerSideEncryption::Aes256, None, false))
        .send()
        .await
        .expect("put encryption");
    let aws = connect().await;

    // The listing comes from eu-west-1, the home region of this plan.
    let collected = collect(&aws, &plan(&["eu-west-1"], s3_rule_paths())).await;
    let names: BTreeSet<&str> = collected
        .items
        .iter()
        .map(|i| i.resource_id.as_str())
        .collect();
    assert!(
        names.contains(eu_bucket.as_str()),
        "{eu_bucket} missing from {names:?}"
    );
    assert!(
        !names.contains(us_bucket.as_str()),
        "{us_bucket} judged in eu-west-1"
    );
    assert!(collected
        .items
        .iter()
        .all(|i| i.region.as_deref() == Some("eu-west-1")));
    let item = item(&collected, &eu_bucket);
    assert_eq!(
        supplementary(item, "ServerSideEncryptionConfiguration"),
        Some(&json!({"rules": [{
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"},
            "bucketKeyEnabled": false
        }]}))
    );

    let collected = collect(&aws, &plan(&["us-east-1"], s3_rule_paths())).await;
    let names: BTreeSet<&str> = collected
        .items
        .iter()
        .map(|i| i.resource_id.as_str())
        .collect();
    assert!(names.contains(us_bucket.as_str()));
    assert!(!names.contains(eu_bucket.as_str()));
}

#[tokio::test]
async fn a_plan_without_s3_rules_reads_nothing() {
    let Some(_config) = support::sdk_config().await else {
        support::skipped("a_plan_without_s3_rules_reads_nothing");
        return;
    };
    let aws = connect().await;
    let mut plan = plan(&["us-east-1"], s3_rule_paths());
    plan.types = ["AWS::EC2::Instance".to_string()].into();
    let collected = collect(&aws, &plan).await;
    assert_eq!(collected.calls, 0);
    assert!(collected.items.is_empty());
}
