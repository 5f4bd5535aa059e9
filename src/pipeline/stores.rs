//! What the history commands (`history`, `diff`, `score --scan`, `prune`) and
//! `scan` share: opening the right store (the DynamoDB table of `--suffix`, else
//! the local file), turning stored records back into findings, and dating the
//! runs of a stored scan's open findings (`first_seen`).

use crate::aws::provision::manifest::load_named;
use crate::aws::Aws;
use crate::cli::{GlobalArgs, StoreArgs};
use crate::core::catalogue::Catalogue;
use crate::core::finding::{Finding, Status};
use crate::core::history::{scanned_resource_id, ResourceRecord, RunStarts, ScanSummary};
use crate::core::stack::{Manifest, Names};
use crate::error::InputError;
use crate::pipeline::connection;
use crate::store::dynamodb::DynamoStore;
use crate::store::local::LocalStore;
use crate::store::{HistoryStore, RemediationTrail, StoreError};
use anyhow::Result;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The local store of `--store` (or the default); DynamoDB stores are opened by
/// [`open`] when a suffix is given.
pub fn local(args: &StoreArgs) -> Result<LocalStore> {
    Ok(LocalStore::locate(args.store.as_deref())?)
}

/// Either backend, chosen by the flags; one type so commands stay generic-free.
pub enum AnyStore {
    Local(LocalStore),
    Dynamo(DynamoStore),
}

/// A stack that `setup --suffix` created, as scans and history commands use it.
pub struct Stack {
    pub aws: Aws,
    pub region: String,
    pub account: String,
    pub names: Names,
    pub topic_arn: String,
    pub manifest: Manifest,
}

/// Connects and loads the suffix's manifest; a suffix never set up is an input error.
pub async fn stack(global: &GlobalArgs, suffix: &str) -> Result<Stack> {
    crate::core::stack::validate_suffix(suffix).map_err(InputError)?;
    let aws = Aws::connect(&connection(global, 5, Duration::from_secs(60))).await;
    let region = aws
        .default_region()
        .ok_or_else(|| InputError("no AWS region: pass --region or set AWS_REGION".into()))?;
    let (account, partition) = crate::aws::identity(&aws, &region).await?;
    let names = Names::of(suffix, &account, &region);
    let manifest = load_named(&aws, &region, &names.manifest_parameter)
        .await?
        .ok_or_else(|| {
            InputError(format!(
                "no stack for suffix {suffix} in {region}: run `compliance setup --suffix {suffix}` first"
            ))
        })?;
    let topic_arn = format!("arn:{partition}:sns:{region}:{account}:{}", names.topic);
    Ok(Stack {
        aws,
        region,
        account,
        names,
        topic_arn,
        manifest,
    })
}

impl HistoryStore for AnyStore {
    async fn write_scan(
        &self,
        records: &[ResourceRecord],
        summary: &ScanSummary,
    ) -> Result<(), StoreError> {
        match self {
            AnyStore::Local(s) => s.write_scan(records, summary).await,
            AnyStore::Dynamo(s) => s.write_scan(records, summary).await,
        }
    }
    async fn scans(&self, since: Option<&str>) -> Result<Vec<ScanSummary>, StoreError> {
        match self {
            AnyStore::Local(s) => s.scans(since).await,
            AnyStore::Dynamo(s) => s.scans(since).await,
        }
    }
    async fn scan_records(&self, scan_id: &str) -> Result<Vec<ResourceRecord>, StoreError> {
        match self {
            AnyStore::Local(s) => s.scan_records(scan_id).await,
            AnyStore::Dynamo(s) => s.scan_records(scan_id).await,
        }
    }
    async fn resource_history(
        &self,
        resource_id: &str,
        since: Option<&str>,
    ) -> Result<Vec<ResourceRecord>, StoreError> {
        match self {
            AnyStore::Local(s) => s.resource_history(resource_id, since).await,
            AnyStore::Dynamo(s) => s.resource_history(resource_id, since).await,
        }
    }
}

impl RemediationTrail for AnyStore {
    async fn put_run(&self, run: &crate::core::remediation::RunRecord) -> Result<(), StoreError> {
        match self {
            AnyStore::Local(s) => s.put_run(run).await,
            AnyStore::Dynamo(s) => s.put_run(run).await,
        }
    }
    async fn runs(
        &self,
        since: Option<&str>,
    ) -> Result<Vec<crate::core::remediation::RunRecord>, StoreError> {
        match self {
            AnyStore::Local(s) => s.runs(since).await,
            AnyStore::Dynamo(s) => s.runs(since).await,
        }
    }
}

impl AnyStore {
    /// Where the store is, for messages: the local file or the table.
    pub fn describe(&self) -> String {
        match self {
            AnyStore::Local(s) => s.path().display().to_string(),
            AnyStore::Dynamo(s) => format!("table {}", s.table()),
        }
    }
}

/// Opens the store the flags name: the suffix's table, else the local file.
pub async fn open(global: &GlobalArgs, args: &StoreArgs) -> Result<AnyStore> {
    match &args.suffix {
        Some(suffix) => Ok(dynamo(&stack(global, suffix).await?)),
        None => Ok(AnyStore::Local(local(args)?)),
    }
}

/// The history table of a stack already loaded (scans also need its topic).
pub fn dynamo(stack: &Stack) -> AnyStore {
    AnyStore::Dynamo(DynamoStore::new(
        &stack.aws,
        &stack.region,
        &stack.names.table,
        stack.manifest.retain_days,
    ))
}

/// Resolves `latest` or an id against the stored scans.
pub async fn find_scan<S: HistoryStore>(store: &S, wanted: &str) -> Result<ScanSummary> {
    let scans = store.scans(None).await?;
    let found = if wanted == "latest" {
        scans.last().cloned()
    } else {
        scans.iter().find(|s| s.scan_id == wanted).cloned()
    };
    found.ok_or_else(|| {
        if scans.is_empty() {
            InputError("no stored scans yet: run `compliance scan` first".into()).into()
        } else {
            InputError(format!(
                "no stored scan `{wanted}` (`compliance history` lists them)"
            ))
            .into()
        }
    })
}

/// Findings rebuilt from stored records, with rule metadata and messages from
/// the catalogue (rules since removed keep their id as title and no frameworks).
pub fn findings_of(records: &[ResourceRecord], catalogue: &Catalogue) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in records {
        for o in &r.outcomes {
            let rule = catalogue.get(&o.rule_id);
            let mut finding = Finding {
                finding_id: String::new(),
                rule_id: Arc::from(o.rule_id.as_str()),
                title: rule
                    .map(|r| r.title.clone())
                    .unwrap_or_else(|| Arc::from(o.rule_id.as_str())),
                severity: o.severity,
                category: rule
                    .map(|r| r.category.clone())
                    .unwrap_or_else(|| Arc::from("unknown")),
                frameworks: rule
                    .map(|r| r.frameworks.clone())
                    .unwrap_or_else(|| Arc::from(Vec::new())),
                service: crate::core::resource::service_of(&r.resource_type).into(),
                resource_type: r.resource_type.as_str().into(),
                resource_id: scanned_resource_id(r).to_string(),
                resource_name: None,
                arn: r.arn.clone(),
                region: r.region.as_deref().map(Into::into),
                account: r.account.as_deref().map(Into::into),
                status: o.status,
                criticality: r.criticality,
                evidence: o.evidence.clone(),
                remediation: rule.and_then(|r| r.remediation.clone()),
                exemption: o.exemption.clone().map(Box::new),
                source: Some(format!("history:{}", r.scan_id).into()),
                message: None,
                first_seen: o.first_seen.clone(),
            }
            .with_id();
            // Stored outcomes keep the evidence, so the rule's message can be
            // filled now (with the rule's default parameters).
            if matches!(o.status, Status::NonCompliant | Status::Exempted) {
                if let Some((template, params)) =
                    rule.and_then(|r| Some((r.message.as_ref()?, &r.params)))
                {
                    finding.message = Some(template.render(&finding, params));
                }
            }
            out.push(finding);
        }
    }
    out
}

/// Finding id → `first_seen` of the open outcomes of `scans[position]`, whose
/// records are `records`: the recorded `first_seen`, else (records of
/// versions that did not record it) found by reading earlier scans, newest
/// first, at most [`crate::core::history::FIRST_SEEN_WALK`] of them.
pub async fn run_starts<S: HistoryStore>(
    store: &S,
    scans: &[ScanSummary],
    position: usize,
    records: &[ResourceRecord],
) -> Result<HashMap<String, String>, StoreError> {
    let Some(scan) = scans.get(position) else {
        return Ok(HashMap::new());
    };
    let mut starts = RunStarts::of(&scan.timestamp, records);
    for earlier in scans[..position].iter().rev() {
        if !starts.needs_earlier() {
            break;
        }
        let records = store.scan_records(&earlier.scan_id).await?;
        starts.earlier(&earlier.timestamp, &records);
    }
    Ok(starts.finish())
}
