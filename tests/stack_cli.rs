//! `setup`, `status` and `teardown` through the binary against moto, where the
//! operator depends on them most: which stack a command means when no
//! `--suffix` is given (`COMPLIANCE_SUFFIX`, `[stack] suffix`, the only stack in
//! the region, several → exit 2 listing them), teardown's confirmation rule off
//! a terminal, a manifest that cannot be saved (reported, exit 3), a teardown
//! that fails half way (the manifest keeps only what is left), and a status
//! that cannot read one service (reported unknown, the rest still shown).
//!
//! Faults come from the proxy in `support::proxy`, in each protocol's own error
//! format, with a known request id the messages must carry.

use crate::support;
use crate::support::proxy::Fault;

use serde_json::Value;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Runs the binary in an empty directory (no `./compliance.toml`), with no
/// suffix in the environment, against `endpoint` (moto, or a proxy before it).
fn run_at(endpoint: &str, dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = support::compliance_in(dir);
    cmd.args(args)
        .current_dir(dir)
        .env_remove("COMPLIANCE_CONFIG")
        .env_remove("COMPLIANCE_SUFFIX")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("COMPLIANCE_STORE", dir.join("history.redb"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr:\n{}", stderr(o)))
}

/// A suffix no other test uses (at most 15 characters).
fn suffix(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{tag}{}{}",
        std::process::id() % 10_000,
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn ssm(config: &aws_config::SdkConfig, region: &str) -> aws_sdk_ssm::Client {
    let conf = aws_sdk_ssm::config::Builder::from(config)
        .region(aws_config::Region::new(region.to_string()))
        .build();
    aws_sdk_ssm::Client::from_conf(conf)
}

/// The stored manifest of a suffix, or None.
async fn manifest(config: &aws_config::SdkConfig, region: &str, suffix: &str) -> Option<Value> {
    let out = ssm(config, region)
        .get_parameter()
        .name(format!("/compliance/{suffix}/manifest"))
        .send()
        .await
        .ok()?;
    serde_json::from_str(out.parameter()?.value()?).ok()
}

/// A manifest that records nothing created: enough for a stack to be found.
async fn put_empty_manifest(config: &aws_config::SdkConfig, region: &str, suffix: &str) {
    let body = serde_json::json!({
        "version": 1, "suffix": suffix, "account": support::MOTO_ACCOUNT_ID, "region": region,
        "created": {}, "adopted": {}, "updated_at": "2026-01-01T00:00:00Z"
    });
    ssm(config, region)
        .put_parameter()
        .name(format!("/compliance/{suffix}/manifest"))
        .value(body.to_string())
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .overwrite(true)
        .send()
        .await
        .expect("put manifest");
}

/// An error answer in the query protocol (IAM, CloudWatch, SNS).
fn query_fault(code: &str, request_id: &'static str) -> Fault {
    Fault {
        status: 403,
        content_type: "text/xml",
        body: format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>denied by the test</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ),
        request_id,
    }
}

/// An error answer in the JSON protocol (SSM, DynamoDB).
fn json_fault(code: &str, request_id: &'static str) -> Fault {
    Fault {
        status: 400,
        content_type: "application/x-amz-json-1.1",
        body: format!("{{\"__type\":\"{code}\",\"message\":\"denied by the test\"}}"),
        request_id,
    }
}

fn target_is(head: &str, operation: &str) -> bool {
    head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("x-amz-target:")
            && l.trim_end()
                .ends_with(&format!(".{}", operation.to_ascii_lowercase()))
    })
}

fn action_is(body: &[u8], operation: &str) -> bool {
    String::from_utf8_lossy(body).contains(&format!("Action={operation}&"))
}

fn state_of<'v>(status: &'v Value, kind: &str) -> &'v Value {
    status["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {status}"))
}

#[tokio::test]
async fn the_only_stack_is_found_when_no_suffix_is_given_and_teardown_needs_yes() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("the_only_stack_is_found_when_no_suffix_is_given_and_teardown_needs_yes");
        return;
    };
    let moto = support::endpoint_url().unwrap();
    // No other test makes a stack in this region: discovery must find exactly ours.
    let region = "ap-northeast-2";
    let dir = tempfile::tempdir().unwrap();
    let sfx = suffix("only");
    let run = |args: &[&str]| {
        let mut all = vec!["--region", region];
        all.extend(args);
        run_at(&moto, dir.path(), &all, &[])
    };
    let o = run(&["setup", "--suffix", &sfx, "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // status with no flag reports the one stack.
    let o = run(&["status", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json_of(&o)["suffix"], sfx.as_str());

    // One service cannot be read: its resource is unknown with the AWS error,
    // and every other resource is still reported.
    let proxy = support::proxy::start(&moto, |head, _| {
        target_is(head, "DescribeTable").then(|| {
            let mut f = json_fault("AccessDeniedException", "req-status-table");
            f.content_type = "application/x-amz-json-1.0";
            f
        })
    });
    let o = run_at(
        &proxy,
        dir.path(),
        &["--region", region, "status", "--format", "json"],
        &[],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let status = json_of(&o);
    let table = state_of(&status, "dynamodb-table");
    assert_eq!(table["state"], "unknown", "{status}");
    let why = table["reasons"].to_string();
    assert!(
        why.contains("AccessDeniedException") && why.contains("req-status-table"),
        "{why}"
    );
    for kind in [
        "kms-key",
        "iam-role",
        "s3-bucket",
        "sns-topic",
        "events-rule",
        "cloudwatch-alarm",
    ] {
        assert_eq!(
            state_of(&status, kind)["state"],
            "present",
            "{kind}: {status}"
        );
    }

    // Off a terminal, teardown without --yes shows the plan, deletes nothing, exits 2.
    let o = run(&["teardown"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("delete"),
        "the plan is shown:\n{}",
        stdout(&o)
    );
    assert!(stderr(&o).contains("--yes"), "{}", stderr(&o));
    assert!(
        manifest(&config, region, &sfx).await.is_some(),
        "nothing was deleted"
    );

    // --dry-run only plans, successfully.
    let o = run(&["teardown", "--dry-run", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json_of(&o)["dry_run"], true);

    let o = run(&["teardown", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("nothing of suffix {sfx} is left")),
        "{}",
        stderr(&o)
    );
    assert!(manifest(&config, region, &sfx).await.is_none());

    // Now there is no stack at all: saying so is an input error.
    let o = run(&["status"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no stack found"), "{}", stderr(&o));
}

#[tokio::test]
async fn several_stacks_need_a_suffix_from_the_flag_the_variable_or_the_file() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("several_stacks_need_a_suffix_from_the_flag_the_variable_or_the_file");
        return;
    };
    let moto = support::endpoint_url().unwrap();
    // No other test makes a stack in this region.
    let region = "ap-southeast-2";
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (suffix("twoa"), suffix("twob"));
    put_empty_manifest(&config, region, &a).await;
    put_empty_manifest(&config, region, &b).await;
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["--region", region];
        all.extend(args);
        run_at(&moto, dir.path(), &all, env)
    };

    for command in [&["teardown", "--yes"][..], &["status"][..]] {
        let o = run(command, &[]);
        assert_eq!(o.status.code(), Some(2), "{command:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&a) && stderr(&o).contains(&b),
            "{command:?} lists both stacks: {}",
            stderr(&o)
        );
    }
    assert!(
        manifest(&config, region, &a).await.is_some()
            && manifest(&config, region, &b).await.is_some()
    );

    // [stack] suffix in the settings file names one.
    let toml = dir.path().join("settings.toml");
    std::fs::write(&toml, format!("[stack]\nsuffix = \"{b}\"\n")).unwrap();
    let o = run(
        &[
            "--config",
            toml.to_str().unwrap(),
            "status",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(json_of(&o)["suffix"], b.as_str(), "{}", stderr(&o));

    // COMPLIANCE_SUFFIX names one, and wins over the file.
    let o = run(
        &["--config", toml.to_str().unwrap(), "teardown", "--yes"],
        &[("COMPLIANCE_SUFFIX", &a)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        manifest(&config, region, &a).await.is_none(),
        "{a} torn down"
    );
    assert!(
        manifest(&config, region, &b).await.is_some(),
        "{b} left alone"
    );

    // A bad suffix in the variable is refused before any call, naming the variable.
    let o = run(&["status"], &[("COMPLIANCE_SUFFIX", "Not_Valid")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("COMPLIANCE_SUFFIX"), "{}", stderr(&o));

    let o = run(&["teardown", "--suffix", &b, "--yes"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[tokio::test]
async fn a_manifest_that_cannot_be_saved_after_a_failed_step_is_reported() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("a_manifest_that_cannot_be_saved_after_a_failed_step_is_reported");
        return;
    };
    let moto = support::endpoint_url().unwrap();
    // The step fails before AWS Config, so the region's recorder is never touched.
    let region = "ca-central-1";
    let dir = tempfile::tempdir().unwrap();
    let sfx = suffix("save");
    // The first save (after KMS) goes through; then IAM is denied, and so is
    // every later save of the manifest.
    let saves = Arc::new(AtomicUsize::new(0));
    let counter = saves.clone();
    let proxy = support::proxy::start(&moto, move |head, body| {
        if target_is(head, "PutParameter") && counter.fetch_add(1, Ordering::SeqCst) > 0 {
            return Some(json_fault("AccessDeniedException", "req-manifest-save"));
        }
        action_is(body, "CreateRole").then(|| query_fault("AccessDenied", "req-create-role"))
    });
    let o = run_at(
        &proxy,
        dir.path(),
        &[
            "--region", region, "setup", "--suffix", &sfx, "--format", "json",
        ],
        &[],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("req-create-role"), "the failed step: {err}");
    let parameter = format!("/compliance/{sfx}/manifest");
    assert!(
        err.contains(&parameter)
            && err.contains("PutParameter")
            && err.contains("AccessDeniedException")
            && err.contains("req-manifest-save"),
        "the failed save names the parameter, code and request id: {err}"
    );
    let report = json_of(&o);
    assert_eq!(report["manifest_error"]["parameter"], parameter.as_str());
    assert_eq!(report["manifest_error"]["request_id"], "req-manifest-save");
    assert!(
        saves.load(Ordering::SeqCst) >= 2,
        "a save was tried after the failure"
    );

    // The first save recorded the key, so teardown without the fault removes it.
    let recorded = manifest(&config, region, &sfx).await.expect("first save");
    assert!(recorded["created"].get("kms-key").is_some(), "{recorded}");
    let o = run_at(
        &moto,
        dir.path(),
        &["--region", region, "teardown", "--suffix", &sfx, "--yes"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[tokio::test]
async fn a_teardown_that_fails_half_way_saves_what_it_removed() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("a_teardown_that_fails_half_way_saves_what_it_removed");
        return;
    };
    let moto = support::endpoint_url().unwrap();
    // A region of its own: a region has one Config recorder, which a second
    // stack would adopt.
    let region = "eu-central-1";
    let dir = tempfile::tempdir().unwrap();
    let sfx = suffix("half");
    let o = run_at(
        &moto,
        dir.path(),
        &["--region", region, "setup", "--suffix", &sfx, "-q"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = manifest(&config, region, &sfx).await.unwrap();
    assert!(
        before["created"].get("cloudwatch-alarm").is_some(),
        "{before}"
    );

    // The alarm goes first, then deleting the dashboard is denied.
    let proxy = support::proxy::start(&moto, |_, body| {
        action_is(body, "DeleteDashboards").then(|| query_fault("AccessDenied", "req-dashboards"))
    });
    let o = run_at(
        &proxy,
        dir.path(),
        &["--region", region, "teardown", "--suffix", &sfx, "--yes"],
        &[],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("req-dashboards"), "{}", stderr(&o));
    let after = manifest(&config, region, &sfx)
        .await
        .expect("the manifest is kept");
    assert!(
        after["created"].get("cloudwatch-alarm").is_none(),
        "the deleted alarm is no longer recorded: {after}"
    );
    assert!(
        after["created"].get("cloudwatch-dashboard").is_some(),
        "{after}"
    );
    assert!(after["created"].get("kms-key").is_some(), "{after}");

    let o = run_at(
        &moto,
        dir.path(),
        &["--region", region, "teardown", "--suffix", &sfx, "--yes"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(manifest(&config, region, &sfx).await.is_none());
}

#[tokio::test]
async fn a_change_that_does_not_take_fails_setup_at_the_verify_step() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("a_change_that_does_not_take_fails_setup_at_the_verify_step");
        return;
    };
    let moto = support::endpoint_url().unwrap();
    // Setup stops at S3, before AWS Config, so the region's recorder is never touched.
    let region = "ca-central-1";
    let dir = tempfile::tempdir().unwrap();
    let sfx = suffix("verify");
    // S3 answers PutBucketVersioning with success but never applies it.
    let proxy = support::proxy::start(&moto, |head, _| {
        let line = head.lines().next().unwrap_or_default();
        (line.starts_with("PUT ") && line.contains("versioning")).then(|| Fault {
            status: 200,
            content_type: "application/xml",
            body: String::new(),
            request_id: "req-versioning-ignored",
        })
    });
    let o = run_at(
        &proxy,
        dir.path(),
        &[
            "--region", region, "setup", "--suffix", &sfx, "--format", "json",
        ],
        &[],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("ChangeNotApplied") && err.contains("versioning"),
        "the re-read names what did not take: {err}"
    );
    let report = json_of(&o);
    assert_eq!(report["error"]["operation"], "Verify");
    // What was created is recorded, so teardown removes it.
    let recorded = manifest(&config, region, &sfx).await.expect("saved");
    assert!(recorded["created"].get("s3-bucket").is_some(), "{recorded}");
    let o = run_at(
        &moto,
        dir.path(),
        &["--region", region, "teardown", "--suffix", &sfx, "--yes"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
