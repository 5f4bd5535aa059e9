//! Alert decisions: whether a scan deserves a message to the alert topic, and
//! what it says.
//!
//! One message per scan, not per finding, so a bad day is one e-mail with the
//! worst findings first. A violation already present in the previous scan is not
//! announced again (unless `--realert`), and a score alert fires when the score
//! falls below the threshold, not at every scan while it stays there. Message
//! attributes (`severity`, `rule_id`, `suffix`) let subscribers filter.
//!
//! Every alert names resources, whatever raised it: a violation alert lists the
//! new violations, a score alert lists the failing findings that weigh most on
//! the score. "Worst" means the highest weight (severity × criticality) first,
//! then the higher severity; each list stops at [`LISTED`] and says how many more
//! there are, so a message stays readable on a bad day.

use crate::finding::{Finding, Severity, Status};
use crate::history::Violation;
use crate::report::ScanReport;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// How many findings one list of an alert names before "… and N more".
pub const LISTED: usize = 10;

/// Worst first: highest weight, then highest severity; rule and resource break
/// ties so the message is the same for the same scan.
fn worst_first(a: &&Finding, b: &&Finding) -> Ordering {
    b.weight()
        .total_cmp(&a.weight())
        .then(b.severity.cmp(&a.severity))
        .then(a.rule_id.cmp(&b.rule_id))
        .then(a.resource_id.cmp(&b.resource_id))
}

/// One line per finding, at most [`LISTED`], then how many were left out.
fn list(message: &mut String, heading: &str, findings: &[&Finding]) {
    let _ = writeln!(message, "\n{heading}");
    for f in findings.iter().take(LISTED) {
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
    if findings.len() > LISTED {
        let _ = writeln!(message, "… and {} more", findings.len() - LISTED);
    }
}

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
    worst.sort_by(worst_first);
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
        .iter()
        .map(|f| f.severity)
        .max()
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
        list(&mut message, "New violations (worst first):", &worst);
    }
    if score_alert {
        // The score falls because of every failing finding, new or not: name
        // the ones that weigh most, so the reader knows where to start.
        let mut failing: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.status == Status::NonCompliant)
            .collect();
        failing.sort_by(worst_first);
        if !failing.is_empty() {
            list(
                &mut message,
                "Findings that weigh most on the score (worst first):",
                &failing,
            );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Evidence;
    use crate::report::{Meta, Source};
    use std::sync::Arc;

    fn finding(rule: &str, resource: &str, severity: Severity, criticality: f64) -> Finding {
        Finding {
            finding_id: String::new(),
            rule_id: rule.into(),
            title: "t".into(),
            severity,
            category: "c".into(),
            frameworks: Arc::from(Vec::new()),
            service: "s3".into(),
            resource_type: "AWS::S3::Bucket".into(),
            resource_id: resource.into(),
            resource_name: None,
            arn: Some(format!("arn:aws:s3:::{resource}")),
            region: Some("eu-west-1".into()),
            account: None,
            status: Status::NonCompliant,
            criticality,
            evidence: Evidence::note("p", "e", "n"),
            remediation: None,
            exemption: None,
            source: None,
            message: None,
            first_seen: None,
        }
    }

    fn report(findings: Vec<Finding>, threshold: f64) -> ScanReport {
        let resources = findings.len();
        ScanReport::build(
            Meta {
                scan_id: "scan-1".into(),
                generated_at: "2026-11-29T00:00:00Z".into(),
                version: "0".into(),
                source: Source {
                    kind: "snapshot".into(),
                    inputs: vec![],
                },
                resources,
                rules: 1,
                threshold,
            },
            findings,
            vec![],
            vec![],
        )
    }

    fn compliant(mut f: Finding) -> Finding {
        f.status = Status::Compliant;
        f
    }

    /// The lines naming findings, in message order.
    fn named(message: &str) -> Vec<&str> {
        message.lines().filter(|l| l.starts_with("- [")).collect()
    }

    #[test]
    fn a_score_alert_names_the_worst_findings_and_their_resources() {
        let r = report(
            vec![
                finding("s3-versioning", "low-bucket", Severity::Medium, 1.0),
                finding("s3-public-read", "crown-jewels", Severity::Critical, 3.0),
                compliant(finding(
                    "s3-encryption",
                    "fine-bucket",
                    Severity::Critical,
                    3.0,
                )),
            ],
            90.0,
        );
        assert!(r.score.below_threshold);
        let alert = compose(&r, "dev", &[AlertOn::Score], &Previous::default(), false)
            .expect("a score below the threshold alerts");
        let lines = named(&alert.message);
        assert_eq!(lines.len(), 2, "{}", alert.message);
        assert!(
            lines[0].contains("s3-public-read") && lines[0].contains("arn:aws:s3:::crown-jewels"),
            "{}",
            alert.message
        );
        assert!(
            lines[1].contains("arn:aws:s3:::low-bucket"),
            "{}",
            alert.message
        );
        assert!(!alert.message.contains("fine-bucket"), "{}", alert.message);
        assert_eq!(alert.attributes["rule_id"], "score-threshold");
    }

    #[test]
    fn a_score_alert_names_findings_even_when_none_is_new() {
        let open = finding("s3-public-read", "old-news", Severity::Critical, 2.0);
        let r = report(vec![open.clone()], 90.0);
        let previous = Previous {
            violations: [Violation {
                rule_id: open.rule_id.to_string(),
                resource_id: open.resource_id.clone(),
                region: open.region.as_deref().map(str::to_string),
                severity: open.severity,
            }]
            .into(),
            below_threshold: false,
        };
        let on = [AlertOn::Critical, AlertOn::Score];
        let alert = compose(&r, "dev", &on, &previous, false).expect("score alert");
        assert!(alert.announced.is_empty(), "nothing new to announce");
        assert!(
            alert.message.contains("arn:aws:s3:::old-news"),
            "{}",
            alert.message
        );
    }

    #[test]
    fn worst_is_the_highest_weight_then_the_highest_severity() {
        let r = report(
            vec![
                // weight 10: critical on a low-criticality resource
                finding("critical-low", "a", Severity::Critical, 1.0),
                // weight 15: high on a high-criticality resource
                finding("high-crown", "b", Severity::High, 3.0),
                // weight 10: high on a medium-criticality resource, ties with critical-low
                finding("high-medium", "c", Severity::High, 2.0),
            ],
            0.0,
        );
        let alert =
            compose(&r, "dev", &[AlertOn::High], &Previous::default(), false).expect("alert");
        let order: Vec<&str> = named(&alert.message)
            .iter()
            .map(|l| l.split_whitespace().nth(2).unwrap())
            .collect();
        assert_eq!(order, ["high-crown", "critical-low", "high-medium"]);
        assert_eq!(alert.attributes["severity"], "critical");
    }

    #[test]
    fn lists_stop_at_ten_and_say_how_many_more() {
        let findings: Vec<Finding> = (0..13)
            .map(|i| {
                finding(
                    "s3-public-read",
                    &format!("bucket-{i:02}"),
                    Severity::Critical,
                    1.0,
                )
            })
            .collect();
        let r = report(findings, 90.0);
        let on = [AlertOn::Critical, AlertOn::Score];
        let alert = compose(&r, "dev", &on, &Previous::default(), false).expect("alert");
        // Both lists (new violations, and what weighs on the score) are capped.
        assert_eq!(named(&alert.message).len(), 2 * LISTED, "{}", alert.message);
        assert_eq!(
            alert.message.matches("… and 3 more").count(),
            2,
            "{}",
            alert.message
        );
        assert_eq!(alert.announced.len(), 13, "all are recorded as announced");
    }

    #[test]
    fn no_alert_without_a_cause() {
        let r = report(
            vec![compliant(finding("r", "a", Severity::Critical, 1.0))],
            90.0,
        );
        let on = [AlertOn::Critical, AlertOn::Score];
        assert!(compose(&r, "dev", &on, &Previous::default(), false).is_none());
    }
}
