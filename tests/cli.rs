//! The command line as a user meets it: exit codes, error messages that name the
//! file and place, and the scan → score → report round trip through a findings file.

use crate::support;
use std::path::{Path, PathBuf};
use std::process::Output;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    support::compliance()
        .args(args)
        .current_dir(root())
        .output()
        .expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn assert_input_error(args: &[&str], needles: &[&str]) {
    let o = run(args);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{args:?} should exit 2; stderr: {}",
        stderr(&o)
    );
    let err = stderr(&o);
    for needle in needles {
        assert!(
            err.contains(needle),
            "{args:?}: stderr lacks {needle:?}:\n{err}"
        );
    }
    assert!(o.stdout.is_empty(), "{args:?}: nothing on stdout on error");
}

#[test]
fn snapshot_that_is_not_json_names_file_line_and_column() {
    assert_input_error(
        &["scan", "--snapshot", "tests/data/bad/not-json.json"],
        &["tests/data/bad/not-json.json:18:25", "not valid JSON"],
    );
}

#[test]
fn json_that_is_not_a_config_file_is_refused() {
    assert_input_error(
        &["scan", "--snapshot", "tests/data/bad/not-config.json"],
        &["tests/data/bad/not-config.json", "not an AWS Config file"],
    );
}

#[test]
fn unreadable_path_is_an_input_error() {
    assert_input_error(
        &["scan", "--snapshot", "tests/data/bad/does-not-exist.json"],
        &["tests/data/bad/does-not-exist.json", "cannot read"],
    );
    assert_input_error(
        &["rules", "validate", "tests/data/bad/nowhere"],
        &["tests/data/bad/nowhere", "not a directory"],
    );
}

#[test]
fn malformed_rule_file_names_line_and_column() {
    assert_input_error(
        &["rules", "validate", "tests/data/bad/rules/malformed"],
        &["bad-syntax.toml:4:12"],
    );
    // The same file breaks a scan that loads it with --rules.
    assert_input_error(
        &[
            "--rules",
            "tests/data/bad/rules/malformed",
            "scan",
            "--snapshot",
            "examples/estate-snapshot.json",
        ],
        &["bad-syntax.toml:4:12"],
    );
}

#[test]
fn unknown_operator_and_unknown_key_are_named() {
    assert_input_error(
        &["rules", "validate", "tests/data/bad/rules/unknown-operator"],
        &["sg-bad-op.toml:12:1", "greater_than", "gte"],
    );
    assert_input_error(
        &["rules", "validate", "tests/data/bad/rules/unknown-key"],
        &["sg-bad-key.toml:5:1", "severty", "did you mean `severity`?"],
    );
}

#[test]
fn bad_settings_file_names_line() {
    assert_input_error(
        &[
            "--config",
            "tests/data/bad/compliance-bad.toml",
            "scan",
            "--snapshot",
            "examples/estate-snapshot.json",
        ],
        &["compliance-bad.toml:4:1", "threshhold"],
    );
}

#[test]
fn settings_for_unknown_rules_or_params_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bad_rule = dir.path().join("a.toml");
    std::fs::write(&bad_rule, "[rules.s3-versioning]\nenabled = false\n").unwrap();
    assert_input_error(
        &[
            "--config",
            bad_rule.to_str().unwrap(),
            "scan",
            "--snapshot",
            "examples/estate-snapshot.json",
        ],
        &[
            "[rules.s3-versioning]",
            "did you mean",
            "s3-versioning-enabled",
        ],
    );
    let bad_param = dir.path().join("b.toml");
    std::fs::write(
        &bad_param,
        "[rules.rds-backup-enabled.params]\nmin_days = 3\n",
    )
    .unwrap();
    assert_input_error(
        &[
            "--config",
            bad_param.to_str().unwrap(),
            "scan",
            "--snapshot",
            "examples/estate-snapshot.json",
        ],
        &["no parameter `min_days`", "min_retention_days"],
    );
}

#[test]
fn unknown_flags_values_and_rules_exit_2() {
    assert_input_error(
        &[
            "scan",
            "--snapshot",
            "examples/estate-snapshot.json",
            "--resources",
            "lambda",
        ],
        &["lambda"],
    );
    assert_input_error(
        &[
            "scan",
            "--snapshot",
            "examples/estate-snapshot.json",
            "--rule",
            "nope-*",
        ],
        &["nope-*"],
    );
    assert_input_error(&["scan", "--frobnicate"], &["--frobnicate"]);
    assert_input_error(
        &["--region", "us-east-1", "scan", "--regions", "EU West"],
        &["EU West", "not a region name"],
    );
    assert_input_error(
        &[
            "scan",
            "--regions",
            "eu-west-1",
            "--snapshot",
            "examples/estate-snapshot.json",
        ],
        &["--regions"],
    );
    assert_input_error(
        &["rules", "explain", "s3-versioning"],
        &["no rule `s3-versioning`", "s3-versioning-enabled"],
    );
}

#[test]
fn empty_snapshot_is_not_an_error_and_has_no_score() {
    let o = run(&[
        "scan",
        "--snapshot",
        "tests/data/bad/empty-items.json",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["resources"], 0);
    assert_eq!(v["score"]["overall"], serde_json::Value::Null);
    assert_eq!(v["score"]["below_threshold"], false);
}

#[test]
fn fail_on_sets_the_exit_code() {
    let snapshot = "examples/estate-snapshot.json";
    // The example estate has critical findings: the default --fail-on critical fails.
    assert_eq!(
        run(&["scan", "--snapshot", snapshot]).status.code(),
        Some(1)
    );
    assert_eq!(
        run(&["scan", "--snapshot", snapshot, "--fail-on", "none"])
            .status
            .code(),
        Some(0)
    );
    // Only EBS volumes: the worst failing finding there is high.
    let ebs = ["scan", "--snapshot", snapshot, "--resources", "ebs"];
    assert_eq!(run(&ebs).status.code(), Some(0));
    assert_eq!(
        run(&[&ebs[..], &["--fail-on", "high"]].concat())
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn scan_then_score_then_report_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let findings: PathBuf = dir.path().join("findings.json");
    let f = findings.to_str().unwrap();
    let o = run(&[
        "scan",
        "--snapshot",
        "examples/estate-snapshot.json",
        "--format",
        "json",
        "--out",
        f,
        "--fail-on",
        "none",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "--out keeps stdout empty");
    let scanned: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&findings).unwrap()).unwrap();
    assert_eq!(scanned["schema"], "compliance.findings/v1");
    let overall = scanned["score"]["overall"].as_f64().unwrap();

    let o = run(&["score", "--input", f, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let card: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(card["overall"].as_f64().unwrap(), overall);
    assert_eq!(card["by_service"], scanned["score"]["by_service"]);

    let o = run(&["score", "--input", f, "--by", "severity,framework,rule"]);
    let text = stdout(&o);
    for needle in [
        "Severity",
        "Framework",
        "SOC2",
        "PCI-DSS-4.0",
        "Rule",
        "s3-versioning-enabled",
    ] {
        assert!(text.contains(needle), "score table lacks {needle}:\n{text}");
    }
    let o = run(&[
        "score",
        "--input",
        f,
        "--threshold",
        "99",
        "--format",
        "json",
    ]);
    let card: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(card["below_threshold"], true);
    assert_input_error(&["score", "--input", f, "--by", "colour"], &["colour"]);

    let o = run(&["report", "--input", f, "--format", "json"]);
    let again: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        again, scanned,
        "report --format json reproduces the findings file"
    );
    let o = run(&["report", "--input", f]);
    let table = stdout(&o);
    assert!(
        table.contains("Score") && table.contains("sg-no-world-open-ssh"),
        "{table}"
    );

    assert_input_error(
        &["report", "--input", "examples/estate-snapshot.json"],
        &["estate-snapshot.json", "schema"],
    );
}

#[test]
fn rules_list_explain_and_test() {
    let o = run(&["rules", "list", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let list: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(list.len() >= 25, "the catalogue has at least 25 rules");
    let o = run(&["rules", "explain", "rds-backup-enabled"]);
    let text = stdout(&o);
    for needle in [
        "DB_INSTANCE_BACKUP_ENABLED",
        "min_retention_days",
        "Why:",
        "Fix:",
    ] {
        assert!(text.contains(needle), "explain lacks {needle}:\n{text}");
    }
    let o = run(&["rules", "test"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains(" 0 failed"));
}

#[test]
fn rules_test_fails_on_a_wrong_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(root().join("rules/rds/rds-storage-encrypted.toml")).unwrap();
    let flipped = text.replacen("expect = \"compliant\"", "expect = \"error\"", 1);
    assert_ne!(flipped, text);
    std::fs::write(dir.path().join("rds-storage-encrypted.toml"), flipped).unwrap();
    let o = run(&["rules", "test", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("FAIL"), "{}", stdout(&o));
}

#[test]
fn extra_rules_override_built_in_ones_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("rules/rds/rds-backup-enabled.toml")).unwrap();
    let overridden: String = text
        .lines()
        .map(|l| {
            if l.starts_with("severity =") {
                "severity = \"critical\""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!text.contains("severity = \"critical\""));
    std::fs::write(dir.path().join("rds-backup-enabled.toml"), overridden).unwrap();
    let o = run(&[
        "--rules",
        dir.path().to_str().unwrap(),
        "rules",
        "explain",
        "rds-backup-enabled",
    ]);
    assert!(
        stdout(&o).contains("severity:   critical"),
        "{}",
        stdout(&o)
    );
}

/// Every file below `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out
}

/// The guard for hermetic tests: a scan run the way every test runs the binary
/// writes its history to the test's own store and nothing under the home or data
/// directory it was given, so `cargo test` cannot reach the user's real store.
#[test]
fn a_test_scan_writes_history_only_to_its_own_store() {
    let dir = support::fresh_dir();
    let o = support::compliance_in(&dir)
        .args([
            "scan",
            "--snapshot",
            "examples/estate-snapshot.json",
            "--fail-on",
            "none",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        dir.join("history.redb").is_file(),
        "the scan kept history in the test's store"
    );
    let home = dir.join("home");
    let touched = files_under(&home);
    assert!(
        touched.is_empty(),
        "a test run wrote into its home or data directory: {touched:?}"
    );
    let history = support::compliance_in(&dir)
        .args(["history", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(history.status.code(), Some(0), "{}", stderr(&history));
    let scans: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(
        scans.as_array().map(Vec::len),
        Some(1),
        "the next command of the same test sees that scan: {scans}"
    );
}

/// Every test that runs the binary goes through `support::compliance_in` (or
/// `support::compliance`), the one place that sets the hermetic environment;
/// a test building its own `Command` would inherit the user's store and
/// credentials.
#[test]
fn every_test_runs_the_binary_through_the_hermetic_helper() {
    let tests = root().join("tests");
    let mut offenders = Vec::new();
    for file in files_under(&tests) {
        if file.extension().is_none_or(|e| e != "rs") || file == Path::new("support/mod.rs") {
            continue;
        }
        let text = std::fs::read_to_string(tests.join(&file)).unwrap();
        if text.contains(concat!("CARGO_BIN_EXE", "_compliance")) {
            offenders.push(file);
        }
    }
    assert!(
        offenders.is_empty(),
        "these tests run the binary without support::compliance_in: {offenders:?}"
    );
}
