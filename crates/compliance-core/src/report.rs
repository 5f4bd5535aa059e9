//! The findings document (`compliance.findings/v1`): what `scan --format json`
//! writes and what `score` and `report` read; history keeps records built from it.
//!
//! Other tools parse this, so its shape is a contract: fields are only ever added
//! in v1, never renamed or removed; a breaking change gets a new schema string.
//! Reading checks the schema so an unrelated JSON file is rejected by name.

use crate::exemption::ExpiredExemption;
use crate::finding::{Finding, Severity, Status};
use crate::normalize::Skipped;
use crate::score::{score, ScoreBuilder, ScoreCard};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::collections::HashSet;
use std::sync::Arc;

pub const SCHEMA: &str = "compliance.findings/v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    pub schema: String,
    pub scan_id: String,
    pub generated_at: String,
    pub tool: Tool,
    pub source: Source,
    pub score: ScoreCard,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    /// What could not be read or evaluated; a non-empty list means a partial result.
    pub errors: Vec<ScanError>,
    #[serde(default)]
    pub expired_exemptions: Vec<ExpiredExemption>,
    /// What each rule that produced findings checks and how to fix it, said
    /// once per rule rather than in each of possibly 100,000 findings (added
    /// in v1; older files have none).
    #[serde(default)]
    pub rules: Vec<RuleInfo>,
}

/// One rule as the findings document describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub category: String,
    pub frameworks: Vec<String>,
    pub resource_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_rule: Option<String>,
    pub why: String,
    pub fix: String,
    /// The rule file (`embedded:rules/s3/…` for built-in rules).
    pub file: String,
}

impl RuleInfo {
    pub fn of(rule: &crate::rule::Rule) -> RuleInfo {
        RuleInfo {
            id: rule.id.clone(),
            title: rule.title.to_string(),
            severity: rule.severity,
            category: rule.category.to_string(),
            frameworks: rule.frameworks.to_vec(),
            resource_types: rule.resource_types.clone(),
            remediation: rule.remediation.as_deref().map(str::to_string),
            config_rule: rule.config_rule.as_ref().map(|c| c.identifier.clone()),
            why: rule.docs.why.clone(),
            fix: rule.docs.fix.clone(),
            file: rule.file.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// `snapshot` or `live`.
    pub kind: String,
    /// Files read, or account/regions scanned.
    pub inputs: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub resources: usize,
    pub rules: usize,
    pub evaluations: usize,
    pub by_status: BTreeMap<String, usize>,
    /// Failing (non-compliant or error) findings per severity.
    pub failing_by_severity: BTreeMap<String, usize>,
}

/// Something the scan could not read or evaluate. Live-scan errors fill the AWS
/// fields (service, region, operation, error code, request id).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanError {
    pub source: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl From<Skipped> for ScanError {
    fn from(s: Skipped) -> Self {
        ScanError {
            source: s.source,
            message: s.reason,
            ..ScanError::default()
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ReportError {
    #[error("{file}:{line}:{column}: not a findings file: {message}")]
    Invalid {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: schema `{found}` is not supported (this version reads `{SCHEMA}`)")]
    Schema { file: String, found: String },
    /// A field met before the schema (sorted keys), or missing.
    #[error("{file}: field `{field}`: {message}")]
    Field {
        file: String,
        field: String,
        message: String,
    },
}

/// Everything needed to assemble a report besides the findings.
pub struct Meta {
    pub scan_id: String,
    pub generated_at: String,
    pub version: String,
    pub source: Source,
    pub resources: usize,
    pub rules: usize,
    pub threshold: f64,
}

impl ScanReport {
    pub fn build(
        meta: Meta,
        findings: Vec<Finding>,
        errors: Vec<ScanError>,
        expired: Vec<ExpiredExemption>,
    ) -> ScanReport {
        let card = score(&findings, meta.threshold);
        let summary = summarise(&findings, meta.resources, meta.rules);
        ScanReport {
            schema: SCHEMA.to_string(),
            scan_id: meta.scan_id,
            generated_at: meta.generated_at,
            tool: Tool {
                name: "compliance".into(),
                version: meta.version,
            },
            source: meta.source,
            score: card,
            summary,
            findings,
            errors,
            expired_exemptions: expired,
            rules: Vec::new(),
        }
    }

    /// A whole findings document, findings included (small files; large
    /// ones are read finding by finding through [`crate::findings_reader`]).
    pub fn parse(file: &str, text: &str) -> Result<ScanReport, ReportError> {
        let mut report = crate::findings_reader::head(file, text.as_bytes())?.report;
        crate::findings_reader::findings(file, text.as_bytes(), |f| {
            report.findings.push(f);
            Ok::<(), std::convert::Infallible>(())
        })
        .map_err(|e| match e {
            crate::findings_reader::ReadError::Report(e) => e,
            crate::findings_reader::ReadError::Stopped(never) => match never {},
        })?;
        Ok(report)
    }

    /// Several findings documents as one (shards of a scan, or accounts);
    /// see [`Merge`] for the rules.
    pub fn merge(parts: Vec<ScanReport>, scan_id: String, generated_at: String) -> ScanReport {
        let mut findings = Vec::new();
        let mut heads = Vec::with_capacity(parts.len());
        for mut part in parts {
            findings.push(std::mem::take(&mut part.findings));
            heads.push(part);
        }
        let mut merge = Merge::new(heads, scan_id, generated_at);
        let mut kept = Vec::new();
        for f in findings.into_iter().flatten() {
            if merge.admit(&f) {
                kept.push(f);
            }
        }
        let mut report = merge.finish();
        report.findings = kept;
        report
    }

    /// Recomputes score and summary, e.g. after a different threshold.
    pub fn rescore(&mut self, threshold: f64) {
        self.score = score(&self.findings, threshold);
        self.summary = summarise(&self.findings, self.summary.resources, self.summary.rules);
    }

    /// Failing findings at or above `fail_on`: the ones that make the exit code 1.
    pub fn failing_at(&self, fail_on: Option<Severity>) -> usize {
        match fail_on {
            None => 0,
            Some(min) => self
                .findings
                .iter()
                .filter(|f| f.status.is_failing() && f.severity >= min)
                .count(),
        }
    }
}

/// Several findings documents as one, finding by finding (so `report
/// --input a.json b.json` streams): findings in file order, a finding id
/// seen before is dropped (the first file wins), errors and expired
/// exemptions concatenated, rules united by id, and the score and summary
/// recomputed with the first file's threshold. Resources add up across
/// files; when duplicates were dropped the files overlapped, and the count is
/// the distinct resources with findings (at least the largest file's count).
pub struct Merge {
    head: ScanReport,
    threshold: f64,
    resources: usize,
    largest: usize,
    seen: HashSet<String>,
    distinct: HashSet<(Arc<str>, String, Option<Arc<str>>)>,
    dropped: bool,
    score: ScoreBuilder,
    summary: SummaryBuilder,
}

impl Merge {
    /// `heads` are the documents without their findings, in file order.
    pub fn new(heads: Vec<ScanReport>, scan_id: String, generated_at: String) -> Merge {
        let threshold = heads.first().map_or(70.0, |p| p.score.threshold);
        let version = heads
            .first()
            .map_or_else(String::new, |p| p.tool.version.clone());
        let mut errors = Vec::new();
        let mut expired = Vec::new();
        let mut rules: Vec<RuleInfo> = Vec::new();
        let mut inputs = Vec::new();
        let (mut resources, mut largest, mut rule_count) = (0, 0, 0);
        for part in heads {
            resources += part.summary.resources;
            largest = largest.max(part.summary.resources);
            rule_count = rule_count.max(part.summary.rules);
            inputs.extend(part.source.inputs);
            errors.extend(part.errors);
            for e in part.expired_exemptions {
                if !expired.contains(&e) {
                    expired.push(e);
                }
            }
            for r in part.rules {
                if !rules.iter().any(|known| known.id == r.id) {
                    rules.push(r);
                }
            }
        }
        let rule_count = rule_count.max(rules.len());
        let mut head = ScanReport::build(
            Meta {
                scan_id,
                generated_at,
                version,
                source: Source {
                    kind: "merged".into(),
                    inputs,
                },
                resources,
                rules: rule_count,
                threshold,
            },
            Vec::new(),
            errors,
            expired,
        );
        head.rules = rules;
        Merge {
            head,
            threshold,
            resources,
            largest,
            seen: HashSet::new(),
            distinct: HashSet::new(),
            dropped: false,
            score: ScoreBuilder::default(),
            summary: SummaryBuilder::default(),
        }
    }

    /// What is known before the first finding (the score and summary are
    /// those of no findings until [`Merge::finish`]).
    pub fn head(&self) -> &ScanReport {
        &self.head
    }

    /// Whether `f` belongs in the merged report (false: a duplicate).
    pub fn admit(&mut self, f: &Finding) -> bool {
        if !self.seen.insert(f.finding_id.clone()) {
            self.dropped = true;
            return false;
        }
        self.distinct.insert((
            f.resource_type.clone(),
            f.resource_id.clone(),
            f.region.clone(),
        ));
        self.score.add(f);
        self.summary.add(f);
        true
    }

    /// The merged report, without its findings (they went through [`Merge::admit`]).
    pub fn finish(self) -> ScanReport {
        let resources = if self.dropped {
            self.distinct.len().max(self.largest)
        } else {
            self.resources
        };
        let mut report = self.head;
        report.score = self.score.finish(self.threshold);
        report.summary = self.summary.finish(resources, report.summary.rules);
        report
    }
}

fn summarise(findings: &[Finding], resources: usize, rules: usize) -> Summary {
    let mut builder = SummaryBuilder::default();
    findings.iter().for_each(|f| builder.add(f));
    builder.finish(resources, rules)
}

/// The summary counted one finding at a time (for streamed scans).
#[derive(Debug, Clone, Default)]
pub struct SummaryBuilder {
    evaluations: usize,
    by_status: [usize; 5],
    failing: [usize; 5],
}

impl SummaryBuilder {
    pub fn add(&mut self, f: &Finding) {
        self.evaluations += 1;
        self.by_status[f.status as usize] += 1;
        if f.status.is_failing() {
            self.failing[f.severity as usize] += 1;
        }
    }

    /// Failing findings at or above `min`, as [`ScanReport::failing_at`] counts them.
    pub fn failing_at(&self, min: Option<Severity>) -> usize {
        match min {
            None => 0,
            Some(min) => Severity::ALL
                .iter()
                .filter(|s| **s >= min)
                .map(|s| self.failing[*s as usize])
                .sum(),
        }
    }

    pub fn finish(&self, resources: usize, rules: usize) -> Summary {
        Summary {
            resources,
            rules,
            evaluations: self.evaluations,
            by_status: Status::ALL
                .iter()
                .map(|s| (s.to_string(), self.by_status[*s as usize]))
                .collect(),
            failing_by_severity: Severity::ALL
                .iter()
                .map(|s| (s.to_string(), self.failing[*s as usize]))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> ScanReport {
        ScanReport::build(
            Meta {
                scan_id: "s".into(),
                generated_at: "2026-11-22T00:00:00.000Z".into(),
                version: "0.1.0".into(),
                source: Source {
                    kind: "snapshot".into(),
                    inputs: vec!["a.json".into()],
                },
                resources: 0,
                rules: 0,
                threshold: 70.0,
            },
            vec![],
            vec![],
            vec![],
        )
    }

    #[test]
    fn round_trips_and_checks_schema() {
        let r = report();
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(ScanReport::parse("f.json", &text).unwrap(), r);
        let other = text.replace(SCHEMA, "compliance.findings/v9");
        assert!(matches!(
            ScanReport::parse("f.json", &other),
            Err(ReportError::Schema { .. })
        ));
        assert!(matches!(
            ScanReport::parse("f.json", "{}"),
            Err(ReportError::Invalid { .. })
        ));
        let e = ScanReport::parse(
            "f.json",
            "{\n\"schema\": \"compliance.findings/v1\", \"scan_id\": 3}",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("f.json:2:"), "{e}");
    }

    #[test]
    fn shape_has_the_documented_keys() {
        let v = serde_json::to_value(report()).unwrap();
        for key in [
            "schema",
            "scan_id",
            "generated_at",
            "score",
            "findings",
            "errors",
        ] {
            assert!(v.get(key).is_some(), "{key}");
        }
        for key in ["overall", "threshold", "by_service", "by_severity"] {
            assert!(v["score"].get(key).is_some(), "{key}");
        }
    }
}
