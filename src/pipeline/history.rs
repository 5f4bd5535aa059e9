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
use crate::pipeline::stores::{self, AnyStore};
use crate::pipeline::{Head, Sink, SinkError};
use crate::store::HistoryStore;
use anyhow::Result;
use std::sync::{Arc, Mutex};

/// Builds the scan's history records as findings arrive (one per resource).
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

impl Sink for Records {
    fn item(&mut self, findings: &[Finding]) -> Result<(), SinkError> {
        // Live scans hand over the error findings of unlisted types in one batch
        // per type and region; snapshots one batch per item. Either way, split
        // by resource so each record is one resource.
        let mut start = 0;
        while start < findings.len() {
            let first = &findings[start];
            let end = findings[start..]
                .iter()
                .position(|f| {
                    f.resource_id != first.resource_id || f.resource_type != first.resource_type
                })
                .map_or(findings.len(), |n| start + n);
            if let Some(r) = record_of(&self.scan_id, &self.timestamp, &findings[start..end]) {
                if let Ok(mut records) = self.records.lock() {
                    records.push(r);
                }
            }
            start = end;
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
    /// `--suffix` (its table, topic and metrics) or `--store` (a local file).
    pub target: &'a StoreArgs,
    pub alert_on: &'a [AlertOnChoice],
    pub realert: bool,
    pub duration_secs: f64,
}

/// Stores the scan in history and, with a suffix, sends the alert and publishes
/// the metrics. The previous scan is read first so violations it already had
/// are not announced again. `failing` are the scan's failing findings (for the
/// alert's list of the worst ones).
pub async fn record(
    how: &Recording<'_>,
    report: &ScanReport,
    records: Vec<ResourceRecord>,
    failing: Vec<Finding>,
) -> Result<()> {
    let not_written = |e: &dyn std::fmt::Display| {
        anyhow::anyhow!("history not written ({e}); the scan is not recorded")
    };
    // With a suffix the stack is loaded once: its table, topic and metrics.
    let suffix = how.target.suffix.as_deref();
    let stack = match suffix {
        Some(suffix) => Some(
            stores::stack(how.global, suffix)
                .await
                .map_err(|e| not_written(&format!("{e:#}")))?,
        ),
        None => None,
    };
    let store = match &stack {
        Some(stack) => stores::dynamo(stack),
        None => {
            AnyStore::Local(stores::local(how.target).map_err(|e| not_written(&format!("{e:#}")))?)
        }
    };
    let previous = if stack.is_some() {
        async {
            Ok::<_, crate::store::StoreError>(match store.scans(None).await?.last() {
                Some(last) => Previous {
                    violations: violations(&store.scan_records(&last.scan_id).await?),
                    below_threshold: last.score.is_some_and(|s| s < last.threshold),
                },
                None => Previous::default(),
            })
        }
        .await
        .map_err(|e| not_written(&e))?
    } else {
        Previous::default()
    };
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
    let (Some(suffix), Some(stack)) = (suffix, stack) else {
        return Ok(());
    };
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
