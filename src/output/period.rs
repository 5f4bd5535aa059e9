//! Period summaries (`report --since`) as a terminal table and as Markdown for
//! tickets and wikis. The numbers come from `core::period`; this file only lays
//! them out, so every format says the same thing.

use crate::core::history::sparkline;
use crate::core::period::{GroupSummary, PeriodSummary};
use crate::output::table::{table, Grid};
use std::collections::BTreeMap;
use std::fmt::Write as _;

fn score(s: Option<f64>) -> String {
    s.map_or_else(|| "n/a".into(), |s| format!("{s:.1}"))
}

fn hours(h: Option<f64>) -> String {
    match h {
        None => "n/a".into(),
        Some(h) if h >= 48.0 => format!("{:.1} days", h / 24.0),
        Some(h) => format!("{h:.1} h"),
    }
}

fn headline(p: &PeriodSummary) -> String {
    format!(
        "Period since {} ({} scan{}{}): score {} → {}; {} violations opened, {} closed, {} open; \
         mean time to remediate {} over {} remediated",
        p.since,
        p.scans,
        if p.scans == 1 { "" } else { "s" },
        p.until
            .as_deref()
            .map(|u| format!(", last {u}"))
            .unwrap_or_default(),
        score(p.score_start),
        score(p.score_end),
        p.opened,
        p.closed,
        p.open,
        hours(p.mean_time_to_remediate_hours),
        p.remediated,
    )
}

/// The terminal view: headline, days, groups and the longest-open violations.
pub fn render_table(p: &PeriodSummary) -> String {
    let mut out = headline(p);
    out.push('\n');
    if p.scans == 0 {
        out.push_str("no stored scans in this period: run `compliance scan`, or widen --since\n");
        return out;
    }
    if let Some(b) = &p.baseline {
        let _ = writeln!(out, "counted from the last scan before the period: {b}");
    }
    let mut t = table(&[
        "Day", "Scans", "Score", "Min", "Max", "Opened", "Closed", "Open",
    ]);
    for d in &p.days {
        t.row(vec![
            d.date.clone(),
            d.scans.to_string(),
            score(d.score),
            score(d.min_score),
            score(d.max_score),
            d.opened.to_string(),
            d.closed.to_string(),
            d.open.to_string(),
        ]);
    }
    let trend: Vec<Option<f64>> = p.days.iter().map(|d| d.score).collect();
    let _ = write!(out, "\n{t}\nScore per day: {}\n", sparkline(&trend));
    for (title, groups) in [
        ("Service", &p.by_service),
        ("Framework", &p.by_framework),
        ("Severity", &p.by_severity),
    ] {
        if groups.is_empty() {
            continue;
        }
        let _ = write!(out, "\n{}\n", group_table(title, groups));
    }
    if !p.longest_open.is_empty() {
        let mut t = table(&[
            "Open for",
            "Severity",
            "Rule",
            "Resource",
            "Region",
            "First seen",
        ]);
        for v in &p.longest_open {
            t.row(vec![
                format!(
                    "{}{:.1} days",
                    if v.open_before_period { "≥ " } else { "" },
                    v.age_days
                ),
                v.severity.to_string(),
                v.rule_id.clone(),
                v.resource_id.clone(),
                v.region.clone().unwrap_or_else(|| "-".into()),
                v.first_seen.clone(),
            ]);
        }
        let _ = write!(out, "\nLongest-open violations\n{t}\n");
    }
    out
}

fn group_table(title: &str, groups: &BTreeMap<String, GroupSummary>) -> Grid {
    let mut t = table(&[title, "Opened", "Closed", "Open", "Mean time to remediate"]);
    for (name, g) in groups {
        t.row(vec![
            name.clone(),
            g.opened.to_string(),
            g.closed.to_string(),
            g.open.to_string(),
            hours(g.mean_time_to_remediate_hours),
        ]);
    }
    t
}

/// Markdown for tickets, pull requests and wikis (GitHub-flavoured tables).
pub fn render_markdown(p: &PeriodSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Compliance since {}\n", md(&p.since));
    let _ = writeln!(out, "{}\n", md(&headline(p)));
    if p.scans == 0 {
        return out;
    }
    out.push_str(
        "| Day | Scans | Score | Opened | Closed | Open |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for d in &p.days {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            d.date,
            d.scans,
            score(d.score),
            d.opened,
            d.closed,
            d.open
        );
    }
    for (title, groups) in [
        ("Service", &p.by_service),
        ("Framework", &p.by_framework),
        ("Severity", &p.by_severity),
    ] {
        if groups.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "\n| {title} | Opened | Closed | Open | Mean time to remediate |\n|---|---:|---:|---:|---:|\n"
        );
        for (name, g) in groups {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                md(name),
                g.opened,
                g.closed,
                g.open,
                hours(g.mean_time_to_remediate_hours)
            );
        }
    }
    if !p.longest_open.is_empty() {
        out.push_str("\n### Longest-open violations\n\n| Open for | Severity | Rule | Resource | First seen |\n|---:|---|---|---|---|\n");
        for v in &p.longest_open {
            let _ = writeln!(
                out,
                "| {}{:.1} days | {} | {} | {} | {} |",
                if v.open_before_period { "≥ " } else { "" },
                v.age_days,
                v.severity,
                md(&v.rule_id),
                md(&v.resource_id),
                v.first_seen
            );
        }
    }
    out
}

/// Markdown text with the characters that would break a table cell escaped.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '|' | '\\' | '*' | '_' | '`' | '<' | '>' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::finding::{Evidence, Severity, Status};
    use crate::core::history::{ResourceRecord, RuleOutcome, ScanSummary};
    use crate::core::period::PeriodBuilder;

    fn period() -> PeriodSummary {
        let rec = |id: &str, status| ResourceRecord {
            resource_id: id.into(),
            timestamp: String::new(),
            scan_id: String::new(),
            resource_type: "AWS::S3::Bucket".into(),
            arn: None,
            account: None,
            region: Some("eu-west-1".into()),
            criticality: 2.0,
            score: None,
            outcomes: vec![RuleOutcome {
                rule_id: "s3-versioning".into(),
                status,
                severity: Severity::High,
                evidence: Evidence::note("p", "e", "n"),
                first_seen: None,
                exemption: None,
            }],
        };
        let sum = |id: &str, ts: &str, score| ScanSummary {
            scan_id: id.into(),
            timestamp: ts.into(),
            source: String::new(),
            score: Some(score),
            threshold: 70.0,
            resources: 1,
            evaluations: 1,
            by_status: BTreeMap::new(),
            failing_by_severity: BTreeMap::new(),
            by_service: BTreeMap::new(),
            errors: 0,
        };
        let mut b = PeriodBuilder::new(
            "2026-11-01T00:00:00.000Z",
            BTreeMap::from([("s3-versioning".to_string(), vec!["SOC2:CC6.1".to_string()])]),
        );
        b.add(
            &sum("s1", "2026-11-01T00:00:00.000Z", 0.0),
            &[
                rec("b|1", Status::NonCompliant),
                rec("b2", Status::NonCompliant),
            ],
        );
        b.add(
            &sum("s2", "2026-11-04T00:00:00.000Z", 50.0),
            &[
                rec("b|1", Status::NonCompliant),
                rec("b2", Status::Compliant),
            ],
        );
        b.finish()
    }

    #[test]
    fn table_and_markdown_say_the_same_numbers() {
        let p = period();
        let t = render_table(&p);
        assert!(t.contains("2 violations opened, 1 closed, 1 open"), "{t}");
        assert!(t.contains("3.0 days"), "{t}");
        assert!(t.contains("SOC2"));
        let m = render_markdown(&p);
        assert!(m.contains("| 2026-11-04 | 1 | 50.0 | 0 | 1 | 1 |"), "{m}");
        assert!(m.contains("| SOC2 | 2 | 1 | 1 | 3.0 days |"), "{m}");
        // A pipe in a resource id cannot split the cell.
        assert!(m.contains("| b\\|1 |"), "{m}");
        assert!(!m.contains("| b|1 |"));
    }
}
