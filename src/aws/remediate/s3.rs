//! S3 appliers: default encryption, versioning, public access block, bucket
//! policy, ACL grants and lifecycle rules. Parts the action's state does not
//! carry (the ACL owner, other lifecycle rules in full) are read from S3 just
//! before the write and written back unchanged.

use super::{build_error, Applier};
use crate::aws::collect::s3::grant_json;
use crate::aws::error::AwsError;
use crate::core::resource::ConfigItem;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, AccessControlPolicy, BucketLifecycleConfiguration,
    BucketVersioningStatus, ExpirationStatus, Grant, Grantee, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter, NoncurrentVersionExpiration, Permission, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule, Type, VersioningConfiguration,
};
use serde_json::Value;

const S3: &str = "s3";

fn err<'a, E>(region: &'a str, op: &str) -> impl Fn(aws_sdk_s3::error::SdkError<E>) -> AwsError + 'a
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    let op = op.to_string();
    move |e| AwsError::from_sdk(S3, region, &op, &e)
}

pub async fn encryption(
    a: &Applier<'_>,
    region: &str,
    item: &ConfigItem,
    target: &Value,
) -> Result<(), AwsError> {
    let client = a.aws.s3(region);
    let bucket = &item.resource_id;
    a.count();
    if target.is_null() {
        client
            .delete_bucket_encryption()
            .bucket(bucket)
            .send()
            .await
            .map_err(err(region, "DeleteBucketEncryption"))?;
        return Ok(());
    }
    let algorithm = target["sseAlgorithm"].as_str().unwrap_or("AES256");
    let default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::from(algorithm))
        .set_kms_master_key_id(target["kmsMasterKeyID"].as_str().map(str::to_string))
        .build()
        .map_err(|e| build_error(S3, region, "PutBucketEncryption", e))?;
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(default)
        .bucket_key_enabled(target["bucketKeyEnabled"].as_bool().unwrap_or(false))
        .build();
    let config = ServerSideEncryptionConfiguration::builder()
        .rules(rule)
        .build()
        .map_err(|e| build_error(S3, region, "PutBucketEncryption", e))?;
    client
        .put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(config)
        .send()
        .await
        .map_err(err(region, "PutBucketEncryption"))?;
    Ok(())
}

pub async fn versioning(
    a: &Applier<'_>,
    region: &str,
    item: &ConfigItem,
    target: &Value,
) -> Result<(), AwsError> {
    let status = match target["status"].as_str() {
        Some("Enabled") => BucketVersioningStatus::Enabled,
        _ => BucketVersioningStatus::Suspended,
    };
    a.count();
    a.aws
        .s3(region)
        .put_bucket_versioning()
        .bucket(&item.resource_id)
        .versioning_configuration(VersioningConfiguration::builder().status(status).build())
        .send()
        .await
        .map_err(err(region, "PutBucketVersioning"))?;
    Ok(())
}

pub async fn public_access_block(
    a: &Applier<'_>,
    region: &str,
    item: &ConfigItem,
    target: &Value,
) -> Result<(), AwsError> {
    let client = a.aws.s3(region);
    a.count();
    if target.is_null() {
        client
            .delete_public_access_block()
            .bucket(&item.resource_id)
            .send()
            .await
            .map_err(err(region, "DeletePublicAccessBlock"))?;
        return Ok(());
    }
    let flag = |k: &str| target[k].as_bool().unwrap_or(false);
    client
        .put_public_access_block()
        .bucket(&item.resource_id)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(flag("blockPublicAcls"))
                .ignore_public_acls(flag("ignorePublicAcls"))
                .block_public_policy(flag("blockPublicPolicy"))
                .restrict_public_buckets(flag("restrictPublicBuckets"))
                .build(),
        )
        .send()
        .await
        .map_err(err(region, "PutPublicAccessBlock"))?;
    Ok(())
}

/// Writes the whole policy document, or deletes the policy for null.
pub async fn policy(
    a: &Applier<'_>,
    region: &str,
    item: &ConfigItem,
    document: &Value,
) -> Result<(), AwsError> {
    let client = a.aws.s3(region);
    a.count();
    if document.is_null() {
        client
            .delete_bucket_policy()
            .bucket(&item.resource_id)
            .send()
            .await
            .map_err(err(region, "DeleteBucketPolicy"))?;
        return Ok(());
    }
    client
        .put_bucket_policy()
        .bucket(&item.resource_id)
        .policy(document.to_string())
        .send()
        .await
        .map_err(err(region, "PutBucketPolicy"))?;
    Ok(())
}

pub async fn public_grants(
    a: &Applier<'_>,
    region: &str,
    item: &ConfigItem,
    current: &Value,
    target: &Value,
) -> Result<(), AwsError> {
    if current["grants"] != target["grants"] {
        acl(a, region, item, &target["grants"]).await?;
    }
    if current["policy"] != target["policy"] {
        policy(a, region, item, &target["policy"]).await?;
    }
    Ok(())
}

/// A Config-form grant as an SDK grant (group names, canonical ids, URIs, e-mail).
fn sdk_grant(g: &Value, region: &str) -> Result<Grant, AwsError> {
    let group = |name: &str| {
        format!(
            "http://acs.amazonaws.com/groups/{}",
            if name == "LogDelivery" {
                format!("s3/{name}")
            } else {
                format!("global/{name}")
            }
        )
    };
    let grantee = match &g["grantee"] {
        Value::String(name) => Grantee::builder()
            .r#type(Type::Group)
            .uri(group(name))
            .build(),
        Value::Object(o) => match (
            o.get("uri").and_then(Value::as_str),
            o.get("id").and_then(Value::as_str),
            o.get("emailAddress").and_then(Value::as_str),
        ) {
            (Some(uri), _, _) => Grantee::builder().r#type(Type::Group).uri(uri).build(),
            (None, Some(id), _) => Grantee::builder()
                .r#type(Type::CanonicalUser)
                .id(id)
                .build(),
            (None, None, Some(mail)) => Grantee::builder()
                .r#type(Type::AmazonCustomerByEmail)
                .email_address(mail)
                .build(),
            _ => {
                return Err(build_error(
                    S3,
                    region,
                    "PutBucketAcl",
                    format!("grantee {g} has no uri, id or e-mail"),
                ))
            }
        },
        other => {
            return Err(build_error(
                S3,
                region,
                "PutBucketAcl",
                format!("grantee {other} cannot be written"),
            ))
        }
    }
    .map_err(|e| build_error(S3, region, "PutBucketAcl", e))?;
    let permission = match g["permission"].as_str().unwrap_or_default() {
        "FullControl" => Permission::FullControl,
        "Read" => Permission::Read,
        "Write" => Permission::Write,
        "ReadAcp" => Permission::ReadAcp,
        "WriteAcp" => Permission::WriteAcp,
        other => Permission::from(other),
    };
    Ok(Grant::builder()
        .grantee(grantee)
        .permission(permission)
        .build())
}

/// Rewrites the ACL so its grants are the target's: grants S3 has that the
/// target keeps are sent back as S3 gave them; target grants S3 lacks (a
/// rollback) are added.
async fn acl(
    a: &Applier<'_>,
    region: &str,
    item: &ConfigItem,
    target: &Value,
) -> Result<(), AwsError> {
    let client = a.aws.s3(region);
    a.count();
    let now = client
        .get_bucket_acl()
        .bucket(&item.resource_id)
        .send()
        .await
        .map_err(err(region, "GetBucketAcl"))?;
    let wanted: Vec<&Value> = target
        .as_array()
        .map(|t| t.iter().collect())
        .unwrap_or_default();
    let existing: Vec<(Value, &Grant)> = now.grants().iter().map(|g| (grant_json(g), g)).collect();
    // In the target's order, so a rollback gives back the very ACL it recorded.
    let mut grants: Vec<Grant> = Vec::new();
    for w in wanted {
        match existing.iter().find(|(c, _)| same_grant(w, c)) {
            Some((_, g)) => grants.push((*g).clone()),
            None => grants.push(sdk_grant(w, region)?),
        }
    }
    let policy = AccessControlPolicy::builder()
        .set_owner(now.owner().cloned())
        .set_grants(Some(grants))
        .build();
    a.count();
    client
        .put_bucket_acl()
        .bucket(&item.resource_id)
        .access_control_policy(policy)
        .send()
        .await
        .map_err(err(region, "PutBucketAcl"))?;
    Ok(())
}

/// Grants compared by grantee identity and permission (display names may differ).
fn same_grant(a: &Value, b: &Value) -> bool {
    let key = |g: &Value| match &g["grantee"] {
        Value::Object(o) => o
            .get("id")
            .or(o.get("uri"))
            .or(o.get("emailAddress"))
            .cloned()
            .unwrap_or(Value::Null),
        other => other.clone(),
    };
    key(a) == key(b) && a["permission"] == b["permission"]
}

/// Makes the bucket's lifecycle rules those of the target by id: rules S3 has
/// whose id the target keeps are written back as S3 returned them, target
/// rules S3 lacks are built from the state (only the action's own rule ever
/// is), the rest are dropped. No rule left deletes the configuration.
pub async fn lifecycle(
    a: &Applier<'_>,
    region: &str,
    item: &ConfigItem,
    target: &Value,
) -> Result<(), AwsError> {
    let client = a.aws.s3(region);
    let bucket = &item.resource_id;
    a.count();
    let existing: Vec<LifecycleRule> = match client
        .get_bucket_lifecycle_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => out.rules().to_vec(),
        Err(e) => {
            let e = AwsError::from_sdk(S3, region, "GetBucketLifecycleConfiguration", &e);
            if !e.is(&["NoSuchLifecycleConfiguration"]) {
                return Err(e);
            }
            Vec::new()
        }
    };
    let targets: Vec<&Value> = target["rules"]
        .as_array()
        .map(|r| r.iter().collect())
        .unwrap_or_default();
    let target_ids: Vec<&str> = targets.iter().filter_map(|r| r["id"].as_str()).collect();
    let mut rules: Vec<LifecycleRule> = existing
        .iter()
        .filter(|r| r.id().is_none_or(|id| target_ids.contains(&id)))
        .cloned()
        .collect();
    for t in targets {
        let Some(id) = t["id"].as_str() else { continue };
        if existing.iter().any(|r| r.id() == Some(id)) {
            continue;
        }
        rules.push(lifecycle_rule(t, region)?);
    }
    a.count();
    if rules.is_empty() {
        client
            .delete_bucket_lifecycle()
            .bucket(bucket)
            .send()
            .await
            .map_err(err(region, "DeleteBucketLifecycle"))?;
        return Ok(());
    }
    let config = BucketLifecycleConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(|e| build_error(S3, region, "PutBucketLifecycleConfiguration", e))?;
    client
        .put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(config)
        .send()
        .await
        .map_err(err(region, "PutBucketLifecycleConfiguration"))?;
    Ok(())
}

/// The action's own rule (whole bucket) from its state.
fn lifecycle_rule(t: &Value, region: &str) -> Result<LifecycleRule, AwsError> {
    let days = |k: &str| t[k].as_i64().filter(|d| *d > 0).map(|d| d as i32);
    let mut b = LifecycleRule::builder()
        .id(t["id"].as_str().unwrap_or_default())
        .status(if t["status"] == "Enabled" {
            ExpirationStatus::Enabled
        } else {
            ExpirationStatus::Disabled
        })
        .filter(LifecycleRuleFilter::builder().prefix("").build());
    if let Some(d) = days("noncurrentVersionExpirationInDays") {
        b = b.noncurrent_version_expiration(
            NoncurrentVersionExpiration::builder()
                .noncurrent_days(d)
                .build(),
        );
    }
    if let Some(d) = days("expirationInDays") {
        b = b.expiration(LifecycleExpiration::builder().days(d).build());
    }
    if let Some(d) = t["abortIncompleteMultipartUpload"]["daysAfterInitiation"].as_i64() {
        b = b.abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(d as i32)
                .build(),
        );
    }
    b.build()
        .map_err(|e| build_error(S3, region, "PutBucketLifecycleConfiguration", e))
}
