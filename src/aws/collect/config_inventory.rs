//! The AWS Config inventory as a source (`scan --source config`): the
//! configuration items Config already recorded, instead of each service's API.
//!
//! On AWS this is the cheap path: ListDiscoveredResources pages of 100
//! identifiers, then BatchGetResourceConfig for 100 keys a call, so about two
//! calls per hundred resources where the S3 collector needs about eight per
//! bucket. With `--aggregator NAME` the same happens through the aggregator
//! (ListAggregateDiscoveredResources, BatchGetAggregateResourceConfig) across
//! every account and region it covers, from the caller's account alone.
//!
//! The items arrive in the API form (`accountId`, `arn`, `configuration` and
//! each supplementary value as JSON strings) and go through the same
//! normaliser as snapshot files, so the same rules judge them.
//!
//! Gaps are never silent:
//! * A type Config cannot record (the registry's `recorded` flag: our synthetic
//!   IAM account types) or that the region's recorder does not record (its
//!   recording group), or any type in a region with no recorder, gives the
//!   rules for it `error` findings naming the gap: an empty inventory there
//!   says nothing about compliance. A gap is not an AWS failure, so it is not
//!   listed among the scan's errors.
//! * Keys BatchGet leaves unprocessed are asked for once more; what is still
//!   missing is an error and the type is reported unlisted in that region.
//!
//! Types filed under `global` (IAM) are listed in the plan's home region only,
//! where Config records them.

use crate::aws::collect::{paginate, Collected, Plan, Unlisted};
use crate::aws::error::AwsError;
use crate::aws::{iso, Aws};
use crate::core::normalize::normalize_item;
use crate::core::registry;
use crate::core::resource::ConfigItem;
use crate::core::shard::{self, Shard, Unit};
use aws_sdk_config::types::{
    AggregateResourceIdentifier, BaseConfigurationItem, RecordingStrategyType, ResourceKey,
    ResourceType,
};
use futures::stream::StreamExt;
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

const SERVICE: &str = "config";
/// BatchGetResourceConfig and its aggregate form take at most 100 keys.
const BATCH: usize = 100;
/// ListDiscoveredResources pages hold at most 100 identifiers.
const PAGE: i32 = 100;

/// Which types a region's recorder records: `None` when it has no recorder.
async fn recorded_in(
    aws: &Aws,
    region: &str,
    calls: &mut usize,
) -> Result<Option<BTreeSet<String>>, AwsError> {
    *calls += 1;
    let out = aws
        .config(region)
        .describe_configuration_recorders()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "DescribeConfigurationRecorders", &e))?;
    let Some(recorder) = out.configuration_recorders().first() else {
        return Ok(None);
    };
    let recordable = || registry::recorded_types().into_iter().map(str::to_string);
    let types: BTreeSet<String> = match recorder.recording_group() {
        None => recordable().collect(),
        Some(g) if g.all_supported() => recordable().collect(),
        Some(g)
            if g.recording_strategy().and_then(|s| s.use_only())
                == Some(&RecordingStrategyType::ExclusionByResourceTypes) =>
        {
            let excluded: BTreeSet<&str> = g
                .exclusion_by_resource_types()
                .map(|e| e.resource_types().iter().map(|t| t.as_str()).collect())
                .unwrap_or_default();
            recordable()
                .filter(|t| !excluded.contains(t.as_str()))
                .collect()
        }
        Some(g) => g
            .resource_types()
            .iter()
            .map(|t| t.as_str().to_string())
            .collect(),
    };
    Ok(Some(types))
}

/// A gap: the type's rules get `error` findings in `region`, without an AWS error.
fn gap(out: &mut Collected, resource_type: &str, region: &str, why: String) {
    out.unlisted.push(Unlisted {
        resource_type: resource_type.to_string(),
        region: region.to_string(),
        error: AwsError::local(
            SERVICE,
            region,
            "ListDiscoveredResources",
            "NotRecorded",
            why,
        ),
    });
}

/// Reads the plan's types in each of its regions from the account's own Config.
pub async fn collect(aws: &Aws, plan: &Plan, deadline: Duration) -> Collected {
    let work = async {
        let results: Vec<Collected> = futures::stream::iter(plan.regions.iter())
            .map(|region| collect_region(aws, plan, region))
            .buffer_unordered(plan.concurrency.max(1))
            .collect()
            .await;
        let mut out = Collected::default();
        for c in results {
            out.merge(c);
        }
        out
    };
    match tokio::time::timeout(deadline, work).await {
        Ok(c) => c,
        Err(_) => {
            let mut out = Collected::default();
            for region in &plan.regions {
                let error = AwsError::local(
                    SERVICE,
                    region,
                    "scan",
                    "ScanTimeout",
                    format!(
                        "not finished when the scan's time limit ({} s) ran out",
                        deadline.as_secs()
                    ),
                );
                for t in &plan.types {
                    out.unlisted(t, error.clone());
                }
            }
            out
        }
    }
}

async fn collect_region(aws: &Aws, plan: &Plan, region: &str) -> Collected {
    let mut out = Collected::default();
    let home = region == plan.home_region();
    let types: Vec<&String> = plan
        .types
        .iter()
        .filter(|t| home || !registry::lookup(t).is_some_and(|i| i.global))
        .collect();
    if types.is_empty() {
        return out;
    }
    let recorded = match recorded_in(aws, region, &mut out.calls).await {
        Ok(r) => r,
        Err(e) => {
            for t in &types {
                out.unlisted(t, e.clone());
            }
            return out;
        }
    };
    let filed = |t: &str| -> String {
        if registry::lookup(t).is_some_and(|i| i.global) {
            "global".to_string()
        } else {
            region.to_string()
        }
    };
    let mut readable = Vec::new();
    for t in types {
        let recordable = registry::lookup(t).is_some_and(|i| i.recorded);
        match &recorded {
            _ if !recordable => gap(
                &mut out,
                t,
                &filed(t),
                format!("AWS Config does not record {t}; scan it with --source api"),
            ),
            None => gap(
                &mut out,
                t,
                &filed(t),
                format!("no AWS Config recorder in {region}, so nothing is recorded there (compliance setup creates one)"),
            ),
            Some(set) if !set.contains(t.as_str()) => gap(
                &mut out,
                t,
                &filed(t),
                format!("the AWS Config recorder in {region} does not record {t} (compliance setup --adopt-recorder adds it)"),
            ),
            Some(_) => readable.push(t.clone()),
        }
    }
    let client = aws.config(region);
    for t in readable {
        let mut keys: Vec<ResourceKey> = Vec::new();
        let listed = paginate(
            &mut out.calls,
            |token| {
                let req = client
                    .list_discovered_resources()
                    .resource_type(ResourceType::from(t.as_str()))
                    .limit(plan.page(PAGE))
                    .set_next_token(token);
                async move {
                    let page = req.send().await.map_err(|e| {
                        AwsError::from_sdk(SERVICE, region, "ListDiscoveredResources", &e)
                    })?;
                    let next = page.next_token().map(str::to_string);
                    Ok((page, next))
                }
            },
            |page| {
                for id in page.resource_identifiers() {
                    if let (Some(rt), Some(rid)) = (id.resource_type(), id.resource_id()) {
                        if let Ok(key) = ResourceKey::builder()
                            .resource_type(rt.clone())
                            .resource_id(rid)
                            .build()
                        {
                            keys.push(key);
                        }
                    }
                }
            },
        )
        .await;
        if let Err(e) = listed {
            out.unlisted(&t, e);
            continue;
        }
        for chunk in keys.chunks(BATCH) {
            let mut pending: Vec<ResourceKey> = chunk.to_vec();
            // Unprocessed keys are asked for once more.
            for attempt in 0..2 {
                out.calls += 1;
                let got = client
                    .batch_get_resource_config()
                    .set_resource_keys(Some(pending.clone()))
                    .send()
                    .await;
                match got {
                    Ok(got) => {
                        let source: Arc<str> = Arc::from(format!("config:{region}"));
                        for ci in got.base_configuration_items() {
                            match item_of(ci, plan.account.as_deref(), &source) {
                                Ok(item) => out.items.push(item),
                                Err(e) => out.errors.push(e.in_region(region)),
                            }
                        }
                        pending = got.unprocessed_resource_keys().to_vec();
                        if pending.is_empty() {
                            break;
                        }
                        if attempt == 1 {
                            out.unlisted(
                                &t,
                                AwsError::local(
                                    SERVICE,
                                    &filed(&t),
                                    "BatchGetResourceConfig",
                                    "UnprocessedKeys",
                                    format!("{} {t} item(s) left unprocessed twice", pending.len()),
                                ),
                            );
                        }
                    }
                    Err(e) => {
                        let source: Arc<str> = Arc::from(format!("config:{region}"));
                        if let Some((items, left)) =
                            from_raw(ok_body(&e), plan.account.as_deref(), &source)
                        {
                            for item in items {
                                match item {
                                    Ok(item) => out.items.push(item),
                                    Err(e) => out.errors.push(e.in_region(region)),
                                }
                            }
                            if left == 0 {
                                break;
                            }
                            if attempt == 1 {
                                out.unlisted(
                                    &t,
                                    AwsError::local(
                                        SERVICE,
                                        &filed(&t),
                                        "BatchGetResourceConfig",
                                        "UnprocessedKeys",
                                        format!("{left} {t} item(s) left unprocessed twice"),
                                    ),
                                );
                            }
                            continue;
                        }
                        out.unlisted(
                            &t,
                            AwsError::from_sdk(SERVICE, region, "BatchGetResourceConfig", &e),
                        );
                        break;
                    }
                }
            }
        }
    }
    out
}

/// Reads the plan's types from an aggregator, keeping the items of this
/// shard's units (an item's unit is its source account and region; global
/// types count under the account's first region seen, so they stay together).
pub async fn collect_aggregate(
    aws: &Aws,
    region: &str,
    aggregator: &str,
    types: &BTreeSet<String>,
    shard: Shard,
) -> Collected {
    let mut out = Collected::default();
    let client = aws.config(region);
    let mut identifiers: Vec<AggregateResourceIdentifier> = Vec::new();
    for t in types {
        if !registry::lookup(t).is_some_and(|i| i.recorded) {
            gap(
                &mut out,
                t,
                "*",
                format!("AWS Config does not record {t}; scan it with --source api"),
            );
            continue;
        }
        let listed = paginate(
            &mut out.calls,
            |token| {
                let req = client
                    .list_aggregate_discovered_resources()
                    .configuration_aggregator_name(aggregator)
                    .resource_type(ResourceType::from(t.as_str()))
                    .limit(PAGE)
                    .set_next_token(token);
                async move {
                    let page = req.send().await.map_err(|e| {
                        AwsError::from_sdk(SERVICE, region, "ListAggregateDiscoveredResources", &e)
                    })?;
                    let next = page.next_token().map(str::to_string);
                    Ok((page, next))
                }
            },
            |page| identifiers.extend(page.resource_identifiers().iter().cloned()),
        )
        .await;
        if let Err(e) = listed {
            out.unlisted(t, e);
        }
    }
    // Units are the accounts × regions the aggregator answered for; global
    // items are filed under `global` and belong to the account's unit there.
    let units: Vec<Unit> = identifiers
        .iter()
        .map(|i| Unit::new(i.source_account_id(), i.source_region()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mine: BTreeSet<Unit> = shard::assign(&units, shard).into_iter().collect();
    identifiers.retain(|i| mine.contains(&Unit::new(i.source_account_id(), i.source_region())));

    for chunk in identifiers.chunks(BATCH) {
        out.calls += 1;
        let got = client
            .batch_get_aggregate_resource_config()
            .configuration_aggregator_name(aggregator)
            .set_resource_identifiers(Some(chunk.to_vec()))
            .send()
            .await;
        match got {
            Ok(got) => {
                let source: Arc<str> = Arc::from(format!("config-aggregator:{aggregator}"));
                for ci in got.base_configuration_items() {
                    match item_of(ci, None, &source) {
                        Ok(item) => out.items.push(item),
                        Err(e) => out.errors.push(e.in_region(region)),
                    }
                }
                let left = got.unprocessed_resource_identifiers();
                if !left.is_empty() {
                    out.errors.push(AwsError::local(
                        SERVICE,
                        region,
                        "BatchGetAggregateResourceConfig",
                        "UnprocessedKeys",
                        format!("{} item(s) left unprocessed", left.len()),
                    ));
                }
            }
            Err(e) => {
                let source: Arc<str> = Arc::from(format!("config-aggregator:{aggregator}"));
                if let Some((items, left)) = from_raw(ok_body(&e), None, &source) {
                    for item in items {
                        match item {
                            Ok(item) => out.items.push(item),
                            Err(e) => out.errors.push(e.in_region(region)),
                        }
                    }
                    if left > 0 {
                        out.errors.push(AwsError::local(
                            SERVICE,
                            region,
                            "BatchGetAggregateResourceConfig",
                            "UnprocessedKeys",
                            format!("{left} item(s) left unprocessed"),
                        ));
                    }
                    continue;
                }
                let e = AwsError::from_sdk(SERVICE, region, "BatchGetAggregateResourceConfig", &e);
                let mut seen = HashMap::new();
                for i in chunk {
                    seen.entry(i.resource_type().as_str().to_string())
                        .or_insert(());
                }
                for t in seen.keys() {
                    out.unlisted.push(Unlisted {
                        resource_type: t.clone(),
                        region: "*".into(),
                        error: e.clone(),
                    });
                }
                out.errors.push(e);
            }
        }
    }
    out
}

/// One recorded item in the API form, through the shared normaliser.
/// A batch answer the SDK refused, read from its body. moto 5.2 writes the
/// timestamps as `2026-11-29 17:07:34.269086`, which the SDK's strict
/// RFC 3339 reader rejects, failing the whole call; the body is the API form
/// the normaliser reads anyway. Returns the items and how many keys were left
/// unprocessed, or `None` when the body is not such an answer.
type RawItems = (Vec<Result<ConfigItem, BadItem>>, usize);

fn from_raw(body: Option<&[u8]>, account: Option<&str>, source: &Arc<str>) -> Option<RawItems> {
    let doc: Value = serde_json::from_slice(body?).ok()?;
    // moto spells the aggregate form's keys with a capital letter.
    let items = ["baseConfigurationItems", "BaseConfigurationItems"]
        .iter()
        .find_map(|k| doc.get(*k).and_then(Value::as_array))?;
    let left = [
        "unprocessedResourceKeys",
        "unprocessedResourceIdentifiers",
        "UnprocessedResourceIdentifiers",
    ]
    .iter()
    .filter_map(|k| doc.get(*k).and_then(Value::as_array))
    .map(Vec::len)
    .sum();
    let items = items
        .iter()
        .map(|ci| {
            let mut ci = ci.clone();
            if let (Some(m), Some(a)) = (ci.as_object_mut(), account) {
                m.entry("accountId").or_insert_with(|| Value::from(a));
            }
            let label = format!(
                "{} {}",
                ci["resourceType"].as_str().unwrap_or("?"),
                ci["resourceId"].as_str().unwrap_or("?")
            );
            normalize_item(ci)
                .map(|body| ConfigItem::from_body(body, source.clone()))
                .map_err(|e| BadItem(format!("the Config item of {label} cannot be read: {e}")))
        })
        .collect();
    Some((items, left))
}

/// The body of a 200 answer the SDK could not read.
fn ok_body<E>(e: &aws_sdk_config::error::SdkError<E>) -> Option<&[u8]> {
    e.raw_response()
        .filter(|r| r.status().as_u16() == 200)
        .and_then(|r| r.body().bytes())
}

/// An item the normaliser refused, as an error of the scan.
struct BadItem(String);

impl BadItem {
    fn in_region(self, region: &str) -> AwsError {
        AwsError::local(SERVICE, region, "BatchGetResourceConfig", "BadItem", self.0)
    }
}

fn item_of(
    ci: &BaseConfigurationItem,
    account: Option<&str>,
    source: &Arc<str>,
) -> Result<ConfigItem, BadItem> {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            m.insert(k.to_string(), Value::from(v));
        }
    };
    put("version", ci.version());
    put("accountId", ci.account_id().or(account));
    put(
        "configurationItemStatus",
        ci.configuration_item_status().map(|s| s.as_str()),
    );
    put("configurationStateId", ci.configuration_state_id());
    put("arn", ci.arn());
    put("resourceType", ci.resource_type().map(|t| t.as_str()));
    put("resourceId", ci.resource_id());
    put("resourceName", ci.resource_name());
    put("awsRegion", ci.aws_region());
    put("availabilityZone", ci.availability_zone());
    put("configuration", ci.configuration());
    if let Some(t) = ci.configuration_item_capture_time() {
        m.insert("configurationItemCaptureTime".into(), Value::from(iso(t)));
    }
    if let Some(t) = ci.resource_creation_time() {
        m.insert("resourceCreationTime".into(), Value::from(iso(t)));
    }
    let supplementary: Map<String, Value> = ci
        .supplementary_configuration()
        .map(|s| {
            s.iter()
                .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                .collect()
        })
        .unwrap_or_default();
    m.insert(
        "supplementaryConfiguration".into(),
        Value::Object(supplementary),
    );
    normalize_item(Value::Object(m))
        .map(|body| ConfigItem::from_body(body, source.clone()))
        .map_err(|e| {
            BadItem(format!(
                "the Config item of {} {} cannot be read: {e}",
                ci.resource_type().map(|t| t.as_str()).unwrap_or("?"),
                ci.resource_id().unwrap_or("?")
            ))
        })
}
