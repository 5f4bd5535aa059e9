//! Where `report` gets its findings: findings files (`--input`, several
//! merged into one report), a stored scan (`--scan ID`), or by default the
//! latest stored scan of the history store (`--suffix`'s DynamoDB table, else
//! the local file). A stored scan's findings also get `first_seen` from the
//! scans before it. No stored scan and no input is an input error that says
//! how to make one.

use crate::cli::{GlobalArgs, StoreArgs};
use crate::core::catalogue::Catalogue;
use crate::core::history::FirstSeen;
use crate::core::report::{Meta, RuleInfo, ScanReport, Source};
use crate::error::InputError;
use crate::pipeline::stores::{findings_of, open};
use crate::store::HistoryStore;
use anyhow::Result;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// What the flags chose.
pub enum ReportSource<'a> {
    /// `--input FILE…`.
    Files(&'a [PathBuf]),
    /// `--scan ID` (or `latest`), or nothing: the latest stored scan.
    Stored { scan: &'a str, store: &'a StoreArgs },
}

impl<'a> ReportSource<'a> {
    pub fn of(input: &'a [PathBuf], scan: Option<&'a str>, store: &'a StoreArgs) -> Self {
        if input.is_empty() {
            ReportSource::Stored {
                scan: scan.unwrap_or("latest"),
                store,
            }
        } else {
            ReportSource::Files(input)
        }
    }

    /// The report to render, with every finding in memory (renderers that
    /// group by rule or list rules first need them all).
    pub async fn load(
        &self,
        global: &GlobalArgs,
        catalogue: impl FnOnce() -> Result<Catalogue>,
    ) -> Result<ScanReport> {
        match self {
            ReportSource::Files(files) => read_files(files),
            ReportSource::Stored { scan, store } => {
                read_stored(global, scan, store, catalogue()?).await
            }
        }
    }
}

fn read_files(files: &[PathBuf]) -> Result<ScanReport> {
    let mut parts = Vec::with_capacity(files.len());
    for path in files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError(format!("{}: cannot read: {e}", path.display())))?;
        parts.push(ScanReport::parse(&path.display().to_string(), &text)?);
    }
    if parts.len() == 1 {
        return Ok(parts.pop().expect("one report"));
    }
    Ok(ScanReport::merge(
        parts,
        uuid::Uuid::now_v7().to_string(),
        crate::core::timestamp::format(&chrono::Utc::now()),
    ))
}

async fn read_stored(
    global: &GlobalArgs,
    wanted: &str,
    args: &StoreArgs,
    catalogue: Catalogue,
) -> Result<ScanReport> {
    let store = open(global, args).await?;
    let scans = store.scans(None).await?;
    let Some(position) = (match wanted {
        "latest" => scans.len().checked_sub(1),
        id => scans.iter().position(|s| s.scan_id == id),
    }) else {
        let store_name = match &args.suffix {
            Some(suffix) => format!("the history table of suffix {suffix}"),
            None => "the local history store".to_string(),
        };
        return Err(if scans.is_empty() {
            InputError(format!(
                "no stored scan in {store_name} and no --input: run `compliance scan` first \
                 (it stores every scan), or pass --input FILE from `compliance scan --format json --out FILE`"
            ))
        } else {
            InputError(format!(
                "no stored scan `{wanted}` in {store_name} (`compliance history` lists them)"
            ))
        }
        .into());
    };
    let summary = &scans[position];
    let records = store.scan_records(&summary.scan_id).await?;
    let mut findings = findings_of(&records, &catalogue);
    drop(records);
    // first_seen: walk back while some violation's run is still open.
    let mut walk = FirstSeen::new(&findings, &summary.timestamp);
    for earlier in scans[..position].iter().rev() {
        let records = store.scan_records(&earlier.scan_id).await?;
        if !walk.earlier(&earlier.timestamp, &records) {
            break;
        }
    }
    walk.apply(&mut findings);
    let rule_ids: BTreeSet<&str> = findings.iter().map(|f| &*f.rule_id).collect();
    let rules: Vec<RuleInfo> = rule_ids
        .into_iter()
        .filter_map(|id| catalogue.get(id))
        .map(|r| RuleInfo::of(r))
        .collect();
    let mut report = ScanReport::build(
        Meta {
            scan_id: summary.scan_id.clone(),
            generated_at: summary.timestamp.clone(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            source: Source {
                kind: "history".into(),
                inputs: vec![summary.source.clone()],
            },
            resources: summary.resources,
            rules: rules.len(),
            threshold: summary.threshold,
        },
        findings,
        Vec::new(),
        Vec::new(),
    );
    report.rules = rules;
    Ok(report)
}
