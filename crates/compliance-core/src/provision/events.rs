//! The EventBridge rule that routes Config's NON_COMPLIANT results to the alert
//! topic, as a plain value, and the pure comparison with the spec. The adapter
//! (`src/aws/provision/events.rs`) reads the rule and its targets into
//! [`Rule`] and applies each [`Part`] with its own call.

use crate::plan::{Change, Planned};
use crate::stack::StackSpec;
use serde_json::Value;
use std::collections::BTreeMap;

/// The fixed id of the rule's one target, so a repair replaces it in place.
pub const TARGET_ID: &str = "compliance-alerts";
/// EventBridge's state of a rule that fires.
pub const ENABLED: &str = "ENABLED";

/// One target of the rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub id: String,
    pub arn: String,
    /// The input transformer's paths and template, when there is one.
    pub input: Option<(BTreeMap<String, String>, String)>,
}

/// The rule as EventBridge describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub arn: String,
    /// The pattern parsed as JSON (EventBridge may reformat the text).
    pub pattern: Option<Value>,
    pub state: String,
    pub tags: Vec<(String, String)>,
    pub targets: Vec<Target>,
}

/// What a change is applied with: the tags, the rule (PutRule: pattern and
/// state), or the target (PutTargets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Tags,
    Rule,
    Target,
}

/// The rule's settings that differ from the spec.
pub fn rule_changes(spec: &StackSpec, rule: &Rule) -> Vec<Planned<Part>> {
    let mut drifts = Vec::new();
    if let Some(change) = crate::plan::missing_tags(&spec.tags(), &rule.tags) {
        drifts.push(Planned::new(Part::Tags, change));
    }
    let want = spec.event_pattern();
    if rule.pattern.as_ref() != Some(&want) {
        drifts.push(Planned::new(
            Part::Rule,
            Change::wanted(
                "event pattern",
                want.to_string(),
                rule.pattern
                    .as_ref()
                    .map_or("none".into(), |p| p.to_string()),
            ),
        ));
    }
    if rule.state != ENABLED {
        drifts.push(Planned::new(
            Part::Rule,
            Change::wanted("state", ENABLED, rule.state.clone()),
        ));
    }
    let topic = spec.topic_arn();
    match rule.targets.iter().find(|t| t.id == TARGET_ID) {
        None => drifts.push(Planned::new(
            Part::Target,
            Change::wanted("target", format!("{TARGET_ID} -> {topic}"), "none"),
        )),
        Some(found) => {
            if found.arn != topic {
                drifts.push(Planned::new(
                    Part::Target,
                    Change::wanted("target ARN", topic, found.arn.clone()),
                ));
            }
            let want_paths = spec.event_input_paths();
            let want_template = spec.event_input_template();
            let same = found.input.as_ref().is_some_and(|(paths, template)| {
                *paths == want_paths && *template == want_template
            });
            if !same {
                drifts.push(Planned::new(
                    Part::Target,
                    Change::wanted(
                        "input transformer",
                        format!("paths {want_paths:?}, template {want_template}"),
                        match &found.input {
                            Some((paths, template)) => {
                                format!("paths {paths:?}, template {template}")
                            }
                            None => "none".into(),
                        },
                    ),
                ));
            }
        }
    }
    drifts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> StackSpec {
        super::super::test_spec()
    }

    fn as_specified(spec: &StackSpec) -> Rule {
        Rule {
            arn: "arn:rule".into(),
            pattern: Some(spec.event_pattern()),
            state: ENABLED.into(),
            tags: spec.tags().into_iter().collect(),
            targets: vec![Target {
                id: TARGET_ID.into(),
                arn: spec.topic_arn(),
                input: Some((spec.event_input_paths(), spec.event_input_template())),
            }],
        }
    }

    #[test]
    fn a_rule_as_specified_has_no_changes() {
        let spec = spec();
        assert!(rule_changes(&spec, &as_specified(&spec)).is_empty());
    }

    #[test]
    fn each_drift_names_the_call_that_repairs_it() {
        let spec = spec();
        let mut rule = as_specified(&spec);
        rule.state = "DISABLED".into();
        rule.tags.clear();
        rule.targets[0].input = None;
        let parts: Vec<(Part, String)> = rule_changes(&spec, &rule)
            .into_iter()
            .map(|p| (p.by, p.change.attribute))
            .collect();
        assert_eq!(
            parts,
            [
                (Part::Tags, "tags".to_string()),
                (Part::Rule, "state".to_string()),
                (Part::Target, "input transformer".to_string()),
            ]
        );
        rule.targets.clear();
        let target = rule_changes(&spec, &rule).pop().unwrap();
        assert_eq!(target.by, Part::Target);
        assert_eq!(target.change.from, "none");
    }
}
