//! End-to-end benchmark: the built binary on a 100,000-item snapshot, as a user
//! runs it, measured by `/usr/bin/time -v` (wall time and peak RSS of the whole
//! process: parsing, evaluation, output and history writes together).
//!
//! Cases: `scan --format json --no-history > out.json`; the same writing history
//! to a fresh local store; and the default table.
//!
//! Run: `cargo bench --bench end_to_end` (release profile; not part of CI).
//! `COMPLIANCE_BENCH_ITEMS=N` changes the item count; `COMPLIANCE_BENCH_SNAPSHOT=PATH`
//! keeps the generated snapshot at PATH; `COMPLIANCE_BIN=PATH`
//! measures another build of the binary (say `target/release/compliance` while
//! the harness itself runs from a debug build).

#[path = "support/estate.rs"]
mod estate;

use std::process::{Command, Stdio};
use std::time::Instant;

struct Measured {
    wall: f64,
    rss_mb: f64,
    output_mb: f64,
    lines: usize,
    code: i32,
}

fn run(args: &[&str], out: &std::path::Path, store: &std::path::Path) -> Measured {
    let started = Instant::now();
    let result = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(binary())
        .args(args)
        .env("COMPLIANCE_STORE", store)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(out).expect("output file"))
        .stderr(Stdio::piped())
        .output()
        .expect("/usr/bin/time runs (Debian package `time`)");
    let wall = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&result.stderr);
    let rss_kb: f64 = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(f64::NAN);
    let text = std::fs::read(out).unwrap_or_default();
    Measured {
        wall,
        rss_mb: rss_kb / 1024.0,
        output_mb: text.len() as f64 / 1e6,
        lines: text.iter().filter(|b| **b == b'\n').count(),
        code: result.status.code().unwrap_or(-1),
    }
}

fn binary() -> String {
    std::env::var("COMPLIANCE_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_compliance").to_string())
}

fn main() {
    let n: usize = std::env::var("COMPLIANCE_BENCH_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("compliance-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    // COMPLIANCE_BENCH_SNAPSHOT=PATH keeps the snapshot there for runs by hand.
    let keep = std::env::var_os("COMPLIANCE_BENCH_SNAPSHOT").map(std::path::PathBuf::from);
    let snapshot = keep.clone().unwrap_or_else(|| dir.join("big.json"));
    std::fs::write(&snapshot, estate::snapshot(n)).expect("write snapshot");
    let snapshot_mb = std::fs::metadata(&snapshot).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    let snap = snapshot.to_str().expect("utf-8 path");
    let out = dir.join("out");
    println!(
        "end-to-end benchmark: {n} items, {snapshot_mb:.0} MB snapshot, binary {}",
        binary()
    );
    let cases: [(&str, Vec<&str>); 3] = [
        (
            "scan --format json --no-history",
            vec![
                "scan",
                "--snapshot",
                snap,
                "--format",
                "json",
                "--no-history",
            ],
        ),
        (
            "scan --format json (history to a new local store)",
            vec!["scan", "--snapshot", snap, "--format", "json"],
        ),
        ("scan (the table)", vec!["scan", "--snapshot", snap]),
    ];
    for (i, (name, args)) in cases.iter().enumerate() {
        let store = dir.join(format!("history-{i}.redb"));
        let m = run(args, &out, &store);
        println!(
            "  {name:<52} {:>6.2} s  {:>5.0} MB peak RSS  {:>6.1} MB output ({} lines)  exit {}",
            m.wall, m.rss_mb, m.output_mb, m.lines, m.code
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
