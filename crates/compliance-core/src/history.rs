//! The history model: what a scan leaves behind for auditors and trends, and the
//! comparisons made on it (diff between scans, which violations are new).
//!
//! A scan is stored as one [`ResourceRecord`] per resource (keyed by resource id
//! and the scan's timestamp, holding every rule outcome with its evidence and the
//! resource's own score) and one [`ScanSummary`], written last so a scan is visible
//! only once everything else was written. Both stores (DynamoDB and the local
//! file) keep exactly these shapes; the logic that reads them lives here so it is
//! the same for both and tested without either.
//!
//! Each open outcome (non-compliant, error, exempted) also keeps its
//! `first_seen`, the start of its unbroken run of open scans, set by the scan
//! from the previous scan's records ([`RunStarts`]), and the exemption that
//! applied, so a stored scan renders like the scan did. Records written before
//! those fields existed have neither; their `first_seen` is found by walking
//! back through earlier scans, at most [`FIRST_SEEN_WALK`] of them: a run
//! still open at that bound gets the oldest scan's time reached, which is then
//! later than the truth.

use crate::finding::{AppliedExemption, Evidence, Finding, Severity, Status};
use crate::report::ScanReport;
use crate::score::score_of;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One rule's outcome on one resource in one scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleOutcome {
    pub rule_id: String,
    pub status: Status,
    pub severity: Severity,
    pub evidence: Evidence,
    /// Open outcomes: when the run of scans in which this finding was open
    /// started (ISO-8601 UTC). Absent in records of earlier versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// Exempted outcomes: the exemption that applied (reason, owner, expiry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption: Option<AppliedExemption>,
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
                first_seen: f.first_seen.clone(),
                exemption: f.exemption.as_deref().cloned(),
            })
            .collect(),
    })
}

/// The resource id the scan gave a record's findings: a type that could not
/// be listed is recorded as `*/type/region` (one record per type and region)
/// but its findings say `*`.
pub fn scanned_resource_id(r: &ResourceRecord) -> &str {
    if r.resource_id.starts_with("*/") {
        "*"
    } else {
        &r.resource_id
    }
}

/// The finding id of a stored outcome: the id the scan gave that finding.
pub fn outcome_id(r: &ResourceRecord, o: &RuleOutcome) -> String {
    let key =
        crate::finding::resource_key(r.arn.as_deref(), &r.resource_type, scanned_resource_id(r));
    crate::finding::finding_id(&o.rule_id, r.account.as_deref(), r.region.as_deref(), &key)
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

/// How many earlier scans a walk for `first_seen` reads at most. The walk is
/// needed only for open outcomes recorded without `first_seen` (by versions
/// before it was recorded), and each step reads a whole scan's records, so
/// without a bound a report of a long-open violation would read every scan
/// ever stored. Thirty daily scans cover a month; a run still open at the
/// bound gets the oldest scan's time reached.
pub const FIRST_SEEN_WALK: usize = 30;

/// Whether an outcome is part of a run `first_seen` dates: a violation still
/// to fix (non-compliant), a check that could not run (error), or one
/// accepted for now (exempted).
pub fn is_open(status: Status) -> bool {
    matches!(
        status,
        Status::NonCompliant | Status::Error | Status::Exempted
    )
}

/// `first_seen` of a stored scan's open outcomes, by finding id: the recorded
/// one where there is one; for outcomes recorded without it, the earliest
/// scan of the unbroken run found by walking back ([`RunStarts::earlier`],
/// newest first, at most [`FIRST_SEEN_WALK`] scans).
///
/// A scan builds it from the previous stored scan: a finding open there keeps
/// that `first_seen`, any other open finding starts its run now. `report`
/// builds it from the scan it renders.
#[derive(Debug, Default)]
pub struct RunStarts {
    /// Finding id → the start of its run, settled.
    settled: HashMap<String, String>,
    /// Finding id → the earliest scan reached in which it was open, for
    /// outcomes recorded without `first_seen`.
    unsettled: HashMap<String, String>,
    /// Earlier scans read so far.
    walked: usize,
}

impl RunStarts {
    /// Starts from a stored scan's records, taken at `timestamp`.
    pub fn of(timestamp: &str, records: &[ResourceRecord]) -> RunStarts {
        let mut starts = RunStarts::default();
        for r in records {
            for o in r.outcomes.iter().filter(|o| is_open(o.status)) {
                let id = outcome_id(r, o);
                match &o.first_seen {
                    Some(first) => starts.settled.insert(id, first.clone()),
                    None => starts.unsettled.insert(id, timestamp.to_string()),
                };
            }
        }
        starts
    }

    /// True while some run needs an earlier scan to be dated and the walk
    /// has not reached [`FIRST_SEEN_WALK`].
    pub fn needs_earlier(&self) -> bool {
        !self.unsettled.is_empty() && self.walked < FIRST_SEEN_WALK
    }

    /// The next earlier scan (newest first): a run open in it reaches back to
    /// it (or to the `first_seen` it recorded); a run not open in it started
    /// in the scan after it.
    pub fn earlier(&mut self, timestamp: &str, records: &[ResourceRecord]) {
        self.walked += 1;
        let mut still = HashMap::new();
        for r in records {
            for o in r.outcomes.iter().filter(|o| is_open(o.status)) {
                let id = outcome_id(r, o);
                if self.unsettled.remove(&id).is_some() {
                    match &o.first_seen {
                        Some(first) => {
                            self.settled.insert(id, first.clone());
                        }
                        None => {
                            still.insert(id, timestamp.to_string());
                        }
                    }
                }
            }
        }
        // What is left was not open in this scan: its run started after it.
        self.settled
            .extend(std::mem::replace(&mut self.unsettled, still));
    }

    /// Finding id → `first_seen`; runs still unsettled (the walk reached its
    /// bound or the oldest scan) get the earliest scan reached.
    pub fn finish(mut self) -> HashMap<String, String> {
        self.settled.extend(self.unsettled);
        self.settled
    }
}

/// Dates a scan's open findings from [`RunStarts::finish`]: a finding
/// without `first_seen` gets the start of its run, or `now` when its run
/// starts in this scan. Other findings are left as they are.
pub fn set_first_seen(finding: &mut Finding, starts: &HashMap<String, String>, now: &str) {
    if is_open(finding.status) && finding.first_seen.is_none() {
        finding.first_seen = Some(
            starts
                .get(&finding.finding_id)
                .cloned()
                .unwrap_or_else(|| now.to_string()),
        );
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

    /// Records as a version before `first_seen` was recorded wrote them.
    fn old(records: Vec<ResourceRecord>) -> Vec<ResourceRecord> {
        records
            .into_iter()
            .map(|mut r| {
                for o in &mut r.outcomes {
                    o.first_seen = None;
                }
                r
            })
            .collect()
    }

    #[test]
    fn first_seen_of_old_records_is_the_start_of_the_unbroken_run() {
        let open = |r: &str| finding(r, "b1", Status::NonCompliant, Severity::High).with_id();
        let fixed = |r: &str| finding(r, "b1", Status::Compliant, Severity::High).with_id();
        let (s1, _) = records(&report("s1", vec![open("a"), open("b")]));
        let (s2, _) = records(&report("s2", vec![fixed("a"), open("b")]));
        let (s3, _) = records(&report("s3", vec![open("a"), open("b")]));
        let (s4, _) = records(&report("s4", vec![open("a"), open("b"), fixed("c")]));
        let mut walk = RunStarts::of("T4", &old(s4));
        assert!(walk.needs_earlier());
        walk.earlier("T3", &old(s3));
        assert!(walk.needs_earlier());
        walk.earlier("T2", &old(s2));
        assert!(walk.needs_earlier(), "b is still open");
        walk.earlier("T1", &[]);
        assert!(!walk.needs_earlier());
        let starts = walk.finish();
        assert_eq!(starts.len(), 2, "compliant outcomes have no run");
        assert_eq!(starts[&open("a").finding_id], "T3", "a was fixed in s2");
        assert_eq!(starts[&open("b").finding_id], "T2");
        drop(s1);
    }

    #[test]
    fn a_recorded_first_seen_is_taken_without_walking() {
        let mut a = finding("a", "b1", Status::NonCompliant, Severity::High).with_id();
        a.first_seen = Some("T0".into());
        let (s2, _) = records(&report("s2", vec![a.clone()]));
        let walk = RunStarts::of("T2", &s2);
        assert!(!walk.needs_earlier());
        assert_eq!(walk.finish()[&a.finding_id], "T0");
        // An old record whose earlier scan recorded it stops there.
        let (s1, _) = records(&report("s1", vec![a.clone()]));
        let mut walk = RunStarts::of("T2", &old(s2));
        walk.earlier("T1", &s1);
        assert!(!walk.needs_earlier());
        assert_eq!(walk.finish()[&a.finding_id], "T0");
    }

    #[test]
    fn the_walk_stops_at_its_bound_with_the_oldest_scan_reached() {
        let open = finding("a", "b1", Status::NonCompliant, Severity::High).with_id();
        let (scan, _) = records(&report("s", vec![open.clone()]));
        let scan = old(scan);
        let mut walk = RunStarts::of("T-000", &scan);
        let mut reached = 0;
        while walk.needs_earlier() {
            reached += 1;
            walk.earlier(&format!("T-{reached:03}"), &scan);
        }
        assert_eq!(reached, FIRST_SEEN_WALK);
        assert_eq!(
            walk.finish()[&open.finding_id],
            format!("T-{FIRST_SEEN_WALK:03}")
        );
    }

    #[test]
    fn a_scan_dates_open_findings_from_the_previous_scans_runs() {
        let mut kept = finding("a", "b1", Status::NonCompliant, Severity::High).with_id();
        let mut new = finding("b", "b1", Status::Error, Severity::High).with_id();
        let mut fine = finding("c", "b1", Status::Compliant, Severity::High).with_id();
        let starts = HashMap::from([
            (kept.finding_id.clone(), "T1".to_string()),
            (fine.finding_id.clone(), "T1".to_string()),
        ]);
        for f in [&mut kept, &mut new, &mut fine] {
            set_first_seen(f, &starts, "T9");
        }
        assert_eq!(kept.first_seen.as_deref(), Some("T1"));
        assert_eq!(
            new.first_seen.as_deref(),
            Some("T9"),
            "a new run starts now"
        );
        assert_eq!(fine.first_seen, None, "compliant findings have none");
    }

    #[test]
    fn records_keep_first_seen_and_the_exemption() {
        let mut f = finding("a", "b1", Status::Exempted, Severity::High).with_id();
        f.first_seen = Some("2026-11-01T00:00:00.000Z".into());
        f.exemption = Some(Box::new(AppliedExemption {
            reason: "legacy".into(),
            owner: "ops@example.com".into(),
            expires: "2027-01-01".into(),
        }));
        let r = record_of("s", "t", [&f]).unwrap();
        assert_eq!(r.outcomes[0].first_seen, f.first_seen);
        assert_eq!(r.outcomes[0].exemption.as_ref(), f.exemption.as_deref());
        let json = serde_json::to_value(&r.outcomes[0]).unwrap();
        assert_eq!(json["exemption"]["owner"], "ops@example.com");
        assert_eq!(outcome_id(&r, &r.outcomes[0]), f.finding_id);
    }

    #[test]
    fn outcomes_recorded_before_first_seen_still_read() {
        let text = r#"{"rule_id":"a","status":"non_compliant","severity":"high",
            "evidence":{"path":"p","found":null,"missing":true,"expected":"e","note":null}}"#;
        let o: RuleOutcome = serde_json::from_str(text).unwrap();
        assert_eq!((&o.first_seen, &o.exemption), (&None, &None));
        let again = serde_json::to_value(&o).unwrap();
        assert!(again.get("first_seen").is_none() && again.get("exemption").is_none());
    }

    #[test]
    fn an_unlisted_type_keeps_its_finding_id_in_history() {
        let mut f = finding("a", "*", Status::Error, Severity::High);
        f.arn = None;
        let f = f.with_id();
        let r = record_of("s", "t", [&f]).unwrap();
        assert!(r.resource_id.starts_with("*/"), "{}", r.resource_id);
        assert_eq!(scanned_resource_id(&r), "*");
        assert_eq!(outcome_id(&r, &r.outcomes[0]), f.finding_id);
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
