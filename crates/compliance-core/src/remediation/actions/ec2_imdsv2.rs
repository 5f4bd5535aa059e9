//! `ec2-require-imdsv2`: HttpTokens=required and nothing else. The applier sends
//! every other metadata option as it is today (EC2 implementations differ in
//! what they do with options left out; moto resets them). Software on the
//! instance that still speaks IMDSv1 stops getting credentials: disruptive.

use super::same;
use crate::remediation::{at, Action, Context, Params, PlanError, Planned, Risk, Undo};
use crate::resource::ConfigItem;
use serde_json::{json, Value};

const PATH: &str = "configuration.metadataOptions";

pub static ACTION: Action = Action {
    id: "ec2-require-imdsv2",
    title: "Require IMDSv2 session tokens (HttpTokens=required), nothing else",
    resource_type: crate::registry::EC2_INSTANCE,
    reads: &[PATH],
    writes: "the instance's metadata options",
    risk: Risk::Disruptive,
    undo: Undo {
        reversible: true,
        caveat: None,
    },
    iam_actions: &["ec2:DescribeInstances", "ec2:ModifyInstanceMetadataOptions"],
    steps: &[],
    observe,
    compute,
    undo_target: same,
};

fn observe(item: &ConfigItem, _: &Params) -> Result<Value, PlanError> {
    let Some(m) = at(item, PATH) else {
        return Err(PlanError::Unreadable {
            path: PATH.into(),
            reason: "the instance's metadata options were not recorded".into(),
        });
    };
    let get = |k: &str| m.get(k).cloned().unwrap_or(Value::Null);
    Ok(json!({
        "httpTokens": get("httpTokens"),
        "httpEndpoint": get("httpEndpoint"),
        "httpPutResponseHopLimit": get("httpPutResponseHopLimit"),
        "instanceMetadataTags": get("instanceMetadataTags"),
    }))
}

fn compute(_: &ConfigItem, _: &Params, _: &Context, before: &Value) -> Result<Planned, PlanError> {
    let mut after = before.clone();
    after["httpTokens"] = json!("required");
    Ok(Planned {
        risk: Risk::Disruptive,
        before: before.clone(),
        after,
        notes: vec!["software on the instance that uses IMDSv1 (no session token) loses instance metadata and credentials".into()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediation::actions::test_support::{plan, try_plan};

    #[test]
    fn only_http_tokens_change() {
        let p = plan(
            &ACTION,
            json!({"resourceType": "AWS::EC2::Instance", "resourceId": "i-1", "configuration": {"metadataOptions": {"httpTokens": "optional", "httpEndpoint": "enabled", "httpPutResponseHopLimit": 2, "instanceMetadataTags": "enabled"}}}),
            json!({}),
        );
        assert_eq!(p.before["httpTokens"], "optional");
        assert_eq!(
            p.after,
            json!({"httpTokens": "required", "httpEndpoint": "enabled", "httpPutResponseHopLimit": 2, "instanceMetadataTags": "enabled"})
        );
    }

    #[test]
    fn unrecorded_options_are_not_planned_blind() {
        let e = try_plan(
            &ACTION,
            json!({"resourceType": "AWS::EC2::Instance", "resourceId": "i-1", "configuration": {}}),
            json!({}),
        );
        assert!(matches!(e, Err(PlanError::Unreadable { .. })));
    }
}
