//! How `setup`, `status` and `teardown` show what they did, would do or found:
//! a table for people (the style of [`super::table::table`]) or a versioned
//! JSON document (`compliance.setup/v1`, `compliance.teardown/v1`,
//! `compliance.status/v1`) for programs, written to any [`std::io::Write`].
//!
//! [`StackFormat`] is its own type: the stack commands offer only these two
//! forms, whatever formats scan reports gain.

use crate::aws::error::AwsError;
use crate::core::plan::{Action, Inspection, State, Step};
use crate::core::stack::StackSpec;
use serde_json::{json, Value};
use std::io::{self, Write};

/// The output forms of `setup`, `status` and `teardown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StackFormat {
    Table,
    Json,
}

/// What `setup` or `teardown` did (or, in a dry run, would do), and why it stopped.
pub struct StepsReport<'a> {
    /// `compliance.setup/v1` or `compliance.teardown/v1`.
    pub schema: &'static str,
    pub spec: &'a StackSpec,
    pub dry_run: bool,
    pub steps: &'a [Step],
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

/// Writes the steps as a table (resource, name, action, detail) or JSON.
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
    let mut t = super::table::table();
    t.set_header(vec![
        "Resource",
        "Name",
        if report.dry_run { "Plan" } else { "Action" },
        "Detail",
    ]);
    for s in report.steps {
        let action = match s.action {
            Action::Unchanged => "up to date".to_string(),
            other => other.to_string(),
        };
        t.add_row(vec![
            s.kind.clone(),
            s.name.clone(),
            action,
            s.detail.join("\n"),
        ]);
    }
    writeln!(out, "{t}")?;
    out.flush()
}

/// Writes what `status` found as a table (resource, name, state, why) or JSON.
pub fn write_status(
    mut out: impl Write,
    format: StackFormat,
    spec: &StackSpec,
    found: &[Inspection],
) -> io::Result<()> {
    if format == StackFormat::Json {
        return write_json(
            out,
            &json!({
                "schema": "compliance.status/v1",
                "suffix": spec.suffix,
                "account": spec.account,
                "region": spec.region,
                "resources": found,
            }),
        );
    }
    let mut t = super::table::table();
    t.set_header(vec!["Resource", "Name", "State", "Why"]);
    for i in found {
        let (state, why) = match &i.state {
            State::Present => ("present", String::new()),
            State::Missing => ("missing", String::new()),
            State::Drifted(r) => ("drifted", r.join("\n")),
            State::Foreign(r) => ("not ours", r.join("\n")),
            State::Unknown(r) => ("unknown", r.join("\n")),
        };
        t.add_row(vec![i.kind.clone(), i.name.clone(), state.to_string(), why]);
    }
    writeln!(out, "{t}")?;
    out.flush()
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
            tags: Default::default(),
            rules: vec![],
            threshold: 70.0,
            retain_days: None,
            adopt_recorder: false,
        }
    }

    #[test]
    fn steps_as_json_name_the_manifest_parameter_only_when_it_was_not_saved() {
        let spec = spec();
        let steps = [Step::new("kms-key", "k", Action::Create)];
        let denied = AwsError::local("ssm", "eu-west-1", "PutParameter", "AccessDenied", "no");
        let mut report = StepsReport {
            schema: "compliance.setup/v1",
            spec: &spec,
            dry_run: false,
            steps: &steps,
            error: None,
            manifest_error: None,
        };
        let mut out = Vec::new();
        write_steps(&mut out, StackFormat::Json, &report).unwrap();
        let doc: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["steps"][0]["action"], "create");
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

    #[test]
    fn tables_say_plan_or_action_and_every_state() {
        let spec = spec();
        let steps = [Step::new("s3-bucket", "b", Action::Unchanged)];
        let report = StepsReport {
            schema: "compliance.setup/v1",
            spec: &spec,
            dry_run: true,
            steps: &steps,
            error: None,
            manifest_error: None,
        };
        let mut out = Vec::new();
        write_steps(&mut out, StackFormat::Table, &report).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("Plan") && text.contains("up to date"),
            "{text}"
        );
        let found = [
            Inspection::new("kms-key", "k", State::Present),
            Inspection::new(
                "dynamodb-table",
                "t",
                State::Unknown(vec!["AccessDenied".into()]),
            ),
        ];
        let mut out = Vec::new();
        write_status(&mut out, StackFormat::Table, &spec, &found).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("unknown") && text.contains("AccessDenied"),
            "{text}"
        );
    }
}
