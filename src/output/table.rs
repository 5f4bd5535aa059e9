//! Terminal tables: the one table style of every command ([`table`]), sized
//! to the screen, and the scan, score and rules tables built with it. Tables
//! are for people; anything a program reads uses JSON.
//!
//! Every row is one line. The width is the terminal's when stdout is one that
//! reports a size; otherwise (pipes, CI logs, pseudo-terminals that report 0
//! columns) `COLUMNS` when set, else [`DEFAULT_WIDTH`]. When the rows do not
//! fit, the widest columns give way first, never below their header word, and
//! a value that does not fit is cut with `…`: the full values (ARNs, policies,
//! evidence) are in `--format json`. Lines of prose around the tables (titles,
//! counts) are cut the same way with [`fit_line`].

use crate::core::finding::{Finding, Severity, Status};
use crate::core::report::ScanReport;
use crate::core::rule::Rule;
use crate::core::score::{GroupScore, Grouping, ScoreCard};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};
use std::collections::BTreeMap;
use std::fmt::{self, Write};
use std::sync::{Arc, OnceLock};

/// The width when neither the terminal nor `COLUMNS` says one.
pub const DEFAULT_WIDTH: usize = 100;

/// A cut column still shows this many characters (or its header, if wider).
const MIN_CUT: usize = 10;

/// The width output is fitted to, decided once per process (see the module note).
pub fn width() -> usize {
    static WIDTH: OnceLock<usize> = OnceLock::new();
    *WIDTH.get_or_init(|| {
        // comfy-table answers only when stdout is a terminal, and then with its size.
        let terminal = Table::new().width().map(usize::from);
        let columns = std::env::var("COLUMNS").ok();
        choose_width(terminal, columns.as_deref())
    })
}

/// The terminal's width when it reports one, else `COLUMNS`, else the default.
fn choose_width(terminal: Option<usize>, columns: Option<&str>) -> usize {
    terminal
        .filter(|w| *w > 0)
        .or_else(|| {
            columns
                .and_then(|c| c.trim().parse::<usize>().ok())
                .filter(|w| *w > 0)
        })
        .unwrap_or(DEFAULT_WIDTH)
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// `text` cut to `width` characters, the last one an ellipsis when cut.
pub fn cut(text: &str, width: usize) -> String {
    if chars(text) <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// A line of prose fitted to the output width.
pub fn fit_line(text: &str) -> String {
    cut(text, width())
}

/// `text` wrapped at spaces to lines of at most `width` characters, each
/// starting with `indent`; a word longer than a line (an ARN) is broken across
/// lines, never cut, since wrapped text is the full value.
pub fn wrap(text: &str, indent: &str, width: usize) -> Vec<String> {
    let room = width.saturating_sub(chars(indent)).max(20);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && chars(&line) + 1 + chars(word) > room {
            lines.push(format!("{indent}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        let mut rest: Vec<char> = word.chars().collect();
        while chars(&line) + rest.len() > room {
            let take = room - chars(&line);
            line.extend(rest.drain(..take));
            lines.push(format!("{indent}{line}"));
            line.clear();
        }
        line.extend(rest);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(format!("{indent}{line}"));
    }
    lines
}

/// `parts` joined by `sep` on as few lines of at most `width` characters as
/// possible, breaking between parts first (a part longer than a line is
/// wrapped at spaces).
pub fn wrap_parts(parts: &[String], sep: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for (i, part) in parts.iter().enumerate() {
        let piece = if i + 1 < parts.len() {
            format!("{part}{}", sep.trim_end())
        } else {
            part.clone()
        };
        let joined = if line.is_empty() {
            piece.clone()
        } else {
            format!("{line} {piece}")
        };
        if chars(&joined) <= width {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if chars(&piece) <= width {
            line = piece;
        } else {
            let mut wrapped = wrap(&piece, "", width);
            line = wrapped.pop().unwrap_or_default();
            lines.extend(wrapped);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Column widths that fit `room`: the natural widths when they fit, else the
/// widest columns are capped at one common width (never below their floor),
/// with what is left over handed back from the left.
fn fit_widths(natural: &[usize], floor: &[usize], room: usize) -> Vec<usize> {
    if natural.iter().sum::<usize>() <= room {
        return natural.to_vec();
    }
    let at = |cap: usize| -> Vec<usize> {
        natural
            .iter()
            .zip(floor)
            .map(|(n, f)| (*n).min(cap.max(*f)))
            .collect()
    };
    let (mut lo, mut hi) = (0, natural.iter().copied().max().unwrap_or(0));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if at(mid).iter().sum::<usize>() <= room {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let mut widths = at(lo);
    let mut spare = room.saturating_sub(widths.iter().sum());
    for (w, n) in widths.iter_mut().zip(natural) {
        if spare == 0 {
            break;
        }
        if *w < *n {
            *w += 1;
            spare -= 1;
        }
    }
    widths
}

/// The one table style of every command: a header and one-line rows, fitted
/// to the output width when shown (see the module note).
pub struct Grid {
    header: Vec<String>,
    right: Vec<bool>,
    /// Columns never cut (identifiers a person copies into the next command).
    keep: Vec<bool>,
    /// Columns cut only when the others cannot give way enough.
    last: Vec<bool>,
    /// Columns left out, in this order, when the others cannot fit whole.
    optional: Vec<usize>,
    rows: Vec<Vec<String>>,
}

/// A table with these column headers, in the one style.
pub fn table(header: &[&str]) -> Grid {
    Grid {
        header: header.iter().map(|h| h.to_string()).collect(),
        right: vec![false; header.len()],
        keep: vec![false; header.len()],
        last: vec![false; header.len()],
        optional: Vec::new(),
        rows: Vec::new(),
    }
}

impl Grid {
    /// Right-aligns column `column` (numbers).
    pub fn right(mut self, column: usize) -> Grid {
        if let Some(r) = self.right.get_mut(column) {
            *r = true;
        }
        self
    }

    /// Never cuts column `column`: its values are copied into other commands.
    pub fn keep(mut self, column: usize) -> Grid {
        if let Some(k) = self.keep.get_mut(column) {
            *k = true;
        }
        self
    }

    /// Cuts column `column` only when the others cannot give way enough.
    pub fn last(mut self, column: usize) -> Grid {
        if let Some(l) = self.last.get_mut(column) {
            *l = true;
        }
        self
    }

    /// Leaves column `column` out when the table cannot fit otherwise (the
    /// first one marked goes first); `--format json` still has its values.
    pub fn optional(mut self, column: usize) -> Grid {
        if column < self.header.len() {
            self.optional.push(column);
        }
        self
    }

    /// Adds a row; line breaks and tabs in a value become spaces.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut row: Vec<String> = cells
            .into_iter()
            .map(|c| {
                c.into()
                    .chars()
                    .map(|ch| if ch.is_control() { ' ' } else { ch })
                    .collect()
            })
            .collect();
        row.resize(self.header.len(), String::new());
        self.rows.push(row);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table fitted to `width` columns, ending with a newline.
    pub fn render(&self, width: usize) -> String {
        let natural: Vec<usize> = (0..self.header.len())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| chars(&r[i]))
                    .chain([chars(&self.header[i])])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        // Optional columns go, in the order given, while the others cannot be
        // shown whole beside them (at their narrowest).
        let mut shown: Vec<usize> = (0..self.header.len()).collect();
        for drop in &self.optional {
            let hard = self.floors(&shown, &natural, false);
            let need: usize = shown
                .iter()
                .zip(&hard)
                .map(|(i, h)| {
                    if self.optional.contains(i) {
                        *h
                    } else {
                        natural[*i]
                    }
                })
                .sum();
            if need <= room(shown.len(), width) {
                break;
            }
            shown.retain(|i| i != drop);
        }
        let widths = self.widths(&shown, &natural, width);
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .force_no_tty();
        t.set_header(shown.iter().map(|i| Cell::new(&self.header[*i])));
        for row in &self.rows {
            t.add_row(shown.iter().zip(&widths).map(|(i, w)| {
                let cell = Cell::new(cut(&row[*i], *w));
                if self.right[*i] {
                    cell.set_alignment(CellAlignment::Right)
                } else {
                    cell
                }
            }));
        }
        format!("{t}\n")
    }

    /// The narrowest each shown column may be: kept columns (and, when `soft`,
    /// last-cut ones) whole, the others their header or a few characters.
    fn floors(&self, shown: &[usize], natural: &[usize], soft: bool) -> Vec<usize> {
        shown
            .iter()
            .map(|&i| {
                if self.keep[i] || (soft && self.last[i]) {
                    natural[i]
                } else {
                    chars(&self.header[i]).max(natural[i].min(MIN_CUT))
                }
            })
            .collect()
    }

    /// The widths of the shown columns in `width` characters.
    fn widths(&self, shown: &[usize], natural: &[usize], width: usize) -> Vec<usize> {
        let room = room(shown.len(), width);
        let natural_shown: Vec<usize> = shown.iter().map(|i| natural[*i]).collect();
        let soft = self.floors(shown, natural, true);
        if soft.iter().sum::<usize>() <= room {
            return fit_widths(&natural_shown, &soft, room);
        }
        // The other columns down to their floors; the last-cut ones share the rest.
        let mut floors = self.floors(shown, natural, false);
        let is_last = |k: &usize| self.last[shown[*k]];
        let others: usize = (0..shown.len())
            .filter(|k| !is_last(k))
            .map(|k| floors[k])
            .sum();
        let last: Vec<usize> = (0..shown.len()).filter(is_last).collect();
        let shares = fit_widths(
            &last.iter().map(|k| natural_shown[*k]).collect::<Vec<_>>(),
            &last.iter().map(|k| floors[*k]).collect::<Vec<_>>(),
            room.saturating_sub(others),
        );
        for (k, w) in last.iter().zip(shares) {
            floors[*k] = w;
        }
        fit_widths(&natural_shown, &floors, room)
    }
}

/// Characters left for values in `width` once `columns` columns have their
/// borders: a space either side of each value, a rule left of each, one closing.
fn room(columns: usize, width: usize) -> usize {
    width.saturating_sub(3 * columns + 1)
}

impl fmt::Display for Grid {
    /// The table fitted to [`width`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(width()))
    }
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
    let mut t = table(&[
        title,
        "Score",
        "Compliant",
        "Non-compliant",
        "Error",
        "Exempted",
        "N/A",
    ]);
    for column in 1..=6 {
        t = t.right(column);
    }
    for (name, g) in groups {
        t.row([
            name.clone(),
            score_text(g.score),
            g.compliant.to_string(),
            g.non_compliant.to_string(),
            g.error.to_string(),
            g.exempted.to_string(),
            g.not_applicable.to_string(),
        ]);
    }
    t.to_string()
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
            Grouping::Account => "Account",
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
            "{}",
            fit_line(&format!(
                "Scan {} · {}",
                report.scan_id, report.generated_at
            ))
        );
        let _ = writeln!(
            out,
            "{}",
            fit_line(&format!(
                "{} resources · {} rules · {} evaluations",
                s.resources, s.rules, s.evaluations
            ))
        );
        let _ = writeln!(out, "{}", fit_line(&headline(&report.score)));
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
        let _ = writeln!(out, "{}", fit_line(&counts.join(" · ")));
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
            let _ = writeln!(
                out,
                "{}",
                fit_line(&format!("Failing: {}", failing.join(" · ")))
            );
        }
        if !report.score.by_service.is_empty() {
            out.push('\n');
            out.push_str(&render_groups("Service", &report.score.by_service));
        }
        if self.by_rule.is_empty() {
            out.push_str("\nNo failing findings.\n");
        }
        let mut cut_rows = false;
        for ((sev, rule_id), rows) in self.by_rule.iter_mut() {
            // The count before the title, so a cut title never hides it.
            let _ = writeln!(
                out,
                "\n{}",
                fit_line(&format!(
                    "{} {} ({}) — {}",
                    sev.0.as_str().to_uppercase(),
                    rule_id,
                    rows.count,
                    rows.title
                ))
            );
            worst_first(&mut rows.rows);
            rows.rows.truncate(self.limit);
            // A path every row shares is said once, above the table, so the
            // evidence column shows what was found.
            let path = rows
                .rows
                .first()
                .map(|f| f.evidence.path.clone())
                .filter(|p| !p.is_empty() && rows.rows.iter().all(|f| f.evidence.path == *p))
                // A rule's own sentence (its message template) says what was found.
                .filter(|_| rows.rows.iter().all(|f| f.message.is_none()));
            if let Some(path) = &path {
                let _ = writeln!(out, "{}", fit_line(&format!("  at {path}")));
            }
            let mut t = table(&["Status", "Resource", "Region", "Finding"])
                .keep(0)
                .keep(2);
            for f in &rows.rows {
                let resource = match &f.resource_name {
                    Some(name) if name != &f.resource_id => {
                        format!("{} ({name})", f.resource_id)
                    }
                    _ => f.resource_id.clone(),
                };
                let mut evidence = f.message_text().into_owned();
                if let Some(path) = &path {
                    if let Some(rest) = evidence.strip_prefix(&format!("{path}: ")) {
                        evidence = rest.to_string();
                    }
                }
                if let Some(ex) = &f.exemption {
                    evidence = format!(
                        "exempted until {} by {}: {}",
                        ex.expires, ex.owner, ex.reason
                    );
                }
                t.row([
                    f.status.to_string(),
                    resource,
                    f.region.as_deref().unwrap_or_default().to_string(),
                    evidence,
                ]);
            }
            out.push_str(&t.to_string());
            if rows.count > rows.rows.len() {
                cut_rows = true;
                let _ = writeln!(
                    out,
                    "  … and {} more resource(s)",
                    rows.count - rows.rows.len()
                );
            }
        }
        if cut_rows {
            out.push('\n');
            for line in wrap(
                &format!(
                    "Showing the worst {} resources per rule; --all lists every one, --format json has them all.",
                    self.limit
                ),
                "",
                width(),
            ) {
                let _ = writeln!(out, "{line}");
            }
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
                let _ = writeln!(out, "{}", fit_line(&line));
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
                    "{}",
                    fit_line(&format!(
                        "  {} on {}: expired {} (owner {}, {} finding(s)) — {}",
                        e.rule, e.resource, e.expires, e.owner, e.matched_findings, e.reason
                    ))
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

/// `--format table` as a [`super::report::FormatWriter`]: the running
/// summary, written out at the end.
pub struct TableWriter<W: std::io::Write> {
    summary: TableSummary,
    out: W,
}

impl<W: std::io::Write> TableWriter<W> {
    pub fn new(out: W, all: bool) -> TableWriter<W> {
        TableWriter {
            summary: TableSummary::new(all),
            out,
        }
    }
}

impl<W: std::io::Write + Send> super::report::FormatWriter for TableWriter<W> {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        self.summary.add(f);
        Ok(())
    }

    fn finish(self: Box<Self>, report: &ScanReport) -> std::io::Result<usize> {
        let TableWriter { summary, mut out } = *self;
        out.write_all(summary.render(report).as_bytes())?;
        out.flush()?;
        Ok(0)
    }
}

/// `rules list`.
pub fn render_rules(rules: &[Arc<Rule>]) -> String {
    let mut t = table(&["Id", "Severity", "Types", "Config rule", "Title"])
        .last(0)
        .optional(3)
        .optional(2);
    let mut sorted: Vec<&Arc<Rule>> = rules.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    for r in sorted {
        t.row([
            r.id.clone(),
            r.severity.to_string(),
            r.resource_types.join(", "),
            r.config_rule
                .as_ref()
                .map(|c| c.identifier.clone())
                .unwrap_or_else(|| "-".into()),
            r.title.to_string(),
        ]);
    }
    format!("{t}{} rules\n", rules.len())
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
        if let Some(a) = crate::core::remediation::lookup(r) {
            let _ = writeln!(out, "    changes: {} ({})", a.writes, a.title);
            let _ = writeln!(out, "    risk: {}", a.risk);
            let _ = writeln!(
                out,
                "    undo: {}{}",
                if a.undo.reversible { "yes" } else { "no" },
                a.undo.caveat.map(|c| format!(" ({c})")).unwrap_or_default()
            );
            if !a.iam_actions.is_empty() {
                let _ = writeln!(out, "    IAM actions: {}", a.iam_actions.join(", "));
            }
            for step in a.steps {
                let _ = writeln!(out, "    step: {step}");
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_width_is_the_terminals_else_columns_else_the_default() {
        assert_eq!(choose_width(Some(120), Some("80")), 120);
        // A pseudo-terminal without a size says 0 columns.
        assert_eq!(choose_width(Some(0), Some("90")), 90);
        assert_eq!(choose_width(Some(0), None), DEFAULT_WIDTH);
        assert_eq!(choose_width(None, Some(" 132 ")), 132);
        assert_eq!(choose_width(None, Some("0")), DEFAULT_WIDTH);
        assert_eq!(choose_width(None, Some("wide")), DEFAULT_WIDTH);
    }

    #[test]
    fn values_are_cut_with_an_ellipsis() {
        assert_eq!(cut("abcdef", 6), "abcdef");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("ab", 0), "");
    }

    #[test]
    fn the_widest_columns_give_way_first_never_below_their_floor() {
        assert_eq!(fit_widths(&[5, 10], &[3, 3], 20), vec![5, 10]);
        assert_eq!(fit_widths(&[5, 40, 30], &[3, 3, 3], 45), vec![5, 20, 20]);
        assert_eq!(fit_widths(&[5, 40, 30], &[3, 3, 3], 46), vec![5, 21, 20]);
        // Floors win over the room: the table is then wider than asked.
        assert_eq!(fit_widths(&[8, 40], &[8, 10], 12), vec![8, 10]);
    }

    fn lines(text: &str) -> Vec<&str> {
        text.lines().collect()
    }

    #[test]
    fn a_table_fits_its_width_with_headers_whole_and_one_line_per_row() {
        let mut t = table(&["Severity", "Rule", "Evidence"]);
        t.row(["critical", "sg-no-world-open-ssh", &"x".repeat(200)]);
        t.row(["low", "a\nb", "short"]);
        for width in [40, 60, 80, 120] {
            let text = t.render(width);
            let rows = lines(&text);
            assert_eq!(rows.len(), 6, "{text}");
            assert!(rows.iter().all(|l| l.chars().count() <= width), "{text}");
            assert!(
                rows[1].contains("Severity") && rows[1].contains("Evidence"),
                "{text}"
            );
            assert!(text.contains('…'), "{text}");
            assert!(text.contains("a b"), "line breaks become spaces: {text}");
        }
        // Headers are never cut, even when the table cannot fit.
        let text = t.render(10);
        assert!(
            text.contains("Severity") && text.contains("Evidence"),
            "{text}"
        );
    }

    #[test]
    fn kept_columns_are_never_cut_and_last_ones_only_when_needed() {
        let id = "01a2283f-f657-72d8-bc2c-17bd8ce589a2";
        let mut t = table(&["Scan", "Note"]).keep(0);
        t.row([id, &"n".repeat(100)]);
        assert!(t.render(50).contains(id));
        let mut t = table(&["Id", "Title"]).last(0);
        t.row(["sg-no-world-open-db-ports", &"t".repeat(100)]);
        assert!(t.render(60).contains("sg-no-world-open-db-ports"));
        assert!(!t.render(30).contains("sg-no-world-open-db-ports"));
        assert!(t.render(30).lines().all(|l| l.chars().count() <= 30));
    }

    #[test]
    fn optional_columns_go_before_others_are_cut_to_nothing() {
        let mut t = table(&["Id", "Types", "Title"]).last(0).optional(1);
        t.row([
            "sg-no-world-open-db-ports",
            "AWS::EC2::SecurityGroup",
            "Security groups do not expose database ports",
        ]);
        let wide = t.render(120);
        assert!(wide.contains("AWS::EC2::SecurityGroup"), "{wide}");
        let narrow = t.render(50);
        assert!(!narrow.contains("Types"), "{narrow}");
        assert!(narrow.contains("sg-no-world-open-db-ports"), "{narrow}");
        assert!(narrow.lines().all(|l| l.chars().count() <= 50), "{narrow}");
    }

    #[test]
    fn summaries_break_between_their_parts() {
        let parts = vec![
            "38 created, 0 updated, 0 unchanged".to_string(),
            "1 skipped: cfn-stack-no-drift needs cfn_role_arn".to_string(),
        ];
        assert_eq!(
            wrap_parts(&parts, "; ", 120),
            vec!["38 created, 0 updated, 0 unchanged; 1 skipped: cfn-stack-no-drift needs cfn_role_arn"]
        );
        assert_eq!(
            wrap_parts(&parts, "; ", 80),
            vec![
                "38 created, 0 updated, 0 unchanged;",
                "1 skipped: cfn-stack-no-drift needs cfn_role_arn"
            ]
        );
    }

    #[test]
    fn wrapped_prose_fits_and_keeps_every_word() {
        let text = "one two three four five six seven eight nine ten eleven twelve";
        let lines = wrap(text, "  ", 24);
        assert!(lines.iter().all(|l| l.chars().count() <= 24), "{lines:?}");
        assert!(lines.iter().all(|l| l.starts_with("  ")));
        assert_eq!(
            lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" "),
            text
        );
        let arn = format!("arn:aws:s3:::{}/AWSLogs/123456789012/*", "b".repeat(60));
        let lines = wrap(&format!("on {arn} only"), "    ", 40);
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{lines:?}");
        let joined: String = lines.iter().map(|l| l.trim()).collect();
        assert!(joined.contains(&arn.replace(' ', "")), "{lines:?}");
    }
}
