//! `iam-deactivate-stale-keys`: UpdateAccessKey Inactive for each active key
//! older than the rule's `max_access_key_age`. Keys are never deleted, so the
//! undo (Active again) always works; whatever uses a stale key stops working
//! until it is given a new one, so the change is disruptive.

use super::same;
use crate::remediation::{
    at, number_param, Action, Context, Params, PlanError, Planned, Risk, Undo,
};
use crate::resource::ConfigItem;
use crate::value::as_number;
use serde_json::{json, Value};

const PATH: &str = "configuration.accessKeys";

pub static ACTION: Action = Action {
    id: "iam-deactivate-stale-keys",
    title: "Deactivate (never delete) active access keys older than the maximum age",
    resource_type: crate::registry::IAM_USER,
    reads: &[PATH, "configuration.userName"],
    writes: "the status of the user's stale access keys",
    risk: Risk::Disruptive,
    undo: Undo {
        reversible: true,
        caveat: None,
    },
    iam_actions: &["iam:ListAccessKeys", "iam:UpdateAccessKey"],
    steps: &[],
    observe,
    compute,
    undo_target: same,
};

/// `{userName, keys: [{accessKeyId, status}]}` of the keys past the age limit.
fn observe(item: &ConfigItem, params: &Params) -> Result<Value, PlanError> {
    let max = number_param(params, "max_access_key_age", 90.0)?;
    let user = at(item, "configuration.userName")
        .or(item.resource_name.as_ref().map(|_| &Value::Null))
        .cloned()
        .unwrap_or(Value::Null);
    let user = if user.is_null() {
        item.resource_name
            .clone()
            .map(Value::from)
            .unwrap_or(Value::Null)
    } else {
        user
    };
    let keys: Vec<Value> = at(item, PATH)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|k| k.get("ageDays").and_then(as_number).is_some_and(|d| d > max))
        .filter_map(|k| {
            Some(json!({"accessKeyId": k.get("accessKeyId")?.as_str()?, "status": k.get("status").cloned().unwrap_or(Value::Null)}))
        })
        .collect();
    Ok(json!({"userName": user, "keys": keys}))
}

fn compute(_: &ConfigItem, _: &Params, _: &Context, before: &Value) -> Result<Planned, PlanError> {
    let mut after = before.clone();
    for k in after["keys"].as_array_mut().into_iter().flatten() {
        k["status"] = json!("Inactive");
    }
    Ok(Planned {
        risk: Risk::Disruptive,
        before: before.clone(),
        after,
        notes: vec![
            "whatever still signs requests with these keys is refused until it gets a new key"
                .into(),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediation::actions::test_support::plan;

    #[test]
    fn only_stale_active_keys_are_deactivated() {
        let p = plan(
            &ACTION,
            json!({"resourceType": "AWS::IAM::User", "resourceId": "AIDA1", "configuration": {"userName": "ci", "accessKeys": [
                {"accessKeyId": "AKIANEW", "status": "Active", "ageDays": 5},
                {"accessKeyId": "AKIAOLD", "status": "Active", "ageDays": 120}
            ]}}),
            json!({"max_access_key_age": 90}),
        );
        assert_eq!(
            p.before,
            json!({"userName": "ci", "keys": [{"accessKeyId": "AKIAOLD", "status": "Active"}]})
        );
        assert_eq!(
            p.after,
            json!({"userName": "ci", "keys": [{"accessKeyId": "AKIAOLD", "status": "Inactive"}]})
        );
    }
}
