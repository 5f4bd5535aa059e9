//! `setup`, `status` and `teardown` through the binary against moto, as an
//! operator runs them: create, idempotent re-run, drift reported and repaired,
//! teardown plan and teardown, a pre-existing recorder left alone, and bad input
//! refused before any call. The settings of each resource are asserted in the
//! provision_* tests next to each service's code.

use crate::support;

use serde_json::Value;
use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

fn run(args: &[&str]) -> Output {
    support::compliance()
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env_remove("COMPLIANCE_CONFIG")
        .env_remove("COMPLIANCE_SUFFIX")
        .output()
        .expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr:\n{}", stderr(o)))
}

/// A suffix no other test uses: at most 15 characters.
fn suffix(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{tag}{}{}",
        std::process::id() % 100_000,
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn actions(report: &Value) -> Vec<(String, String)> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap().to_string(),
                s["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn setup_status_teardown_round_trip() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("setup_status_teardown_round_trip");
        return;
    };
    let region = "eu-west-3";
    let sfx = suffix("e2e");
    let base = ["--region", region];
    let setup = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend([
            "setup",
            "--suffix",
            &sfx,
            "--email",
            "secops@example.com",
            "--tag",
            "Owner=secops",
            "--format",
            "json",
        ]);
        args.extend(extra);
        run(&args)
    };

    // The plan first: everything would be created, nothing is.
    let o = setup(&["--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan = json_of(&o);
    assert_eq!(plan["dry_run"], true);
    assert!(
        actions(&plan).iter().all(|(_, a)| a == "create"),
        "{:?}",
        actions(&plan)
    );
    let o = run(&["--region", region, "status", "--suffix", &sfx]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a dry run leaves no stack: {}",
        stderr(&o)
    );

    let o = setup(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let created = actions(&json_of(&o));
    for kind in [
        "kms-key",
        "iam-role",
        "s3-bucket",
        "config-recorder",
        "dynamodb-table",
        "sns-topic",
        "events-rule",
        "cloudwatch-dashboard",
        "cloudwatch-alarm",
    ] {
        assert!(
            created.iter().any(|(k, a)| k == kind && a == "create"),
            "{kind} not created: {created:?}"
        );
    }
    assert!(
        created.iter().any(|(k, _)| k.starts_with("config-rule")),
        "{created:?}"
    );

    let o = run(&[
        "--region", region, "status", "--suffix", &sfx, "--format", "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let status = json_of(&o);
    assert!(
        status["resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] == "present"),
        "{status:#}"
    );

    let o = setup(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let again = actions(&json_of(&o));
    assert!(
        again.iter().all(|(_, a)| a == "unchanged"),
        "second setup changed something: {again:?}"
    );
    assert!(stderr(&o).contains("up to date"));

    // Drift by hand: versioning suspended on the evidence bucket.
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .region(aws_sdk_s3::config::Region::new(region))
            .force_path_style(true)
            .build(),
    );
    let bucket = format!(
        "compliance-evidence-{sfx}-{}-{region}",
        support::MOTO_ACCOUNT_ID
    );
    s3.put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Suspended)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let o = run(&[
        "--region", region, "status", "--suffix", &sfx, "--format", "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "drift makes status exit 1");
    let drifted: Vec<Value> = json_of(&o)["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["state"] == "drifted")
        .cloned()
        .collect();
    assert_eq!(drifted.len(), 1, "{drifted:#?}");
    assert_eq!(drifted[0]["kind"], "s3-bucket");
    assert!(
        drifted[0]["reasons"]
            .to_string()
            .to_lowercase()
            .contains("versioning"),
        "{drifted:#?}"
    );
    // A dry run over the drifted stack plans the repair and makes none of it.
    let o = setup(&["--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let planned = actions(&json_of(&o));
    assert!(
        planned.contains(&("s3-bucket".to_string(), "update".to_string())),
        "{planned:?}"
    );
    assert!(
        planned
            .iter()
            .all(|(k, a)| a == "unchanged" || k == "s3-bucket"),
        "only the drifted bucket is planned: {planned:?}"
    );
    // (Read back through status: the SDK's GetBucketVersioning cannot parse
    // moto's answer for a suspended bucket, which the adapter works around.)
    assert_eq!(
        run(&["--region", region, "status", "--suffix", &sfx])
            .status
            .code(),
        Some(1),
        "the dry run repaired the bucket"
    );
    let o = setup(&[]);
    let repaired = actions(&json_of(&o));
    assert!(
        repaired.contains(&("s3-bucket".to_string(), "update".to_string())),
        "{repaired:?}"
    );
    assert_eq!(
        run(&["--region", region, "status", "--suffix", &sfx])
            .status
            .code(),
        Some(0)
    );

    // Teardown: the plan deletes nothing; --yes deletes everything; again is a no-op.
    let o = run(&[
        "--region",
        region,
        "teardown",
        "--suffix",
        &sfx,
        "--dry-run",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(actions(&json_of(&o)).iter().any(|(_, a)| a == "delete"));
    assert_eq!(
        run(&["--region", region, "status", "--suffix", &sfx])
            .status
            .code(),
        Some(0),
        "the plan deleted something"
    );
    let o = run(&["--region", region, "teardown", "--suffix", &sfx, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing of suffix"), "{}", stderr(&o));
    assert!(
        s3.head_bucket().bucket(&bucket).send().await.is_err(),
        "bucket still exists"
    );
    let o = run(&["--region", region, "teardown", "--suffix", &sfx, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("nothing to tear down"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn a_pre_existing_recorder_is_adopted_and_kept() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("a_pre_existing_recorder_is_adopted_and_kept");
        return;
    };
    let region = "eu-south-1";
    let cfg = aws_sdk_config::Client::from_conf(
        aws_sdk_config::config::Builder::from(&config)
            .region(aws_sdk_config::config::Region::new(region))
            .build(),
    );
    cfg.put_configuration_recorder()
        .configuration_recorder(
            aws_sdk_config::types::ConfigurationRecorder::builder()
                .name("default")
                .role_arn(format!(
                    "arn:aws:iam::{}:role/existing-config-role",
                    support::MOTO_ACCOUNT_ID
                ))
                // Someone else's recorder that records only buckets.
                .recording_group(
                    aws_sdk_config::types::RecordingGroup::builder()
                        .all_supported(false)
                        .include_global_resource_types(false)
                        .resource_types(aws_sdk_config::types::ResourceType::from(
                            "AWS::S3::Bucket",
                        ))
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let sfx = suffix("adopt");
    let o = run(&[
        "--region", region, "setup", "--suffix", &sfx, "--format", "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let steps = actions(&json_of(&o));
    assert!(
        steps.contains(&("config-recorder".to_string(), "adopt".to_string())),
        "{steps:?}"
    );
    let recorded = |out: &aws_sdk_config::operation::describe_configuration_recorders::DescribeConfigurationRecordersOutput| {
        out.configuration_recorders()
            .iter()
            .find(|r| r.name() == Some("default"))
            .and_then(|r| r.recording_group())
            .map(|g| g.resource_types().len())
            .unwrap_or(0)
    };
    let before = recorded(&cfg.describe_configuration_recorders().send().await.unwrap());
    // With --adopt-recorder the existing recorder is extended with our types, never narrowed.
    let sfx2 = suffix("adopt");
    let o = run(&[
        "--region",
        region,
        "setup",
        "--suffix",
        &sfx2,
        "--adopt-recorder",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let after = cfg.describe_configuration_recorders().send().await.unwrap();
    assert_eq!(before, 1);
    assert!(
        recorded(&after) >= 8,
        "recording group not extended: {after:?}"
    );
    let o = run(&[
        "--region", region, "teardown", "--suffix", &sfx2, "--yes", "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&[
        "--region", region, "teardown", "--suffix", &sfx, "--yes", "--format", "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let recorders = cfg.describe_configuration_recorders().send().await.unwrap();
    assert!(
        recorders
            .configuration_recorders()
            .iter()
            .any(|r| r.name() == Some("default")),
        "teardown deleted a recorder setup did not create"
    );
}

#[test]
fn teardown_of_a_suffix_that_never_existed_is_a_clear_no_op() {
    if support::endpoint_url().is_none() && !support::moto_required() {
        support::skipped("teardown_of_a_suffix_that_never_existed_is_a_clear_no_op");
        return;
    }
    let o = run(&[
        "--region",
        "eu-west-3",
        "teardown",
        "--suffix",
        &suffix("never"),
        "--yes",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("nothing to tear down"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_input_is_refused_before_any_call() {
    // No endpoint: if any of these reached AWS, they would fail with exit 3, not 2.
    let dead = "http://127.0.0.1:9";
    for (args, needle) in [
        (vec!["setup", "--suffix", ""], "must not be empty"),
        (vec!["setup", "--suffix", "Dev_1"], "lower-case"),
        (
            vec!["setup", "--suffix", "much-too-long-suffix"],
            "at most 15",
        ),
        (
            vec!["setup", "--suffix", "dev", "--email", "not-an-address"],
            "not an e-mail address",
        ),
        (
            vec!["--region", "eu-west-9", "setup", "--suffix", "dev"],
            "eu-west-9",
        ),
        (
            vec!["setup", "--suffix", "dev", "--frequency", "2h"],
            "--frequency",
        ),
        (
            vec!["setup", "--suffix", "dev", "--tag", "Owner"],
            "KEY=VALUE",
        ),
        (vec!["status", "--suffix=-x"], "must not start"),
        (vec!["setup"], "no suffix"),
        (vec!["teardown", "--suffix", "a b"], "lower-case"),
    ] {
        let mut full = vec!["--endpoint-url", dead];
        full.extend(args.iter().copied());
        let o = run(&full);
        assert_eq!(o.status.code(), Some(2), "{full:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{full:?}: {}", stderr(&o));
    }
}
