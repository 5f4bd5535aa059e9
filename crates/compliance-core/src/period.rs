//! Period summaries (`report --since 7d`): what happened over a stretch of
//! stored scans, for the weekly or monthly review an auditor or a manager asks
//! for: the score per day, violations opened and closed per day, the mean time
//! to remediate, the violations open longest, and the same per service and
//! framework.
//!
//! Scans are fed one at a time, oldest first ([`PeriodBuilder::add`]), so a
//! month of 100,000-resource scans costs the memory of the open violations, not
//! of every record. Definitions (the ones a reader of the numbers needs):
//! - A *violation* is a non-compliant outcome of one rule on one resource in
//!   one region, as `diff` keys it. It is *opened* by the first scan that has
//!   it and *closed* by the first later scan that does not (fixed, exempted,
//!   deleted or no longer matched: from the report's point of view all four
//!   end the exposure).
//! - The period starts at `since`. The last scan before it, when given, is the
//!   *baseline*: its violations are open when the period begins and are not
//!   counted as opened in it. Without a baseline the first scan's violations
//!   count as opened (nothing older exists).
//! - *First seen* is the earliest scan fed that has the violation; for one
//!   already open in the baseline that is the baseline's time, a lower bound
//!   (`open_before_period` says so), because older scans are not read.
//! - *Time to remediate* is closing scan time − first seen, over the violations
//!   closed in the period; the mean is in hours.

use crate::finding::{Severity, Status};
use crate::history::{ResourceRecord, ScanSummary};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How many of the longest-open violations a summary lists.
pub const LONGEST_LISTED: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodSummary {
    /// The start of the period (ISO-8601 UTC).
    pub since: String,
    /// The last scan's time, the end of the period as observed.
    pub until: Option<String>,
    /// Scans in the period.
    pub scans: usize,
    /// The scan before the period the counts start from, if there was one.
    pub baseline: Option<String>,
    pub score_start: Option<f64>,
    pub score_end: Option<f64>,
    pub opened: usize,
    pub closed: usize,
    /// Violations open after the last scan.
    pub open: usize,
    /// Violations closed in the period (the ones the mean is over).
    pub remediated: usize,
    pub mean_time_to_remediate_hours: Option<f64>,
    /// Days that had at least one scan, oldest first.
    pub days: Vec<DaySummary>,
    pub longest_open: Vec<OpenViolation>,
    pub by_service: BTreeMap<String, GroupSummary>,
    pub by_framework: BTreeMap<String, GroupSummary>,
    pub by_severity: BTreeMap<String, GroupSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaySummary {
    /// The UTC date, `YYYY-MM-DD`.
    pub date: String,
    pub scans: usize,
    /// The day's last scan's score.
    pub score: Option<f64>,
    pub min_score: Option<f64>,
    pub max_score: Option<f64>,
    pub opened: usize,
    pub closed: usize,
    /// Violations open after the day's last scan.
    pub open: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub opened: usize,
    pub closed: usize,
    pub open: usize,
    pub mean_time_to_remediate_hours: Option<f64>,
    #[serde(skip)]
    remediated_hours: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenViolation {
    pub rule_id: String,
    pub resource_id: String,
    pub region: Option<String>,
    pub severity: Severity,
    pub service: String,
    pub first_seen: String,
    pub age_days: f64,
    /// Already open in the baseline: the real first sighting may be older.
    pub open_before_period: bool,
}

type Key = (String, String, Option<String>);

#[derive(Debug, Clone)]
struct Open {
    first_seen: String,
    severity: Severity,
    service: String,
    before_period: bool,
}

/// Builds a [`PeriodSummary`] from scans fed oldest first.
pub struct PeriodBuilder {
    since: String,
    frameworks: BTreeMap<String, Vec<String>>,
    open: BTreeMap<Key, Open>,
    baseline: Option<String>,
    scans: usize,
    score_start: Option<f64>,
    score_end: Option<f64>,
    until: Option<String>,
    days: BTreeMap<String, DaySummary>,
    opened: usize,
    closed: usize,
    remediated_hours: Vec<f64>,
    by_service: BTreeMap<String, GroupSummary>,
    by_framework: BTreeMap<String, GroupSummary>,
    by_severity: BTreeMap<String, GroupSummary>,
}

fn hours_between(from: &str, to: &str) -> Option<f64> {
    let parse = |t: &str| crate::timestamp::parse(&serde_json::Value::String(t.to_string()));
    let (a, b) = (parse(from)?, parse(to)?);
    Some((b - a).num_milliseconds() as f64 / 3_600_000.0)
}

impl PeriodBuilder {
    /// `frameworks` maps rule ids to the frameworks they belong to (rules not
    /// in it count in no framework).
    pub fn new(since: &str, frameworks: BTreeMap<String, Vec<String>>) -> PeriodBuilder {
        PeriodBuilder {
            since: since.to_string(),
            frameworks,
            open: BTreeMap::new(),
            baseline: None,
            scans: 0,
            score_start: None,
            score_end: None,
            until: None,
            days: BTreeMap::new(),
            opened: 0,
            closed: 0,
            remediated_hours: Vec::new(),
            by_service: BTreeMap::new(),
            by_framework: BTreeMap::new(),
            by_severity: BTreeMap::new(),
        }
    }

    /// Applies `f` to each group a violation counts in: its service, its
    /// severity and each framework of its rule (once per framework, though a
    /// rule may list several controls of one).
    fn each_group(
        &mut self,
        rule: &str,
        service: &str,
        severity: Severity,
        f: impl Fn(&mut GroupSummary),
    ) {
        f(self.by_service.entry(service.to_string()).or_default());
        f(self
            .by_severity
            .entry(severity.as_str().to_string())
            .or_default());
        // Frameworks are named with their control (`SOC2:CC6.1`); group by framework.
        let names: BTreeSet<&str> = self
            .frameworks
            .get(rule)
            .into_iter()
            .flatten()
            .map(|fw| fw.split(':').next().unwrap_or(fw))
            .collect();
        for name in names {
            f(self.by_framework.entry(name.to_string()).or_default());
        }
    }

    /// Adds one scan (scans must come oldest first). A scan from before
    /// `since` is the baseline: only the last such scan matters.
    pub fn add(&mut self, summary: &ScanSummary, records: &[ResourceRecord]) {
        let now: BTreeMap<Key, (Severity, String)> = records
            .iter()
            .flat_map(|r| {
                r.outcomes
                    .iter()
                    .filter(|o| o.status == Status::NonCompliant)
                    .map(move |o| {
                        (
                            (o.rule_id.clone(), r.resource_id.clone(), r.region.clone()),
                            (o.severity, crate::registry::service_of(&r.resource_type)),
                        )
                    })
            })
            .collect();
        let ts = summary.timestamp.clone();
        if ts < self.since {
            self.baseline = Some(summary.scan_id.clone());
            self.open = now
                .into_iter()
                .map(|(k, (severity, service))| {
                    let first_seen = self
                        .open
                        .get(&k)
                        .map_or_else(|| ts.clone(), |o| o.first_seen.clone());
                    (
                        k,
                        Open {
                            first_seen,
                            severity,
                            service,
                            before_period: true,
                        },
                    )
                })
                .collect();
            return;
        }
        let mut opened = 0;
        let mut closed = 0;
        let gone: Vec<Key> = self
            .open
            .keys()
            .filter(|k| !now.contains_key(*k))
            .cloned()
            .collect();
        for key in gone {
            let o = self.open.remove(&key).expect("listed from the map");
            closed += 1;
            let hours = hours_between(&o.first_seen, &ts);
            if let Some(h) = hours {
                self.remediated_hours.push(h);
            }
            self.each_group(&key.0, &o.service, o.severity, |g| {
                g.closed += 1;
                g.remediated_hours += hours.unwrap_or(0.0);
            });
        }
        for (key, (severity, service)) in now {
            if self.open.contains_key(&key) {
                continue;
            }
            opened += 1;
            self.each_group(&key.0, &service, severity, |g| g.opened += 1);
            self.open.insert(
                key,
                Open {
                    first_seen: ts.clone(),
                    severity,
                    service,
                    before_period: false,
                },
            );
        }
        self.opened += opened;
        self.closed += closed;
        self.scans += 1;
        if self.scans == 1 {
            self.score_start = summary.score;
        }
        self.score_end = summary.score;
        self.until = Some(ts.clone());
        let date = ts.get(..10).unwrap_or(&ts).to_string();
        let open_now = self.open.len();
        let day = self.days.entry(date.clone()).or_insert(DaySummary {
            date,
            scans: 0,
            score: None,
            min_score: None,
            max_score: None,
            opened: 0,
            closed: 0,
            open: 0,
        });
        day.scans += 1;
        day.score = summary.score;
        if let Some(s) = summary.score {
            day.min_score = Some(day.min_score.map_or(s, |m| m.min(s)));
            day.max_score = Some(day.max_score.map_or(s, |m| m.max(s)));
        }
        day.opened += opened;
        day.closed += closed;
        day.open = open_now;
    }

    pub fn finish(mut self) -> PeriodSummary {
        let until = self.until.clone();
        let mut longest: Vec<OpenViolation> = self
            .open
            .iter()
            .map(|((rule, resource, region), o)| OpenViolation {
                rule_id: rule.clone(),
                resource_id: resource.clone(),
                region: region.clone(),
                severity: o.severity,
                service: o.service.clone(),
                first_seen: o.first_seen.clone(),
                age_days: until
                    .as_deref()
                    .and_then(|u| hours_between(&o.first_seen, u))
                    .map_or(0.0, |h| (h / 24.0 * 10.0).round() / 10.0),
                open_before_period: o.before_period,
            })
            .collect();
        longest.sort_by(|a, b| {
            a.first_seen
                .cmp(&b.first_seen)
                .then(b.severity.cmp(&a.severity))
                .then_with(|| (&a.rule_id, &a.resource_id).cmp(&(&b.rule_id, &b.resource_id)))
        });
        longest.truncate(LONGEST_LISTED);
        let open: Vec<(String, Open)> = self
            .open
            .iter()
            .map(|(k, o)| (k.0.clone(), o.clone()))
            .collect();
        for (rule, o) in &open {
            self.each_group(rule, &o.service, o.severity, |g| g.open += 1);
        }
        for map in [
            &mut self.by_service,
            &mut self.by_framework,
            &mut self.by_severity,
        ] {
            for g in map.values_mut() {
                g.mean_time_to_remediate_hours =
                    (g.closed > 0).then(|| round1(g.remediated_hours / g.closed as f64));
            }
        }
        let remediated = self.remediated_hours.len();
        PeriodSummary {
            since: self.since,
            until,
            scans: self.scans,
            baseline: self.baseline,
            score_start: self.score_start,
            score_end: self.score_end,
            opened: self.opened,
            closed: self.closed,
            open: self.open.len(),
            remediated,
            mean_time_to_remediate_hours: (remediated > 0)
                .then(|| round1(self.remediated_hours.iter().sum::<f64>() / remediated as f64)),
            days: self.days.into_values().collect(),
            longest_open: longest,
            by_service: self.by_service,
            by_framework: self.by_framework,
            by_severity: self.by_severity,
        }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The scans a period needs, from the stored list (oldest first): the last one
/// before `since` (the baseline), then every one from `since` on.
pub fn scans_for(all: &[ScanSummary], since: &str) -> Vec<ScanSummary> {
    let first_in = all.partition_point(|s| s.timestamp.as_str() < since);
    let start = first_in.saturating_sub(1);
    all[start..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Evidence;
    use crate::history::RuleOutcome;

    fn record(resource: &str, rule: &str, status: Status) -> ResourceRecord {
        ResourceRecord {
            resource_id: resource.into(),
            timestamp: String::new(),
            scan_id: String::new(),
            resource_type: "AWS::S3::Bucket".into(),
            arn: None,
            account: Some("1".into()),
            region: Some("eu-west-1".into()),
            criticality: 2.0,
            score: None,
            outcomes: vec![RuleOutcome {
                rule_id: rule.into(),
                status,
                severity: Severity::High,
                evidence: Evidence::note("p", "e", "n"),
                first_seen: None,
                exemption: None,
            }],
        }
    }

    fn summary(id: &str, ts: &str, score: f64) -> ScanSummary {
        ScanSummary {
            scan_id: id.into(),
            timestamp: ts.into(),
            source: "t".into(),
            score: Some(score),
            threshold: 70.0,
            resources: 0,
            evaluations: 0,
            by_status: BTreeMap::new(),
            failing_by_severity: BTreeMap::new(),
            by_service: BTreeMap::new(),
            errors: 0,
        }
    }

    fn frameworks() -> BTreeMap<String, Vec<String>> {
        BTreeMap::from([(
            "versioning".to_string(),
            vec![
                "SOC2:CC6.1".to_string(),
                "SOC2:A1.2".to_string(),
                "PCI-DSS-4.0:3.5.1".to_string(),
            ],
        )])
    }

    const NC: Status = Status::NonCompliant;
    const OK: Status = Status::Compliant;

    #[test]
    fn opened_closed_per_day_and_time_to_remediate() {
        let mut b = PeriodBuilder::new("2026-11-01T00:00:00.000Z", frameworks());
        // Baseline: `old` is open before the period.
        b.add(
            &summary("s0", "2026-10-30T12:00:00.000Z", 50.0),
            &[
                record("old", "versioning", NC),
                record("a", "versioning", OK),
            ],
        );
        // Day 1: `a` opens; `old` stays.
        b.add(
            &summary("s1", "2026-11-01T06:00:00.000Z", 40.0),
            &[
                record("old", "versioning", NC),
                record("a", "versioning", NC),
            ],
        );
        // Day 1 again: `a` fixed 12 hours after it was seen.
        b.add(
            &summary("s2", "2026-11-01T18:00:00.000Z", 60.0),
            &[
                record("old", "versioning", NC),
                record("a", "versioning", OK),
            ],
        );
        // Day 3: `old` fixed (first seen in the baseline, 4 days earlier); `b` opens.
        b.add(
            &summary("s3", "2026-11-03T12:00:00.000Z", 70.0),
            &[record("old", "versioning", OK), record("b", "tags", NC)],
        );
        let p = b.finish();
        assert_eq!(p.scans, 3);
        assert_eq!(p.baseline.as_deref(), Some("s0"));
        assert_eq!((p.opened, p.closed, p.open), (2, 2, 1));
        assert_eq!((p.score_start, p.score_end), (Some(40.0), Some(70.0)));
        assert_eq!(p.days.len(), 2);
        let d1 = &p.days[0];
        assert_eq!(
            (d1.date.as_str(), d1.scans, d1.opened, d1.closed, d1.open),
            ("2026-11-01", 2, 1, 1, 1)
        );
        assert_eq!(
            (d1.score, d1.min_score, d1.max_score),
            (Some(60.0), Some(40.0), Some(60.0))
        );
        assert_eq!((p.days[1].opened, p.days[1].closed), (1, 1));
        assert_eq!(p.remediated, 2);
        // (12 h + 96 h) / 2
        assert_eq!(p.mean_time_to_remediate_hours, Some(54.0));
        assert_eq!(p.longest_open.len(), 1);
        assert_eq!(p.longest_open[0].resource_id, "b");
        assert!(!p.longest_open[0].open_before_period);
        // Per service and framework: `versioning` is in SOC2 (twice) and PCI, once each.
        let s3 = &p.by_service["s3"];
        assert_eq!((s3.opened, s3.closed, s3.open), (2, 2, 1));
        let soc2 = &p.by_framework["SOC2"];
        assert_eq!((soc2.opened, soc2.closed, soc2.open), (1, 2, 0));
        assert_eq!(soc2.mean_time_to_remediate_hours, Some(54.0));
        assert_eq!(p.by_framework["PCI-DSS-4.0"].closed, 2);
        assert!(!p.by_framework.contains_key("tags"));
        assert_eq!(p.by_severity["high"].open, 1);
    }

    #[test]
    fn without_a_baseline_the_first_scan_opens_its_violations() {
        let mut b = PeriodBuilder::new("2026-11-01T00:00:00.000Z", BTreeMap::new());
        b.add(
            &summary("s1", "2026-11-02T00:00:00.000Z", 0.0),
            &[record("x", "r", NC)],
        );
        b.add(
            &summary("s2", "2026-11-05T00:00:00.000Z", 0.0),
            &[record("x", "r", NC)],
        );
        let p = b.finish();
        assert_eq!((p.opened, p.closed, p.open), (1, 0, 1));
        assert_eq!(p.mean_time_to_remediate_hours, None);
        assert_eq!(p.longest_open[0].age_days, 3.0);
        assert_eq!(p.longest_open[0].first_seen, "2026-11-02T00:00:00.000Z");
    }

    #[test]
    fn longest_open_lists_the_oldest_first_and_marks_baseline_ones() {
        let mut b = PeriodBuilder::new("2026-11-01T00:00:00.000Z", BTreeMap::new());
        b.add(
            &summary("s0", "2026-10-01T00:00:00.000Z", 0.0),
            &[record("oldest", "r", NC)],
        );
        let many: Vec<ResourceRecord> = (0..20)
            .map(|i| record(&format!("r{i:02}"), "r", NC))
            .chain([record("oldest", "r", NC)])
            .collect();
        b.add(&summary("s1", "2026-11-02T00:00:00.000Z", 0.0), &many);
        let p = b.finish();
        assert_eq!(
            p.opened, 20,
            "the baseline's violation is not opened in the period"
        );
        assert_eq!(p.longest_open.len(), LONGEST_LISTED);
        assert_eq!(p.longest_open[0].resource_id, "oldest");
        assert!(p.longest_open[0].open_before_period);
        assert_eq!(p.longest_open[0].age_days, 32.0);
    }

    #[test]
    fn an_empty_period_has_no_scores_and_no_means() {
        let p = PeriodBuilder::new("2026-11-01T00:00:00.000Z", BTreeMap::new()).finish();
        assert_eq!(p.scans, 0);
        assert_eq!(p.until, None);
        assert_eq!(p.mean_time_to_remediate_hours, None);
        assert!(p.days.is_empty() && p.longest_open.is_empty());
    }

    #[test]
    fn scans_for_keeps_one_baseline() {
        let all: Vec<ScanSummary> = ["2026-10-01", "2026-10-20", "2026-11-02", "2026-11-03"]
            .iter()
            .enumerate()
            .map(|(i, d)| summary(&format!("s{i}"), &format!("{d}T00:00:00.000Z"), 0.0))
            .collect();
        let ids = |v: Vec<ScanSummary>| v.into_iter().map(|s| s.scan_id).collect::<Vec<_>>();
        assert_eq!(
            ids(scans_for(&all, "2026-11-01T00:00:00.000Z")),
            ["s1", "s2", "s3"]
        );
        assert_eq!(
            ids(scans_for(&all, "2026-09-01T00:00:00.000Z")),
            ["s0", "s1", "s2", "s3"]
        );
        assert!(scans_for(&all, "2026-12-01T00:00:00.000Z").len() == 1);
    }
}
