//! The DynamoDB history store: the table `setup` creates
//! (`compliance-findings-{suffix}`), so a team shares one audit trail that
//! outlives any single machine.
//!
//! Layout (keys fixed by `setup`: `resourceId` HASH + `timestamp` RANGE, GSI
//! `scan_id-index` on `scan_id` + `resourceId`, projection ALL):
//! - one item per [`ResourceRecord`]: `resourceId`, `timestamp`, `scan_id`,
//!   `resource_type`, `arn`, `account`, `region` (strings, left out when
//!   unknown), `criticality` and `score` (numbers, `score` left out when nothing
//!   was weighed) and `outcomes`, the rule outcomes as one JSON string. Evidence
//!   holds arbitrary JSON values; mapping them onto nested AttributeValues would
//!   need a full two-way conversion and buy nothing, since history never queries
//!   inside outcomes, only reads them whole.
//! - one summary item per scan under the reserved partition `resourceId = "#scan"`
//!   ([`SUMMARY_PARTITION`]), sort key the scan time, with `scan_id` and the
//!   [`ScanSummary`] as a JSON string in `summary`. Listing scans is then one
//!   Query on a single partition instead of a table Scan. No AWS resource id
//!   starts with `#`, so the partition cannot collide with a resource.
//! - `expires_at` (epoch seconds, the scan time plus the retention) on every item
//!   when a retention is set, the attribute `setup --retain-days` points TTL at.
//!   Summary and records expire together, so an expired scan disappears whole.
//! - one item per remediation run (the audit trail of `remediate --suffix`)
//!   under the reserved partition `resourceId = "#remediation"`
//!   ([`REMEDIATION_PARTITION`]), sort key `{started_at}#{run_id}` (the start
//!   time first, so `--log --since` is a key condition and runs list oldest
//!   first; the run id after it, so two runs started in the same millisecond
//!   stay apart), with `run_id`, `mode` and the whole [`RunRecord`] as a JSON
//!   string in `run`. The item has no `scan_id`, so the sparse GSI never holds
//!   it and no scan's records include it; `scans` and `resource_history` read
//!   other partitions. The item is rewritten whole before and after every
//!   change (PutRequest through the same retried BatchWriteItem path as scan
//!   records), so the record of a change is stored before its call is made.
//!   DynamoDB's 400 KB item limit bounds a run: far above `--max-changes`'
//!   default of 25, and a write refused for size stops the run before the
//!   next call, never after it. `expires_at` follows the retention like scans.
//!
//! Writing: records go out with BatchWriteItem in chunks of 25 (the API's limit),
//! a few chunks at a time; unprocessed items are retried with exponential backoff
//! and a scan whose items cannot all be stored fails with the count left over.
//! The summary is written last with PutItem, and only summaries are listed, so a
//! scan that failed half way never shows in `history` as if it were complete.
//!
//! Reading: queries on the table use consistent reads, so `history` right after a
//! scan sees it; the GSI (used for one scan's records) is only eventually
//! consistent, which DynamoDB does not allow to change.
//!
//! A missing table (`ResourceNotFoundException`) is reported as such, with "run
//! setup", never read as an empty history.

use crate::aws::error::AwsError;
use crate::aws::provision::dynamodb::TTL_ATTRIBUTE;
use crate::aws::Aws;
use crate::core::history::{ResourceRecord, RuleOutcome, ScanSummary};
use crate::core::remediation::RunRecord;
use crate::store::{HistoryStore, RemediationTrail, StoreError};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::HashMap;
use std::time::Duration;

/// The partition holding one summary item per scan.
pub const SUMMARY_PARTITION: &str = "#scan";
/// The GSI `setup` creates on `scan_id` + `resourceId`.
pub const SCAN_INDEX: &str = "scan_id-index";
/// The partition holding one item per remediation run.
pub const REMEDIATION_PARTITION: &str = "#remediation";
const SERVICE: &str = "dynamodb";
/// BatchWriteItem takes at most 25 items per call.
const BATCH: usize = 25;
/// Chunks in flight at once: enough to keep a large scan quick, few enough not to
/// provoke throttling on a fresh on-demand table.
const PARALLEL_BATCHES: usize = 4;
/// Attempts per chunk while DynamoDB leaves items unprocessed (50 ms doubling:
/// about 6 s in all before giving up).
const MAX_ATTEMPTS: u32 = 8;
const FIRST_BACKOFF: Duration = Duration::from_millis(50);

type Item = HashMap<String, AttributeValue>;

#[derive(Clone)]
pub struct DynamoStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
    region: String,
    ttl_days: Option<u32>,
}

impl DynamoStore {
    /// A store on `table` in `region`; `ttl_days` adds `expires_at` to new items.
    pub fn new(aws: &Aws, region: &str, table: &str, ttl_days: Option<u32>) -> DynamoStore {
        DynamoStore {
            client: aws.dynamodb(region),
            table: table.to_string(),
            region: region.to_string(),
            ttl_days,
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// An SDK failure as a store error; a missing table says what to do.
    fn fail<E>(&self, operation: &str, err: &SdkError<E>) -> StoreError
    where
        E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        let mut e = AwsError::from_sdk(SERVICE, &self.region, operation, err);
        if e.is(&["ResourceNotFoundException"]) {
            e.message = format!(
                "table {} does not exist in {}: run setup ({})",
                self.table, self.region, e.message
            );
        }
        StoreError::Aws(e)
    }

    /// Epoch seconds at which items of a scan taken at `timestamp` expire.
    fn expires_at(&self, timestamp: &str) -> Option<i64> {
        let days = self.ttl_days?;
        // Retention counts from the scan, not from the write; an unparsable time
        // (never written by this tool) falls back to now rather than never expiring.
        let taken = chrono::DateTime::parse_from_rfc3339(timestamp)
            .map(|t| t.timestamp())
            .unwrap_or_else(|_| chrono::Utc::now().timestamp());
        Some(taken + i64::from(days) * 86_400)
    }

    fn record_item(&self, r: &ResourceRecord) -> Result<Item, String> {
        let outcomes = serde_json::to_string(&r.outcomes)
            .map_err(|e| format!("outcomes of {}: {e}", r.resource_id))?;
        let mut item = Item::new();
        item.insert("resourceId".into(), s(&r.resource_id));
        item.insert("timestamp".into(), s(&r.timestamp));
        item.insert("scan_id".into(), s(&r.scan_id));
        item.insert("resource_type".into(), s(&r.resource_type));
        for (name, value) in [
            ("arn", &r.arn),
            ("account", &r.account),
            ("region", &r.region),
        ] {
            if let Some(v) = value {
                item.insert(name.into(), s(v));
            }
        }
        item.insert("criticality".into(), n(r.criticality));
        if let Some(score) = r.score {
            item.insert("score".into(), n(score));
        }
        item.insert("outcomes".into(), AttributeValue::S(outcomes));
        if let Some(at) = self.expires_at(&r.timestamp) {
            item.insert(TTL_ATTRIBUTE.into(), AttributeValue::N(at.to_string()));
        }
        Ok(item)
    }

    fn summary_item(&self, summary: &ScanSummary) -> Result<Item, String> {
        let json = serde_json::to_string(summary)
            .map_err(|e| format!("summary of {}: {e}", summary.scan_id))?;
        let mut item = Item::new();
        item.insert("resourceId".into(), s(SUMMARY_PARTITION));
        item.insert("timestamp".into(), s(&summary.timestamp));
        item.insert("scan_id".into(), s(&summary.scan_id));
        item.insert("summary".into(), AttributeValue::S(json));
        if let Some(at) = self.expires_at(&summary.timestamp) {
            item.insert(TTL_ATTRIBUTE.into(), AttributeValue::N(at.to_string()));
        }
        Ok(item)
    }

    /// Writes one chunk, retrying what DynamoDB leaves unprocessed.
    async fn write_chunk(&self, items: Vec<Item>, unwritten: &str) -> Result<(), StoreError> {
        let mut pending: Vec<WriteRequest> = items
            .into_iter()
            .map(|item| {
                PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map(|put| WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<_, _>>()
            .map_err(|e| {
                StoreError::Aws(AwsError::local(
                    SERVICE,
                    &self.region,
                    "BatchWriteItem",
                    "ConstructionFailure",
                    e.to_string(),
                ))
            })?;
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=MAX_ATTEMPTS {
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.table, pending)
                .send()
                .await
                .map_err(|e| self.fail("BatchWriteItem", &e))?;
            pending = out
                .unprocessed_items
                .and_then(|mut m| m.remove(&self.table))
                .unwrap_or_default();
            if pending.is_empty() {
                return Ok(());
            }
            if attempt < MAX_ATTEMPTS {
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        }
        Err(StoreError::Aws(AwsError::local(
            SERVICE,
            &self.region,
            "BatchWriteItem",
            "UnprocessedItems",
            format!(
                "table {}: {} item(s) still unprocessed after {MAX_ATTEMPTS} attempts (throttled); {unwritten}",
                self.table,
                pending.len()
            ),
        )))
    }

    /// Every item of a Query, following `LastEvaluatedKey`.
    async fn query_all(
        &self,
        index: Option<&str>,
        condition: &str,
        names: &[(&str, &str)],
        values: &[(&str, &str)],
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(condition)
                .set_exclusive_start_key(start.take());
            q = match index {
                Some(i) => q.index_name(i),
                // GSIs reject consistent reads; the base table allows them.
                None => q.consistent_read(true),
            };
            for (k, v) in names {
                q = q.expression_attribute_names(*k, *v);
            }
            for (k, v) in values {
                q = q.expression_attribute_values(*k, s(v));
            }
            let out = q.send().await.map_err(|e| self.fail("Query", &e))?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(items),
            }
        }
    }

    /// Items of one partition from `since` on, oldest first.
    async fn partition(
        &self,
        partition: &str,
        since: Option<&str>,
    ) -> Result<Vec<Item>, StoreError> {
        // `timestamp` is a DynamoDB reserved word, hence the name placeholders.
        let names = [("#pk", "resourceId"), ("#ts", "timestamp")];
        match since {
            Some(since) => {
                self.query_all(
                    None,
                    "#pk = :pk AND #ts >= :since",
                    &names,
                    &[(":pk", partition), (":since", since)],
                )
                .await
            }
            None => {
                self.query_all(None, "#pk = :pk", &names[..1], &[(":pk", partition)])
                    .await
            }
        }
    }
}

impl HistoryStore for DynamoStore {
    async fn write_scan(
        &self,
        records: &[ResourceRecord],
        summary: &ScanSummary,
    ) -> Result<(), StoreError> {
        // BatchWriteItem refuses a batch naming one key twice. The key is the
        // schema's (resource id, scan time), so a later record with the same key
        // replaces the earlier one, as a second PutItem (and the local store) would.
        let mut by_key: HashMap<(&str, &str), usize> = HashMap::new();
        let mut items: Vec<Item> = Vec::with_capacity(records.len());
        for r in records {
            let item = self.record_item(r).map_err(StoreError::Corrupt)?;
            match by_key.get(&(r.resource_id.as_str(), r.timestamp.as_str())) {
                Some(&i) => items[i] = item,
                None => {
                    by_key.insert((r.resource_id.as_str(), r.timestamp.as_str()), items.len());
                    items.push(item);
                }
            }
        }
        let mut items = items.into_iter().peekable();
        let mut chunks: Vec<Vec<Item>> = Vec::new();
        while items.peek().is_some() {
            chunks.push(items.by_ref().take(BATCH).collect());
        }
        stream::iter(
            chunks
                .into_iter()
                .map(|chunk| self.write_chunk(chunk, "the scan summary was not written")),
        )
        .buffer_unordered(PARALLEL_BATCHES)
        .try_collect::<Vec<()>>()
        .await?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(
                self.summary_item(summary).map_err(StoreError::Corrupt)?,
            ))
            .send()
            .await
            .map_err(|e| self.fail("PutItem", &e))?;
        Ok(())
    }

    async fn scans(&self, since: Option<&str>) -> Result<Vec<ScanSummary>, StoreError> {
        let items = self.partition(SUMMARY_PARTITION, since).await?;
        let mut out: Vec<ScanSummary> = items
            .iter()
            .map(summary_of)
            .collect::<Result<_, _>>()
            .map_err(StoreError::Corrupt)?;
        // Already in sort-key order; sorting keeps the oldest-first contract from
        // resting on that.
        out.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
        Ok(out)
    }

    async fn scan_records(&self, scan_id: &str) -> Result<Vec<ResourceRecord>, StoreError> {
        let items = self
            .query_all(
                Some(SCAN_INDEX),
                "scan_id = :scan",
                &[],
                &[(":scan", scan_id)],
            )
            .await?;
        items
            .iter()
            .filter(|item| str_attr(item, "resourceId") != Some(SUMMARY_PARTITION))
            .map(record_of)
            .collect::<Result<_, _>>()
            .map_err(StoreError::Corrupt)
    }

    async fn resource_history(
        &self,
        resource_id: &str,
        since: Option<&str>,
    ) -> Result<Vec<ResourceRecord>, StoreError> {
        if resource_id == SUMMARY_PARTITION || resource_id == REMEDIATION_PARTITION {
            return Ok(Vec::new());
        }
        self.partition(resource_id, since)
            .await?
            .iter()
            .map(record_of)
            .collect::<Result<_, _>>()
            .map_err(StoreError::Corrupt)
    }
}

impl DynamoStore {
    fn run_item(&self, run: &RunRecord) -> Result<Item, String> {
        let json = serde_json::to_string(run)
            .map_err(|e| format!("remediation run {}: {e}", run.run_id))?;
        let mut item = Item::new();
        item.insert("resourceId".into(), s(REMEDIATION_PARTITION));
        item.insert(
            "timestamp".into(),
            s(&format!("{}#{}", run.started_at, run.run_id)),
        );
        item.insert("run_id".into(), s(&run.run_id));
        item.insert("mode".into(), s(run.mode.as_str()));
        item.insert("run".into(), AttributeValue::S(json));
        if let Some(at) = self.expires_at(&run.started_at) {
            item.insert(TTL_ATTRIBUTE.into(), AttributeValue::N(at.to_string()));
        }
        Ok(item)
    }
}

impl RemediationTrail for DynamoStore {
    async fn put_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        let item = self.run_item(run).map_err(StoreError::Corrupt)?;
        self.write_chunk(
            vec![item],
            "the remediation trail was not written, so no further change is made",
        )
        .await
    }

    async fn runs(&self, since: Option<&str>) -> Result<Vec<RunRecord>, StoreError> {
        let mut out: Vec<RunRecord> = self
            .partition(REMEDIATION_PARTITION, since)
            .await?
            .iter()
            .map(|item| {
                serde_json::from_str(required(item, "run")?)
                    .map_err(|e| format!("{}: run: {e}", describe(item)))
            })
            .collect::<Result<_, String>>()
            .map_err(StoreError::Corrupt)?;
        out.sort_by(|a, b| (&a.started_at, &a.run_id).cmp(&(&b.started_at, &b.run_id)));
        Ok(out)
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

fn n(v: f64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn str_attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

fn describe(item: &Item) -> String {
    format!(
        "item {}/{}",
        str_attr(item, "resourceId").unwrap_or("?"),
        str_attr(item, "timestamp").unwrap_or("?")
    )
}

fn required<'a>(item: &'a Item, name: &str) -> Result<&'a str, String> {
    str_attr(item, name).ok_or_else(|| format!("{}: no string attribute `{name}`", describe(item)))
}

fn number(item: &Item, name: &str) -> Result<Option<f64>, String> {
    match item.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_n()
            .ok()
            .and_then(|n| n.parse::<f64>().ok())
            .map(Some)
            .ok_or_else(|| format!("{}: `{name}` is not a number", describe(item))),
    }
}

fn record_of(item: &Item) -> Result<ResourceRecord, String> {
    let outcomes: Vec<RuleOutcome> = serde_json::from_str(required(item, "outcomes")?)
        .map_err(|e| format!("{}: outcomes: {e}", describe(item)))?;
    Ok(ResourceRecord {
        resource_id: required(item, "resourceId")?.to_string(),
        timestamp: required(item, "timestamp")?.to_string(),
        scan_id: required(item, "scan_id")?.to_string(),
        resource_type: required(item, "resource_type")?.to_string(),
        arn: str_attr(item, "arn").map(str::to_string),
        account: str_attr(item, "account").map(str::to_string),
        region: str_attr(item, "region").map(str::to_string),
        criticality: number(item, "criticality")?
            .ok_or_else(|| format!("{}: no `criticality`", describe(item)))?,
        score: number(item, "score")?,
        outcomes,
    })
}

fn summary_of(item: &Item) -> Result<ScanSummary, String> {
    serde_json::from_str(required(item, "summary")?)
        .map_err(|e| format!("{}: summary: {e}", describe(item)))
}
