//! `s3-block-public-access`: turns all four Block Public Access settings on.
//! On a bucket that nothing makes public today this changes no access and is
//! safe; on a bucket that is public through its ACL or policy it cuts that
//! access off, so the plan marks it disruptive for that bucket.

use super::s3_public_grants::{is_public, ACL, POLICY};
use super::same;
use crate::remediation::{at, Action, Context, Params, PlanError, Planned, Risk, Undo};
use crate::resource::ConfigItem;
use serde_json::{json, Value};

const PATH: &str = "supplementaryConfiguration.PublicAccessBlockConfiguration";
const FLAGS: [&str; 4] = [
    "blockPublicAcls",
    "ignorePublicAcls",
    "blockPublicPolicy",
    "restrictPublicBuckets",
];

pub static ACTION: Action = Action {
    id: "s3-block-public-access",
    title: "Turn on all four Block Public Access settings",
    resource_type: crate::registry::S3_BUCKET,
    reads: &[PATH, ACL, POLICY],
    writes: "the bucket's public access block",
    risk: Risk::Disruptive,
    undo: Undo {
        reversible: true,
        caveat: None,
    },
    iam_actions: &[
        "s3:GetBucketPublicAccessBlock",
        "s3:PutBucketPublicAccessBlock",
    ],
    steps: &[],
    observe,
    compute,
    undo_target: same,
};

/// The four flags, or null when the bucket has no public access block.
fn observe(item: &ConfigItem, _: &Params) -> Result<Value, PlanError> {
    let Some(block) = at(item, PATH) else {
        return Ok(Value::Null);
    };
    let mut out = serde_json::Map::new();
    for flag in FLAGS {
        let on = block
            .get(flag)
            .and_then(crate::value::as_bool)
            .unwrap_or(false);
        out.insert(flag.to_string(), Value::Bool(on));
    }
    Ok(Value::Object(out))
}

fn compute(
    item: &ConfigItem,
    _: &Params,
    _: &Context,
    before: &Value,
) -> Result<Planned, PlanError> {
    let public = is_public(item);
    let mut notes = Vec::new();
    if public {
        notes.push(
            "the bucket is public today (ACL grant or policy statement): that access stops".into(),
        );
    }
    Ok(Planned {
        risk: if public { Risk::Disruptive } else { Risk::Safe },
        before: before.clone(),
        after: json!({"blockPublicAcls": true, "ignorePublicAcls": true, "blockPublicPolicy": true, "restrictPublicBuckets": true}),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediation::actions::test_support::plan;

    #[test]
    fn private_bucket_is_safe() {
        let p = plan(
            &ACTION,
            json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "supplementaryConfiguration": {"PublicAccessBlockConfiguration": {"blockPublicAcls": true, "ignorePublicAcls": true, "blockPublicPolicy": false, "restrictPublicBuckets": true}}}),
            json!({}),
        );
        assert_eq!(p.risk, Risk::Safe);
        assert_eq!(p.before["blockPublicPolicy"], false);
        assert_eq!(p.after["blockPublicPolicy"], true);
    }

    #[test]
    fn public_bucket_is_disruptive() {
        let p = plan(
            &ACTION,
            json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "supplementaryConfiguration": {"AccessControlList": {"grantList": [{"grantee": "AllUsers", "permission": "Read"}]}}}),
            json!({}),
        );
        assert_eq!(p.risk, Risk::Disruptive);
        assert_eq!(p.before, Value::Null);
    }
}
