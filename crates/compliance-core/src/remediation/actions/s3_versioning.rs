//! `s3-enable-versioning`: PutBucketVersioning Enabled. S3 never lets a bucket
//! go back to "never versioned": an undo can only suspend versioning, and the
//! versions written meanwhile stay. The plan and the trail say so.

use crate::remediation::{at, Action, Context, Params, PlanError, Planned, Risk, Undo};
use crate::resource::ConfigItem;
use serde_json::{json, Value};

const PATH: &str = "supplementaryConfiguration.BucketVersioningConfiguration";

pub static ACTION: Action = Action {
    id: "s3-enable-versioning",
    title: "Enable versioning",
    resource_type: crate::registry::S3_BUCKET,
    reads: &[PATH],
    writes: "the bucket's versioning status",
    risk: Risk::Safe,
    undo: Undo {
        reversible: true,
        caveat: Some("undo only back to Suspended: S3 never returns a bucket to unversioned, and versions written meanwhile stay"),
    },
    iam_actions: &["s3:GetBucketVersioning", "s3:PutBucketVersioning"],
    steps: &[],
    observe,
    compute,
    undo_target,
};

fn observe(item: &ConfigItem, _: &Params) -> Result<Value, PlanError> {
    let status = at(item, PATH)
        .and_then(|v| v.get("status"))
        .and_then(Value::as_str)
        .unwrap_or("Off");
    Ok(json!({ "status": status }))
}

fn compute(_: &ConfigItem, _: &Params, _: &Context, before: &Value) -> Result<Planned, PlanError> {
    Ok(Planned {
        risk: Risk::Safe,
        before: before.clone(),
        after: json!({"status": "Enabled"}),
        notes: vec!["every overwrite and delete now keeps a noncurrent version (storage cost grows without a lifecycle rule for noncurrent versions)".into()],
    })
}

/// "Off" cannot be written back; Suspended is as far as S3 goes.
fn undo_target(before: &Value) -> Value {
    match before.get("status").and_then(Value::as_str) {
        Some("Enabled") => json!({"status": "Enabled"}),
        _ => json!({"status": "Suspended"}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediation::actions::test_support::{plan, try_plan};

    #[test]
    fn off_becomes_enabled_and_undo_is_suspended() {
        let p = plan(
            &ACTION,
            json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "supplementaryConfiguration": {"BucketVersioningConfiguration": {"status": "Off"}}}),
            json!({}),
        );
        assert_eq!(p.before, json!({"status": "Off"}));
        assert_eq!(p.after, json!({"status": "Enabled"}));
        assert_eq!(
            ACTION.rollback_target(&p.before),
            json!({"status": "Suspended"})
        );
        assert!(ACTION.undo.caveat.unwrap().contains("Suspended"));
    }

    #[test]
    fn enabled_has_nothing_to_change() {
        let e = try_plan(
            &ACTION,
            json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "supplementaryConfiguration": {"BucketVersioningConfiguration": {"status": "Enabled"}}}),
            json!({}),
        );
        assert!(matches!(e, Err(PlanError::NothingToChange(_))));
    }
}
