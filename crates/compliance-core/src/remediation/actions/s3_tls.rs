//! `s3-enforce-tls`: adds one statement, Sid `DenyInsecureTransport`, that
//! denies every S3 action to everyone when `aws:SecureTransport` is false.
//! Every other statement of the policy stays as it is; a statement with that
//! Sid is replaced rather than duplicated. Clients already use HTTPS (the SDKs
//! and the console do), so the change is safe.

use super::s3_public_grants::{policy, statements, POLICY};
use super::same;
use crate::remediation::{Action, Context, Params, PlanError, Planned, Risk, Undo};
use crate::resource::ConfigItem;
use serde_json::{json, Value};

pub const SID: &str = "DenyInsecureTransport";

pub static ACTION: Action = Action {
    id: "s3-enforce-tls",
    title: "Add a Deny-insecure-transport statement to the bucket policy, keeping every other statement",
    resource_type: crate::registry::S3_BUCKET,
    reads: &[POLICY],
    writes: "the bucket policy",
    risk: Risk::Safe,
    undo: Undo {
        reversible: true,
        caveat: None,
    },
    iam_actions: &["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
    steps: &[],
    observe,
    compute,
    undo_target: same,
};

fn observe(item: &ConfigItem, _: &Params) -> Result<Value, PlanError> {
    Ok(json!({ "policy": policy(item) }))
}

fn compute(
    item: &ConfigItem,
    _: &Params,
    _: &Context,
    before: &Value,
) -> Result<Planned, PlanError> {
    let bucket = item.resource_id.as_str();
    let deny = json!({
        "Sid": SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    });
    let after = match &before["policy"] {
        Value::Null => json!({"Version": "2012-10-17", "Statement": [deny]}),
        doc => {
            let mut kept: Vec<Value> = statements(doc)
                .into_iter()
                .filter(|s| s.get("Sid").and_then(Value::as_str) != Some(SID))
                .collect();
            kept.push(deny);
            let mut doc = doc.clone();
            doc["Statement"] = Value::Array(kept);
            if doc.get("Version").is_none() {
                doc["Version"] = json!("2012-10-17");
            }
            doc
        }
    };
    Ok(Planned {
        risk: Risk::Safe,
        before: before.clone(),
        after: json!({ "policy": after }),
        notes: vec!["requests over plain HTTP are refused from now on".into()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediation::actions::test_support::plan;

    #[test]
    fn adds_the_statement_and_keeps_the_others() {
        let p = plan(
            &ACTION,
            json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "supplementaryConfiguration": {"BucketPolicy": {"policyText": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Config\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"config.amazonaws.com\"},\"Action\":\"s3:PutObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}"}}}),
            json!({}),
        );
        let statements = p.after["policy"]["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[0]["Sid"], "Config");
        assert_eq!(statements[1]["Sid"], SID);
        assert_eq!(
            statements[1]["Condition"]["Bool"]["aws:SecureTransport"],
            "false"
        );
    }

    #[test]
    fn no_policy_gets_a_new_one() {
        let p = plan(
            &ACTION,
            json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "supplementaryConfiguration": {"BucketPolicy": {"policyText": null}}}),
            json!({}),
        );
        assert_eq!(p.before, json!({"policy": null}));
        assert_eq!(
            p.after["policy"]["Statement"][0]["Resource"][1],
            "arn:aws:s3:::b/*"
        );
    }

    #[test]
    fn an_old_statement_with_the_sid_is_replaced_not_duplicated() {
        let p = plan(
            &ACTION,
            json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "supplementaryConfiguration": {"BucketPolicy": {"policyText": {"Statement": [{"Sid": SID, "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}]}}}}),
            json!({}),
        );
        let statements = p.after["policy"]["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0]["Action"], "s3:*");
    }
}
