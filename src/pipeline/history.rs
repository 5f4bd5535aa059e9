//! What a scan leaves behind: one history record per resource, built as the
//! findings stream past, then written with the scan's summary to the history
//! store (the suffix's DynamoDB table, else the local file); with a suffix, the
//! alert and the metrics follow. The findings are already out when this runs,
//! so a failure here is reported and never loses them.

use crate::aws::alerts;
use crate::cli::{AlertOnChoice, GlobalArgs, StoreArgs};
use crate::core::alert::{compose, AlertOn, Previous};
use crate::core::finding::Finding;
use crate::core::history::{record_of, summary_of, violations, ResourceRecord};
use crate::core::report::ScanReport;
use crate::pipeline::stores;
use crate::pipeline::{Head, Sink, SinkError};
use crate::store::local::{LocalStore, ScanWriter};
use crate::store::HistoryStore;
use crate::store::StoreError;
use anyhow::Result;
use std::sync::{Arc, Mutex};

/// Writes the scan's records into the local store as findings arrive, in one
/// transaction committed with the summary when the scan ends, so history costs
/// the memory of one batch, not of the scan. A store that cannot be opened or
/// written stops only the history: the findings still go out, and the command
/// reports the failure (exit 3).
#[derive(Clone)]
pub struct LocalRecords {
    scan_id: Arc<str>,
    timestamp: Arc<str>,
    state: Arc<Mutex<LocalState>>,
}

struct LocalState {
    writer: Option<ScanWriter>,
    path: String,
    error: Option<StoreError>,
    written: usize,
}

impl LocalRecords {
    pub fn open(target: &StoreArgs, head: &Head) -> LocalRecords {
        let (writer, path, error) = match LocalStore::locate(target.store.as_deref()) {
            Ok(store) => {
                let path = store.path().display().to_string();
                match store.begin_scan() {
                    Ok(w) => (Some(w), path, None),
                    Err(e) => (None, path, Some(e)),
                }
            }
            Err(e) => (None, String::new(), Some(e)),
        };
        LocalRecords {
            scan_id: Arc::from(head.scan_id.as_str()),
            timestamp: Arc::from(head.generated_at.as_str()),
            state: Arc::new(Mutex::new(LocalState {
                writer,
                path,
                error,
                written: 0,
            })),
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

impl Sink for LocalRecords {
    fn item(&mut self, findings: &[Finding]) -> Result<(), SinkError> {
        let Ok(mut state) = self.state.lock() else {
            return Ok(());
        };
        let state = &mut *state;
        let Some(writer) = &mut state.writer else {
            return Ok(());
        };
        let mut failed = None;
        let mut written = 0;
        each_record(&self.scan_id, &self.timestamp, findings, |r| {
            if failed.is_none() {
                match writer.put(&r) {
                    Ok(()) => written += 1,
                    Err(e) => failed = Some(e),
                }
            }
        });
        state.written += written;
        if let Some(e) = failed {
            state.error = Some(e);
            state.writer = None;
        }
        Ok(())
    }

    fn finish(&mut self, report: &ScanReport) -> Result<(), SinkError> {
        let Ok(mut state) = self.state.lock() else {
            return Ok(());
        };
        if let Some(writer) = state.writer.take() {
            if let Err(e) = writer.commit(&summary_of(report)) {
                state.error = Some(e);
            }
        }
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

/// Where and how a scan is recorded.
pub struct Recording<'a> {
    pub global: &'a GlobalArgs,
    pub alert_on: &'a [AlertOnChoice],
    pub realert: bool,
    pub duration_secs: f64,
}

/// Stores the scan in the suffix's history table, then sends the alert and
/// publishes the metrics. The previous scan is read first so violations it
/// already had are not announced again. `failing` are the scan's failing
/// findings (for the alert's list of the worst ones).
pub async fn record(
    how: &Recording<'_>,
    suffix: &str,
    report: &ScanReport,
    records: Vec<ResourceRecord>,
    failing: Vec<Finding>,
) -> Result<()> {
    let not_written = |e: &dyn std::fmt::Display| {
        anyhow::anyhow!("history not written ({e}); the scan is not recorded")
    };
    // The stack is loaded once: its table, topic and metrics.
    let stack = stores::stack(how.global, suffix)
        .await
        .map_err(|e| not_written(&format!("{e:#}")))?;
    let store = stores::dynamo(&stack);
    let previous = async {
        Ok::<_, crate::store::StoreError>(match store.scans(None).await?.last() {
            Some(last) => Previous {
                violations: violations(&store.scan_records(&last.scan_id).await?),
                below_threshold: last.score.is_some_and(|s| s < last.threshold),
            },
            None => Previous::default(),
        })
    }
    .await
    .map_err(|e| not_written(&e))?;
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
