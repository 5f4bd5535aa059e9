//! `first_seen` and exemptions through history: a scan that keeps history
//! dates its open findings from the previous stored scan (its own output
//! says so, and the records keep it), a fixed violation that comes back
//! starts a new run, a stored scan keeps who exempted what until when, and
//! stores written before `first_seen` was recorded are dated by a walk back
//! of at most `FIRST_SEEN_WALK` scans.

use crate::support;
use compliance::core::finding::Status;
use compliance::core::history::FIRST_SEEN_WALK;
use compliance::store::local::LocalStore;
use compliance::store::HistoryStore;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

const SNAPSHOT: &str = "examples/estate-snapshot.json";
/// A bucket whose versioning is off in the example estate.
const LEGACY: &str = "acme-legacy-uploads-111122223333";

fn run_in(dir: &Path, args: &[&str]) -> Output {
    support::compliance_in(dir)
        .arg("--no-progress")
        .args(args)
        .output()
        .expect("binary runs")
}

fn json(o: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON: {e}; {stderr}"))
}

fn scan(dir: &Path, snapshot: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "scan",
        "--snapshot",
        snapshot,
        "--format",
        "json",
        "--fail-on",
        "none",
    ];
    args.extend_from_slice(extra);
    json(&run_in(dir, &args))
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("findings")
}

fn finding<'a>(report: &'a Value, rule: &str, resource: &str) -> &'a Value {
    findings(report)
        .iter()
        .find(|f| f["rule_id"] == rule && f["resource_id"] == resource)
        .unwrap_or_else(|| panic!("no {rule} finding on {resource}"))
}

fn is_open(f: &Value) -> bool {
    matches!(
        f["status"].as_str(),
        Some("non_compliant" | "error" | "exempted")
    )
}

/// The example estate with the legacy bucket's versioning turned on.
fn fixed_snapshot(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut estate: Value =
        serde_json::from_slice(&std::fs::read(root.join(SNAPSHOT)).unwrap()).unwrap();
    let item = estate["configurationItems"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|i| i["resourceId"] == LEGACY)
        .expect("the legacy bucket");
    item["supplementaryConfiguration"]["BucketVersioningConfiguration"]["status"] =
        "Enabled".into();
    let path = dir.join("fixed.json");
    std::fs::write(&path, serde_json::to_vec(&estate).unwrap()).unwrap();
    path
}

#[test]
fn every_later_scan_and_the_report_keep_the_first_scans_time() {
    let dir = support::fresh_dir();
    let first = scan(&dir, SNAPSHOT, &[]);
    let started = first["generated_at"].as_str().unwrap();
    for f in findings(&first).iter().filter(|f| is_open(f)) {
        assert_eq!(
            f["first_seen"], started,
            "a run starts in the first scan: {f}"
        );
    }
    scan(&dir, SNAPSHOT, &[]);
    let third = scan(&dir, SNAPSHOT, &[]);
    assert_ne!(third["generated_at"], started);
    let mut open = 0;
    for f in findings(&third) {
        if is_open(f) {
            open += 1;
            assert_eq!(f["first_seen"], started, "{f}");
        } else {
            assert!(f.get("first_seen").is_none(), "{f}");
        }
    }
    assert!(open > 10, "the estate has violations: {open}");
    // The stored scan says the same, finding by finding.
    let reported = json(&run_in(&dir, &["report", "--format", "json"]));
    assert_eq!(reported["scan_id"], third["scan_id"]);
    for f in findings(&third) {
        let stored = findings(&reported)
            .iter()
            .find(|r| r["finding_id"] == f["finding_id"])
            .unwrap_or_else(|| panic!("{} not reported", f["finding_id"]));
        assert_eq!(stored["first_seen"], f["first_seen"], "{stored}");
    }
    // Without history nothing is known about earlier scans.
    let unrecorded = scan(&dir, SNAPSHOT, &["--no-history"]);
    assert!(findings(&unrecorded)
        .iter()
        .all(|f| f.get("first_seen").is_none()));
}

#[test]
fn a_fixed_violation_that_comes_back_starts_a_new_run() {
    let dir = support::fresh_dir();
    let fixed = fixed_snapshot(&dir);
    let first = scan(&dir, SNAPSHOT, &[]);
    let started = first["generated_at"].as_str().unwrap();
    let rule = "s3-versioning-enabled";
    assert_eq!(finding(&first, rule, LEGACY)["status"], "non_compliant");
    let between = scan(&dir, fixed.to_str().unwrap(), &[]);
    assert_eq!(finding(&between, rule, LEGACY)["status"], "compliant");
    assert!(finding(&between, rule, LEGACY).get("first_seen").is_none());
    let again = scan(&dir, SNAPSHOT, &[]);
    let back = finding(&again, rule, LEGACY);
    assert_eq!(back["status"], "non_compliant");
    assert_eq!(
        back["first_seen"], again["generated_at"],
        "the run starts where the violation came back"
    );
    // A violation open all along keeps the first scan's time.
    let kept = findings(&again)
        .iter()
        .find(|f| f["status"] == "non_compliant" && f["resource_id"] != LEGACY)
        .expect("another violation");
    assert_eq!(kept["first_seen"], started, "{kept}");
    let reported = json(&run_in(&dir, &["report", "--format", "json"]));
    assert_eq!(
        finding(&reported, rule, LEGACY)["first_seen"],
        again["generated_at"]
    );
}

#[test]
fn a_stored_exemption_keeps_its_reason_owner_and_expiry() {
    let dir = support::fresh_dir();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = root.join("examples/compliance.toml");
    let scanned = scan(&dir, SNAPSHOT, &["--config", config.to_str().unwrap()]);
    let bucket = "acme-analytics-scratch-111122223333-eu-west-1";
    let exempted = finding(&scanned, "s3-versioning-enabled", bucket);
    assert_eq!(exempted["status"], "exempted");
    // Reported from history, without the configuration file.
    let reported = json(&run_in(&dir, &["report", "--format", "json"]));
    let stored = finding(&reported, "s3-versioning-enabled", bucket);
    assert_eq!(stored["exemption"], exempted["exemption"]);
    assert_eq!(stored["first_seen"], scanned["generated_at"]);
    let sarif = json(&run_in(&dir, &["report", "--format", "sarif"]));
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["ruleId"] == "s3-versioning-enabled"
                && r["partialFingerprints"]
                    .as_object()
                    .is_some_and(|p| p.values().any(|v| *v == stored["finding_id"]))
        })
        .expect("the exempted finding is a SARIF result");
    let justification = result["suppressions"][0]["justification"].as_str().unwrap();
    for part in ["RISK-142", "data-science@acme.example", "2027-06-30"] {
        assert!(justification.contains(part), "{justification}");
    }
}

/// An old-style record: one open outcome without `first_seen`.
async fn old_scan(store: &LocalStore, n: usize, status: Status) -> String {
    let at = format!("2026-11-{:02}T{:02}:00:00.000Z", 1 + n / 24, n % 24);
    let id = format!("old-{n:03}");
    let record = support::history::record("old-bucket", &id, &at, status);
    assert!(record.outcomes.iter().all(|o| o.first_seen.is_none()));
    let summary = support::history::summary(&id, &at, 0.0);
    store.write_scan(&[record], &summary).await.unwrap();
    at
}

fn reported_first_seen(dir: &Path) -> Value {
    let reported = json(&run_in(dir, &["report", "--format", "json"]));
    let f = finding(&reported, "s3-versioning-enabled", "old-bucket");
    assert_eq!(f["status"], "non_compliant");
    f["first_seen"].clone()
}

#[tokio::test]
async fn old_records_are_dated_by_a_walk_back_that_stops_at_its_bound() {
    // Open, fixed, open twice: the run starts at the third scan.
    let dir = support::fresh_dir();
    let store = LocalStore::locate(Some(&dir.join("history.redb"))).unwrap();
    old_scan(&store, 0, Status::NonCompliant).await;
    old_scan(&store, 1, Status::Compliant).await;
    let start = old_scan(&store, 2, Status::NonCompliant).await;
    old_scan(&store, 3, Status::NonCompliant).await;
    assert_eq!(reported_first_seen(&dir), start.as_str());

    // Open in every one of more scans than the bound: the oldest reached.
    let dir = support::fresh_dir();
    let store = LocalStore::locate(Some(&dir.join("history.redb"))).unwrap();
    let mut times = Vec::new();
    for n in 0..FIRST_SEEN_WALK + 2 {
        times.push(old_scan(&store, n, Status::NonCompliant).await);
    }
    let latest = times.len() - 1;
    assert_eq!(
        reported_first_seen(&dir),
        times[latest - FIRST_SEEN_WALK].as_str()
    );
}
