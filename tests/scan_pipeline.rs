//! The scan pipeline end to end through the binary: a snapshot larger than every
//! internal buffer streams to a valid findings document (each resource once, in
//! document order, with the rules section), the table stays a summary at scale,
//! and a closed pipe stops the scan quietly.

use crate::support;
use serde_json::Value;
use std::io::Read;
use std::process::Stdio;

/// `n` volumes, every third unencrypted, in one snapshot file.
fn volumes(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"resourceType":"AWS::EC2::Volume","resourceId":"vol-{i:06}","awsRegion":"eu-west-1","awsAccountId":"111122223333","ARN":"arn:aws:ec2:eu-west-1:111122223333:volume/vol-{i:06}","configuration":{{"encrypted":{}}},"tags":{{}}}}"#,
                i % 3 != 0
            )
        })
        .collect();
    format!(
        r#"{{"fileVersion":"1.0","configurationItems":[{}]}}"#,
        items.join(",")
    )
}

#[test]
fn a_large_snapshot_streams_to_one_valid_document_in_order() {
    let dir = support::fresh_dir();
    let file = dir.join("big.json");
    std::fs::write(&file, volumes(5_000)).unwrap();
    let out = support::compliance_in(&dir)
        .args([
            "scan",
            "--no-history",
            "--fail-on",
            "high",
            "--format",
            "json",
        ])
        .arg("--snapshot")
        .arg(&file)
        .output()
        .unwrap();
    // Counted while streaming: the unencrypted volumes are high and fail the run.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["schema"], "compliance.findings/v1");
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(
        doc["summary"]["evaluations"].as_u64().unwrap() as usize,
        findings.len()
    );
    assert_eq!(doc["summary"]["resources"], 5_000);
    let ids: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule_id"] == "ec2-volume-encrypted")
        .map(|f| f["resource_id"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..5_000).map(|i| format!("vol-{i:06}")).collect();
    assert_eq!(ids, expected, "every volume once, in document order");
    let failing = findings
        .iter()
        .filter(|f| f["rule_id"] == "ec2-volume-encrypted" && f["status"] == "non_compliant")
        .count();
    assert_eq!(failing, 1_667);
    // The rules that produced findings are described once, beside them.
    let rules = doc["rules"].as_array().unwrap();
    let ebs = rules
        .iter()
        .find(|r| r["id"] == "ec2-volume-encrypted")
        .expect("rule described");
    assert!(!ebs["why"].as_str().unwrap().is_empty());
    assert_eq!(
        rules.len(),
        doc["score"]["by_rule"].as_object().unwrap().len(),
        "one entry per rule that judged something"
    );
    // The same document round-trips through `report`.
    let saved = dir.join("findings.json");
    std::fs::write(&saved, &out.stdout).unwrap();
    let again = support::compliance_in(&dir)
        .args(["report", "--format", "json", "--input"])
        .arg(&saved)
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["findings"], doc["findings"]);
    assert_eq!(again["score"], doc["score"]);
}

#[test]
fn the_table_at_scale_is_a_summary_and_all_lists_everything() {
    let dir = support::fresh_dir();
    let file = dir.join("big.json");
    std::fs::write(&file, volumes(3_000)).unwrap();
    let table = support::compliance_in(&dir)
        .args(["scan", "--no-history", "--snapshot"])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("ec2-volume-encrypted"), "{text}");
    assert!(text.contains("… and 990 more resource(s)"), "{text}");
    assert!(
        text.lines().count() < 120,
        "{} lines:\n{text}",
        text.lines().count()
    );
    let all = support::compliance_in(&dir)
        .args(["scan", "--no-history", "--all", "--snapshot"])
        .arg(&file)
        .output()
        .unwrap();
    let all = String::from_utf8(all.stdout).unwrap();
    assert!(all.contains("vol-002997") && all.contains("vol-000000"));
    assert!(!all.contains("more resource(s)"));
}

#[test]
fn a_closed_pipe_ends_the_scan_quietly() {
    let dir = support::fresh_dir();
    let file = dir.join("big.json");
    std::fs::write(&file, volumes(20_000)).unwrap();
    let mut child = support::compliance_in(&dir)
        .args(["scan", "--no-history", "--format", "json", "--snapshot"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 4096];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
