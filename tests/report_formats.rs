//! `compliance report`: where its findings come from (the latest stored scan,
//! `--scan`, several `--input` files merged), the stable finding id and
//! `first_seen`, messages, and every format checked by a parser or validator
//! that is not ours: Python's `jsonschema` with the SARIF 2.1.0 schema,
//! `py-ocsf-models`, `junitparser`, Python's `csv`, and Security Hub in moto
//! for ASFF (import, then GetFindings). Table and Markdown are golden files
//! (`COMPLIANCE_UPDATE_GOLDEN=1` rewrites them after a deliberate change).
//!
//! The Python checks run with `COMPLIANCE_TEST_PYTHON` (scripts/test exports
//! its venv's python, with the validators installed); without it they are
//! skipped with a printed reason, except under scripts/test
//! (`COMPLIANCE_REQUIRE_MOTO=1`), where that is a failure.

use crate::support;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURE: &str = "tests/fixtures/reports/estate-findings.json";
const GOLDEN: &str = "tests/fixtures/reports/golden";
const SARIF_SCHEMA: &str = "tests/fixtures/schemas/sarif-schema-2.1.0.json";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    support::compliance_in(dir)
        .args(args)
        .output()
        .expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

fn scan(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "scan",
        "--snapshot",
        "examples/estate-snapshot.json",
        "--format",
        "json",
        "--fail-on",
        "none",
    ];
    args.extend_from_slice(extra);
    json(&run_in(dir, &args))
}

/// (finding id, status) of every finding.
fn outcomes(report: &Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["finding_id"].as_str().expect("finding_id").to_string(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn report_with_nothing_stored_and_no_input_says_how_to_make_a_scan() {
    let dir = support::fresh_dir();
    let o = run_in(&dir, &["report", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("compliance scan") && err.contains("--input"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn report_json_without_input_after_a_scan_gives_that_scan() {
    let dir = support::fresh_dir();
    let scanned = scan(&dir, &[]);
    let reported = json(&run_in(&dir, &["report", "--format", "json"]));
    assert_eq!(reported["schema"], "compliance.findings/v1");
    assert_eq!(reported["scan_id"], scanned["scan_id"]);
    assert_eq!(outcomes(&reported), outcomes(&scanned));
    assert_eq!(reported["score"]["overall"], scanned["score"]["overall"]);
    // --scan ID names the same scan; an unknown id is an input error.
    let id = scanned["scan_id"].as_str().unwrap();
    let by_id = json(&run_in(&dir, &["report", "--scan", id, "--format", "json"]));
    assert_eq!(outcomes(&by_id), outcomes(&scanned));
    let o = run_in(&dir, &["report", "--scan", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope"), "{}", stderr(&o));
}

#[test]
fn finding_ids_are_stable_across_scans_and_first_seen_comes_from_history() {
    let dir = support::fresh_dir();
    let first = scan(&dir, &[]);
    let second = scan(&dir, &[]);
    assert_eq!(
        outcomes(&first),
        outcomes(&second),
        "same ids, same outcomes"
    );
    let ids: BTreeSet<_> = outcomes(&first).into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        ids.len(),
        first["findings"].as_array().unwrap().len(),
        "one id per finding"
    );
    let reported = json(&run_in(&dir, &["report", "--format", "json"]));
    assert_eq!(reported["scan_id"], second["scan_id"]);
    let started = first["generated_at"].as_str().unwrap();
    for f in reported["findings"].as_array().unwrap() {
        match f["status"].as_str().unwrap() {
            "non_compliant" => assert_eq!(f["first_seen"], started, "{f}"),
            "compliant" => assert!(f.get("first_seen").is_none(), "{f}"),
            _ => {}
        }
    }
}

#[test]
fn several_inputs_merge_and_drop_duplicate_findings() {
    let dir = support::fresh_dir();
    let merged = json(&run_in(
        &dir,
        &["report", "--input", FIXTURE, FIXTURE, "--format", "json"],
    ));
    let one: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(FIXTURE)).unwrap()).unwrap();
    assert_eq!(outcomes(&merged), outcomes(&one));
    assert_eq!(
        merged["findings"].as_array().unwrap().len(),
        one["findings"].as_array().unwrap().len()
    );
    assert_eq!(merged["summary"]["resources"], one["summary"]["resources"]);
    assert_eq!(merged["source"]["kind"], "merged");
}

#[test]
fn several_formats_need_out_dir() {
    let dir = support::fresh_dir();
    let o = run_in(
        &dir,
        &[
            "report", "--input", FIXTURE, "--format", "csv", "--format", "sarif",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--out-dir"), "{}", stderr(&o));
}

#[test]
fn several_formats_come_from_one_read_and_match_their_single_runs() {
    let dir = support::fresh_dir();
    let out = dir.join("all");
    let o = run_in(
        &dir,
        &[
            "report",
            "--input",
            FIXTURE,
            "--format",
            "csv",
            "--format",
            "junit",
            "--format",
            "markdown",
            "--out-dir",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for (format, file) in [
        ("csv", "report.csv"),
        ("junit", "report.junit.xml"),
        ("markdown", "report.md"),
    ] {
        let alone = run_in(&dir, &["report", "--input", FIXTURE, "--format", format]);
        assert_eq!(alone.status.code(), Some(0), "{}", stderr(&alone));
        let together = std::fs::read(out.join(file)).unwrap();
        assert!(!together.is_empty());
        assert_eq!(together, alone.stdout, "{format}");
    }
}

/// Report rows of a findings file as CSV, header first.
fn csv_of(dir: &Path, input: &str) -> String {
    let o = run_in(dir, &["report", "--input", input, "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn a_file_with_sorted_keys_reads_like_the_original() {
    // `jq -S` puts `findings` before `schema` and `rules`: the head pass
    // must still know the rules and check the schema before any finding.
    let dir = support::fresh_dir();
    let text = std::fs::read_to_string(root().join(FIXTURE)).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    let sorted = serde_json::to_string_pretty(&value).unwrap();
    assert!(sorted.find("\"findings\"") < sorted.find("\"schema\""));
    let path = dir.join("sorted.json");
    std::fs::write(&path, sorted).unwrap();
    assert_eq!(csv_of(&dir, path.to_str().unwrap()), csv_of(&dir, FIXTURE));
    let o = run_in(
        &dir,
        &[
            "report",
            "--input",
            path.to_str().unwrap(),
            "--format",
            "sarif",
        ],
    );
    let sarif = json(&o);
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let fixed = rules
        .iter()
        .filter(|r| r["help"]["text"].as_str().unwrap_or("").contains("Fix: "))
        .count();
    assert!(
        fixed > 0,
        "the rules' fix text came from the file's `rules`"
    );
}

#[test]
fn a_bad_finding_late_in_a_file_names_its_line_and_leaves_no_output() {
    let dir = support::fresh_dir();
    let text = std::fs::read_to_string(root().join(FIXTURE)).unwrap();
    let findings = text.matches("\"finding_id\"").count();
    assert!(findings > 20, "the fixture has {findings} findings");
    // Break the last finding's status: earlier findings are already written
    // when the reader reaches it.
    let at = text
        .rfind("\"status\":\"")
        .or_else(|| text.rfind("\"status\": \""))
        .unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let broken = format!(
        "{}\"status\":\"maybe\",\"was\":{}",
        &text[..at],
        &text[at + "\"status\":".len()..]
    );
    let input = dir.join("broken.json");
    std::fs::write(&input, broken).unwrap();
    let out = dir.join("out");
    let o = run_in(
        &dir,
        &[
            "report",
            "--input",
            input.to_str().unwrap(),
            "--format",
            "csv",
            "--format",
            "json",
            "--out-dir",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("broken.json:{line}:")) && err.contains("maybe"),
        "names the file, line and value: {err}"
    );
    let left: Vec<_> = std::fs::read_dir(&out)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "no partial report is left: {left:?}");
}

#[test]
fn scan_writes_every_report_format_as_report_does() {
    let dir = support::fresh_dir();
    let findings = dir.join("findings.json");
    // The example estate without history, in `format`, with `extra` flags.
    let scan_as = |format: &str, extra: &[&str]| {
        let mut args = vec![
            "scan",
            "--snapshot",
            "examples/estate-snapshot.json",
            "--fail-on",
            "none",
            "--no-history",
            "--format",
            format,
        ];
        args.extend_from_slice(extra);
        let o = run_in(&dir, &args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        o
    };
    scan_as("json", &["--out", findings.to_str().unwrap()]);
    let scanned = String::from_utf8(scan_as("csv", &[]).stdout).unwrap();
    assert!(scanned.lines().count() > 100, "{scanned}");
    assert_eq!(scanned, csv_of(&dir, findings.to_str().unwrap()));
    let sarif = |o: Output| {
        let v = json(&o);
        let results = v["runs"][0]["results"].clone();
        let rules: BTreeSet<String> = v["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        (results, rules)
    };
    let from_scan = sarif(scan_as("sarif", &[]));
    let from_report = sarif(run_in(
        &dir,
        &[
            "report",
            "--input",
            findings.to_str().unwrap(),
            "--format",
            "sarif",
        ],
    ));
    assert!(from_scan.0.as_array().unwrap().len() > 10);
    assert_eq!(from_scan, from_report);
}

#[test]
fn messages_come_from_rule_templates() {
    let dir = support::fresh_dir();
    let o = run_in(&dir, &["report", "--input", FIXTURE, "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("Security group sg-0a1b2c3d4e5f6a7b8 (reporting-db-legacy) allows 0.0.0.0/0 to port 5432-5432/tcp"),
        "{text}"
    );
}

#[test]
fn rules_validate_rejects_a_message_with_an_unknown_placeholder() {
    let dir = support::fresh_dir();
    let o = run_in(
        &dir,
        &[
            "rules",
            "validate",
            "tests/data/bad/rules/unknown-placeholder",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("sg-bad-message.toml:") && err.contains("unknown placeholder `{group_name}`"),
        "{err}"
    );
}

/// Renders the fixture in `format` and compares with the golden file.
fn golden(format: &str, file: &str) {
    let dir = support::fresh_dir();
    let o = run_in(&dir, &["report", "--input", FIXTURE, "--format", format]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    let path = root().join(GOLDEN).join(file);
    if std::env::var_os("COMPLIANCE_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&path).expect("golden file");
    assert!(
        text == expected,
        "{format} differs from {}; if the change is wanted, rerun with COMPLIANCE_UPDATE_GOLDEN=1\n--- got ---\n{text}",
        path.display()
    );
}

#[test]
fn table_matches_its_golden_file() {
    golden("table", "estate.txt");
}

#[test]
fn markdown_matches_its_golden_file() {
    golden("markdown", "estate.md");
}

/// The test venv's python, or None (skipped) outside scripts/test.
fn python(test: &str) -> Option<PathBuf> {
    match std::env::var_os("COMPLIANCE_TEST_PYTHON") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ if support::moto_required() => {
            panic!("{test}: COMPLIANCE_TEST_PYTHON is not set (scripts/test sets it)")
        }
        _ => {
            eprintln!(
                "SKIPPED {test}: COMPLIANCE_TEST_PYTHON is not set (run through scripts/test)"
            );
            None
        }
    }
}

/// Runs a Python check with arguments; its stdout is a JSON summary.
fn python_check(python: &Path, script: &str, args: &[&Path]) -> Value {
    let o = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .current_dir(root())
        .output()
        .expect("python runs");
    assert!(
        o.status.success(),
        "validator failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );
    serde_json::from_slice(&o.stdout).expect("summary JSON")
}

/// Every format of the fixture, written at once with --out-dir.
fn all_formats() -> (PathBuf, Value) {
    let dir = support::fresh_dir();
    let out = dir.join("out");
    let o = run_in(
        &dir,
        &[
            "report",
            "--input",
            FIXTURE,
            "--out-dir",
            out.to_str().unwrap(),
            "--format",
            "sarif",
            "--format",
            "ocsf",
            "--format",
            "junit",
            "--format",
            "csv",
            "--format",
            "asff",
            "--format",
            "json",
            "--region",
            "eu-west-1",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(FIXTURE)).unwrap()).unwrap();
    (out, fixture)
}

fn count(fixture: &Value, statuses: &[&str]) -> u64 {
    fixture["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| statuses.contains(&f["status"].as_str().unwrap()))
        .count() as u64
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let Some(py) = python("sarif_validates_against_the_sarif_2_1_0_schema") else {
        return;
    };
    let (out, fixture) = all_formats();
    let summary = python_check(
        &py,
        r#"
import json, sys, jsonschema
log = json.load(open(sys.argv[1]))
schema = json.load(open(sys.argv[2]))
jsonschema.Draft4Validator(schema).validate(log)
run = log["runs"][0]
rules = run["tool"]["driver"]["rules"]
results = run["results"]
print(json.dumps({
  "results": len(results),
  "rules_with_severity": sum(1 for r in rules if "security-severity" in r["properties"]),
  "rules": len(rules),
  "located": sum(1 for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]),
  "fingerprinted": sum(1 for r in results if r["partialFingerprints"]["findingId/v1"]),
  "suppressed": sum(1 for r in results if r.get("suppressions")),
  "levels": sorted({r["level"] for r in results}),
}))
"#,
        &[&out.join("report.sarif"), &root().join(SARIF_SCHEMA)],
    );
    let failing = count(&fixture, &["non_compliant", "error", "exempted"]);
    assert_eq!(summary["results"], failing, "{summary}");
    assert_eq!(summary["located"], failing);
    assert_eq!(summary["fingerprinted"], failing);
    assert_eq!(summary["suppressed"], count(&fixture, &["exempted"]));
    assert_eq!(summary["rules"], summary["rules_with_severity"]);
    assert_eq!(
        summary["levels"],
        serde_json::json!(["error", "note", "warning"])
    );
}

#[test]
fn ocsf_events_are_compliance_findings_to_py_ocsf_models() {
    let Some(py) = python("ocsf_events_are_compliance_findings_to_py_ocsf_models") else {
        return;
    };
    let (out, fixture) = all_formats();
    let summary = python_check(
        &py,
        r#"
import json, sys
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
events = json.load(open(sys.argv[1]))
models = [ComplianceFinding.model_validate(e) for e in events]
print(json.dumps({
  "events": len(models),
  "class_uids": sorted({int(m.class_uid) for m in models}),
  "uids": len({m.finding_info.uid for m in models}),
  "failed": sum(1 for m in models if m.compliance.status_id is not None and int(m.compliance.status_id) == 3),
  "with_standards": sum(1 for m in models if m.compliance.standards),
  "products": sorted({m.metadata.product.name for m in models}),
}))
"#,
        &[&out.join("report.ocsf.json")],
    );
    let all = fixture["findings"].as_array().unwrap().len() as u64;
    assert_eq!(summary["events"], all, "{summary}");
    assert_eq!(summary["uids"], all, "finding_info.uid is the finding id");
    assert_eq!(summary["class_uids"], serde_json::json!([2003]));
    assert_eq!(
        summary["failed"],
        count(&fixture, &["non_compliant", "exempted"])
    );
    assert_eq!(summary["products"], serde_json::json!(["compliance"]));
}

#[test]
fn junit_parses_with_one_suite_per_rule() {
    let Some(py) = python("junit_parses_with_one_suite_per_rule") else {
        return;
    };
    let (out, fixture) = all_formats();
    let summary = python_check(
        &py,
        r#"
import json, sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
suites = list(xml)
kinds = {"failure": 0, "error": 0, "skipped": 0, "passed": 0}
for s in suites:
    for case in s:
        r = case.result
        if any(isinstance(x, Failure) for x in r): kinds["failure"] += 1
        elif any(isinstance(x, Error) for x in r): kinds["error"] += 1
        elif any(isinstance(x, Skipped) for x in r): kinds["skipped"] += 1
        else: kinds["passed"] += 1
print(json.dumps({"suites": len(suites), "tests": xml.tests, **kinds}))
"#,
        &[&out.join("report.junit.xml")],
    );
    let rules: BTreeSet<&str> = fixture["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(summary["suites"], rules.len() as u64, "{summary}");
    assert_eq!(summary["failure"], count(&fixture, &["non_compliant"]));
    assert_eq!(summary["error"], count(&fixture, &["error"]));
    assert_eq!(
        summary["skipped"],
        count(&fixture, &["exempted", "not_applicable"])
    );
    assert_eq!(summary["passed"], count(&fixture, &["compliant"]));
}

#[test]
fn csv_reads_back_with_pythons_csv_module() {
    let Some(py) = python("csv_reads_back_with_pythons_csv_module") else {
        return;
    };
    let (out, fixture) = all_formats();
    let summary = python_check(
        &py,
        r#"
import csv, json, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f, strict=True))
print(json.dumps({"header": list(rows[0].keys()), "rows": [
  {"finding_id": r["finding_id"], "status": r["status"], "found": r["evidence.found"], "frameworks": r["frameworks"]} for r in rows]}))
"#,
        &[&out.join("report.csv")],
    );
    let header: Vec<&str> = summary["header"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert_eq!(header, compliance::output::csv::COLUMNS);
    let rows = summary["rows"].as_array().unwrap();
    let findings = fixture["findings"].as_array().unwrap();
    assert_eq!(rows.len(), findings.len());
    for (row, f) in rows.iter().zip(findings) {
        assert_eq!(row["finding_id"], f["finding_id"]);
        assert_eq!(row["status"], f["status"]);
        let frameworks: Vec<&str> = f["frameworks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        assert_eq!(row["frameworks"], frameworks.join(";"));
        // Objects found (quotes, commas) survive the round trip as JSON.
        if let Some(found) = f["evidence"].get("found").filter(|v| v.is_object()) {
            let back: Value = serde_json::from_str(row["found"].as_str().unwrap()).unwrap();
            assert_eq!(&back, found);
        }
    }
}

#[test]
fn asff_imports_into_security_hub_and_reads_back() {
    let Some(py) = python("asff_imports_into_security_hub_and_reads_back") else {
        return;
    };
    let Some(endpoint) = support::endpoint_url() else {
        if support::moto_required() {
            panic!("AWS_ENDPOINT_URL is not set under scripts/test");
        }
        support::skipped("asff_imports_into_security_hub_and_reads_back");
        return;
    };
    let (out, fixture) = all_formats();
    let docs: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.asff.json")).unwrap())
            .unwrap();
    assert_eq!(docs.len(), fixture["findings"].as_array().unwrap().len());
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for d in &docs {
        assert!(
            d["Description"].as_str().unwrap().chars().count() <= 1024,
            "{d}"
        );
        *by_status
            .entry(d["Compliance"]["Status"].as_str().unwrap().into())
            .or_default() += 1;
    }
    assert_eq!(
        by_status.get("FAILED").copied().unwrap_or(0) as u64,
        count(&fixture, &["non_compliant", "exempted"])
    );
    let summary = python_check(
        &py,
        r#"
import json, sys, boto3
docs = json.load(open(sys.argv[1]))
hub = boto3.client("securityhub", endpoint_url=sys.argv[2], region_name="eu-west-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
failed = 0
for i in range(0, len(docs), 100):
    r = hub.batch_import_findings(Findings=docs[i:i + 100])
    failed += r["FailedCount"]
ids = {d["Id"] for d in docs}
found = set()
token = None
while True:
    kw = {"MaxResults": 100}
    if token: kw["NextToken"] = token
    r = hub.get_findings(**kw)
    found |= {f["Id"] for f in r["Findings"] if f["Id"] in ids}
    token = r.get("NextToken")
    if not token: break
print(json.dumps({"failed": failed, "imported": len(found), "expected": len(ids)}))
"#,
        &[&out.join("report.asff.json"), Path::new(&endpoint)],
    );
    assert_eq!(summary["failed"], 0, "{summary}");
    assert_eq!(summary["imported"], summary["expected"], "{summary}");
}

#[tokio::test]
async fn to_securityhub_imports_every_asff_finding() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("to_securityhub_imports_every_asff_finding");
        return;
    };
    let dir = support::fresh_dir();
    let o = run_in(
        &dir,
        &[
            "report",
            "--input",
            FIXTURE,
            "--format",
            "asff",
            "--to",
            "securityhub",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "an import alone prints no documents");
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(FIXTURE)).unwrap()).unwrap();
    let findings = fixture["findings"].as_array().unwrap();
    let ids: BTreeMap<&str, &str> = findings
        .iter()
        .map(|f| {
            (
                f["finding_id"].as_str().unwrap(),
                f["status"].as_str().unwrap(),
            )
        })
        .collect();
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "imported {} of {} finding(s)",
            ids.len(),
            ids.len()
        )) && err.contains("2 BatchImportFindings call(s)"),
        "{err}"
    );
    let hub = aws_sdk_securityhub::Client::new(&config);
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut token = None;
    loop {
        let page = hub
            .get_findings()
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .expect("GetFindings");
        for f in page.findings() {
            if let Some(id) = f.id().filter(|id| ids.contains_key(id)) {
                let status = f
                    .compliance()
                    .and_then(|c| c.status())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default();
                seen.insert(id.to_string(), status);
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), ids.len(), "every finding reads back");
    for (id, status) in &ids {
        let expected = match *status {
            "compliant" => "PASSED",
            "non_compliant" | "exempted" => "FAILED",
            "error" => "WARNING",
            _ => "NOT_AVAILABLE",
        };
        assert_eq!(seen[*id], expected, "{id}");
    }
}

#[tokio::test]
async fn upload_puts_every_file_with_its_type_and_the_buckets_kms_key() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("upload_puts_every_file_with_its_type_and_the_buckets_kms_key");
        return;
    };
    let s3 = support::s3_client(&config);
    let kms = aws_sdk_kms::Client::new(&config);
    let bucket = support::unique_name("reports");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let key = kms.create_key().send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_string();
    s3.put_bucket_encryption()
        .bucket(&bucket)
        .server_side_encryption_configuration(
            aws_sdk_s3::types::ServerSideEncryptionConfiguration::builder()
                .rules(
                    aws_sdk_s3::types::ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(
                            aws_sdk_s3::types::ServerSideEncryptionByDefault::builder()
                                .sse_algorithm(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
                                .kms_master_key_id(&key_id)
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let dir = support::fresh_dir();
    let out = dir.join("out");
    let o = run_in(
        &dir,
        &[
            "report",
            "--input",
            FIXTURE,
            "--format",
            "json",
            "--format",
            "sarif",
            "--out-dir",
            out.to_str().unwrap(),
            "--upload",
            &format!("s3://{bucket}/audit/"),
            "--presign",
            "1h",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let printed = String::from_utf8(o.stdout).unwrap();
    for (file, content_type) in [
        ("report.json", "application/json"),
        ("report.sarif", "application/sarif+json"),
    ] {
        let uri = format!("s3://{bucket}/audit/{file}");
        assert!(printed.contains(&uri), "{printed}");
        let head = s3
            .head_object()
            .bucket(&bucket)
            .key(format!("audit/{file}"))
            .send()
            .await
            .expect("uploaded");
        assert_eq!(head.content_type(), Some(content_type));
        assert_eq!(
            head.server_side_encryption(),
            Some(&aws_sdk_s3::types::ServerSideEncryption::AwsKms)
        );
        assert!(
            head.ssekms_key_id().is_some_and(|k| k.contains(&key_id)),
            "{:?}",
            head.ssekms_key_id()
        );
        let body = s3
            .get_object()
            .bucket(&bucket)
            .key(format!("audit/{file}"))
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes();
        assert_eq!(&body[..], &std::fs::read(out.join(file)).unwrap()[..]);
    }
    assert!(
        printed.contains("X-Amz-Expires=3600"),
        "a presigned link per file:\n{printed}"
    );

    // A bucket that does not exist: exit 3, the local files stay.
    let missing = support::unique_name("no-such-bucket");
    let out2 = dir.join("out2");
    let o = run_in(
        &dir,
        &[
            "report",
            "--input",
            FIXTURE,
            "--format",
            "csv",
            "--out-dir",
            out2.to_str().unwrap(),
            "--upload",
            &format!("s3://{missing}/x/"),
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("NoSuchBucket"), "{}", stderr(&o));
    assert!(out2.join("report.csv").is_file(), "the local file is kept");

    // The scheduled line: a period summary of the stored scans, uploaded.
    let o = run_in(
        &dir,
        &[
            "scan",
            "--snapshot",
            "examples/estate-snapshot.json",
            "--format",
            "json",
        ],
    );
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    let o = run_in(
        &dir,
        &[
            "report",
            "--since",
            "1d",
            "--format",
            "markdown",
            "--out-dir",
            out.to_str().unwrap(),
            "--upload",
            &format!("s3://{bucket}/daily/"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let period = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(period.contains("Compliance since"), "{period}");
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("daily/report.md")
        .send()
        .await
        .expect("the period summary is uploaded");
    assert_eq!(head.content_type(), Some("text/markdown; charset=utf-8"));
}

/// Without an import region (no --region, no AWS_REGION), every finding is
/// still in the ASFF file: regional ones filed for their own region's
/// Security Hub, global IAM ones for us-east-1 (the aws partition's IAM
/// region), and nothing is reported as left out.
#[test]
fn asff_without_a_region_files_each_finding_in_its_own_region_and_global_ones_in_us_east_1() {
    let dir = support::fresh_dir();
    let o = support::compliance_in(&dir)
        .env_remove("AWS_REGION")
        .args(["report", "--input", FIXTURE, "--format", "asff"])
        .output()
        .expect("binary runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("left out"), "{}", stderr(&o));
    let docs: Vec<Value> = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(FIXTURE)).unwrap()).unwrap();
    let findings = fixture["findings"].as_array().unwrap();
    assert_eq!(docs.len(), findings.len());
    let region_of: BTreeMap<&str, &str> = findings
        .iter()
        .map(|f| {
            (
                f["finding_id"].as_str().unwrap(),
                f["region"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        region_of.values().any(|r| *r == "global"),
        "the fixture has IAM findings"
    );
    for d in &docs {
        let filed = match region_of[d["Id"].as_str().unwrap()] {
            "global" => "us-east-1",
            own => own,
        };
        let account = d["AwsAccountId"].as_str().unwrap();
        assert_eq!(
            d["ProductArn"],
            format!("arn:aws:securityhub:{filed}:{account}:product/{account}/default"),
            "{d}"
        );
        assert_eq!(d["Resources"][0]["Region"], filed, "{d}");
    }
}
