//! AWS Config for the stack: the configuration recorder, the delivery channel,
//! one managed Config rule per catalogue rule with a Config mapping, and the
//! optional aggregator.
//!
//! This is what keeps the account under continuous evaluation on the AWS side:
//! the recorder captures configuration items of the types the catalogue judges,
//! the channel delivers snapshots into the evidence bucket, and the managed
//! rules evaluate the same conditions the local rule files describe.
//!
//! Shape: the rules and the aggregator are managed resources
//! ([`crate::aws::provision::Managed`]: [`StackRule`], [`StackAggregator`]),
//! planned, applied and guarded by the driver; the recorder and the channel
//! still have hand-written steps below (adoption, `--adopt-recorder`, starting
//! the recorder once the channel exists).
//!
//! Decisions:
//! - **One recorder and one channel per account and region.** A recorder that
//!   exists and is not ours is reused and recorded in `manifest.adopted`
//!   (Action::Adopt); teardown leaves it. Its recording group is changed only
//!   with `--adopt-recorder` (our types added, none removed), and it is never
//!   started or stopped by setup. Without the flag the adopt step says which of
//!   our resource types it does not record. A delivery channel that exists and
//!   is not ours is adopted the same way (never changed).
//! - **Which recorder/channel is ours.** Recorders and channels take no tags, so
//!   ownership is the manifest entry *or* the name `compliance-recorder-{suffix}`
//!   / `compliance-channel-{suffix}`: only setup uses those names, and a setup
//!   that failed before its manifest was saved must still recognise (and later
//!   tear down) what it created, or a resumed run would adopt its own recorder
//!   and teardown would leave it behind.
//! - **Rules** are ours when the manifest lists them (`config-rule:<name>`) or
//!   they carry this suffix's tags. A rule under our name that is neither stops
//!   setup with `NameTaken`: its parameters would otherwise be overwritten. A
//!   rule that setup created but that is no longer in `spec.rules` (disabled in
//!   compliance.toml, or removed from the catalogue) is deleted by `ensure`
//!   (Action::Delete), again only while it carries our tags.
//! - **A rule AWS rejects** (unknown identifier, a required parameter missing, a
//!   parameter the managed rule does not take) stops setup with the service
//!   error, its code and request id, and a message naming the Config rule and
//!   the catalogue rule, so the operator knows what to fix in compliance.toml;
//!   running setup again resumes with the rules not yet created. The shipped
//!   catalogue has one such rule: `cfn-stack-no-drift`
//!   (CLOUDFORMATION_STACK_DRIFT_DETECTION_CHECK) requires `cloudformationRoleArn`,
//!   which its rule file leaves empty for compliance.toml to fill in.
//! - **Frequency drift** is compared only for periodic rules: Config may show a
//!   default frequency for a managed rule deployed without one (moto's notes
//!   say the console does), which would be drift that no write can repair. Non-periodic rules are scoped to their
//!   resource types; periodic (account-level) rules take no scope.
//! - **Recording** is part of the recorder: a recorder of ours that is not
//!   recording is drifted, and `ensure` starts it once the channel exists.
//! - **Tags** go with PutConfigRule / PutConfigurationAggregator at creation;
//!   AWS ignores changed tags on a later Put of the same name, so missing tags
//!   on a rule or aggregator of ours are repaired with TagResource.
//! - **The aggregator** exists only while `spec.aggregator_regions` is non-empty
//!   or the scope is `--accounts`/`--organization` (then without regions it
//!   covers every region); a run without any of them deletes the one setup
//!   created. An organisation aggregator goes through the role
//!   `compliance-config-org-{suffix}` (iam.rs, `OrgRole`), created before it.

use crate::aws::error::AwsError;
use crate::aws::provision::{
    kind, setup, status, tag_pairs, teardown, Action, Ctx, Inspection, Managed, State, Step,
};
use crate::core::plan::{Change, Planned};
use crate::core::provision::config::{
    aggregator_changes, channel_diffs, expected_scope, or_none, reasons, recorder_diffs,
    rule_changes, sorted, wanted_aggregator, Aggregator, Channel, ConfigPart, FoundRule, Recorder,
};
use crate::core::stack::{AggregatorScope, ManagedRule, Manifest};
use aws_sdk_config::types::{
    AccountAggregationSource, ConfigRule, ConfigSnapshotDeliveryProperties, ConfigurationRecorder,
    DeliveryChannel, MaximumExecutionFrequency, OrganizationAggregationSource, Owner,
    RecordingGroup, RecordingStrategy, RecordingStrategyType, ResourceType, Scope, Source, Tag,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const SERVICE: &str = "config";

/// What the recorder records: the types the built-in catalogue judges, from
/// the core's resource-type registry.
pub static RECORDED_TYPES: std::sync::LazyLock<Vec<&'static str>> =
    std::sync::LazyLock::new(crate::core::registry::recorded_types);

fn rule_kind(name: &str) -> String {
    format!("{}:{name}", kind::CONFIG_RULE)
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// The account's customer-managed recorder in this region (service-linked
/// recorders belong to other AWS services and are not considered).
async fn read_recorder(ctx: &Ctx<'_>) -> Result<Option<Recorder>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.config(region);
    let out = client
        .describe_configuration_recorders()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "DescribeConfigurationRecorders", &e))?;
    let Some(r) = out
        .configuration_recorders()
        .iter()
        .find(|r| r.service_principal().is_none() && r.name().is_some())
    else {
        return Ok(None);
    };
    let name = r.name().unwrap_or_default().to_string();
    let status = client
        .describe_configuration_recorder_status()
        .configuration_recorder_names(&name)
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk(SERVICE, region, "DescribeConfigurationRecorderStatus", &e)
        })?;
    let recording = status
        .configuration_recorders_status()
        .iter()
        .any(|s| s.recording());
    let group = r.recording_group();
    Ok(Some(Recorder {
        role_arn: r.role_arn().unwrap_or_default().to_string(),
        all_supported: group.is_some_and(|g| g.all_supported()),
        include_global: group.is_some_and(|g| g.include_global_resource_types()),
        types: sorted(
            group
                .map(|g| g.resource_types())
                .unwrap_or_default()
                .iter()
                .map(|t| t.as_str().to_string()),
        ),
        recording,
        name,
    }))
}

async fn read_channel(ctx: &Ctx<'_>) -> Result<Option<Channel>, AwsError> {
    let region = ctx.region();
    let out = ctx
        .aws
        .config(region)
        .describe_delivery_channels()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "DescribeDeliveryChannels", &e))?;
    Ok(out.delivery_channels().first().map(|c| Channel {
        name: c.name().unwrap_or_default().to_string(),
        bucket: c.s3_bucket_name().unwrap_or_default().to_string(),
        prefix: c.s3_key_prefix().unwrap_or_default().to_string(),
        topic: c.sns_topic_arn().unwrap_or_default().to_string(),
        frequency: c
            .config_snapshot_delivery_properties()
            .and_then(|p| p.delivery_frequency())
            .map(|f| f.as_str().to_string())
            .unwrap_or_default(),
    }))
}

/// `InputParameters` as a map of strings; a value AWS holds as a JSON number
/// or boolean compares by its text.
fn parse_parameters(text: Option<&str>) -> BTreeMap<String, String> {
    let text = text.unwrap_or_default().trim();
    if text.is_empty() {
        return BTreeMap::new();
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, v)
            })
            .collect(),
        // Not an object: keep the raw text so it shows as drift.
        _ => [(String::new(), text.to_string())].into(),
    }
}

fn parameters_json(parameters: &BTreeMap<String, String>) -> String {
    Value::Object(
        parameters
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
    .to_string()
}

fn found_rule(r: &ConfigRule) -> FoundRule {
    FoundRule {
        name: r.config_rule_name().unwrap_or_default().to_string(),
        arn: r.config_rule_arn().unwrap_or_default().to_string(),
        owner: r
            .source()
            .map(|s| s.owner().as_str().to_string())
            .unwrap_or_default(),
        identifier: r
            .source()
            .and_then(|s| s.source_identifier())
            .unwrap_or_default()
            .to_string(),
        parameters: parse_parameters(r.input_parameters()),
        frequency: r
            .maximum_execution_frequency()
            .map(|f| f.as_str().to_string()),
        scope_types: sorted(
            r.scope()
                .map(|s| s.compliance_resource_types().to_vec())
                .unwrap_or_default(),
        ),
        state: r
            .config_rule_state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
    }
}

/// Every Config rule of the region, by name.
async fn read_rules(ctx: &Ctx<'_>) -> Result<BTreeMap<String, FoundRule>, AwsError> {
    let region = ctx.region();
    let mut items = ctx
        .aws
        .config(region)
        .describe_config_rules()
        .into_paginator()
        .items()
        .send();
    let mut out = BTreeMap::new();
    while let Some(item) = items.next().await {
        let rule =
            item.map_err(|e| AwsError::from_sdk(SERVICE, region, "DescribeConfigRules", &e))?;
        let found = found_rule(&rule);
        out.insert(found.name.clone(), found);
    }
    Ok(out)
}

async fn read_tags(ctx: &Ctx<'_>, arn: &str) -> Result<Vec<(String, String)>, AwsError> {
    let region = ctx.region();
    let mut items = ctx
        .aws
        .config(region)
        .list_tags_for_resource()
        .resource_arn(arn)
        .into_paginator()
        .items()
        .send();
    let mut out = Vec::new();
    while let Some(item) = items.next().await {
        let tag =
            item.map_err(|e| AwsError::from_sdk(SERVICE, region, "ListTagsForResource", &e))?;
        out.push((
            tag.key().unwrap_or_default().to_string(),
            tag.value().unwrap_or_default().to_string(),
        ));
    }
    Ok(out)
}

fn sdk_tags(ctx: &Ctx<'_>) -> Vec<Tag> {
    tag_pairs(ctx.spec)
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

async fn read_aggregator(ctx: &Ctx<'_>) -> Result<Option<Aggregator>, AwsError> {
    let region = ctx.region();
    let out = ctx
        .aws
        .config(region)
        .describe_configuration_aggregators()
        .configuration_aggregator_names(&ctx.names.aggregator)
        .send()
        .await;
    let out = match out {
        Ok(out) => out,
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "DescribeConfigurationAggregators", &e);
            if error.is(&["NoSuchConfigurationAggregatorException"]) {
                return Ok(None);
            }
            return Err(error);
        }
    };
    Ok(out
        .configuration_aggregators()
        .iter()
        .find(|a| a.configuration_aggregator_name() == Some(ctx.names.aggregator.as_str()))
        .map(|a| {
            let sources = a.account_aggregation_sources();
            let arn = a
                .configuration_aggregator_arn()
                .unwrap_or_default()
                .to_string();
            match a.organization_aggregation_source() {
                Some(org) => Aggregator {
                    arn,
                    regions: sorted(org.aws_regions().to_vec()),
                    all_regions: org.all_aws_regions(),
                    organization: true,
                    role_arn: org.role_arn().to_string(),
                    ..Aggregator::default()
                },
                None => Aggregator {
                    arn,
                    account_ids: sorted(sources.iter().flat_map(|s| s.account_ids().to_vec())),
                    regions: sorted(sources.iter().flat_map(|s| s.aws_regions().to_vec())),
                    all_regions: sources.iter().any(|s| s.all_aws_regions()),
                    ..Aggregator::default()
                },
            }
        }))
}

// ---------------------------------------------------------------------------
// Comparing with the spec
// ---------------------------------------------------------------------------

fn expected_types() -> Vec<String> {
    sorted(RECORDED_TYPES.iter().map(|t| t.to_string()))
}

/// Whether the recorder (or channel) named `name` is the one setup created.
fn owned(manifest: &Manifest, kind: &str, name: &str, our_name: &str) -> bool {
    name == our_name || manifest.created.get(kind).is_some_and(|n| n == name)
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// Adds `missing` types to someone else's recorder, keeping its name, role and
/// every type it already records.
async fn extend_recorder(ctx: &Ctx<'_>, r: &Recorder, missing: &[&str]) -> Result<(), AwsError> {
    let region = ctx.region();
    let types: Vec<ResourceType> = r
        .types
        .iter()
        .map(String::as_str)
        .chain(missing.iter().copied())
        .map(ResourceType::from)
        .collect();
    let group = RecordingGroup::builder()
        .all_supported(false)
        .include_global_resource_types(r.include_global)
        .set_resource_types(Some(types))
        .recording_strategy(
            RecordingStrategy::builder()
                .use_only(RecordingStrategyType::InclusionByResourceTypes)
                .build(),
        )
        .build();
    let recorder = ConfigurationRecorder::builder()
        .name(&r.name)
        .role_arn(&r.role_arn)
        .recording_group(group)
        .build();
    ctx.aws
        .config(region)
        .put_configuration_recorder()
        .configuration_recorder(recorder)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "PutConfigurationRecorder", &e))?;
    Ok(())
}

async fn put_recorder(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let region = ctx.region();
    let group = RecordingGroup::builder()
        .all_supported(false)
        .include_global_resource_types(false)
        .set_resource_types(Some(
            RECORDED_TYPES
                .iter()
                .map(|t| ResourceType::from(*t))
                .collect(),
        ))
        .recording_strategy(
            RecordingStrategy::builder()
                .use_only(RecordingStrategyType::InclusionByResourceTypes)
                .build(),
        )
        .build();
    let recorder = ConfigurationRecorder::builder()
        .name(&ctx.names.recorder)
        .role_arn(ctx.spec.role_arn())
        .recording_group(group)
        .build();
    ctx.aws
        .config(region)
        .put_configuration_recorder()
        .configuration_recorder(recorder)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "PutConfigurationRecorder", &e))?;
    Ok(())
}

async fn start_recorder(ctx: &Ctx<'_>, name: &str) -> Result<(), AwsError> {
    let region = ctx.region();
    ctx.aws
        .config(region)
        .start_configuration_recorder()
        .configuration_recorder_name(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "StartConfigurationRecorder", &e))?;
    Ok(())
}

async fn put_channel(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let region = ctx.region();
    let channel = DeliveryChannel::builder()
        .name(&ctx.names.channel)
        .s3_bucket_name(&ctx.names.bucket)
        .config_snapshot_delivery_properties(
            ConfigSnapshotDeliveryProperties::builder()
                .delivery_frequency(MaximumExecutionFrequency::from(
                    ctx.spec.frequency.as_config(),
                ))
                .build(),
        )
        .build();
    ctx.aws
        .config(region)
        .put_delivery_channel()
        .delivery_channel(channel)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "PutDeliveryChannel", &e))?;
    Ok(())
}

async fn put_rule(ctx: &Ctx<'_>, rule: &ManagedRule) -> Result<(), AwsError> {
    let region = ctx.region();
    let operation = "PutConfigRule";
    let source = Source::builder()
        .owner(Owner::Aws)
        .source_identifier(&rule.identifier)
        .build()
        .map_err(|e| {
            AwsError::local(SERVICE, region, operation, "InvalidRequest", e.to_string())
        })?;
    let mut builder = ConfigRule::builder()
        .config_rule_name(&rule.name)
        .description(format!(
            "compliance rule {} (suffix {})",
            rule.rule_id, ctx.spec.suffix
        ))
        .source(source);
    if !rule.parameters.is_empty() {
        builder = builder.input_parameters(parameters_json(&rule.parameters));
    }
    if rule.periodic {
        builder = builder.maximum_execution_frequency(MaximumExecutionFrequency::from(
            ctx.spec.frequency.as_config(),
        ));
    }
    let scope = expected_scope(rule, ResourceType::values());
    if !scope.is_empty() {
        builder = builder.scope(
            Scope::builder()
                .set_compliance_resource_types(Some(scope))
                .build(),
        );
    }
    ctx.aws
        .config(region)
        .put_config_rule()
        .config_rule(builder.build())
        .set_tags(Some(sdk_tags(ctx)))
        .send()
        .await
        .map_err(|e| {
            let mut error = AwsError::from_sdk(SERVICE, region, operation, &e);
            let advice = if error.is(&["InvalidParameterValueException", "ValidationException"]) {
                "; check the rule's parameters in its rule file or compliance.toml"
            } else {
                ""
            };
            error.message = format!(
                "Config rule {} (catalogue rule {}, managed rule {}): {}{advice}",
                rule.name, rule.rule_id, rule.identifier, error.message
            );
            error
        })?;
    Ok(())
}

async fn tag_resource(ctx: &Ctx<'_>, arn: &str) -> Result<(), AwsError> {
    let region = ctx.region();
    ctx.aws
        .config(region)
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(sdk_tags(ctx)))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "TagResource", &e))?;
    Ok(())
}

/// Deletes a rule; `Ok(false)` when it was already gone.
async fn delete_rule(ctx: &Ctx<'_>, name: &str) -> Result<bool, AwsError> {
    let region = ctx.region();
    match ctx
        .aws
        .config(region)
        .delete_config_rule()
        .config_rule_name(name)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "DeleteConfigRule", &e);
            if error.is(&["NoSuchConfigRuleException"]) {
                Ok(false)
            } else {
                Err(error)
            }
        }
    }
}

/// Creates the aggregator or replaces its whole source with the spec's
/// ([`wanted_aggregator`]): the accounts, or the organisation through the
/// stack's role; the listed regions, or every region (AllAwsRegions) when
/// `--accounts`/`--organization` come without `--regions`.
async fn put_aggregator(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let region = ctx.region();
    let operation = "PutConfigurationAggregator";
    let want = wanted_aggregator(ctx.spec);
    let regions = (!want.all_regions).then(|| want.regions.clone());
    let all_regions = want.all_regions.then_some(true);
    let invalid = |e: aws_smithy_types::error::operation::BuildError| {
        AwsError::local(SERVICE, region, operation, "InvalidRequest", e.to_string())
    };
    let put = ctx
        .aws
        .config(region)
        .put_configuration_aggregator()
        .configuration_aggregator_name(&ctx.names.aggregator);
    let put = if want.organization {
        put.organization_aggregation_source(
            OrganizationAggregationSource::builder()
                .role_arn(&want.role_arn)
                .set_aws_regions(regions)
                .set_all_aws_regions(all_regions)
                .build()
                .map_err(invalid)?,
        )
    } else {
        put.account_aggregation_sources(
            AccountAggregationSource::builder()
                .set_account_ids(Some(want.account_ids.clone()))
                .set_aws_regions(regions)
                .set_all_aws_regions(all_regions)
                .build()
                .map_err(invalid)?,
        )
    };
    put.set_tags(Some(sdk_tags(ctx)))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, operation, &e))?;
    Ok(())
}

async fn delete_aggregator(ctx: &Ctx<'_>) -> Result<bool, AwsError> {
    let region = ctx.region();
    match ctx
        .aws
        .config(region)
        .delete_configuration_aggregator()
        .configuration_aggregator_name(&ctx.names.aggregator)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "DeleteConfigurationAggregator", &e);
            if error.is(&["NoSuchConfigurationAggregatorException"]) {
                Ok(false)
            } else {
                Err(error)
            }
        }
    }
}

// ---------------------------------------------------------------------------
// ensure
// ---------------------------------------------------------------------------

pub async fn ensure(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let mut steps = Vec::new();
    let (mut recorder_step, ours_recorder) = ensure_recorder(ctx, manifest).await?;
    let channel_step = ensure_channel(ctx, manifest).await?;
    if let Some(recorder) = ours_recorder {
        ensure_recording(ctx, &recorder, &mut recorder_step).await?;
    }
    steps.push(recorder_step);
    steps.push(channel_step);
    steps.extend(ensure_rules(ctx, manifest).await?);
    if aggregator_listed(ctx, manifest) {
        steps.push(setup(ctx, manifest, &StackAggregator).await?);
    }
    Ok(steps)
}

/// The recorder step, and the recorder's name and recording status when it is
/// ours (so it is started once the channel exists).
async fn ensure_recorder(
    ctx: &Ctx<'_>,
    manifest: &mut Manifest,
) -> Result<(Step, Option<(String, bool)>), AwsError> {
    let our_name = &ctx.names.recorder;
    match read_recorder(ctx).await? {
        None => {
            let step = Step::new(kind::RECORDER, our_name.clone(), Action::Create)
                .with(format!("role {}", ctx.spec.role_arn()))
                .with(format!(
                    "records {} (allSupported false, includeGlobalResourceTypes false)",
                    RECORDED_TYPES.join(", ")
                ));
            if !ctx.dry_run {
                put_recorder(ctx).await?;
                manifest.adopted.remove(kind::RECORDER);
                manifest
                    .created
                    .insert(kind::RECORDER.into(), our_name.clone());
            }
            Ok((step, Some((our_name.clone(), false))))
        }
        Some(r) if owned(manifest, kind::RECORDER, &r.name, our_name) => {
            let diffs = recorder_diffs(ctx.spec, &expected_types(), &r);
            let step = if diffs.is_empty() {
                Step::new(kind::RECORDER, r.name.clone(), Action::Unchanged)
            } else {
                let mut step = Step::new(kind::RECORDER, r.name.clone(), Action::Update);
                step.detail.extend(diffs.iter().map(Change::detail));
                if !ctx.dry_run {
                    put_recorder(ctx).await?;
                }
                step
            };
            if !ctx.dry_run {
                manifest.adopted.remove(kind::RECORDER);
                manifest
                    .created
                    .insert(kind::RECORDER.into(), r.name.clone());
            }
            Ok((step, Some((r.name, r.recording))))
        }
        Some(r) => {
            // Whatever the manifest said setup created is gone; this one is someone else's.
            let first_time = manifest.adopted.get(kind::RECORDER) != Some(&r.name);
            let step = if first_time {
                let mut missing: Vec<&str> = if r.all_supported {
                    Vec::new()
                } else {
                    RECORDED_TYPES
                        .iter()
                        .copied()
                        .filter(|t| !r.types.iter().any(|f| f == t))
                        .collect()
                };
                let mut step =
                    Step::new(kind::RECORDER, r.name.clone(), Action::Adopt).with(format!(
                        "existing recorder {} is reused and will be left by teardown",
                        r.name
                    ));
                if ctx.spec.adopt_recorder && !missing.is_empty() {
                    // --adopt-recorder: the operator allows adding our types to their recorder.
                    if !ctx.dry_run {
                        extend_recorder(ctx, &r, &missing).await?;
                    }
                    step = step.with(format!(
                        "--adopt-recorder: recording group extended with {}",
                        missing.join(", ")
                    ));
                    missing.clear();
                } else {
                    step = step.with("its recording group is left unchanged (pass --adopt-recorder to extend it)");
                }
                if !missing.is_empty() {
                    step = step.with(format!(
                        "it does not record {}: rules on those types get no evaluations",
                        missing.join(", ")
                    ));
                }
                if !r.recording {
                    step = step.with(
                        "it is not recording; setup does not start a recorder it did not create",
                    );
                }
                step
            } else {
                Step::new(kind::RECORDER, r.name.clone(), Action::Unchanged)
            };
            if !ctx.dry_run {
                manifest.created.remove(kind::RECORDER);
                manifest.adopted.insert(kind::RECORDER.into(), r.name);
            }
            Ok((step, None))
        }
    }
}

async fn ensure_channel(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Step, AwsError> {
    let our_name = &ctx.names.channel;
    match read_channel(ctx).await? {
        None => {
            let step = Step::new(kind::CHANNEL, our_name.clone(), Action::Create)
                .with(format!("bucket {}", ctx.names.bucket))
                .with(format!(
                    "snapshot delivery {}",
                    ctx.spec.frequency.as_config()
                ));
            if !ctx.dry_run {
                put_channel(ctx).await?;
                manifest.adopted.remove(kind::CHANNEL);
                manifest
                    .created
                    .insert(kind::CHANNEL.into(), our_name.clone());
            }
            Ok(step)
        }
        Some(c) if owned(manifest, kind::CHANNEL, &c.name, our_name) => {
            let diffs = channel_diffs(ctx.spec, &c);
            let step = if diffs.is_empty() {
                Step::new(kind::CHANNEL, c.name.clone(), Action::Unchanged)
            } else {
                let mut step = Step::new(kind::CHANNEL, c.name.clone(), Action::Update);
                step.detail.extend(diffs.iter().map(Change::detail));
                if !ctx.dry_run {
                    put_channel(ctx).await?;
                }
                step
            };
            if !ctx.dry_run {
                manifest.adopted.remove(kind::CHANNEL);
                manifest.created.insert(kind::CHANNEL.into(), c.name);
            }
            Ok(step)
        }
        Some(c) => {
            let first_time = manifest.adopted.get(kind::CHANNEL) != Some(&c.name);
            let step = if first_time {
                Step::new(kind::CHANNEL, c.name.clone(), Action::Adopt)
                    .with(format!(
                        "existing delivery channel {} is reused and will be left by teardown",
                        c.name
                    ))
                    .with(format!(
                        "it delivers to bucket {} every {}, not to the evidence bucket; left unchanged",
                        or_none(&c.bucket),
                        or_none(&c.frequency)
                    ))
            } else {
                Step::new(kind::CHANNEL, c.name.clone(), Action::Unchanged)
            };
            if !ctx.dry_run {
                manifest.created.remove(kind::CHANNEL);
                manifest.adopted.insert(kind::CHANNEL.into(), c.name);
            }
            Ok(step)
        }
    }
}

/// Starts a recorder of ours that is not recording; the change is a detail of
/// the recorder's step.
async fn ensure_recording(
    ctx: &Ctx<'_>,
    (name, recording): &(String, bool),
    step: &mut Step,
) -> Result<(), AwsError> {
    if *recording {
        return Ok(());
    }
    if step.action == Action::Create {
        step.detail.push("recording started".into());
    } else {
        step.action = Action::Update;
        step.detail.push("recording stopped -> started".into());
    }
    if !ctx.dry_run {
        start_recorder(ctx, name).await?;
    }
    Ok(())
}

/// A rule as read: its settings and tags.
pub struct ReadRule {
    rule: FoundRule,
    tags: Vec<(String, String)>,
}

/// One Config rule, as one managed resource: a rule of the spec (`want`), or
/// one setup created that the spec no longer has (which setup deletes).
/// `listed` is what one DescribeConfigRules listing of the region found under
/// its name, so the rules cost one listing, not one call each.
pub struct StackRule<'s> {
    name: String,
    want: Option<&'s ManagedRule>,
    listed: Option<FoundRule>,
}

impl Managed for StackRule<'_> {
    type Found = ReadRule;
    type Part = ConfigPart;
    const SERVICE: &'static str = SERVICE;
    const READ: &'static str = "DescribeConfigRules";

    fn kind(&self) -> String {
        rule_kind(&self.name)
    }

    fn name(&self, _ctx: &Ctx<'_>, _found: Option<&ReadRule>) -> String {
        self.name.clone()
    }

    /// A rule being deleted counts as gone.
    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<ReadRule>, AwsError> {
        let Some(rule) = self.listed.clone().filter(|f| !f.deleting()) else {
            return Ok(None);
        };
        let tags = read_tags(ctx, &rule.arn).await?;
        Ok(Some(ReadRule { rule, tags }))
    }

    fn id(&self, _ctx: &Ctx<'_>, _found: &ReadRule) -> String {
        self.name.clone()
    }

    fn tags<'f>(&self, found: &'f ReadRule) -> Option<&'f [(String, String)]> {
        Some(&found.tags)
    }

    fn diff(&self, ctx: &Ctx<'_>, found: &ReadRule) -> Vec<Planned<ConfigPart>> {
        match self.want {
            Some(want) => rule_changes(
                ctx.spec,
                want,
                &found.rule,
                &found.tags,
                ResourceType::values(),
            ),
            None => Vec::new(),
        }
    }

    fn unwanted(&self, _ctx: &Ctx<'_>) -> Option<String> {
        self.want.is_none().then(|| {
            "no longer among the rules to deploy (disabled in compliance.toml or removed from the catalogue)".to_string()
        })
    }

    fn create_detail(&self, ctx: &Ctx<'_>) -> Vec<String> {
        let Some(rule) = self.want else {
            return Vec::new();
        };
        let mut detail = vec![format!("managed rule {}", rule.identifier)];
        if !rule.parameters.is_empty() {
            detail.push(format!("parameters {}", parameters_json(&rule.parameters)));
        }
        if rule.periodic {
            detail.push(format!(
                "MaximumExecutionFrequency {}",
                ctx.spec.frequency.as_config()
            ));
        }
        let scope = expected_scope(rule, ResourceType::values());
        if !scope.is_empty() {
            detail.push(format!("scope {}", scope.join(", ")));
        }
        detail
    }

    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError> {
        if let Some(rule) = self.want {
            put_rule(ctx, rule).await?;
            *made = Some(self.name.clone());
        }
        Ok(Vec::new())
    }

    async fn update(
        &self,
        ctx: &Ctx<'_>,
        found: &ReadRule,
        parts: &[ConfigPart],
    ) -> Result<(), AwsError> {
        for part in parts {
            match (part, self.want) {
                (ConfigPart::Put, Some(rule)) => put_rule(ctx, rule).await?,
                (ConfigPart::Tags, _) => tag_resource(ctx, &found.rule.arn).await?,
                (ConfigPart::Put, None) => {}
            }
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx<'_>, _found: &ReadRule) -> Result<Vec<String>, AwsError> {
        delete_rule(ctx, &self.name).await?;
        Ok(Vec::new())
    }
}

/// The rules setup manages: every rule of the spec, then those it created
/// that the spec no longer has.
async fn stack_rules<'s>(
    ctx: &Ctx<'s>,
    manifest: &Manifest,
) -> Result<Vec<StackRule<'s>>, AwsError> {
    let mut listed = read_rules(ctx).await?;
    let spec: &'s crate::core::stack::StackSpec = ctx.spec;
    let mut out: Vec<StackRule<'s>> = spec
        .rules
        .iter()
        .map(|rule| StackRule {
            name: rule.name.clone(),
            want: Some(rule),
            listed: listed.remove(&rule.name),
        })
        .collect();
    let prefix = format!("{}:", kind::CONFIG_RULE);
    let wanted: BTreeSet<&str> = spec.rules.iter().map(|r| r.name.as_str()).collect();
    let stale: Vec<String> = manifest
        .created
        .iter()
        .filter(|(k, _)| k.starts_with(&prefix))
        .map(|(_, name)| name.clone())
        .filter(|name| !wanted.contains(name.as_str()))
        .collect();
    out.extend(stale.into_iter().map(|name| StackRule {
        listed: listed.remove(&name),
        name,
        want: None,
    }));
    Ok(out)
}

async fn ensure_rules(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let mut steps = Vec::new();
    for rule in stack_rules(ctx, manifest).await? {
        steps.push(setup(ctx, manifest, &rule).await?);
    }
    Ok(steps)
}

/// The aggregator as read: its sources and tags.
pub struct ReadAggregator {
    aggregator: Aggregator,
    tags: Vec<(String, String)>,
}

/// The optional aggregator, as one managed resource: wanted while
/// `spec.aggregator_regions` is non-empty or the scope is `--accounts` /
/// `--organization`; otherwise the one setup created is removed (under the
/// teardown guard). Its source (accounts, organisation and role, regions) is
/// compared by the core's `aggregator_diffs` and repaired with one Put.
pub struct StackAggregator;

impl Managed for StackAggregator {
    type Found = ReadAggregator;
    type Part = ConfigPart;
    const SERVICE: &'static str = SERVICE;
    const READ: &'static str = "DescribeConfigurationAggregators";

    fn kind(&self) -> String {
        kind::AGGREGATOR.into()
    }

    fn name(&self, ctx: &Ctx<'_>, _found: Option<&ReadAggregator>) -> String {
        ctx.names.aggregator.clone()
    }

    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<ReadAggregator>, AwsError> {
        let Some(aggregator) = read_aggregator(ctx).await? else {
            return Ok(None);
        };
        let tags = read_tags(ctx, &aggregator.arn).await?;
        Ok(Some(ReadAggregator { aggregator, tags }))
    }

    fn id(&self, ctx: &Ctx<'_>, _found: &ReadAggregator) -> String {
        ctx.names.aggregator.clone()
    }

    fn tags<'f>(&self, found: &'f ReadAggregator) -> Option<&'f [(String, String)]> {
        Some(&found.tags)
    }

    fn diff(&self, ctx: &Ctx<'_>, found: &ReadAggregator) -> Vec<Planned<ConfigPart>> {
        aggregator_changes(ctx.spec, &found.aggregator, &found.tags)
    }

    fn unwanted(&self, ctx: &Ctx<'_>) -> Option<String> {
        (!ctx.spec.wants_aggregator()).then(|| {
            "no --regions, --accounts or --organization given: the aggregator is no longer wanted"
                .to_string()
        })
    }

    fn create_detail(&self, ctx: &Ctx<'_>) -> Vec<String> {
        let want = wanted_aggregator(ctx.spec);
        let source = match &ctx.spec.aggregator_scope {
            AggregatorScope::Account => format!("account {}", ctx.spec.account),
            AggregatorScope::Accounts(_) => format!("accounts {}", want.account_ids.join(", ")),
            AggregatorScope::Organization => {
                format!("the organisation, through role {}", want.role_arn)
            }
        };
        let regions = if want.all_regions {
            "all regions".to_string()
        } else {
            format!("regions {}", ctx.spec.aggregator_regions.join(", "))
        };
        vec![source, regions]
    }

    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError> {
        put_aggregator(ctx).await?;
        *made = Some(ctx.names.aggregator.clone());
        Ok(Vec::new())
    }

    async fn update(
        &self,
        ctx: &Ctx<'_>,
        found: &ReadAggregator,
        parts: &[ConfigPart],
    ) -> Result<(), AwsError> {
        for part in parts {
            match part {
                ConfigPart::Put => put_aggregator(ctx).await?,
                ConfigPart::Tags => tag_resource(ctx, &found.aggregator.arn).await?,
            }
        }
        Ok(())
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_>,
        _found: &ReadAggregator,
    ) -> Result<Vec<String>, AwsError> {
        delete_aggregator(ctx).await?;
        Ok(Vec::new())
    }
}

/// Whether the aggregator has a place in setup's and status's list: wanted
/// (regions given), or one setup created that is to go. (A run without
/// regions and without one says nothing of aggregators.)
fn aggregator_listed(ctx: &Ctx<'_>, manifest: &Manifest) -> bool {
    ctx.spec.wants_aggregator() || manifest.owns(kind::AGGREGATOR)
}

// ---------------------------------------------------------------------------
// inspect
// ---------------------------------------------------------------------------

pub async fn inspect(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Vec<Inspection>, AwsError> {
    let mut out = Vec::new();

    out.push(match read_recorder(ctx).await? {
        None => Inspection::new(kind::RECORDER, ctx.names.recorder.clone(), State::Missing),
        Some(r) if owned(manifest, kind::RECORDER, &r.name, &ctx.names.recorder) => {
            let mut why = reasons(&recorder_diffs(ctx.spec, &expected_types(), &r));
            if !r.recording {
                why.push("recording: expected true, found false (stopped)".into());
            }
            let state = if why.is_empty() {
                State::Present
            } else {
                State::Drifted(why)
            };
            Inspection::new(kind::RECORDER, r.name, state)
        }
        Some(r) => {
            let mut why = vec!["adopted: not created by setup".to_string()];
            if !r.recording {
                why.push("not recording".into());
            }
            Inspection::new(kind::RECORDER, r.name, State::Foreign(why))
        }
    });

    out.push(match read_channel(ctx).await? {
        None => Inspection::new(kind::CHANNEL, ctx.names.channel.clone(), State::Missing),
        Some(c) if owned(manifest, kind::CHANNEL, &c.name, &ctx.names.channel) => {
            let why = reasons(&channel_diffs(ctx.spec, &c));
            let state = if why.is_empty() {
                State::Present
            } else {
                State::Drifted(why)
            };
            Inspection::new(kind::CHANNEL, c.name, state)
        }
        Some(c) => Inspection::new(
            kind::CHANNEL,
            c.name.clone(),
            State::Foreign(vec![
                "adopted: not created by setup".into(),
                format!("delivers to bucket {}", or_none(&c.bucket)),
            ]),
        ),
    });

    for rule in stack_rules(ctx, manifest).await? {
        out.extend(status(ctx, manifest, &rule).await?);
    }

    if aggregator_listed(ctx, manifest) {
        out.extend(status(ctx, manifest, &StackAggregator).await?);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// remove
// ---------------------------------------------------------------------------

pub async fn remove(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let mut steps = Vec::new();

    // One setup created, or one under our name (then kept, and said so).
    if manifest.owns(kind::AGGREGATOR) || read_aggregator(ctx).await?.is_some() {
        steps.push(teardown(ctx, manifest, &StackAggregator).await?);
    }

    // The spec's rules and every rule the manifest lists; the driver's guard
    // deletes only those recorded as created and still tagged ours.
    for rule in stack_rules(ctx, manifest).await? {
        if rule.listed.is_some() || manifest.owns(&rule.kind()) {
            steps.push(teardown(ctx, manifest, &rule).await?);
        }
    }

    steps.extend(remove_recorder_and_channel(ctx, manifest).await?);
    Ok(steps)
}

/// Stops and deletes the recorder and deletes the channel, each only if setup
/// created it; the channel goes before the recorder, as AWS requires a stopped
/// recorder to delete the last channel.
async fn remove_recorder_and_channel(
    ctx: &Ctx<'_>,
    manifest: &mut Manifest,
) -> Result<Vec<Step>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.config(region);
    let recorder = read_recorder(ctx).await?;
    let channel = read_channel(ctx).await?;

    let recorder_is_ours = recorder
        .as_ref()
        .is_some_and(|r| manifest.created.get(kind::RECORDER) == Some(&r.name));
    let channel_is_ours = channel
        .as_ref()
        .is_some_and(|c| manifest.created.get(kind::CHANNEL) == Some(&c.name));

    let mut recorder_step = match &recorder {
        Some(r) if recorder_is_ours => {
            let mut step = Step::new(kind::RECORDER, r.name.clone(), Action::Delete);
            if r.recording {
                step = step.with("stop recording");
                if !ctx.dry_run {
                    client
                        .stop_configuration_recorder()
                        .configuration_recorder_name(&r.name)
                        .send()
                        .await
                        .map_err(|e| {
                            AwsError::from_sdk(SERVICE, region, "StopConfigurationRecorder", &e)
                        })?;
                }
            }
            Some(step.with("created by setup"))
        }
        Some(r) => Some(
            Step::new(kind::RECORDER, r.name.clone(), Action::Keep).with(
                if manifest.adopted.get(kind::RECORDER) == Some(&r.name) {
                    "adopted: existed before setup, left in place"
                } else {
                    "not created by setup, left in place"
                },
            ),
        ),
        None if manifest.owns(kind::RECORDER) => {
            let name = manifest
                .created
                .get(kind::RECORDER)
                .cloned()
                .unwrap_or_default();
            if !ctx.dry_run {
                manifest.created.remove(kind::RECORDER);
            }
            Some(Step::new(kind::RECORDER, name, Action::Absent))
        }
        None => None,
    };

    let channel_step = match &channel {
        Some(c) if channel_is_ours => {
            let step =
                Step::new(kind::CHANNEL, c.name.clone(), Action::Delete).with("created by setup");
            if ctx.dry_run {
                Some(step)
            } else {
                match client
                    .delete_delivery_channel()
                    .delivery_channel_name(&c.name)
                    .send()
                    .await
                {
                    Ok(_) => {
                        manifest.created.remove(kind::CHANNEL);
                        Some(step)
                    }
                    Err(e) => {
                        let error =
                            AwsError::from_sdk(SERVICE, region, "DeleteDeliveryChannel", &e);
                        if error.is(&["NoSuchDeliveryChannelException"]) {
                            manifest.created.remove(kind::CHANNEL);
                            Some(Step::new(kind::CHANNEL, c.name.clone(), Action::Absent))
                        } else if error.is(&["LastDeliveryChannelDeleteFailedException"]) {
                            // The recorder using it is not ours and is recording.
                            Some(Step::new(kind::CHANNEL, c.name.clone(), Action::Keep).with(
                                format!(
                                    "the recorder that is not ours still records through it: {}",
                                    error.message
                                ),
                            ))
                        } else {
                            return Err(error);
                        }
                    }
                }
            }
        }
        Some(c) => Some(Step::new(kind::CHANNEL, c.name.clone(), Action::Keep).with(
            if manifest.adopted.get(kind::CHANNEL) == Some(&c.name) {
                "adopted: existed before setup, left in place"
            } else {
                "not created by setup, left in place"
            },
        )),
        None if manifest.owns(kind::CHANNEL) => {
            let name = manifest
                .created
                .get(kind::CHANNEL)
                .cloned()
                .unwrap_or_default();
            if !ctx.dry_run {
                manifest.created.remove(kind::CHANNEL);
            }
            Some(Step::new(kind::CHANNEL, name, Action::Absent))
        }
        None => None,
    };

    if let (Some(r), true) = (&recorder, recorder_is_ours) {
        if !ctx.dry_run {
            match client
                .delete_configuration_recorder()
                .configuration_recorder_name(&r.name)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) => {
                    let error =
                        AwsError::from_sdk(SERVICE, region, "DeleteConfigurationRecorder", &e);
                    if error.is(&["NoSuchConfigurationRecorderException"]) {
                        recorder_step =
                            Some(Step::new(kind::RECORDER, r.name.clone(), Action::Absent));
                    } else {
                        return Err(error);
                    }
                }
            }
            manifest.created.remove(kind::RECORDER);
        }
    }

    // Reverse of setup: the channel is reported before the recorder.
    Ok(channel_step.into_iter().chain(recorder_step).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(periodic: bool) -> ManagedRule {
        ManagedRule {
            rule_id: "ec2-instance-type-approved".into(),
            name: "compliance-ec2-instance-type-approved-dev".into(),
            identifier: "DESIRED_INSTANCE_TYPE".into(),
            parameters: [("instanceType".to_string(), "t3.micro,t3.small".to_string())].into(),
            periodic,
            resource_types: vec!["AWS::EC2::Instance".into()],
        }
    }

    #[test]
    fn parameters_round_trip_and_numbers_compare_as_text() {
        let want = rule(false);
        let text = parameters_json(&want.parameters);
        assert_eq!(parse_parameters(Some(&text)), want.parameters);
        let numbers = parse_parameters(Some(
            r#"{"MinimumPasswordLength":14,"RequireSymbols":true}"#,
        ));
        assert_eq!(numbers["MinimumPasswordLength"], "14");
        assert_eq!(numbers["RequireSymbols"], "true");
        assert!(parse_parameters(None).is_empty() && parse_parameters(Some(" ")).is_empty());
        assert_eq!(
            parse_parameters(Some("[1]")).len(),
            1,
            "a non-object is kept to show as drift"
        );
    }
}
