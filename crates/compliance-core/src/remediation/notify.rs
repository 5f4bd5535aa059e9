//! What an applied remediation run tells the `--suffix` stack: one SNS message
//! (for the people on the topic) and two CloudWatch metrics (for the setup
//! dashboard's "Remediation results" widget). Decided here, as data, so the
//! adapters only publish and the wording is unit-tested.
//!
//! `RemediationSucceeded` counts changes verified compliant after the call
//! (`verified`, and `rolled_back` for a rollback run); `RemediationFailed`
//! counts changes whose call or verification failed. Changes applied but not
//! yet verified (RDS pending its maintenance window), skipped, manual or left
//! planned count in neither: they are named in the message instead.

use crate::alert::Alert;
use crate::metrics::Metric;
use crate::remediation::{ChangeStatus, RunRecord};
use std::collections::BTreeMap;

/// The changes failed, at most this many listed in the message (SNS takes
/// 256 KB; the trail holds them all).
const LISTED: usize = 50;

/// The two metrics of one run; the adapter adds the `Suffix` dimension.
pub fn metrics(run: &RunRecord) -> Vec<Metric> {
    vec![
        Metric {
            name: "RemediationSucceeded",
            dimensions: vec![],
            value: (run.summary.verified + run.summary.rolled_back) as f64,
            unit: "Count",
        },
        Metric {
            name: "RemediationFailed",
            dimensions: vec![],
            value: run.summary.failed as f64,
            unit: "Count",
        },
    ]
}

/// The one message of an applied run: counts in the subject, every failure
/// (rule, resource, error code and request id, or the reason) in the body.
pub fn alert(run: &RunRecord, suffix: &str) -> Alert {
    let s = &run.summary;
    let succeeded = s.verified + s.rolled_back;
    let outcome = if s.failed > 0 { "failed" } else { "succeeded" };
    let subject = format!(
        "[compliance {suffix}] remediate {}: {succeeded} fixed, {} failed",
        run.mode.as_str(),
        s.failed
    );
    let mut lines = vec![
        format!("Remediation run {} ({})", run.run_id, run.mode.as_str()),
        format!(
            "Caller: {}",
            run.caller
                .as_deref()
                .unwrap_or("unknown (GetCallerIdentity failed)")
        ),
        format!(
            "Started {}, finished {}",
            run.started_at,
            run.finished_at.as_deref().unwrap_or("-")
        ),
    ];
    if let Some(of) = &run.rollback_of {
        lines.push(format!("Rolls back run {of}"));
    }
    lines.push(format!(
        "Verified {}, rolled back {}, failed {}, applied (not yet verified) {}, skipped {}, manual {}, not applied {}",
        s.verified, s.rolled_back, s.failed, s.applied, s.skipped, s.manual, s.planned
    ));
    let failed: Vec<_> = run
        .changes
        .iter()
        .filter(|c| c.status == ChangeStatus::Failed)
        .collect();
    if !failed.is_empty() {
        lines.push(String::new());
        lines.push("Failed:".into());
        for c in failed.iter().take(LISTED) {
            let why = match &c.error {
                Some(e) => format!(
                    "{} ({}{})",
                    e.code,
                    e.message,
                    e.request_id
                        .as_deref()
                        .map(|r| format!(", request id {r}"))
                        .unwrap_or_default()
                ),
                None => c.reason.clone().unwrap_or_else(|| "not verified".into()),
            };
            lines.push(format!(
                "- {} {} ({}): {why}",
                c.rule_id,
                c.arn.as_deref().unwrap_or(&c.resource_id),
                c.action
            ));
        }
        if failed.len() > LISTED {
            lines.push(format!(
                "… and {} more (compliance remediate --log --suffix {suffix})",
                failed.len() - LISTED
            ));
        }
    }
    lines.push(String::new());
    lines.push(format!(
        "The trail: compliance remediate --log --suffix {suffix}; undo: compliance remediate --rollback {} --suffix {suffix}",
        run.run_id
    ));
    let attributes = BTreeMap::from([
        ("suffix".to_string(), suffix.to_string()),
        ("mode".to_string(), run.mode.as_str().to_string()),
        ("outcome".to_string(), outcome.to_string()),
        ("run_id".to_string(), run.run_id.clone()),
    ]);
    Alert {
        subject,
        message: lines.join("\n"),
        attributes,
        announced: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediation::{ChangeError, ChangeRecord, Mode, Risk, Summary};
    use serde_json::Value;

    fn change(id: &str, status: ChangeStatus, error: Option<&str>) -> ChangeRecord {
        ChangeRecord {
            rule_id: "s3-versioning-enabled".into(),
            resource_id: id.into(),
            resource_type: "AWS::S3::Bucket".into(),
            resource_name: None,
            arn: Some(format!("arn:aws:s3:::{id}")),
            region: None,
            account: None,
            action: "s3-enable-versioning".into(),
            risk: Risk::Safe,
            reversible: true,
            undo: None,
            before: Value::Null,
            after: Value::Null,
            status,
            reason: None,
            error: error.map(|code| ChangeError {
                code: code.into(),
                message: "denied".into(),
                request_id: Some("req-1".into()),
                operation: None,
            }),
            notes: vec![],
            at: None,
        }
    }

    fn run(changes: Vec<ChangeRecord>) -> RunRecord {
        let mut r = RunRecord::new("rem-1".into(), Mode::Apply, None, "t0".into());
        r.summary = Summary::of(&changes);
        r.changes = changes;
        r
    }

    #[test]
    fn counts_and_failures_are_named() {
        let r = run(vec![
            change("a", ChangeStatus::Verified, None),
            change("b", ChangeStatus::Verified, None),
            change("c", ChangeStatus::Failed, Some("AccessDenied")),
            change("d", ChangeStatus::Skipped, None),
        ]);
        let a = alert(&r, "dev");
        assert_eq!(
            a.subject,
            "[compliance dev] remediate apply: 2 fixed, 1 failed"
        );
        assert!(a.message.contains("arn:aws:s3:::c"), "{}", a.message);
        assert!(a
            .message
            .contains("AccessDenied (denied, request id req-1)"));
        assert!(
            !a.message.contains("arn:aws:s3:::a"),
            "only failures are listed"
        );
        assert!(a.message.contains("--rollback rem-1 --suffix dev"));
        assert_eq!(a.attributes["outcome"], "failed");
        assert_eq!(a.attributes["suffix"], "dev");
        let m = metrics(&r);
        assert_eq!(
            m.iter().map(|m| (m.name, m.value)).collect::<Vec<_>>(),
            [("RemediationSucceeded", 2.0), ("RemediationFailed", 1.0)]
        );
    }

    #[test]
    fn a_clean_rollback_counts_as_succeeded() {
        let mut r = run(vec![change("a", ChangeStatus::RolledBack, None)]);
        r.mode = Mode::Rollback;
        r.rollback_of = Some("rem-0".into());
        let a = alert(&r, "dev");
        assert_eq!(a.attributes["outcome"], "succeeded");
        assert!(a.message.contains("Rolls back run rem-0"));
        assert_eq!(metrics(&r)[0].value, 1.0);
        assert_eq!(metrics(&r)[1].value, 0.0);
    }
}
