//! Evaluating a whole document fast and in bounded memory: one thread parses the
//! JSON and hands raw items over a bounded channel to workers that normalise and
//! judge them, and the caller's thread receives each item's findings in document
//! order and passes them on (to a writer, a score, a history batch) before the
//! next arrives. Parsing, evaluation and output overlap on every core, and no
//! more than a few hundred items or their findings are alive at once: a scan of
//! 100,000 items never holds 400,000 findings.
//!
//! Threads only: no I/O, no async; the caller supplies the text and the sink.

use crate::engine::Engine;
use crate::finding::Finding;
use crate::normalize::{item_at, load_document, stream_snapshot, InputError, Skipped};
use crate::resource::ConfigItem;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Mutex;

/// The result of one document, besides the findings handed to the sink.
#[derive(Debug, Default)]
pub struct Streamed {
    /// Envelopes that carried no item (listed in the report's errors).
    pub skipped: Vec<Skipped>,
    /// Items judged (after `keep`).
    pub resources: usize,
}

/// Why a document stopped: bad input (exit 2), or the sink failed (say, a
/// closed pipe or a full disk).
#[derive(Debug)]
pub enum StreamError<E> {
    Input(InputError),
    Sink(E),
}

/// The result of one document, findings gathered (small documents and tests).
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

/// Items per channel message.
const BATCH: usize = 32;

/// What a worker says about one item, by position.
enum Judged {
    Findings(Vec<Finding>),
    Filtered,
    Bad(InputError),
}

/// Parses, normalises and evaluates `text`, handing each judged item's findings
/// to `on_item` in document order; `keep` filters items (say by type). Takes the
/// text by value so it is released as soon as it is parsed.
pub fn stream_document<E>(
    engine: &Engine,
    file: &str,
    text: String,
    keep: &(dyn Fn(&ConfigItem) -> bool + Sync),
    on_item: &mut dyn FnMut(Vec<Finding>) -> Result<(), E>,
) -> Result<Streamed, StreamError<E>> {
    // Items travel in batches: one channel message per item cost more in
    // wake-ups than the evaluation of a small item.
    let (tx, rx) = sync_channel::<(usize, Vec<&RawValue>)>(16);
    let rx = Mutex::new(rx);
    let (done_tx, done_rx) = sync_channel::<(usize, Vec<Judged>)>(64);
    let stop = AtomicBool::new(false);
    let outcome = std::thread::scope(|scope| {
        for _ in 0..workers() {
            let done_tx = done_tx.clone();
            let rx = &rx;
            scope.spawn(move || loop {
                let next = rx.lock().map(|r| r.recv());
                let Ok(Ok((first, raws))) = next else { break };
                let judged: Vec<Judged> = raws
                    .into_iter()
                    .enumerate()
                    .map(|(n, raw)| match item_at(file, first + n, raw) {
                        Ok(item) if keep(&item) => {
                            let mut out = Vec::with_capacity(engine.rules_for(&item.resource_type));
                            engine.evaluate_into(&item, &mut out);
                            Judged::Findings(out)
                        }
                        Ok(_) => Judged::Filtered,
                        Err(e) => Judged::Bad(e),
                    })
                    .collect();
                // A closed channel means the consumer stopped; so do we.
                if done_tx.send((first, judged)).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        let text = &text;
        let stop = &stop;
        let parser = scope.spawn(move || {
            let mut batch: Vec<&RawValue> = Vec::with_capacity(BATCH);
            let mut first = 0;
            let streamed = stream_snapshot(file, text, &mut |i, v| {
                // After the consumer stopped, the rest is only parsed, not sent.
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                if batch.is_empty() {
                    first = i;
                }
                batch.push(v);
                if batch.len() == BATCH {
                    let _ = tx.send((
                        first,
                        std::mem::replace(&mut batch, Vec::with_capacity(BATCH)),
                    ));
                }
            });
            if !batch.is_empty() && !stop.load(Ordering::Relaxed) {
                let _ = tx.send((first, batch));
            }
            drop(tx);
            streamed
        });
        let consumed = consume_in_order(done_rx, on_item);
        // Unblock the parser when the consumer stopped early.
        stop.store(true, Ordering::Relaxed);
        if let Ok(r) = rx.lock() {
            while r.try_recv().is_ok() {}
        }
        let streamed = parser.join().unwrap_or(Ok(true));
        (streamed, consumed)
    });
    let (streamed, consumed) = outcome;
    // The receiver borrows the text; release it before the text may be read whole.
    drop(rx);
    let resources = consumed?;
    if !streamed.map_err(StreamError::Input)? {
        // Not a snapshot or history file: small documents of other forms, read whole.
        let loaded = load_document(file, &text).map_err(StreamError::Input)?;
        drop(text);
        let mut resources = 0;
        for item in loaded.items.iter().filter(|i| keep(i)) {
            resources += 1;
            let mut findings = Vec::new();
            engine.evaluate_into(item, &mut findings);
            on_item(findings).map_err(StreamError::Sink)?;
        }
        return Ok(Streamed {
            skipped: loaded.skipped,
            resources,
        });
    }
    Ok(Streamed {
        skipped: Vec::new(),
        resources,
    })
}

/// Receives judged items in any order and hands them on in document order; the
/// first bad item in document order stops the stream.
fn consume_in_order<E>(
    done: Receiver<(usize, Vec<Judged>)>,
    on_item: &mut dyn FnMut(Vec<Finding>) -> Result<(), E>,
) -> Result<usize, StreamError<E>> {
    let mut waiting: BTreeMap<usize, Vec<Judged>> = BTreeMap::new();
    let mut next = 0usize;
    let mut judged = 0usize;
    for (first, batch) in done.iter() {
        waiting.insert(first, batch);
        while let Some(batch) = waiting.remove(&next) {
            next += batch.len();
            for result in batch {
                match result {
                    Judged::Findings(findings) => {
                        judged += 1;
                        on_item(findings).map_err(StreamError::Sink)?;
                    }
                    Judged::Filtered => {}
                    Judged::Bad(e) => return Err(StreamError::Input(e)),
                }
            }
        }
    }
    Ok(judged)
}

/// [`stream_document`] with the findings gathered in one vector.
pub fn evaluate_document(
    engine: &Engine,
    file: &str,
    text: String,
    keep: &(dyn Fn(&ConfigItem) -> bool + Sync),
) -> Result<Evaluated, InputError> {
    let mut findings = Vec::new();
    let streamed =
        stream_document::<std::convert::Infallible>(engine, file, text, keep, &mut |f| {
            findings.extend(f);
            Ok(())
        })
        .map_err(|e| match e {
            StreamError::Input(e) => e,
            StreamError::Sink(never) => match never {},
        })?;
    Ok(Evaluated {
        findings,
        skipped: streamed.skipped,
        resources: streamed.resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Catalogue, RuleSource};
    use crate::settings::Settings;

    /// One rule: volumes must be encrypted.
    fn volume_engine() -> Engine {
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
        Engine::new(&catalogue.rules(), &Settings::default())
    }

    #[test]
    fn parallel_evaluation_keeps_document_order_and_reports_the_first_bad_item() {
        let engine = volume_engine();
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

    #[test]
    fn a_sink_that_fails_stops_the_stream_without_hanging() {
        let engine = volume_engine();
        // Far more items than every channel holds together, so a consumer that
        // stopped without unblocking the parser would hang here.
        let items: Vec<String> = (0..20_000)
            .map(|i| format!(r#"{{"resourceType": "AWS::EC2::Volume", "resourceId": "vol-{i}", "configuration": {{"encrypted": true}}}}"#))
            .collect();
        let text = format!(r#"{{"configurationItems": [{}]}}"#, items.join(","));
        let mut seen = Vec::new();
        let result = stream_document(&engine, "f.json", text, &|_| true, &mut |f| {
            seen.push(f[0].resource_id.clone());
            if seen.len() == 100 {
                Err("disk full")
            } else {
                Ok(())
            }
        });
        assert!(matches!(result, Err(StreamError::Sink("disk full"))));
        let expected: Vec<String> = (0..100).map(|i| format!("vol-{i}")).collect();
        assert_eq!(seen, expected);
    }
}
