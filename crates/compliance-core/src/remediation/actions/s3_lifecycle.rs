//! `s3-add-lifecycle`: adds one enabled lifecycle rule built from the rule's
//! parameters (noncurrent versions expire after `noncurrent_expiration_days`,
//! incomplete multipart uploads are aborted after `abort_incomplete_days`, and,
//! only when `expiration_days` is set, current objects expire). Existing rules
//! stay exactly as they are: the applier rewrites the configuration from what
//! S3 returns, adding or removing only the rule with this action's id. Nothing
//! current is deleted unless the user sets `expiration_days`, so it is safe.

use super::same;
use crate::remediation::{
    at, number_param, param, Action, Context, Params, PlanError, Planned, Risk, Undo,
};
use crate::resource::ConfigItem;
use serde_json::{json, Value};

const PATH: &str = "supplementaryConfiguration.BucketLifecycleConfiguration";
pub const DEFAULT_RULE_ID: &str = "compliance-remediation";

pub static ACTION: Action = Action {
    id: "s3-add-lifecycle",
    title: "Add one lifecycle rule from the rule's parameters, keeping existing rules",
    resource_type: crate::registry::S3_BUCKET,
    reads: &[PATH],
    writes: "the bucket's lifecycle rules",
    risk: Risk::Safe,
    undo: Undo {
        reversible: true,
        caveat: Some("undo removes the added rule; objects it already expired are not restored"),
    },
    iam_actions: &[
        "s3:GetLifecycleConfiguration",
        "s3:PutLifecycleConfiguration",
    ],
    steps: &[],
    observe,
    compute,
    undo_target: same,
};

fn observe(item: &ConfigItem, _: &Params) -> Result<Value, PlanError> {
    let rules = at(item, PATH)
        .and_then(|c| c.get("rules"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(json!({ "rules": rules }))
}

fn days(params: &Params, key: &str, default: f64) -> Result<i64, PlanError> {
    let d = number_param(params, key, default)?;
    if !(1.0..=36_500.0).contains(&d) || d.fract() != 0.0 {
        return Err(PlanError::BadParam {
            param: key.into(),
            message: format!("expected whole days from 1 to 36500, found {d}"),
        });
    }
    Ok(d as i64)
}

fn compute(
    _: &ConfigItem,
    params: &Params,
    _: &Context,
    before: &Value,
) -> Result<Planned, PlanError> {
    let id = param(params, "lifecycle_rule_id")
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_RULE_ID)
        .to_string();
    let noncurrent = days(params, "noncurrent_expiration_days", 90.0)?;
    let abort = days(params, "abort_incomplete_days", 7.0)?;
    let expiration = match param(params, "expiration_days") {
        None => -1,
        Some(_) => days(params, "expiration_days", 0.0)?,
    };
    let rule = json!({
        "id": id,
        "status": "Enabled",
        "filter": {"predicate": {"type": "LifecyclePrefixPredicate", "prefix": ""}},
        "expirationInDays": expiration,
        "noncurrentVersionExpirationInDays": noncurrent,
        "abortIncompleteMultipartUpload": {"daysAfterInitiation": abort},
    });
    let mut rules: Vec<Value> = before["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.get("id").and_then(Value::as_str) != Some(id.as_str()))
        .collect();
    rules.push(rule);
    let mut notes = vec![format!(
        "noncurrent versions expire after {noncurrent} days; incomplete uploads are aborted after {abort} days"
    )];
    if expiration > 0 {
        notes.push(format!("current objects expire after {expiration} days"));
    }
    Ok(Planned {
        risk: Risk::Safe,
        before: before.clone(),
        after: json!({ "rules": rules }),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediation::actions::test_support::{plan, try_plan};

    #[test]
    fn existing_rules_stay_and_one_is_added() {
        let p = plan(
            &ACTION,
            json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "supplementaryConfiguration": {"BucketLifecycleConfiguration": {"rules": [{"id": "old", "status": "Disabled", "expirationInDays": 30}]}}}),
            json!({"noncurrent_expiration_days": 30}),
        );
        let rules = p.after["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0]["id"], "old");
        assert_eq!(rules[0]["status"], "Disabled");
        assert_eq!(rules[1]["id"], DEFAULT_RULE_ID);
        assert_eq!(rules[1]["noncurrentVersionExpirationInDays"], 30);
        assert_eq!(rules[1]["expirationInDays"], -1);
    }

    #[test]
    fn bad_days_are_refused_with_the_parameter_named() {
        let e = try_plan(
            &ACTION,
            json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "supplementaryConfiguration": {}}),
            json!({"abort_incomplete_days": 0}),
        );
        assert!(
            matches!(e, Err(PlanError::BadParam { param, .. }) if param == "abort_incomplete_days")
        );
    }
}
