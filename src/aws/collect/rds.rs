//! RDS collector: DB instances of one region.
//!
//! DescribeDBInstances returns every field the RDS rules read, tags included, so a
//! region costs one call per 100 instances. Items use AWS Config's odd casing
//! (`dBInstanceIdentifier`, `multiAZ`, `dbiResourceId`) and its resource id, the
//! `db-…` resource id, so findings line up with what AWS Config reports.

use crate::aws::collect::{
    build_item, put, CollectFuture, Collected, Collector, ItemHead, Plan, Scope,
};
use crate::aws::error::AwsError;
use crate::aws::{iso, Aws};
use indicatif::ProgressBar;
use serde_json::{json, Map, Value};

use crate::core::registry::RDS_DB_INSTANCE as DB_INSTANCE;

/// The RDS collector as the scan runs it: once per region.
pub struct Rds;

impl Collector for Rds {
    fn id(&self) -> &'static str {
        "rds"
    }

    fn collect<'a>(&'a self, scope: Scope<'a>) -> CollectFuture<'a> {
        Box::pin(collect(
            scope.aws,
            scope.plan,
            scope.region,
            scope.progress,
            None,
        ))
    }
}

/// Reads every instance of the region, or with `only` the one instance of that
/// identifier (the single-resource read `remediate` verifies a change with).
pub async fn collect(
    aws: &Aws,
    plan: &Plan,
    region: &str,
    progress: &ProgressBar,
    only: Option<&str>,
) -> Collected {
    let mut out = Collected::default();
    if !plan.wants(DB_INSTANCE) {
        return out;
    }
    let client = aws.rds(region);
    let mut pages = client
        .describe_db_instances()
        .max_records(plan.page(100).max(20))
        .set_db_instance_identifier(only.map(str::to_string))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        out.calls += 1;
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                out.unlisted(
                    DB_INSTANCE,
                    AwsError::from_sdk("rds", region, "DescribeDBInstances", &e),
                );
                return out;
            }
        };
        for db in page.db_instances() {
            let Some(identifier) = db.db_instance_identifier() else {
                continue;
            };
            let resource_id = db.dbi_resource_id().unwrap_or(identifier);
            let tags =
                crate::aws::collect::tag_map(db.tag_list().iter().map(|t| (t.key(), t.value())));
            let mut c = Map::new();
            c.insert("dBInstanceIdentifier".into(), json!(identifier));
            put(&mut c, "dbiResourceId", db.dbi_resource_id());
            put(&mut c, "dBInstanceArn", db.db_instance_arn());
            put(&mut c, "dBInstanceClass", db.db_instance_class());
            put(&mut c, "dBInstanceStatus", db.db_instance_status());
            put(&mut c, "engine", db.engine());
            put(&mut c, "engineVersion", db.engine_version());
            put(
                &mut c,
                "backupRetentionPeriod",
                db.backup_retention_period(),
            );
            put(&mut c, "storageEncrypted", db.storage_encrypted());
            put(&mut c, "kmsKeyId", db.kms_key_id());
            put(&mut c, "publiclyAccessible", db.publicly_accessible());
            put(&mut c, "multiAZ", db.multi_az());
            put(&mut c, "deletionProtection", db.deletion_protection());
            put(
                &mut c,
                "autoMinorVersionUpgrade",
                db.auto_minor_version_upgrade(),
            );
            put(
                &mut c,
                "iAMDatabaseAuthenticationEnabled",
                db.iam_database_authentication_enabled(),
            );
            put(
                &mut c,
                "cACertificateIdentifier",
                db.ca_certificate_identifier(),
            );
            put(&mut c, "dBClusterIdentifier", db.db_cluster_identifier());
            put(&mut c, "availabilityZone", db.availability_zone());
            put(&mut c, "storageType", db.storage_type());
            put(&mut c, "allocatedStorage", db.allocated_storage());
            put(
                &mut c,
                "instanceCreateTime",
                db.instance_create_time().map(iso),
            );
            put(&mut c, "dbInstancePort", db.db_instance_port());
            if let Some(endpoint) = db.endpoint() {
                c.insert(
                    "endpoint".into(),
                    json!({"address": endpoint.address(), "port": endpoint.port()}),
                );
            }
            c.insert(
                "vpcSecurityGroups".into(),
                Value::Array(
                    db.vpc_security_groups()
                        .iter()
                        .map(|g| json!({"vpcSecurityGroupId": g.vpc_security_group_id(), "status": g.status()}))
                        .collect(),
                ),
            );
            let supplementary: Map<String, Value> = [(
                "Tags".to_string(),
                Value::Array(
                    tags.iter()
                        .map(|(k, v)| json!({"key": k, "value": v}))
                        .collect(),
                ),
            )]
            .into_iter()
            .collect();
            out.items.push(build_item(
                ItemHead {
                    resource_type: DB_INSTANCE,
                    resource_id,
                    resource_name: Some(identifier),
                    arn: db.db_instance_arn().map(str::to_string),
                    region,
                    account: plan.account.as_deref(),
                    tags,
                },
                Value::Object(c),
                supplementary,
                vec![],
            ));
            progress.inc(1);
        }
    }
    out
}
