//! Alert decisions: whether a scan deserves a message to the alert topic, and
//! what it says.
//!
//! One message per scan, not per finding, so a bad day is one e-mail with the
//! worst findings first. A violation already present in the previous scan is not
//! announced again (unless `--realert`), and a score alert fires when the score
//! falls below the threshold, not at every scan while it stays there. Message
//! attributes (`severity`, `rule_id`, `suffix`) let subscribers filter.

use crate::core::finding::{Finding, Severity, Status};
use crate::core::history::Violation;
use crate::core::report::ScanReport;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// What raises an alert (`--alert-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertOn {
    /// Any new critical violation.
    Critical,
    /// Any new violation of high severity or worse.
    High,
    /// The score falling below the threshold.
    Score,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub subject: String,
    pub message: String,
    /// SNS message attributes for subscription filter policies.
    pub attributes: BTreeMap<String, String>,
    /// The violations announced, for the record.
    pub announced: Vec<Violation>,
}

/// The previous scan, as far as alerting cares.
#[derive(Debug, Clone, Default)]
pub struct Previous {
    pub violations: BTreeSet<Violation>,
    pub below_threshold: bool,
}

pub fn compose(
    report: &ScanReport,
    suffix: &str,
    on: &[AlertOn],
    previous: &Previous,
    realert: bool,
) -> Option<Alert> {
    let floor = if on.contains(&AlertOn::High) {
        Some(Severity::High)
    } else if on.contains(&AlertOn::Critical) {
        Some(Severity::Critical)
    } else {
        None
    };
    let key = |f: &Finding| Violation {
        rule_id: f.rule_id.to_string(),
        resource_id: f.resource_id.clone(),
        region: f.region.as_deref().map(str::to_string),
        severity: f.severity,
    };
    let mut worst: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::NonCompliant)
        .filter(|f| floor.is_some_and(|min| f.severity >= min))
        .filter(|f| realert || !previous.violations.contains(&key(f)))
        .collect();
    worst.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.weight().total_cmp(&a.weight()))
            .then(a.rule_id.cmp(&b.rule_id))
    });
    let score_alert = on.contains(&AlertOn::Score)
        && report.score.below_threshold
        && (realert || !previous.below_threshold);
    if worst.is_empty() && !score_alert {
        return None;
    }

    let score = report
        .score
        .overall
        .map(|s| format!("{s:.1}"))
        .unwrap_or_else(|| "n/a".into());
    let severity = worst
        .first()
        .map(|f| f.severity)
        .unwrap_or(Severity::Critical);
    let subject = if worst.is_empty() {
        format!(
            "[compliance {suffix}] score {score} below threshold {:.0}",
            report.score.threshold
        )
    } else {
        format!(
            "[compliance {suffix}] {} new {} violation(s), score {score}",
            worst.len(),
            floor.map(|s| s.as_str()).unwrap_or("critical")
        )
    };
    // SNS subjects are at most 100 characters.
    let subject: String = subject.chars().take(100).collect();
    let mut message = String::new();
    let _ = writeln!(
        message,
        "Scan {} at {}",
        report.scan_id, report.generated_at
    );
    let _ = writeln!(
        message,
        "Score: {score} (threshold {:.0}){}",
        report.score.threshold,
        if report.score.below_threshold {
            " BELOW THRESHOLD"
        } else {
            ""
        }
    );
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                report
                    .summary
                    .failing_by_severity
                    .get(s.as_str())
                    .copied()
                    .unwrap_or(0),
                s
            )
        })
        .collect();
    let _ = writeln!(message, "Failing findings: {}", counts.join(", "));
    if !worst.is_empty() {
        let _ = writeln!(message, "\nNew violations (worst first):");
        for f in worst.iter().take(20) {
            let _ = writeln!(
                message,
                "- [{}] {} on {} {} ({}): {}",
                f.severity,
                f.rule_id,
                f.resource_type,
                f.arn.as_deref().unwrap_or(&f.resource_id),
                f.region.as_deref().unwrap_or("-"),
                f.evidence.summary()
            );
        }
        if worst.len() > 20 {
            let _ = writeln!(message, "… and {} more", worst.len() - 20);
        }
    }
    let _ = writeln!(
        message,
        "\n`compliance rules explain <rule>` gives the fix for each rule."
    );
    let mut attributes = BTreeMap::new();
    attributes.insert("severity".to_string(), severity.to_string());
    attributes.insert(
        "rule_id".to_string(),
        worst
            .first()
            .map(|f| f.rule_id.to_string())
            .unwrap_or_else(|| "score-threshold".into()),
    );
    attributes.insert("suffix".to_string(), suffix.to_string());
    Some(Alert {
        subject,
        message,
        attributes,
        announced: worst.iter().map(|f| key(f)).collect(),
    })
}
