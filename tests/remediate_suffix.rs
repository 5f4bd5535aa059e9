//! `compliance remediate --suffix` against moto: the audit trail in the
//! stack's DynamoDB history table, one SNS message per applied run, the
//! `RemediationSucceeded` / `RemediationFailed` metrics, the stack's KMS key for
//! SSE-KMS, and rollback read from the table. Also the trail's behaviour held
//! against both history stores (the local file and the table), the same
//! function run on each, as tests/history_store.rs and tests/history_dynamodb.rs
//! do for scans.

use crate::support;

use aws_sdk_cloudwatch::types::{Dimension, DimensionFilter, Metric, MetricDataQuery, MetricStat};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use aws_sdk_sqs::types::QueueAttributeName;
use compliance::aws::operations::{self, Policy};
use compliance::aws::{Aws, Connection};
use compliance::core::remediation::{ChangeRecord, ChangeStatus, Mode, Risk, RunRecord, Summary};
use compliance::store::dynamodb::{DynamoStore, REMEDIATION_PARTITION};
use compliance::store::local::LocalStore;
use compliance::store::{HistoryStore, RemediationTrail};
use serde_json::Value;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, SystemTime};

/// No other test sets a stack up here.
const REGION: &str = "eu-south-2";

fn change(resource: &str, status: ChangeStatus) -> ChangeRecord {
    ChangeRecord {
        rule_id: "s3-versioning-enabled".into(),
        resource_id: resource.into(),
        resource_type: "AWS::S3::Bucket".into(),
        resource_name: None,
        arn: Some(format!("arn:aws:s3:::{resource}")),
        region: Some("us-east-2".into()),
        account: None,
        action: "s3-enable-versioning".into(),
        risk: Risk::Safe,
        reversible: true,
        undo: None,
        before: Value::Null,
        after: serde_json::json!({"status": "Enabled"}),
        status,
        reason: None,
        error: None,
        notes: vec![],
        at: None,
    }
}

fn run_record(id: &str, started: &str, status: ChangeStatus) -> RunRecord {
    let mut r = RunRecord::new(
        id.into(),
        Mode::Apply,
        Some("arn:caller".into()),
        started.into(),
    );
    r.changes = vec![change(&format!("{id}-bucket"), status)];
    r.summary = Summary::of(&r.changes);
    r
}

/// What every trail store does: a run is stored before any change (`started`
/// survives as written), a rewrite replaces it (one run per id), runs list
/// oldest first, `since` filters by start, and no scan appears from them.
async fn exercise_trail<S: RemediationTrail + HistoryStore>(store: &S, tag: &str) {
    let first = format!("rem-{tag}-1");
    let second = format!("rem-{tag}-2");
    let started = run_record(&first, "2026-11-20T10:00:00.000Z", ChangeStatus::Started);
    store.put_run(&started).await.unwrap();
    let runs = store.runs(None).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0], started,
        "the record before the call comes back whole"
    );

    let mut done = run_record(&first, "2026-11-20T10:00:00.000Z", ChangeStatus::Verified);
    done.finish("2026-11-20T10:00:05.000Z".into());
    store.put_run(&done).await.unwrap();
    // Started earlier than the first run, written later: listed first.
    let early = run_record(&second, "2026-11-19T09:00:00.000Z", ChangeStatus::Failed);
    store.put_run(&early).await.unwrap();

    let runs = store.runs(None).await.unwrap();
    let ids: Vec<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(
        ids,
        [second.as_str(), first.as_str()],
        "oldest first, one per id"
    );
    assert_eq!(
        runs[1].changes[0].status,
        ChangeStatus::Verified,
        "the last write wins"
    );
    assert_eq!(
        runs[1].finished_at.as_deref(),
        Some("2026-11-20T10:00:05.000Z")
    );

    let since = store.runs(Some("2026-11-20T00:00:00.000Z")).await.unwrap();
    assert_eq!(since.len(), 1);
    assert_eq!(since[0].run_id, first);
    assert!(
        store.scans(None).await.unwrap().is_empty(),
        "runs are not scans"
    );
}

#[tokio::test]
async fn the_trail_behaves_the_same_in_the_local_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::locate(Some(&dir.path().join("history.redb"))).unwrap();
    exercise_trail(&store, "local").await;
}

#[tokio::test]
async fn the_trail_behaves_the_same_in_the_history_table() {
    if support::sdk_config().await.is_none() {
        support::skipped("the_trail_behaves_the_same_in_the_history_table");
        return;
    }
    let aws = Aws::connect(&Connection {
        profile: None,
        region: Some("us-east-2".into()),
        endpoint_url: None,
        max_attempts: 1,
        call_timeout: Duration::from_secs(20),
    })
    .await;
    let table = crate::history_dynamodb::create_table(&aws).await;
    let store = DynamoStore::new(&aws, "us-east-2", &table, Some(30));
    exercise_trail(&store, "table").await;
    // The layout: one item per run in the reserved partition, outside the GSI.
    let items = aws
        .dynamodb("us-east-2")
        .query()
        .table_name(&table)
        .key_condition_expression("resourceId = :r")
        .expression_attribute_values(":r", AttributeValue::S(REMEDIATION_PARTITION.into()))
        .send()
        .await
        .unwrap();
    assert_eq!(items.items().len(), 2);
    let item = &items.items()[0];
    assert_eq!(
        item["timestamp"].as_s().unwrap(),
        "2026-11-19T09:00:00.000Z#rem-table-2"
    );
    assert!(!item.contains_key("scan_id"), "kept out of the scan index");
    assert!(
        item.contains_key("expires_at"),
        "expires with the retention"
    );
    assert!(store
        .resource_history(REMEDIATION_PARTITION, None)
        .await
        .unwrap()
        .is_empty());
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            stderr(o)
        )
    })
}

async fn metric_sum(cw: &aws_sdk_cloudwatch::Client, name: &str, suffix: &str) -> f64 {
    let now = SystemTime::now();
    let out = cw
        .get_metric_data()
        .metric_data_queries(
            MetricDataQuery::builder()
                .id("m")
                .metric_stat(
                    MetricStat::builder()
                        .metric(
                            Metric::builder()
                                .namespace("Compliance")
                                .metric_name(name)
                                .dimensions(
                                    Dimension::builder().name("Suffix").value(suffix).build(),
                                )
                                .build(),
                        )
                        .period(60)
                        .stat("Sum")
                        .build(),
                )
                .build(),
        )
        .start_time((now - Duration::from_secs(600)).into())
        .end_time((now + Duration::from_secs(60)).into())
        .send()
        .await
        .unwrap();
    out.metric_data_results()[0].values().iter().sum()
}

/// Runs `remediate` through a recording proxy and checks every call it made
/// is in the rows of `iam-policy --for remediate`.
fn remediate(
    dir: &Path,
    proxy: &str,
    recorder: &support::proxy::Recorder,
    args: &[&str],
) -> Output {
    recorder.take();
    let o = support::compliance_in(dir)
        .env("AWS_ENDPOINT_URL", proxy)
        .args(["--region", REGION, "remediate"])
        .args(args)
        .output()
        .unwrap();
    let unlisted: Vec<String> = recorder
        .take()
        .into_iter()
        .filter(|c| !operations::allows(Policy::Remediate.commands(), &c.service, &c.operation))
        .map(|c| format!("{}:{}", c.service, c.operation))
        .collect();
    assert!(
        unlisted.is_empty(),
        "calls outside the remediate policy: {unlisted:?}"
    );
    o
}

#[tokio::test]
async fn remediate_with_a_suffix_keeps_the_trail_in_the_table_notifies_and_rolls_back() {
    let Some(config) = support::sdk_config().await else {
        support::skipped(
            "remediate_with_a_suffix_keeps_the_trail_in_the_table_notifies_and_rolls_back",
        );
        return;
    };
    let s3 = support::s3_client(&config);
    // Every client in the test's own region.
    let config = config
        .into_builder()
        .region(aws_sdk_sqs::config::Region::new(REGION))
        .build();
    let sqs = aws_sdk_sqs::Client::new(&config);
    let sns = aws_sdk_sns::Client::new(&config);
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    let cw = aws_sdk_cloudwatch::Client::new(&config);

    let dir = support::fresh_dir();
    let suffix = format!("rem{}", std::process::id() % 100_000);
    let o = support::compliance_in(&dir)
        .args(["--region", REGION, "setup", "--suffix", &suffix, "-q"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "setup: {}", stderr(&o));
    let table = format!("compliance-findings-{suffix}");
    let topic = format!(
        "arn:aws:sns:{REGION}:{}:compliance-alerts-{suffix}",
        support::MOTO_ACCOUNT_ID
    );
    let queue_url = sqs
        .create_queue()
        .queue_name(support::unique_name("rem-alerts"))
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_string();
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes()
        .unwrap()[&QueueAttributeName::QueueArn]
        .clone();
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .send()
        .await
        .unwrap();

    // The violations: a bucket with neither versioning nor SSE-KMS.
    let bucket = support::unique_name("rem-sfx");
    s3.create_bucket()
        .bucket(&bucket)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(REGION))
                .build(),
        )
        .send()
        .await
        .unwrap();

    let (proxy, recorder) = support::proxy::recording(&support::endpoint_url().unwrap());
    let o = remediate(
        &dir,
        &proxy,
        &recorder,
        &[
            "--regions",
            REGION,
            "--resource",
            &bucket,
            "--rule",
            "s3-versioning-enabled",
            "--rule",
            "s3-kms-encryption",
            "--suffix",
            &suffix,
            "--yes",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let applied = json_of(&o);
    let run_id = applied["run_id"].as_str().unwrap().to_string();
    assert_eq!(applied["summary"]["verified"], 2, "{applied:#}");
    // SSE-KMS with the stack's key, since the rule names none.
    let kms = applied["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule_id"] == "s3-kms-encryption")
        .unwrap();
    let key = kms["after"]["kmsMasterKeyID"].as_str().unwrap().to_string();
    assert!(
        key.starts_with(&format!(
            "arn:aws:kms:{REGION}:{}:key/",
            support::MOTO_ACCOUNT_ID
        )),
        "{key}"
    );
    let enc = s3
        .get_bucket_encryption()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let default = enc.server_side_encryption_configuration().unwrap().rules()[0]
        .apply_server_side_encryption_by_default()
        .unwrap();
    assert_eq!(default.kms_master_key_id(), Some(key.as_str()));

    // The trail is in the table, read back with the SDK…
    let items = ddb
        .query()
        .table_name(&table)
        .key_condition_expression("resourceId = :r")
        .expression_attribute_values(":r", AttributeValue::S(REMEDIATION_PARTITION.into()))
        .send()
        .await
        .unwrap();
    assert_eq!(items.items().len(), 1);
    let stored: Value = serde_json::from_str(items.items()[0]["run"].as_s().unwrap()).unwrap();
    assert_eq!(stored["run_id"], run_id.as_str());
    assert!(stored["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] == "verified"));
    // …and through --log, while the local store has nothing.
    let log = remediate(
        &dir,
        &proxy,
        &recorder,
        &["--log", "--suffix", &suffix, "--format", "json"],
    );
    assert_eq!(log.status.code(), Some(0), "{}", stderr(&log));
    let runs = json_of(&log);
    assert_eq!(runs.as_array().unwrap().len(), 1);
    assert_eq!(runs[0]["run_id"], run_id.as_str());
    let local = remediate(&dir, &proxy, &recorder, &["--log", "--format", "json"]);
    assert_eq!(json_of(&local), serde_json::json!([]));

    // One message for the run, naming its counts.
    let received = support::sqs_messages(&sqs, &queue_url).await;
    assert_eq!(received.len(), 1, "{received:#?}");
    assert_eq!(
        received[0]["Subject"].as_str().unwrap(),
        format!("[compliance {suffix}] remediate apply: 2 fixed, 0 failed")
    );
    assert!(received[0]["Message"].as_str().unwrap().contains(&run_id));
    assert_eq!(
        received[0]["MessageAttributes"]["suffix"]["Value"],
        suffix.as_str()
    );
    assert_eq!(
        received[0]["MessageAttributes"]["outcome"]["Value"],
        "succeeded"
    );

    // The two metrics the dashboard plots.
    let listed = cw
        .list_metrics()
        .namespace("Compliance")
        .dimensions(
            DimensionFilter::builder()
                .name("Suffix")
                .value(&suffix)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .metrics()
        .iter()
        .filter_map(|m| m.metric_name())
        .collect();
    assert!(names.contains(&"RemediationSucceeded"), "{names:?}");
    assert!(names.contains(&"RemediationFailed"), "{names:?}");
    assert_eq!(metric_sum(&cw, "RemediationSucceeded", &suffix).await, 2.0);
    assert_eq!(metric_sum(&cw, "RemediationFailed", &suffix).await, 0.0);

    // Rollback finds the run in the table, restores, and is a run of its own.
    let o = remediate(
        &dir,
        &proxy,
        &recorder,
        &[
            "--regions",
            REGION,
            "--rollback",
            &run_id,
            "--suffix",
            &suffix,
            "--yes",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rolled = json_of(&o);
    assert_eq!(rolled["summary"]["rolled_back"], 2, "{rolled:#}");
    // moto 5.2 wraps GetBucketVersioning's answer in the wrong root element,
    // which the SDK refuses: the status is read from the raw body then.
    let versioning = match s3.get_bucket_versioning().bucket(&bucket).send().await {
        Ok(o) => o.status().map(|s| s.as_str().to_string()),
        Err(e) => e.raw_response().and_then(|r| {
            let body = String::from_utf8_lossy(r.body().bytes()?).into_owned();
            let start = body.find("<Status>")? + "<Status>".len();
            let end = body[start..].find("</Status>")? + start;
            Some(body[start..end].to_string())
        }),
    };
    assert_eq!(versioning.as_deref(), Some("Suspended"));
    let key_now = s3
        .get_bucket_encryption()
        .bucket(&bucket)
        .send()
        .await
        .ok()
        .and_then(|o| {
            o.server_side_encryption_configuration()?
                .rules()
                .first()?
                .apply_server_side_encryption_by_default()?
                .kms_master_key_id()
                .map(str::to_string)
        });
    assert_ne!(key_now.as_deref(), Some(key.as_str()), "SSE-KMS undone");
    let log = remediate(
        &dir,
        &proxy,
        &recorder,
        &["--log", "--suffix", &suffix, "--format", "json"],
    );
    let runs = json_of(&log);
    assert_eq!(runs.as_array().unwrap().len(), 2);
    assert_eq!(runs[1]["rollback_of"], run_id.as_str());
    let received = support::sqs_messages(&sqs, &queue_url).await;
    assert_eq!(
        received.len(),
        1,
        "one message per applied run: {received:#?}"
    );
    assert!(received[0]["Subject"]
        .as_str()
        .unwrap()
        .contains("remediate rollback: 2 fixed"));

    // Targets from a scan stored in the table (after the message checks: the
    // scan may alert too), re-checked live: versioning is off again.
    let o = support::compliance_in(&dir)
        .args([
            "--region",
            REGION,
            "scan",
            "--regions",
            REGION,
            "--resources",
            "s3",
        ])
        .args(["--suffix", &suffix, "--format", "json", "--fail-on", "none"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "scan: {}", stderr(&o));
    let scan_id = json_of(&o)["scan_id"].as_str().unwrap().to_string();
    let o = remediate(
        &dir,
        &proxy,
        &recorder,
        &[
            "--regions",
            REGION,
            "--from-scan",
            "latest",
            "--suffix",
            &suffix,
            "--resource",
            &bucket,
            "--rule",
            "s3-versioning-enabled",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan = json_of(&o);
    assert_eq!(plan["mode"], "plan");
    assert_eq!(plan["summary"]["planned"], 1, "{plan:#}");
    // Without --suffix the local store has no scan: the table was read.
    let o = remediate(&dir, &proxy, &recorder, &["--from-scan", &scan_id]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    // An unknown run is bad input, naming the table.
    let o = remediate(
        &dir,
        &proxy,
        &recorder,
        &["--rollback", "rem-none", "--suffix", &suffix],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(&table), "{}", stderr(&o));
}
