//! The example estate (examples/estate-snapshot.json) scanned by the built
//! binary must give exactly the outcomes examples/README.md and
//! examples/expected-noncompliant.json promise, with and without the example
//! compliance.toml.

use crate::support;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Output;
use std::sync::OnceLock;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn example(name: &str) -> String {
    PathBuf::from(MANIFEST_DIR)
        .join("examples")
        .join(name)
        .display()
        .to_string()
}

/// Runs the binary from an empty directory, so no ./compliance.toml or
/// COMPLIANCE_CONFIG from the environment changes the defaults.
fn run(args: &[&str]) -> Output {
    let cwd = tempfile::tempdir().expect("temp dir");
    support::compliance_in(cwd.path())
        .current_dir(cwd.path())
        .arg("--no-progress")
        .args(args)
        .output()
        .expect("run compliance")
}

fn json_scan(extra: &[&str]) -> Value {
    let snapshot = example("estate-snapshot.json");
    let mut args = vec![
        "scan",
        "--snapshot",
        &snapshot,
        "--format",
        "json",
        "--fail-on",
        "none",
    ];
    args.extend_from_slice(extra);
    let output = run(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON: {e}; stderr: {stderr}"));
    assert_eq!(report["schema"], "compliance.findings/v1");
    assert_eq!(report["errors"], serde_json::json!([]), "scan errors");
    report
}

fn default_scan() -> &'static Value {
    static REPORT: OnceLock<Value> = OnceLock::new();
    REPORT.get_or_init(|| json_scan(&[]))
}

fn configured_scan() -> &'static Value {
    static REPORT: OnceLock<Value> = OnceLock::new();
    REPORT.get_or_init(|| {
        let config = example("compliance.toml");
        json_scan(&["--config", &config])
    })
}

fn findings(report: &Value) -> &[Value] {
    report["findings"].as_array().expect("findings list")
}

fn expected() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(example("expected-noncompliant.json"))
        .expect("examples/expected-noncompliant.json");
    serde_json::from_str(&text).expect("expected-noncompliant.json maps rule ids to id lists")
}

/// Resource ids with `status` per rule.
fn by_rule(report: &Value, status: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in findings(report) {
        if f["status"] == status {
            out.entry(f["rule_id"].as_str().unwrap().to_string())
                .or_default()
                .insert(f["resource_id"].as_str().unwrap().to_string());
        }
    }
    out
}

fn status_of<'a>(report: &'a Value, rule: &str, resource_id: &str) -> &'a str {
    let matching: Vec<&Value> = findings(report)
        .iter()
        .filter(|f| f["rule_id"] == rule && f["resource_id"] == resource_id)
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "expected one {rule} finding on {resource_id}"
    );
    matching[0]["status"].as_str().unwrap()
}

#[test]
fn the_estate_is_read_whole() {
    let report = default_scan();
    assert_eq!(report["summary"]["resources"], 35);
    for f in findings(report) {
        assert_ne!(
            f["status"], "error",
            "{} on {}: {}",
            f["rule_id"], f["resource_id"], f["evidence"]
        );
    }
    assert_eq!(report["summary"]["by_status"]["error"], 0);
}

#[test]
fn non_compliant_resources_match_the_expected_file_exactly() {
    let expected = expected();
    assert!(!expected.is_empty());
    let actual = by_rule(default_scan(), "non_compliant");
    let rule_ids: BTreeSet<&str> = findings(default_scan())
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    let mut wrong = Vec::new();
    for (rule, ids) in &expected {
        assert!(
            rule_ids.contains(rule.as_str()),
            "{rule} is in expected-noncompliant.json but produced no findings"
        );
        let want: BTreeSet<String> = ids.iter().cloned().collect();
        assert_eq!(want.len(), ids.len(), "{rule}: duplicate ids in the file");
        let got = actual.get(rule).cloned().unwrap_or_default();
        if got != want {
            wrong.push(format!(
                "{rule}:\n  expected {want:?}\n  actual   {got:?}\n  missing  {:?}\n  extra    {:?}",
                want.difference(&got).collect::<Vec<_>>(),
                got.difference(&want).collect::<Vec<_>>()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// README: "Every other resource of the rule's type must be compliant or
/// not_applicable", and ec2-ami-approved is the one rule left out on purpose.
/// A rule missing from the file must therefore flag nothing.
#[test]
fn rules_left_out_of_the_expected_file_flag_nothing() {
    let expected = expected();
    let actual = by_rule(default_scan(), "non_compliant");
    let unexpected: Vec<String> = actual
        .iter()
        .filter(|(rule, _)| !expected.contains_key(*rule) && *rule != "ec2-ami-approved")
        .map(|(rule, ids)| format!("{rule}: {ids:?}"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "non_compliant findings for rules not in expected-noncompliant.json:\n{}",
        unexpected.join("\n")
    );
}

#[test]
fn terminated_instance_and_deleted_bucket_are_not_applicable() {
    let report = default_scan();
    for (id, what) in [
        ("i-0f60718293a4b5c63", "terminated instance"),
        ("acme-old-reports-111122223333-eu-west-1", "deleted bucket"),
    ] {
        let mine: Vec<&Value> = findings(report)
            .iter()
            .filter(|f| f["resource_id"] == id)
            .collect();
        assert!(!mine.is_empty(), "no findings for the {what}");
        for f in mine {
            assert_eq!(
                f["status"], "not_applicable",
                "{} on the {what}",
                f["rule_id"]
            );
        }
    }
    // The stopped bastion stays in scope.
    assert_eq!(
        status_of(report, "ec2-required-tags", "i-0e5f60718293a4b52"),
        "non_compliant"
    );
    assert_eq!(
        status_of(report, "ec2-instance-type-approved", "i-0e5f60718293a4b52"),
        "compliant"
    );
}

#[test]
fn table_output_fails_on_critical_findings() {
    let snapshot = example("estate-snapshot.json");
    // Tables fit the terminal and cut long values; in a wide one the ids show.
    let cwd = tempfile::tempdir().expect("temp dir");
    let output = support::compliance_in(cwd.path())
        .current_dir(cwd.path())
        .env("COLUMNS", "200")
        .args([
            "--no-progress",
            "scan",
            "--snapshot",
            &snapshot,
            "--format",
            "table",
        ])
        .output()
        .expect("run compliance");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "critical findings exist, so the default --fail-on critical exits 1; stderr: {stderr}"
    );
    assert!(stdout.contains("Score"), "{stdout}");
    assert!(stdout.contains("non_compliant"), "{stdout}");
    for (rule, ids) in expected() {
        assert!(
            stdout.contains(&rule),
            "the table does not list failing rule {rule}"
        );
        for id in ids {
            // Long ids (stack ARNs) may be cut in their cell; look for the start.
            let probe = if id.len() > 60 { &id[..50] } else { &id[..] };
            assert!(
                stdout.contains(probe),
                "the table does not list {id} for {rule}"
            );
        }
    }
    // Critical rules are headed as such.
    assert!(stdout.contains("CRITICAL s3-no-public-read"), "{stdout}");
    assert!(
        stdout.contains("CRITICAL iam-root-no-access-keys"),
        "{stdout}"
    );
}

#[test]
fn example_config_applies_the_active_exemption() {
    let report = configured_scan();
    let bucket = "acme-analytics-scratch-111122223333-eu-west-1";
    let finding = findings(report)
        .iter()
        .find(|f| f["rule_id"] == "s3-versioning-enabled" && f["resource_id"] == bucket)
        .expect("s3-versioning-enabled finding on the scratch bucket");
    assert_eq!(finding["status"], "exempted");
    assert_eq!(finding["exemption"]["owner"], "data-science@acme.example");
    assert_eq!(finding["exemption"]["expires"], "2027-06-30");
    assert!(finding["exemption"]["reason"]
        .as_str()
        .is_some_and(|r| r.contains("RISK-142")));
    // The legacy bucket is not covered.
    assert_eq!(
        status_of(
            report,
            "s3-versioning-enabled",
            "acme-legacy-uploads-111122223333"
        ),
        "non_compliant"
    );
    let exempted: Vec<&Value> = findings(report)
        .iter()
        .filter(|f| f["status"] == "exempted")
        .collect();
    assert_eq!(exempted.len(), 1, "only one exemption is active");
}

#[test]
fn example_config_reports_the_expired_exemption() {
    let report = configured_scan();
    let expired = report["expired_exemptions"]
        .as_array()
        .expect("expired_exemptions list");
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert_eq!(expired[0]["rule"], "sg-no-world-open-*");
    assert_eq!(expired[0]["expires"], "2025-01-31");
    assert_eq!(expired[0]["owner"], "platform@acme.example");
    assert_eq!(expired[0]["matched_findings"], 3);
    // It no longer hides the three security-group findings.
    for (rule, sg) in [
        ("sg-no-world-open-ssh", "sg-0123456789abcdef0"),
        ("sg-no-world-open-rdp", "sg-0fedcba9876543210"),
        ("sg-no-world-open-db-ports", "sg-0a1b2c3d4e5f6a7b8"),
    ] {
        assert_eq!(status_of(report, rule, sg), "non_compliant", "{rule}");
    }
    // Without the file nothing is exempted and nothing has expired.
    assert_eq!(default_scan()["expired_exemptions"], serde_json::json!([]));
    assert!(findings(default_scan())
        .iter()
        .all(|f| f["status"] != "exempted"));
}

/// README: with the example AMI list, web-01, api-01 and bastion-01 pass,
/// batch-worker-01 and ml-training-01 fail, legacy-app-01 is out of scope;
/// apart from the exemption no other outcome changes.
#[test]
fn example_config_parameters() {
    let report = configured_scan();
    for (id, want) in [
        ("i-0a1b2c3d4e5f60718", "compliant"),
        ("i-0b2c3d4e5f6071829", "compliant"),
        ("i-0e5f60718293a4b52", "compliant"),
        ("i-0c3d4e5f607182930", "non_compliant"),
        ("i-0d4e5f60718293a41", "non_compliant"),
        ("i-0f60718293a4b5c63", "not_applicable"),
    ] {
        assert_eq!(status_of(report, "ec2-ami-approved", id), want, "{id}");
    }
    let mut with_config = by_rule(report, "non_compliant");
    let mut without = by_rule(default_scan(), "non_compliant");
    with_config.remove("ec2-ami-approved");
    without.remove("ec2-ami-approved");
    without
        .get_mut("s3-versioning-enabled")
        .expect("s3-versioning-enabled flags something by default")
        .remove("acme-analytics-scratch-111122223333-eu-west-1");
    assert_eq!(with_config, without);
}
