//! The EventBridge rule that turns AWS Config compliance changes into alerts:
//! every "Config Rules Compliance Change" event of one of our Config rules whose
//! new result is NON_COMPLIANT goes to the alert topic, reshaped by an input
//! transformer into one readable sentence. Real-time alerts with no compute.
//!
//! The rule lives on the default bus (where AWS services publish), is ENABLED
//! and tagged; its single target has the fixed id [`TARGET_ID`], so a repair
//! overwrites our target and leaves any target someone else added alone. The
//! target needs no role: the topic policy (see `sns.rs`) lets
//! events.amazonaws.com publish, and the stack key's policy lets it encrypt.
//!
//! Drift: the pattern (compared as parsed JSON, since EventBridge may reformat
//! it), the state, and our target (missing, another ARN, or another input
//! transformer). Teardown removes every target (a rule with targets cannot be
//! deleted), then the rule.
//!
//! moto 5.2 stores the rule and targets but does not deliver events to an SNS
//! target, so delivery itself is only exercised against AWS.

use crate::aws::error::AwsError;
use crate::aws::provision::{
    kind, setup, status, tag_pairs, tags_text, teardown, Ctx, Inspection, Managed, Step,
};
use crate::core::plan::Planned;
use crate::core::provision::events::{self as plain, rule_changes, Part, Rule};
use crate::core::stack::Manifest;
use aws_sdk_eventbridge::types::{InputTransformer, RuleState, Tag, Target};
use aws_smithy_types::error::operation::BuildError;

const SERVICE: &str = "events";
/// The id of our target on the rule.
pub use crate::core::provision::events::TARGET_ID;

/// The rule, as one managed resource (see [`crate::aws::provision::Managed`]).
pub struct EventRule;

impl Managed for EventRule {
    type Found = Rule;
    type Part = Part;
    const SERVICE: &'static str = SERVICE;
    const READ: &'static str = "DescribeRule";

    fn kind(&self) -> String {
        kind::EVENT_RULE.into()
    }

    fn name(&self, ctx: &Ctx<'_>, _found: Option<&Rule>) -> String {
        ctx.names.event_rule.clone()
    }

    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<Rule>, AwsError> {
        read(ctx).await
    }

    fn id(&self, _ctx: &Ctx<'_>, found: &Rule) -> String {
        found.arn.clone()
    }

    fn tags<'f>(&self, found: &'f Rule) -> Option<&'f [(String, String)]> {
        Some(&found.tags)
    }

    fn diff(&self, ctx: &Ctx<'_>, found: &Rule) -> Vec<Planned<Part>> {
        rule_changes(ctx.spec, found)
    }

    fn create_detail(&self, ctx: &Ctx<'_>) -> Vec<String> {
        vec![
            "on the default bus, ENABLED".into(),
            format!("pattern {}", ctx.spec.event_pattern()),
            format!(
                "target {} ({TARGET_ID}) with an input transformer: {}",
                ctx.spec.topic_arn(),
                ctx.spec.event_input_template()
            ),
            format!("tags {}", tags_text(ctx)),
        ]
    }

    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError> {
        let region = ctx.region();
        let mut request = put_rule(ctx);
        for (k, v) in tag_pairs(ctx.spec) {
            request = request.tags(
                Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(build_error(region, "PutRule"))?,
            );
        }
        let out = request
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "PutRule", &e))?;
        *made = Some(out.rule_arn().map(str::to_string).unwrap_or_else(|| {
            format!(
                "arn:{}:events:{region}:{}:rule/{}",
                ctx.spec.partition, ctx.spec.account, ctx.names.event_rule
            )
        }));
        put_target(ctx).await?;
        Ok(Vec::new())
    }

    async fn update(&self, ctx: &Ctx<'_>, rule: &Rule, parts: &[Part]) -> Result<(), AwsError> {
        for part in parts {
            repair(ctx, rule, *part).await?;
        }
        Ok(())
    }

    async fn delete_detail(&self, _ctx: &Ctx<'_>, rule: &Rule) -> Result<Vec<String>, AwsError> {
        let ids: Vec<&str> = rule.targets.iter().map(|t| t.id.as_str()).collect();
        Ok(vec![format!(
            "after removing its targets ({})",
            if ids.is_empty() {
                "none".to_string()
            } else {
                ids.join(", ")
            }
        )])
    }

    /// Every target goes first: EventBridge refuses to delete a rule that has any.
    async fn delete(&self, ctx: &Ctx<'_>, rule: &Rule) -> Result<Vec<String>, AwsError> {
        let region = ctx.region();
        let name = &ctx.names.event_rule;
        let ids: Vec<String> = rule.targets.iter().map(|t| t.id.clone()).collect();
        let client = ctx.aws.events(region);
        // RemoveTargets takes at most 100 ids per call.
        for chunk in ids.chunks(100) {
            let out = client
                .remove_targets()
                .rule(name)
                .set_ids(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(SERVICE, region, "RemoveTargets", &e))?;
            if let Some(failed) = out.failed_entries().first() {
                return Err(AwsError::local(
                    SERVICE,
                    region,
                    "RemoveTargets",
                    failed.error_code().unwrap_or("FailedEntry"),
                    format!(
                        "target {} of rule {name}: {}",
                        failed.target_id().unwrap_or("?"),
                        failed.error_message().unwrap_or("not removed")
                    ),
                ));
            }
        }
        if let Err(e) = client.delete_rule().name(name).send().await {
            let error = AwsError::from_sdk(SERVICE, region, "DeleteRule", &e);
            if !error.is(&["ResourceNotFoundException"]) {
                return Err(error);
            }
        }
        Ok(Vec::new())
    }
}

pub async fn ensure(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    Ok(vec![setup(ctx, manifest, &EventRule).await?])
}

pub async fn inspect(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Vec<Inspection>, AwsError> {
    Ok(status(ctx, manifest, &EventRule)
        .await?
        .into_iter()
        .collect())
}

pub async fn remove(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    Ok(vec![teardown(ctx, manifest, &EventRule).await?])
}

fn put_rule(
    ctx: &Ctx<'_>,
) -> aws_sdk_eventbridge::operation::put_rule::builders::PutRuleFluentBuilder {
    ctx.aws
        .events(ctx.region())
        .put_rule()
        .name(&ctx.names.event_rule)
        .event_pattern(ctx.spec.event_pattern().to_string())
        .state(RuleState::Enabled)
        .description(format!(
            "compliance {}: Config rule results that turned NON_COMPLIANT, to the alert topic",
            ctx.spec.suffix
        ))
}

async fn put_target(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let region = ctx.region();
    let out = ctx
        .aws
        .events(region)
        .put_targets()
        .rule(&ctx.names.event_rule)
        .targets(target(ctx).map_err(build_error(region, "PutTargets"))?)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "PutTargets", &e))?;
    if let Some(failed) = out.failed_entries().first() {
        return Err(AwsError::local(
            SERVICE,
            region,
            "PutTargets",
            failed.error_code().unwrap_or("FailedEntry"),
            format!(
                "target {} of rule {}: {}",
                failed.target_id().unwrap_or(TARGET_ID),
                ctx.names.event_rule,
                failed.error_message().unwrap_or("not added")
            ),
        ));
    }
    Ok(())
}

fn target(ctx: &Ctx<'_>) -> Result<Target, BuildError> {
    let transformer = InputTransformer::builder()
        .set_input_paths_map(Some(ctx.spec.event_input_paths().into_iter().collect()))
        .input_template(ctx.spec.event_input_template())
        .build()?;
    Target::builder()
        .id(TARGET_ID)
        .arn(ctx.spec.topic_arn())
        .input_transformer(transformer)
        .build()
}

async fn repair(ctx: &Ctx<'_>, rule: &Rule, fix: Part) -> Result<(), AwsError> {
    let region = ctx.region();
    match fix {
        Part::Tags => {
            let mut request = ctx
                .aws
                .events(region)
                .tag_resource()
                .resource_arn(&rule.arn);
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
        }
        // PutRule on an existing rule keeps its tags and targets.
        Part::Rule => {
            put_rule(ctx)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(SERVICE, region, "PutRule", &e))?;
        }
        Part::Target => put_target(ctx).await?,
    }
    Ok(())
}

async fn read(ctx: &Ctx<'_>) -> Result<Option<Rule>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.events(region);
    let name = &ctx.names.event_rule;
    let out = match client.describe_rule().name(name).send().await {
        Ok(out) => out,
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "DescribeRule", &e);
            return if error.is(&["ResourceNotFoundException"]) {
                Ok(None)
            } else {
                Err(error)
            };
        }
    };
    let arn = out.arn().unwrap_or_default().to_string();
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "ListTagsForResource", &e))?
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    let mut targets = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_targets_by_rule()
            .rule(name)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "ListTargetsByRule", &e))?;
        targets.extend(page.targets().iter().map(|t| plain::Target {
            id: t.id().to_string(),
            arn: t.arn().to_string(),
            input: t.input_transformer().map(|i| {
                (
                    i.input_paths_map()
                        .map(|m| m.clone().into_iter().collect())
                        .unwrap_or_default(),
                    i.input_template().to_string(),
                )
            }),
        }));
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    Ok(Some(Rule {
        arn,
        pattern: out
            .event_pattern()
            .and_then(|p| serde_json::from_str(p).ok()),
        state: out
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "unknown".into()),
        tags,
        targets,
    }))
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
