//! The stack key as plain values and the pure comparison with the spec: state
//! (pending deletion is recovered, disabled is enabled), key spec and usage
//! (not repairable in place), rotation, key policy and tags. The adapter
//! (`src/aws/provision/kms.rs`) reads DescribeKey, the rotation status, the
//! policy and the tags into [`Key`] and applies each [`Part`].

use crate::plan::{same_policy, tag_changes, Change, Planned};
use crate::stack::StackSpec;
use serde_json::Value;

/// KMS's names for the states and kinds the stack key must have.
pub const ENABLED: &str = "Enabled";
pub const PENDING_DELETION: &str = "PendingDeletion";
pub const DISABLED: &str = "Disabled";
pub const SYMMETRIC_DEFAULT: &str = "SYMMETRIC_DEFAULT";
pub const ENCRYPT_DECRYPT: &str = "ENCRYPT_DECRYPT";

/// What KMS says about the key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Key {
    pub state: Option<String>,
    pub spec: Option<String>,
    pub usage: Option<String>,
    pub deletion_date: Option<String>,
    pub tags: Vec<(String, String)>,
    /// None while the key's state does not let KMS answer (pending deletion).
    pub rotation: Option<bool>,
    /// None when unreadable in the key's state; Some(None) when not JSON.
    pub policy: Option<Option<Value>>,
}

/// What a change is applied with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Cancel the deletion, then enable.
    Recover,
    Enable,
    Rotation,
    Policy,
    Tags,
    /// Not repairable: the key is of the wrong kind or in a state KMS will not change.
    Impossible,
}

/// The key's settings that differ from the spec.
pub fn key_changes(spec: &StackSpec, key: &Key) -> Vec<Planned<Part>> {
    let mut out = Vec::new();
    let state = key.state.as_deref().unwrap_or("(unknown)");
    match key.state.as_deref() {
        Some(ENABLED) => {}
        Some(PENDING_DELETION) => out.push(Planned::new(
            Part::Recover,
            Change::wanted(
                "key state",
                ENABLED,
                match &key.deletion_date {
                    Some(date) => format!("{PENDING_DELETION} (deletes on {date})"),
                    None => PENDING_DELETION.to_string(),
                },
            ),
        )),
        Some(DISABLED) => out.push(Planned::new(
            Part::Enable,
            Change::wanted("key state", ENABLED, state),
        )),
        _ => out.push(Planned::new(
            Part::Impossible,
            Change::wanted("key state", ENABLED, state).impossible(),
        )),
    }
    if key.spec.as_deref() != Some(SYMMETRIC_DEFAULT) {
        out.push(Planned::new(
            Part::Impossible,
            Change::wanted(
                "key spec",
                SYMMETRIC_DEFAULT,
                key.spec.as_deref().unwrap_or("(unknown)"),
            )
            .impossible(),
        ));
    }
    if key.usage.as_deref() != Some(ENCRYPT_DECRYPT) {
        out.push(Planned::new(
            Part::Impossible,
            Change::wanted(
                "key usage",
                ENCRYPT_DECRYPT,
                key.usage.as_deref().unwrap_or("(unknown)"),
            )
            .impossible(),
        ));
    }
    // None: read again once the key is usable.
    if key.rotation == Some(false) {
        out.push(Planned::new(
            Part::Rotation,
            Change::wanted("key rotation", "enabled", "disabled"),
        ));
    }
    if let Some(policy) = &key.policy {
        if !policy
            .as_ref()
            .is_some_and(|p| same_policy(p, &spec.key_policy()))
        {
            out.push(Planned::new(
                Part::Policy,
                Change::wanted(
                    "key policy",
                    "the stack's key policy (account administers; Config, EventBridge, CloudWatch, SNS encrypt)",
                    policy.as_ref().map_or("(not JSON)".into(), |p| p.to_string()),
                ),
            ));
        }
    }
    for change in tag_changes(&spec.tags(), &key.tags) {
        out.push(Planned::new(Part::Tags, change));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Risk;

    fn spec() -> StackSpec {
        super::super::test_spec()
    }

    fn as_specified(spec: &StackSpec) -> Key {
        Key {
            state: Some(ENABLED.into()),
            spec: Some(SYMMETRIC_DEFAULT.into()),
            usage: Some(ENCRYPT_DECRYPT.into()),
            deletion_date: None,
            tags: spec.tags().into_iter().collect(),
            rotation: Some(true),
            policy: Some(Some(spec.key_policy())),
        }
    }

    #[test]
    fn a_key_as_specified_has_no_changes() {
        let spec = spec();
        assert!(key_changes(&spec, &as_specified(&spec)).is_empty());
    }

    #[test]
    fn a_key_pending_deletion_is_recovered_and_unreadable_settings_wait() {
        let spec = spec();
        let mut key = as_specified(&spec);
        key.state = Some(PENDING_DELETION.into());
        key.deletion_date = Some("2026-12-06".into());
        key.rotation = None;
        key.policy = None;
        let changes = key_changes(&spec, &key);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].by, Part::Recover);
        assert_eq!(
            changes[0].reason(),
            "key state: expected Enabled, found PendingDeletion (deletes on 2026-12-06)"
        );
    }

    #[test]
    fn a_key_of_the_wrong_kind_cannot_be_repaired() {
        let spec = spec();
        let mut key = as_specified(&spec);
        key.spec = Some("RSA_2048".into());
        key.rotation = Some(false);
        let changes = key_changes(&spec, &key);
        assert_eq!(changes[0].by, Part::Impossible);
        assert_eq!(changes[0].change.risk, Risk::Impossible);
        assert_eq!(changes[1].by, Part::Rotation);
    }
}
