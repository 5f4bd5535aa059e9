//! Alerts and metrics against moto, read back for real: an SQS queue subscribed
//! to the alert topic receives the SNS envelope (subject, message, attributes),
//! and the metrics come back from CloudWatch with GetMetricData.
//!
//! Calls are counted through the proxy in tests/support/proxy.rs, which sees
//! every request the adapters make.

use crate::support;

use aws_sdk_cloudwatch::types::{Dimension, Metric as CwMetric, MetricDataQuery, MetricStat};
use compliance::aws::{Aws, Connection};
use compliance::core::alert::{compose, AlertOn, Previous};
use compliance::core::finding::{Evidence, Finding, Severity, Status};
use compliance::core::history::{records, violations};
use compliance::core::report::{Meta, ScanReport, Source};
use compliance::core::stack::METRIC_NAMESPACE;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

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

fn finding(rule: &str, resource: &str, status: Status, severity: Severity) -> Finding {
    Finding {
        finding_id: String::new(),
        rule_id: Arc::from(rule),
        title: Arc::from("title"),
        severity,
        category: Arc::from("data-protection"),
        frameworks: Arc::from(Vec::new()),
        service: if resource.starts_with("db-") {
            "rds".into()
        } else {
            "s3".into()
        },
        resource_type: "AWS::S3::Bucket".into(),
        resource_id: resource.into(),
        resource_name: None,
        arn: Some(format!("arn:aws:s3:::{resource}")),
        region: Some(REGION.into()),
        account: Some(support::MOTO_ACCOUNT_ID.into()),
        status,
        criticality: 2.0,
        evidence: Evidence {
            path: "supplementaryConfiguration.PublicAccessBlockConfiguration.blockPublicAcls"
                .into(),
            found: Some(serde_json::json!(status == Status::Compliant)),
            missing: false,
            expected: "== true".into(),
            note: None,
        },
        remediation: None,
        exemption: None,
        source: None,
        message: None,
        first_seen: None,
    }
}

fn report(findings: Vec<Finding>) -> ScanReport {
    ScanReport::build(
        Meta {
            scan_id: "scan-alerts-1".into(),
            generated_at: "2026-11-22T08:00:00.000Z".into(),
            version: "test".into(),
            source: Source {
                kind: "snapshot".into(),
                inputs: vec!["estate.json".into()],
            },
            resources: 3,
            rules: 3,
            threshold: 70.0,
        },
        findings,
        vec![],
        vec![],
    )
}

/// One critical and one high violation, one pass.
fn bad_report() -> ScanReport {
    report(vec![
        finding(
            "s3-bucket-public-read-prohibited",
            "open-bucket",
            Status::NonCompliant,
            Severity::Critical,
        ),
        finding(
            "s3-versioning-enabled",
            "plain-bucket",
            Status::NonCompliant,
            Severity::High,
        ),
        finding(
            "s3-bucket-ssl-requests-only",
            "good-bucket",
            Status::Compliant,
            Severity::Medium,
        ),
        finding(
            "rds-storage-encrypted",
            "db-main",
            Status::Compliant,
            Severity::High,
        ),
    ])
}

/// A proxy in front of moto counting requests whose head or body contains `marker`.
fn counting_proxy(marker: &'static str) -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let upstream = support::endpoint_url().expect("moto endpoint");
    let url = support::proxy::start(&upstream, move |head, body| {
        if head.contains(marker) || String::from_utf8_lossy(body).contains(marker) {
            seen.fetch_add(1, Ordering::SeqCst);
        }
        None
    });
    (url, calls)
}

#[test]
fn no_alert_for_a_clean_estate_or_the_same_violations_again() {
    let clean = report(vec![finding(
        "s3-versioning-enabled",
        "good-bucket",
        Status::Compliant,
        Severity::Critical,
    )]);
    assert!(compose(
        &clean,
        "dev",
        &[AlertOn::Critical, AlertOn::Score],
        &Previous::default(),
        false
    )
    .is_none());

    let bad = bad_report();
    assert!(compose(
        &bad,
        "dev",
        &[AlertOn::Critical],
        &Previous::default(),
        false
    )
    .is_some());
    let previous = Previous {
        violations: violations(&records(&bad).0),
        below_threshold: bad.score.below_threshold,
    };
    assert!(
        compose(
            &bad,
            "dev",
            &[AlertOn::Critical, AlertOn::High],
            &previous,
            false
        )
        .is_none(),
        "nothing new"
    );
    assert!(
        compose(&bad, "dev", &[AlertOn::Critical], &previous, true).is_some(),
        "--realert"
    );
}

#[tokio::test]
async fn alert_reaches_a_subscribed_queue_with_its_attributes() {
    if support::sdk_config().await.is_none() {
        support::skipped("alert_reaches_a_subscribed_queue_with_its_attributes");
        return;
    }
    let aws = connect(None).await;
    let suffix = support::unique_name("al");
    let topic_arn = aws
        .sns(REGION)
        .create_topic()
        .name(format!("compliance-alerts-{suffix}"))
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let sqs = aws.sqs(REGION);
    let queue_url = sqs
        .create_queue()
        .queue_name(format!("alerts-{suffix}"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    // Raw message delivery stays off: the body is the SNS envelope with the attributes.
    aws.sns(REGION)
        .subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .send()
        .await
        .unwrap();

    let report = bad_report();
    let alert = compose(
        &report,
        &suffix,
        &[AlertOn::Critical],
        &Previous::default(),
        false,
    )
    .expect("a critical violation alerts");
    let message_id = compliance::aws::alerts::publish(&aws, REGION, &topic_arn, &alert)
        .await
        .unwrap();
    assert!(!message_id.is_empty());

    let mut bodies = Vec::new();
    for _ in 0..10 {
        let out = sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        bodies.extend(
            out.messages
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| m.body),
        );
        if !bodies.is_empty() {
            break;
        }
    }
    assert_eq!(bodies.len(), 1, "one message per scan");
    let envelope: Value = serde_json::from_str(&bodies[0]).expect("SNS envelope JSON");
    assert_eq!(envelope["MessageId"], message_id.as_str());
    assert_eq!(envelope["Subject"], alert.subject.as_str());
    let score = format!("{:.1}", report.score.overall.unwrap());
    assert!(alert.subject.contains(&score), "{}", alert.subject);
    let message = envelope["Message"].as_str().unwrap();
    assert_eq!(message, alert.message);
    assert!(message.contains(&format!("Score: {score}")), "{message}");
    assert!(
        message.contains("Failing findings: 1 critical, 1 high, 0 medium, 0 low, 0 info"),
        "{message}"
    );
    assert!(
        message.contains("- [critical] s3-bucket-public-read-prohibited on AWS::S3::Bucket arn:aws:s3:::open-bucket (us-east-2)"),
        "{message}"
    );
    assert!(
        !message.contains("plain-bucket"),
        "only critical violations with --alert-on critical: {message}"
    );
    let attributes = &envelope["MessageAttributes"];
    assert_eq!(attributes["severity"]["Type"], "String");
    assert_eq!(attributes["severity"]["Value"], "critical");
    assert_eq!(
        attributes["rule_id"]["Value"],
        "s3-bucket-public-read-prohibited"
    );
    assert_eq!(attributes["suffix"]["Value"], suffix.as_str());

    let _ = sqs.delete_queue().queue_url(&queue_url).send().await;
    let _ = aws
        .sns(REGION)
        .delete_topic()
        .topic_arn(&topic_arn)
        .send()
        .await;
}

#[tokio::test]
async fn metrics_are_published_in_one_call_and_read_back() {
    if support::sdk_config().await.is_none() {
        support::skipped("metrics_are_published_in_one_call_and_read_back");
        return;
    }
    let (url, calls) = counting_proxy("Action=PutMetricData");
    let aws = connect(Some(url)).await;
    let suffix = support::unique_name("mt");
    let report = bad_report();
    let metrics = compliance::core::metrics::of_scan(&report, 1.5);
    assert!(metrics.len() > 5);
    let made = compliance::aws::metrics::publish(&aws, REGION, &suffix, &metrics)
        .await
        .unwrap();
    assert_eq!(made, 1, "one PutMetricData call per scan");
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one request on the wire");

    let stat = |id: &str, name: &str, extra: Option<(&str, &str)>| {
        let mut metric = CwMetric::builder()
            .namespace(METRIC_NAMESPACE)
            .metric_name(name);
        // Same order as published (own dimensions, then Suffix): moto 5.2 compares
        // dimension lists after a sort whose `Dimension.__lt__` is broken, so only
        // lists in the same order match. CloudWatch itself ignores the order.
        if let Some((k, v)) = extra {
            metric = metric.dimensions(Dimension::builder().name(k).value(v).build());
        }
        let metric = metric.dimensions(Dimension::builder().name("Suffix").value(&suffix).build());
        MetricDataQuery::builder()
            .id(id)
            .metric_stat(
                MetricStat::builder()
                    .metric(metric.build())
                    .period(60)
                    .stat("Maximum")
                    .build(),
            )
            .build()
    };
    let mut queries = vec![
        stat("score", "ComplianceScore", None),
        stat("resources", "ResourcesScanned", None),
        stat("duration", "ScanDuration", None),
        stat("s3", "ServiceScore", Some(("Service", "s3"))),
    ];
    for severity in Severity::ALL {
        queries.push(stat(
            &format!("v_{severity}"),
            "Violations",
            Some(("Severity", severity.as_str())),
        ));
    }
    let now = SystemTime::now();
    let out = aws
        .cloudwatch(REGION)
        .get_metric_data()
        .set_metric_data_queries(Some(queries))
        .start_time((now - Duration::from_secs(600)).into())
        .end_time((now + Duration::from_secs(600)).into())
        .send()
        .await
        .unwrap();
    let value = |id: &str| -> f64 {
        let result = out
            .metric_data_results()
            .iter()
            .find(|r| r.id() == Some(id))
            .unwrap_or_else(|| panic!("no result for {id}: {out:?}"));
        assert_eq!(result.values().len(), 1, "{id}: one data point: {result:?}");
        result.values()[0]
    };
    assert_eq!(value("score"), report.score.overall.unwrap());
    assert_eq!(value("resources"), 3.0);
    assert_eq!(value("duration"), 1.5);
    assert_eq!(value("s3"), report.score.by_service["s3"].score.unwrap());
    for severity in Severity::ALL {
        let expected = report
            .summary
            .failing_by_severity
            .get(severity.as_str())
            .copied()
            .unwrap_or(0) as f64;
        assert_eq!(
            value(&format!("v_{severity}")),
            expected,
            "Violations {severity}"
        );
    }
    assert_eq!(value("v_critical"), 1.0);
    assert_eq!(value("v_high"), 1.0);
}
