//! `iam-set-password-policy`: UpdateAccountPasswordPolicy with the rule's
//! parameters, keeping every existing value that is already stricter (a longer
//! minimum, a shorter maximum age, a longer reuse history, a requirement the
//! rule does not ask for). Existing passwords keep working until they expire,
//! so the change is safe.

use super::same;
use crate::remediation::{at, param, Action, Context, Params, PlanError, Planned, Risk, Undo};
use crate::resource::ConfigItem;
use crate::value::{as_bool, as_number};
use serde_json::{json, Map, Value};

const BOOLS: [(&str, &str); 4] = [
    ("requireUppercaseCharacters", "require_uppercase"),
    ("requireLowercaseCharacters", "require_lowercase"),
    ("requireSymbols", "require_symbols"),
    ("requireNumbers", "require_numbers"),
];

pub static ACTION: Action = Action {
    id: "iam-set-password-policy",
    title: "Set the account password policy from the rule's parameters, keeping stricter values",
    resource_type: crate::registry::IAM_ACCOUNT_PASSWORD_POLICY,
    reads: &["configuration"],
    writes: "the account password policy",
    risk: Risk::Safe,
    undo: Undo {
        reversible: true,
        caveat: Some("undo restores the previous values (or deletes the policy if there was none)"),
    },
    iam_actions: &[
        "iam:GetAccountPasswordPolicy",
        "iam:UpdateAccountPasswordPolicy",
        "iam:DeleteAccountPasswordPolicy",
    ],
    steps: &[],
    observe,
    compute,
    undo_target: same,
};

const FIELDS: [&str; 9] = [
    "minimumPasswordLength",
    "requireUppercaseCharacters",
    "requireLowercaseCharacters",
    "requireSymbols",
    "requireNumbers",
    "maxPasswordAge",
    "passwordReusePrevention",
    "allowUsersToChangePassword",
    "hardExpiry",
];

/// The policy's fields (null when unset), or null when the account has none.
fn observe(item: &ConfigItem, _: &Params) -> Result<Value, PlanError> {
    let conf = at(item, "configuration").and_then(Value::as_object);
    let Some(conf) = conf.filter(|c| c.contains_key("minimumPasswordLength")) else {
        return Ok(Value::Null);
    };
    let mut out = Map::new();
    for f in FIELDS {
        let v = conf.get(f).cloned().unwrap_or(Value::Null);
        let v = as_number(&v)
            .filter(|_| !v.is_boolean())
            .map(|n| json!(n as i64))
            .or_else(|| as_bool(&v).map(Value::Bool))
            .unwrap_or(v);
        out.insert(f.into(), v);
    }
    Ok(Value::Object(out))
}

fn want_number(params: &Params, key: &str) -> Result<Option<i64>, PlanError> {
    match param(params, key) {
        None => Ok(None),
        Some(v) => as_number(v)
            .map(|n| Some(n as i64))
            .ok_or_else(|| PlanError::BadParam {
                param: key.into(),
                message: format!("expected a number, found {v}"),
            }),
    }
}

fn compute(
    _: &ConfigItem,
    params: &Params,
    _: &Context,
    before: &Value,
) -> Result<Planned, PlanError> {
    let now = |k: &str| before.get(k).cloned().unwrap_or(Value::Null);
    let mut after = Map::new();
    let min_len = want_number(params, "min_password_length")?.unwrap_or(14);
    after.insert(
        "minimumPasswordLength".into(),
        json!(now("minimumPasswordLength")
            .as_i64()
            .unwrap_or(0)
            .max(min_len)),
    );
    for (field, p) in BOOLS {
        let want = param(params, p).and_then(as_bool).unwrap_or(true);
        let have = now(field).as_bool().unwrap_or(false);
        after.insert(field.into(), json!(want || have));
    }
    // A shorter maximum age is stricter; an absent one means "never expires".
    let max_age = want_number(params, "max_password_age")?;
    let age = match (now("maxPasswordAge").as_i64().filter(|a| *a > 0), max_age) {
        (Some(have), Some(want)) => Some(have.min(want)),
        (None, want) => want,
        (have, None) => have,
    };
    after.insert(
        "maxPasswordAge".into(),
        age.map(Value::from).unwrap_or(Value::Null),
    );
    let reuse = want_number(params, "password_reuse_prevention")?;
    let have_reuse = now("passwordReusePrevention").as_i64();
    let reuse = match (have_reuse, reuse) {
        (Some(h), Some(w)) => Some(h.max(w)),
        (h, w) => h.or(w),
    };
    after.insert(
        "passwordReusePrevention".into(),
        reuse.map(Value::from).unwrap_or(Value::Null),
    );
    after.insert(
        "allowUsersToChangePassword".into(),
        json!(now("allowUsersToChangePassword").as_bool().unwrap_or(true)),
    );
    after.insert(
        "hardExpiry".into(),
        json!(now("hardExpiry").as_bool().unwrap_or(false)),
    );
    Ok(Planned {
        risk: Risk::Safe,
        before: before.clone(),
        after: Value::Object(after),
        notes: vec![
            "applies to passwords set from now on; users are asked at their next change".into(),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediation::actions::test_support::plan;

    fn policy(conf: Value) -> Value {
        json!({"resourceType": "AWS::IAM::AccountPasswordPolicy", "resourceId": "123456789012", "configuration": conf})
    }

    #[test]
    fn stricter_existing_values_are_kept() {
        let p = plan(
            &ACTION,
            policy(
                json!({"minimumPasswordLength": 20, "requireSymbols": false, "requireNumbers": true, "requireUppercaseCharacters": true, "requireLowercaseCharacters": true, "maxPasswordAge": 30, "passwordReusePrevention": 5, "hardExpiry": true}),
            ),
            json!({"min_password_length": 14, "max_password_age": 90, "password_reuse_prevention": 24}),
        );
        assert_eq!(p.after["minimumPasswordLength"], 20);
        assert_eq!(p.after["maxPasswordAge"], 30);
        assert_eq!(p.after["passwordReusePrevention"], 24);
        assert_eq!(p.after["requireSymbols"], true);
        assert_eq!(p.after["hardExpiry"], true);
    }

    #[test]
    fn no_policy_gets_the_rule_values() {
        let p = plan(
            &ACTION,
            policy(json!({})),
            json!({"min_password_length": 14, "max_password_age": 90, "password_reuse_prevention": 24, "require_symbols": false}),
        );
        assert_eq!(p.before, Value::Null);
        assert_eq!(p.after["minimumPasswordLength"], 14);
        assert_eq!(p.after["requireSymbols"], false);
        assert_eq!(p.after["requireNumbers"], true);
        assert_eq!(p.after["maxPasswordAge"], 90);
    }
}
