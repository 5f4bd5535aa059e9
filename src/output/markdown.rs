//! `report --format markdown`: the executive summary, for tickets, pull
//! requests and wikis: the score against the threshold, counts by status and
//! severity, scores by service, the failing findings per rule, the ten worst
//! findings with their messages, errors and expired exemptions. It summarises;
//! the full list is in the other formats.

use crate::core::finding::{Finding, Severity, Status};
use crate::core::report::ScanReport;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// How many findings the "worst" list shows.
pub const WORST: usize = 10;

pub fn write<W: Write>(out: &mut W, report: &ScanReport) -> io::Result<()> {
    let s = &report.summary;
    let card = &report.score;
    writeln!(out, "# Compliance report\n")?;
    writeln!(
        out,
        "Scan `{}` of {} · {} resources · {} rules · {} evaluations\n",
        report.scan_id, report.generated_at, s.resources, s.rules, s.evaluations
    )?;
    match card.overall {
        Some(score) => writeln!(
            out,
            "**Score {score:.1}/100** — {} the threshold of {:.0}.\n",
            if card.below_threshold {
                "below"
            } else {
                "meets"
            },
            card.threshold
        )?,
        None => writeln!(
            out,
            "**Score n/a**: no compliant or non-compliant evaluations (threshold {:.0}).\n",
            card.threshold
        )?,
    }
    writeln!(out, "| Status | Findings |\n|---|---:|")?;
    for st in Status::ALL {
        let n = s.by_status.get(st.as_str()).copied().unwrap_or(0);
        writeln!(out, "| {st} | {n} |")?;
    }
    writeln!(out, "\n| Severity | Failing |\n|---|---:|")?;
    for sev in Severity::ALL {
        let n = s
            .failing_by_severity
            .get(sev.as_str())
            .copied()
            .unwrap_or(0);
        writeln!(out, "| {sev} | {n} |")?;
    }
    if !card.by_service.is_empty() {
        writeln!(
            out,
            "\n## By service\n\n| Service | Score | Compliant | Non-compliant | Error | Exempted |\n|---|---:|---:|---:|---:|---:|"
        )?;
        for (name, g) in &card.by_service {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(name),
                g.score.map_or("n/a".into(), |v| format!("{v:.1}")),
                g.compliant,
                g.non_compliant,
                g.error,
                g.exempted
            )?;
        }
    }
    // Failing findings per rule, worst severity first.
    let mut by_rule: BTreeMap<(std::cmp::Reverse<Severity>, &str), (&str, usize)> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.status.is_failing()) {
        by_rule
            .entry((std::cmp::Reverse(f.severity), &f.rule_id))
            .or_insert((&f.title, 0))
            .1 += 1;
    }
    writeln!(out, "\n## Failing rules\n")?;
    if by_rule.is_empty() {
        writeln!(out, "No failing findings.")?;
    } else {
        writeln!(
            out,
            "| Severity | Rule | Title | Resources |\n|---|---|---|---:|"
        )?;
        for ((sev, id), (title, n)) in &by_rule {
            writeln!(out, "| {} | `{id}` | {} | {n} |", sev.0, cell(title))?;
        }
    }
    let mut worst: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.status.is_failing())
        .collect();
    worst.sort_by(|a, b| {
        b.weight()
            .total_cmp(&a.weight())
            .then(b.severity.cmp(&a.severity))
            .then(a.rule_id.cmp(&b.rule_id))
            .then(a.resource_id.cmp(&b.resource_id))
    });
    if !worst.is_empty() {
        writeln!(
            out,
            "\n## Top {} risks\n\n| Severity | Resource | Account | Region | Finding |\n|---|---|---|---|---|",
            worst.len().min(WORST)
        )?;
        for f in worst.iter().take(WORST) {
            writeln!(
                out,
                "| {} | `{}` | {} | {} | {} |",
                f.severity,
                cell(&f.resource_id),
                cell(f.account.as_deref().unwrap_or("-")),
                cell(f.region.as_deref().unwrap_or("-")),
                cell(&f.message_text())
            )?;
        }
    }
    if !report.errors.is_empty() {
        writeln!(
            out,
            "\n## Not read or not evaluated ({})\n",
            report.errors.len()
        )?;
        for e in report.errors.iter().take(WORST) {
            writeln!(out, "- {}: {}", cell(&e.source), cell(&e.message))?;
        }
        if report.errors.len() > WORST {
            writeln!(out, "- … and {} more", report.errors.len() - WORST)?;
        }
    }
    if !report.expired_exemptions.is_empty() {
        writeln!(out, "\n## Expired exemptions\n")?;
        for e in &report.expired_exemptions {
            writeln!(
                out,
                "- `{}` on `{}`: expired {} (owner {}) — {}",
                e.rule,
                cell(&e.resource),
                e.expires,
                cell(&e.owner),
                cell(&e.reason)
            )?;
        }
    }
    Ok(())
}

/// Text safe inside a table cell: pipes escaped, line breaks as spaces.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}
