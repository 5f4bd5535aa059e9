//! Terminal tables (comfy-table): the summary first, then what needs attention,
//! grouped by rule and ordered by severity, each row with its evidence. Tables are
//! for people; anything a program reads uses JSON.

use crate::core::finding::{Finding, Severity, Status};
use crate::core::report::ScanReport;
use crate::core::rule::Rule;
use crate::core::score::{GroupScore, Grouping, ScoreCard};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

/// The one table style of every command.
pub fn table() -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    // On a pipe there is no terminal width; wrap at a width that still reads well.
    if t.width().is_none() {
        t.set_width(160);
    }
    t
}

fn score_text(s: Option<f64>) -> String {
    s.map(|s| format!("{s:.1}")).unwrap_or_else(|| "n/a".into())
}

/// The headline: score against threshold.
fn headline(card: &ScoreCard) -> String {
    match card.overall {
        Some(s) if card.below_threshold => {
            format!(
                "Score {s:.1}/100 — BELOW the threshold of {:.0}",
                card.threshold
            )
        }
        Some(s) => format!("Score {s:.1}/100 (threshold {:.0})", card.threshold),
        None => format!(
            "Score n/a: no compliant or non-compliant evaluations (threshold {:.0})",
            card.threshold
        ),
    }
}

/// A table of group scores, e.g. by service.
pub fn render_groups(title: &str, groups: &BTreeMap<String, GroupScore>) -> String {
    let mut t = table();
    t.set_header(vec![
        title,
        "Score",
        "Compliant",
        "Non-compliant",
        "Error",
        "Exempted",
        "N/A",
    ]);
    for (name, g) in groups {
        t.add_row(vec![
            Cell::new(name),
            Cell::new(score_text(g.score)).set_alignment(CellAlignment::Right),
            Cell::new(g.compliant).set_alignment(CellAlignment::Right),
            Cell::new(g.non_compliant).set_alignment(CellAlignment::Right),
            Cell::new(g.error).set_alignment(CellAlignment::Right),
            Cell::new(g.exempted).set_alignment(CellAlignment::Right),
            Cell::new(g.not_applicable).set_alignment(CellAlignment::Right),
        ]);
    }
    format!("{t}\n")
}

/// `score` output: the headline and one table per grouping.
pub fn render_score(card: &ScoreCard, groupings: &[Grouping]) -> String {
    let mut out = format!("{}\n", headline(card));
    for g in groupings {
        let name = match g {
            Grouping::Service => "Service",
            Grouping::Severity => "Severity",
            Grouping::Category => "Category",
            Grouping::Framework => "Framework",
            Grouping::Rule => "Rule",
        };
        out.push('\n');
        out.push_str(&render_groups(name, card.group(*g)));
    }
    out
}

/// How many resources a rule's table shows by default; the rest is a count
/// (`--all` shows every one, `--format json` has them all).
pub const ROWS_PER_RULE: usize = 10;

/// What the scan table shows, gathered one finding at a time so a scan of
/// 100,000 resources is summarised without holding its findings: per rule, a
/// count and the worst few resources (highest weight, then failing before
/// exempted, then by id).
pub struct TableSummary {
    all: bool,
    limit: usize,
    by_rule: BTreeMap<(std::cmp::Reverse<Severity>, Arc<str>), RuleRows>,
}

#[derive(Default)]
struct RuleRows {
    title: String,
    count: usize,
    rows: Vec<Finding>,
}

impl TableSummary {
    pub fn new(all: bool) -> TableSummary {
        TableSummary {
            all,
            limit: if all { usize::MAX } else { ROWS_PER_RULE },
            by_rule: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, f: &Finding) {
        let shown = self.all
            || matches!(
                f.status,
                Status::NonCompliant | Status::Error | Status::Exempted
            );
        if !shown {
            return;
        }
        let entry = self
            .by_rule
            .entry((std::cmp::Reverse(f.severity), f.rule_id.clone()))
            .or_insert_with(|| RuleRows {
                title: f.title.to_string(),
                ..RuleRows::default()
            });
        entry.count += 1;
        entry.rows.push(f.clone());
        // Trim in batches: sorting on every push would cost n log n per finding.
        if self.limit != usize::MAX && entry.rows.len() >= self.limit * 8 {
            worst_first(&mut entry.rows);
            entry.rows.truncate(self.limit);
        }
    }

    /// The whole table text for a finished scan.
    pub fn render(mut self, report: &ScanReport) -> String {
        let mut out = String::new();
        let s = &report.summary;
        let _ = writeln!(
            out,
            "Scan {} · {} · {} resources · {} rules · {} evaluations",
            report.scan_id, report.generated_at, s.resources, s.rules, s.evaluations
        );
        let _ = writeln!(out, "{}", headline(&report.score));
        let counts: Vec<String> = Status::ALL
            .iter()
            .map(|st| {
                format!(
                    "{} {}",
                    s.by_status.get(st.as_str()).copied().unwrap_or(0),
                    st
                )
            })
            .collect();
        let _ = writeln!(out, "{}", counts.join(" · "));
        let failing: Vec<String> = Severity::ALL
            .iter()
            .filter_map(|sev| {
                let n = s
                    .failing_by_severity
                    .get(sev.as_str())
                    .copied()
                    .unwrap_or(0);
                (n > 0).then(|| format!("{n} {sev}"))
            })
            .collect();
        if !failing.is_empty() {
            let _ = writeln!(out, "Failing: {}", failing.join(" · "));
        }
        if !report.score.by_service.is_empty() {
            out.push('\n');
            out.push_str(&render_groups("Service", &report.score.by_service));
        }
        if self.by_rule.is_empty() {
            out.push_str("\nNo failing findings.\n");
        }
        let mut cut = false;
        for ((sev, rule_id), rows) in self.by_rule.iter_mut() {
            let _ = writeln!(
                out,
                "\n{} {} — {} ({})",
                sev.0.as_str().to_uppercase(),
                rule_id,
                rows.title,
                rows.count
            );
            worst_first(&mut rows.rows);
            rows.rows.truncate(self.limit);
            let mut t = table();
            t.set_header(vec!["Status", "Resource", "Region", "Finding"]);
            for f in &rows.rows {
                let resource = match &f.resource_name {
                    Some(name) if name != &f.resource_id => {
                        format!("{} ({name})", f.resource_id)
                    }
                    _ => f.resource_id.clone(),
                };
                let mut evidence = f.message_text().into_owned();
                if let Some(ex) = &f.exemption {
                    evidence = format!(
                        "exempted until {} by {}: {}",
                        ex.expires, ex.owner, ex.reason
                    );
                }
                t.add_row(vec![
                    f.status.to_string(),
                    resource,
                    f.region.as_deref().unwrap_or_default().to_string(),
                    evidence,
                ]);
            }
            let _ = writeln!(out, "{t}");
            if rows.count > rows.rows.len() {
                cut = true;
                let _ = writeln!(
                    out,
                    "  … and {} more resource(s)",
                    rows.count - rows.rows.len()
                );
            }
        }
        if cut {
            let _ = writeln!(
                out,
                "\nShowing the worst {} resources per rule; --all lists every one, --format json has them all.",
                self.limit
            );
        }
        if !report.errors.is_empty() {
            let _ = writeln!(
                out,
                "\nCould not read or evaluate ({}):",
                report.errors.len()
            );
            for e in report
                .errors
                .iter()
                .take(if self.all { usize::MAX } else { 50 })
            {
                let mut line = format!("  {}: {}", e.source, e.message);
                if let Some(code) = &e.code {
                    line.push_str(&format!(" [{code}]"));
                }
                if let Some(id) = &e.request_id {
                    line.push_str(&format!(" (request id {id})"));
                }
                let _ = writeln!(out, "{line}");
            }
            if !self.all && report.errors.len() > 50 {
                let _ = writeln!(out, "  … and {} more", report.errors.len() - 50);
            }
        }
        if !report.expired_exemptions.is_empty() {
            let _ = writeln!(out, "\nExpired exemptions (no longer applied):");
            for e in &report.expired_exemptions {
                let _ = writeln!(
                    out,
                    "  {} on {}: expired {} (owner {}, {} finding(s)) — {}",
                    e.rule, e.resource, e.expires, e.owner, e.matched_findings, e.reason
                );
            }
        }
        out
    }
}

/// Highest weight first, then failing before exempted, then by resource id.
fn worst_first(rows: &mut [Finding]) {
    rows.sort_by(|a, b| {
        b.weight()
            .total_cmp(&a.weight())
            .then(a.status.cmp(&b.status))
            .then(a.resource_id.cmp(&b.resource_id))
    });
}

/// `scan` and `report` output for a report that holds its findings.
pub fn render_report(report: &ScanReport, all: bool) -> String {
    let mut summary = TableSummary::new(all);
    report.findings.iter().for_each(|f| summary.add(f));
    summary.render(report)
}

/// `rules list`.
pub fn render_rules(rules: &[Arc<Rule>]) -> String {
    let mut t = table();
    t.set_header(vec![
        "Id",
        "Severity",
        "Resource types",
        "Config rule",
        "Title",
    ]);
    let mut sorted: Vec<&Arc<Rule>> = rules.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    for r in sorted {
        t.add_row(vec![
            r.id.clone(),
            r.severity.to_string(),
            r.resource_types.join("\n"),
            r.config_rule
                .as_ref()
                .map(|c| c.identifier.clone())
                .unwrap_or_else(|| "-".into()),
            r.title.to_string(),
        ]);
    }
    format!("{t}\n{} rules\n", rules.len())
}

/// `rules explain`.
pub fn render_explain(rule: &Rule) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", rule.id, rule.title);
    let _ = writeln!(out, "  severity:   {}", rule.severity);
    let _ = writeln!(out, "  category:   {}", rule.category);
    let _ = writeln!(out, "  applies to: {}", rule.resource_types.join(", "));
    if !rule.frameworks.is_empty() {
        let _ = writeln!(out, "  frameworks: {}", rule.frameworks.join(", "));
    }
    if let Some(scope) = rule.scope_description() {
        let _ = writeln!(out, "  scope:      {scope}");
    }
    if let Some(check) = rule.check_description() {
        let _ = writeln!(out, "  compliant when: {check}");
    }
    let _ = writeln!(
        out,
        "  missing data: {}",
        match rule.on_missing {
            Status::Compliant => "compliant",
            Status::NotApplicable => "not applicable",
            _ => "non-compliant",
        }
    );
    if !rule.params.is_empty() {
        let _ = writeln!(
            out,
            "  parameters (override in compliance.toml under [rules.{}.params]):",
            rule.id
        );
        for (k, v) in &rule.params {
            let _ = writeln!(out, "    {k} = {v}");
        }
    }
    match &rule.config_rule {
        Some(c) => {
            let _ = writeln!(
                out,
                "  AWS Config managed rule: {}{}",
                c.identifier,
                if c.periodic {
                    " (periodic)"
                } else {
                    " (on change)"
                }
            );
            for (k, v) in rule.config_rule_parameters(&rule.params) {
                let _ = writeln!(out, "    {k} = {v}");
            }
        }
        None => {
            let _ = writeln!(
                out,
                "  AWS Config managed rule: none (evaluated by this tool only)"
            );
        }
    }
    if let Some(r) = &rule.remediation {
        let _ = writeln!(out, "  remediation action: {r}");
    }
    let _ = writeln!(out, "\nWhy:\n  {}", rule.docs.why.trim());
    let _ = writeln!(out, "\nFix:\n  {}", rule.docs.fix.trim());
    if !rule.docs.references.is_empty() {
        let _ = writeln!(out, "\nReferences:");
        for r in &rule.docs.references {
            let _ = writeln!(out, "  {r}");
        }
    }
    let _ = writeln!(out, "\nSource: {}", rule.file);
    out
}

/// `rules test`: the failures, rules without tests, and the count.
pub fn render_rule_tests(
    untested: &[(String, String)],
    failures: &[crate::core::catalogue::TestResult],
    passed: usize,
) -> String {
    let mut out = String::new();
    for (file, id) in untested {
        let _ = writeln!(out, "warning: {file}: rule `{id}` has no inline tests");
    }
    for r in failures {
        let _ = writeln!(
            out,
            "FAIL {}:{}: {} — {}: expected {}, got {}\n     {}",
            r.file, r.line, r.rule_id, r.name, r.expected, r.actual, r.detail
        );
    }
    let _ = writeln!(out, "rules: {passed} passed, {} failed", failures.len());
    out
}
