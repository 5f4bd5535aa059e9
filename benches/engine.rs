//! Engine benchmark: 100,000 synthetic configuration items across the resource
//! types of the catalogue, written as one AWS Config snapshot, then loaded
//! (parse + normalise) and evaluated against the whole built-in catalogue, then
//! scored. Prints wall time per phase and the process's peak RSS.
//!
//! Run: `cargo bench --bench engine` (release profile; not part of CI).
//! `COMPLIANCE_BENCH_ITEMS=N` changes the item count.

use compliance::core::catalogue::{Catalogue, RuleSource};
use compliance::core::engine::Engine;
use compliance::core::normalize::load_document;
use compliance::core::pipeline::evaluate_document;
use compliance::core::score::score;
use compliance::core::settings::Settings;
#[path = "support/estate.rs"]
mod estate;

use estate::snapshot;
use std::time::Instant;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn main() {
    let n: usize = std::env::var("COMPLIANCE_BENCH_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let catalogue = Catalogue::load(&[RuleSource {
        files: compliance::embedded::rule_files(),
    }])
    .expect("built-in rules");
    let engine = Engine::new(&catalogue.rules(), &Settings::default());

    let t = Instant::now();
    let text = snapshot(n);
    let generate = t.elapsed();
    let text_mb = text.len() as f64 / 1e6;
    let rss_text = peak_rss_mb();

    // The production path (`compliance scan --snapshot`): parse, normalise and
    // evaluate overlapped on every core, one item alive per worker.
    let t = Instant::now();
    let evaluated =
        evaluate_document(&engine, "bench-snapshot.json", text, &|_| true).expect("evaluates");
    let pipeline = t.elapsed();
    let t = Instant::now();
    let card = score(&evaluated.findings, 70.0);
    let scoring = t.elapsed();
    let rss_scan = peak_rss_mb();
    let findings = evaluated.findings.len();
    drop(evaluated);

    // The engine alone on items already in memory, single-threaded.
    let text = snapshot(n);
    let loaded = load_document("bench-snapshot.json", &text).expect("loads");
    drop(text);
    let t = Instant::now();
    let again = engine.evaluate(&loaded.items);
    let evaluate = t.elapsed();
    assert_eq!(again.len(), findings);

    let cores = std::thread::available_parallelism()
        .map(|c| c.get())
        .unwrap_or(1);
    println!(
        "engine benchmark: {n} items ({text_mb:.0} MB snapshot), {} rules, {cores} cores",
        engine.rule_count()
    );
    println!("  generate the snapshot text      {:>7.3} s  (not part of the tool; RSS then {rss_text:.0} MB)", generate.as_secs_f64());
    println!(
        "  scan: parse+normalise+evaluate  {:>7.3} s  ({findings} findings)",
        pipeline.as_secs_f64()
    );
    println!(
        "  score                           {:>7.3} s  (overall {:?})",
        scoring.as_secs_f64(),
        card.overall
    );
    println!(
        "  scan + score                    {:>7.3} s",
        (pipeline + scoring).as_secs_f64()
    );
    println!("  peak RSS of scan + score        {:>7.0} MB (the snapshot text itself is {text_mb:.0} MB)", rss_scan);
    println!(
        "  engine alone, one thread, items in memory: {:.3} s",
        evaluate.as_secs_f64()
    );
}
