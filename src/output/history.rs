//! Terminal text for history: the stored scans with a trend line, one
//! resource's outcomes over time, and what changed between two scans.

use crate::core::finding::{Severity, Status};
use crate::core::history::{sparkline, Diff, ResourceRecord, ScanSummary, Violation};
use crate::output::table::table;

/// `history`: one row per stored scan, then the trend.
pub fn render_scans(scans: &[ScanSummary]) -> String {
    if scans.is_empty() {
        return "no stored scans yet: run `compliance scan`\n".to_string();
    }
    let mut t = table(&[
        "Time",
        "Scan",
        "Score",
        "Resources",
        "Failing c/h/m/l",
        "Errors",
    ])
    .keep(1)
    .right(2)
    .right(3)
    .right(5)
    .optional(5)
    .optional(3);
    for s in scans {
        let counts: Vec<String> = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
        ]
        .iter()
        .map(|sev| {
            s.failing_by_severity
                .get(sev.as_str())
                .copied()
                .unwrap_or(0)
                .to_string()
        })
        .collect();
        t.row([
            minute(&s.timestamp),
            s.scan_id.clone(),
            score(s.score),
            s.resources.to_string(),
            counts.join("/"),
            s.errors.to_string(),
        ]);
    }
    let trend: Vec<Option<f64>> = scans.iter().map(|s| s.score).collect();
    let non_compliant = scans
        .last()
        .and_then(|s| s.by_status.get(Status::NonCompliant.as_str()))
        .copied()
        .unwrap_or(0);
    format!(
        "{t}Trend ({} scans, oldest first): {}\nLatest: {} non-compliant evaluations\n",
        scans.len(),
        sparkline(&trend),
        non_compliant
    )
}

/// `history --resource`: one row per scan of that resource.
pub fn render_resource(resource: &str, records: &[ResourceRecord]) -> String {
    if records.is_empty() {
        return format!("no history for {resource}\n");
    }
    let mut t = table(&["Time", "Scan", "Score", "Failing rules"])
        .keep(1)
        .right(2);
    for r in records {
        let failing: Vec<String> = r
            .outcomes
            .iter()
            .filter(|o| o.status.is_failing())
            .map(|o| format!("{} ({})", o.rule_id, o.severity))
            .collect();
        t.row([
            minute(&r.timestamp),
            r.scan_id.clone(),
            score(r.score),
            failing.join(", "),
        ]);
    }
    t.to_string()
}

/// `diff`: counts, then a table per kind of change.
pub fn render_diff(from: &ScanSummary, to: &ScanSummary, d: &Diff) -> String {
    let mut out = format!(
        "From {} ({})\nTo   {} ({})\n{} new · {} resolved · {} still open\n",
        from.scan_id,
        from.timestamp,
        to.scan_id,
        to.timestamp,
        d.new.len(),
        d.resolved.len(),
        d.persisting.len()
    );
    for (title, list) in [
        ("New", &d.new),
        ("Resolved", &d.resolved),
        ("Still open", &d.persisting),
    ] {
        if list.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{title}:\n{}", violations(list)));
    }
    out
}

fn violations(list: &[Violation]) -> String {
    let mut t = table(&["Severity", "Rule", "Resource", "Region"]);
    let mut sorted: Vec<&Violation> = list.iter().collect();
    sorted.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule_id.cmp(&b.rule_id)));
    for v in sorted {
        t.row([
            v.severity.to_string(),
            v.rule_id.clone(),
            v.resource_id.clone(),
            v.region.clone().unwrap_or_default(),
        ]);
    }
    t.to_string()
}

/// `2026-11-29T17:00:10.199Z` as `2026-11-29 17:00` (the scan id tells scans apart).
fn minute(timestamp: &str) -> String {
    match timestamp.get(..16) {
        Some(head) if timestamp.is_char_boundary(16) => head.replacen('T', " ", 1),
        _ => timestamp.to_string(),
    }
}

fn score(s: Option<f64>) -> String {
    s.map(|s| format!("{s:.1}")).unwrap_or_else(|| "n/a".into())
}
