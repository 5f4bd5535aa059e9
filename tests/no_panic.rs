//! Nothing a user hands the binary may make it panic: hostile or unlucky inputs end
//! in exit 0–3 with a message, never exit 101 or a signal. The cases are the ones
//! that did or could crash it: a multi-byte character across byte 65,536 of a
//! snapshot (the normaliser once sliced there), text that is not UTF-8, nesting past
//! the parser's depth limit, and rule files with characters where offsets are counted.

use serde_json::Value;
use std::path::Path;
use std::process::Output;

const HEAD_BYTES: usize = 1 << 16;

/// Runs the binary in `dir` (its own history store, no configuration or
/// credentials from the user), so relative file names are read from `dir`.
fn run(dir: &Path, args: &[&str]) -> Output {
    crate::support::compliance_in(dir)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("binary runs")
}

fn assert_no_panic(what: &str, o: &Output) {
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        matches!(o.status.code(), Some(0..=3)),
        "{what}: exit {:?} (101 is a panic, none a signal); stderr:\n{stderr}",
        o.status
    );
    assert!(!stderr.contains("panicked"), "{what}: panicked:\n{stderr}");
}

fn scan(dir: &Path, file: &str, contents: &[u8]) -> Output {
    std::fs::write(dir.join(file), contents).unwrap();
    let o = run(
        dir,
        &[
            "scan",
            "--snapshot",
            file,
            "--no-history",
            "--format",
            "json",
        ],
    );
    assert_no_panic(file, &o);
    o
}

/// A document whose byte 65,536 is the second byte of a three-byte character.
fn straddling(start: &str, end: &str) -> String {
    let mut text = String::from(start);
    text.push_str(&"a".repeat(HEAD_BYTES - 1 - start.len()));
    text.push('€');
    assert!(!text.is_char_boundary(HEAD_BYTES));
    text.push_str(end);
    text
}

#[test]
fn a_character_across_byte_65536_of_a_snapshot_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = straddling(
        r#"{"configurationItems": [{"resourceType": "AWS::S3::Bucket", "resourceId": "b1", "awsRegion": "us-east-1", "configuration": {"name": "b1", "note": ""#,
        r#""}, "supplementaryConfiguration": {}}]}"#,
    );
    let o = scan(dir.path(), "big.json", snapshot.as_bytes());
    let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not a findings document ({e}): {}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    let text = report.to_string();
    assert!(
        text.contains("\"b1\""),
        "the bucket is judged: {}",
        &text[..text.len().min(400)]
    );
    assert!(matches!(o.status.code(), Some(0 | 1)), "{:?}", o.status);
}

#[test]
fn a_character_across_byte_65536_of_a_single_item_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let item = straddling(
        r#"{"resourceType": "AWS::S3::Bucket", "resourceId": "b2", "configuration": {"name": "b2", "note": ""#,
        r#""}}"#,
    );
    let o = scan(dir.path(), "item.json", item.as_bytes());
    assert!(matches!(o.status.code(), Some(0 | 1)), "{:?}", o.status);
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"b2\""));
}

#[test]
fn hostile_snapshots_end_in_an_exit_code_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_items = format!(
        "{{\"configurationItems\": [{}{}]}}",
        "{\"a\":".repeat(50_000),
        "}".repeat(50_000)
    );
    let nested_strings = {
        // An SNS message whose JSON is a string inside a string inside a string...
        let mut v = serde_json::json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b"});
        for _ in 0..12 {
            v = serde_json::json!({"Type": "Notification", "Message": v.to_string()});
        }
        v.to_string()
    };
    let cut = straddling("{\"configurationItems\": [\"", "");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.json", Vec::new()),
        ("latin1.json", b"{\"resourceId\": \"caf\xe9\"}".to_vec()),
        ("nul.json", b"{\"a\": \"\0\"}\0".to_vec()),
        ("bom.json", b"\xef\xbb\xbf{\"configurationItems\": []}".to_vec()),
        ("deep.json", deep.into_bytes()),
        ("deep-items.json", deep_items.into_bytes()),
        ("nested-strings.json", nested_strings.into_bytes()),
        ("cut.json", cut.into_bytes()),
        (
            "numbers.json",
            br#"{"resourceType": "AWS::EC2::SecurityGroup", "resourceId": "sg", "configurationItemCaptureTime": 1e308, "configuration": {"ipPermissions": [{"fromPort": 1e400, "toPort": -99999999999999999999, "ipProtocol": 6, "ipRanges": ["0.0.0.0/0"]}]}}"#.to_vec(),
        ),
        (
            "times.json",
            br#"{"resourceType": "AWS::IAM::User", "resourceId": "u", "configurationItemCaptureTime": -9223372036854775808, "resourceCreationTime": {"year": 4294967295, "month": 99, "day": 1}}"#.to_vec(),
        ),
    ];
    for (file, contents) in cases {
        scan(dir.path(), file, &contents);
    }
}

#[test]
fn rule_files_with_multibyte_text_and_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    // The error sits after multi-byte characters, where a byte offset is not a column.
    std::fs::write(
        rules.join("héllo-€.toml"),
        "id = \"héllo-€\"\ntitle = \"€€€ 𝄞\"\nresource_types = [\"AWS::S3::Bucket\"]\nseverity = \"hïgh\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("s.json"), "{\"configurationItems\": []}").unwrap();
    let o = run(
        dir.path(),
        &[
            "scan",
            "--rules",
            "rules",
            "--snapshot",
            "s.json",
            "--no-history",
            "--format",
            "json",
        ],
    );
    assert_no_panic("rules/héllo-€.toml", &o);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("héllo-€.toml"));
}

#[test]
fn a_rule_path_nested_past_the_limit_exits_2_instead_of_overflowing_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    // Each `[?` nested one more parser call: this path aborted the process.
    let path = format!("configuration{}", "[?b".repeat(200_000));
    std::fs::write(
        rules.join("deep-path.toml"),
        format!(
            "id = \"deep-path\"\ntitle = \"Deep\"\nresource_type = \"AWS::S3::Bucket\"\nseverity = \"low\"\ncategory = \"logging\"\n\n[check]\npath = \"{path}\"\nexists = true\n\n[docs]\nwhy = \"w\"\nfix = \"f\"\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("s.json"), "{\"configurationItems\": []}").unwrap();
    let o = run(
        dir.path(),
        &[
            "scan",
            "--rules",
            "rules",
            "--snapshot",
            "s.json",
            "--no-history",
            "--format",
            "json",
        ],
    );
    assert_no_panic("rules/deep-path.toml", &o);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("deep-path.toml") && stderr.contains("nested"),
        "{stderr}"
    );
}
