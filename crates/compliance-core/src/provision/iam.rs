//! The Config role as a plain value, and the pure comparison with the spec:
//! trust policy, the attached AWS_ConfigRole, the inline delivery policy and
//! tags. Policies compare by meaning ([`crate::plan::same_policy`]). The adapter
//! (`src/aws/provision/iam.rs`) reads the role into [`Role`] and applies each
//! [`Part`] with its own call.

use crate::plan::{same_policy, tag_changes, Change, Planned};
use crate::stack::StackSpec;
use serde_json::Value;

/// The AWS managed policy for Config's service role, in the stack's partition.
pub fn managed_policy_arn(spec: &StackSpec) -> String {
    format!(
        "arn:{}:iam::aws:policy/service-role/AWS_ConfigRole",
        spec.partition
    )
}

/// The AWS managed policy an organisation aggregator's role needs, in the stack's partition.
pub fn org_policy_arn(spec: &StackSpec) -> String {
    format!(
        "arn:{}:iam::aws:policy/service-role/AWSConfigRoleForOrganizations",
        spec.partition
    )
}

/// The role as it exists.
pub struct Role {
    pub arn: String,
    pub tags: Vec<(String, String)>,
    /// None when the document could not be read as JSON.
    pub trust: Option<Value>,
    pub attached: Vec<String>,
    /// The inline policy `names.role_policy`; None when the role has none.
    pub inline: Option<Option<Value>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// One setting of the role that differs from the spec, with the call that repairs it.
pub enum Part {
    Trust,
    Attach,
    Inline,
    Tags,
}

pub fn role_changes(spec: &StackSpec, found: &Role) -> Vec<Planned<Part>> {
    let mut out = Vec::new();
    let trust = spec.role_trust_policy();
    if !found.trust.as_ref().is_some_and(|t| same_policy(t, &trust)) {
        out.push(Planned::new(
            Part::Trust,
            Change::wanted(
                "trust policy",
                "config.amazonaws.com from this account only",
                found
                    .trust
                    .as_ref()
                    .map_or("(unreadable)".into(), |v| v.to_string()),
            ),
        ));
    }
    let managed = managed_policy_arn(spec);
    if !found.attached.contains(&managed) {
        out.push(Planned::new(
            Part::Attach,
            Change::wanted("managed policy AWS_ConfigRole", "attached", "not attached"),
        ));
    }
    let inline = spec.role_inline_policy();
    let setting = format!("inline policy {}", spec.names().role_policy);
    match &found.inline {
        None => out.push(Planned::new(
            Part::Inline,
            Change::wanted(setting, "delivery to the evidence bucket only", "missing"),
        )),
        Some(doc) if !doc.as_ref().is_some_and(|d| same_policy(d, &inline)) => {
            out.push(Planned::new(
                Part::Inline,
                Change::wanted(
                    setting,
                    "delivery to the evidence bucket only",
                    doc.as_ref()
                        .map_or("(unreadable)".into(), |v| v.to_string()),
                ),
            ))
        }
        Some(_) => {}
    }
    for diff in tag_changes(&spec.tags(), &found.tags) {
        out.push(Planned::new(Part::Tags, diff));
    }
    out
}

/// How the organisation aggregator's role differs from the spec: the same
/// trust as the Config role (config.amazonaws.com from this account only),
/// AWSConfigRoleForOrganizations attached, and the stack's tags. It has no
/// inline policy of ours, so `inline` is not compared.
pub fn org_role_changes(spec: &StackSpec, found: &Role) -> Vec<Planned<Part>> {
    let mut out = Vec::new();
    let trust = spec.role_trust_policy();
    if !found.trust.as_ref().is_some_and(|t| same_policy(t, &trust)) {
        out.push(Planned::new(
            Part::Trust,
            Change::wanted(
                "trust policy",
                "config.amazonaws.com from this account only",
                found
                    .trust
                    .as_ref()
                    .map_or("(unreadable)".into(), |v| v.to_string()),
            ),
        ));
    }
    if !found.attached.contains(&org_policy_arn(spec)) {
        out.push(Planned::new(
            Part::Attach,
            Change::wanted(
                "managed policy AWSConfigRoleForOrganizations",
                "attached",
                "not attached",
            ),
        ));
    }
    for diff in tag_changes(&spec.tags(), &found.tags) {
        out.push(Planned::new(Part::Tags, diff));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> StackSpec {
        super::super::test_spec()
    }

    #[test]
    fn a_role_as_specified_has_no_changes_and_each_drift_names_its_call() {
        let spec = spec();
        let mut role = Role {
            arn: spec.role_arn(),
            tags: spec.tags().into_iter().collect(),
            trust: Some(spec.role_trust_policy()),
            attached: vec![managed_policy_arn(&spec)],
            inline: Some(Some(spec.role_inline_policy())),
        };
        assert!(role_changes(&spec, &role).is_empty());
        role.attached.clear();
        role.inline = None;
        role.trust = None;
        let parts: Vec<Part> = role_changes(&spec, &role).iter().map(|p| p.by).collect();
        assert_eq!(parts, [Part::Trust, Part::Attach, Part::Inline]);
        assert_eq!(
            role_changes(&spec, &role)[2].reason(),
            "inline policy compliance-config-delivery-dev: expected delivery to the evidence bucket only, found missing"
        );
    }

    #[test]
    fn the_organisation_role_needs_its_trust_policy_and_tags() {
        let spec = spec();
        let mut role = Role {
            arn: spec.org_role_arn(),
            tags: spec.tags().into_iter().collect(),
            trust: Some(spec.role_trust_policy()),
            attached: vec![org_policy_arn(&spec)],
            inline: None,
        };
        assert!(org_role_changes(&spec, &role).is_empty());
        role.attached = vec![managed_policy_arn(&spec)];
        role.tags.clear();
        let parts: Vec<Part> = org_role_changes(&spec, &role)
            .iter()
            .map(|p| p.by)
            .collect();
        assert_eq!(parts[0], Part::Attach);
        assert!(parts[1..].iter().all(|p| *p == Part::Tags) && parts.len() > 1);
        assert_eq!(
            org_role_changes(&spec, &role)[0].reason(),
            "managed policy AWSConfigRoleForOrganizations: expected attached, found not attached"
        );
    }
}
