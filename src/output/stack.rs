//! How `setup`, `status` and `teardown` show what they did, would do or found:
//! for people, one line per resource in [`super::table::table`]'s style,
//! grouped by service, with the action or state and a short reason, then one
//! summary line; with `details` (`-v`, `--dry-run`) every change, setting and
//! full name follows the table. For programs, a versioned JSON document
//! (`compliance.setup/v1`, `compliance.teardown/v1`, `compliance.status/v1`)
//! with everything. Written to any [`std::io::Write`].
//!
//! Rules whose Config rule is not deployed ([`SkippedRule`]) are rows of the
//! setup plan and of `status`, and are named in the summary.
//!
//! [`StackFormat`] is its own type: the stack commands offer only these two
//! forms, whatever formats scan reports gain.

use super::table::{cut, table, width, wrap, wrap_parts};
use crate::aws::error::AwsError;
use crate::core::plan::{Action, Inspection, State, Step};
use crate::core::stack::{SkippedRule, StackSpec};
use serde_json::{json, Value};
use std::io::{self, Write};

/// The output forms of `setup`, `status` and `teardown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StackFormat {
    Table,
    Json,
}

/// The schema of `teardown`'s document (its summary counts deletions).
pub const TEARDOWN_SCHEMA: &str = "compliance.teardown/v1";

/// What `setup` or `teardown` did (or, in a dry run, would do), and why it stopped.
pub struct StepsReport<'a> {
    /// `compliance.setup/v1` or [`TEARDOWN_SCHEMA`].
    pub schema: &'static str,
    pub spec: &'a StackSpec,
    pub dry_run: bool,
    pub steps: &'a [Step],
    /// Rules setup does not deploy (none for teardown).
    pub skipped: &'a [SkippedRule],
    /// Show every step's details after the table (`-v`, `--dry-run`).
    pub details: bool,
    /// The step that failed.
    pub error: Option<&'a AwsError>,
    /// The manifest could not be saved.
    pub manifest_error: Option<&'a AwsError>,
}

fn aws_error(e: &AwsError) -> Value {
    json!({
        "service": e.service, "operation": e.operation, "code": e.code,
        "message": e.message, "request_id": e.request_id
    })
}

/// The service and the kind of resource of a step's kind:
/// `config-rule:compliance-x-dev` is (`config`, `rule`).
fn service_and_type(kind: &str) -> (&str, &str) {
    let kind = kind.split(':').next().unwrap_or(kind);
    kind.split_once('-').unwrap_or((kind, ""))
}

/// The part of a name a person recognises: an ARN's resource id (the key id,
/// the role or topic name); the full name is in the details and the JSON.
fn short_name(name: &str) -> &str {
    if name.starts_with("arn:") && name.splitn(6, ':').count() == 6 {
        return name.rsplit(['/', ':']).next().unwrap_or(name);
    }
    name
}

/// One line of the table: service, resource, action or state, reason.
struct Line {
    service: String,
    resource: String,
    word: String,
    reason: String,
}

impl Line {
    fn new(kind: &str, name: &str, word: &str, reason: String) -> Line {
        let (service, kind) = service_and_type(kind);
        let resource = match kind {
            "" => short_name(name).to_string(),
            k => format!("{k} {}", short_name(name)),
        };
        Line {
            service: service.to_string(),
            resource,
            word: word.to_string(),
            reason,
        }
    }

    fn skipped(rule: &SkippedRule) -> Line {
        Line::new("config-rule", &rule.name, "skipped", rule.reason())
    }
}

/// The skipped rules go after the last Config row (the end if there is none).
fn with_skipped(mut lines: Vec<Line>, skipped: &[SkippedRule]) -> Vec<Line> {
    let at = lines
        .iter()
        .rposition(|l| l.service == "config")
        .map_or(lines.len(), |i| i + 1);
    for (i, rule) in skipped.iter().enumerate() {
        lines.insert(at + i, Line::skipped(rule));
    }
    lines
}

/// The table: the service is named on the first row of its group only.
fn render_lines(lines: &[Line], word_header: &str, w: usize) -> String {
    let mut t = table(&["Service", "Resource", word_header, "Reason"]).last(1);
    let mut previous = "";
    for l in lines {
        let service = if l.service == previous {
            String::new()
        } else {
            l.service.clone()
        };
        previous = &l.service;
        t.row([
            service,
            l.resource.clone(),
            l.word.clone(),
            l.reason.clone(),
        ]);
    }
    t.render(w)
}

/// "1 skipped: cfn-stack-no-drift needs cfn_role_arn", or nothing.
fn skipped_summary(skipped: &[SkippedRule]) -> Option<String> {
    if skipped.is_empty() {
        return None;
    }
    let each: Vec<String> = skipped
        .iter()
        .map(|r| format!("{} {}", r.rule_id, r.reason()))
        .collect();
    Some(format!("{} skipped: {}", skipped.len(), each.join(", ")))
}

/// The summary's parts on as few lines as fit, broken between parts.
fn write_summary(out: &mut impl Write, parts: &[String], w: usize) -> io::Result<()> {
    for line in wrap_parts(parts, "; ", w) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// A resource's details, in full: its name, then each line wrapped to the width.
fn write_details<'a>(
    out: &mut impl Write,
    items: impl IntoIterator<Item = (&'a str, &'a str, String, &'a [String])>,
    w: usize,
) -> io::Result<()> {
    let mut first = true;
    for (kind, name, word, detail) in items {
        if first {
            writeln!(out, "\nDetails:")?;
            first = false;
        }
        let (service, kind) = service_and_type(kind);
        writeln!(
            out,
            "{}",
            cut(&format!("  {service} {kind} {name}: {word}"), w)
        )?;
        for d in detail {
            for line in wrap(d, "      ", w) {
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(())
}

/// The word for an action: what would be done in a plan, what was done otherwise.
fn action_word(action: Action, planned: bool) -> &'static str {
    match (action, planned) {
        (Action::Create, true) => "create",
        (Action::Create, false) => "created",
        (Action::Update, true) => "update",
        (Action::Update, false) => "updated",
        (Action::Unchanged, _) => "unchanged",
        (Action::Adopt, true) => "adopt",
        (Action::Adopt, false) => "adopted",
        (Action::Delete, true) => "delete",
        (Action::Delete, false) => "deleted",
        (Action::Keep, true) => "keep",
        (Action::Keep, false) => "kept",
        (Action::Absent, _) => "gone",
    }
}

/// The short reason beside an action: the changes of an update, why a resource
/// is adopted or kept. A creation's settings and what a deletion involves are
/// details (`-v`, `--dry-run`).
fn step_reason(step: &Step) -> String {
    match step.action {
        Action::Update | Action::Adopt | Action::Keep => step.detail.join("; "),
        Action::Create | Action::Unchanged | Action::Absent | Action::Delete => String::new(),
    }
}

/// The summary of setup or teardown: counts, skipped rules, whether it stopped.
fn steps_summary(report: &StepsReport<'_>) -> Vec<String> {
    let n = |a: Action| report.steps.iter().filter(|s| s.action == a).count();
    let plan = report.dry_run;
    let mut parts: Vec<String> = Vec::new();
    let mut say = |count: usize, planned: &str, done: &str, always: bool| {
        if always || count > 0 {
            parts.push(format!("{count} {}", if plan { planned } else { done }));
        }
    };
    if report.schema == TEARDOWN_SCHEMA {
        say(n(Action::Delete), "to delete", "deleted", true);
        say(n(Action::Keep), "to keep", "kept", true);
        say(n(Action::Absent), "already gone", "already gone", true);
    } else {
        say(n(Action::Create), "to create", "created", true);
        say(n(Action::Update), "to update", "updated", true);
        say(n(Action::Unchanged), "unchanged", "unchanged", true);
        say(n(Action::Adopt), "to adopt", "adopted", false);
    }
    let mut summary = vec![parts.join(", ")];
    summary.extend(skipped_summary(report.skipped));
    if report.error.is_some() {
        summary.push("stopped by an error".to_string());
    }
    summary
}

/// Writes the steps (one line per resource and a summary, details on request) or JSON.
pub fn write_steps(
    mut out: impl Write,
    format: StackFormat,
    report: &StepsReport<'_>,
) -> io::Result<()> {
    let spec = report.spec;
    if format == StackFormat::Json {
        let mut doc = json!({
            "schema": report.schema,
            "suffix": spec.suffix,
            "account": spec.account,
            "region": spec.region,
            "dry_run": report.dry_run,
            "steps": report.steps,
            "skipped": report.skipped.iter().map(skipped_json).collect::<Vec<_>>(),
            "error": report.error.map(aws_error),
        });
        // Only present when the manifest could not be saved (v1 only gains fields).
        if let Some(e) = report.manifest_error {
            let mut value = aws_error(e);
            value["parameter"] = spec.names().manifest_parameter.into();
            doc["manifest_error"] = value;
        }
        return write_json(out, &doc);
    }
    write_steps_table(&mut out, report, width())?;
    out.flush()
}

/// The steps for people, fitted to `w` columns.
fn write_steps_table(out: &mut impl Write, report: &StepsReport<'_>, w: usize) -> io::Result<()> {
    let lines: Vec<Line> = report
        .steps
        .iter()
        .map(|s| {
            Line::new(
                &s.kind,
                &s.name,
                action_word(s.action, report.dry_run),
                step_reason(s),
            )
        })
        .collect();
    let lines = with_skipped(lines, report.skipped);
    if !lines.is_empty() {
        out.write_all(
            render_lines(&lines, if report.dry_run { "Plan" } else { "Action" }, w).as_bytes(),
        )?;
    }
    if report.details {
        write_details(
            out,
            report
                .steps
                .iter()
                .filter(|s| !s.detail.is_empty())
                .map(|s| {
                    (
                        s.kind.as_str(),
                        s.name.as_str(),
                        action_word(s.action, report.dry_run).to_string(),
                        s.detail.as_slice(),
                    )
                }),
            w,
        )?;
    }
    write_summary(out, &steps_summary(report), w)
}

fn skipped_json(rule: &SkippedRule) -> Value {
    json!({
        "rule": rule.rule_id,
        "name": rule.name,
        "parameter": rule.parameter,
        "reason": rule.reason(),
    })
}

/// The word and the reasons of a state.
fn state_word(state: &State) -> (&'static str, &[String]) {
    match state {
        State::Present => ("present", &[]),
        State::Missing => ("missing", &[]),
        State::Drifted(r) => ("drifted", r),
        State::Foreign(r) => ("not ours", r),
        State::Unknown(r) => ("unknown", r),
    }
}

/// What `status` found, for its table, details and summary.
pub struct StatusReport<'a> {
    pub spec: &'a StackSpec,
    pub found: &'a [Inspection],
    pub skipped: &'a [SkippedRule],
    /// Show every resource's full name and reasons after the table (`-v`).
    pub details: bool,
}

/// Writes what `status` found (one line per resource and a summary, details on
/// request) or JSON.
pub fn write_status(
    mut out: impl Write,
    format: StackFormat,
    report: &StatusReport<'_>,
) -> io::Result<()> {
    let (spec, found) = (report.spec, report.found);
    if format == StackFormat::Json {
        return write_json(
            out,
            &json!({
                "schema": "compliance.status/v1",
                "suffix": spec.suffix,
                "account": spec.account,
                "region": spec.region,
                "resources": found,
                "skipped": report.skipped.iter().map(skipped_json).collect::<Vec<_>>(),
            }),
        );
    }
    write_status_table(&mut out, report, width())?;
    out.flush()
}

/// What `status` found for people, fitted to `w` columns.
fn write_status_table(out: &mut impl Write, report: &StatusReport<'_>, w: usize) -> io::Result<()> {
    let found = report.found;
    let lines: Vec<Line> = found
        .iter()
        .map(|i| {
            let (word, reasons) = state_word(&i.state);
            Line::new(&i.kind, &i.name, word, reasons.join("; "))
        })
        .collect();
    let lines = with_skipped(lines, report.skipped);
    out.write_all(render_lines(&lines, "State", w).as_bytes())?;
    if report.details {
        write_details(
            out,
            found.iter().map(|i| {
                let (word, reasons) = state_word(&i.state);
                (i.kind.as_str(), i.name.as_str(), word.to_string(), reasons)
            }),
            w,
        )?;
    }
    let n = |word: &str| {
        found
            .iter()
            .filter(|i| state_word(&i.state).0 == word)
            .count()
    };
    let mut summary = format!(
        "{} present, {} missing, {} drifted, {} unknown",
        n("present"),
        n("missing"),
        n("drifted"),
        n("unknown")
    );
    if n("not ours") > 0 {
        summary.push_str(&format!(", {} not ours", n("not ours")));
    }
    let mut parts = vec![summary];
    parts.extend(skipped_summary(report.skipped));
    write_summary(out, &parts, w)
}

fn write_json(mut out: impl Write, doc: &Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, doc)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The message for a manifest that could not be saved: the parameter, the AWS
/// error (code and request id), and what it means for the operator.
pub fn manifest_not_saved(spec: &StackSpec, error: &AwsError) -> String {
    format!(
        "error: the manifest was not saved to SSM parameter {}: {}\nIt may not list every resource that now exists; fix the access and run the command again, which records them.",
        spec.names().manifest_parameter,
        error
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::stack::{Frequency, Sse};

    fn spec() -> StackSpec {
        StackSpec {
            suffix: "dev".into(),
            account: "123456789012".into(),
            region: "eu-west-1".into(),
            partition: "aws".into(),
            emails: vec![],
            frequency: Frequency::Six,
            sse: Sse::Kms,
            aggregator_regions: vec![],
            aggregator_scope: Default::default(),
            tags: Default::default(),
            rules: vec![],
            threshold: 70.0,
            retain_days: None,
            adopt_recorder: false,
        }
    }

    fn steps_report<'a>(
        spec: &'a StackSpec,
        steps: &'a [Step],
        skipped: &'a [SkippedRule],
    ) -> StepsReport<'a> {
        StepsReport {
            schema: "compliance.setup/v1",
            spec,
            dry_run: false,
            steps,
            skipped,
            details: false,
            error: None,
            manifest_error: None,
        }
    }

    fn drift_rule() -> SkippedRule {
        SkippedRule {
            rule_id: "cfn-stack-no-drift".into(),
            name: "compliance-cfn-stack-no-drift-dev".into(),
            parameter: "cfn_role_arn".into(),
        }
    }

    #[test]
    fn steps_as_json_name_the_manifest_parameter_only_when_it_was_not_saved() {
        let spec = spec();
        let steps = [Step::new("kms-key", "k", Action::Create)];
        let denied = AwsError::local("ssm", "eu-west-1", "PutParameter", "AccessDenied", "no");
        let skipped = [drift_rule()];
        let mut report = steps_report(&spec, &steps, &skipped);
        let mut out = Vec::new();
        write_steps(&mut out, StackFormat::Json, &report).unwrap();
        let doc: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["steps"][0]["action"], "create");
        assert_eq!(doc["skipped"][0]["parameter"], "cfn_role_arn");
        assert!(doc.get("manifest_error").is_none());
        report.manifest_error = Some(&denied);
        let mut out = Vec::new();
        write_steps(&mut out, StackFormat::Json, &report).unwrap();
        let doc: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            doc["manifest_error"]["parameter"],
            "/compliance/dev/manifest"
        );
        assert_eq!(doc["manifest_error"]["code"], "AccessDenied");
    }

    fn text(report: &StepsReport<'_>) -> String {
        let mut out = Vec::new();
        write_steps_table(&mut out, report, 120).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_line_per_resource_with_the_skipped_rule_after_the_config_rows_and_a_summary() {
        let spec = spec();
        let steps = [
            Step::new(
                "kms-key",
                "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                Action::Create,
            )
            .with("symmetric key")
            .with("automatic key rotation enabled"),
            Step::new(
                "config-rule:compliance-a-dev",
                "compliance-a-dev",
                Action::Create,
            )
            .with("managed rule A"),
            Step::updating(
                "s3-bucket",
                "b",
                &[crate::core::plan::Change::new(
                    "versioning",
                    "Suspended",
                    "Enabled",
                )],
            ),
            Step::new("sns-topic", "t", Action::Unchanged),
        ];
        let skipped = [drift_rule()];
        let mut report = steps_report(&spec, &steps, &skipped);
        let out = text(&report);
        let lines: Vec<&str> = out.lines().collect();
        // Header (3 lines), 5 rows, the bottom rule, the summary.
        assert_eq!(lines.len(), 10, "{out}");
        assert_eq!(
            lines[9],
            "2 created, 1 updated, 1 unchanged; 1 skipped: cfn-stack-no-drift needs cfn_role_arn"
        );
        // The key is named by its id; its settings are details, not shown by default.
        assert!(
            lines[3].contains("key 1234abcd-12ab-34cd-56ef-1234567890ab"),
            "{out}"
        );
        assert!(!out.contains("rotation"), "{out}");
        assert!(!out.contains("arn:aws:kms"), "{out}");
        // The skipped rule follows the Config rows, in the same group.
        assert!(
            lines[5].contains("rule compliance-cfn-stack-no-drift-dev"),
            "{out}"
        );
        assert!(lines[5].contains("skipped") && lines[5].contains("needs cfn_role_arn"));
        assert!(!lines[5].contains("config"), "service named once: {out}");
        assert!(
            lines[6].contains("versioning Suspended -> Enabled"),
            "{out}"
        );

        report.details = true;
        report.dry_run = true;
        let out = text(&report);
        assert!(out.contains("Plan") && out.contains("create"), "{out}");
        assert!(out.contains("automatic key rotation enabled"), "{out}");
        assert!(
            out.contains("arn:aws:kms:eu-west-1:123456789012:key/"),
            "{out}"
        );
        assert!(out.ends_with("2 to create, 1 to update, 1 unchanged; 1 skipped: cfn-stack-no-drift needs cfn_role_arn\n"), "{out}");
    }

    #[test]
    fn teardown_counts_deletions() {
        let spec = spec();
        let steps = [
            Step::new("dynamodb-table", "t", Action::Delete).with("the table"),
            Step::new("config-recorder", "r", Action::Keep).with("adopted, not ours"),
        ];
        let mut report = steps_report(&spec, &steps, &[]);
        report.schema = TEARDOWN_SCHEMA;
        let out = text(&report);
        assert!(out.contains("adopted, not ours"), "{out}");
        assert!(
            out.ends_with("1 deleted, 1 kept, 0 already gone\n"),
            "{out}"
        );
    }

    #[test]
    fn status_names_each_resource_once_and_counts_every_state() {
        let spec = spec();
        let found = [
            Inspection::new("kms-key", "k", State::Present),
            Inspection::new(
                "config-rule:compliance-a-dev",
                "compliance-a-dev",
                State::Drifted(vec!["scope: expected X, found Y".into()]),
            ),
            Inspection::new(
                "dynamodb-table",
                "t",
                State::Unknown(vec!["AccessDenied".into()]),
            ),
        ];
        let skipped = [drift_rule()];
        let mut out = Vec::new();
        let report = StatusReport {
            spec: &spec,
            found: &found,
            skipped: &skipped,
            details: false,
        };
        write_status_table(&mut out, &report, 120).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches("compliance-a-dev").count(), 1, "{text}");
        assert!(
            text.contains("unknown") && text.contains("AccessDenied"),
            "{text}"
        );
        assert!(text.contains("skipped"), "{text}");
        assert!(
            text.ends_with("1 present, 0 missing, 1 drifted, 1 unknown; 1 skipped: cfn-stack-no-drift needs cfn_role_arn\n"),
            "{text}"
        );
    }

    #[test]
    fn arns_are_shown_by_their_resource_id() {
        assert_eq!(
            short_name("arn:aws:iam::1:role/compliance-config-dev"),
            "compliance-config-dev"
        );
        assert_eq!(
            short_name("arn:aws:sns:us-east-1:1:compliance-alerts-dev"),
            "compliance-alerts-dev"
        );
        assert_eq!(short_name("alias/compliance-dev"), "alias/compliance-dev");
        assert_eq!(
            service_and_type("config-delivery-channel"),
            ("config", "delivery-channel")
        );
        assert_eq!(
            service_and_type("config-rule:compliance-a-dev"),
            ("config", "rule")
        );
    }
}
