//! The RDS actions, each one ModifyDBInstance field: backup retention up to the
//! rule's minimum, deletion protection on, public accessibility off, automatic
//! minor version upgrades on. They share one observe/compute shape (a field of
//! `configuration`), so they live in one file with one row each.

use super::same;
use crate::remediation::{
    at, number_param, Action, Context, Params, PlanError, Planned, Risk, Undo,
};
use crate::resource::ConfigItem;
use crate::value::{as_bool, as_number};
use serde_json::{json, Value};

const IAM: &[&str] = &["rds:DescribeDBInstances", "rds:ModifyDBInstance"];

pub static BACKUP_RETENTION: Action = Action {
    id: "rds-set-backup-retention",
    title: "Raise BackupRetentionPeriod to the rule's minimum",
    resource_type: crate::registry::RDS_DB_INSTANCE,
    reads: &["configuration.backupRetentionPeriod"],
    writes: "the instance's backup retention period",
    risk: Risk::Disruptive,
    undo: Undo {
        reversible: true,
        caveat: Some("undo to 0 deletes the automated backups taken meanwhile"),
    },
    iam_actions: IAM,
    steps: &[],
    observe: |item, _| Ok(field(item, "backupRetentionPeriod")),
    compute: backup,
    undo_target: same,
};

pub static DELETION_PROTECTION: Action = Action {
    id: "rds-enable-deletion-protection",
    title: "Turn on deletion protection",
    resource_type: crate::registry::RDS_DB_INSTANCE,
    reads: &["configuration.deletionProtection"],
    writes: "the instance's deletion protection",
    risk: Risk::Safe,
    undo: Undo {
        reversible: true,
        caveat: None,
    },
    iam_actions: IAM,
    steps: &[],
    observe: |item, _| Ok(field(item, "deletionProtection")),
    compute: |_, _, _, before| flag(before, "deletionProtection", true, Risk::Safe, None),
    undo_target: same,
};

pub static PUBLIC_ACCESS: Action = Action {
    id: "rds-disable-public-access",
    title: "Turn off PubliclyAccessible",
    resource_type: crate::registry::RDS_DB_INSTANCE,
    reads: &["configuration.publiclyAccessible"],
    writes: "the instance's public accessibility",
    risk: Risk::Disruptive,
    undo: Undo {
        reversible: true,
        caveat: None,
    },
    iam_actions: IAM,
    steps: &[],
    observe: |item, _| Ok(field(item, "publiclyAccessible")),
    compute: |_, _, _, before| {
        flag(
            before,
            "publiclyAccessible",
            false,
            Risk::Disruptive,
            Some("clients connecting from outside the VPC lose access; the endpoint resolves to a private address"),
        )
    },
    undo_target: same,
};

pub static AUTO_MINOR_VERSION_UPGRADE: Action = Action {
    id: "rds-enable-auto-minor-version-upgrade",
    title: "Turn on automatic minor version upgrades (applied in the maintenance window)",
    resource_type: crate::registry::RDS_DB_INSTANCE,
    reads: &["configuration.autoMinorVersionUpgrade"],
    writes: "the instance's automatic minor version upgrade setting",
    risk: Risk::Safe,
    undo: Undo {
        reversible: true,
        caveat: Some("undo stops future upgrades; one already applied stays"),
    },
    iam_actions: IAM,
    steps: &[],
    observe: |item, _| Ok(field(item, "autoMinorVersionUpgrade")),
    compute: |_, _, _, before| flag(before, "autoMinorVersionUpgrade", true, Risk::Safe, None),
    undo_target: same,
};

/// `{key: value}` of one configuration field (null when absent).
fn field(item: &ConfigItem, key: &str) -> Value {
    let v = at(item, &format!("configuration.{key}"))
        .cloned()
        .unwrap_or(Value::Null);
    let v = match key {
        "backupRetentionPeriod" => as_number(&v).map(|n| json!(n as i64)).unwrap_or(v),
        _ => as_bool(&v).map(Value::Bool).unwrap_or(v),
    };
    json!({ key: v })
}

fn flag(
    before: &Value,
    key: &str,
    want: bool,
    risk: Risk,
    note: Option<&str>,
) -> Result<Planned, PlanError> {
    Ok(Planned {
        risk,
        before: before.clone(),
        after: json!({ key: want }),
        notes: note.map(str::to_string).into_iter().collect(),
    })
}

fn backup(
    _: &ConfigItem,
    params: &Params,
    _: &Context,
    before: &Value,
) -> Result<Planned, PlanError> {
    let minimum = number_param(params, "min_retention_days", 7.0)?;
    if !(1.0..=35.0).contains(&minimum) {
        return Err(PlanError::BadParam {
            param: "min_retention_days".into(),
            message: format!("RDS keeps 1 to 35 days, found {minimum}"),
        });
    }
    let now = before["backupRetentionPeriod"].as_i64().unwrap_or(0);
    let target = now.max(minimum.ceil() as i64);
    let mut notes =
        vec!["applied in the next maintenance window unless --apply-immediately".to_string()];
    if now == 0 {
        notes.push("turning backups on from 0 restarts the instance (a brief outage) and takes a first snapshot".into());
    }
    Ok(Planned {
        risk: Risk::Disruptive,
        before: before.clone(),
        after: json!({ "backupRetentionPeriod": target }),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediation::actions::test_support::{plan, try_plan};

    fn db(conf: Value) -> Value {
        json!({"resourceType": "AWS::RDS::DBInstance", "resourceId": "db-1", "configuration": conf})
    }

    #[test]
    fn retention_rises_to_the_minimum_and_warns_from_zero() {
        let p = plan(
            &BACKUP_RETENTION,
            db(json!({"backupRetentionPeriod": 0})),
            json!({"min_retention_days": 14}),
        );
        assert_eq!(p.after, json!({"backupRetentionPeriod": 14}));
        assert!(p.notes.iter().any(|n| n.contains("restarts")));
        let p = plan(
            &BACKUP_RETENTION,
            db(json!({"backupRetentionPeriod": 3.0})),
            json!({}),
        );
        assert_eq!(p.before, json!({"backupRetentionPeriod": 3}));
        assert_eq!(p.after, json!({"backupRetentionPeriod": 7}));
        assert!(!p.notes.iter().any(|n| n.contains("restarts")));
    }

    #[test]
    fn flags_flip_and_strings_are_read() {
        let p = plan(
            &DELETION_PROTECTION,
            db(json!({"deletionProtection": "false"})),
            json!({}),
        );
        assert_eq!(
            (p.before.clone(), p.after.clone()),
            (
                json!({"deletionProtection": false}),
                json!({"deletionProtection": true})
            )
        );
        assert_eq!(p.risk, Risk::Safe);
        let p = plan(
            &PUBLIC_ACCESS,
            db(json!({"publiclyAccessible": true})),
            json!({}),
        );
        assert_eq!(p.after, json!({"publiclyAccessible": false}));
        assert_eq!(p.risk, Risk::Disruptive);
        assert!(matches!(
            try_plan(
                &PUBLIC_ACCESS,
                db(json!({"publiclyAccessible": false})),
                json!({})
            ),
            Err(PlanError::NothingToChange(_))
        ));
    }
}
