//! `scan --suffix` end to end against moto: setup creates the stack, a scan of a
//! seeded violation stores one item per resource in the history table, sends one
//! alert (read back from an SQS queue subscribed to the topic) and publishes
//! metrics (read back with GetMetricData); a second scan with the same violation
//! sends no alert; a fix shows up in `diff` as resolved; and a scan whose table
//! was deleted prints its findings, exits 3 and leaves history without a
//! half-written scan.

use crate::support;

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
use aws_sdk_ec2::types::{IpPermission, IpRange};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::Value;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, SystemTime};

const REGION: &str = "us-west-1";

fn run(args: &[&str]) -> Output {
    support::compliance()
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env_remove("COMPLIANCE_CONFIG")
        .output()
        .expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stderr(o)))
}

#[tokio::test]
async fn scans_with_a_suffix_keep_history_alert_once_and_publish_metrics() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("scans_with_a_suffix_keep_history_alert_once_and_publish_metrics");
        return;
    };
    // Every client in the test's own region.
    let config = config
        .into_builder()
        .region(aws_sdk_sqs::config::Region::new(REGION))
        .build();
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let sns = aws_sdk_sns::Client::new(&config);
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    let cw = aws_sdk_cloudwatch::Client::new(&config);

    let suffix = format!("hist{}", std::process::id() % 100_000);
    let o = run(&["--region", REGION, "setup", "--suffix", &suffix, "-q"]);
    assert_eq!(o.status.code(), Some(0), "setup: {}", stderr(&o));
    let table = format!("compliance-findings-{suffix}");
    let topic = format!(
        "arn:aws:sns:{REGION}:{}:compliance-alerts-{suffix}",
        support::MOTO_ACCOUNT_ID
    );

    let queue = sqs
        .create_queue()
        .queue_name(support::unique_name("alerts"))
        .send()
        .await
        .unwrap();
    let queue_url = queue.queue_url().unwrap().to_string();
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

    // A critical violation: PostgreSQL open to the internet.
    let group = ec2
        .create_security_group()
        .group_name(support::unique_name("db-open"))
        .description("test")
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_string();
    let open = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(5432)
        .to_port(5432)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    ec2.authorize_security_group_ingress()
        .group_id(&group)
        .ip_permissions(open.clone())
        .send()
        .await
        .unwrap();

    let scan = |extra: &[&str]| {
        let mut args = vec![
            "--region",
            REGION,
            "scan",
            "--regions",
            REGION,
            "--resources",
            "sg",
            "--suffix",
            &suffix,
            "--format",
            "json",
            "--fail-on",
            "none",
        ];
        args.extend(extra);
        run(&args)
    };
    let o = scan(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let first = json_of(&o);
    let scan_id = first["scan_id"].as_str().unwrap().to_string();

    // History: one item for the group, with its outcomes; the GSI returns the scan.
    let items = ddb
        .query()
        .table_name(&table)
        .key_condition_expression("resourceId = :id")
        .expression_attribute_values(
            ":id",
            aws_sdk_dynamodb::types::AttributeValue::S(group.clone()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(items.items().len(), 1);
    let item = &items.items()[0];
    assert_eq!(item["scan_id"].as_s().unwrap(), &scan_id);
    let outcomes: Value = serde_json::from_str(item["outcomes"].as_s().unwrap()).unwrap();
    assert!(
        outcomes
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["rule_id"] == "sg-no-world-open-db-ports" && o["status"] == "non_compliant"),
        "{outcomes:#}"
    );
    let by_scan = ddb
        .query()
        .table_name(&table)
        .index_name("scan_id-index")
        .key_condition_expression("scan_id = :s")
        .expression_attribute_values(
            ":s",
            aws_sdk_dynamodb::types::AttributeValue::S(scan_id.clone()),
        )
        .send()
        .await
        .unwrap();
    let resources = first["summary"]["resources"].as_u64().unwrap() as usize;
    assert!(
        by_scan.items().len() >= resources,
        "the scan's items come back through the index"
    );

    // One alert, with filterable attributes.
    let received = support::sqs_messages(&sqs, &queue_url).await;
    assert_eq!(received.len(), 1, "{received:#?}");
    let envelope = &received[0];
    assert!(envelope["Subject"].as_str().unwrap().contains(&suffix));
    let message = envelope["Message"].as_str().unwrap();
    assert!(
        message.contains("sg-no-world-open-db-ports") && message.contains(&group),
        "{message}"
    );
    assert_eq!(
        envelope["MessageAttributes"]["severity"]["Value"],
        "critical"
    );
    assert_eq!(
        envelope["MessageAttributes"]["suffix"]["Value"],
        suffix.as_str()
    );

    // Metrics match the JSON output.
    let now = SystemTime::now();
    let metrics = cw
        .get_metric_data()
        .metric_data_queries(
            MetricDataQuery::builder()
                .id("score")
                .metric_stat(
                    MetricStat::builder()
                        .metric(
                            Metric::builder()
                                .namespace("Compliance")
                                .metric_name("ComplianceScore")
                                .dimensions(
                                    Dimension::builder().name("Suffix").value(&suffix).build(),
                                )
                                .build(),
                        )
                        .period(60)
                        .stat("Maximum")
                        .build(),
                )
                .build(),
        )
        .start_time((now - Duration::from_secs(600)).into())
        .end_time((now + Duration::from_secs(600)).into())
        .send()
        .await
        .unwrap();
    let values = metrics.metric_data_results()[0].values();
    assert_eq!(
        values.first().copied(),
        first["score"]["overall"].as_f64(),
        "{metrics:?}"
    );

    // The same violation again: stored, but not announced twice.
    let o = scan(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // It keeps the first scan's time, in the scan's output and in the table.
    let open_in = |report: &Value| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["rule_id"] == "sg-no-world-open-db-ports" && f["resource_id"] == group.as_str()
            })
            .cloned()
            .expect("the open group's finding")
    };
    assert_eq!(open_in(&json_of(&o))["first_seen"], first["generated_at"]);
    let o = run(&[
        "--region", REGION, "report", "--suffix", &suffix, "--format", "json",
    ]);
    assert_eq!(open_in(&json_of(&o))["first_seen"], first["generated_at"]);
    assert!(
        support::sqs_messages(&sqs, &queue_url).await.is_empty(),
        "a persisting violation was announced again"
    );

    // Fix it by hand: diff shows exactly that violation as resolved.
    ec2.revoke_security_group_ingress()
        .group_id(&group)
        .ip_permissions(open)
        .send()
        .await
        .unwrap();
    let o = scan(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&[
        "--region", REGION, "diff", "--suffix", &suffix, "--format", "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let d = json_of(&o);
    let resolved = d["resolved"].as_array().unwrap();
    assert_eq!(resolved.len(), 1, "{d:#}");
    assert_eq!(resolved[0]["rule_id"], "sg-no-world-open-db-ports");
    assert_eq!(resolved[0]["resource_id"], group.as_str());
    let o = run(&[
        "--region", REGION, "history", "--suffix", &suffix, "--format", "json",
    ]);
    let before = json_of(&o).as_array().unwrap().len();
    assert_eq!(before, 3);
    let o = run(&[
        "--region", REGION, "score", "--scan", "latest", "--suffix", &suffix, "--format", "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // The table is gone: findings still printed, exit 3, no half-written scan.
    ddb.delete_table().table_name(&table).send().await.unwrap();
    let o = scan(&[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(json_of(&o)["schema"], "compliance.findings/v1");
    assert!(stderr(&o).contains("history not written"), "{}", stderr(&o));

    let o = run(&[
        "--region", REGION, "teardown", "--suffix", &suffix, "--yes", "-q",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "teardown after the table was deleted by hand: {}",
        stderr(&o)
    );
}
