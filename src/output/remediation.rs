//! Terminal text for `remediate`: the plan (or result) with every change's
//! before → after values, and the audit trail (`--log`).

use crate::core::remediation::{ChangeRecord, RunRecord};
use crate::core::value::short;
use crate::output::table::table;

fn change_line(c: &ChangeRecord) -> String {
    let mut out = format!(
        "{} {} on {}\n    action {} ({}{})\n    before: {}\n    after:  {}\n",
        c.status.as_str().to_uppercase(),
        c.rule_id,
        c.arn.as_deref().unwrap_or(&c.resource_id),
        c.action,
        c.risk,
        if c.reversible {
            match &c.undo {
                Some(u) => format!(", reversible: {u}"),
                None => ", reversible".to_string(),
            }
        } else {
            ", not reversible".to_string()
        },
        short(&c.before, 400),
        short(&c.after, 400),
    );
    if let Some(r) = &c.reason {
        out.push_str(&format!("    reason: {r}\n"));
    }
    if let Some(e) = &c.error {
        out.push_str(&format!(
            "    error: {} {}: {}{}\n",
            e.operation.as_deref().unwrap_or(""),
            e.code,
            e.message,
            e.request_id
                .as_ref()
                .map(|r| format!(" (request id {r})"))
                .unwrap_or_default()
        ));
    }
    for n in &c.notes {
        out.push_str(&format!("    note: {n}\n"));
    }
    out
}

/// One run: a summary table, then each change with its exact values.
pub fn render_run(run: &RunRecord) -> String {
    let mut t = table(&["Status", "Risk", "Rule", "Resource", "Action"]);
    for c in &run.changes {
        t.row(vec![
            c.status.as_str().to_string(),
            c.risk.to_string(),
            c.rule_id.clone(),
            c.resource_id.clone(),
            c.action.clone(),
        ]);
    }
    let mut out = format!(
        "remediation {} ({}){}\n",
        run.run_id,
        run.mode.as_str(),
        run.caller
            .as_ref()
            .map(|c| format!(" by {c}"))
            .unwrap_or_default()
    );
    if run.changes.is_empty() {
        out.push_str("nothing to remediate: no failing finding of a rule with an action\n");
        return out;
    }
    out.push_str(&format!("{t}\n\n"));
    for c in &run.changes {
        out.push_str(&change_line(c));
    }
    let s = &run.summary;
    out.push_str(&format!(
        "\n{} planned, {} verified, {} rolled back, {} failed, {} skipped, {} manual\n",
        s.planned, s.verified, s.rolled_back, s.failed, s.skipped, s.manual
    ));
    out
}

/// `--log`: one row per change of every run.
pub fn render_log(runs: &[RunRecord]) -> String {
    if runs.is_empty() {
        return "no remediation runs recorded\n".to_string();
    }
    let mut t = table(&[
        "Started", "Run", "Mode", "Caller", "Status", "Rule", "Resource", "Action", "Error",
    ])
    // The run id is what `--rollback` takes: never cut; the caller goes first.
    .keep(1)
    .optional(3);
    for r in runs {
        for c in &r.changes {
            t.row(vec![
                r.started_at.clone(),
                r.run_id.clone(),
                r.mode.as_str().to_string(),
                r.caller.clone().unwrap_or_default(),
                c.status.as_str().to_string(),
                c.rule_id.clone(),
                c.arn.clone().unwrap_or_else(|| c.resource_id.clone()),
                c.action.clone(),
                c.error
                    .as_ref()
                    .map(|e| format!("{} {}", e.code, e.request_id.clone().unwrap_or_default()))
                    .unwrap_or_default(),
            ]);
        }
    }
    format!("{t}\n")
}
