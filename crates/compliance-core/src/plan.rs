//! Plans as data: what a command found, what it would change and what it did,
//! for `setup`, `status` and `teardown` (and later remediation), with no AWS
//! call in sight.
//!
//! A [`Change`] is one attribute of one resource going from what exists to what
//! is wanted, with how risky the change is; a [`Step`] is what happened (or
//! would happen) to one resource; a [`State`] is what `status` found. The
//! adapters read AWS into plain values and hand them to the pure diff functions
//! here and in [`crate::stack`]; the same values then drive the plan that
//! `--dry-run` prints, the calls that apply it and the re-read that verifies it.
//! [`is_ours`] is the single test of ownership by tags: teardown deletes only
//! what the manifest lists as created *and* what still passes it.

use crate::stack::{MANAGED_BY, SUFFIX_TAG};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// How safe a change is to make without asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// Brings a setting back to the spec; nothing that works stops working.
    Safe,
    /// Cannot be made in place (a key schema, a key type): the operator must act.
    Impossible,
}

/// One attribute of a resource that differs from what is wanted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub attribute: String,
    /// What exists now.
    pub from: String,
    /// What the spec wants.
    pub to: String,
    pub risk: Risk,
}

impl Change {
    /// A safe change of `attribute` from `from` (found) to `to` (wanted).
    pub fn new(
        attribute: impl Into<String>,
        from: impl Into<String>,
        to: impl Into<String>,
    ) -> Change {
        Change {
            attribute: attribute.into(),
            from: from.into(),
            to: to.into(),
            risk: Risk::Safe,
        }
    }

    /// The same change, said the way the spec reads: `attribute` should be
    /// `wanted` and is `found`.
    pub fn wanted(
        attribute: impl Into<String>,
        wanted: impl Into<String>,
        found: impl Into<String>,
    ) -> Change {
        Change::new(attribute, found, wanted)
    }

    pub fn impossible(mut self) -> Change {
        self.risk = Risk::Impossible;
        self
    }

    /// As `status` says it: "versioning: expected Enabled, found Suspended".
    pub fn reason(&self) -> String {
        format!(
            "{}: expected {}, found {}",
            self.attribute, self.to, self.from
        )
    }

    /// As a plan or a change log says it: "versioning Suspended -> Enabled".
    pub fn detail(&self) -> String {
        format!("{} {} -> {}", self.attribute, self.from, self.to)
    }
}

/// A change together with what applies it: `R` is the adapter's own list of
/// calls (the tags with TagResource, the policy with PutBucketPolicy, …), so the
/// plan stays data and the adapter only maps each entry to a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned<R> {
    pub change: Change,
    pub by: R,
}

impl<R> Planned<R> {
    pub fn new(by: R, change: Change) -> Planned<R> {
        Planned { change, by }
    }

    pub fn reason(&self) -> String {
        self.change.reason()
    }

    pub fn detail(&self) -> String {
        self.change.detail()
    }
}

/// What a step did or would do to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Unchanged,
    /// An existing resource that is not ours and is reused (the account's Config recorder).
    Adopt,
    Delete,
    /// Left in place by teardown: not created by setup, or no longer carrying our tags.
    Keep,
    /// Nothing to delete: already gone.
    Absent,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "unchanged",
            Action::Adopt => "adopt",
            Action::Delete => "delete",
            Action::Keep => "keep",
            Action::Absent => "absent",
        })
    }
}

/// One resource in a plan or a change log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub kind: String,
    pub name: String,
    pub action: Action,
    /// What changes (create/update) or why (keep); empty when unchanged.
    pub detail: Vec<String>,
}

impl Step {
    pub fn new(kind: &str, name: impl Into<String>, action: Action) -> Step {
        Step {
            kind: kind.to_string(),
            name: name.into(),
            action,
            detail: Vec::new(),
        }
    }

    pub fn with(mut self, detail: impl Into<String>) -> Step {
        self.detail.push(detail.into());
        self
    }

    /// An update made of `changes`, or unchanged when there are none.
    pub fn updating(kind: &str, name: impl Into<String>, changes: &[Change]) -> Step {
        let mut step = Step::new(kind, name, Action::Unchanged);
        for change in changes {
            step.action = Action::Update;
            step.detail.push(change.detail());
        }
        step
    }
}

/// The observed state of one resource, for `status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "reasons")]
pub enum State {
    Present,
    Missing,
    /// Exists, but settings differ from the spec; each reason names the setting.
    Drifted(Vec<String>),
    /// Exists but belongs to someone else (adopted, or not tagged with this suffix).
    Foreign(Vec<String>),
    /// Could not be read; the reason names the call, the AWS error code and the request id.
    Unknown(Vec<String>),
}

impl State {
    /// Present, or drifted with the changes' reasons.
    pub fn of(changes: &[Change]) -> State {
        if changes.is_empty() {
            State::Present
        } else {
            State::Drifted(changes.iter().map(Change::reason).collect())
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inspection {
    pub kind: String,
    pub name: String,
    #[serde(flatten)]
    pub state: State,
}

impl Inspection {
    pub fn new(kind: &str, name: impl Into<String>, state: State) -> Inspection {
        Inspection {
            kind: kind.to_string(),
            name: name.into(),
            state,
        }
    }
}

/// Whether a resource's tags say it belongs to the stack of `suffix`: both
/// `ManagedBy=compliance` and `ComplianceSuffix={suffix}`.
pub fn is_ours<'t>(tags: impl IntoIterator<Item = (&'t str, &'t str)>, suffix: &str) -> bool {
    let mut managed = false;
    let mut ours = false;
    for (k, v) in tags {
        managed |= k == MANAGED_BY.0 && v == MANAGED_BY.1;
        ours |= k == SUFFIX_TAG && v == suffix;
    }
    managed && ours
}

/// Whether setup may manage a resource it found under the stack's name: ours
/// by tags, or recorded in the manifest as created under this identifier (a
/// resource whose tags someone removed is still ours to repair). Teardown asks
/// more: recorded as created *and* still [`is_ours`].
pub fn is_managed<'t>(
    tags: impl IntoIterator<Item = (&'t str, &'t str)>,
    suffix: &str,
    recorded: Option<&str>,
    id: &str,
) -> bool {
    is_ours(tags, suffix) || recorded == Some(id)
}

/// The wanted tags that are missing or differ (extra tags are left alone: the
/// operator may add their own).
pub fn tag_changes(wanted: &BTreeMap<String, String>, found: &[(String, String)]) -> Vec<Change> {
    wanted
        .iter()
        .filter_map(
            |(k, v)| match found.iter().find(|(fk, _)| fk == k).map(|(_, fv)| fv) {
                Some(fv) if fv == v => None,
                Some(fv) => Some(Change::new(format!("tag {k}"), fv.clone(), v.clone())),
                None => Some(Change::new(format!("tag {k}"), "(missing)", v.clone())),
            },
        )
        .collect()
}

/// The wanted tags that are missing or differ, as one change (`k=v, …`), for
/// resources whose tags are set in one call; `None` when all are there.
pub fn missing_tags(
    wanted: &BTreeMap<String, String>,
    found: &[(String, String)],
) -> Option<Change> {
    let missing: Vec<String> = wanted
        .iter()
        .filter(|(k, v)| !found.iter().any(|(fk, fv)| fk == *k && fv == *v))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    (!missing.is_empty())
        .then(|| Change::wanted("tags", missing.join(", "), "missing or different"))
}

/// Two IAM-style policy documents say the same: statement order, a single
/// value versus a one-element list, and the order of values in a list do not matter.
pub fn same_policy(a: &Value, b: &Value) -> bool {
    normalise_policy(a) == normalise_policy(b)
}

fn normalise_policy(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), normalise_policy(v)))
                .collect(),
        ),
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(normalise_policy).collect();
            if items.len() == 1 {
                return items.pop().expect("one item");
            }
            items.sort_by_key(|v| v.to_string());
            Value::Array(items)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn ours_needs_both_tags_with_this_suffix() {
        let t = pairs(&[("ManagedBy", "compliance"), ("ComplianceSuffix", "dev")]);
        fn refs(t: &[(String, String)]) -> Vec<(&str, &str)> {
            t.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
        }
        assert!(is_ours(refs(&t), "dev"));
        assert!(!is_ours(refs(&t), "prod"), "another suffix's resource");
        assert!(!is_ours(refs(&t[..1]), "dev"), "managed but no suffix");
        assert!(!is_ours(refs(&t[1..]), "dev"), "suffix but not managed");
        let other = pairs(&[("ManagedBy", "terraform"), ("ComplianceSuffix", "dev")]);
        assert!(!is_ours(refs(&other), "dev"));
    }

    #[test]
    fn managed_by_tags_or_by_the_record() {
        let none: [(&str, &str); 0] = [];
        assert!(is_managed(none, "dev", Some("arn:x"), "arn:x"));
        assert!(!is_managed(none, "dev", Some("arn:x"), "arn:y"));
        assert!(!is_managed(none, "dev", None, "arn:x"));
        let tags = [("ManagedBy", "compliance"), ("ComplianceSuffix", "dev")];
        assert!(is_managed(tags, "dev", None, "arn:x"));
    }

    #[test]
    fn tag_changes_list_missing_and_different_values_only() {
        let wanted: BTreeMap<String, String> = [("A", "1"), ("B", "2"), ("C", "3")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let found = pairs(&[("A", "1"), ("B", "9"), ("Extra", "x")]);
        let changes = tag_changes(&wanted, &found);
        assert_eq!(
            changes,
            vec![
                Change::new("tag B", "9", "2"),
                Change::new("tag C", "(missing)", "3")
            ]
        );
        assert_eq!(changes[0].reason(), "tag B: expected 2, found 9");
        assert_eq!(changes[0].detail(), "tag B 9 -> 2");
    }

    #[test]
    fn policies_compare_by_meaning_not_spelling() {
        let a = json!({"Statement": [{"Action": ["s3:GetObject"], "Resource": ["b", "a"]}]});
        let b = json!({"Statement": {"Action": "s3:GetObject", "Resource": ["a", "b"]}});
        assert!(same_policy(&a, &b));
        let c = json!({"Statement": {"Action": "s3:*", "Resource": ["a", "b"]}});
        assert!(!same_policy(&a, &c));
    }

    #[test]
    fn steps_and_states_follow_the_changes() {
        let none: Vec<Change> = vec![];
        assert_eq!(Step::updating("k", "n", &none).action, Action::Unchanged);
        assert_eq!(State::of(&none), State::Present);
        let one = vec![Change::new("versioning", "Suspended", "Enabled")];
        let step = Step::updating("s3-bucket", "b", &one);
        assert_eq!(step.action, Action::Update);
        assert_eq!(step.detail, vec!["versioning Suspended -> Enabled"]);
        assert_eq!(
            State::of(&one),
            State::Drifted(vec!["versioning: expected Enabled, found Suspended".into()])
        );
        let json =
            serde_json::to_value(Inspection::new("k", "n", State::Unknown(vec!["x".into()])))
                .unwrap();
        assert_eq!(json["state"], "unknown");
        assert_eq!(json["reasons"][0], "x");
    }
}
