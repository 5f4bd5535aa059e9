//! AWS Config for the stack: the configuration recorder, the delivery channel,
//! one managed Config rule per catalogue rule with a Config mapping, and the
//! optional aggregator.
//!
//! This is what keeps the account under continuous evaluation on the AWS side:
//! the recorder captures configuration items of the types the catalogue judges,
//! the channel delivers snapshots into the evidence bucket, and the managed
//! rules evaluate the same conditions the local rule files describe.
//!
//! Shape: every resource here is a managed resource
//! ([`crate::aws::provision::Managed`]: [`StackRecorder`], [`StackChannel`],
//! [`StackRule`], [`StackAggregator`]), planned, applied and guarded by the
//! driver; this file reads, writes and says what adopting means, and decides
//! nothing about dry runs or deletion.
//!
//! Decisions:
//! - **One recorder and one channel per account and region.** A recorder that
//!   exists and is not ours is reused and recorded in `manifest.adopted`
//!   (Action::Adopt the first time, with what that means; unchanged after);
//!   teardown leaves it. Its recording group is changed only with
//!   `--adopt-recorder`, on the first run or any later one (our types added,
//!   none removed), and it is never started or stopped by setup. Without the
//!   flag the adopt step says which of our resource types it does not record.
//!   A delivery channel that exists and is not ours is adopted the same way
//!   (never changed).
//! - **Which recorder/channel is ours.** Recorders and channels take no tags, so
//!   ownership is the manifest entry *or* the name `compliance-recorder-{suffix}`
//!   / `compliance-channel-{suffix}` (`Unowned::Claim`): only setup uses those
//!   names, and a setup that failed before its manifest was saved must still
//!   recognise what it created (the resumed run records it, so teardown removes
//!   it), or it would adopt its own recorder and teardown would leave it
//!   behind. A manifest entry counts only for the recorder of that name.
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
//!   recording is drifted (`recording stopped -> started`); starting it is a
//!   part that waits for the channel (the driver's `setup_staged`, then
//!   `finish` after the channel), since AWS starts no recorder without one.
//! - **Teardown** deletes our recorder (stopped first) before our channel, as
//!   AWS keeps the last channel while a recorder records through it, and lists
//!   the channel first (the reverse of setup). A channel of ours that someone
//!   else's recording recorder still uses is kept, and stays in the manifest.
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
    finish, kind, setup, setup_staged, status, tag_pairs, teardown, Ctx, Inspection, Managed, Step,
};
use crate::core::plan::{Adoption, Planned, Unowned};
use crate::core::provision::config::{
    aggregator_changes, channel_adoption, channel_changes, expected_scope, missing_types,
    recorder_adoption, recorder_changes, rule_changes, sorted, wanted_aggregator, Aggregator,
    Channel, ConfigPart, FoundRule, Recorder, RecorderPart,
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
    // A recorder of ours is started only once the delivery channel exists.
    let recorder = setup_staged(ctx, manifest, &StackRecorder).await?;
    let channel_step = setup(ctx, manifest, &StackChannel).await?;
    steps.push(finish(ctx, &StackRecorder, recorder).await?);
    steps.push(channel_step);
    steps.extend(ensure_rules(ctx, manifest).await?);
    if aggregator_listed(ctx, manifest) {
        steps.push(setup(ctx, manifest, &StackAggregator).await?);
    }
    Ok(steps)
}

/// The region's recorder, as one managed resource. It takes no tags: it is
/// ours when the manifest lists it as created under its name, or by its name
/// (`compliance-recorder-{suffix}`, used by setup alone, so a setup that failed
/// before saving its manifest still knows its own recorder); anyone else's is
/// adopted (see [`recorder_adoption`]). Recording is a part of its own that
/// waits for the delivery channel.
pub struct StackRecorder;

impl Managed for StackRecorder {
    type Found = Recorder;
    type Part = RecorderPart;
    const SERVICE: &'static str = SERVICE;
    const READ: &'static str = "DescribeConfigurationRecorders";

    fn kind(&self) -> String {
        kind::RECORDER.into()
    }

    fn name(&self, ctx: &Ctx<'_>, found: Option<&Recorder>) -> String {
        found.map_or_else(|| ctx.names.recorder.clone(), |r| r.name.clone())
    }

    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<Recorder>, AwsError> {
        read_recorder(ctx).await
    }

    fn id(&self, _ctx: &Ctx<'_>, found: &Recorder) -> String {
        found.name.clone()
    }

    fn tags<'f>(&self, _found: &'f Recorder) -> Option<&'f [(String, String)]> {
        None
    }

    fn diff(&self, ctx: &Ctx<'_>, found: &Recorder) -> Vec<Planned<RecorderPart>> {
        recorder_changes(ctx.spec, &expected_types(), found)
    }

    fn unowned(&self, ctx: &Ctx<'_>, found: &Recorder) -> Unowned {
        if found.name == ctx.names.recorder {
            Unowned::Claim
        } else {
            Unowned::Adopt
        }
    }

    fn recorded_as(&self, id: &str, found: &Recorder) -> bool {
        id == found.name
    }

    fn adoption(&self, ctx: &Ctx<'_>, found: &Recorder) -> Adoption<RecorderPart> {
        recorder_adoption(ctx.spec, &expected_types(), found)
    }

    fn waits(&self, part: &RecorderPart) -> bool {
        *part == RecorderPart::Start
    }

    fn after_create(&self) -> Vec<RecorderPart> {
        vec![RecorderPart::Start]
    }

    fn create_detail(&self, ctx: &Ctx<'_>) -> Vec<String> {
        vec![
            format!("role {}", ctx.spec.role_arn()),
            format!(
                "records {} (allSupported false, includeGlobalResourceTypes false)",
                RECORDED_TYPES.join(", ")
            ),
            "recording started".into(),
        ]
    }

    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError> {
        put_recorder(ctx).await?;
        *made = Some(ctx.names.recorder.clone());
        Ok(Vec::new())
    }

    async fn update(
        &self,
        ctx: &Ctx<'_>,
        found: &Recorder,
        parts: &[RecorderPart],
    ) -> Result<(), AwsError> {
        for part in parts {
            match part {
                RecorderPart::Put => put_recorder(ctx).await?,
                RecorderPart::Start => start_recorder(ctx, &found.name).await?,
                RecorderPart::Extend => {
                    let wanted = expected_types();
                    let missing = missing_types(&wanted, found);
                    if !missing.is_empty() {
                        extend_recorder(ctx, found, &missing).await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn delete_detail(
        &self,
        _ctx: &Ctx<'_>,
        found: &Recorder,
    ) -> Result<Vec<String>, AwsError> {
        let mut detail = Vec::new();
        if found.recording {
            detail.push("stop recording".to_string());
        }
        detail.push("created by setup".to_string());
        Ok(detail)
    }

    /// Stopped first: AWS deletes the last delivery channel only once no
    /// recorder records through it.
    async fn delete(&self, ctx: &Ctx<'_>, found: &Recorder) -> Result<Vec<String>, AwsError> {
        let region = ctx.region();
        let client = ctx.aws.config(region);
        if found.recording {
            client
                .stop_configuration_recorder()
                .configuration_recorder_name(&found.name)
                .send()
                .await
                .map_err(|e| {
                    AwsError::from_sdk(SERVICE, region, "StopConfigurationRecorder", &e)
                })?;
        }
        if let Err(e) = client
            .delete_configuration_recorder()
            .configuration_recorder_name(&found.name)
            .send()
            .await
        {
            let error = AwsError::from_sdk(SERVICE, region, "DeleteConfigurationRecorder", &e);
            if !error.is(&["NoSuchConfigurationRecorderException"]) {
                return Err(error);
            }
        }
        Ok(Vec::new())
    }
}

/// The region's delivery channel, as one managed resource: ours by the
/// manifest or by its name (`compliance-channel-{suffix}`), like the
/// recorder; anyone else's is adopted and never changed.
pub struct StackChannel;

impl Managed for StackChannel {
    type Found = Channel;
    type Part = ConfigPart;
    const SERVICE: &'static str = SERVICE;
    const READ: &'static str = "DescribeDeliveryChannels";

    fn kind(&self) -> String {
        kind::CHANNEL.into()
    }

    fn name(&self, ctx: &Ctx<'_>, found: Option<&Channel>) -> String {
        found.map_or_else(|| ctx.names.channel.clone(), |c| c.name.clone())
    }

    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<Channel>, AwsError> {
        read_channel(ctx).await
    }

    fn id(&self, _ctx: &Ctx<'_>, found: &Channel) -> String {
        found.name.clone()
    }

    fn tags<'f>(&self, _found: &'f Channel) -> Option<&'f [(String, String)]> {
        None
    }

    fn diff(&self, ctx: &Ctx<'_>, found: &Channel) -> Vec<Planned<ConfigPart>> {
        channel_changes(ctx.spec, found)
    }

    fn unowned(&self, ctx: &Ctx<'_>, found: &Channel) -> Unowned {
        if found.name == ctx.names.channel {
            Unowned::Claim
        } else {
            Unowned::Adopt
        }
    }

    fn recorded_as(&self, id: &str, found: &Channel) -> bool {
        id == found.name
    }

    fn adoption(&self, _ctx: &Ctx<'_>, found: &Channel) -> Adoption<ConfigPart> {
        channel_adoption(found)
    }

    fn create_detail(&self, ctx: &Ctx<'_>) -> Vec<String> {
        vec![
            format!("bucket {}", ctx.names.bucket),
            format!("snapshot delivery {}", ctx.spec.frequency.as_config()),
        ]
    }

    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError> {
        put_channel(ctx).await?;
        *made = Some(ctx.names.channel.clone());
        Ok(Vec::new())
    }

    /// Every setting goes with the one PutDeliveryChannel.
    async fn update(
        &self,
        ctx: &Ctx<'_>,
        _found: &Channel,
        parts: &[ConfigPart],
    ) -> Result<(), AwsError> {
        if !parts.is_empty() {
            put_channel(ctx).await?;
        }
        Ok(())
    }

    async fn delete_detail(
        &self,
        _ctx: &Ctx<'_>,
        _found: &Channel,
    ) -> Result<Vec<String>, AwsError> {
        Ok(vec!["created by setup".to_string()])
    }

    async fn delete(&self, ctx: &Ctx<'_>, found: &Channel) -> Result<Vec<String>, AwsError> {
        let region = ctx.region();
        if let Err(e) = ctx
            .aws
            .config(region)
            .delete_delivery_channel()
            .delivery_channel_name(&found.name)
            .send()
            .await
        {
            let error = AwsError::from_sdk(SERVICE, region, "DeleteDeliveryChannel", &e);
            if !error.is(&["NoSuchDeliveryChannelException"]) {
                return Err(error);
            }
        }
        Ok(Vec::new())
    }

    fn refused(&self, error: &AwsError) -> Option<String> {
        error
            .is(&["LastDeliveryChannelDeleteFailedException"])
            .then(|| {
                format!(
                    "the recorder that is not ours still records through it: {}",
                    error.message
                )
            })
    }
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
    out.extend(status(ctx, manifest, &StackRecorder).await?);
    out.extend(status(ctx, manifest, &StackChannel).await?);

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

    // The recorder goes before the channel (stopped, then deleted: AWS keeps
    // the last channel while a recorder records through it) and is reported
    // after it, the reverse of setup. Each only when there is one, or the
    // manifest still lists one.
    let recorder = if manifest.owns(kind::RECORDER) || read_recorder(ctx).await?.is_some() {
        Some(teardown(ctx, manifest, &StackRecorder).await?)
    } else {
        None
    };
    if manifest.owns(kind::CHANNEL) || read_channel(ctx).await?.is_some() {
        steps.push(teardown(ctx, manifest, &StackChannel).await?);
    }
    steps.extend(recorder);
    Ok(steps)
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
