//! Remediation actions: what `compliance remediate` may change, planned as pure
//! functions over the normalised resource model.
//!
//! A rule names its action by id (`remediation = "s3-enable-versioning"`); the
//! [`registry`](actions::REGISTRY) is the one table of actions. Each action
//! declares the item paths it reads, the part of the resource it writes, its
//! risk (which may depend on the resource's state today), whether and how far
//! it can be undone, and the IAM actions its appliers call, so `rules explain`,
//! `iam-policy --for remediate` and the plan all say the same thing.
//!
//! An action works on a *state*: the JSON value of the one part of the resource
//! it writes (a bucket's versioning status, a security group's world-open
//! entries for the rule's ports, …). [`Action::observe`] reads that state from
//! a configuration item, [`Action::plan`] computes the state that fixes the
//! finding while keeping everything around it (other policy statements, other
//! lifecycle rules, other sources and ports, stricter password settings). The
//! adapters write a state given the current one; rollback writes the recorded
//! `before` (or [`Action::undo_target`] of it, where AWS cannot go all the way
//! back). Keeping the written part small and explicit is what lets a plan show
//! the exact before → after values and an undo refuse a resource that changed
//! again since.

pub mod actions;
pub mod notify;

use crate::resource::ConfigItem;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// A rule's parameters after compliance.toml (and SSM) have been applied.
pub type Params = BTreeMap<String, Value>;

/// How careful one change has to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// Applied with `--yes`: nothing that works today stops working.
    Safe,
    /// Needs `--allow disruptive` as well: may cut off access or restart something.
    Disruptive,
    /// No in-place fix: the plan lists the documented steps, nothing is called.
    Manual,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Safe => "safe",
            Risk::Disruptive => "disruptive",
            Risk::Manual => "manual",
        }
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a change can be rolled back, and what the undo cannot restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undo {
    pub reversible: bool,
    /// What the user must know about the undo (e.g. versioning only back to Suspended).
    pub caveat: Option<&'static str>,
}

/// What the plan needs besides the item and the rule's parameters.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The KMS key of the `--suffix` stack, for SSE-KMS when the rule names none.
    pub stack_kms_key: Option<String>,
}

/// One planned change: the written part's state now and after the fix.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub risk: Risk,
    pub before: Value,
    pub after: Value,
    /// What the user should know about this change on this resource.
    pub notes: Vec<String>,
}

/// Why an action cannot plan a fix for this item.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// The part the action reads is missing or unreadable: nothing is planned blind.
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    /// The item already has the state the action would write.
    #[error("nothing to change: {0}")]
    NothingToChange(String),
    /// A rule parameter the action needs has a value it cannot use.
    #[error("parameter `{param}`: {message}")]
    BadParam { param: String, message: String },
    /// The action has no in-place fix.
    #[error("manual fix: {0}")]
    Manual(String),
}

/// One remediation action, as registered in [`actions::REGISTRY`].
pub struct Action {
    pub id: &'static str,
    pub title: &'static str,
    pub resource_type: &'static str,
    /// Item paths the plan reads (the collectors read them for the targets).
    pub reads: &'static [&'static str],
    /// The part of the resource the applier writes, in words.
    pub writes: &'static str,
    /// The risk when it does not depend on the resource's state (see `plan`).
    pub risk: Risk,
    pub undo: Undo,
    /// IAM actions the applier calls (reads for the current value included).
    pub iam_actions: &'static [&'static str],
    /// Documented steps, for manual actions and the explain text.
    pub steps: &'static [&'static str],
    pub observe: fn(&ConfigItem, &Params) -> Result<Value, PlanError>,
    pub compute: fn(&ConfigItem, &Params, &Context, &Value) -> Result<Planned, PlanError>,
    /// The state a rollback writes for a recorded `before`.
    pub undo_target: fn(&Value) -> Value,
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Action").field("id", &self.id).finish()
    }
}

impl Action {
    /// The state of the part this action writes, read from the item.
    pub fn observe(&self, item: &ConfigItem, params: &Params) -> Result<Value, PlanError> {
        if self.risk == Risk::Manual {
            return Ok(Value::Null);
        }
        for path in self.reads {
            if let Some(u) = item.unreadable_at(path) {
                return Err(PlanError::Unreadable {
                    path: u.path.clone(),
                    reason: u.reason.clone(),
                });
            }
        }
        (self.observe)(item, params)
    }

    /// The change that fixes the item, keeping everything around the written part.
    pub fn plan(
        &self,
        item: &ConfigItem,
        params: &Params,
        cx: &Context,
    ) -> Result<Planned, PlanError> {
        if self.risk == Risk::Manual {
            return Ok(Planned {
                risk: Risk::Manual,
                before: Value::Null,
                after: Value::Null,
                notes: self.steps.iter().map(|s| s.to_string()).collect(),
            });
        }
        let before = self.observe(item, params)?;
        let planned = (self.compute)(item, params, cx, &before)?;
        if planned.after == planned.before {
            return Err(PlanError::NothingToChange(format!(
                "{} is already {}",
                self.writes,
                crate::value::short(&planned.after, 120)
            )));
        }
        Ok(planned)
    }

    /// The state a rollback of a change recorded with `before` writes.
    pub fn rollback_target(&self, before: &Value) -> Value {
        (self.undo_target)(before)
    }

    /// Whether applying a fix needs `--allow disruptive` in the worst case.
    pub fn may_be_disruptive(&self) -> bool {
        self.risk == Risk::Disruptive
    }
}

/// The action with this id.
pub fn lookup(id: &str) -> Option<&'static Action> {
    actions::REGISTRY.iter().copied().find(|a| a.id == id)
}

/// Every action id, for error messages.
pub fn ids() -> Vec<&'static str> {
    actions::REGISTRY.iter().map(|a| a.id).collect()
}

/// Every IAM action the appliers call, sorted and once each.
pub fn iam_actions() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = actions::REGISTRY
        .iter()
        .flat_map(|a| a.iam_actions.iter().copied())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A rule's parameter, or the action's default when the rule has none.
pub fn param<'a>(params: &'a Params, key: &str) -> Option<&'a Value> {
    params.get(key).filter(|v| !v.is_null())
}

/// A numeric parameter with a default.
pub fn number_param(params: &Params, key: &str, default: f64) -> Result<f64, PlanError> {
    match param(params, key) {
        None => Ok(default),
        Some(v) => crate::value::as_number(v).ok_or_else(|| PlanError::BadParam {
            param: key.to_string(),
            message: format!("expected a number, found {}", crate::value::short(v, 60)),
        }),
    }
}

/// A value at a dotted path of the item's body.
pub fn at<'a>(item: &'a ConfigItem, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(&item.body, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

// ---------------------------------------------------------------------------
// The run record: the shape of `--format json` and of the audit trail.

/// What a change came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeStatus {
    Planned,
    Skipped,
    /// Written to the trail before the call; still `started` after a crash.
    Started,
    Applied,
    Verified,
    Failed,
    Manual,
    RolledBack,
}

impl ChangeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeStatus::Planned => "planned",
            ChangeStatus::Skipped => "skipped",
            ChangeStatus::Started => "started",
            ChangeStatus::Applied => "applied",
            ChangeStatus::Verified => "verified",
            ChangeStatus::Failed => "failed",
            ChangeStatus::Manual => "manual",
            ChangeStatus::RolledBack => "rolled_back",
        }
    }
}

impl fmt::Display for ChangeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a run was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Plan,
    Apply,
    Rollback,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Plan => "plan",
            Mode::Apply => "apply",
            Mode::Rollback => "rollback",
        }
    }
}

/// One change of a run, as shown and as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeRecord {
    pub rule_id: String,
    pub resource_id: String,
    pub resource_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
    pub arn: Option<String>,
    pub region: Option<String>,
    pub account: Option<String>,
    pub action: String,
    pub risk: Risk,
    pub reversible: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo: Option<String>,
    pub before: Value,
    pub after: Value,
    pub status: ChangeStatus,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub error: Option<ChangeError>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// When the change's record was last written (ISO-8601 UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// An AWS failure of one change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeError {
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
}

/// Counts by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub planned: usize,
    pub verified: usize,
    pub failed: usize,
    pub skipped: usize,
    pub manual: usize,
    #[serde(default)]
    pub applied: usize,
    #[serde(default)]
    pub rolled_back: usize,
    #[serde(default)]
    pub started: usize,
}

impl Summary {
    pub fn of(changes: &[ChangeRecord]) -> Summary {
        let mut s = Summary::default();
        for c in changes {
            match c.status {
                ChangeStatus::Planned => s.planned += 1,
                ChangeStatus::Verified => s.verified += 1,
                ChangeStatus::Failed => s.failed += 1,
                ChangeStatus::Skipped => s.skipped += 1,
                ChangeStatus::Manual => s.manual += 1,
                ChangeStatus::Applied => s.applied += 1,
                ChangeStatus::RolledBack => s.rolled_back += 1,
                ChangeStatus::Started => s.started += 1,
            }
        }
        s
    }
}

pub const SCHEMA: &str = "compliance.remediation/v1";

/// One remediation run: the `--format json` document and the trail's entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub schema: String,
    pub run_id: String,
    pub mode: Mode,
    pub caller: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// The command line's flags, for the auditor.
    #[serde(default)]
    pub flags: Vec<String>,
    /// For a rollback, the run it restores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_of: Option<String>,
    pub changes: Vec<ChangeRecord>,
    pub summary: Summary,
}

impl RunRecord {
    pub fn new(run_id: String, mode: Mode, caller: Option<String>, started_at: String) -> Self {
        RunRecord {
            schema: SCHEMA.to_string(),
            run_id,
            mode,
            caller,
            started_at,
            finished_at: None,
            flags: Vec::new(),
            rollback_of: None,
            changes: Vec::new(),
            summary: Summary::default(),
        }
    }

    /// Recounts the summary from the changes.
    pub fn finish(&mut self, at: String) {
        self.finished_at = Some(at);
        self.summary = Summary::of(&self.changes);
    }
}

/// Whether a change may be applied with the flags given: manual never, safe
/// with `--yes`, disruptive with `--yes --allow disruptive`. The reason is
/// shown as the change's `reason` when it is held back.
pub fn permitted(risk: Risk, yes: bool, allow_disruptive: bool) -> Result<(), String> {
    match (risk, yes, allow_disruptive) {
        (Risk::Manual, _, _) => Err("manual fix: follow the steps listed".into()),
        (_, false, _) => Err("plan only: pass --yes to apply".into()),
        (Risk::Disruptive, true, false) => {
            Err("disruptive: pass --allow disruptive as well to apply".into())
        }
        _ => Ok(()),
    }
}

/// Whether a resource carries `ComplianceRemediation=skip` (any case of the value).
pub fn tagged_skip(item: &ConfigItem) -> bool {
    item.tag("ComplianceRemediation")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("skip"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_follow_the_safety_rules() {
        assert!(permitted(Risk::Safe, false, false).is_err());
        assert!(permitted(Risk::Safe, true, false).is_ok());
        assert!(permitted(Risk::Disruptive, true, false).is_err());
        assert!(permitted(Risk::Disruptive, true, true).is_ok());
        assert!(permitted(Risk::Manual, true, true).is_err());
    }

    #[test]
    fn summary_counts_every_status() {
        let change = |status| ChangeRecord {
            rule_id: "r".into(),
            resource_id: "x".into(),
            resource_type: "AWS::S3::Bucket".into(),
            resource_name: None,
            arn: None,
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
            error: None,
            notes: vec![],
            at: None,
        };
        let s = Summary::of(&[
            change(ChangeStatus::Planned),
            change(ChangeStatus::Verified),
            change(ChangeStatus::Verified),
            change(ChangeStatus::Failed),
            change(ChangeStatus::Manual),
            change(ChangeStatus::Skipped),
        ]);
        assert_eq!(
            (s.planned, s.verified, s.failed, s.manual, s.skipped),
            (1, 2, 1, 1, 1)
        );
    }

    #[test]
    fn skip_tag_is_honoured() {
        let item = ConfigItem::from_body(
            serde_json::json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "tags": {"ComplianceRemediation": "Skip"}}),
            "t".into(),
        );
        assert!(tagged_skip(&item));
        let item = ConfigItem::from_body(
            serde_json::json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "tags": {"Owner": "x"}}),
            "t".into(),
        );
        assert!(!tagged_skip(&item));
    }

    #[test]
    fn rules_naming_an_unknown_or_mismatched_action_are_rejected() {
        let text = |action: &str| {
            format!(
                "id = \"r\"\ntitle = \"t\"\nresource_types = [\"AWS::S3::Bucket\"]\nseverity = \"low\"\ncategory = \"c\"\nremediation = \"{action}\"\n[check]\npath = \"x\"\nexists = true\n[docs]\nwhy = \"w\"\nfix = \"f\"\n"
            )
        };
        let e = crate::rule::Rule::parse("r.toml", &text("s3-enable-versionin")).unwrap_err();
        assert!(
            e.message
                .contains("unknown remediation action `s3-enable-versionin`"),
            "{e}"
        );
        assert_eq!(e.line, 6);
        let e = crate::rule::Rule::parse("r.toml", &text("rds-disable-public-access")).unwrap_err();
        assert!(e.message.contains("AWS::RDS::DBInstance"), "{e}");
        assert!(crate::rule::Rule::parse("r.toml", &text("s3-enable-versioning")).is_ok());
    }

    #[test]
    fn registry_ids_are_unique_and_declared() {
        let mut ids = ids();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
        for a in actions::REGISTRY {
            assert!(
                crate::registry::lookup(a.resource_type).is_some(),
                "{}",
                a.id
            );
            if a.risk != Risk::Manual {
                assert!(!a.iam_actions.is_empty(), "{} declares no IAM action", a.id);
                assert!(!a.reads.is_empty(), "{} declares no read", a.id);
            } else {
                assert!(!a.steps.is_empty(), "{} lists no step", a.id);
            }
        }
    }
}
