//! What a scan leaves behind: one history record per resource, built as the
//! findings stream past, then written with the scan's summary to the history
//! store (the suffix's DynamoDB table, else the local file); with a suffix, the
//! alert and the metrics follow. The findings are already out when this runs,
//! so a failure here is reported and never loses them.
//!
//! Before the scan, [`previous_scan`] reads the previous stored scan once: the
//! runs its open findings started (so this scan's findings keep their
//! `first_seen`) and, for the alert, its violations.

use crate::aws::alerts;
use crate::cli::{AlertOnChoice, GlobalArgs, StoreArgs};
use crate::core::alert::{compose, AlertOn, Previous};
use crate::core::finding::Finding;
use crate::core::history::{record_of, summary_of, violations, ResourceRecord, ScanSummary};
use crate::core::report::ScanReport;
use crate::pipeline::stores::{self, Stack};
use crate::pipeline::{Head, Sink, SinkError};
use crate::store::local::{LocalStore, ScanWriter};
use crate::store::HistoryStore;
use crate::store::StoreError;
use anyhow::Result;
use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Writes the scan's records into the local store as findings arrive, in one
/// transaction committed with the summary when the scan ends, so history costs
/// the memory of one batch, not of the scan. Encoding and inserting run on a
/// thread of their own, beside the report writer. A store that cannot be opened
/// or written stops only the history: the findings still go out, and the
/// command reports the failure (exit 3).
#[derive(Clone)]
pub struct LocalRecords {
    scan_id: Arc<str>,
    timestamp: Arc<str>,
    state: Arc<Mutex<LocalState>>,
}

/// What the writer thread is sent.
enum ToWriter {
    Records(Vec<ResourceRecord>),
    Commit(Box<ScanSummary>),
}

struct LocalState {
    path: String,
    sender: Option<SyncSender<ToWriter>>,
    writer: Option<JoinHandle<Result<usize, StoreError>>>,
    pending: Vec<ResourceRecord>,
    error: Option<StoreError>,
    written: usize,
}

/// Records handed to the writer thread per message.
const RECORDS_PER_MESSAGE: usize = 256;

impl LocalRecords {
    pub fn open(target: &StoreArgs, head: &Head) -> LocalRecords {
        let mut state = LocalState {
            path: String::new(),
            sender: None,
            writer: None,
            pending: Vec::new(),
            error: None,
            written: 0,
        };
        match LocalStore::locate(target.store.as_deref()).and_then(|store| {
            state.path = store.path().display().to_string();
            store.begin_scan()
        }) {
            Ok(writer) => {
                let (tx, rx) = sync_channel::<ToWriter>(16);
                state.sender = Some(tx);
                state.writer = Some(std::thread::spawn(move || write_all(writer, rx)));
            }
            Err(e) => state.error = Some(e),
        }
        LocalRecords {
            scan_id: Arc::from(head.scan_id.as_str()),
            timestamp: Arc::from(head.generated_at.as_str()),
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// After the run: where the scan was stored and how many records, or why not.
    pub fn outcome(&self) -> Result<(String, usize), String> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| "history writer poisoned".to_string())?;
        match state.error.take() {
            Some(e) => Err(format!(
                "history not written ({e}); the scan is not recorded"
            )),
            None => Ok((state.path.clone(), state.written)),
        }
    }
}

/// The writer thread: inserts what it is sent and commits on `Commit`; a
/// closed channel without it (the scan failed) leaves the store as it was.
fn write_all(mut writer: ScanWriter, rx: Receiver<ToWriter>) -> Result<usize, StoreError> {
    let mut written = 0;
    for message in rx {
        match message {
            ToWriter::Records(records) => {
                for r in &records {
                    writer.put(r)?;
                }
                written += records.len();
            }
            ToWriter::Commit(summary) => {
                writer.commit(&summary)?;
                return Ok(written);
            }
        }
    }
    Ok(0)
}

impl LocalState {
    /// Sends what is pending; a writer that stopped (it failed) is joined for its error.
    fn send(&mut self, message: ToWriter) {
        let sent = match &self.sender {
            Some(tx) => tx.send(message).is_ok(),
            None => return,
        };
        if !sent {
            self.join();
        }
    }

    fn join(&mut self) {
        self.sender = None;
        if let Some(handle) = self.writer.take() {
            match handle.join() {
                Ok(Ok(n)) => self.written = n,
                Ok(Err(e)) => self.error = Some(e),
                Err(_) => {
                    self.error = Some(StoreError::Local {
                        path: self.path.clone(),
                        message: "the history writer stopped unexpectedly".into(),
                    })
                }
            }
        }
    }
}

impl Sink for LocalRecords {
    fn item(&mut self, findings: &[Finding]) -> Result<(), SinkError> {
        let Ok(mut state) = self.state.lock() else {
            return Ok(());
        };
        if state.sender.is_none() {
            return Ok(());
        }
        each_record(&self.scan_id, &self.timestamp, findings, |r| {
            state.pending.push(r)
        });
        if state.pending.len() >= RECORDS_PER_MESSAGE {
            let batch = std::mem::take(&mut state.pending);
            state.send(ToWriter::Records(batch));
        }
        Ok(())
    }

    fn finish(&mut self, report: &ScanReport) -> Result<(), SinkError> {
        let Ok(mut state) = self.state.lock() else {
            return Ok(());
        };
        let batch = std::mem::take(&mut state.pending);
        if !batch.is_empty() {
            state.send(ToWriter::Records(batch));
        }
        state.send(ToWriter::Commit(Box::new(summary_of(report))));
        state.join();
        Ok(())
    }
}

/// Builds the scan's history records as findings arrive (one per resource), for
/// the stack's DynamoDB table, written after the scan (see [`record`]).
#[derive(Clone)]
pub struct Records {
    scan_id: Arc<str>,
    timestamp: Arc<str>,
    records: Arc<Mutex<Vec<ResourceRecord>>>,
}

impl Records {
    pub fn new(head: &Head) -> Records {
        Records {
            scan_id: Arc::from(head.scan_id.as_str()),
            timestamp: Arc::from(head.generated_at.as_str()),
            records: Arc::default(),
        }
    }

    pub fn take(&self) -> Vec<ResourceRecord> {
        self.records
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// One record per resource in a batch of findings. Live scans hand over the
/// error findings of unlisted types in one batch per type and region;
/// snapshots one batch per item. Either way each record is one resource.
fn each_record(
    scan_id: &str,
    timestamp: &str,
    findings: &[Finding],
    mut take: impl FnMut(ResourceRecord),
) {
    let mut start = 0;
    while start < findings.len() {
        let first = &findings[start];
        let end = findings[start..]
            .iter()
            .position(|f| {
                f.resource_id != first.resource_id || f.resource_type != first.resource_type
            })
            .map_or(findings.len(), |n| start + n);
        if let Some(r) = record_of(scan_id, timestamp, &findings[start..end]) {
            take(r);
        }
        start = end;
    }
}

impl Sink for Records {
    fn item(&mut self, findings: &[Finding]) -> Result<(), SinkError> {
        if let Ok(mut records) = self.records.lock() {
            each_record(&self.scan_id, &self.timestamp, findings, |r| {
                records.push(r)
            });
        }
        Ok(())
    }

    fn finish(&mut self, _report: &ScanReport) -> Result<(), SinkError> {
        Ok(())
    }
}

/// What a scan reads of the previous stored scan before it starts.
pub struct PreviousScan {
    /// Finding id → `first_seen` of the runs open in it (see [`crate::pipeline::Run::date_from`]).
    pub run_starts: HashMap<String, String>,
    /// Its violations and whether it was below the threshold, when asked
    /// for (the suffix's alert compares with them).
    pub previous: Option<Previous>,
}

/// Reads the latest stored scan of `store` once: the runs of its open
/// findings (recorded, else a bounded walk back for records of older
/// versions) and, with `alerts`, what the alert compares with. An empty
/// store has neither: every open finding of this scan starts its run now.
pub async fn previous_scan<S: HistoryStore>(
    store: &S,
    alerts: bool,
) -> Result<PreviousScan, StoreError> {
    let scans = store.scans(None).await?;
    let Some(last) = scans.last() else {
        return Ok(PreviousScan {
            run_starts: HashMap::new(),
            previous: alerts.then(Previous::default),
        });
    };
    let records = store.scan_records(&last.scan_id).await?;
    let previous = alerts.then(|| Previous {
        violations: violations(&records),
        below_threshold: last.score.is_some_and(|s| s < last.threshold),
    });
    let run_starts = stores::run_starts(store, &scans, scans.len() - 1, &records).await?;
    Ok(PreviousScan {
        run_starts,
        previous,
    })
}

/// The suffix's stack and its previous scan, read before the scan (so
/// [`record`] reads neither again).
pub struct TableStart {
    pub stack: Stack,
    pub previous: Previous,
}

/// Before a scan that keeps history: the runs open in the previous stored
/// scan of the store the scan writes to (for [`crate::pipeline::Run::date_from`])
/// and, with a suffix, the stack and what the alert compares with. Never
/// fails: if the previous scan cannot be read, the findings carry no
/// `first_seen` (a later `report` dates them by walking back) and the scan
/// goes on; a stack that cannot be loaded is reported by [`record`] after the
/// findings are out.
pub async fn before_scan(
    global: &GlobalArgs,
    target: &StoreArgs,
) -> (Option<HashMap<String, String>>, Option<TableStart>) {
    let read = match &target.suffix {
        None => match stores::local(target) {
            Ok(store) => previous_scan(&store, false)
                .await
                .map(|p| (p.run_starts, None))
                .map_err(|e| e.to_string()),
            Err(e) => Err(format!("{e:#}")),
        },
        Some(suffix) => {
            let stack = match stores::stack(global, suffix).await {
                Ok(stack) => stack,
                Err(e) => {
                    tracing::debug!("stack not loaded before the scan: {e:#}");
                    return (None, None);
                }
            };
            match previous_scan(&stores::dynamo(&stack), true).await {
                Ok(p) => {
                    let previous = p.previous.unwrap_or_default();
                    Ok((p.run_starts, Some(TableStart { stack, previous })))
                }
                Err(e) => Err(e.to_string()),
            }
        }
    };
    match read {
        Ok((starts, table)) => (Some(starts), table),
        Err(e) => {
            tracing::warn!(
                "the previous scan could not be read, findings carry no first_seen: {e}"
            );
            (None, None)
        }
    }
}

/// Where and how a scan is recorded.
pub struct Recording<'a> {
    pub global: &'a GlobalArgs,
    pub alert_on: &'a [AlertOnChoice],
    pub realert: bool,
    pub duration_secs: f64,
}

/// Stores the scan in the suffix's history table, then sends the alert and
/// publishes the metrics. The previous scan is compared with so violations it
/// already had are not announced again: `start` when it was read before the
/// scan, else it is read now. `failing` are the scan's failing findings (for
/// the alert's list of the worst ones).
pub async fn record(
    how: &Recording<'_>,
    suffix: &str,
    report: &ScanReport,
    records: Vec<ResourceRecord>,
    failing: Vec<Finding>,
    start: Option<TableStart>,
) -> Result<()> {
    let not_written = |e: &dyn std::fmt::Display| {
        anyhow::anyhow!("history not written ({e}); the scan is not recorded")
    };
    // The stack is loaded once: its table, topic and metrics.
    let (stack, previous) = match start {
        Some(TableStart { stack, previous }) => (stack, previous),
        None => {
            let stack = stores::stack(how.global, suffix)
                .await
                .map_err(|e| not_written(&format!("{e:#}")))?;
            let store = stores::dynamo(&stack);
            let previous = async {
                Ok::<_, StoreError>(match store.scans(None).await?.last() {
                    Some(last) => Previous {
                        violations: violations(&store.scan_records(&last.scan_id).await?),
                        below_threshold: last.score.is_some_and(|s| s < last.threshold),
                    },
                    None => Previous::default(),
                })
            }
            .await
            .map_err(|e| not_written(&e))?;
            (stack, previous)
        }
    };
    let store = stores::dynamo(&stack);
    let summary = summary_of(report);
    store
        .write_scan(&records, &summary)
        .await
        .map_err(|e| not_written(&e))?;
    tracing::info!(
        "scan {} stored in history ({} resource records)",
        report.scan_id,
        records.len()
    );
    drop(records);
    // Alerts and metrics go to the stack's topic and namespace; each failure is
    // reported, and the other is still attempted.
    let mut problems = Vec::new();
    let on: Vec<AlertOn> = how
        .alert_on
        .iter()
        .map(|a| match a {
            AlertOnChoice::Critical => AlertOn::Critical,
            AlertOnChoice::High => AlertOn::High,
            AlertOnChoice::Score => AlertOn::Score,
        })
        .collect();
    let mut with_failing = report.clone();
    with_failing.findings = failing;
    if let Some(alert) = compose(&with_failing, suffix, &on, &previous, how.realert) {
        match alerts::publish(&stack.aws, &stack.region, &stack.topic_arn, &alert).await {
            Ok(id) => tracing::info!(
                "alert sent to {} (message {id}): {}",
                stack.topic_arn,
                alert.subject
            ),
            Err(e) => problems.push(format!("alert not sent: {e}")),
        }
    }
    let metrics = crate::core::metrics::of_scan(report, how.duration_secs);
    if let Err(e) = crate::aws::metrics::publish(&stack.aws, &stack.region, suffix, &metrics).await
    {
        problems.push(format!("metrics not published: {e}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(problems.join("; ")))
    }
}
