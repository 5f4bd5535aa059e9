//! The HTML report: one self-contained page an auditor can open offline, attach
//! to a ticket or fetch from a presigned link, that stays usable at 100,000
//! findings.
//!
//! Why it is shaped the way it is:
//! - **Nothing leaves the page.** CSS, JavaScript and the trend chart (SVG) are
//!   inline, and a Content-Security-Policy meta tag forbids every fetch
//!   (`default-src 'none'`), so a report never loads a CDN, a font or a tracker,
//!   and renders the same with no network at all.
//! - **Streamed.** [`HtmlWriter`] writes the page head, then one compact row per
//!   finding as the scan (or `report`) hands them over, then what is known only
//!   at the end: the summary, the dictionaries and the script. Memory stays at
//!   the dictionaries and a few counters, not at the findings.
//! - **Compact data.** A finding is a JSON array of short fields; repeated text
//!   (rule title, why, fix, region, account, resource type, evidence path and
//!   expectation) is written once in a dictionary and referred to by index. At
//!   100,000 findings the file is a few tens of megabytes, not hundreds.
//! - **Only the visible page is drawn.** The script parses the rows once, keeps
//!   the filterable columns in typed arrays, and builds DOM for one page of rows;
//!   filters scan the arrays, never the DOM.
//! - **Safe embedding.** Every JSON byte inside a `<script>` goes through
//!   [`ScriptSafe`], which writes `<` as `\u003c`, so no finding text can close
//!   the script element (`</script>`) or open a comment; the script builds DOM
//!   with `textContent`, never from finding text as markup.
//! - **The summary is rendered here**, not by the script, so the first screen
//!   (score, trend, counts, worst risks, changes, expired exemptions) is complete
//!   even with scripts off and in print. It is written at the end of the file
//!   (a streamed scan knows it only then) and shown first with CSS `order`.

use crate::core::exemption::ExpiredExemption;
use crate::core::finding::{Finding, Severity, Status};
use crate::core::history::Violation;
use crate::core::period::PeriodSummary;
use crate::core::report::{RuleInfo, ScanReport};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};

const STYLE: &str = include_str!("html/style.css");
const SCRIPT: &str = include_str!("html/app.js");

/// How many findings the "worst risks" panel lists.
const WORST: usize = 10;
/// How many new or resolved violations the summary names before "and N more".
const CHANGES_LISTED: usize = 15;

/// What history adds to a report: the score trend and the scan before this one.
#[derive(Debug, Clone, Default)]
pub struct HtmlContext {
    /// Stored scans up to and including this one, oldest first.
    pub trend: Vec<TrendPoint>,
    /// The scan before this one, to say what is new and what was resolved.
    pub previous: Option<PreviousScan>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub scan_id: String,
    pub timestamp: String,
    pub score: Option<f64>,
    pub threshold: f64,
}

#[derive(Debug, Clone)]
pub struct PreviousScan {
    pub scan_id: String,
    pub timestamp: String,
    pub violations: BTreeSet<Violation>,
}

/// A `Write` adapter for JSON inside a `<script>` element: `<` becomes the JSON
/// escape `\u003c`. In JSON a `<` can only occur inside a string, where the
/// escape means the same character, so the data is unchanged for `JSON.parse`
/// while `</script>` and `<!--` can never appear in the page source.
pub struct ScriptSafe<W: Write>(pub W);

impl<W: Write> Write for ScriptSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        for (i, b) in buf.iter().enumerate() {
            if *b == b'<' {
                self.0.write_all(&buf[start..i])?;
                self.0.write_all(b"\\u003c")?;
                start = i + 1;
            }
        }
        self.0.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Interned strings: each distinct text once, referred to by index.
#[derive(Default)]
struct Dict {
    index: HashMap<String, u32>,
    items: Vec<String>,
}

impl Dict {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(i) = self.index.get(s) {
            return *i;
        }
        let i = self.items.len() as u32;
        self.index.insert(s.to_string(), i);
        self.items.push(s.to_string());
        i
    }

    fn opt(&mut self, s: Option<&str>) -> i64 {
        s.map_or(-1, |s| self.id(s) as i64)
    }
}

/// A rule as the findings describe it (the report's `rules` section adds why and fix).
struct RuleSeen {
    id: String,
    title: String,
    category: String,
    frameworks: Vec<String>,
    severity: Severity,
}

/// Counts for the first screen, per group: failing findings and all findings.
#[derive(Default, Clone, Copy)]
struct Count {
    failing: usize,
    total: usize,
    compliant_weight: f64,
    non_compliant_weight: f64,
}

impl Count {
    /// The score of the group, as `core::score` computes it.
    fn score(&self) -> Option<f64> {
        let total = self.compliant_weight + self.non_compliant_weight;
        (total > 0.0).then(|| (1000.0 * self.compliant_weight / total).round() / 10.0)
    }
}

/// One of the worst risks: a failing finding with its weight, and its row.
#[derive(Clone)]
struct Risk {
    weight: f64,
    severity: Severity,
    row: usize,
    rule: String,
    title: String,
    resource: String,
    account: String,
    region: String,
}

/// Writes one HTML report to `out`, finding by finding.
pub struct HtmlWriter<W: Write> {
    out: W,
    rows: usize,
    strings: Dict,
    rules: Vec<RuleSeen>,
    rule_index: HashMap<String, u32>,
    by_account: BTreeMap<String, Count>,
    by_service: BTreeMap<String, Count>,
    worst: Vec<Risk>,
    violations: BTreeSet<Violation>,
    context: HtmlContext,
}

impl<W: Write> HtmlWriter<W> {
    /// Writes the head (styles, security policy) and opens the findings data.
    pub fn start(
        mut out: W,
        scan_id: &str,
        generated_at: &str,
        context: HtmlContext,
    ) -> io::Result<Self> {
        out.write_all(
            page_head(&format!("Compliance report {scan_id} ({generated_at})")).as_bytes(),
        )?;
        write!(
            out,
            "<section id=\"findings\" aria-label=\"Findings\">\n<h2>Findings</h2>\n\
             <noscript><p class=\"note\">The findings list needs JavaScript. The summary above is \
             complete without it; <code>compliance report --format csv</code> gives every finding \
             as a spreadsheet.</p></noscript>\n\
             <div id=\"app\" hidden></div>\n<div id=\"print-list\"></div>\n</section>\n\
             <script type=\"application/json\" id=\"rows\">[\n"
        )?;
        Ok(HtmlWriter {
            out,
            rows: 0,
            strings: Dict::default(),
            rules: Vec::new(),
            rule_index: HashMap::new(),
            by_account: BTreeMap::new(),
            by_service: BTreeMap::new(),
            worst: Vec::new(),
            violations: BTreeSet::new(),
            context,
        })
    }

    fn rule(&mut self, f: &Finding) -> u32 {
        if let Some(i) = self.rule_index.get(&*f.rule_id) {
            return *i;
        }
        let i = self.rules.len() as u32;
        self.rules.push(RuleSeen {
            id: f.rule_id.to_string(),
            title: f.title.to_string(),
            category: f.category.to_string(),
            frameworks: f.frameworks.to_vec(),
            severity: f.severity,
        });
        self.rule_index.insert(f.rule_id.to_string(), i);
        i
    }

    /// One finding as one row:
    /// `[rule, status, severity, resource id, name, arn, region, account, type,
    ///   service, criticality, [path, expected, found, missing, note], exemption,
    ///   source, remediation]`, where rule, region, account, type, service, path,
    ///   expected and remediation are indexes (−1 for none), and absent text is 0.
    pub fn finding(&mut self, f: &Finding) -> io::Result<()> {
        let rule = self.rule(f);
        let s = &mut self.strings;
        let region = s.opt(f.region.as_deref());
        let account = s.opt(f.account.as_deref());
        let rtype = s.id(&f.resource_type);
        let service = s.id(&f.service);
        let path = s.id(&f.evidence.path);
        let expected = s.id(&f.evidence.expected);
        let remediation = s.opt(f.remediation.as_deref());
        let row = serde_json::json!([
            rule,
            f.status as u8,
            f.severity as u8,
            f.resource_id,
            f.resource_name
                .as_deref()
                .map_or(serde_json::Value::from(0), Into::into),
            f.arn
                .as_deref()
                .map_or(serde_json::Value::from(0), Into::into),
            region,
            account,
            rtype,
            service,
            f.criticality,
            [
                serde_json::Value::from(path),
                serde_json::Value::from(expected),
                f.evidence.found.clone().unwrap_or(serde_json::Value::Null),
                serde_json::Value::from(u8::from(f.evidence.missing)),
                f.evidence
                    .note
                    .as_deref()
                    .map_or(serde_json::Value::from(0), Into::into),
            ],
            f.exemption
                .as_ref()
                .map_or(serde_json::Value::from(0), |e| {
                    serde_json::json!([e.reason, e.owner, e.expires])
                }),
            f.source
                .as_deref()
                .map_or(serde_json::Value::from(0), Into::into),
            remediation,
        ]);
        if self.rows > 0 {
            self.out.write_all(b",\n")?;
        }
        serde_json::to_writer(ScriptSafe(&mut self.out), &row)?;
        self.count(f);
        self.rows += 1;
        Ok(())
    }

    fn count(&mut self, f: &Finding) {
        let failing = f.status.is_failing();
        for (map, key) in [
            (&mut self.by_account, f.account.as_deref().unwrap_or("-")),
            (&mut self.by_service, &*f.service),
        ] {
            let c = map.entry(key.to_string()).or_default();
            c.total += 1;
            c.failing += usize::from(failing);
            match f.status {
                Status::Compliant => c.compliant_weight += f.weight(),
                Status::NonCompliant => c.non_compliant_weight += f.weight(),
                _ => {}
            }
        }
        if f.status == Status::NonCompliant {
            self.violations.insert(violation_of(f));
        }
        if failing {
            let risk = Risk {
                weight: f.weight(),
                severity: f.severity,
                row: self.rows,
                rule: f.rule_id.to_string(),
                title: f.title.to_string(),
                resource: f
                    .resource_name
                    .clone()
                    .filter(|n| !n.is_empty() && *n != f.resource_id)
                    .map_or_else(
                        || f.resource_id.clone(),
                        |n| format!("{} ({n})", f.resource_id),
                    ),
                account: f.account.as_deref().unwrap_or("-").to_string(),
                region: f.region.as_deref().unwrap_or("-").to_string(),
            };
            let worse = |a: &Risk, b: &Risk| {
                b.weight
                    .total_cmp(&a.weight)
                    .then(b.severity.cmp(&a.severity))
                    .then(a.row.cmp(&b.row))
            };
            if self.worst.len() < WORST
                || self
                    .worst
                    .last()
                    .is_some_and(|last| worse(&risk, last).is_lt())
            {
                self.worst.push(risk);
                self.worst.sort_by(worse);
                self.worst.truncate(WORST);
            }
        }
    }

    /// Closes the data and writes the summary, dictionaries and script; the
    /// report's own `findings` are ignored (they were streamed).
    pub fn finish(mut self, report: &ScanReport) -> io::Result<W> {
        self.out.write_all(b"\n]</script>\n")?;
        let summary = self.summary_html(report);
        self.out.write_all(summary.as_bytes())?;
        let meta = self.meta(report);
        self.out
            .write_all(b"<script type=\"application/json\" id=\"meta\">")?;
        serde_json::to_writer(ScriptSafe(&mut self.out), &meta)?;
        write!(
            self.out,
            "</script>\n<script>\n{SCRIPT}</script>\n</div>\n</body>\n</html>\n"
        )?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn meta(&self, report: &ScanReport) -> serde_json::Value {
        let info: HashMap<&str, &RuleInfo> =
            report.rules.iter().map(|r| (r.id.as_str(), r)).collect();
        let rules: Vec<serde_json::Value> = self
            .rules
            .iter()
            .map(|r| {
                let i = info.get(r.id.as_str());
                serde_json::json!({
                    "id": r.id,
                    "title": r.title,
                    "category": r.category,
                    "frameworks": r.frameworks,
                    "severity": r.severity as u8,
                    "why": i.map(|i| i.why.as_str()).unwrap_or(""),
                    "fix": i.map(|i| i.fix.as_str()).unwrap_or(""),
                    "config_rule": i.and_then(|i| i.config_rule.as_deref()),
                    "file": i.map(|i| i.file.as_str()),
                })
            })
            .collect();
        serde_json::json!({
            "scan_id": report.scan_id,
            "generated_at": report.generated_at,
            "statuses": Status::ALL_BY_INDEX.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "severities": SEVERITY_BY_INDEX.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "strings": self.strings.items,
            "rules": rules,
        })
    }

    fn summary_html(&self, report: &ScanReport) -> String {
        let mut h = String::with_capacity(16 * 1024);
        let _ = write!(
            h,
            "<header class=\"top\">\n<h1>Compliance report</h1>\n<p class=\"meta\">Scan <code>{}</code> \
             · {} · {} {} · compliance {}</p>\n</header>\n<section id=\"summary\" aria-label=\"Summary\">\n",
            escape(&report.scan_id),
            escape(&report.generated_at),
            escape(&report.source.kind),
            escape(&report.source.inputs.join(", ")),
            escape(&report.tool.version),
        );
        h.push_str("<div class=\"cards\">\n");
        self.score_card(&mut h, report);
        self.trend_card(&mut h, report);
        self.severity_card(&mut h, report);
        h.push_str("</div>\n<div class=\"cards\">\n");
        group_card(
            &mut h,
            "By service",
            self.by_service.iter().map(|(k, c)| {
                (
                    k.clone(),
                    *c,
                    report.score.by_service.get(k).and_then(|g| g.score),
                )
            }),
        );
        let frameworks = report.score.by_framework.iter().map(|(k, g)| {
            (
                k.clone(),
                Count {
                    failing: g.non_compliant + g.error,
                    total: g.compliant + g.non_compliant + g.error + g.exempted + g.not_applicable,
                    ..Count::default()
                },
                g.score,
            )
        });
        group_card(&mut h, "By framework", frameworks);
        group_card(
            &mut h,
            "By account",
            self.by_account
                .iter()
                .map(|(k, c)| (k.clone(), *c, c.score())),
        );
        h.push_str("</div>\n");
        self.worst_html(&mut h);
        self.changes_html(&mut h);
        expired_html(&mut h, &report.expired_exemptions);
        if !report.errors.is_empty() {
            let _ = write!(
                h,
                "<div class=\"panel warn\"><h2>Not read or not evaluated ({})</h2><p>The result is partial.</p><ul>",
                report.errors.len()
            );
            for e in report.errors.iter().take(20) {
                let _ = write!(
                    h,
                    "<li><code>{}</code>: {}{}</li>",
                    escape(&e.source),
                    escape(&e.message),
                    e.request_id
                        .as_deref()
                        .map(|r| format!(" (request id {})", escape(r)))
                        .unwrap_or_default()
                );
            }
            if report.errors.len() > 20 {
                let _ = write!(h, "<li>and {} more</li>", report.errors.len() - 20);
            }
            h.push_str("</ul></div>\n");
        }
        h.push_str("</section>\n");
        h
    }

    fn score_card(&self, h: &mut String, report: &ScanReport) {
        let card = &report.score;
        let (text, class, verdict) = match card.overall {
            Some(s) if card.below_threshold => (format!("{s:.1}"), "bad", "below the threshold"),
            Some(s) => (format!("{s:.1}"), "good", "at or above the threshold"),
            None => ("–".to_string(), "none", "nothing was weighed"),
        };
        let _ = writeln!(
            h,
            "<div class=\"card score {class}\"><h2>Score</h2><p class=\"big\" id=\"score\">{text}</p>\
             <p>threshold {:.0} · {verdict}</p><p class=\"small\">{} resources · {} evaluations · {} errors</p></div>",
            card.threshold,
            report.summary.resources,
            report.summary.evaluations,
            card.totals.error,
        );
    }

    fn trend_card(&self, h: &mut String, report: &ScanReport) {
        let mut points = self.context.trend.clone();
        if !points.iter().any(|p| p.scan_id == report.scan_id) {
            points.push(TrendPoint {
                scan_id: report.scan_id.clone(),
                timestamp: report.generated_at.clone(),
                score: report.score.overall,
                threshold: report.score.threshold,
            });
        }
        let _ = writeln!(
            h,
            "<div class=\"card trend\"><h2>Trend ({} scan{})</h2>{}</div>",
            points.len(),
            if points.len() == 1 { "" } else { "s" },
            trend_svg(&points, Some(report.score.threshold))
        );
    }

    fn severity_card(&self, h: &mut String, report: &ScanReport) {
        h.push_str("<div class=\"card\"><h2>Failing by severity</h2><table class=\"bars\">");
        let max = report
            .summary
            .failing_by_severity
            .values()
            .copied()
            .max()
            .unwrap_or(0)
            .max(1);
        for sev in Severity::ALL {
            let n = report
                .summary
                .failing_by_severity
                .get(sev.as_str())
                .copied()
                .unwrap_or(0);
            let _ = write!(
                h,
                "<tr><th><span class=\"sev {s}\">{s}</span></th><td class=\"num\">{n}</td>\
                 <td class=\"barcell\"><span class=\"bar {s}\" style=\"width:{w:.1}%\"></span></td></tr>",
                s = sev.as_str(),
                w = 100.0 * n as f64 / max as f64
            );
        }
        let by_status = &report.summary.by_status;
        let _ = writeln!(
            h,
            "</table><p class=\"small\">{} non-compliant · {} errors · {} exempted · {} compliant · {} not applicable</p></div>",
            by_status.get("non_compliant").unwrap_or(&0),
            by_status.get("error").unwrap_or(&0),
            by_status.get("exempted").unwrap_or(&0),
            by_status.get("compliant").unwrap_or(&0),
            by_status.get("not_applicable").unwrap_or(&0),
        );
    }

    fn worst_html(&self, h: &mut String) {
        h.push_str("<div class=\"panel\"><h2>Ten worst risks</h2>");
        if self.worst.is_empty() {
            h.push_str("<p>No failing findings.</p></div>\n");
            return;
        }
        h.push_str(
            "<p class=\"small\">Failing findings by weight: severity weight × resource criticality.</p>\
             <table class=\"list\"><thead><tr><th>Severity</th><th>Weight</th><th>Rule</th><th>Resource</th>\
             <th>Account</th><th>Region</th></tr></thead><tbody>",
        );
        for r in &self.worst {
            let _ = write!(
                h,
                "<tr><td><span class=\"sev {s}\">{s}</span></td><td class=\"num\">{w}</td>\
                 <td><a href=\"#row-{row}\" data-row=\"{row}\">{title}</a><br><code>{rule}</code></td>\
                 <td><code>{res}</code></td><td>{acc}</td><td>{reg}</td></tr>",
                s = r.severity.as_str(),
                w = r.weight,
                row = r.row,
                title = escape(&r.title),
                rule = escape(&r.rule),
                res = escape(&r.resource),
                acc = escape(&r.account),
                reg = escape(&r.region),
            );
        }
        h.push_str("</tbody></table></div>\n");
    }

    fn changes_html(&self, h: &mut String) {
        h.push_str("<div class=\"panel\" id=\"changes\"><h2>Since the previous scan</h2>");
        let Some(prev) = &self.context.previous else {
            h.push_str(
                "<p>No earlier scan in history to compare with (scans are compared \
                 when they are stored: <code>compliance scan</code> without <code>--no-history</code>).</p></div>\n",
            );
            return;
        };
        let (new, resolved) = changes(&prev.violations, &self.violations);
        let _ = write!(
            h,
            "<p>Compared with scan <code>{}</code> of {}: <strong class=\"bad-text\">{} new</strong>, \
             <strong class=\"good-text\">{} resolved</strong> violations.</p><div class=\"cols\">",
            escape(&prev.scan_id),
            escape(&prev.timestamp),
            new.len(),
            resolved.len()
        );
        for (label, list) in [("New", &new), ("Resolved", &resolved)] {
            let _ = write!(h, "<div><h3>{label}</h3>");
            if list.is_empty() {
                h.push_str("<p class=\"small\">none</p></div>");
                continue;
            }
            h.push_str("<ul class=\"changes\">");
            for v in list.iter().take(CHANGES_LISTED) {
                let _ = write!(
                    h,
                    "<li><span class=\"sev {s}\">{s}</span> <code>{}</code> on <code>{}</code>{}</li>",
                    escape(&v.rule_id),
                    escape(&v.resource_id),
                    v.region
                        .as_deref()
                        .map(|r| format!(" ({})", escape(r)))
                        .unwrap_or_default(),
                    s = v.severity.as_str()
                );
            }
            if list.len() > CHANGES_LISTED {
                let _ = write!(h, "<li>and {} more</li>", list.len() - CHANGES_LISTED);
            }
            h.push_str("</ul></div>");
        }
        h.push_str("</div></div>\n");
    }
}

/// Severities by their index in the rows (the enum's order: info … critical).
const SEVERITY_BY_INDEX: [Severity; 5] = [
    Severity::Info,
    Severity::Low,
    Severity::Medium,
    Severity::High,
    Severity::Critical,
];

trait ByIndex {
    const ALL_BY_INDEX: [Status; 5];
}

impl ByIndex for Status {
    /// Statuses by their index in the rows (the enum's declaration order).
    const ALL_BY_INDEX: [Status; 5] = [
        Status::Compliant,
        Status::NonCompliant,
        Status::NotApplicable,
        Status::Error,
        Status::Exempted,
    ];
}

/// The violation a non-compliant finding is, keyed as history keys it.
fn violation_of(f: &Finding) -> Violation {
    Violation {
        rule_id: f.rule_id.to_string(),
        resource_id: f.resource_id.clone(),
        region: f.region.as_deref().map(str::to_string),
        severity: f.severity,
    }
}

/// New and resolved violations between two sets; a violation is the same one
/// when rule, resource and region match (its severity may have been re-rated).
/// Both lists are ordered most severe first.
pub fn changes(
    before: &BTreeSet<Violation>,
    after: &BTreeSet<Violation>,
) -> (Vec<Violation>, Vec<Violation>) {
    fn key(v: &Violation) -> (&str, &str, Option<&str>) {
        (&v.rule_id, &v.resource_id, v.region.as_deref())
    }
    let b: BTreeSet<_> = before.iter().map(key).collect();
    let a: BTreeSet<_> = after.iter().map(key).collect();
    let mut new: Vec<Violation> = after
        .iter()
        .filter(|v| !b.contains(&key(v)))
        .cloned()
        .collect();
    let mut resolved: Vec<Violation> = before
        .iter()
        .filter(|v| !a.contains(&key(v)))
        .cloned()
        .collect();
    for list in [&mut new, &mut resolved] {
        list.sort_by(|x, y| y.severity.cmp(&x.severity).then_with(|| x.cmp(y)));
    }
    (new, resolved)
}

fn group_card(
    h: &mut String,
    title: &str,
    rows: impl Iterator<Item = (String, Count, Option<f64>)>,
) {
    let mut rows: Vec<_> = rows.collect();
    rows.sort_by(|a, b| b.1.failing.cmp(&a.1.failing).then_with(|| a.0.cmp(&b.0)));
    let _ = write!(
        h,
        "<div class=\"card\"><h2>{}</h2><table class=\"list compact\"><thead><tr><th></th>\
         <th class=\"num\">Failing</th><th class=\"num\">Findings</th><th class=\"num\">Score</th></tr></thead><tbody>",
        escape(title)
    );
    if rows.is_empty() {
        h.push_str("<tr><td colspan=\"4\">none</td></tr>");
    }
    const LISTED: usize = 12;
    for (name, c, score) in rows.iter().take(LISTED) {
        let _ = write!(
            h,
            "<tr><th>{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(name),
            c.failing,
            c.total,
            score.map_or_else(|| "–".to_string(), |s| format!("{s:.1}"))
        );
    }
    if rows.len() > LISTED {
        let _ = write!(
            h,
            "<tr><td colspan=\"4\" class=\"small\">and {} more (filter below)</td></tr>",
            rows.len() - LISTED
        );
    }
    h.push_str("</tbody></table></div>\n");
}

fn expired_html(h: &mut String, expired: &[ExpiredExemption]) {
    if expired.is_empty() {
        h.push_str("<div class=\"panel\"><h2>Expired exemptions</h2><p>None: every exemption in force is within its expiry date.</p></div>\n");
        return;
    }
    let _ = write!(
        h,
        "<div class=\"panel warn\"><h2>Expired exemptions ({})</h2><p class=\"small\">These no longer apply: \
         the findings they covered count again.</p><table class=\"list\"><thead><tr><th>Rule</th><th>Resource</th>\
         <th>Owner</th><th>Expired</th><th class=\"num\">Findings</th><th>Reason</th></tr></thead><tbody>",
        expired.len()
    );
    for e in expired {
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&e.rule),
            escape(&e.resource),
            escape(&e.owner),
            escape(&e.expires),
            e.matched_findings,
            escape(&e.reason)
        );
    }
    h.push_str("</tbody></table></div>\n");
}

/// The score over the stored scans as an inline SVG line chart (0–100), with
/// the threshold as a dashed line; scans without a score leave a gap.
pub fn trend_svg(points: &[TrendPoint], threshold: Option<f64>) -> String {
    const W: f64 = 320.0;
    const H: f64 = 120.0;
    const L: f64 = 28.0;
    const T: f64 = 8.0;
    const B: f64 = 20.0;
    let plot_w = W - L - 8.0;
    let plot_h = H - T - B;
    let y = |v: f64| T + plot_h * (1.0 - v.clamp(0.0, 100.0) / 100.0);
    let x = |i: usize| {
        if points.len() <= 1 {
            L + plot_w / 2.0
        } else {
            L + plot_w * i as f64 / (points.len() - 1) as f64
        }
    };
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"Score over {} scans\" xmlns=\"http://www.w3.org/2000/svg\">",
        points.len()
    );
    for v in [0.0, 50.0, 100.0] {
        let _ = write!(
            s,
            "<line x1=\"{L}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"grid\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"end\">{v}</text>",
            L + plot_w,
            L - 4.0,
            y(v) + 3.0,
            y = y(v)
        );
    }
    if let Some(threshold) = threshold {
        let _ = write!(
            s,
            "<line x1=\"{L}\" x2=\"{:.1}\" y1=\"{t:.1}\" y2=\"{t:.1}\" class=\"threshold\"><title>threshold {threshold}</title></line>",
            L + plot_w,
            t = y(threshold)
        );
    }
    let mut segment: Vec<String> = Vec::new();
    let flush = |segment: &mut Vec<String>, s: &mut String| {
        if segment.len() > 1 {
            let _ = write!(
                s,
                "<polyline class=\"line\" points=\"{}\"/>",
                segment.join(" ")
            );
        }
        segment.clear();
    };
    for (i, p) in points.iter().enumerate() {
        match p.score {
            Some(v) => segment.push(format!("{:.1},{:.1}", x(i), y(v))),
            None => flush(&mut segment, &mut s),
        }
    }
    flush(&mut segment, &mut s);
    for (i, p) in points.iter().enumerate() {
        if let Some(v) = p.score {
            let _ = write!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" class=\"{}\"><title>{} {} score {v:.1}</title></circle>",
                x(i),
                y(v),
                if v < p.threshold { "dot bad" } else { "dot" },
                escape(&p.timestamp),
                escape(&p.scan_id)
            );
        }
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let day = |t: &str| escape(t.get(..10).unwrap_or(t));
        let _ = write!(
            s,
            "<text x=\"{L}\" y=\"{:.1}\" class=\"axis\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"end\">{}</text>",
            H - 4.0,
            day(&first.timestamp),
            L + plot_w,
            H - 4.0,
            day(&last.timestamp)
        );
    }
    s.push_str("</svg>");
    s
}

/// The head every page shares: the security policy that keeps every request
/// in the page, and the stylesheet.
fn page_head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; \
         base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"compliance {}\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<div class=\"page\">\n",
        env!("CARGO_PKG_VERSION"),
        escape(title),
    )
}

/// `report --since --format html`: the period summary as one static page.
pub fn render_period(p: &PeriodSummary) -> String {
    let mut h = page_head(&format!("Compliance since {}", p.since));
    let fmt_hours = |h: Option<f64>| match h {
        None => "n/a".to_string(),
        Some(h) if h >= 48.0 => format!("{:.1} days", h / 24.0),
        Some(h) => format!("{h:.1} h"),
    };
    let score = |s: Option<f64>| s.map_or_else(|| "–".to_string(), |s| format!("{s:.1}"));
    let _ = write!(
        h,
        "<header class=\"top\"><h1>Compliance since {}</h1><p class=\"meta\">{} scan{}{}{}</p></header>\n\
         <section id=\"summary\"><div class=\"cards\">\
         <div class=\"card\"><h2>Score</h2><p class=\"big\">{}</p><p>at the start of the period: {}</p></div>\
         <div class=\"card\"><h2>Violations</h2><p class=\"big\">{}</p><p>open now · {} opened · {} closed</p></div>\
         <div class=\"card\"><h2>Mean time to remediate</h2><p class=\"big\">{}</p><p>over {} remediated violations</p></div>\
         <div class=\"card trend\"><h2>Score per day</h2>{}</div></div>\n",
        escape(&p.since),
        p.scans,
        if p.scans == 1 { "" } else { "s" },
        p.until.as_deref().map(|u| format!(", last {}", escape(u))).unwrap_or_default(),
        p.baseline
            .as_deref()
            .map(|b| format!(" · counted from scan <code>{}</code> before the period", escape(b)))
            .unwrap_or_default(),
        score(p.score_end),
        score(p.score_start),
        p.open,
        p.opened,
        p.closed,
        fmt_hours(p.mean_time_to_remediate_hours),
        p.remediated,
        trend_svg(
            &p.days
                .iter()
                .map(|d| TrendPoint {
                    scan_id: format!("{} scans", d.scans),
                    timestamp: d.date.clone(),
                    score: d.score,
                    threshold: 0.0,
                })
                .collect::<Vec<_>>(),
            None
        ),
    );
    h.push_str("<div class=\"panel\"><h2>Per day</h2><table class=\"list\"><thead><tr><th>Day</th><th class=\"num\">Scans</th><th class=\"num\">Score</th><th class=\"num\">Min</th><th class=\"num\">Max</th><th class=\"num\">Opened</th><th class=\"num\">Closed</th><th class=\"num\">Open</th></tr></thead><tbody>");
    for d in &p.days {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&d.date), d.scans, score(d.score), score(d.min_score), score(d.max_score), d.opened, d.closed, d.open
        );
    }
    if p.days.is_empty() {
        h.push_str("<tr><td colspan=\"8\">No stored scans in this period.</td></tr>");
    }
    h.push_str("</tbody></table></div>\n<div class=\"cards\">");
    for (title, groups) in [
        ("Service", &p.by_service),
        ("Framework", &p.by_framework),
        ("Severity", &p.by_severity),
    ] {
        let _ = write!(h, "<div class=\"card\"><h2>By {}</h2><table class=\"list compact\"><thead><tr><th></th><th class=\"num\">Opened</th><th class=\"num\">Closed</th><th class=\"num\">Open</th><th class=\"num\">MTTR</th></tr></thead><tbody>", title.to_lowercase());
        for (name, g) in groups {
            let _ = write!(
                h,
                "<tr><th>{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(name), g.opened, g.closed, g.open, fmt_hours(g.mean_time_to_remediate_hours)
            );
        }
        h.push_str("</tbody></table></div>");
    }
    h.push_str("</div>\n<div class=\"panel\"><h2>Longest-open violations</h2>");
    if p.longest_open.is_empty() {
        h.push_str("<p>None open.</p>");
    } else {
        h.push_str("<table class=\"list\"><thead><tr><th class=\"num\">Open for</th><th>Severity</th><th>Rule</th><th>Resource</th><th>Region</th><th>First seen</th></tr></thead><tbody>");
        for v in &p.longest_open {
            let _ = write!(
                h,
                "<tr><td class=\"num\">{}{:.1} days</td><td><span class=\"sev {s}\">{s}</span></td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                if v.open_before_period { "≥ " } else { "" },
                v.age_days,
                escape(&v.rule_id),
                escape(&v.resource_id),
                escape(v.region.as_deref().unwrap_or("-")),
                escape(&v.first_seen),
                s = v.severity.as_str()
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</div>\n</section>\n</div>\n</body>\n</html>\n");
    h
}

impl<W: Write + Send> super::report::FormatWriter for HtmlWriter<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        HtmlWriter::finding(self, f)
    }

    fn finish(self: Box<Self>, report: &ScanReport) -> io::Result<usize> {
        HtmlWriter::finish(*self, report).map(|_| 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::finding::{AppliedExemption, Evidence};
    use crate::core::report::{Meta, Source};
    use std::sync::Arc;

    fn finding(rule: &str, resource: &str, status: Status, severity: Severity) -> Finding {
        Finding {
            rule_id: Arc::from(rule),
            title: Arc::from(format!("title of {rule}").as_str()),
            severity,
            category: Arc::from("c"),
            frameworks: Arc::from(vec!["SOC2:CC6.1".to_string()]),
            service: "s3".into(),
            resource_type: "AWS::S3::Bucket".into(),
            resource_id: resource.into(),
            resource_name: None,
            arn: Some(format!("arn:aws:s3:::{resource}")),
            region: Some("eu-west-1".into()),
            account: Some("111122223333".into()),
            status,
            criticality: 2.0,
            evidence: Evidence::note("p", "e", "n"),
            remediation: None,
            exemption: None,
            source: None,
            finding_id: String::new(),
            message: None,
            first_seen: None,
        }
        .with_id()
    }

    fn report(findings: Vec<Finding>) -> ScanReport {
        ScanReport::build(
            Meta {
                scan_id: "scan-2".into(),
                generated_at: "2026-11-29T00:00:00.000Z".into(),
                version: "0.1.0".into(),
                source: Source {
                    kind: "snapshot".into(),
                    inputs: vec!["a.json".into()],
                },
                resources: 2,
                rules: 2,
                threshold: 70.0,
            },
            findings,
            vec![],
            vec![],
        )
    }

    fn render(r: &ScanReport, context: HtmlContext) -> String {
        let mut out = Vec::new();
        let options = crate::output::report::Options {
            html: context,
            ..Default::default()
        };
        crate::output::report::write(
            crate::output::report::ReportFormat::Html,
            &mut out,
            r,
            &options,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The JSON text of one `<script type="application/json" id=…>` element.
    fn script<'a>(page: &'a str, id: &str) -> &'a str {
        let open = format!("<script type=\"application/json\" id=\"{id}\">");
        let start = page.find(&open).unwrap() + open.len();
        let end = start + page[start..].find("</script>").unwrap();
        &page[start..end]
    }

    #[test]
    fn hostile_text_cannot_close_the_script_and_still_parses_back() {
        let mut f = finding(
            "r1",
            "b</script><script>alert(1)</script>",
            Status::NonCompliant,
            Severity::High,
        );
        f.evidence.found = Some(serde_json::json!("<!-- </SCRIPT >"));
        f.exemption = Some(Box::new(AppliedExemption {
            reason: "<b>x</b>".into(),
            owner: "o".into(),
            expires: "2027-01-01".into(),
        }));
        let page = render(&report(vec![f]), HtmlContext::default());
        // One script end per script element: two data blocks and the app.
        assert_eq!(page.matches("</script>").count(), 3, "{page}");
        assert!(!page.contains("<!-- <"));
        let rows: serde_json::Value = serde_json::from_str(script(&page, "rows")).unwrap();
        assert_eq!(rows[0][3], "b</script><script>alert(1)</script>");
        assert_eq!(rows[0][11][2], "<!-- </SCRIPT >");
        assert_eq!(rows[0][12][0], "<b>x</b>");
        // The summary escapes it as text.
        assert!(page.contains("b&lt;/script&gt;&lt;script&gt;alert(1)"));
    }

    #[test]
    fn rule_text_and_repeated_strings_are_written_once() {
        let findings: Vec<Finding> = (0..50)
            .map(|i| finding("r1", &format!("b{i}"), Status::Compliant, Severity::Low))
            .collect();
        let mut r = report(findings);
        r.rules = vec![RuleInfo {
            id: "r1".into(),
            title: "title of r1".into(),
            severity: Severity::Low,
            category: "c".into(),
            frameworks: vec!["SOC2:CC6.1".into()],
            resource_types: vec![],
            remediation: None,
            config_rule: None,
            why: "a long explanation of why".into(),
            fix: "how to fix it".into(),
            file: "embedded:rules/s3/r1.toml".into(),
        }];
        let page = render(&r, HtmlContext::default());
        assert_eq!(page.matches("a long explanation of why").count(), 1);
        assert_eq!(page.matches("eu-west-1").count(), 1);
        let meta: serde_json::Value = serde_json::from_str(script(&page, "meta")).unwrap();
        assert_eq!(meta["rules"][0]["fix"], "how to fix it");
        let rows: serde_json::Value = serde_json::from_str(script(&page, "rows")).unwrap();
        assert_eq!(rows.as_array().unwrap().len(), 50);
        let region = rows[7][6].as_u64().unwrap() as usize;
        assert_eq!(meta["strings"][region], "eu-west-1");
    }

    #[test]
    fn no_request_can_leave_the_page() {
        let page = render(&report(vec![]), HtmlContext::default());
        assert!(page.contains("default-src 'none'"));
        for needle in ["src=\"http", "href=\"http", "@import", "url(http", "<link"] {
            assert!(!page.contains(needle), "{needle}");
        }
    }

    #[test]
    fn worst_risks_are_the_heaviest_failing_findings() {
        let mut findings: Vec<Finding> = (0..30)
            .map(|i| finding("low", &format!("b{i}"), Status::NonCompliant, Severity::Low))
            .collect();
        let mut heavy = finding("crit", "heavy", Status::NonCompliant, Severity::Critical);
        heavy.criticality = 3.0;
        findings.push(heavy);
        findings.push(finding(
            "crit",
            "passing",
            Status::Compliant,
            Severity::Critical,
        ));
        let page = render(&report(findings), HtmlContext::default());
        let worst = &page[page.find("Ten worst risks").unwrap()..];
        let worst = &worst[..worst.find("</table>").unwrap()];
        assert_eq!(worst.matches("<tr>").count(), 11, "header + ten");
        assert!(worst.find("heavy").unwrap() < worst.find("b0").unwrap());
        assert!(!worst.contains("passing"));
    }

    #[test]
    fn new_and_resolved_against_the_previous_scan() {
        let prev = HtmlContext {
            trend: vec![TrendPoint {
                scan_id: "scan-1".into(),
                timestamp: "2026-11-28T00:00:00.000Z".into(),
                score: Some(40.0),
                threshold: 70.0,
            }],
            previous: Some(PreviousScan {
                scan_id: "scan-1".into(),
                timestamp: "2026-11-28T00:00:00.000Z".into(),
                violations: [
                    violation_of(&finding("a", "fixed", Status::NonCompliant, Severity::High)),
                    violation_of(&finding("a", "still", Status::NonCompliant, Severity::Low)),
                ]
                .into(),
            }),
        };
        let r = report(vec![
            finding("a", "still", Status::NonCompliant, Severity::High),
            finding("a", "fresh", Status::NonCompliant, Severity::High),
            finding("a", "fixed", Status::Compliant, Severity::High),
        ]);
        let page = render(&r, prev);
        assert!(page.contains("1 new</strong>"), "{page}");
        assert!(page.contains("1 resolved</strong>"));
        let changes = &page[page.find("id=\"changes\"").unwrap()..];
        let resolved = &changes[changes.find("<h3>Resolved").unwrap()..];
        assert!(resolved.contains("fixed") && !resolved.contains("fresh"));
        // The trend has the stored scan and this one.
        assert!(page.contains("Trend (2 scans)"));
        assert_eq!(page.matches("<polyline").count(), 1);
    }

    #[test]
    fn trend_leaves_gaps_for_scans_without_a_score() {
        let p = |id: &str, score| TrendPoint {
            scan_id: id.into(),
            timestamp: "2026-11-01T00:00:00.000Z".into(),
            score,
            threshold: 70.0,
        };
        let svg = trend_svg(
            &[p("a", Some(10.0)), p("b", None), p("c", Some(90.0))],
            Some(70.0),
        );
        assert_eq!(svg.matches("<polyline").count(), 0);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("class=\"dot bad\""));
        let svg = trend_svg(&[p("a", Some(10.0)), p("c", Some(90.0))], Some(70.0));
        assert_eq!(svg.matches("<polyline").count(), 1);
    }
}
