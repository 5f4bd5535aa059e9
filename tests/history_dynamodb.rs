//! The DynamoDB history store against moto, on a table with exactly the schema
//! `setup` creates: the same behaviour the local store is held to in
//! tests/history_store.rs (oldest-first scans, the `since` filter, one scan's
//! records through the GSI, a resource's history in order, diff), plus the raw
//! item layout read with the SDK, TTL, chunking, retry of unprocessed items, and
//! failures that must not look like an empty history.
//!
//! Batch sizes and retries are observed through the counting/faking proxy in
//! tests/support/proxy.rs, which sees every request the store makes.

use crate::support;

use support::history::{exercise, record, summary, T1, T2};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, ScalarAttributeType,
};
use compliance::aws::{Aws, Connection};
use compliance::core::finding::Status;
use compliance::core::history::ResourceRecord;
use compliance::store::dynamodb::DynamoStore;
use compliance::store::{HistoryStore, StoreError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const REGION: &str = "us-east-2";

async fn connect(endpoint_url: Option<String>) -> Aws {
    Aws::connect(&Connection {
        profile: None,
        region: Some(REGION.into()),
        // None: AWS_ENDPOINT_URL, set by scripts/test, points the SDK at moto.
        endpoint_url,
        max_attempts: 1,
        call_timeout: Duration::from_secs(20),
    })
    .await
}

/// A table exactly as `setup` creates it (see src/aws/provision/dynamodb.rs).
pub(crate) async fn create_table(aws: &Aws) -> String {
    let name = format!("compliance-findings-{}", support::unique_name("h"));
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .unwrap()
    };
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    aws.dynamodb(REGION)
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("resourceId"))
        .attribute_definitions(attribute("timestamp"))
        .attribute_definitions(attribute("scan_id"))
        .key_schema(key("resourceId", KeyType::Hash))
        .key_schema(key("timestamp", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("scan_id-index")
                .key_schema(key("scan_id", KeyType::Hash))
                .key_schema(key("resourceId", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create table");
    name
}

fn s<'a>(item: &'a HashMap<String, AttributeValue>, name: &str) -> &'a str {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .unwrap_or_else(|| panic!("no string `{name}` in {item:?}"))
}

async fn items_of(aws: &Aws, table: &str, partition: &str) -> Vec<HashMap<String, AttributeValue>> {
    aws.dynamodb(REGION)
        .query()
        .table_name(table)
        .key_condition_expression("resourceId = :r")
        .expression_attribute_values(":r", AttributeValue::S(partition.into()))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
}

#[tokio::test]
async fn dynamodb_store_keeps_scans_like_the_local_store() {
    if support::sdk_config().await.is_none() {
        support::skipped("dynamodb_store_keeps_scans_like_the_local_store");
        return;
    }
    let aws = connect(None).await;
    let table = create_table(&aws).await;
    let store = DynamoStore::new(&aws, REGION, &table, None);
    exercise(&store, "ddb").await;

    // The raw layout: one item per resource per scan under its own partition.
    let a = items_of(&aws, &table, "ddb-a").await;
    assert_eq!(a.len(), 2, "one item per scan for resource a");
    assert_eq!(s(&a[0], "timestamp"), T1);
    assert_eq!(s(&a[0], "scan_id"), "ddb-s1");
    assert_eq!(s(&a[0], "resource_type"), "AWS::S3::Bucket");
    assert_eq!(s(&a[0], "arn"), "arn:aws:s3:::ddb-a");
    assert_eq!(s(&a[0], "account"), "123456789012");
    assert_eq!(s(&a[0], "region"), "eu-west-1");
    assert_eq!(
        a[0].get("criticality")
            .and_then(|v| v.as_n().ok())
            .map(String::as_str),
        Some("2")
    );
    assert_eq!(
        a[1].get("score")
            .and_then(|v| v.as_n().ok())
            .map(String::as_str),
        Some("100")
    );
    let outcomes: serde_json::Value =
        serde_json::from_str(s(&a[0], "outcomes")).expect("outcomes are JSON");
    assert_eq!(outcomes[0]["rule_id"], "s3-versioning-enabled");
    assert_eq!(outcomes[0]["status"], "non_compliant");
    assert_eq!(outcomes[0]["evidence"]["found"], "Off");
    assert!(
        !a[0].contains_key("expires_at"),
        "no TTL attribute without a retention"
    );

    // The summaries live in the reserved partition, keyed by scan time.
    let summaries = items_of(&aws, &table, "#scan").await;
    assert_eq!(
        summaries
            .iter()
            .map(|i| s(i, "timestamp"))
            .collect::<Vec<_>>(),
        [T1, T2]
    );
    assert_eq!(s(&summaries[0], "scan_id"), "ddb-s1");
    let json: serde_json::Value = serde_json::from_str(s(&summaries[1], "summary")).unwrap();
    assert_eq!(json["score"], 50.0);

    // The GSI returns one scan's items: its records and its summary.
    let by_scan = aws
        .dynamodb(REGION)
        .query()
        .table_name(&table)
        .index_name("scan_id-index")
        .key_condition_expression("scan_id = :s")
        .expression_attribute_values(":s", AttributeValue::S("ddb-s1".into()))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    let mut keys: Vec<&str> = by_scan.iter().map(|i| s(i, "resourceId")).collect();
    keys.sort();
    assert_eq!(keys, ["#scan", "ddb-a", "ddb-b"]);

    // An unknown scan or resource is empty, not an error.
    assert!(store.scan_records("no-such-scan").await.unwrap().is_empty());
    assert!(store
        .resource_history("no-such-resource", None)
        .await
        .unwrap()
        .is_empty());

    let _ = aws
        .dynamodb(REGION)
        .delete_table()
        .table_name(&table)
        .send()
        .await;
}

#[tokio::test]
async fn retention_sets_expires_at_on_every_item() {
    if support::sdk_config().await.is_none() {
        support::skipped("retention_sets_expires_at_on_every_item");
        return;
    }
    let aws = connect(None).await;
    let table = create_table(&aws).await;
    let store = DynamoStore::new(&aws, REGION, &table, Some(30));
    store
        .write_scan(
            &[record("ttl-a", "ttl-s1", T1, Status::Compliant)],
            &summary("ttl-s1", T1, 100.0),
        )
        .await
        .unwrap();
    // 2026-11-20T10:00:00Z plus 30 days, in epoch seconds.
    let expected = (1_795_168_800 + 30 * 86_400).to_string();
    for item in items_of(&aws, &table, "ttl-a")
        .await
        .iter()
        .chain(items_of(&aws, &table, "#scan").await.iter())
    {
        assert_eq!(
            item.get("expires_at").and_then(|v| v.as_n().ok()),
            Some(&expected),
            "{item:?}"
        );
    }
    let _ = aws
        .dynamodb(REGION)
        .delete_table()
        .table_name(&table)
        .send()
        .await;
}

/// A proxy in front of moto that counts BatchWriteItem calls and, while
/// `refuse` is above zero, answers them itself with every item unprocessed
/// (what DynamoDB does under throttling) and decrements it.
fn counting_proxy(refuse: Arc<AtomicUsize>) -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let upstream = support::endpoint_url().expect("moto endpoint");
    let url = support::proxy::start(&upstream, move |head, body| {
        if !head.contains("DynamoDB_20120810.BatchWriteItem") {
            return None;
        }
        seen.fetch_add(1, Ordering::SeqCst);
        refuse
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .ok()?;
        let request: serde_json::Value =
            serde_json::from_slice(body).expect("BatchWriteItem body is JSON");
        Some(support::proxy::Fault {
            status: 200,
            content_type: "application/x-amz-json-1.0",
            body: serde_json::json!({ "UnprocessedItems": request["RequestItems"] }).to_string(),
            request_id: "unprocessed-0001",
        })
    });
    (url, calls)
}

#[tokio::test]
async fn sixty_records_go_out_in_three_batches_and_unprocessed_items_are_retried() {
    if support::sdk_config().await.is_none() {
        support::skipped("sixty_records_go_out_in_three_batches_and_unprocessed_items_are_retried");
        return;
    }
    let refuse = Arc::new(AtomicUsize::new(0));
    let (url, calls) = counting_proxy(refuse.clone());
    let aws = connect(Some(url)).await;
    let table = create_table(&aws).await;
    let store = DynamoStore::new(&aws, REGION, &table, None);

    let records: Vec<ResourceRecord> = (0..60)
        .map(|i| record(&format!("bulk-{i:02}"), "bulk-s1", T1, Status::Compliant))
        .collect();
    store
        .write_scan(&records, &summary("bulk-s1", T1, 100.0))
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3, "25 + 25 + 10");
    let mut back = store.scan_records("bulk-s1").await.unwrap();
    back.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
    assert_eq!(back, records);

    // Two refusals: those chunks are sent again after a backoff and all arrive.
    calls.store(0, Ordering::SeqCst);
    refuse.store(2, Ordering::SeqCst);
    let records: Vec<ResourceRecord> = (0..30)
        .map(|i| record(&format!("retry-{i:02}"), "retry-s1", T2, Status::Compliant))
        .collect();
    store
        .write_scan(&records, &summary("retry-s1", T2, 100.0))
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 4, "two chunks, two retries");
    assert_eq!(store.scan_records("retry-s1").await.unwrap().len(), 30);
    assert_eq!(store.scans(None).await.unwrap().len(), 2);

    let _ = aws
        .dynamodb(REGION)
        .delete_table()
        .table_name(&table)
        .send()
        .await;
}

#[tokio::test]
async fn items_left_unprocessed_fail_the_write_and_hide_the_scan() {
    if support::sdk_config().await.is_none() {
        support::skipped("items_left_unprocessed_fail_the_write_and_hide_the_scan");
        return;
    }
    let (url, calls) = counting_proxy(Arc::new(AtomicUsize::new(usize::MAX)));
    let aws = connect(Some(url)).await;
    let table = create_table(&aws).await;
    let store = DynamoStore::new(&aws, REGION, &table, None);
    let err = store
        .write_scan(
            &[record("stuck-a", "stuck-s1", T1, Status::NonCompliant)],
            &summary("stuck-s1", T1, 0.0),
        )
        .await
        .expect_err("throttled for good");
    let StoreError::Aws(e) = &err else {
        panic!("{err}")
    };
    assert_eq!(e.code, "UnprocessedItems");
    assert!(
        e.message.contains(&table) && e.message.contains("1 item(s)"),
        "{err}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 8, "every attempt made");
    assert!(
        store.scans(None).await.unwrap().is_empty(),
        "no summary for a scan not fully stored"
    );
    let _ = aws
        .dynamodb(REGION)
        .delete_table()
        .table_name(&table)
        .send()
        .await;
}

#[tokio::test]
async fn a_missing_table_is_an_error_not_an_empty_history() {
    if support::sdk_config().await.is_none() {
        support::skipped("a_missing_table_is_an_error_not_an_empty_history");
        return;
    }
    let aws = connect(None).await;
    let table = create_table(&aws).await;
    aws.dynamodb(REGION)
        .delete_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let store = DynamoStore::new(&aws, REGION, &table, None);

    let err = store
        .write_scan(
            &[record("gone-a", "gone-s1", T1, Status::NonCompliant)],
            &summary("gone-s1", T1, 0.0),
        )
        .await
        .expect_err("the table is gone");
    let StoreError::Aws(e) = &err else {
        panic!("{err}")
    };
    assert_eq!(e.code, "ResourceNotFoundException");
    assert_eq!(e.operation, "BatchWriteItem");
    assert!(e.request_id.is_some(), "request id kept: {e:?}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("table {table} does not exist")) && text.contains("run setup"),
        "{text}"
    );

    // A scan with no records still fails on the summary, for the same reason.
    let err = store
        .write_scan(&[], &summary("gone-s2", T1, 0.0))
        .await
        .expect_err("the table is gone");
    assert!(err.to_string().contains(&table), "{err}");

    for err in [
        store
            .scans(None)
            .await
            .map(|_| ())
            .expect_err("scans on a missing table"),
        store
            .scan_records("gone-s1")
            .await
            .map(|_| ())
            .expect_err("scan_records on a missing table"),
        store
            .resource_history("gone-a", None)
            .await
            .map(|_| ())
            .expect_err("resource_history on a missing table"),
    ] {
        assert!(
            err.to_string()
                .contains(&format!("table {table} does not exist")),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_key_repeated_within_a_scan_is_stored_once_last_wins() {
    if support::sdk_config().await.is_none() {
        support::skipped("a_key_repeated_within_a_scan_is_stored_once_last_wins");
        return;
    }
    let aws = connect(None).await;
    let table = create_table(&aws).await;
    let store = DynamoStore::new(&aws, REGION, &table, None);
    // `*` stands for a type that could not be listed; two regions give the same key.
    let mut first = record("*", "dup-s1", T1, Status::Error);
    first.region = Some("eu-west-1".into());
    let mut second = record("*", "dup-s1", T1, Status::Error);
    second.region = Some("eu-west-2".into());
    store
        .write_scan(&[first, second.clone()], &summary("dup-s1", T1, 0.0))
        .await
        .expect("BatchWriteItem refuses duplicate keys; the store must not send them");
    assert_eq!(store.scan_records("dup-s1").await.unwrap(), [second]);
    let _ = aws
        .dynamodb(REGION)
        .delete_table()
        .table_name(&table)
        .send()
        .await;
}
