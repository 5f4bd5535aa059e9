//! CloudFormation in a live scan, end to end with the built binary: stacks
//! created in moto come back as items that `cfn-stack-no-drift` judges
//! (`--resources cfn` used to select a type no collector read, and said nothing);
//! `--detect-drift` waits for detection and reports its answer, or an `error`
//! when it does not finish in time; and a rule on a type no collector reads gets
//! `error` findings naming the gap.
//!
//! moto creates and describes stacks but has no drift detection, so
//! DetectStackDrift and DescribeStackDriftDetectionStatus are answered by the
//! test proxy (tests/support/proxy.rs) with AWS-shaped query-protocol bodies,
//! while everything else goes through to moto. Each test uses its own region,
//! since a scan reads every stack of the region.

use crate::support;

use serde_json::Value;
use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const TEMPLATE: &str = r#"{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}"#;

fn run(args: &[&str]) -> Output {
    support::compliance()
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env_remove("COMPLIANCE_CONFIG")
        .output()
        .expect("binary runs")
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr:\n{}",
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn cfn(config: &aws_config::SdkConfig, region: &str) -> aws_sdk_cloudformation::Client {
    aws_sdk_cloudformation::Client::from_conf(
        aws_sdk_cloudformation::config::Builder::from(config)
            .region(aws_sdk_cloudformation::config::Region::new(
                region.to_string(),
            ))
            .build(),
    )
}

/// Creates a one-topic stack tagged `Owner=team`; returns its ARN.
async fn stack(client: &aws_sdk_cloudformation::Client, name: &str) -> String {
    client
        .create_stack()
        .stack_name(name)
        .template_body(TEMPLATE)
        .tags(
            aws_sdk_cloudformation::types::Tag::builder()
                .key("Owner")
                .value("team")
                .build(),
        )
        .send()
        .await
        .expect("create stack")
        .stack_id()
        .expect("stack id")
        .to_string()
}

/// The findings of `rule` on `resource`.
fn findings<'a>(report: &'a Value, rule: &str, resource: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == rule && f["resource_id"] == resource)
        .collect()
}

/// A scan of the stacks of `region` through `endpoint`.
fn scan(endpoint: &str, region: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "--endpoint-url",
        endpoint,
        "scan",
        "--regions",
        region,
        "--resources",
        "cfn",
        "--max-attempts",
        "1",
        "--format",
        "json",
        "--fail-on",
        "none",
        "--no-history",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// A query-protocol answer of CloudFormation, as the proxy sends it.
fn answer(action: &str, result: &str) -> support::proxy::Fault {
    support::proxy::Fault {
        status: 200,
        content_type: "text/xml",
        body: format!(
            "<{action}Response xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>req-canned</RequestId></ResponseMetadata></{action}Response>"
        ),
        request_id: "req-canned",
    }
}

/// The form field `key` of a query-protocol request body, percent-decoded.
fn field(body: &str, key: &str) -> Option<String> {
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

#[tokio::test]
async fn a_live_scan_reads_stacks_and_judges_their_drift_status() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("a_live_scan_reads_stacks_and_judges_their_drift_status");
        return;
    };
    let region = "ap-southeast-2";
    let client = cfn(&config, region);
    let name = support::unique_name("cfn-live");
    let arn = stack(&client, &name).await;
    // What moto says about the stack's drift, which the item must carry as is.
    let described = client
        .describe_stacks()
        .stack_name(&arn)
        .send()
        .await
        .expect("describe stack");
    let moto_status = described.stacks()[0]
        .drift_information()
        .and_then(|d| d.stack_drift_status())
        .map(|s| s.as_str().to_string());

    let o = scan(&support::endpoint_url().unwrap(), region, &[]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let report = json_of(&o);
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    let found = findings(&report, "cfn-stack-no-drift", &arn);
    assert_eq!(found.len(), 1, "the stack is read and judged: {report:#}");
    let f = found[0];
    assert_eq!(f["resource_name"], name.as_str());
    assert_eq!(f["resource_type"], "AWS::CloudFormation::Stack");
    assert_eq!(f["arn"], arn.as_str());
    assert_eq!(f["region"], region);
    assert_eq!(f["account"], support::MOTO_ACCOUNT_ID);
    // Neither a missing drift status nor NOT_CHECKED shows the stack in sync.
    assert_eq!(f["status"], "non_compliant", "{f:#}");
    assert_eq!(
        f["evidence"]["path"],
        "configuration.driftInformation.stackDriftStatus"
    );
    match moto_status {
        Some(status) => assert_eq!(f["evidence"]["found"], status.as_str(), "{f:#}"),
        None => assert!(
            f["evidence"]["found"].is_null() || f["evidence"].get("found").is_none(),
            "moto sent no drift information, so nothing is found: {f:#}"
        ),
    }
    assert!(report["summary"].is_object());
}

#[tokio::test]
async fn stacks_past_the_first_page_are_all_read() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("stacks_past_the_first_page_are_all_read");
        return;
    };
    // moto pages DescribeStacks by 50, so 55 stacks take two pages.
    let region = "ap-northeast-2";
    let client = cfn(&config, region);
    let names: Vec<String> = (0..55)
        .map(|i| support::unique_name(&format!("cfn-page-{i}")))
        .collect();
    let arns: Vec<String> =
        futures::future::join_all(names.iter().map(|n| stack(&client, n))).await;

    let o = scan(&support::endpoint_url().unwrap(), region, &["-v"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let report = json_of(&o);
    for arn in &arns {
        assert_eq!(
            findings(&report, "cfn-stack-no-drift", arn).len(),
            1,
            "{arn} is judged"
        );
    }
    let log = stderr(&o);
    let line = log
        .lines()
        .find(|l| l.contains("API calls"))
        .unwrap_or_else(|| panic!("no call count in: {log}"));
    assert!(
        line.contains("with 2 API calls"),
        "one DescribeStacks call per page: {line}"
    );
}

#[tokio::test]
async fn detect_drift_waits_for_each_stacks_answer() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("detect_drift_waits_for_each_stacks_answer");
        return;
    };
    let region = "ca-central-1";
    let client = cfn(&config, region);
    let drifted = stack(&client, &support::unique_name("cfn-drifted")).await;
    let in_sync = stack(&client, &support::unique_name("cfn-in-sync")).await;
    // Status questions per detection: the first answer is always "in progress".
    let polls = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    let counted = polls.clone();
    let (a, b) = (drifted.clone(), in_sync.clone());
    let proxy = support::proxy::start(&support::endpoint_url().unwrap(), move |_head, body| {
        let body = String::from_utf8_lossy(body);
        match field(&body, "Action").as_deref() {
            Some("DetectStackDrift") => {
                // The detection id names the stack it was started on.
                let stack = field(&body, "StackName")?;
                let id = if stack == a {
                    "det-drifted"
                } else {
                    "det-in-sync"
                };
                Some(answer(
                    "DetectStackDrift",
                    &format!("<StackDriftDetectionId>{id}</StackDriftDetectionId>"),
                ))
            }
            Some("DescribeStackDriftDetectionStatus") => {
                let id = field(&body, "StackDriftDetectionId")?;
                let (i, stack, drift) = if id == "det-drifted" {
                    (0, &a, "DRIFTED")
                } else {
                    (1, &b, "IN_SYNC")
                };
                let first = counted[i].fetch_add(1, Ordering::SeqCst) == 0;
                let result = if first {
                    "<DetectionStatus>DETECTION_IN_PROGRESS</DetectionStatus>".to_string()
                } else {
                    format!(
                        "<DetectionStatus>DETECTION_COMPLETE</DetectionStatus><StackDriftStatus>{drift}</StackDriftStatus><DriftedStackResourceCount>{}</DriftedStackResourceCount>",
                        usize::from(drift == "DRIFTED")
                    )
                };
                Some(answer(
                    "DescribeStackDriftDetectionStatus",
                    &format!("<StackId>{stack}</StackId><StackDriftDetectionId>{id}</StackDriftDetectionId>{result}<Timestamp>2026-11-29T10:00:00Z</Timestamp>"),
                ))
            }
            _ => None,
        }
    });

    let o = scan(&proxy, region, &["--detect-drift", "--timeout", "60"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let report = json_of(&o);
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    for (i, p) in polls.iter().enumerate() {
        assert_eq!(
            p.load(Ordering::SeqCst),
            2,
            "detection {i} is asked again until it completes, then no more"
        );
    }
    let f = findings(&report, "cfn-stack-no-drift", &drifted);
    assert_eq!(f.len(), 1, "{report:#}");
    assert_eq!(f[0]["status"], "non_compliant");
    assert_eq!(f[0]["evidence"]["found"], "DRIFTED");
    let f = findings(&report, "cfn-stack-no-drift", &in_sync);
    assert_eq!(f.len(), 1, "{report:#}");
    assert_eq!(f[0]["status"], "compliant");
    assert_eq!(f[0]["evidence"]["found"], "IN_SYNC");
}

#[tokio::test]
async fn detection_that_does_not_finish_in_time_is_an_error_not_a_verdict() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("detection_that_does_not_finish_in_time_is_an_error_not_a_verdict");
        return;
    };
    let region = "sa-east-1";
    let client = cfn(&config, region);
    let arn = stack(&client, &support::unique_name("cfn-slow")).await;
    let proxy = support::proxy::start(&support::endpoint_url().unwrap(), move |_head, body| {
        let body = String::from_utf8_lossy(body);
        match field(&body, "Action").as_deref() {
            Some("DetectStackDrift") => Some(answer(
                "DetectStackDrift",
                "<StackDriftDetectionId>det-slow</StackDriftDetectionId>",
            )),
            Some("DescribeStackDriftDetectionStatus") => Some(answer(
                "DescribeStackDriftDetectionStatus",
                "<StackId>x</StackId><StackDriftDetectionId>det-slow</StackDriftDetectionId><DetectionStatus>DETECTION_IN_PROGRESS</DetectionStatus><Timestamp>2026-11-29T10:00:00Z</Timestamp>",
            )),
            _ => None,
        }
    });

    let started = std::time::Instant::now();
    let o = scan(&proxy, region, &["--detect-drift", "--timeout", "4"]);
    let took = started.elapsed();
    assert_eq!(
        o.status.code(),
        Some(3),
        "a partial scan exits 3: {}",
        stderr(&o)
    );
    assert!(took < std::time::Duration::from_secs(15), "took {took:?}");
    let report = json_of(&o);
    let codes: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["code"].as_str())
        .collect();
    assert_eq!(codes, vec!["DriftDetectionTimeout"], "{report:#}");
    // The stack itself was read in time: only its drift status is unknown.
    let f = findings(&report, "cfn-stack-no-drift", &arn);
    assert_eq!(f.len(), 1, "{report:#}");
    assert_eq!(f[0]["status"], "error");
    let note = f[0]["evidence"].to_string();
    assert!(note.contains("had not finished"), "{note}");
}

#[tokio::test]
async fn a_rule_on_a_type_no_collector_reads_gives_error_findings() {
    let Some(_config) = support::sdk_config().await else {
        support::skipped("a_rule_on_a_type_no_collector_reads_gives_error_findings");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sns-topic-encrypted.toml"),
        r#"id = "sns-topic-encrypted"
title = "SNS topics are encrypted with KMS"
resource_types = ["AWS::SNS::Topic"]
severity = "medium"
category = "encryption"
frameworks = []

[check]
path = "configuration.KmsMasterKeyId"
exists = true

[docs]
why = "Messages at rest should be encrypted."
fix = "Set KmsMasterKeyId on the topic."
"#,
    )
    .unwrap();
    let region = "eu-west-3";
    let o = run(&[
        "--endpoint-url",
        &support::endpoint_url().unwrap(),
        "--rules",
        dir.path().to_str().unwrap(),
        "scan",
        "--regions",
        region,
        "--rule",
        "sns-topic-encrypted",
        "--max-attempts",
        "1",
        "--format",
        "json",
        "--fail-on",
        "none",
        "--no-history",
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let report = json_of(&o);
    let found: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "sns-topic-encrypted")
        .collect();
    assert_eq!(found.len(), 1, "one error per scanned region: {report:#}");
    assert_eq!(found[0]["status"], "error");
    assert_eq!(found[0]["resource_id"], "*");
    assert_eq!(found[0]["region"], region);
    let evidence = found[0]["evidence"].to_string();
    assert!(
        evidence.contains("no live collector reads AWS::SNS::Topic"),
        "{evidence}"
    );
    assert!(stderr(&o).contains("no live collector reads AWS::SNS::Topic"));
}

#[test]
fn an_unknown_resource_kind_lists_the_valid_ones() {
    let o = run(&["scan", "--resources", "ec2,lambda", "--no-history"]);
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("--resources"), "{err}");
    assert!(err.contains("`lambda`"), "{err}");
    assert!(
        err.contains("ec2, sg, ebs, s3, rds, iam, cfn"),
        "the kinds come from the registry: {err}"
    );
}
