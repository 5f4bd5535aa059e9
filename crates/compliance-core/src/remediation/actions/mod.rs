//! The registry of remediation actions: one file per action, one row here.
//!
//! A rule's `remediation` field must name an id from [`REGISTRY`]; the rule
//! loader rejects anything else, so a typo cannot turn a fix into a no-op.

pub mod ec2_imdsv2;
pub mod iam_password_policy;
pub mod iam_stale_keys;
pub mod manual;
pub mod rds;
pub mod s3_encryption;
pub mod s3_lifecycle;
pub mod s3_public_access_block;
pub mod s3_public_grants;
pub mod s3_tls;
pub mod s3_versioning;
pub mod sg_world_ingress;

use super::Action;
use serde_json::Value;

/// Every action, once.
pub static REGISTRY: &[&Action] = &[
    &s3_encryption::ACTION,
    &s3_versioning::ACTION,
    &s3_public_access_block::ACTION,
    &s3_tls::ACTION,
    &s3_public_grants::ACTION,
    &s3_lifecycle::ACTION,
    &sg_world_ingress::ACTION,
    &ec2_imdsv2::ACTION,
    &rds::BACKUP_RETENTION,
    &rds::DELETION_PROTECTION,
    &rds::PUBLIC_ACCESS,
    &rds::AUTO_MINOR_VERSION_UPGRADE,
    &iam_stale_keys::ACTION,
    &iam_password_policy::ACTION,
    &manual::EBS_ENCRYPTION,
    &manual::RDS_ENCRYPTION,
    &manual::ROOT_ACCESS_KEYS,
    &manual::ADMIN_POLICY,
];

/// The undo of most actions: write the recorded state back as it was.
pub fn same(before: &Value) -> Value {
    before.clone()
}

/// Shared by the unit tests of every action.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::remediation::{Context, Params, Planned};
    use crate::resource::ConfigItem;
    use serde_json::Value;

    pub fn item(body: Value) -> ConfigItem {
        let body = crate::normalize::normalize_item(body).expect("test item normalises");
        ConfigItem::from_body(body, "test".into())
    }

    pub fn plan(action: &crate::remediation::Action, body: Value, params: Value) -> Planned {
        try_plan(action, body, params).expect("a plan")
    }

    pub fn try_plan(
        action: &crate::remediation::Action,
        body: Value,
        params: Value,
    ) -> Result<Planned, crate::remediation::PlanError> {
        let params: Params = serde_json::from_value(params).expect("params");
        action.plan(&item(body), &params, &Context::default())
    }
}
