//! The SNS alert topic and its e-mail subscriptions: where the EventBridge rule
//! (a Config rule turned NON_COMPLIANT) and the score alarm publish, and what a
//! security team subscribes to.
//!
//! Settings and why:
//! - `KmsMasterKeyId` = the stack's key: alerts name resources and their
//!   weaknesses. The stack key's policy lets events.amazonaws.com and
//!   cloudwatch.amazonaws.com use it; the AWS-managed `alias/aws/sns` key would
//!   not (its policy cannot be changed), so alerts would silently never arrive.
//!   When no stack key exists in a real run, the topic is therefore left
//!   unencrypted at rest and the step says so; `inspect` then has no key to
//!   compare and a later run with a key repairs it.
//! - `DeliveryPolicy`: a bounded linear HTTP retry policy (3 retries, 20 s
//!   apart), so an HTTP(S) endpoint subscribed later neither floods nor gives up
//!   at the first error. Compared as a subset, since SNS may add defaults.
//! - A topic policy letting EventBridge and CloudWatch publish, limited by
//!   `aws:SourceAccount` to this account (the confused-deputy guard). Compared
//!   as parsed JSON.
//! - Tags; ownership is decided by them (see `mod.rs`).
//!
//! Subscriptions: one per `--email` (kind `sns-subscription:<email>`, recorded
//! as the subscription ARN, or "pending confirmation" when SNS gives none).
//! E-mail subscriptions stay pending until the recipient clicks the link; that
//! is the recipient's step, not drift, so `inspect` reports a pending
//! subscription as present. An address dropped from `--email` whose
//! subscription setup created is unsubscribed by `ensure`; subscriptions
//! someone added by hand are left alone. Deleting the topic deletes whatever
//! subscriptions remain.

use crate::aws::error::AwsError;
use crate::aws::provision::{
    kind, ours, tag_pairs, tag_refs, tags_text, Action, Ctx, Inspection, State, Step,
};
use crate::core::plan::Planned;
pub use crate::core::provision::sns::{delivery_policy, topic_policy};
use crate::core::provision::sns::{topic_changes, Part, Topic};
use crate::core::stack::Manifest;
use aws_sdk_sns::types::Tag;
use aws_smithy_types::error::operation::BuildError;

const SERVICE: &str = "sns";
const PROTOCOL: &str = "email";
/// What SNS lists instead of an ARN until the recipient confirms.
const PENDING_ARN: &str = "PendingConfirmation";
/// The manifest value of a subscription SNS returned no ARN for.
pub const PENDING: &str = "pending confirmation";

/// One subscription of the topic, as listed.
struct Subscription {
    arn: String,
    endpoint: String,
}

pub async fn ensure(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let arn = ctx.spec.topic_arn();
    let key = stack_key(ctx, manifest).await?;
    let mut steps = Vec::new();
    let exists = match read_topic(ctx, &arn).await? {
        None => {
            steps.push(create_topic(ctx, manifest, key.as_deref()).await?);
            !ctx.dry_run
        }
        Some(topic) => {
            if !ours(ctx.spec, tag_refs(&topic.tags)) && !manifest.owns(kind::TOPIC) {
                return Err(AwsError::local(
                    SERVICE,
                    ctx.region(),
                    "GetTopicAttributes",
                    "NameTaken",
                    format!(
                        "topic {arn} exists but is not tagged ManagedBy=compliance, ComplianceSuffix={} and setup did not create it; setup will not take over someone else's topic: choose another --suffix or remove it",
                        ctx.spec.suffix
                    ),
                ));
            }
            if !ctx.dry_run {
                manifest.created.insert(kind::TOPIC.into(), arn.clone());
            }
            let drifts = topic_changes(ctx.spec, &topic, key.as_deref());
            if drifts.is_empty() {
                steps.push(Step::new(kind::TOPIC, arn.clone(), Action::Unchanged));
            } else {
                let mut step = Step::new(kind::TOPIC, arn.clone(), Action::Update);
                for drift in &drifts {
                    if !ctx.dry_run {
                        repair(ctx, drift.by, key.as_deref()).await?;
                    }
                    step = step.with(drift.detail());
                }
                steps.push(step);
            }
            true
        }
    };
    let listed = if exists {
        list_subscriptions(ctx, &arn).await?
    } else {
        Vec::new()
    };
    steps.extend(ensure_subscriptions(ctx, manifest, &listed).await?);
    Ok(steps)
}

pub async fn inspect(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Vec<Inspection>, AwsError> {
    let arn = ctx.spec.topic_arn();
    let Some(topic) = read_topic(ctx, &arn).await? else {
        let mut out = vec![Inspection::new(kind::TOPIC, arn, State::Missing)];
        for email in &ctx.spec.emails {
            out.push(Inspection::new(
                kind::SUBSCRIPTION,
                email.clone(),
                State::Missing,
            ));
        }
        return Ok(out);
    };
    if !ours(ctx.spec, tag_refs(&topic.tags)) && !manifest.owns(kind::TOPIC) {
        return Ok(vec![Inspection::new(
            kind::TOPIC,
            arn,
            State::Foreign(vec![format!(
                "not tagged ManagedBy=compliance, ComplianceSuffix={}",
                ctx.spec.suffix
            )]),
        )]);
    }
    let key = stack_key(ctx, manifest).await?;
    let reasons: Vec<String> = topic_changes(ctx.spec, &topic, key.as_deref())
        .iter()
        .map(Planned::reason)
        .collect();
    let state = if reasons.is_empty() {
        State::Present
    } else {
        State::Drifted(reasons)
    };
    let mut out = vec![Inspection::new(kind::TOPIC, arn.clone(), state)];
    let listed = list_subscriptions(ctx, &arn).await?;
    for email in &ctx.spec.emails {
        let state = if find(&listed, email).is_some() {
            State::Present
        } else {
            State::Missing
        };
        out.push(Inspection::new(kind::SUBSCRIPTION, email.clone(), state));
    }
    for (email, _) in stale(ctx, manifest) {
        if find(&listed, &email).is_some() {
            out.push(Inspection::new(
                kind::SUBSCRIPTION,
                email,
                State::Drifted(vec![
                    "subscription: expected none (not in --email), found subscribed".into(),
                ]),
            ));
        }
    }
    Ok(out)
}

pub async fn remove(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let arn = ctx.spec.topic_arn();
    let mut steps = Vec::new();
    let owned_subscriptions: Vec<(String, String)> = manifest
        .created
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(kind::SUBSCRIPTION)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(|email| (email.to_string(), v.clone()))
        })
        .collect();
    let Some(topic) = read_topic(ctx, &arn).await? else {
        for (email, _) in owned_subscriptions {
            manifest.created.remove(&subscription_kind(&email));
            steps.push(Step::new(kind::SUBSCRIPTION, email, Action::Absent));
        }
        manifest.created.remove(kind::TOPIC);
        steps.push(Step::new(kind::TOPIC, arn, Action::Absent));
        return Ok(steps);
    };
    let listed = list_subscriptions(ctx, &arn).await?;
    for (email, recorded) in owned_subscriptions {
        steps.push(
            unsubscribe(
                ctx,
                manifest,
                &listed,
                &email,
                &recorded,
                "created by setup",
            )
            .await?,
        );
    }
    if !manifest.owns(kind::TOPIC) {
        steps.push(
            Step::new(kind::TOPIC, arn, Action::Keep)
                .with("not created by setup (not in the manifest)"),
        );
        return Ok(steps);
    }
    if !ours(ctx.spec, tag_refs(&topic.tags)) {
        steps.push(Step::new(kind::TOPIC, arn, Action::Keep).with(format!(
            "not tagged ManagedBy=compliance, ComplianceSuffix={}",
            ctx.spec.suffix
        )));
        return Ok(steps);
    }
    if !ctx.dry_run {
        let region = ctx.region();
        if let Err(e) = ctx
            .aws
            .sns(region)
            .delete_topic()
            .topic_arn(&arn)
            .send()
            .await
        {
            let error = AwsError::from_sdk(SERVICE, region, "DeleteTopic", &e);
            if !error.is(&["NotFound"]) {
                return Err(error);
            }
        }
        manifest.created.remove(kind::TOPIC);
    }
    steps.push(Step::new(kind::TOPIC, arn, Action::Delete).with("and any subscription left on it"));
    Ok(steps)
}

async fn create_topic(
    ctx: &Ctx<'_>,
    manifest: &mut Manifest,
    key: Option<&str>,
) -> Result<Step, AwsError> {
    let region = ctx.region();
    let arn = ctx.spec.topic_arn();
    let mut step = Step::new(kind::TOPIC, arn.clone(), Action::Create);
    step = step.with(match (key, ctx.dry_run) {
        (Some(key), _) => format!("KmsMasterKeyId {key}"),
        (None, true) => "KmsMasterKeyId: the stack key (created by the kms step)".to_string(),
        (None, false) => "not encrypted at rest: no stack key exists, and alias/aws/sns would stop EventBridge and CloudWatch from publishing; run setup again once the kms step succeeds".to_string(),
    });
    step = step
        .with("DeliveryPolicy: HTTP retries 3 times, 20 s apart (linear)")
        .with(
            "policy: events.amazonaws.com and cloudwatch.amazonaws.com of this account may publish",
        )
        .with(format!("tags {}", tags_text(ctx)));
    if ctx.dry_run {
        return Ok(step);
    }
    let mut request = ctx
        .aws
        .sns(region)
        .create_topic()
        .name(&ctx.names.topic)
        .attributes("DeliveryPolicy", delivery_policy().to_string())
        .attributes("Policy", topic_policy(ctx.spec).to_string());
    if let Some(key) = key {
        request = request.attributes("KmsMasterKeyId", key);
    }
    for (k, v) in tag_pairs(ctx.spec) {
        request = request.tags(
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(build_error(region, "CreateTopic"))?,
        );
    }
    let out = request
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "CreateTopic", &e))?;
    let created = out.topic_arn().unwrap_or(&arn).to_string();
    manifest.created.insert(kind::TOPIC.into(), created);
    Ok(step)
}

async fn repair(ctx: &Ctx<'_>, fix: Part, key: Option<&str>) -> Result<(), AwsError> {
    let region = ctx.region();
    let arn = ctx.spec.topic_arn();
    let client = ctx.aws.sns(region);
    let (name, value) = match fix {
        Part::Tags => {
            let mut request = client.tag_resource().resource_arn(&arn);
            for (k, v) in tag_pairs(ctx.spec) {
                request = request.tags(
                    Tag::builder()
                        .key(k)
                        .value(v)
                        .build()
                        .map_err(build_error(region, "TagResource"))?,
                );
            }
            request
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(SERVICE, region, "TagResource", &e))?;
            return Ok(());
        }
        Part::Key => ("KmsMasterKeyId", key.unwrap_or_default().to_string()),
        Part::DeliveryPolicy => ("DeliveryPolicy", delivery_policy().to_string()),
        Part::Policy => ("Policy", topic_policy(ctx.spec).to_string()),
    };
    client
        .set_topic_attributes()
        .topic_arn(&arn)
        .attribute_name(name)
        .attribute_value(value)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "SetTopicAttributes", &e))?;
    Ok(())
}

/// Subscribes every `--email` not yet subscribed and unsubscribes addresses
/// setup subscribed that are no longer wanted. `listed` is empty when the
/// topic does not exist yet (dry run).
async fn ensure_subscriptions(
    ctx: &Ctx<'_>,
    manifest: &mut Manifest,
    listed: &[Subscription],
) -> Result<Vec<Step>, AwsError> {
    let region = ctx.region();
    let arn = ctx.spec.topic_arn();
    let mut steps = Vec::new();
    for email in &ctx.spec.emails {
        let sub_kind = subscription_kind(email);
        if let Some(found) = find(listed, email) {
            // A confirmed subscription now has a real ARN: keep the record exact.
            if !ctx.dry_run && manifest.owns(&sub_kind) && found.arn.starts_with("arn:") {
                manifest.created.insert(sub_kind, found.arn.clone());
            }
            let step = Step::new(kind::SUBSCRIPTION, email.clone(), Action::Unchanged);
            steps.push(if found.arn == PENDING_ARN {
                step.with("pending confirmation: the recipient must click the link SNS sent")
            } else {
                step
            });
            continue;
        }
        let step = Step::new(kind::SUBSCRIPTION, email.clone(), Action::Create).with(format!(
            "e-mail subscription to {arn}; SNS sends a confirmation link and alerts arrive once it is clicked"
        ));
        if ctx.dry_run {
            steps.push(step);
            continue;
        }
        let out = ctx
            .aws
            .sns(region)
            .subscribe()
            .topic_arn(&arn)
            .protocol(PROTOCOL)
            .endpoint(email)
            .return_subscription_arn(true)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "Subscribe", &e))?;
        let recorded = out
            .subscription_arn()
            .filter(|a| a.starts_with("arn:"))
            .unwrap_or(PENDING)
            .to_string();
        manifest.created.insert(sub_kind, recorded);
        steps.push(step);
    }
    for (email, recorded) in stale(ctx, manifest) {
        steps.push(
            unsubscribe(
                ctx,
                manifest,
                listed,
                &email,
                &recorded,
                "no longer in --email",
            )
            .await?,
        );
    }
    Ok(steps)
}

/// Removes one subscription setup created, by its listed or recorded ARN.
async fn unsubscribe(
    ctx: &Ctx<'_>,
    manifest: &mut Manifest,
    listed: &[Subscription],
    email: &str,
    recorded: &str,
    why: &str,
) -> Result<Step, AwsError> {
    let region = ctx.region();
    let sub_kind = subscription_kind(email);
    let Some(found) = find(listed, email) else {
        if !ctx.dry_run {
            manifest.created.remove(&sub_kind);
        }
        return Ok(Step::new(kind::SUBSCRIPTION, email, Action::Absent));
    };
    let arn = if found.arn.starts_with("arn:") {
        found.arn.clone()
    } else if recorded.starts_with("arn:") {
        recorded.to_string()
    } else {
        if !ctx.dry_run {
            manifest.created.remove(&sub_kind);
        }
        return Ok(Step::new(kind::SUBSCRIPTION, email, Action::Keep).with(
            "pending confirmation and SNS gave no ARN to unsubscribe: SNS deletes it after 3 days unless confirmed, and deleting the topic deletes it",
        ));
    };
    let step = Step::new(kind::SUBSCRIPTION, email, Action::Delete).with(why);
    if ctx.dry_run {
        return Ok(step);
    }
    if let Err(e) = ctx
        .aws
        .sns(region)
        .unsubscribe()
        .subscription_arn(&arn)
        .send()
        .await
    {
        let error = AwsError::from_sdk(SERVICE, region, "Unsubscribe", &e);
        if !error.is(&["NotFound"]) {
            return Err(error);
        }
    }
    manifest.created.remove(&sub_kind);
    Ok(step)
}

/// Subscriptions setup created for addresses no longer in `--email`.
fn stale(ctx: &Ctx<'_>, manifest: &Manifest) -> Vec<(String, String)> {
    manifest
        .created
        .iter()
        .filter_map(|(k, v)| {
            let email = k
                .strip_prefix(kind::SUBSCRIPTION)
                .and_then(|rest| rest.strip_prefix(':'))?;
            let wanted = ctx
                .spec
                .emails
                .iter()
                .any(|e| e.eq_ignore_ascii_case(email));
            (!wanted).then(|| (email.to_string(), v.clone()))
        })
        .collect()
}

fn find<'s>(listed: &'s [Subscription], email: &str) -> Option<&'s Subscription> {
    listed
        .iter()
        .find(|s| s.endpoint.eq_ignore_ascii_case(email))
}

fn subscription_kind(email: &str) -> String {
    format!("{}:{email}", kind::SUBSCRIPTION)
}

async fn read_topic(ctx: &Ctx<'_>, arn: &str) -> Result<Option<Topic>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.sns(region);
    let attributes = match client.get_topic_attributes().topic_arn(arn).send().await {
        Ok(out) => out.attributes().cloned().unwrap_or_default(),
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "GetTopicAttributes", &e);
            return if error.is(&["NotFound"]) {
                Ok(None)
            } else {
                Err(error)
            };
        }
    };
    let out = client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "ListTagsForResource", &e))?;
    let tags = out
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    Ok(Some(Topic { attributes, tags }))
}

/// The topic's e-mail subscriptions.
async fn list_subscriptions(ctx: &Ctx<'_>, arn: &str) -> Result<Vec<Subscription>, AwsError> {
    let region = ctx.region();
    let items = ctx
        .aws
        .sns(region)
        .list_subscriptions_by_topic()
        .topic_arn(arn)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "ListSubscriptionsByTopic", &e))?;
    Ok(items
        .into_iter()
        .filter(|s| s.protocol() == Some(PROTOCOL))
        .map(|s| Subscription {
            arn: s.subscription_arn().unwrap_or(PENDING_ARN).to_string(),
            endpoint: s.endpoint().unwrap_or_default().to_string(),
        })
        .collect())
}

fn build_error<'r>(
    region: &'r str,
    operation: &'static str,
) -> impl Fn(BuildError) -> AwsError + 'r {
    move |e| {
        AwsError::local(
            SERVICE,
            region,
            operation,
            "ConstructionFailure",
            e.to_string(),
        )
    }
}

/// The stack's KMS key ARN (see the kms step).
async fn stack_key(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Option<String>, AwsError> {
    crate::aws::provision::kms::key_arn(ctx, manifest).await
}
