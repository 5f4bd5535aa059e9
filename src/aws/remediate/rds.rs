//! RDS applier: one ModifyDBInstance with the fields of the target state.

use super::Applier;
use crate::aws::error::AwsError;
use crate::core::resource::ConfigItem;
use serde_json::Value;

pub async fn modify(
    a: &Applier<'_>,
    region: &str,
    item: &ConfigItem,
    target: &Value,
) -> Result<(), AwsError> {
    let identifier = crate::core::remediation::at(item, "configuration.dBInstanceIdentifier")
        .and_then(Value::as_str)
        .or(item.resource_name.as_deref())
        .unwrap_or(&item.resource_id)
        .to_string();
    let mut r = a
        .aws
        .rds(region)
        .modify_db_instance()
        .db_instance_identifier(identifier)
        .apply_immediately(a.apply_immediately);
    if let Some(n) = target["backupRetentionPeriod"].as_i64() {
        r = r.backup_retention_period(n as i32);
    }
    if let Some(b) = target["deletionProtection"].as_bool() {
        r = r.deletion_protection(b);
    }
    if let Some(b) = target["publiclyAccessible"].as_bool() {
        r = r.publicly_accessible(b);
    }
    if let Some(b) = target["autoMinorVersionUpgrade"].as_bool() {
        r = r.auto_minor_version_upgrade(b);
    }
    a.count();
    r.send()
        .await
        .map_err(|e| AwsError::from_sdk("rds", region, "ModifyDBInstance", &e))?;
    Ok(())
}
