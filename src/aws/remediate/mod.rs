//! Appliers: the AWS calls that write an action's state, one file per service,
//! and the single-resource re-read that verifies a change.
//!
//! The core plans a change as "the state of the written part, before and
//! after" (see `core::remediation`); an applier is given the current state and
//! the target and makes the calls that turn one into the other, reading the
//! service's own current configuration where the state leaves parts out (a
//! bucket's ACL owner, lifecycle rules in their full SDK form), so everything
//! around the written part is kept exactly as AWS has it. Rollback is the same
//! call with the recorded `before` as the target.
//!
//! Every call is counted, for the benchmark's calls-per-change figure.

pub mod ec2;
pub mod iam;
pub mod rds;
pub mod s3;

use crate::aws::collect::{self, Collected, Plan};
use crate::aws::error::AwsError;
use crate::aws::Aws;
use crate::core::registry;
use crate::core::resource::ConfigItem;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What every applier shares.
pub struct Applier<'a> {
    pub aws: &'a Aws,
    /// `--apply-immediately` (RDS): otherwise changes wait for the maintenance window.
    pub apply_immediately: bool,
    /// API calls made (applies, permission checks, reads of current values).
    pub calls: &'a AtomicUsize,
}

impl Applier<'_> {
    pub fn count(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }

    /// Writes `target` over `current` for `action` on the item's resource.
    pub async fn apply(
        &self,
        action: &str,
        item: &ConfigItem,
        current: &Value,
        target: &Value,
    ) -> Result<(), AwsError> {
        let region = item.region.clone().unwrap_or_else(|| "us-east-1".into());
        match action {
            "s3-enable-default-encryption" => s3::encryption(self, &region, item, target).await,
            "s3-enable-versioning" => s3::versioning(self, &region, item, target).await,
            "s3-block-public-access" => s3::public_access_block(self, &region, item, target).await,
            "s3-enforce-tls" => s3::policy(self, &region, item, &target["policy"]).await,
            "s3-remove-public-grants" => {
                s3::public_grants(self, &region, item, current, target).await
            }
            "s3-add-lifecycle" => s3::lifecycle(self, &region, item, target).await,
            "sg-revoke-world-ingress" => {
                ec2::world_ingress(self, &region, item, current, target).await
            }
            "ec2-require-imdsv2" => ec2::metadata_options(self, &region, item, target).await,
            "rds-set-backup-retention"
            | "rds-enable-deletion-protection"
            | "rds-disable-public-access"
            | "rds-enable-auto-minor-version-upgrade" => {
                rds::modify(self, &region, item, target).await
            }
            "iam-deactivate-stale-keys" => iam::access_keys(self, item, current, target).await,
            "iam-set-password-policy" => iam::password_policy(self, target).await,
            other => Err(AwsError::local(
                "remediate",
                &region,
                "apply",
                "NoApplier",
                format!("no applier for action `{other}`"),
            )),
        }
    }
}

/// Re-reads one resource through the collector code a scan uses: a
/// single-resource call for buckets, instances, security groups and RDS
/// instances; IAM items come from the IAM collector's account-wide read, since
/// IAM has no per-user form of GetAccountAuthorizationDetails. `Ok(None)` when
/// the resource no longer exists.
pub async fn reread(
    aws: &Aws,
    plan: &Plan,
    item: &ConfigItem,
    calls: &AtomicUsize,
) -> Result<Option<ConfigItem>, AwsError> {
    let region = item
        .region
        .clone()
        .unwrap_or_else(|| plan.home_region().to_string());
    let hidden = indicatif::ProgressBar::hidden();
    let read: Collected = match item.resource_type.as_str() {
        registry::S3_BUCKET => collect::s3::read_one(aws, plan, &item.resource_id, &region).await,
        registry::EC2_INSTANCE | registry::EC2_SECURITY_GROUP => {
            collect::ec2::read_one(aws, plan, &region, &item.resource_type, &item.resource_id).await
        }
        registry::RDS_DB_INSTANCE => {
            let identifier =
                crate::core::remediation::at(item, "configuration.dBInstanceIdentifier")
                    .and_then(Value::as_str)
                    .or(item.resource_name.as_deref())
                    .unwrap_or(&item.resource_id)
                    .to_string();
            collect::rds::collect(aws, plan, &region, &hidden, Some(&identifier)).await
        }
        _ => collect::iam::collect(aws, plan, &hidden).await,
    };
    calls.fetch_add(read.calls, Ordering::Relaxed);
    if let Some(e) = read.errors.into_iter().find(|e| {
        !e.is(&[
            "InvalidGroup.NotFound",
            "InvalidInstanceID.NotFound",
            "DBInstanceNotFound",
        ])
    }) {
        return Err(e);
    }
    Ok(read
        .items
        .into_iter()
        .find(|i| i.resource_type == item.resource_type && i.resource_id == item.resource_id))
}

/// A builder failure as an error of the call it was for.
pub(crate) fn build_error(
    service: &str,
    region: &str,
    operation: &str,
    e: impl std::fmt::Display,
) -> AwsError {
    AwsError::local(service, region, operation, "InvalidRequest", e.to_string())
}
