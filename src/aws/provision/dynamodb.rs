//! The DynamoDB history table: where `scan --suffix` stores one item per
//! resource and scan (`resourceId` + `timestamp`), read back by trends, diffs
//! and reports.
//!
//! Settings and why:
//! - PAY_PER_REQUEST: scans write in bursts a few times a day; provisioned
//!   capacity would either throttle the burst or be paid for idle.
//! - Keys `resourceId` (HASH) + `timestamp` (RANGE), both strings: a
//!   resource's history is one query, newest first.
//! - GSI `scan_id-index` on `scan_id` (HASH) + `resourceId` (RANGE), projection
//!   ALL, so one scan can be read back whole without a table scan.
//! - SSE-KMS with the stack's key, so the findings (which name resources and
//!   their weaknesses) are covered by the same key policy as the evidence. If no
//!   stack key exists in a real run (the kms step was skipped or failed), the
//!   table falls back to DynamoDB's AWS-managed key and the step says so; with
//!   no stack key `inspect` accepts any KMS key.
//! - Point-in-time recovery: history is evidence; an accidental overwrite or
//!   delete must be recoverable. Enabled after the table is ACTIVE (the API
//!   refuses it earlier), waiting a bounded time.
//! - TTL on `expires_at` only when `retain_days` is set (the scan writes that
//!   attribute); otherwise TTL is turned off so nothing expires by surprise.
//!
//! Ownership: the table carries the stack's tags. A table under our name that
//! carries them but is missing from the manifest (a run that failed before it
//! saved the manifest) is recorded as created; one without them is someone
//! else's and setup stops with `NameTaken` rather than take it over.
//!
//! Every `UpdateTable` changes one thing (DynamoDB allows one kind of change per
//! call) and waits for the table to settle before the next.
//!
//! moto 5.2 accepts `UpdateTable` with an `SSESpecification` but ignores it, so
//! SSE repair is only exercised against AWS.

use crate::aws::error::AwsError;
use crate::aws::provision::{
    kind, setup, status, tag_pairs, tags_text, teardown, Ctx, Inspection, Managed, Step,
};
use crate::core::plan::{Intent, Planned};
pub use crate::core::provision::dynamodb::TTL_ATTRIBUTE;
use crate::core::provision::dynamodb::{table_changes, Part, Table, HASH_KEY, RANGE_KEY, SCAN_KEY};
use crate::core::stack::Manifest;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction,
    DeleteGlobalSecondaryIndexAction, GlobalSecondaryIndex, GlobalSecondaryIndexUpdate,
    IndexStatus, KeySchemaElement, KeyType, PointInTimeRecoverySpecification,
    PointInTimeRecoveryStatus, Projection, ProjectionType, ScalarAttributeType, SseSpecification,
    SseStatus, SseType, TableDescription, TableStatus, Tag, TimeToLiveSpecification,
    TimeToLiveStatus,
};
use aws_smithy_types::error::operation::BuildError;
use std::time::{Duration, Instant};

const SERVICE: &str = "dynamodb";
/// An on-demand table with one GSI is ACTIVE within seconds to a minute;
/// adding an index to a full table can take longer, hence the margin.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(600);
const SETTLE_POLL: Duration = Duration::from_secs(2);

/// What is read from AWS about the table.
pub struct Observed {
    table: TableDescription,
    tags: Vec<(String, String)>,
    pitr: bool,
    /// The TTL attribute when TTL is on (or turning on).
    ttl: Option<String>,
}

/// The history table, as one managed resource; `key` is the stack key's ARN
/// (None: no stack key exists yet).
pub struct HistoryTable {
    pub key: Option<String>,
}

impl Managed for HistoryTable {
    type Found = Observed;
    type Part = Part;
    const SERVICE: &'static str = SERVICE;
    const READ: &'static str = "DescribeTable";

    fn kind(&self) -> String {
        kind::TABLE.into()
    }

    fn name(&self, ctx: &Ctx<'_>, _found: Option<&Observed>) -> String {
        ctx.names.table.clone()
    }

    /// A table being deleted counts as gone: status says missing, teardown
    /// absent, and setup's create says it is being deleted.
    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<Observed>, AwsError> {
        Ok(read(ctx)
            .await?
            .filter(|o| o.table.table_status() != Some(&TableStatus::Deleting)))
    }

    fn id(&self, ctx: &Ctx<'_>, _found: &Observed) -> String {
        ctx.names.table.clone()
    }

    fn tags<'f>(&self, found: &'f Observed) -> Option<&'f [(String, String)]> {
        Some(&found.tags)
    }

    fn diff(&self, ctx: &Ctx<'_>, found: &Observed) -> Vec<Planned<Part>> {
        compare(ctx, found, self.key.as_deref())
    }

    fn cannot_apply(
        &self,
        ctx: &Ctx<'_>,
        _found: &Observed,
        changes: &[Planned<Part>],
    ) -> Option<AwsError> {
        let d = changes.iter().find(|d| d.by == Part::Impossible)?;
        Some(AwsError::local(
            SERVICE,
            ctx.region(),
            "DescribeTable",
            "KeySchemaMismatch",
            format!(
                "table {}: {}; a key schema cannot be changed in place: delete the table (after exporting what it holds) and run setup again",
                ctx.names.table,
                d.reason()
            ),
        ))
    }

    fn create_detail(&self, ctx: &Ctx<'_>) -> Vec<String> {
        vec![
            "billing mode PAY_PER_REQUEST".into(),
            format!("keys {HASH_KEY} (HASH, S) + {RANGE_KEY} (RANGE, S)"),
            format!(
                "global secondary index {}: {SCAN_KEY} (HASH, S) + {HASH_KEY} (RANGE, S), projection ALL",
                ctx.names.scan_index
            ),
            match &self.key {
                Some(key) => format!("SSE-KMS with the stack key {key}"),
                None => "SSE-KMS with the stack key (created by the kms step)".to_string(),
            },
            "point-in-time recovery enabled".into(),
            match ctx.spec.retain_days {
                Some(days) => format!("TTL on {TTL_ATTRIBUTE} (history kept {days} days)"),
                None => "no TTL: history is kept".to_string(),
            },
            format!("tags {}", tags_text(ctx)),
        ]
    }

    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError> {
        create(ctx, made, self.key.as_deref()).await
    }

    /// Each part with its own call, waiting for the table to settle between
    /// them. A table a run left CREATING or UPDATING is waited for first and
    /// compared again, so nothing is applied twice.
    async fn update(
        &self,
        ctx: &Ctx<'_>,
        found: &Observed,
        parts: &[Part],
    ) -> Result<(), AwsError> {
        let fresh;
        let (observed, parts) = if settled(&found.table) {
            (found, parts.to_vec())
        } else {
            wait_settled(ctx).await?;
            fresh = read(ctx).await?.ok_or_else(|| vanished(ctx))?;
            let again = Intent::Update(self.diff(ctx, &fresh)).parts();
            (&fresh, again)
        };
        for part in parts {
            repair(ctx, observed, part, self.key.as_deref()).await?;
        }
        Ok(())
    }

    async fn delete_detail(
        &self,
        _ctx: &Ctx<'_>,
        _found: &Observed,
    ) -> Result<Vec<String>, AwsError> {
        Ok(vec!["the table and every history item in it".into()])
    }

    async fn delete(&self, ctx: &Ctx<'_>, _found: &Observed) -> Result<Vec<String>, AwsError> {
        let region = ctx.region();
        if let Err(e) = ctx
            .aws
            .dynamodb(region)
            .delete_table()
            .table_name(&ctx.names.table)
            .send()
            .await
        {
            let error = AwsError::from_sdk(SERVICE, region, "DeleteTable", &e);
            if !error.is(&["ResourceNotFoundException"]) {
                return Err(error);
            }
        }
        Ok(Vec::new())
    }
}

/// The table with the stack key looked up (see the kms step).
pub async fn table(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<HistoryTable, AwsError> {
    Ok(HistoryTable {
        key: crate::aws::provision::kms::key_arn(ctx, manifest).await?,
    })
}

pub async fn ensure(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let table = table(ctx, manifest).await?;
    Ok(vec![setup(ctx, manifest, &table).await?])
}

pub async fn inspect(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Vec<Inspection>, AwsError> {
    let table = table(ctx, manifest).await?;
    Ok(status(ctx, manifest, &table).await?.into_iter().collect())
}

pub async fn remove(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    // Deleting needs no key: none is looked up (the key may be gone already).
    let table = HistoryTable { key: None };
    Ok(vec![teardown(ctx, manifest, &table).await?])
}

async fn create(
    ctx: &Ctx<'_>,
    made: &mut Option<String>,
    key: Option<&str>,
) -> Result<Vec<String>, AwsError> {
    let name = ctx.names.table.clone();
    let region = ctx.region();
    let client = ctx.aws.dynamodb(region);
    let mut request = client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(
            attribute_definitions().map_err(build_error(region, "CreateTable"))?,
        ))
        .key_schema(
            key_element(HASH_KEY, KeyType::Hash).map_err(build_error(region, "CreateTable"))?,
        )
        .key_schema(
            key_element(RANGE_KEY, KeyType::Range).map_err(build_error(region, "CreateTable"))?,
        )
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&ctx.names.scan_index)
                .set_key_schema(Some(
                    index_keys().map_err(build_error(region, "CreateTable"))?,
                ))
                .projection(projection())
                .build()
                .map_err(build_error(region, "CreateTable"))?,
        )
        .sse_specification(sse_specification(key));
    for (k, v) in tag_pairs(ctx.spec) {
        request = request.tags(
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(build_error(region, "CreateTable"))?,
        );
    }
    match request.send().await {
        Ok(_) => {}
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "CreateTable", &e);
            if !error.is(&["ResourceInUseException"]) {
                return Err(error);
            }
            // In use: a table of this name is being deleted (a teardown under
            // way), or a concurrent run created it since our read.
            if describe(ctx).await?.and_then(|t| t.table_status().cloned())
                == Some(TableStatus::Deleting)
            {
                return Err(AwsError::local(
                    SERVICE,
                    region,
                    "DescribeTable",
                    "ResourceInUseException",
                    format!("table {name} is being deleted (a teardown is under way); run setup again once it is gone"),
                ));
            }
        }
    }
    // Recorded before the waits so a timeout still leaves it for teardown.
    *made = Some(name);
    wait_settled(ctx).await?;
    enable_pitr(ctx).await?;
    if ctx.spec.retain_days.is_some() {
        set_ttl(ctx, TTL_ATTRIBUTE, true).await?;
    }
    Ok(match key {
        Some(_) => Vec::new(),
        None => vec!["no stack key exists: encrypted with DynamoDB's AWS-managed key alias/aws/dynamodb (run setup again once the kms step succeeds to switch to the stack key)".into()],
    })
}

/// The table's settings that differ from the spec: what was read, as the
/// core's plain [`Table`], compared there.
fn compare(ctx: &Ctx<'_>, observed: &Observed, key: Option<&str>) -> Vec<Planned<Part>> {
    let table = &observed.table;
    let sse = table.sse_description();
    let plain = Table {
        key_schema: key_text(table.key_schema()),
        billing: table
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|b| b.as_str().to_string())
            // Tables created before on-demand existed report no summary.
            .unwrap_or_else(|| "PROVISIONED".into()),
        scan_index: table
            .global_secondary_indexes()
            .iter()
            .find(|i| i.index_name() == Some(ctx.names.scan_index.as_str()))
            .map(|index| {
                let projection = index
                    .projection()
                    .and_then(|p| p.projection_type())
                    .map(|p| p.as_str())
                    .unwrap_or("none");
                format!("{}, projection {projection}", key_text(index.key_schema()))
            }),
        sse_enabled: sse.and_then(|s| s.status()).is_some_and(|s| {
            matches!(
                s,
                SseStatus::Enabled | SseStatus::Enabling | SseStatus::Updating
            )
        }),
        sse_type: sse
            .and_then(|s| s.sse_type())
            .map(|t| t.as_str().to_string()),
        sse_key: sse.and_then(|s| s.kms_master_key_arn()).map(str::to_string),
        tags: observed.tags.clone(),
        pitr: observed.pitr,
        ttl: observed.ttl.clone(),
    };
    table_changes(ctx.spec, &plain, key)
}

async fn repair(
    ctx: &Ctx<'_>,
    observed: &Observed,
    part: Part,
    key: Option<&str>,
) -> Result<(), AwsError> {
    let region = ctx.region();
    let name = &ctx.names.table;
    let client = ctx.aws.dynamodb(region);
    match part {
        Part::Impossible => {}
        Part::Tags => {
            let mut request = client
                .tag_resource()
                .resource_arn(observed.table.table_arn().unwrap_or_default());
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
        Part::Billing => {
            client
                .update_table()
                .table_name(name)
                .billing_mode(BillingMode::PayPerRequest)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(SERVICE, region, "UpdateTable", &e))?;
            wait_settled(ctx).await?;
        }
        Part::CreateIndex => create_index(ctx).await?,
        Part::RecreateIndex => {
            client
                .update_table()
                .table_name(name)
                .global_secondary_index_updates(
                    GlobalSecondaryIndexUpdate::builder()
                        .delete(
                            DeleteGlobalSecondaryIndexAction::builder()
                                .index_name(&ctx.names.scan_index)
                                .build()
                                .map_err(build_error(region, "UpdateTable"))?,
                        )
                        .build(),
                )
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(SERVICE, region, "UpdateTable", &e))?;
            wait_settled(ctx).await?;
            create_index(ctx).await?;
        }
        Part::Sse => {
            client
                .update_table()
                .table_name(name)
                .sse_specification(sse_specification(key))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(SERVICE, region, "UpdateTable", &e))?;
            wait_settled(ctx).await?;
        }
        Part::Pitr => enable_pitr(ctx).await?,
        Part::Ttl => {
            // TTL is one attribute per table: the old one is turned off first.
            if let Some(old) = &observed.ttl {
                set_ttl(ctx, old, false).await?;
            }
            if ctx.spec.retain_days.is_some() {
                set_ttl(ctx, TTL_ATTRIBUTE, true).await?;
            }
        }
    }
    Ok(())
}

async fn create_index(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let region = ctx.region();
    ctx.aws
        .dynamodb(region)
        .update_table()
        .table_name(&ctx.names.table)
        .set_attribute_definitions(Some(
            attribute_definitions().map_err(build_error(region, "UpdateTable"))?,
        ))
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder()
                .create(
                    CreateGlobalSecondaryIndexAction::builder()
                        .index_name(&ctx.names.scan_index)
                        .set_key_schema(Some(
                            index_keys().map_err(build_error(region, "UpdateTable"))?,
                        ))
                        .projection(projection())
                        .build()
                        .map_err(build_error(region, "UpdateTable"))?,
                )
                .build(),
        )
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "UpdateTable", &e))?;
    wait_settled(ctx).await
}

/// Turns point-in-time recovery on. Right after a table becomes ACTIVE,
/// DynamoDB may still answer ContinuousBackupsUnavailableException for a while;
/// that is retried within the same bound as the other waits.
async fn enable_pitr(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let region = ctx.region();
    let spec = PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(true)
        .build()
        .map_err(build_error(region, "UpdateContinuousBackups"))?;
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    loop {
        match ctx
            .aws
            .dynamodb(region)
            .update_continuous_backups()
            .table_name(&ctx.names.table)
            .point_in_time_recovery_specification(spec.clone())
            .send()
            .await
        {
            Ok(_) => return Ok(()),
            Err(e) => {
                let error = AwsError::from_sdk(SERVICE, region, "UpdateContinuousBackups", &e);
                if !error.is(&["ContinuousBackupsUnavailableException"])
                    || Instant::now() >= deadline
                {
                    return Err(error);
                }
            }
        }
        tokio::time::sleep(SETTLE_POLL).await;
    }
}

async fn set_ttl(ctx: &Ctx<'_>, attribute: &str, enabled: bool) -> Result<(), AwsError> {
    let region = ctx.region();
    ctx.aws
        .dynamodb(region)
        .update_time_to_live()
        .table_name(&ctx.names.table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(attribute)
                .enabled(enabled)
                .build()
                .map_err(build_error(region, "UpdateTimeToLive"))?,
        )
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "UpdateTimeToLive", &e))?;
    Ok(())
}

/// The table, or `None` when it does not exist.
async fn describe(ctx: &Ctx<'_>) -> Result<Option<TableDescription>, AwsError> {
    let region = ctx.region();
    match ctx
        .aws
        .dynamodb(region)
        .describe_table()
        .table_name(&ctx.names.table)
        .send()
        .await
    {
        Ok(out) => Ok(out.table),
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "DescribeTable", &e);
            if error.is(&["ResourceNotFoundException"]) {
                Ok(None)
            } else {
                Err(error)
            }
        }
    }
}

async fn read(ctx: &Ctx<'_>) -> Result<Option<Observed>, AwsError> {
    let region = ctx.region();
    let Some(table) = describe(ctx).await? else {
        return Ok(None);
    };
    let client = ctx.aws.dynamodb(region);
    let tags = list_tags(ctx, table.table_arn().unwrap_or_default()).await?;
    let pitr = match client
        .describe_continuous_backups()
        .table_name(&ctx.names.table)
        .send()
        .await
    {
        Ok(out) => {
            out.continuous_backups_description()
                .and_then(|c| c.point_in_time_recovery_description())
                .and_then(|p| p.point_in_time_recovery_status())
                == Some(&PointInTimeRecoveryStatus::Enabled)
        }
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "DescribeContinuousBackups", &e);
            // A table still being created has no backup settings yet.
            if error.is(&["TableNotFoundException"]) {
                false
            } else {
                return Err(error);
            }
        }
    };
    let ttl = client
        .describe_time_to_live()
        .table_name(&ctx.names.table)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "DescribeTimeToLive", &e))?;
    let ttl = ttl.time_to_live_description().and_then(|d| {
        let on = matches!(
            d.time_to_live_status(),
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        );
        if on {
            d.attribute_name().map(str::to_string)
        } else {
            None
        }
    });
    Ok(Some(Observed {
        table,
        tags,
        pitr,
        ttl,
    }))
}

async fn list_tags(ctx: &Ctx<'_>, arn: &str) -> Result<Vec<(String, String)>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.dynamodb(region);
    let mut tags = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .list_tags_of_resource()
            .resource_arn(arn)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "ListTagsOfResource", &e))?;
        tags.extend(
            out.tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string())),
        );
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(tags),
        }
    }
}

/// True when the table and its indexes accept the next change.
fn settled(table: &TableDescription) -> bool {
    table.table_status() == Some(&TableStatus::Active)
        && table
            .global_secondary_indexes()
            .iter()
            .all(|i| i.index_status() == Some(&IndexStatus::Active))
}

/// Polls DescribeTable until the table and its indexes are ACTIVE, for at most
/// [`SETTLE_TIMEOUT`].
async fn wait_settled(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    loop {
        let table = describe(ctx).await?.ok_or_else(|| vanished(ctx))?;
        if settled(&table) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let status = table
                .table_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default();
            return Err(AwsError::local(
                SERVICE,
                ctx.region(),
                "DescribeTable",
                "Timeout",
                format!(
                    "table {} is still {status} (or an index is not ACTIVE) after {} s; run setup again to resume",
                    ctx.names.table,
                    SETTLE_TIMEOUT.as_secs()
                ),
            ));
        }
        tokio::time::sleep(SETTLE_POLL).await;
    }
}

fn vanished(ctx: &Ctx<'_>) -> AwsError {
    AwsError::local(
        SERVICE,
        ctx.region(),
        "DescribeTable",
        "ResourceNotFoundException",
        format!(
            "table {} disappeared while setup was waiting for it",
            ctx.names.table
        ),
    )
}

fn sse_specification(key: Option<&str>) -> SseSpecification {
    SseSpecification::builder()
        .enabled(true)
        .sse_type(SseType::Kms)
        .set_kms_master_key_id(key.map(str::to_string))
        .build()
}

fn attribute_definitions() -> Result<Vec<AttributeDefinition>, BuildError> {
    [HASH_KEY, RANGE_KEY, SCAN_KEY]
        .into_iter()
        .map(|name| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
        })
        .collect()
}

fn key_element(name: &str, key_type: KeyType) -> Result<KeySchemaElement, BuildError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
}

fn index_keys() -> Result<Vec<KeySchemaElement>, BuildError> {
    Ok(vec![
        key_element(SCAN_KEY, KeyType::Hash)?,
        key_element(HASH_KEY, KeyType::Range)?,
    ])
}

fn projection() -> Projection {
    Projection::builder()
        .projection_type(ProjectionType::All)
        .build()
}

/// `a (HASH) + b (RANGE)`, for comparison and for messages.
fn key_text(keys: &[KeySchemaElement]) -> String {
    keys.iter()
        .map(|k| format!("{} ({})", k.attribute_name(), k.key_type().as_str()))
        .collect::<Vec<_>>()
        .join(" + ")
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
