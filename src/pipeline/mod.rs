//! The scan pipeline: sources → normalise → evaluate → score → sinks.
//!
//! Commands parse flags and build a [`Run`]; a source (snapshot files in
//! [`snapshot`], the live APIs in [`live`]; later the AWS Config inventory and
//! other accounts) feeds it each resource's findings as they are made; the run
//! applies exemptions, dates open findings (`first_seen`, from the previous
//! stored scan's runs when history is kept), keeps the running score and summary, and hands the
//! findings on to its [`Sink`]s (a report renderer in [`render`], the history
//! batch in [`history`]) before the next resource arrives. Nothing on this path
//! holds every finding of a scan, so a 100,000-resource snapshot streams in
//! bounded memory. What happens after the findings are out (storing history,
//! alerts, metrics) is in [`history`]; which history store a command uses is in
//! [`stores`]. Adding a source or a sink is one file here.

pub mod accounts;
pub mod history;
pub mod live;
pub mod remediate;
pub mod render;
pub mod report_source;
pub mod snapshot;
pub mod stores;

use crate::cli::GlobalArgs;
use crate::core::exemption::{Exemptions, ExpiredExemption};
use crate::core::finding::{Finding, Severity};
use crate::core::report::{Meta, RuleInfo, ScanError, ScanReport, Source, SummaryBuilder};
use crate::core::rule::Rule;
use crate::core::score::ScoreBuilder;
use crate::core::settings::Settings;
use crate::core::timestamp;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Why a sink could not take findings.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("cannot write the report: {0}")]
    Io(#[from] std::io::Error),
}

/// Something that takes a scan's findings as they are made.
pub trait Sink: Send {
    /// One resource's findings (exemptions already applied), in source order.
    fn item(&mut self, findings: &[Finding]) -> Result<(), SinkError>;
    /// The scan is over: `report` has the score, summary and errors, and no
    /// findings (they went through [`Sink::item`]).
    fn finish(&mut self, report: &ScanReport) -> Result<(), SinkError>;
}

/// What is fixed before a scan starts.
pub struct Head {
    pub scan_id: String,
    pub generated_at: String,
    pub threshold: f64,
    /// The rules the scan runs, for the report's `rules` section.
    pub rules: Vec<Arc<Rule>>,
}

impl Head {
    /// What a report format knows before the first finding: the scan id,
    /// time and tool, and every rule the scan runs (the final report lists
    /// only those with findings).
    pub fn report(&self) -> ScanReport {
        let mut report = ScanReport::build(
            Meta {
                scan_id: self.scan_id.clone(),
                generated_at: self.generated_at.clone(),
                version: env!("CARGO_PKG_VERSION").to_string(),
                source: Source {
                    kind: "scan".into(),
                    inputs: Vec::new(),
                },
                resources: 0,
                rules: self.rules.len(),
                threshold: self.threshold,
            },
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        report.rules = self.rules.iter().map(|r| RuleInfo::of(r)).collect();
        report
    }

    /// A new scan id (UUID v7: sortable by time) and the time now.
    pub fn now(rules: &[Arc<Rule>], settings: &Settings) -> Head {
        Head {
            scan_id: uuid::Uuid::now_v7().to_string(),
            generated_at: timestamp::format(&chrono::Utc::now()),
            threshold: settings.scoring.threshold,
            rules: rules.to_vec(),
        }
    }
}

/// One scan in progress: the running totals and the sinks.
pub struct Run {
    head: Head,
    exemptions: Exemptions,
    score: ScoreBuilder,
    summary: SummaryBuilder,
    rules_seen: BTreeSet<Arc<str>>,
    /// With history: finding id → `first_seen` of the runs open in the
    /// previous stored scan (see [`Run::date_from`]).
    run_starts: Option<HashMap<String, String>>,
    sinks: Vec<Box<dyn Sink>>,
}

impl Run {
    pub fn new(head: Head, settings: &Settings, sinks: Vec<Box<dyn Sink>>) -> Run {
        let today = chrono::Utc::now().date_naive();
        Run {
            exemptions: Exemptions::new(&settings.exemptions, today),
            head,
            score: ScoreBuilder::default(),
            summary: SummaryBuilder::default(),
            rules_seen: BTreeSet::new(),
            run_starts: None,
            sinks,
        }
    }

    /// The scan keeps history: its open findings get `first_seen`, from
    /// `starts` (the runs open in the previous stored scan, by finding id)
    /// or, for a run that starts now, the scan's own time. The findings the
    /// sinks see carry it, so the report and the history records agree.
    pub fn date_from(&mut self, starts: HashMap<String, String>) {
        self.run_starts = Some(starts);
    }

    /// Takes one resource's findings: exemptions, totals, then every sink.
    pub fn item(&mut self, mut findings: Vec<Finding>) -> Result<(), SinkError> {
        if findings.is_empty() {
            return Ok(());
        }
        self.exemptions.apply(&mut findings);
        if let Some(starts) = &self.run_starts {
            for f in &mut findings {
                crate::core::history::set_first_seen(f, starts, &self.head.generated_at);
            }
        }
        for f in &findings {
            self.score.add(f);
            self.summary.add(f);
            if !self.rules_seen.contains(&f.rule_id) {
                self.rules_seen.insert(f.rule_id.clone());
            }
        }
        for sink in &mut self.sinks {
            sink.item(&findings)?;
        }
        Ok(())
    }

    /// Failing findings at or above `fail_on` so far.
    pub fn failing_at(&self, fail_on: Option<Severity>) -> usize {
        self.summary.failing_at(fail_on)
    }

    /// Ends the scan: builds the report (without findings) and lets every sink
    /// finish; the sinks are dropped here, so a report writer is closed.
    pub fn finish(
        mut self,
        source: Source,
        resources: usize,
        errors: Vec<ScanError>,
    ) -> Result<ScanReport, SinkError> {
        let expired: Vec<ExpiredExemption> = self.exemptions.expired();
        let rule_count = self.head.rules.len();
        let mut report = ScanReport::build(
            Meta {
                scan_id: self.head.scan_id.clone(),
                generated_at: self.head.generated_at.clone(),
                version: env!("CARGO_PKG_VERSION").to_string(),
                source,
                resources,
                rules: rule_count,
                threshold: self.head.threshold,
            },
            Vec::new(),
            errors,
            expired,
        );
        report.score = std::mem::take(&mut self.score).finish(self.head.threshold);
        report.summary = self.summary.finish(resources, rule_count);
        report.rules = self
            .head
            .rules
            .iter()
            .filter(|r| self.rules_seen.contains(r.id.as_str()))
            .map(|r| RuleInfo::of(r))
            .collect();
        for sink in &mut self.sinks {
            sink.finish(&report)?;
        }
        Ok(report)
    }
}

/// How to reach AWS: the global flags plus the command's retry and timeout budget.
pub fn connection(
    global: &GlobalArgs,
    max_attempts: u32,
    call_timeout: std::time::Duration,
) -> crate::aws::Connection {
    crate::aws::Connection {
        profile: global.profile.clone(),
        region: global.region.clone(),
        endpoint_url: global.endpoint_url.clone(),
        max_attempts,
        call_timeout,
    }
}
