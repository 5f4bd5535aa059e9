//! Evaluating a whole document fast and in bounded memory: one thread parses the
//! JSON and hands raw items over a bounded channel to workers that normalise and
//! judge them, so parsing and evaluation overlap on every core and no more than a
//! few hundred items are alive at once. Findings come back in document order, so
//! the output does not depend on thread timing.
//!
//! Threads only: no I/O, no async; the caller supplies the text.

use crate::core::engine::Engine;
use crate::core::finding::Finding;
use crate::core::normalize::{item_at, load_document, stream_snapshot, InputError, Skipped};
use crate::core::resource::ConfigItem;
use serde_json::value::RawValue;
use std::sync::mpsc::sync_channel;
use std::sync::Mutex;

/// The result of one document.
#[derive(Debug, Default)]
pub struct Evaluated {
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    /// Items judged (after `keep`).
    pub resources: usize,
}

/// How many workers: every core but the one parsing, at least one.
fn workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(2)
}

/// Parses, normalises and evaluates `text`; `keep` filters items (say by type).
/// Takes the text by value: it is released as soon as it is parsed, before the
/// findings are gathered, so the two never peak together.
pub fn evaluate_document(
    engine: &Engine,
    file: &str,
    text: String,
    keep: &(dyn Fn(&ConfigItem) -> bool + Sync),
) -> Result<Evaluated, InputError> {
    let results: Mutex<Vec<(usize, Vec<Finding>)>> = Mutex::new(Vec::new());
    let first_error: Mutex<Option<(usize, InputError)>> = Mutex::new(None);
    let judged = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = sync_channel::<(usize, &RawValue)>(256);
    let rx = Mutex::new(rx);
    let streamed = std::thread::scope(|scope| {
        for _ in 0..workers() {
            scope.spawn(|| loop {
                let next = rx.lock().map(|r| r.recv());
                let Ok(Ok((index, raw))) = next else { break };
                match item_at(file, index, raw) {
                    Ok(item) => {
                        if !keep(&item) {
                            continue;
                        }
                        judged.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let mut out = Vec::with_capacity(engine.rules_for(&item.resource_type));
                        engine.evaluate_into(&item, &mut out);
                        if let Ok(mut r) = results.lock() {
                            r.push((index, out));
                        }
                    }
                    Err(e) => {
                        if let Ok(mut slot) = first_error.lock() {
                            if slot.as_ref().is_none_or(|(i, _)| index < *i) {
                                *slot = Some((index, e));
                            }
                        }
                    }
                }
            });
        }
        let streamed = stream_snapshot(file, &text, &mut |i, v| {
            // A closed channel means every worker stopped; nothing more to send.
            let _ = tx.send((i, v));
        });
        drop(tx);
        streamed
    });
    // The receiver borrows the text; release both before gathering findings.
    drop(rx);
    let streamed = streamed?;
    if let Some((_, e)) = first_error.into_inner().unwrap_or(None) {
        return Err(e);
    }
    if !streamed {
        // Not a snapshot or history file: small documents of other forms, read whole.
        let loaded = load_document(file, &text)?;
        drop(text);
        let items: Vec<&ConfigItem> = loaded.items.iter().filter(|i| keep(i)).collect();
        let mut findings = Vec::new();
        for item in &items {
            engine.evaluate_into(item, &mut findings);
        }
        return Ok(Evaluated {
            findings,
            skipped: loaded.skipped,
            resources: items.len(),
        });
    }
    drop(text);
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _)| *i);
    // Sized up front: growing a vector of 400,000 findings by doubling holds two copies at the peak.
    let mut findings = Vec::with_capacity(results.iter().map(|(_, f)| f.len()).sum());
    for (_, f) in results {
        findings.extend(f);
    }
    Ok(Evaluated {
        findings,
        skipped: Vec::new(),
        resources: judged.into_inner(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::catalogue::{Catalogue, RuleSource};
    use crate::core::settings::Settings;

    #[test]
    fn parallel_evaluation_keeps_document_order_and_reports_the_first_bad_item() {
        let rule = r#"
id = "v"
title = "t"
resource_types = ["AWS::EC2::Volume"]
severity = "high"
category = "encryption"
[check]
path = "configuration.encrypted"
equals = true
[docs]
why = "w"
fix = "f"
"#;
        let catalogue = Catalogue::load(&[RuleSource {
            files: vec![("v.toml".into(), rule)],
        }])
        .unwrap();
        let engine = Engine::new(&catalogue.rules(), &Settings::default());
        let items: Vec<String> = (0..1000)
            .map(|i| format!(r#"{{"resourceType": "AWS::EC2::Volume", "resourceId": "vol-{i}", "configuration": {{"encrypted": {}}}}}"#, i % 2 == 0))
            .collect();
        let text = format!(r#"{{"configurationItems": [{}]}}"#, items.join(","));
        let out = evaluate_document(&engine, "f.json", text.clone(), &|_| true).unwrap();
        assert_eq!(out.resources, 1000);
        let ids: Vec<&str> = out
            .findings
            .iter()
            .map(|f| f.resource_id.as_str())
            .collect();
        let expected: Vec<String> = (0..1000).map(|i| format!("vol-{i}")).collect();
        assert_eq!(ids, expected.iter().map(String::as_str).collect::<Vec<_>>());
        let only_odd = evaluate_document(&engine, "f.json", text, &|i| {
            i.resource_id.ends_with(['1', '3', '5', '7', '9'])
        })
        .unwrap();
        assert_eq!(only_odd.resources, 500);

        let bad = format!(
            r#"{{"configurationItems": [{}, 7, {}, 8]}}"#,
            items[0], items[1]
        );
        let err = evaluate_document(&engine, "f.json", bad, &|_| true).unwrap_err();
        assert!(err.to_string().contains("$.configurationItems[1]"), "{err}");
    }
}
