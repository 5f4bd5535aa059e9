//! `report --format markdown`: the executive summary, for tickets, pull
//! requests and wikis: the score against the threshold, counts by status and
//! severity, scores by service, the failing findings per rule, the ten worst
//! findings with their messages, errors and expired exemptions. It summarises;
//! the full list is in the other formats.

use crate::core::finding::{Finding, Severity, Status};
use crate::core::report::ScanReport;
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// How many findings the "worst" list shows.
pub const WORST: usize = 10;

/// Failing findings per rule (worst severity first): the rule's title and count.
type ByRule = BTreeMap<(Reverse<Severity>, String), (String, usize)>;

/// The summary needs the final score, so it is written at the end; on the
/// way only the per-rule counts and the worst few findings are kept.
pub struct MarkdownWriter<W: Write> {
    out: W,
    by_rule: ByRule,
    worst: Vec<Finding>,
    /// `worst` was sorted and cut: its first WORST are the best so far.
    cut: bool,
}

impl<W: Write> MarkdownWriter<W> {
    pub fn new(out: W) -> MarkdownWriter<W> {
        MarkdownWriter {
            out,
            by_rule: BTreeMap::new(),
            worst: Vec::new(),
            cut: false,
        }
    }
}

impl<W: Write + Send> super::report::FormatWriter for MarkdownWriter<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        if !f.status.is_failing() {
            return Ok(());
        }
        let key = (Reverse(f.severity), f.rule_id.to_string());
        match self.by_rule.get_mut(&key) {
            Some(entry) => entry.1 += 1,
            None => {
                self.by_rule.insert(key, (f.title.to_string(), 1));
            }
        }
        // Sorted and cut now and then, so at most 2 × WORST are kept; once
        // cut, a finding behind the last one kept cannot make the list.
        if self.cut && order(f, &self.worst[WORST - 1]).is_gt() {
            return Ok(());
        }
        self.worst.push(f.clone());
        if self.worst.len() >= 2 * WORST {
            worst_first(&mut self.worst);
            self.worst.truncate(WORST);
            self.cut = true;
        }
        Ok(())
    }

    fn finish(self: Box<Self>, report: &ScanReport) -> io::Result<usize> {
        let MarkdownWriter {
            mut out,
            by_rule,
            mut worst,
            ..
        } = *self;
        worst_first(&mut worst);
        summary(&mut out, report, &by_rule, &worst)?;
        out.flush()?;
        Ok(0)
    }
}

/// Highest weight first, then severity, rule and resource (a total order, so
/// the list does not depend on the order findings arrived in).
fn order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    b.weight()
        .total_cmp(&a.weight())
        .then(b.severity.cmp(&a.severity))
        .then(a.rule_id.cmp(&b.rule_id))
        .then(a.resource_id.cmp(&b.resource_id))
        .then(a.finding_id.cmp(&b.finding_id))
}

fn worst_first(findings: &mut [Finding]) {
    findings.sort_by(order);
}

fn summary<W: Write>(
    out: &mut W,
    report: &ScanReport,
    by_rule: &ByRule,
    worst: &[Finding],
) -> io::Result<()> {
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
    writeln!(out, "\n## Failing rules\n")?;
    if by_rule.is_empty() {
        writeln!(out, "No failing findings.")?;
    } else {
        writeln!(
            out,
            "| Severity | Rule | Title | Resources |\n|---|---|---|---:|"
        )?;
        for ((sev, id), (title, n)) in by_rule {
            writeln!(out, "| {} | `{id}` | {} | {n} |", sev.0, cell(title))?;
        }
    }
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
