//! `s3-enable-default-encryption`: PutBucketEncryption with SSE-KMS (the rule's
//! `kms_key_id` parameter, else the `--suffix` stack's key) or, when neither is
//! given and the rule accepts it, SSE-S3 (AES256). Objects already stored keep
//! their encryption; only new writes change, so the change is safe.

use super::same;
use crate::remediation::{at, param, Action, Context, Params, PlanError, Planned, Risk, Undo};
use crate::resource::ConfigItem;
use serde_json::{json, Value};

const PATH: &str = "supplementaryConfiguration.ServerSideEncryptionConfiguration";

pub static ACTION: Action = Action {
    id: "s3-enable-default-encryption",
    title: "Turn on default encryption (SSE-KMS with the rule's or the stack's key, else SSE-S3)",
    resource_type: crate::registry::S3_BUCKET,
    reads: &[PATH],
    writes: "the bucket's default encryption",
    risk: Risk::Safe,
    undo: Undo {
        reversible: true,
        caveat: Some("undo restores the previous configuration; where there was none, AWS applies SSE-S3 by default"),
    },
    iam_actions: &["s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration"],
    steps: &[],
    observe,
    compute,
    undo_target: same,
};

/// `{sseAlgorithm, kmsMasterKeyID, bucketKeyEnabled}` of the first rule, or null.
fn observe(item: &ConfigItem, _: &Params) -> Result<Value, PlanError> {
    let Some(rule) = at(item, PATH)
        .and_then(|c| c.get("rules"))
        .and_then(Value::as_array)
        .and_then(|r| r.first())
    else {
        return Ok(Value::Null);
    };
    let default = rule.get("applyServerSideEncryptionByDefault");
    Ok(json!({
        "sseAlgorithm": default.and_then(|d| d.get("sseAlgorithm")).cloned().unwrap_or(Value::Null),
        "kmsMasterKeyID": default.and_then(|d| d.get("kmsMasterKeyID")).cloned().unwrap_or(Value::Null),
        "bucketKeyEnabled": rule.get("bucketKeyEnabled").and_then(crate::value::as_bool).unwrap_or(false),
    }))
}

fn compute(
    _: &ConfigItem,
    params: &Params,
    cx: &Context,
    before: &Value,
) -> Result<Planned, PlanError> {
    let allowed: Vec<String> = match param(params, "algorithms") {
        None => vec!["AES256".into(), "aws:kms".into(), "aws:kms:dsse".into()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(other) => {
            return Err(PlanError::BadParam {
                param: "algorithms".into(),
                message: format!("expected a list, found {other}"),
            })
        }
    };
    let key = param(params, "kms_key_id")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .or_else(|| cx.stack_kms_key.clone());
    let after = match key {
        Some(key) => {
            json!({"sseAlgorithm": "aws:kms", "kmsMasterKeyID": key, "bucketKeyEnabled": true})
        }
        None if allowed.iter().any(|a| a == "AES256") => {
            json!({"sseAlgorithm": "AES256", "kmsMasterKeyID": null, "bucketKeyEnabled": false})
        }
        // The rule wants KMS and names no key: the account's AWS managed key for S3.
        None => {
            json!({"sseAlgorithm": "aws:kms", "kmsMasterKeyID": null, "bucketKeyEnabled": true})
        }
    };
    let mut notes = vec!["objects already stored keep their current encryption".to_string()];
    if after["sseAlgorithm"] == "aws:kms" && after["kmsMasterKeyID"].is_null() {
        notes.push(
            "no key named (parameter kms_key_id or --suffix): the AWS managed key aws/s3".into(),
        );
    }
    Ok(Planned {
        risk: Risk::Safe,
        before: before.clone(),
        after,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediation::actions::test_support::{item, plan};

    fn bucket(supp: Value) -> Value {
        json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "supplementaryConfiguration": supp})
    }

    #[test]
    fn no_configuration_gets_aes256_by_default() {
        let p = plan(&ACTION, bucket(json!({})), json!({}));
        assert_eq!(p.before, Value::Null);
        assert_eq!(p.after["sseAlgorithm"], "AES256");
        assert_eq!(p.risk, Risk::Safe);
    }

    #[test]
    fn kms_rule_with_key_parameter() {
        let p = plan(
            &ACTION,
            bucket(
                json!({"ServerSideEncryptionConfiguration": {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}}),
            ),
            json!({"algorithms": ["aws:kms"], "kms_key_id": "arn:aws:kms:eu-west-1:1:key/k"}),
        );
        assert_eq!(p.before["sseAlgorithm"], "AES256");
        assert_eq!(p.after["sseAlgorithm"], "aws:kms");
        assert_eq!(p.after["kmsMasterKeyID"], "arn:aws:kms:eu-west-1:1:key/k");
    }

    #[test]
    fn stack_key_is_used_when_the_rule_names_none() {
        let params: Params = Params::new();
        let cx = Context {
            stack_kms_key: Some("alias/stack".into()),
        };
        let p = ACTION.plan(&item(bucket(json!({}))), &params, &cx).unwrap();
        assert_eq!(p.after["kmsMasterKeyID"], "alias/stack");
    }

    #[test]
    fn kms_only_rule_without_key_uses_the_managed_key() {
        let p = plan(
            &ACTION,
            bucket(json!({})),
            json!({"algorithms": ["aws:kms", "aws:kms:dsse"]}),
        );
        assert_eq!(p.after["sseAlgorithm"], "aws:kms");
        assert!(p.after["kmsMasterKeyID"].is_null());
    }
}
