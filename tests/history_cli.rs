//! History through the binary with the local store: every scan is kept, `diff`
//! shows exactly what a fix resolved, `history` lists scans with a trend,
//! `score --scan` rescores a stored scan, `prune` deletes old ones, and a store
//! that cannot be written makes the scan exit 3 with its findings still printed.

use crate::support;
use serde_json::Value;
use std::path::Path;
use std::process::Output;

fn run(args: &[&str]) -> Output {
    support::compliance()
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .output()
        .expect("binary runs")
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stderr)))
}

#[test]
fn scans_are_kept_and_diffed() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("history.redb");
    let store = store.to_str().unwrap();
    let estate = "examples/estate-snapshot.json";
    let o = run(&[
        "scan",
        "--snapshot",
        estate,
        "--store",
        store,
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let first = json_of(&o);

    // Fix one violation by hand: the scratch bucket gets versioning.
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(estate)).unwrap();
    let mut snapshot: Value = serde_json::from_str(&text).unwrap();
    let bucket = "acme-analytics-scratch-111122223333-eu-west-1";
    let item = snapshot["configurationItems"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|i| i["resourceId"] == bucket)
        .expect("the scratch bucket is in the example estate");
    item["supplementaryConfiguration"]["BucketVersioningConfiguration"]["status"] =
        "Enabled".into();
    let fixed = dir.path().join("fixed.json");
    std::fs::write(&fixed, serde_json::to_string(&snapshot).unwrap()).unwrap();
    let o = run(&[
        "scan",
        "--snapshot",
        fixed.to_str().unwrap(),
        "--store",
        store,
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let second = json_of(&o);

    let o = run(&["diff", "--store", store, "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let d = json_of(&o);
    assert_eq!(d["from"], first["scan_id"]);
    assert_eq!(d["to"], second["scan_id"]);
    let resolved = d["resolved"].as_array().unwrap();
    assert_eq!(resolved.len(), 1, "{d:#}");
    assert_eq!(resolved[0]["rule_id"], "s3-versioning-enabled");
    assert_eq!(resolved[0]["resource_id"], bucket);
    assert!(d["new"].as_array().unwrap().is_empty());
    assert!(!d["persisting"].as_array().unwrap().is_empty());

    let o = run(&["history", "--store", store, "--format", "json"]);
    let scans = json_of(&o);
    assert_eq!(scans.as_array().unwrap().len(), 2);
    let o = run(&["history", "--store", store]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("Trend (2 scans"));
    let o = run(&[
        "history",
        "--store",
        store,
        "--resource",
        &format!("arn:aws:s3:::{bucket}"),
        "--format",
        "json",
    ]);
    let records = json_of(&o);
    assert_eq!(
        records.as_array().unwrap().len(),
        2,
        "an ARN finds the resource's history"
    );

    let o = run(&[
        "score", "--scan", "latest", "--store", store, "--format", "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(json_of(&o)["overall"], second["score"]["overall"]);
    let o = run(&["score", "--scan", "nope", "--store", store]);
    assert_eq!(o.status.code(), Some(2));

    let o = run(&["prune", "--store", store, "--older-than", "0d"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("pruned 2"));
    let o = run(&["history", "--store", store, "--format", "json"]);
    assert!(json_of(&o).as_array().unwrap().is_empty());
}

#[test]
fn an_unwritable_store_keeps_the_findings_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let store = blocker.join("history.redb");
    let o = run(&[
        "scan",
        "--snapshot",
        "examples/estate-snapshot.json",
        "--store",
        store.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(
        json_of(&o)["schema"],
        "compliance.findings/v1",
        "findings are printed anyway"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("history not written"));
}

#[test]
fn no_history_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.redb");
    let o = run(&[
        "scan",
        "--snapshot",
        "examples/estate-snapshot.json",
        "--store",
        store.to_str().unwrap(),
        "--no-history",
        "--fail-on",
        "none",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!store.exists());
}
