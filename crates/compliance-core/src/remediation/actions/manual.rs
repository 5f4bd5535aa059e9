//! Manual actions: findings with no safe in-place fix. Encryption of an EBS
//! volume or RDS instance needs a snapshot, an encrypted copy and a restore
//! (a new resource, a cut-over); root access keys can only be removed by the
//! root user; an administrator policy is someone's access that a person must
//! decide to take away. The plan lists these steps and calls nothing.

use super::same;
use crate::remediation::{Action, PlanError, Planned, Risk, Undo};
use serde_json::Value;

const NO_UNDO: Undo = Undo {
    reversible: false,
    caveat: Some("nothing is changed by the tool"),
};

fn nothing(
    _: &crate::resource::ConfigItem,
    _: &crate::remediation::Params,
) -> Result<Value, PlanError> {
    Ok(Value::Null)
}

fn manual(
    _: &crate::resource::ConfigItem,
    _: &crate::remediation::Params,
    _: &crate::remediation::Context,
    _: &Value,
) -> Result<Planned, PlanError> {
    Err(PlanError::Manual("no in-place fix".into()))
}

pub static EBS_ENCRYPTION: Action = Action {
    id: "ec2-encrypt-volume",
    title: "Encrypt the volume (snapshot, encrypted copy, new volume, swap)",
    resource_type: crate::registry::EC2_VOLUME,
    reads: &[],
    writes: "nothing (manual)",
    risk: Risk::Manual,
    undo: NO_UNDO,
    iam_actions: &[],
    steps: &[
        "aws ec2 create-snapshot --volume-id VOL",
        "aws ec2 copy-snapshot --source-snapshot-id SNAP --encrypted --kms-key-id KEY",
        "aws ec2 create-volume --snapshot-id COPY --availability-zone AZ",
        "stop the instance, detach the old volume, attach the new one at the same device, start",
        "turn on EBS encryption by default: aws ec2 enable-ebs-encryption-by-default",
    ],
    observe: nothing,
    compute: manual,
    undo_target: same,
};

pub static RDS_ENCRYPTION: Action = Action {
    id: "rds-encrypt-storage",
    title: "Encrypt the instance (snapshot, encrypted copy, restore, cut over)",
    resource_type: crate::registry::RDS_DB_INSTANCE,
    reads: &[],
    writes: "nothing (manual)",
    risk: Risk::Manual,
    undo: NO_UNDO,
    iam_actions: &[],
    steps: &[
        "aws rds create-db-snapshot --db-instance-identifier DB --db-snapshot-identifier SNAP",
        "aws rds copy-db-snapshot --source-db-snapshot-identifier SNAP --target-db-snapshot-identifier SNAP-enc --kms-key-id KEY",
        "aws rds restore-db-instance-from-db-snapshot --db-snapshot-identifier SNAP-enc --db-instance-identifier DB-enc",
        "point the application at the new endpoint in a maintenance window, then delete the old instance",
    ],
    observe: nothing,
    compute: manual,
    undo_target: same,
};

pub static ROOT_ACCESS_KEYS: Action = Action {
    id: "iam-remove-root-keys",
    title: "Delete the root user's access keys (only the root user can)",
    resource_type: crate::registry::IAM_ACCOUNT_SUMMARY,
    reads: &[],
    writes: "nothing (manual)",
    risk: Risk::Manual,
    undo: NO_UNDO,
    iam_actions: &[],
    steps: &[
        "sign in as the root user (console, with MFA)",
        "Security credentials > Access keys: find what uses each key (last used) and move it to an IAM role",
        "deactivate, wait, then delete each root access key",
    ],
    observe: nothing,
    compute: manual,
    undo_target: same,
};

pub static ADMIN_POLICY: Action = Action {
    id: "iam-remove-admin-access",
    title: "Replace administrator access with least-privilege policies",
    resource_type: crate::registry::IAM_POLICY,
    reads: &[],
    writes: "nothing (manual)",
    risk: Risk::Manual,
    undo: NO_UNDO,
    iam_actions: &[],
    steps: &[
        "find who uses the policy: aws iam list-entities-for-policy --policy-arn ARN",
        "generate a least-privilege policy from CloudTrail activity (IAM Access Analyzer policy generation)",
        "attach the new policy, then detach or edit the `*:*` statement",
    ],
    observe: nothing,
    compute: manual,
    undo_target: same,
};
