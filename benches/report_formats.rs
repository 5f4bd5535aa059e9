//! Report benchmark: 100,000 findings of the synthetic estate rendered in every
//! `report` format to a file, with the wall time, the output size and the
//! process's peak RSS while rendering (the peak is reset before each format
//! through /proc/self/clear_refs, so each figure is that format's own peak,
//! the report it renders included). Targets: ≤ 2 s and ≤ 300 MB per format.
//!
//! Then the same end to end, as a user runs it: the findings written to a
//! file and `compliance report --input FILE --format X` run once per format
//! (and once for all nine with `--out-dir`), each a process of its own whose
//! peak RSS `/usr/bin/time` reports.
//!
//! Run: `cargo bench --bench report_formats` (release profile; not part of CI).
//! `COMPLIANCE_BENCH_FINDINGS=N` changes the finding count.

use clap::ValueEnum;
use compliance::core::catalogue::{Catalogue, RuleSource};
use compliance::core::engine::Engine;
use compliance::core::pipeline::evaluate_document;
use compliance::core::report::{Meta, RuleInfo, ScanReport, Source};
use compliance::core::settings::Settings;
use compliance::output::report::{write, Options, ReportFormat};
#[path = "support/estate.rs"]
mod estate;

use std::io::BufWriter;
use std::time::Instant;

fn status_kb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .unwrap_or(f64::NAN)
}

fn main() {
    let n: usize = std::env::var("COMPLIANCE_BENCH_FINDINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let catalogue = Catalogue::load(&[RuleSource {
        files: compliance::embedded::rule_files(),
    }])
    .expect("built-in rules");
    let rules = catalogue.rules();
    let engine = Engine::new(&rules, &Settings::default());
    // About five findings per item: evaluate enough items, keep exactly n.
    let mut findings = evaluate_document(
        &engine,
        "bench-snapshot.json",
        estate::snapshot(n / 3 + 1),
        &|_| true,
    )
    .expect("evaluates")
    .findings;
    assert!(findings.len() >= n, "only {} findings", findings.len());
    findings.truncate(n);
    let mut report = ScanReport::build(
        Meta {
            scan_id: "01a22800-0000-7000-8000-000000000000".into(),
            generated_at: "2026-11-29T12:00:00.000Z".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            source: Source {
                kind: "snapshot".into(),
                inputs: vec!["bench-snapshot.json".into()],
            },
            resources: n / 3,
            rules: rules.len(),
            threshold: 70.0,
        },
        findings,
        vec![],
        vec![],
    );
    report.rules = rules.iter().map(|r| RuleInfo::of(r)).collect();
    let options = Options {
        all: false,
        asff_account: None,
        asff_region: Some("eu-west-1".into()),
        html: Default::default(),
    };
    let held_mb = status_kb("VmRSS:") / 1024.0;
    println!(
        "report benchmark: {} findings in memory (RSS {held_mb:.0} MB before rendering)",
        report.findings.len()
    );
    println!(
        "  {:<9} {:>8} {:>10} {:>14}",
        "format", "time", "size", "peak RSS"
    );
    let dir = std::env::temp_dir().join(format!("compliance-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for format in ReportFormat::value_variants() {
        // Reset the peak to the current RSS (Linux ≥ 4.0).
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let path = dir.join(format.file_name());
        let file = std::fs::File::create(&path).expect("output file");
        let t = Instant::now();
        write(
            *format,
            BufWriter::with_capacity(1 << 16, file),
            &report,
            &options,
        )
        .expect("renders");
        let took = t.elapsed().as_secs_f64();
        let peak = status_kb("VmHWM:") / 1024.0;
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
        println!(
            "  {:<9} {:>6.3} s {:>7.1} MB {:>11.0} MB{}",
            format.name(),
            took,
            size,
            peak,
            if took > 2.0 || peak > 300.0 {
                "  OVER TARGET"
            } else {
                ""
            }
        );
        let _ = std::fs::remove_file(&path);
    }
    // End to end, as a user runs it: the findings written to a file, then
    // `compliance report --input FILE` once per format in a process of its
    // own (peak RSS from /usr/bin/time), then every format from one read.
    let input = dir.join("findings.json");
    {
        let file = std::fs::File::create(&input).expect("findings file");
        write(
            ReportFormat::Json,
            BufWriter::with_capacity(1 << 16, file),
            &report,
            &options,
        )
        .expect("writes the findings");
    }
    drop(report);
    let input_mb = std::fs::metadata(&input).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    println!(
        "end to end: `compliance report --input findings.json` ({input_mb:.0} MB), one process per format"
    );
    println!("  {:<9} {:>8} {:>14}", "format", "time", "peak RSS");
    let every: Vec<String> = ReportFormat::value_variants()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    let mut runs: Vec<(String, Vec<String>)> = every
        .iter()
        .map(|f| {
            let out = dir.join(format!("out.{f}")).display().to_string();
            (
                f.clone(),
                vec!["--format".into(), f.clone(), "--out".into(), out],
            )
        })
        .collect();
    let mut all = Vec::new();
    for f in &every {
        all.extend(["--format".to_string(), f.clone()]);
    }
    all.extend([
        "--out-dir".to_string(),
        dir.join("all").display().to_string(),
    ]);
    runs.push(("all nine".into(), all));
    for (name, args) in runs {
        let t = Instant::now();
        let run = std::process::Command::new("/usr/bin/time")
            .args(["-f", "%M"])
            .arg(env!("CARGO_BIN_EXE_compliance"))
            .args(["report", "--input"])
            .arg(&input)
            .args(["--region", "eu-west-1"])
            .args(&args)
            .env("HOME", &dir)
            .stdin(std::process::Stdio::null())
            .output();
        let took = t.elapsed().as_secs_f64();
        let Ok(run) = run else {
            println!("  {name:<9} (no /usr/bin/time: skipped)");
            continue;
        };
        let stderr = String::from_utf8_lossy(&run.stderr);
        let peak = stderr
            .lines()
            .last()
            .and_then(|l| l.trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0);
        assert!(run.status.success(), "{name}: {stderr}");
        // The target is per format; the run of all nine has nine formats' time.
        let formats = if name == "all nine" { 9.0 } else { 1.0 };
        println!(
            "  {name:<9} {took:>6.3} s {peak:>11.0} MB{}",
            if took > 2.0 * formats || peak > 300.0 {
                "  OVER TARGET"
            } else {
                ""
            }
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
