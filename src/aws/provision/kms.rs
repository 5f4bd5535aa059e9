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
    kind, ours, tag_pairs, tag_refs, Action, Ctx, Inspection, State, Step,
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
struct Found {
    key: Key,
    /// Whether our alias points at this key.
    aliased: bool,
    tags: Vec<(String, String)>,
    /// None while the key's state does not allow reading it (pending deletion).
    rotation: Option<bool>,
    /// None when unreadable in the key's state; Some(None) when not JSON.
    policy: Option<Option<Value>>,
}

impl Found {
    fn owned(&self, spec: &StackSpec, manifest: &Manifest) -> bool {
        crate::core::plan::is_managed(
            tag_refs(&self.tags),
            &spec.suffix,
            manifest.created.get(kind::KMS_KEY).map(String::as_str),
            &self.key.arn,
        )
    }
}

async fn find(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Option<Found>, AwsError> {
    let (key, aliased) = match describe(ctx, &ctx.names.kms_alias).await? {
        Some(key) => (key, true),
        None => {
            let recorded = manifest
                .created
                .get(kind::KMS_KEY)
                .or_else(|| manifest.adopted.get(kind::KMS_KEY));
            match recorded {
                Some(arn) => match describe(ctx, arn).await? {
                    Some(key) => (key, false),
                    None => return Ok(None),
                },
                None => return Ok(None),
            }
        }
    };
    let tags = tags_of(ctx, &key.id).await?;
    let mut found = Found {
        key,
        aliased,
        tags,
        rotation: None,
        policy: None,
    };
    // Someone else's key is only reported, never read further: its policy
    // need not let this account read it.
    if found.owned(ctx.spec, manifest) {
        (found.rotation, found.policy) = settings(ctx, &found.key.id).await?;
    }
    Ok(Some(found))
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

fn name_taken(ctx: &Ctx<'_>, arn: &str) -> AwsError {
    AwsError::local(
        SERVICE,
        ctx.region(),
        "DescribeKey",
        "NameTaken",
        format!(
            "{} points to key {arn}, which is not tagged ManagedBy=compliance, ComplianceSuffix={} and was not created by this setup; delete or re-point the alias, or pick another --suffix",
            ctx.names.kms_alias, ctx.spec.suffix
        ),
    )
}

pub async fn ensure(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.kms(region);
    let spec = ctx.spec;
    let alias = &ctx.names.kms_alias;
    let Some(found) = find(ctx, manifest).await? else {
        let key_step = Step::new(kind::KMS_KEY, format!("key for {alias}"), Action::Create)
            .with("symmetric (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT)")
            .with(format!("description \"{}\"", description(spec)))
            .with("key policy: account administers; Config, EventBridge, CloudWatch and SNS may encrypt")
            .with("automatic key rotation enabled")
            .with(tags_detail(spec));
        let alias_step = Step::new(kind::KMS_ALIAS, alias.as_str(), Action::Create)
            .with("points to the new key");
        if ctx.dry_run {
            return Ok(vec![key_step, alias_step]);
        }
        let out = client
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
        // Recorded at once, so a failure below still leaves the key in the manifest.
        manifest
            .created
            .insert(kind::KMS_KEY.to_string(), arn.clone());
        enable_rotation(ctx, &id).await?;
        create_alias(ctx, &id).await?;
        manifest
            .created
            .insert(kind::KMS_ALIAS.to_string(), alias.clone());
        let mut key_step = key_step;
        key_step.name = arn;
        return Ok(vec![key_step, alias_step]);
    };
    let arn = found.key.arn.clone();
    let id = found.key.id.clone();
    if !found.owned(spec, manifest) {
        return Err(name_taken(ctx, &arn));
    }
    let mut key_step = Step::new(kind::KMS_KEY, arn.as_str(), Action::Unchanged);
    if !manifest.owns(kind::KMS_KEY) {
        key_step
            .detail
            .push("tagged with this suffix: recorded as created by setup".into());
    }
    let repairs = drift(ctx, &found);
    if let Some(Planned { change: diff, .. }) = repairs.iter().find(|p| p.by == Part::Impossible) {
        return Err(AwsError::local(
            SERVICE,
            region,
            "DescribeKey",
            "KeyUnusable",
            format!(
                "key {arn} behind {alias} cannot be repaired by setup: {}",
                diff.reason()
            ),
        ));
    }
    let mut tags_done = false;
    for Planned {
        by: repair,
        change: diff,
    } in &repairs
    {
        key_step.action = Action::Update;
        key_step.detail.push(diff.detail());
        if ctx.dry_run {
            continue;
        }
        match repair {
            Part::Recover => {
                client
                    .cancel_key_deletion()
                    .key_id(&id)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(SERVICE, region, "CancelKeyDeletion", &e))?;
                enable(ctx, &id).await?;
            }
            Part::Enable => enable(ctx, &id).await?,
            Part::Rotation => enable_rotation(ctx, &id).await?,
            Part::Policy => put_policy(ctx, &id).await?,
            Part::Tags if !tags_done => {
                tags_done = true;
                client
                    .tag_resource()
                    .key_id(&id)
                    .set_tags(Some(
                        kms_tags(spec)
                            .map_err(|e| build_error(SERVICE, region, "TagResource", e))?,
                    ))
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(SERVICE, region, "TagResource", &e))?;
            }
            Part::Tags | Part::Impossible => {}
        }
    }
    // A key recovered from pending deletion could not show its rotation or
    // policy before; now it can.
    if found.rotation.is_none() || found.policy.is_none() {
        if ctx.dry_run {
            key_step
                .detail
                .push("key rotation and key policy: checked once the key is enabled".into());
        } else {
            let (rotation, policy) = settings(ctx, &id).await?;
            if rotation == Some(false) {
                let diff = Change::wanted("key rotation", "enabled", "disabled");
                key_step.action = Action::Update;
                key_step.detail.push(diff.detail());
                enable_rotation(ctx, &id).await?;
            }
            if let Some(policy) = policy {
                if !policy
                    .as_ref()
                    .is_some_and(|p| same_policy(p, &spec.key_policy()))
                {
                    key_step.action = Action::Update;
                    key_step
                        .detail
                        .push("key policy -> the stack's key policy".into());
                    put_policy(ctx, &id).await?;
                }
            }
        }
    }
    let mut alias_step = Step::new(kind::KMS_ALIAS, alias.as_str(), Action::Unchanged);
    if !found.aliased {
        alias_step.action = Action::Create;
        alias_step.detail.push(format!("points to {arn}"));
        if !ctx.dry_run {
            create_alias(ctx, &id).await?;
        }
    }
    if !ctx.dry_run {
        manifest
            .created
            .entry(kind::KMS_KEY.to_string())
            .or_insert(arn);
        manifest
            .created
            .entry(kind::KMS_ALIAS.to_string())
            .or_insert(alias.clone());
    }
    Ok(vec![key_step, alias_step])
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

async fn create_alias(ctx: &Ctx<'_>, key_id: &str) -> Result<(), AwsError> {
    let region = ctx.region();
    ctx.aws
        .kms(region)
        .create_alias()
        .alias_name(&ctx.names.kms_alias)
        .target_key_id(key_id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "CreateAlias", &e))?;
    Ok(())
}

pub async fn inspect(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Vec<Inspection>, AwsError> {
    let alias = &ctx.names.kms_alias;
    let Some(found) = find(ctx, manifest).await? else {
        return Ok(vec![
            Inspection::new(kind::KMS_KEY, format!("key for {alias}"), State::Missing),
            Inspection::new(kind::KMS_ALIAS, alias.as_str(), State::Missing),
        ]);
    };
    let arn = found.key.arn.clone();
    if !found.owned(ctx.spec, manifest) {
        let reason = format!(
            "not tagged ManagedBy=compliance, ComplianceSuffix={}: not this stack's",
            ctx.spec.suffix
        );
        return Ok(vec![
            Inspection::new(kind::KMS_KEY, arn.as_str(), State::Foreign(vec![reason])),
            Inspection::new(
                kind::KMS_ALIAS,
                alias.as_str(),
                State::Foreign(vec![format!("points to {arn}, which is not this stack's")]),
            ),
        ]);
    }
    let reasons: Vec<String> = drift(ctx, &found).iter().map(Planned::reason).collect();
    let key_state = if reasons.is_empty() {
        State::Present
    } else {
        State::Drifted(reasons)
    };
    let alias_state = if found.aliased {
        State::Present
    } else {
        State::Missing
    };
    Ok(vec![
        Inspection::new(kind::KMS_KEY, arn, key_state),
        Inspection::new(kind::KMS_ALIAS, alias.as_str(), alias_state),
    ])
}

pub async fn remove(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.kms(region);
    let alias = &ctx.names.kms_alias;
    let recorded = manifest.created.get(kind::KMS_KEY).cloned();
    let target = describe(ctx, alias).await?;

    // The key that teardown may delete: the recorded one, still tagged ours.
    let key = match &recorded {
        Some(arn) => describe(ctx, arn).await?,
        None => None,
    };
    let key_tagged = match &key {
        Some(k) => ours(
            ctx.spec,
            tags_of(ctx, &k.id)
                .await?
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        ),
        None => false,
    };

    let alias_step = match &target {
        None => {
            if !ctx.dry_run {
                manifest.created.remove(kind::KMS_ALIAS);
            }
            Step::new(kind::KMS_ALIAS, alias.as_str(), Action::Absent)
        }
        Some(_) if !manifest.owns(kind::KMS_ALIAS) => {
            Step::new(kind::KMS_ALIAS, alias.as_str(), Action::Keep)
                .with("not created by setup (not in the manifest)")
        }
        Some(t) if recorded.as_deref() != Some(t.arn.as_str()) || !key_tagged => {
            Step::new(kind::KMS_ALIAS, alias.as_str(), Action::Keep).with(format!(
                "points to {}, not to a key setup created that still carries this suffix's tags",
                t.arn
            ))
        }
        Some(t) => {
            if !ctx.dry_run {
                client
                    .delete_alias()
                    .alias_name(alias)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(SERVICE, region, "DeleteAlias", &e))?;
                manifest.created.remove(kind::KMS_ALIAS);
            }
            Step::new(kind::KMS_ALIAS, alias.as_str(), Action::Delete)
                .with(format!("pointed to {}", t.arn))
        }
    };

    let key_step = match (&recorded, &key) {
        (None, _) => match &target {
            Some(t) => Step::new(kind::KMS_KEY, t.arn.as_str(), Action::Keep)
                .with("not created by setup (not in the manifest)"),
            None => Step::new(kind::KMS_KEY, format!("key for {alias}"), Action::Absent),
        },
        (Some(arn), None) => {
            if !ctx.dry_run {
                manifest.created.remove(kind::KMS_KEY);
            }
            Step::new(kind::KMS_KEY, arn.as_str(), Action::Absent)
        }
        (Some(_), Some(k)) if k.state == Some(KeyState::PendingDeletion) => {
            if !ctx.dry_run {
                manifest.created.remove(kind::KMS_KEY);
            }
            let mut step = Step::new(kind::KMS_KEY, k.arn.as_str(), Action::Absent);
            step.detail.push(match &k.deletion_date {
                Some(date) => format!("already pending deletion (deletes on {date})"),
                None => "already pending deletion".to_string(),
            });
            step
        }
        (Some(_), Some(k)) if !key_tagged => Step::new(kind::KMS_KEY, k.arn.as_str(), Action::Keep)
            .with(format!(
                "no longer tagged ManagedBy=compliance, ComplianceSuffix={}",
                ctx.spec.suffix
            )),
        (Some(_), Some(k)) => {
            let mut step = Step::new(kind::KMS_KEY, k.arn.as_str(), Action::Delete);
            if ctx.dry_run {
                step.detail
                    .push(format!("schedule deletion in {DELETION_WINDOW_DAYS} days"));
            } else {
                let out = client
                    .schedule_key_deletion()
                    .key_id(&k.id)
                    .pending_window_in_days(DELETION_WINDOW_DAYS)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(SERVICE, region, "ScheduleKeyDeletion", &e))?;
                manifest.created.remove(kind::KMS_KEY);
                step.detail.push(match out.deletion_date() {
                    Some(date) => format!(
                        "scheduled for deletion in {DELETION_WINDOW_DAYS} days (on {}); cancel with `aws kms cancel-key-deletion` until then",
                        crate::aws::iso(date)
                    ),
                    None => format!("scheduled for deletion in {DELETION_WINDOW_DAYS} days"),
                });
            }
            step
        }
    };
    Ok(vec![alias_step, key_step])
}
