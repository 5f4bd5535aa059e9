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
    kind, setup, status, tag_pairs, tags_text, teardown, Ctx, Inspection, Managed, Step,
};
use crate::core::plan::{Planned, Unowned};
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
pub struct Listed {
    arn: String,
    endpoint: String,
}

/// The alert topic, as one managed resource; `key` is the stack key's ARN
/// (None: no stack key exists yet).
pub struct AlertTopic {
    pub key: Option<String>,
}

impl Managed for AlertTopic {
    type Found = Topic;
    type Part = Part;
    const SERVICE: &'static str = SERVICE;
    const READ: &'static str = "GetTopicAttributes";

    fn kind(&self) -> String {
        kind::TOPIC.into()
    }

    fn name(&self, ctx: &Ctx<'_>, _found: Option<&Topic>) -> String {
        ctx.spec.topic_arn()
    }

    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<Topic>, AwsError> {
        read_topic(ctx, &ctx.spec.topic_arn()).await
    }

    fn id(&self, ctx: &Ctx<'_>, _found: &Topic) -> String {
        ctx.spec.topic_arn()
    }

    fn tags<'f>(&self, found: &'f Topic) -> Option<&'f [(String, String)]> {
        Some(&found.tags)
    }

    fn diff(&self, ctx: &Ctx<'_>, found: &Topic) -> Vec<Planned<Part>> {
        topic_changes(ctx.spec, found, self.key.as_deref())
    }

    fn create_detail(&self, ctx: &Ctx<'_>) -> Vec<String> {
        vec![
            match &self.key {
                Some(key) => format!("KmsMasterKeyId {key}"),
                None => "KmsMasterKeyId: the stack key (created by the kms step)".to_string(),
            },
            "DeliveryPolicy: HTTP retries 3 times, 20 s apart (linear)".into(),
            "policy: events.amazonaws.com and cloudwatch.amazonaws.com of this account may publish"
                .into(),
            format!("tags {}", tags_text(ctx)),
        ]
    }

    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError> {
        let region = ctx.region();
        let mut request = ctx
            .aws
            .sns(region)
            .create_topic()
            .name(&ctx.names.topic)
            .attributes("DeliveryPolicy", delivery_policy().to_string())
            .attributes("Policy", topic_policy(ctx.spec).to_string());
        if let Some(key) = &self.key {
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
        *made = Some(
            out.topic_arn()
                .map_or_else(|| ctx.spec.topic_arn(), str::to_string),
        );
        Ok(match self.key {
            Some(_) => Vec::new(),
            None => vec!["not encrypted at rest: no stack key exists, and alias/aws/sns would stop EventBridge and CloudWatch from publishing; run setup again once the kms step succeeds".into()],
        })
    }

    async fn update(&self, ctx: &Ctx<'_>, _found: &Topic, parts: &[Part]) -> Result<(), AwsError> {
        for part in parts {
            repair(ctx, *part, self.key.as_deref()).await?;
        }
        Ok(())
    }

    async fn delete_detail(&self, _ctx: &Ctx<'_>, _found: &Topic) -> Result<Vec<String>, AwsError> {
        Ok(vec!["and any subscription left on it".into()])
    }

    async fn delete(&self, ctx: &Ctx<'_>, _found: &Topic) -> Result<Vec<String>, AwsError> {
        let region = ctx.region();
        if let Err(e) = ctx
            .aws
            .sns(region)
            .delete_topic()
            .topic_arn(ctx.spec.topic_arn())
            .send()
            .await
        {
            let error = AwsError::from_sdk(SERVICE, region, "DeleteTopic", &e);
            if !error.is(&["NotFound"]) {
                return Err(error);
            }
        }
        Ok(Vec::new())
    }
}

/// One e-mail subscription of the topic, as one managed resource. It takes no
/// tags: the manifest records it as `sns-subscription:<email>`.
pub struct EmailSubscription {
    pub email: String,
    /// What the manifest records for it (an ARN, or [`PENDING`]).
    pub recorded: Option<String>,
}

impl Managed for EmailSubscription {
    type Found = Listed;
    /// Nothing of a subscription is repaired in place.
    type Part = ();
    const SERVICE: &'static str = SERVICE;
    const READ: &'static str = "ListSubscriptionsByTopic";

    fn kind(&self) -> String {
        kind::SUBSCRIPTION.into()
    }

    fn key(&self) -> String {
        subscription_kind(&self.email)
    }

    fn name(&self, _ctx: &Ctx<'_>, _found: Option<&Listed>) -> String {
        self.email.clone()
    }

    /// Listed on the topic; none while the topic does not exist.
    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<Listed>, AwsError> {
        let listed = match list_subscriptions(ctx, &ctx.spec.topic_arn()).await {
            Ok(listed) => listed,
            Err(error) if error.is(&["NotFound"]) => return Ok(None),
            Err(error) => return Err(error),
        };
        Ok(listed
            .into_iter()
            .find(|s| s.endpoint.eq_ignore_ascii_case(&self.email)))
    }

    /// The ARN once SNS gives one (a confirmed subscription), so the record
    /// stays exact; until then what was recorded.
    fn id(&self, _ctx: &Ctx<'_>, found: &Listed) -> String {
        if found.arn.starts_with("arn:") {
            found.arn.clone()
        } else {
            self.recorded.clone().unwrap_or_else(|| PENDING.into())
        }
    }

    fn tags<'f>(&self, _found: &'f Listed) -> Option<&'f [(String, String)]> {
        None
    }

    /// Pending confirmation is the recipient's step, not drift.
    fn diff(&self, _ctx: &Ctx<'_>, _found: &Listed) -> Vec<Planned<()>> {
        Vec::new()
    }

    /// An address in `--email` that someone subscribed already is the one
    /// setup wants: taken as setup's.
    fn unowned(&self, _ctx: &Ctx<'_>, _found: &Listed) -> Unowned {
        Unowned::Claim
    }

    fn unwanted(&self, ctx: &Ctx<'_>) -> Option<String> {
        let wanted = ctx
            .spec
            .emails
            .iter()
            .any(|e| e.eq_ignore_ascii_case(&self.email));
        (!wanted).then(|| "no longer in --email".to_string())
    }

    fn create_detail(&self, ctx: &Ctx<'_>) -> Vec<String> {
        vec![format!(
            "e-mail subscription to {}; SNS sends a confirmation link and alerts arrive once it is clicked",
            ctx.spec.topic_arn()
        )]
    }

    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError> {
        let region = ctx.region();
        let out = ctx
            .aws
            .sns(region)
            .subscribe()
            .topic_arn(ctx.spec.topic_arn())
            .protocol(PROTOCOL)
            .endpoint(&self.email)
            .return_subscription_arn(true)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "Subscribe", &e))?;
        *made = Some(
            out.subscription_arn()
                .filter(|a| a.starts_with("arn:"))
                .unwrap_or(PENDING)
                .to_string(),
        );
        Ok(Vec::new())
    }

    async fn update(&self, _ctx: &Ctx<'_>, _found: &Listed, _parts: &[()]) -> Result<(), AwsError> {
        Ok(())
    }

    async fn delete_detail(&self, ctx: &Ctx<'_>, found: &Listed) -> Result<Vec<String>, AwsError> {
        Ok(match self.arn(ctx, found) {
            Some(_) => Vec::new(),
            None => vec!["pending confirmation and SNS gave no ARN to unsubscribe: SNS deletes it after 3 days unless confirmed, and deleting the topic deletes it".into()],
        })
    }

    async fn delete(&self, ctx: &Ctx<'_>, found: &Listed) -> Result<Vec<String>, AwsError> {
        let Some(arn) = self.arn(ctx, found) else {
            return Ok(Vec::new());
        };
        let region = ctx.region();
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
        Ok(Vec::new())
    }
}

impl EmailSubscription {
    /// The ARN to unsubscribe: listed, else recorded; None while pending.
    fn arn(&self, _ctx: &Ctx<'_>, found: &Listed) -> Option<String> {
        [Some(&found.arn), self.recorded.as_ref()]
            .into_iter()
            .flatten()
            .find(|a| a.starts_with("arn:"))
            .cloned()
    }
}

/// The topic with the stack key looked up (see the kms step).
async fn topic(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<AlertTopic, AwsError> {
    Ok(AlertTopic {
        key: crate::aws::provision::kms::key_arn(ctx, manifest).await?,
    })
}

/// The subscriptions setup manages: one per `--email`, then those it created
/// for addresses no longer given (which setup removes).
fn subscriptions(ctx: &Ctx<'_>, manifest: &Manifest) -> Vec<EmailSubscription> {
    let mut out: Vec<EmailSubscription> = ctx
        .spec
        .emails
        .iter()
        .map(|email| EmailSubscription {
            email: email.clone(),
            recorded: manifest.created.get(&subscription_kind(email)).cloned(),
        })
        .collect();
    out.extend(recorded(manifest).into_iter().filter(|s| {
        !ctx.spec
            .emails
            .iter()
            .any(|e| e.eq_ignore_ascii_case(&s.email))
    }));
    out
}

/// Every subscription the manifest lists as created.
fn recorded(manifest: &Manifest) -> Vec<EmailSubscription> {
    manifest
        .created
        .iter()
        .filter_map(|(k, v)| {
            let email = k
                .strip_prefix(kind::SUBSCRIPTION)
                .and_then(|rest| rest.strip_prefix(':'))?;
            Some(EmailSubscription {
                email: email.to_string(),
                recorded: Some(v.clone()),
            })
        })
        .collect()
}

pub async fn ensure(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let mut steps = vec![setup(ctx, manifest, &topic(ctx, manifest).await?).await?];
    for subscription in subscriptions(ctx, manifest) {
        steps.push(setup(ctx, manifest, &subscription).await?);
    }
    Ok(steps)
}

pub async fn inspect(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Vec<Inspection>, AwsError> {
    let mut out: Vec<Inspection> = status(ctx, manifest, &topic(ctx, manifest).await?)
        .await?
        .into_iter()
        .collect();
    for subscription in subscriptions(ctx, manifest) {
        out.extend(status(ctx, manifest, &subscription).await?);
    }
    Ok(out)
}

/// Subscriptions setup created go first (deleting the topic would take them
/// along, but one of ours on a topic that is kept must still go).
pub async fn remove(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let mut steps = Vec::new();
    for subscription in recorded(manifest) {
        steps.push(teardown(ctx, manifest, &subscription).await?);
    }
    // Deleting needs no key: none is looked up (the key may be gone already).
    steps.push(teardown(ctx, manifest, &AlertTopic { key: None }).await?);
    Ok(steps)
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
async fn list_subscriptions(ctx: &Ctx<'_>, arn: &str) -> Result<Vec<Listed>, AwsError> {
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
        .map(|s| Listed {
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
