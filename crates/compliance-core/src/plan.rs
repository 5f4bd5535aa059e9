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

/// Who an existing resource belongs to, as far as one stack is concerned:
/// decided from its tags and the manifest, the same way for every service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Tagged `ManagedBy=compliance` and this suffix (listed or not: a setup
    /// that failed before saving its manifest still owns what it tagged).
    Tagged,
    /// Not tagged ours (or takes no tags) but listed as created by setup:
    /// setup repairs it; teardown deletes it only if it takes no tags.
    Recorded,
    /// Listed as adopted: reused as is, never changed, never deleted.
    Adopted,
    /// None of the above: someone else's.
    Foreign,
}

impl Owner {
    /// `tags` is `None` for a resource that takes no tags (a dashboard, a
    /// subscription): then the manifest alone says whose it is.
    pub fn of(
        tags: Option<&[(String, String)]>,
        suffix: &str,
        created: bool,
        adopted: bool,
    ) -> Owner {
        let tagged =
            tags.is_some_and(|t| is_ours(t.iter().map(|(k, v)| (k.as_str(), v.as_str())), suffix));
        if tagged {
            Owner::Tagged
        } else if created {
            Owner::Recorded
        } else if adopted {
            Owner::Adopted
        } else {
            Owner::Foreign
        }
    }
}

/// What setup does with a resource under the stack's name that is not ours
/// ([`Owner::Foreign`]); each resource says which applies to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unowned {
    /// Stop with `NameTaken`: setup never takes over someone else's resource.
    Refuse,
    /// Take it as created by setup: it is exactly what setup writes (a
    /// dashboard of a run that failed before saving its manifest).
    Claim,
    /// Reuse it as is and record it as adopted, so teardown leaves it (the
    /// account's one Config recorder).
    Adopt,
}

/// What setup makes of someone else's resource it reuses ([`Unowned::Adopt`]),
/// as the resource says it: the lines of the first adopt step, what `status`
/// adds to "adopted", and the only changes setup may make to it, those the
/// operator allowed (`--adopt-recorder` adds types to a recording group; nothing
/// ever narrows or restarts someone else's resource).
#[derive(Debug, Clone, PartialEq)]
pub struct Adoption<R> {
    pub detail: Vec<String>,
    pub notes: Vec<String>,
    pub changes: Vec<Planned<R>>,
}

impl<R> Default for Adoption<R> {
    fn default() -> Adoption<R> {
        Adoption {
            detail: Vec::new(),
            notes: Vec::new(),
            changes: Vec::new(),
        }
    }
}

/// What setup will do with one resource, decided from what was read: the plan
/// that `--dry-run` prints, `setup` applies and `status` reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent<R> {
    Create,
    /// Ours: bring these settings back to the spec (none: unchanged).
    Update(Vec<Planned<R>>),
    /// Someone else's and reused: `first` when setup has not adopted it
    /// before (the step says what adopting means; later runs say unchanged,
    /// or update with the changes the operator allowed).
    Adopt {
        first: bool,
        adoption: Adoption<R>,
    },
    /// Someone else's: setup stops rather than take it over.
    Refuse,
}

impl<R: Copy + PartialEq> Intent<R> {
    /// The one decision for every resource: `found` is None when the resource
    /// does not exist, else who owns it and how it differs from the spec;
    /// `adoption` is what reusing it means, should it be someone else's.
    pub fn decide(
        found: Option<(Owner, Vec<Planned<R>>)>,
        unowned: Unowned,
        adoption: Adoption<R>,
    ) -> Intent<R> {
        match found {
            None => Intent::Create,
            Some((Owner::Tagged | Owner::Recorded, changes)) => Intent::Update(changes),
            Some((Owner::Adopted, _)) => Intent::Adopt {
                first: false,
                adoption,
            },
            Some((Owner::Foreign, changes)) => match unowned {
                Unowned::Refuse => Intent::Refuse,
                Unowned::Claim => Intent::Update(changes),
                Unowned::Adopt => Intent::Adopt {
                    first: true,
                    adoption,
                },
            },
        }
    }

    /// The calls an update (or an allowed change to an adopted resource)
    /// needs, each once, in the order first needed (several changes may be
    /// applied by one call).
    pub fn parts(&self) -> Vec<R> {
        let changes = match self {
            Intent::Update(changes) => changes.as_slice(),
            Intent::Adopt { adoption, .. } => adoption.changes.as_slice(),
            Intent::Create | Intent::Refuse => &[],
        };
        let mut parts = Vec::new();
        for change in changes {
            if !parts.contains(&change.by) {
                parts.push(change.by);
            }
        }
        parts
    }

    /// The parts to apply now and those that wait for the resources after
    /// this one (`waits`: starting the Config recorder needs its delivery
    /// channel); a resource just created gets `after_create` then (a new
    /// recorder is created stopped).
    pub fn stages(&self, waits: impl Fn(&R) -> bool, after_create: Vec<R>) -> (Vec<R>, Vec<R>) {
        match self {
            Intent::Create => (Vec::new(), after_create),
            _ => self.parts().into_iter().partition(|p| !waits(p)),
        }
    }

    /// The plan line: `create` with what is created, `update` with each
    /// change, `unchanged`, or `adopt` with what adopting means (and any
    /// change allowed on it). (`Refuse` is an error, never a step.)
    pub fn step(&self, kind: &str, name: impl Into<String>, created: Vec<String>) -> Step {
        let details = |changes: &[Planned<R>]| -> Vec<Change> {
            changes.iter().map(|p| p.change.clone()).collect()
        };
        match self {
            Intent::Create => {
                let mut step = Step::new(kind, name, Action::Create);
                step.detail = created;
                step
            }
            Intent::Update(changes) => Step::updating(kind, name, &details(changes)),
            Intent::Adopt {
                first: true,
                adoption,
            } => {
                let mut step = Step::new(kind, name, Action::Adopt);
                if adoption.detail.is_empty() {
                    step =
                        step.with("exists and is not this stack's: reused as is, left by teardown");
                }
                step.detail.extend(adoption.detail.iter().cloned());
                step.detail
                    .extend(adoption.changes.iter().map(|p| p.change.detail()));
                step
            }
            Intent::Adopt {
                first: false,
                adoption,
            } => Step::updating(kind, name, &details(&adoption.changes)),
            Intent::Refuse => Step::new(kind, name, Action::Keep).with("someone else's"),
        }
    }

    /// What `status` says of it: drift is judged only for what is ours.
    pub fn state(&self, suffix: &str, takes_tags: bool) -> State {
        match self {
            Intent::Create => State::Missing,
            Intent::Update(changes) => {
                let changes: Vec<Change> = changes.iter().map(|p| p.change.clone()).collect();
                State::of(&changes)
            }
            Intent::Adopt { adoption, .. } => {
                let mut why = vec!["adopted: not created by setup".to_string()];
                why.extend(adoption.notes.iter().cloned());
                State::Foreign(why)
            }
            Intent::Refuse => State::Foreign(vec![not_ours(suffix, takes_tags)]),
        }
    }
}

/// Why a resource is not this stack's, for `status` and teardown.
pub fn not_ours(suffix: &str, takes_tags: bool) -> String {
    if takes_tags {
        format!(
            "not tagged {}={}, {SUFFIX_TAG}={suffix}",
            MANAGED_BY.0, MANAGED_BY.1
        )
    } else {
        "not created by setup: it takes no tags and the manifest does not list it".into()
    }
}

/// Why setup stops at a resource under its name that is someone else's.
pub fn name_taken(what: &str, name: &str, suffix: &str, takes_tags: bool) -> String {
    let whose = if takes_tags {
        format!(
            "is not tagged {}={}, {SUFFIX_TAG}={suffix} and setup did not create it",
            MANAGED_BY.0, MANAGED_BY.1
        )
    } else {
        "takes no tags, setup's manifest does not list it and it is not what setup writes".into()
    };
    format!(
        "{what} {name} exists but {whose}; setup will not take over someone else's {what}: choose another --suffix or remove it"
    )
}

/// Teardown's decision for one resource: the safety rule, in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    Delete,
    /// Left in place, and why.
    Keep(String),
    /// Already gone.
    Absent,
}

/// Teardown deletes a resource only when the manifest lists it as created by
/// setup *and*, for a resource that takes tags, it still carries this
/// suffix's tags (`tags` None: takes no tags, the manifest alone decides).
/// Adopted resources (`adopted`: listed as reused) are never listed as
/// created, so they are always kept.
pub fn removal(
    exists: bool,
    created: bool,
    adopted: bool,
    tags: Option<&[(String, String)]>,
    suffix: &str,
) -> Removal {
    if !exists {
        return Removal::Absent;
    }
    if !created {
        return Removal::Keep(if adopted {
            "adopted: existed before setup, left in place".into()
        } else {
            "not created by setup (not in the manifest)".into()
        });
    }
    match tags {
        Some(tags) if !is_ours(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())), suffix) => {
            Removal::Keep(not_ours(suffix, true))
        }
        _ => Removal::Delete,
    }
}

impl Removal {
    pub fn step(&self, kind: &str, name: impl Into<String>) -> Step {
        match self {
            Removal::Delete => Step::new(kind, name, Action::Delete),
            Removal::Keep(why) => Step::new(kind, name, Action::Keep).with(why.clone()),
            Removal::Absent => Step::new(kind, name, Action::Absent),
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

    fn ours_tags() -> Vec<(String, String)> {
        pairs(&[("ManagedBy", "compliance"), ("ComplianceSuffix", "dev")])
    }

    #[test]
    fn owner_is_decided_by_tags_then_the_manifest() {
        let ours = ours_tags();
        let theirs = pairs(&[("ManagedBy", "compliance"), ("ComplianceSuffix", "prod")]);
        assert_eq!(Owner::of(Some(&ours), "dev", false, false), Owner::Tagged);
        assert_eq!(
            Owner::of(Some(&theirs), "dev", true, false),
            Owner::Recorded
        );
        assert_eq!(Owner::of(None, "dev", true, false), Owner::Recorded);
        assert_eq!(Owner::of(None, "dev", false, true), Owner::Adopted);
        assert_eq!(
            Owner::of(Some(&theirs), "dev", false, false),
            Owner::Foreign
        );
        assert_eq!(Owner::of(None, "dev", false, false), Owner::Foreign);
    }

    #[test]
    fn setup_creates_the_missing_updates_its_own_and_never_takes_over_another() {
        let drift = || {
            vec![Planned::new(
                1u8,
                Change::new("state", "DISABLED", "ENABLED"),
            )]
        };
        let decide = |found, unowned| Intent::decide(found, unowned, Adoption::default());
        assert_eq!(decide(None, Unowned::Refuse), Intent::<u8>::Create);
        assert_eq!(
            decide(Some((Owner::Tagged, drift())), Unowned::Refuse),
            Intent::Update(drift())
        );
        assert_eq!(
            decide(Some((Owner::Recorded, drift())), Unowned::Refuse),
            Intent::Update(drift())
        );
        assert_eq!(
            decide(Some((Owner::Foreign, drift())), Unowned::Refuse),
            Intent::Refuse
        );
        assert_eq!(
            decide(Some((Owner::Foreign, vec![])), Unowned::Claim),
            Intent::Update(vec![])
        );
        assert_eq!(
            decide(Some((Owner::Foreign, drift())), Unowned::Adopt),
            Intent::Adopt {
                first: true,
                adoption: Adoption::default()
            }
        );
        assert_eq!(
            decide(Some((Owner::Adopted, drift())), Unowned::Refuse),
            Intent::Adopt {
                first: false,
                adoption: Adoption::default()
            },
            "an adopted resource is never brought to the spec"
        );
    }

    #[test]
    fn the_plan_renders_as_steps_and_states() {
        let created = vec!["tags a=b".to_string()];
        let create: Intent<u8> = Intent::Create;
        let step = create.step("events-rule", "r", created.clone());
        assert_eq!((step.action, step.detail), (Action::Create, created));
        assert_eq!(create.state("dev", true), State::Missing);

        let changes = vec![
            Planned::new(1u8, Change::new("state", "DISABLED", "ENABLED")),
            Planned::new(2u8, Change::new("target", "none", "t")),
            Planned::new(1u8, Change::new("pattern", "a", "b")),
        ];
        let update = Intent::Update(changes);
        let step = update.step("events-rule", "r", vec![]);
        assert_eq!(step.action, Action::Update);
        assert_eq!(step.detail.len(), 3);
        assert_eq!(update.parts(), vec![1, 2], "one call per part, in order");
        assert!(matches!(update.state("dev", true), State::Drifted(r) if r.len() == 3));

        let unchanged: Intent<u8> = Intent::Update(vec![]);
        assert_eq!(unchanged.step("k", "n", vec![]).action, Action::Unchanged);
        assert!(unchanged.parts().is_empty());
        assert_eq!(unchanged.state("dev", true), State::Present);

        assert_eq!(
            Intent::<u8>::Refuse.state("dev", true),
            State::Foreign(vec![
                "not tagged ManagedBy=compliance, ComplianceSuffix=dev".into()
            ])
        );
        let adopt: Intent<u8> = Intent::Adopt {
            first: true,
            adoption: Adoption::default(),
        };
        assert_eq!(adopt.step("k", "n", vec![]).action, Action::Adopt);
    }

    #[test]
    fn teardown_deletes_only_what_setup_created_and_still_tagged() {
        let ours = ours_tags();
        let untagged = pairs(&[("ManagedBy", "compliance")]);
        assert_eq!(
            removal(false, true, false, Some(&ours), "dev"),
            Removal::Absent
        );
        assert_eq!(
            removal(true, true, false, Some(&ours), "dev"),
            Removal::Delete
        );
        assert_eq!(
            removal(true, false, false, Some(&ours), "dev"),
            Removal::Keep("not created by setup (not in the manifest)".into()),
            "tagged ours but not recorded as created (adopted or someone's copy)"
        );
        assert_eq!(
            removal(true, true, false, Some(&untagged), "dev"),
            Removal::Keep("not tagged ManagedBy=compliance, ComplianceSuffix=dev".into()),
            "recorded but its tags were removed"
        );
        assert_eq!(
            removal(true, true, false, Some(&ours), "prod"),
            Removal::Keep(not_ours("prod", true))
        );
        assert_eq!(
            removal(true, true, false, None, "dev"),
            Removal::Delete,
            "takes no tags: the manifest decides"
        );
        assert!(matches!(
            removal(true, false, false, None, "dev"),
            Removal::Keep(_)
        ));
        let step = Removal::Keep("why".into()).step("k", "n");
        assert_eq!(
            (step.action, step.detail),
            (Action::Keep, vec!["why".to_string()])
        );
    }
    #[test]
    fn someone_elses_resource_is_adopted_once_then_unchanged_and_only_extended_when_allowed() {
        let extend = || {
            vec![Planned::new(
                3u8,
                Change::new("recording group", "without A", "with A added"),
            )]
        };
        let said = |changes| Adoption {
            detail: vec!["existing recorder r is reused".to_string()],
            notes: vec!["not recording".to_string()],
            changes,
        };
        // First time: the adopt step says what adopting means, then the allowed change.
        let first = Intent::decide(
            Some((Owner::Foreign, vec![])),
            Unowned::Adopt,
            said(extend()),
        );
        let step = first.step("config-recorder", "r", vec![]);
        assert_eq!(step.action, Action::Adopt);
        assert_eq!(
            step.detail,
            [
                "existing recorder r is reused",
                "recording group without A -> with A added"
            ]
        );
        assert_eq!(first.parts(), [3]);
        assert_eq!(
            first.state("dev", false),
            State::Foreign(vec![
                "adopted: not created by setup".into(),
                "not recording".into()
            ])
        );
        // Already adopted: unchanged, or an update made only of the allowed changes;
        // its own drift against the spec is never applied.
        let drift = vec![Planned::new(1u8, Change::new("role", "theirs", "ours"))];
        let again = Intent::decide(
            Some((Owner::Adopted, drift.clone())),
            Unowned::Adopt,
            said(vec![]),
        );
        assert_eq!(again.step("k", "r", vec![]).action, Action::Unchanged);
        assert!(again.parts().is_empty());
        let allowed = Intent::decide(
            Some((Owner::Adopted, drift)),
            Unowned::Adopt,
            said(extend()),
        );
        let step = allowed.step("k", "r", vec![]);
        assert_eq!(step.action, Action::Update);
        assert_eq!(step.detail, ["recording group without A -> with A added"]);
        // Teardown leaves it, saying it was adopted.
        assert_eq!(
            removal(true, false, true, None, "dev"),
            Removal::Keep("adopted: existed before setup, left in place".into())
        );
    }

    #[test]
    fn parts_that_wait_for_later_resources_are_applied_after_them() {
        let changes = vec![
            Planned::new(1u8, Change::new("role", "a", "b")),
            Planned::new(2u8, Change::new("recording", "stopped", "started")),
            Planned::new(1u8, Change::new("types", "a", "b")),
        ];
        let waits = |p: &u8| *p == 2;
        assert_eq!(
            Intent::Update(changes).stages(waits, vec![2]),
            (vec![1], vec![2])
        );
        assert_eq!(
            Intent::<u8>::Create.stages(waits, vec![2]),
            (vec![], vec![2]),
            "a new resource gets what it still needs once the later ones exist"
        );
        assert_eq!(
            Intent::<u8>::Update(vec![]).stages(waits, vec![2]),
            (vec![], vec![]),
            "nothing to do for one that is as specified"
        );
    }
}
