//! The stack's KMS key and its alias `alias/compliance-{suffix}`: one symmetric
//! customer managed key, with automatic rotation, that encrypts the evidence
//! bucket, the history table and the alert topic. Its key policy lets the
//! account administer it and the services that write to those resources use it.
//!
//! Decisions:
//! - The key is found through its alias (DescribeKey on `alias/…`), then
//!   through the ARN in the manifest (the alias may have been deleted while the
//!   key lives on). A key behind our alias that is neither tagged with this
//!   suffix nor in the manifest is someone else's: setup stops with NameTaken
//!   instead of encrypting our data with it.
//! - A key of ours that is pending deletion (a teardown that was interrupted, or
//!   scheduled by hand) is *recovered*: deletion is cancelled and the key
//!   re-enabled, rather than a new key created and the alias re-pointed. The
//!   ARN stays the same, so whatever is still encrypted under it (versions kept
//!   in the bucket, a table or topic left behind) stays readable, and no second
//!   key for the same suffix is left to expire. After a completed teardown the
//!   alias and the manifest are gone, so the next setup creates a fresh key.
//! - A key tagged with this suffix but missing from the manifest (a setup that
//!   failed before it could save the manifest) is taken as created by setup: its
//!   tags are the durable record, and teardown must be able to remove it.
//! - Teardown deletes the alias, then schedules the key for deletion with the
//!   shortest window KMS allows (7 days), during which it can still be cancelled.

use crate::aws::error::AwsError;
use crate::aws::provision::iam::{build_error, parse_policy, same_policy, tags_detail};
use crate::aws::provision::{
    kind, setup, status, tag_pairs, tag_refs, teardown, Ctx, Inspection, Managed, Step,
};
use crate::core::plan::{Change, Planned};
use crate::core::provision::kms::{self as plain, key_changes, Part};
use crate::core::stack::{Manifest, StackSpec};
use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType, Tag};
use aws_smithy_types::error::operation::BuildError;
use serde_json::Value;

const SERVICE: &str = "kms";
/// The shortest pending window KMS accepts.
const DELETION_WINDOW_DAYS: i32 = 7;
/// The only key policy name KMS has.
const POLICY_NAME: &str = "default";

/// The stack key's ARN: from the manifest, else through the alias; None when
/// there is none yet (as in a dry run before the key exists). Used by the
/// steps that encrypt with it. The key is not checked to be ours here: the
/// KMS step runs first in setup and stops on a key that is not.
pub async fn key_arn(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Option<String>, AwsError> {
    if let Some(arn) = manifest
        .created
        .get(kind::KMS_KEY)
        .or_else(|| manifest.adopted.get(kind::KMS_KEY))
    {
        return Ok(Some(arn.clone()));
    }
    Ok(describe(ctx, &ctx.names.kms_alias).await?.map(|k| k.arn))
}

/// What DescribeKey says about a key.
struct Key {
    arn: String,
    /// The bare key id: moto resolves ARNs in only some KMS operations
    /// (ScheduleKeyDeletion, EnableKey, DisableKey and CancelKeyDeletion
    /// answer HTTP 500 to an ARN), AWS takes either, so calls use the id.
    id: String,
    state: Option<KeyState>,
    spec: Option<KeySpec>,
    usage: Option<KeyUsageType>,
    deletion_date: Option<String>,
}

/// DescribeKey on a key id, ARN or `alias/…`; None when there is no such key or alias.
async fn describe(ctx: &Ctx<'_>, key_id: &str) -> Result<Option<Key>, AwsError> {
    let region = ctx.region();
    match ctx
        .aws
        .kms(region)
        .describe_key()
        .key_id(key_id)
        .send()
        .await
    {
        Ok(out) => Ok(out.key_metadata().map(|m| Key {
            arn: m
                .arn()
                .map(str::to_string)
                .unwrap_or_else(|| m.key_id().to_string()),
            id: m.key_id().to_string(),
            state: m.key_state().cloned(),
            spec: m.key_spec().cloned(),
            usage: m.key_usage().cloned(),
            deletion_date: m.deletion_date().map(crate::aws::iso),
        })),
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "DescribeKey", &e);
            if error.is(&["NotFoundException"]) {
                Ok(None)
            } else {
                Err(error)
            }
        }
    }
}

/// The key as it exists, with what drift checks read.
pub struct Found {
    key: Key,
    tags: Vec<(String, String)>,
    /// None while the key's state does not allow reading it (pending deletion).
    rotation: Option<bool>,
    /// None when unreadable in the key's state; Some(None) when not JSON.
    policy: Option<Option<Value>>,
}

/// The stack key, as one managed resource. `recorded` is the ARN the manifest
/// lists (as created or adopted): the key is found through it first, then
/// through the alias (the alias may be gone while the key lives on, pending
/// deletion or not).
pub struct StackKey {
    pub recorded: Option<String>,
}

impl StackKey {
    pub fn of(manifest: &Manifest) -> StackKey {
        StackKey {
            recorded: manifest
                .created
                .get(kind::KMS_KEY)
                .or_else(|| manifest.adopted.get(kind::KMS_KEY))
                .cloned(),
        }
    }
}

impl Managed for StackKey {
    type Found = Found;
    type Part = Part;
    const SERVICE: &'static str = SERVICE;
    const READ: &'static str = "DescribeKey";

    fn kind(&self) -> String {
        kind::KMS_KEY.into()
    }

    fn name(&self, ctx: &Ctx<'_>, found: Option<&Found>) -> String {
        found.map_or_else(
            || format!("key for {}", ctx.names.kms_alias),
            |f| f.key.arn.clone(),
        )
    }

    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<Found>, AwsError> {
        let recorded = match &self.recorded {
            Some(arn) => describe(ctx, arn).await?,
            None => None,
        };
        let key = match recorded {
            Some(key) => key,
            None => match describe(ctx, &ctx.names.kms_alias).await? {
                Some(key) => key,
                None => return Ok(None),
            },
        };
        let tags = tags_of(ctx, &key.id).await?;
        let mut found = Found {
            key,
            tags,
            rotation: None,
            policy: None,
        };
        // Someone else's key is only reported, never read further: its policy
        // need not let this account read it.
        let ours = crate::core::plan::is_managed(
            tag_refs(&found.tags),
            &ctx.spec.suffix,
            self.recorded.as_deref(),
            &found.key.arn,
        );
        if ours {
            (found.rotation, found.policy) = settings(ctx, &found.key.id).await?;
        }
        Ok(Some(found))
    }

    fn id(&self, _ctx: &Ctx<'_>, found: &Found) -> String {
        found.key.arn.clone()
    }

    fn created_name(&self, id: &str) -> Option<String> {
        Some(id.to_string())
    }

    fn tags<'f>(&self, found: &'f Found) -> Option<&'f [(String, String)]> {
        Some(&found.tags)
    }

    fn diff(&self, ctx: &Ctx<'_>, found: &Found) -> Vec<Planned<Part>> {
        drift(ctx, found)
    }

    fn cannot_apply(
        &self,
        ctx: &Ctx<'_>,
        found: &Found,
        changes: &[Planned<Part>],
    ) -> Option<AwsError> {
        let change = changes.iter().find(|p| p.by == Part::Impossible)?;
        Some(AwsError::local(
            SERVICE,
            ctx.region(),
            "DescribeKey",
            "KeyUnusable",
            format!(
                "key {} behind {} cannot be repaired by setup: {}",
                found.key.arn,
                ctx.names.kms_alias,
                change.reason()
            ),
        ))
    }

    fn create_detail(&self, ctx: &Ctx<'_>) -> Vec<String> {
        vec![
            "symmetric (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT)".into(),
            format!("description \"{}\"", description(ctx.spec)),
            "key policy: account administers; Config, EventBridge, CloudWatch and SNS may encrypt"
                .into(),
            "automatic key rotation enabled".into(),
            tags_detail(ctx.spec),
        ]
    }

    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError> {
        let region = ctx.region();
        let spec = ctx.spec;
        let out = ctx
            .aws
            .kms(region)
            .create_key()
            .description(description(spec))
            .key_usage(KeyUsageType::EncryptDecrypt)
            .key_spec(KeySpec::SymmetricDefault)
            .policy(spec.key_policy().to_string())
            .set_tags(Some(
                kms_tags(spec).map_err(|e| build_error(SERVICE, region, "CreateKey", e))?,
            ))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "CreateKey", &e))?;
        let (arn, id) = out
            .key_metadata()
            .and_then(|m| Some((m.arn()?.to_string(), m.key_id().to_string())))
            .ok_or_else(|| {
                AwsError::local(
                    SERVICE,
                    region,
                    "CreateKey",
                    "InvalidResponse",
                    "CreateKey answered without the key's ARN",
                )
            })?;
        *made = Some(arn.clone());
        enable_rotation(ctx, &id).await?;
        Ok(vec![format!("created as {arn}")])
    }

    async fn update(&self, ctx: &Ctx<'_>, found: &Found, parts: &[Part]) -> Result<(), AwsError> {
        let region = ctx.region();
        let id = &found.key.id;
        for part in parts {
            match part {
                Part::Recover => {
                    ctx.aws
                        .kms(region)
                        .cancel_key_deletion()
                        .key_id(id)
                        .send()
                        .await
                        .map_err(|e| {
                            AwsError::from_sdk(SERVICE, region, "CancelKeyDeletion", &e)
                        })?;
                    enable(ctx, id).await?;
                }
                Part::Enable => enable(ctx, id).await?,
                Part::Rotation => enable_rotation(ctx, id).await?,
                Part::Policy => put_policy(ctx, id).await?,
                // TagResource adds or overwrites the given keys: one call for all.
                Part::Tags => {
                    ctx.aws
                        .kms(region)
                        .tag_resource()
                        .key_id(id)
                        .set_tags(Some(
                            kms_tags(ctx.spec)
                                .map_err(|e| build_error(SERVICE, region, "TagResource", e))?,
                        ))
                        .send()
                        .await
                        .map_err(|e| AwsError::from_sdk(SERVICE, region, "TagResource", &e))?;
                }
                Part::Impossible => {}
            }
        }
        // A key recovered from pending deletion could not show its rotation or
        // policy before; now it can, and they are brought to the spec too.
        if found.rotation.is_none() || found.policy.is_none() {
            let (rotation, policy) = settings(ctx, id).await?;
            if rotation == Some(false) {
                enable_rotation(ctx, id).await?;
            }
            if let Some(policy) = policy {
                if !policy
                    .as_ref()
                    .is_some_and(|p| same_policy(p, &ctx.spec.key_policy()))
                {
                    put_policy(ctx, id).await?;
                }
            }
        }
        Ok(())
    }

    async fn delete_detail(&self, _ctx: &Ctx<'_>, found: &Found) -> Result<Vec<String>, AwsError> {
        Ok(vec![match (&found.key.state, &found.key.deletion_date) {
            (Some(KeyState::PendingDeletion), Some(date)) => {
                format!("already pending deletion (deletes on {date})")
            }
            (Some(KeyState::PendingDeletion), None) => "already pending deletion".into(),
            _ => format!(
                "schedule deletion in {DELETION_WINDOW_DAYS} days (the shortest window; cancel with `aws kms cancel-key-deletion` until then)"
            ),
        }])
    }

    /// Scheduled for deletion with the shortest window KMS allows; a key
    /// already pending deletion is left to it.
    async fn delete(&self, ctx: &Ctx<'_>, found: &Found) -> Result<Vec<String>, AwsError> {
        if found.key.state == Some(KeyState::PendingDeletion) {
            return Ok(Vec::new());
        }
        let region = ctx.region();
        ctx.aws
            .kms(region)
            .schedule_key_deletion()
            .key_id(&found.key.id)
            .pending_window_in_days(DELETION_WINDOW_DAYS)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "ScheduleKeyDeletion", &e))?;
        Ok(Vec::new())
    }
}

/// What the alias points to: the target key, and that key's tags when it is
/// the key the manifest records (an alias takes no tags of its own: it is
/// ours exactly when it points to our key and that key is still tagged ours).
pub struct Target {
    arn: String,
    key_tags: Vec<(String, String)>,
}

/// The alias, as one managed resource. `key` is the stack key's recorded ARN
/// (None in a dry run before the key exists).
pub struct KeyAlias {
    pub key: Option<String>,
}

/// What an alias change is applied with: UpdateAlias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retarget;

impl Managed for KeyAlias {
    type Found = Target;
    type Part = Retarget;
    const SERVICE: &'static str = SERVICE;
    const READ: &'static str = "DescribeKey";

    fn kind(&self) -> String {
        kind::KMS_ALIAS.into()
    }

    fn name(&self, ctx: &Ctx<'_>, _found: Option<&Target>) -> String {
        ctx.names.kms_alias.clone()
    }

    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<Target>, AwsError> {
        let Some(target) = describe(ctx, &ctx.names.kms_alias).await? else {
            return Ok(None);
        };
        let key_tags = if self.key.as_deref() == Some(target.arn.as_str()) {
            tags_of(ctx, &target.id).await?
        } else {
            Vec::new()
        };
        Ok(Some(Target {
            arn: target.arn,
            key_tags,
        }))
    }

    fn id(&self, ctx: &Ctx<'_>, _found: &Target) -> String {
        ctx.names.kms_alias.clone()
    }

    fn tags<'f>(&self, found: &'f Target) -> Option<&'f [(String, String)]> {
        Some(&found.key_tags)
    }

    fn diff(&self, _ctx: &Ctx<'_>, found: &Target) -> Vec<Planned<Retarget>> {
        match &self.key {
            Some(key) if *key != found.arn => vec![Planned::new(
                Retarget,
                Change::wanted("target", key.clone(), found.arn.clone()),
            )],
            _ => Vec::new(),
        }
    }

    fn create_detail(&self, _ctx: &Ctx<'_>) -> Vec<String> {
        vec![match &self.key {
            Some(key) => format!("points to {key}"),
            None => "points to the new key".into(),
        }]
    }

    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError> {
        let key = self.key.as_deref().ok_or_else(|| no_key(ctx))?;
        let region = ctx.region();
        ctx.aws
            .kms(region)
            .create_alias()
            .alias_name(&ctx.names.kms_alias)
            .target_key_id(key)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "CreateAlias", &e))?;
        *made = Some(ctx.names.kms_alias.clone());
        Ok(Vec::new())
    }

    async fn update(
        &self,
        ctx: &Ctx<'_>,
        _found: &Target,
        _parts: &[Retarget],
    ) -> Result<(), AwsError> {
        let key = self.key.as_deref().ok_or_else(|| no_key(ctx))?;
        let region = ctx.region();
        ctx.aws
            .kms(region)
            .update_alias()
            .alias_name(&ctx.names.kms_alias)
            .target_key_id(key)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "UpdateAlias", &e))?;
        Ok(())
    }

    async fn delete_detail(&self, _ctx: &Ctx<'_>, found: &Target) -> Result<Vec<String>, AwsError> {
        Ok(vec![format!("pointed to {}", found.arn)])
    }

    async fn delete(&self, ctx: &Ctx<'_>, _found: &Target) -> Result<Vec<String>, AwsError> {
        let region = ctx.region();
        ctx.aws
            .kms(region)
            .delete_alias()
            .alias_name(&ctx.names.kms_alias)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "DeleteAlias", &e))?;
        Ok(Vec::new())
    }
}

fn no_key(ctx: &Ctx<'_>) -> AwsError {
    AwsError::local(
        SERVICE,
        ctx.region(),
        "CreateAlias",
        "KeyMissing",
        format!(
            "{}: no stack key is recorded to point it at; run setup again",
            ctx.names.kms_alias
        ),
    )
}

fn alias_of(manifest: &Manifest) -> KeyAlias {
    KeyAlias {
        key: manifest.created.get(kind::KMS_KEY).cloned(),
    }
}

/// The key first, then the alias that points to it (built after the key's
/// step, so it sees the key that step recorded).
pub async fn ensure(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let key = setup(ctx, manifest, &StackKey::of(manifest)).await?;
    let alias = setup(ctx, manifest, &alias_of(manifest)).await?;
    Ok(vec![key, alias])
}

pub async fn inspect(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Vec<Inspection>, AwsError> {
    let mut out: Vec<Inspection> = status(ctx, manifest, &StackKey::of(manifest))
        .await?
        .into_iter()
        .collect();
    out.extend(status(ctx, manifest, &alias_of(manifest)).await?);
    Ok(out)
}

/// The alias first: it is deleted only while it points to the key setup
/// created and that key still carries this suffix's tags.
pub async fn remove(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let alias = teardown(ctx, manifest, &alias_of(manifest)).await?;
    let key = teardown(ctx, manifest, &StackKey::of(manifest)).await?;
    Ok(vec![alias, key])
}

async fn tags_of(ctx: &Ctx<'_>, key_id: &str) -> Result<Vec<(String, String)>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.kms(region);
    let mut tags = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = client
            .list_resource_tags()
            .key_id(key_id)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "ListResourceTags", &e))?;
        tags.extend(
            out.tags()
                .iter()
                .map(|t| (t.tag_key().to_string(), t.tag_value().to_string())),
        );
        match out.next_marker() {
            Some(m) if out.truncated() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    Ok(tags)
}

/// Rotation status and key policy; None for what the key's state does not let KMS answer.
async fn settings(
    ctx: &Ctx<'_>,
    key_id: &str,
) -> Result<(Option<bool>, Option<Option<Value>>), AwsError> {
    let region = ctx.region();
    let client = ctx.aws.kms(region);
    let unreadable = ["KMSInvalidStateException", "DisabledException"];
    let rotation = match client.get_key_rotation_status().key_id(key_id).send().await {
        Ok(out) => Some(out.key_rotation_enabled()),
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "GetKeyRotationStatus", &e);
            if !error.is(&unreadable) {
                return Err(error);
            }
            None
        }
    };
    let policy = match client
        .get_key_policy()
        .key_id(key_id)
        .policy_name(POLICY_NAME)
        .send()
        .await
    {
        Ok(out) => Some(out.policy().and_then(parse_policy)),
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "GetKeyPolicy", &e);
            if !error.is(&unreadable) {
                return Err(error);
            }
            None
        }
    };
    Ok((rotation, policy))
}

/// The key's settings that differ from the spec (the core's comparison of
/// what was read).
fn drift(ctx: &Ctx<'_>, found: &Found) -> Vec<Planned<Part>> {
    let key = plain::Key {
        state: found.key.state.as_ref().map(|s| s.as_str().to_string()),
        spec: found.key.spec.as_ref().map(|s| s.as_str().to_string()),
        usage: found.key.usage.as_ref().map(|s| s.as_str().to_string()),
        deletion_date: found.key.deletion_date.clone(),
        tags: found.tags.clone(),
        rotation: found.rotation,
        policy: found.policy.clone(),
    };
    key_changes(ctx.spec, &key)
}

fn kms_tags(spec: &StackSpec) -> Result<Vec<Tag>, BuildError> {
    tag_pairs(spec)
        .into_iter()
        .map(|(k, v)| Tag::builder().tag_key(k).tag_value(v).build())
        .collect()
}

fn description(spec: &StackSpec) -> String {
    format!(
        "compliance stack {}: encrypts the evidence bucket, history table and alert topic",
        spec.suffix
    )
}

async fn enable(ctx: &Ctx<'_>, key_id: &str) -> Result<(), AwsError> {
    let region = ctx.region();
    ctx.aws
        .kms(region)
        .enable_key()
        .key_id(key_id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "EnableKey", &e))?;
    Ok(())
}

async fn enable_rotation(ctx: &Ctx<'_>, key_id: &str) -> Result<(), AwsError> {
    let region = ctx.region();
    ctx.aws
        .kms(region)
        .enable_key_rotation()
        .key_id(key_id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "EnableKeyRotation", &e))?;
    Ok(())
}

async fn put_policy(ctx: &Ctx<'_>, key_id: &str) -> Result<(), AwsError> {
    let region = ctx.region();
    ctx.aws
        .kms(region)
        .put_key_policy()
        .key_id(key_id)
        .policy_name(POLICY_NAME)
        .policy(ctx.spec.key_policy().to_string())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "PutKeyPolicy", &e))?;
    Ok(())
}
