//! The history model: what a scan leaves behind for auditors and trends, and the
//! comparisons made on it (diff between scans, which violations are new).
//!
//! A scan is stored as one [`ResourceRecord`] per resource (keyed by resource id
//! and the scan's timestamp, holding every rule outcome with its evidence and the
//! resource's own score) and one [`ScanSummary`], written last so a scan is visible
//! only once everything else was written. Both stores (DynamoDB and the local
//! file) keep exactly these shapes; the logic that reads them lives here so it is
//! the same for both and tested without either.

use crate::finding::{Evidence, Finding, Severity, Status};
use crate::report::ScanReport;
use crate::score::score_of;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One rule's outcome on one resource in one scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleOutcome {
    pub rule_id: String,
    pub status: Status,
    pub severity: Severity,
    pub evidence: Evidence,
}

/// Everything one scan said about one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceRecord {
    /// Partition key: the resource id (`*` for a type that could not be listed).
    pub resource_id: String,
    /// Sort key: the scan's time, ISO-8601 UTC with milliseconds.
    pub timestamp: String,
    pub scan_id: String,
    pub resource_type: String,
    pub arn: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub criticality: f64,
    /// The resource's own score over its rules, `None` when nothing was weighed.
    pub score: Option<f64>,
    pub outcomes: Vec<RuleOutcome>,
}

/// The scan as a whole; written after every resource record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanSummary {
    pub scan_id: String,
    pub timestamp: String,
    pub source: String,
    pub score: Option<f64>,
    pub threshold: f64,
    pub resources: usize,
    pub evaluations: usize,
    pub by_status: BTreeMap<String, usize>,
    pub failing_by_severity: BTreeMap<String, usize>,
    pub by_service: BTreeMap<String, Option<f64>>,
    pub errors: usize,
}

/// Splits a report into what the history stores keep.
pub fn records(report: &ScanReport) -> (Vec<ResourceRecord>, ScanSummary) {
    let mut by_resource: BTreeMap<(String, String, String), Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        let key = (
            f.resource_id.clone(),
            f.region.as_deref().unwrap_or_default().to_string(),
            f.resource_type.to_string(),
        );
        by_resource.entry(key).or_default().push(f);
    }
    let records = by_resource
        .into_values()
        .filter_map(|findings| record_of(&report.scan_id, &report.generated_at, findings))
        .collect();
    (records, summary_of(report))
}

/// The record of one resource: `findings` are that resource's outcomes in one
/// scan (a streamed scan hands each item's findings here as they are made).
pub fn record_of<'a>(
    scan_id: &str,
    timestamp: &str,
    findings: impl IntoIterator<Item = &'a Finding> + Clone,
) -> Option<ResourceRecord> {
    let first = findings.clone().into_iter().next()?;
    // A type that could not be listed is recorded once per type and region.
    let resource_id = if first.resource_id == "*" {
        format!(
            "*/{}/{}",
            first.resource_type,
            first.region.as_deref().unwrap_or("-")
        )
    } else {
        first.resource_id.clone()
    };
    Some(ResourceRecord {
        resource_id,
        timestamp: timestamp.to_string(),
        scan_id: scan_id.to_string(),
        resource_type: first.resource_type.to_string(),
        arn: first.arn.clone(),
        account: first.account.as_deref().map(str::to_string),
        region: first.region.as_deref().map(str::to_string),
        criticality: first.criticality,
        score: score_of(findings.clone()),
        outcomes: findings
            .into_iter()
            .map(|f| RuleOutcome {
                rule_id: f.rule_id.to_string(),
                status: f.status,
                severity: f.severity,
                evidence: f.evidence.clone(),
            })
            .collect(),
    })
}

/// The summary of a scan, from its report (findings are not read: a streamed
/// scan builds the report without them).
pub fn summary_of(report: &ScanReport) -> ScanSummary {
    ScanSummary {
        scan_id: report.scan_id.clone(),
        timestamp: report.generated_at.clone(),
        source: report.source.inputs.join(" "),
        score: report.score.overall,
        threshold: report.score.threshold,
        resources: report.summary.resources,
        evaluations: report.summary.evaluations,
        by_status: report.summary.by_status.clone(),
        failing_by_severity: report.summary.failing_by_severity.clone(),
        by_service: report
            .score
            .by_service
            .iter()
            .map(|(k, v)| (k.clone(), v.score))
            .collect(),
        errors: report.errors.len(),
    }
}

/// A violation: a non-compliant outcome of one rule on one resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Violation {
    pub rule_id: String,
    pub resource_id: String,
    pub region: Option<String>,
    pub severity: Severity,
}

/// The violations in a scan's records.
pub fn violations(records: &[ResourceRecord]) -> BTreeSet<Violation> {
    records
        .iter()
        .flat_map(|r| {
            r.outcomes
                .iter()
                .filter(|o| o.status == Status::NonCompliant)
                .map(move |o| Violation {
                    rule_id: o.rule_id.clone(),
                    resource_id: r.resource_id.clone(),
                    region: r.region.clone(),
                    severity: o.severity,
                })
        })
        .collect()
}

/// `first_seen` for a scan's open findings (non-compliant, error or
/// exempted), found by walking back through earlier scans, newest first: a
/// finding's run starts at the oldest scan of the unbroken series in which
/// the same finding id was open. The walk can stop as soon as
/// [`FirstSeen::earlier`] says nothing is still open.
#[derive(Debug, Default)]
pub struct FirstSeen {
    /// Finding id → (index in the scan's findings, earliest time seen open).
    open: std::collections::HashMap<String, (usize, String)>,
    /// Runs that ended: (index, earliest time).
    done: Vec<(usize, String)>,
}

fn is_open(status: Status) -> bool {
    matches!(
        status,
        Status::NonCompliant | Status::Error | Status::Exempted
    )
}

impl FirstSeen {
    /// Starts from the scan's own findings, taken at `timestamp`.
    pub fn new(findings: &[Finding], timestamp: &str) -> FirstSeen {
        FirstSeen {
            open: findings
                .iter()
                .enumerate()
                .filter(|(_, f)| is_open(f.status))
                .map(|(i, f)| (f.finding_id.clone(), (i, timestamp.to_string())))
                .collect(),
            done: Vec::new(),
        }
    }

    /// The next earlier scan; runs not open in it end. True while some run
    /// could still reach further back.
    pub fn earlier(&mut self, timestamp: &str, records: &[ResourceRecord]) -> bool {
        let mut still = std::collections::HashSet::new();
        for r in records {
            let resource_id = r.resource_id.as_str();
            let key = crate::finding::resource_key(r.arn.as_deref(), &r.resource_type, resource_id);
            for o in r.outcomes.iter().filter(|o| is_open(o.status)) {
                let id = crate::finding::finding_id(
                    &o.rule_id,
                    r.account.as_deref(),
                    r.region.as_deref(),
                    &key,
                );
                if let Some(entry) = self.open.get_mut(&id) {
                    entry.1 = timestamp.to_string();
                    still.insert(id);
                }
            }
        }
        // Runs that were not open in this scan are settled.
        let settled: Vec<String> = self
            .open
            .keys()
            .filter(|id| !still.contains(*id))
            .cloned()
            .collect();
        for id in settled {
            if let Some(done) = self.open.remove(&id) {
                self.done.push(done);
            }
        }
        !self.open.is_empty()
    }

    /// Writes `first_seen` into the findings [`FirstSeen::new`] was given.
    pub fn apply(mut self, findings: &mut [Finding]) {
        self.done.extend(self.open.into_values());
        for (i, when) in self.done {
            if let Some(f) = findings.get_mut(i) {
                f.first_seen = Some(when);
            }
        }
    }
}

/// What changed between two scans.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    pub from: String,
    pub to: String,
    pub new: Vec<Violation>,
    pub resolved: Vec<Violation>,
    pub persisting: Vec<Violation>,
}

pub fn diff(from_id: &str, from: &[ResourceRecord], to_id: &str, to: &[ResourceRecord]) -> Diff {
    // Severity can change when a rule is re-rated; a violation is the same one if rule and resource match.
    let key = |v: &Violation| (v.rule_id.clone(), v.resource_id.clone(), v.region.clone());
    let before: BTreeMap<_, Violation> =
        violations(from).into_iter().map(|v| (key(&v), v)).collect();
    let after: BTreeMap<_, Violation> = violations(to).into_iter().map(|v| (key(&v), v)).collect();
    Diff {
        from: from_id.to_string(),
        to: to_id.to_string(),
        new: after
            .iter()
            .filter(|(k, _)| !before.contains_key(*k))
            .map(|(_, v)| v.clone())
            .collect(),
        resolved: before
            .iter()
            .filter(|(k, _)| !after.contains_key(*k))
            .map(|(_, v)| v.clone())
            .collect(),
        persisting: after
            .iter()
            .filter(|(k, _)| before.contains_key(*k))
            .map(|(_, v)| v.clone())
            .collect(),
    }
}

/// `7d`, `24h`, `30m` before `now`, or a date / timestamp, as the ISO-8601 UTC
/// text stored timestamps compare against.
pub fn parse_since(text: &str, now: chrono::DateTime<chrono::Utc>) -> Result<String, String> {
    let t = text.trim();
    let relative = |unit: char, secs: i64| -> Option<Result<String, String>> {
        let n = t.strip_suffix(unit)?;
        Some(
            n.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .map(|n| crate::timestamp::format(&(now - chrono::Duration::seconds(n * secs))))
                .ok_or_else(|| format!("`{text}`: expected a number before `{unit}`")),
        )
    };
    if let Some(r) = relative('d', 86_400)
        .or_else(|| relative('h', 3_600))
        .or_else(|| relative('m', 60))
    {
        return r;
    }
    crate::timestamp::parse(&serde_json::Value::String(t.to_string()))
        .map(|d| crate::timestamp::format(&d))
        .ok_or_else(|| format!("`{text}`: use 7d, 24h, 30m or a date such as 2026-11-01"))
}

/// A terminal sparkline of scores (oldest first); gaps for scans without a score.
pub fn sparkline(scores: &[Option<f64>]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    scores
        .iter()
        .map(|s| match s {
            Some(v) => BARS[((v.clamp(0.0, 100.0) / 100.0) * 7.0).round() as usize],
            None => ' ',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn finding(rule: &str, resource: &str, status: Status, severity: Severity) -> Finding {
        Finding {
            finding_id: String::new(),
            rule_id: Arc::from(rule),
            title: Arc::from("t"),
            severity,
            category: Arc::from("c"),
            frameworks: Arc::from(Vec::new()),
            service: "s3".into(),
            resource_type: "AWS::S3::Bucket".into(),
            resource_id: resource.into(),
            resource_name: None,
            arn: Some(format!("arn:aws:s3:::{resource}")),
            region: Some("eu-west-1".into()),
            account: Some("1".into()),
            status,
            criticality: 2.0,
            evidence: Evidence::note("p", "e", "n"),
            remediation: None,
            exemption: None,
            source: None,
            message: None,
            first_seen: None,
        }
    }

    fn report(id: &str, findings: Vec<Finding>) -> ScanReport {
        ScanReport::build(
            crate::report::Meta {
                scan_id: id.into(),
                generated_at: format!("2026-11-22T00:00:0{}.000Z", id.len() % 10),
                version: "0".into(),
                source: crate::report::Source {
                    kind: "snapshot".into(),
                    inputs: vec!["x".into()],
                },
                resources: 2,
                rules: 2,
                threshold: 70.0,
            },
            findings,
            vec![],
            vec![],
        )
    }

    #[test]
    fn one_record_per_resource_with_every_outcome() {
        let r = report(
            "s1",
            vec![
                finding("a", "b1", Status::Compliant, Severity::High),
                finding("b", "b1", Status::NonCompliant, Severity::High),
                finding("a", "b2", Status::Compliant, Severity::Low),
            ],
        );
        let (records, summary) = records(&r);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].resource_id, "b1");
        assert_eq!(records[0].outcomes.len(), 2);
        assert_eq!(records[0].score, Some(50.0));
        assert_eq!(records[1].score, Some(100.0));
        assert_eq!(summary.scan_id, "s1");
        assert_eq!(summary.by_status["non_compliant"], 1);
    }

    #[test]
    fn diff_finds_new_resolved_and_persisting() {
        let (before, _) = records(&report(
            "s1",
            vec![
                finding("a", "b1", Status::NonCompliant, Severity::High),
                finding("b", "b1", Status::NonCompliant, Severity::High),
            ],
        ));
        let (after, _) = records(&report(
            "s2",
            vec![
                finding("a", "b1", Status::Compliant, Severity::High),
                finding("b", "b1", Status::NonCompliant, Severity::High),
                finding("a", "b2", Status::NonCompliant, Severity::Critical),
            ],
        ));
        let d = diff("s1", &before, "s2", &after);
        assert_eq!(d.resolved.len(), 1);
        assert_eq!(d.resolved[0].rule_id, "a");
        assert_eq!(d.new.len(), 1);
        assert_eq!(d.new[0].resource_id, "b2");
        assert_eq!(d.persisting.len(), 1);
    }

    #[test]
    fn first_seen_is_the_start_of_the_unbroken_run() {
        let open = |r: &str| finding(r, "b1", Status::NonCompliant, Severity::High).with_id();
        let fixed = |r: &str| finding(r, "b1", Status::Compliant, Severity::High).with_id();
        let (s1, _) = records(&report("s1", vec![open("a"), open("b")]));
        let (s2, _) = records(&report("s2", vec![fixed("a"), open("b")]));
        let (s3, _) = records(&report("s3", vec![open("a"), open("b")]));
        let mut now = vec![open("a"), open("b"), fixed("c")];
        let mut walk = FirstSeen::new(&now, "T4");
        assert!(walk.earlier("T3", &s3));
        assert!(walk.earlier("T2", &s2), "b is still open");
        assert!(!walk.earlier("T1", &s1.into_iter().take(0).collect::<Vec<_>>()));
        walk.apply(&mut now);
        assert_eq!(
            now[0].first_seen.as_deref(),
            Some("T3"),
            "a was fixed in s2"
        );
        assert_eq!(now[1].first_seen.as_deref(), Some("T2"));
        assert_eq!(now[2].first_seen, None, "compliant findings have none");
    }

    #[test]
    fn since_accepts_ages_and_dates() {
        let now = crate::timestamp::parse(&serde_json::json!("2026-11-22T12:00:00Z")).unwrap();
        assert_eq!(parse_since("7d", now).unwrap(), "2026-11-15T12:00:00.000Z");
        assert_eq!(parse_since("2h", now).unwrap(), "2026-11-22T10:00:00.000Z");
        assert_eq!(
            parse_since("2026-11-01", now).unwrap(),
            "2026-11-01T00:00:00.000Z"
        );
        assert!(parse_since("soon", now).is_err());
        assert!(parse_since("xd", now).is_err());
    }

    #[test]
    fn sparkline_spans_the_range() {
        assert_eq!(
            sparkline(&[Some(0.0), Some(100.0), None, Some(50.0)]),
            "▁█ ▅"
        );
    }
}
