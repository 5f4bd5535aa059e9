//! `s3-remove-public-grants`: removes the ACL grants to AllUsers and
//! AuthenticatedUsers and the bucket-policy statements that Allow `*` without a
//! Condition; every other grant and statement stays exactly as it is. Whoever
//! relied on the public access loses it, so the change is disruptive.

use super::same;
use crate::remediation::{at, Action, Context, Params, PlanError, Planned, Risk, Undo};
use crate::resource::ConfigItem;
use serde_json::{json, Value};

pub const ACL: &str = "supplementaryConfiguration.AccessControlList";
pub const POLICY: &str = "supplementaryConfiguration.BucketPolicy";

pub static ACTION: Action = Action {
    id: "s3-remove-public-grants",
    title: "Remove public ACL grants and public Allow statements, keeping all else",
    resource_type: crate::registry::S3_BUCKET,
    reads: &[ACL, POLICY],
    writes: "the bucket's public ACL grants and public policy statements",
    risk: Risk::Disruptive,
    undo: Undo {
        reversible: true,
        caveat: None,
    },
    iam_actions: &[
        "s3:GetBucketAcl",
        "s3:PutBucketAcl",
        "s3:GetBucketPolicy",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
    ],
    steps: &[],
    observe,
    compute,
    undo_target: same,
};

/// Whether an ACL grant (Config form) goes to everyone or every AWS account.
pub fn is_public_grant(grant: &Value) -> bool {
    let grantee = grant.get("grantee");
    let name = match grantee {
        Some(Value::String(s)) => s.as_str(),
        Some(Value::Object(o)) => o
            .get("uri")
            .and_then(Value::as_str)
            .and_then(|u| u.rsplit('/').next())
            .unwrap_or(""),
        _ => "",
    };
    matches!(name, "AllUsers" | "AuthenticatedUsers")
}

/// Whether a policy statement allows anyone, with no Condition narrowing it.
pub fn is_public_statement(s: &Value) -> bool {
    let allow = s.get("Effect").and_then(Value::as_str) == Some("Allow");
    let anyone = match s.get("Principal") {
        Some(Value::String(p)) => p == "*",
        Some(Value::Object(o)) => match o.get("AWS") {
            Some(Value::String(a)) => a == "*",
            Some(Value::Array(a)) => a.iter().any(|x| x == "*"),
            _ => false,
        },
        _ => false,
    };
    allow && anyone && s.get("Condition").is_none_or(Value::is_null)
}

/// The grant list of the item's ACL.
pub fn grants(item: &ConfigItem) -> Vec<Value> {
    at(item, ACL)
        .and_then(|a| a.get("grantList"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The parsed policy document, or None when the bucket has no policy.
pub fn policy(item: &ConfigItem) -> Option<Value> {
    at(item, POLICY)
        .and_then(|p| p.get("policyText"))
        .filter(|t| !t.is_null())
        .cloned()
}

/// A policy's statements as a list (a single statement object counts as one).
pub fn statements(policy: &Value) -> Vec<Value> {
    match policy.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// Whether the bucket is open to the public through its ACL or policy today.
pub fn is_public(item: &ConfigItem) -> bool {
    grants(item).iter().any(is_public_grant)
        || policy(item).is_some_and(|p| statements(&p).iter().any(is_public_statement))
}

fn observe(item: &ConfigItem, _: &Params) -> Result<Value, PlanError> {
    Ok(json!({"grants": grants(item), "policy": policy(item)}))
}

fn compute(_: &ConfigItem, _: &Params, _: &Context, before: &Value) -> Result<Planned, PlanError> {
    let grants: Vec<Value> = before["grants"]
        .as_array()
        .map(|g| g.iter().filter(|g| !is_public_grant(g)).cloned().collect())
        .unwrap_or_default();
    let policy = match &before["policy"] {
        Value::Null => Value::Null,
        doc => {
            let kept: Vec<Value> = statements(doc)
                .into_iter()
                .filter(|s| !is_public_statement(s))
                .collect();
            if kept.is_empty() {
                Value::Null
            } else {
                let mut doc = doc.clone();
                doc["Statement"] = Value::Array(kept);
                doc
            }
        }
    };
    let mut notes = vec![
        "anyone reading the bucket through the public grants or statements loses access"
            .to_string(),
    ];
    if !before["policy"].is_null() && policy.is_null() {
        notes.push("the policy had only public statements: it is deleted".into());
    }
    Ok(Planned {
        risk: Risk::Disruptive,
        before: before.clone(),
        after: json!({"grants": grants, "policy": policy}),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediation::actions::test_support::plan;

    #[test]
    fn public_grants_and_statements_go_the_rest_stays() {
        let body = json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "supplementaryConfiguration": {
            "AccessControlList": {"grantList": [
                {"grantee": {"id": "owner"}, "permission": "FullControl"},
                {"grantee": "AllUsers", "permission": "Read"},
                {"grantee": "LogDelivery", "permission": "Write"},
                {"grantee": {"uri": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"}, "permission": "Read"}
            ]},
            "BucketPolicy": {"policyText": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Public\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"},{\"Sid\":\"Vpce\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\",\"Condition\":{\"StringEquals\":{\"aws:SourceVpce\":\"vpce-1\"}}},{\"Sid\":\"Role\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::1:role/r\"},\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::b/*\"}]}"}
        }});
        let p = plan(&ACTION, body, json!({}));
        assert_eq!(p.risk, Risk::Disruptive);
        assert_eq!(
            p.after["grants"],
            json!([{"grantee": {"id": "owner"}, "permission": "FullControl"}, {"grantee": "LogDelivery", "permission": "Write"}])
        );
        let sids: Vec<&str> = p.after["policy"]["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Sid"].as_str().unwrap())
            .collect();
        assert_eq!(sids, ["Vpce", "Role"]);
        assert_eq!(p.after["policy"]["Version"], "2012-10-17");
    }

    #[test]
    fn only_public_statements_delete_the_policy() {
        let body = json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "supplementaryConfiguration": {
            "BucketPolicy": {"policyText": {"Statement": {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}}
        }});
        let p = plan(&ACTION, body, json!({}));
        assert!(p.after["policy"].is_null());
        assert_eq!(p.after["grants"], json!([]));
    }
}
