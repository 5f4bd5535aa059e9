//! `compliance report`: renders a findings file in another format, for auditors
//! and other tools, without scanning again; or, with `--since`, summarises the
//! stored scans of a period.

use crate::cli::{GlobalArgs, ReportArgs, ReportFormat, StoreArgs};
use crate::commands::{
    commit_out, discard_out, emit, exit, load_catalogue, open_out, read_input, InputError,
};
use crate::core::history::{parse_since, violations};
use crate::core::period::{scans_for, PeriodBuilder};
use crate::core::report::ScanReport;
use crate::output;
use crate::output::html::{HtmlContext, PreviousScan, TrendPoint};
use crate::pipeline::stores::open;
use crate::store::HistoryStore;
use anyhow::Result;

/// How many stored scans the HTML trend shows at most (the latest ones).
const TREND_SCANS: usize = 120;

pub async fn run(global: &GlobalArgs, args: &ReportArgs) -> Result<u8> {
    if let Some(since) = &args.since {
        return period(global, args, since).await;
    }
    let input = args
        .input
        .as_ref()
        .ok_or_else(|| InputError("--input FILE or --since AGE is required".into()))?;
    let name = input.display().to_string();
    let report = ScanReport::parse(&name, &read_input(input)?)?;
    match args.format {
        ReportFormat::Json => {
            let out = open_out(args.out.as_deref())?;
            if let Err(e) = output::json::write_report(out, &report) {
                discard_out(args.out.as_deref());
                return Err(e.into());
            }
            commit_out(args.out.as_deref())?;
        }
        ReportFormat::Table => emit(
            args.out.as_deref(),
            &output::table::render_report(&report, args.all),
        )?,
        ReportFormat::Html => {
            let context =
                stored_context(global, &args.store, &report.scan_id, &report.generated_at).await?;
            let out = open_out(args.out.as_deref())?;
            if let Err(e) = output::html::write_report(out, &report, context) {
                discard_out(args.out.as_deref());
                return Err(e.into());
            }
            commit_out(args.out.as_deref())?;
        }
    }
    Ok(exit::OK)
}

/// What history says around a stored scan, for the HTML report: with
/// `--suffix`, the suffix's table (failures are errors: the user asked for
/// it); without, the local store when it can be read. A scan the store does
/// not hold (a file from elsewhere, or `scan --no-history`) has no trend.
pub async fn stored_context(
    global: &GlobalArgs,
    store: &StoreArgs,
    scan_id: &str,
    generated_at: &str,
) -> Result<HtmlContext> {
    let opened = open(global, store).await;
    let store = match opened {
        Ok(s) => s,
        Err(e) if store.suffix.is_none() => {
            tracing::info!("no history for the report's trend: {e:#}");
            return Ok(HtmlContext::default());
        }
        Err(e) => return Err(e),
    };
    match html_context(&store, scan_id, generated_at).await {
        // A file from another store (another machine, account or shard) has
        // no place in this store's trend: its neighbours would be unrelated scans.
        Ok(c) if !c.trend.iter().any(|p| p.scan_id == scan_id) => {
            tracing::info!("scan {scan_id} is not in the history store: the report has no trend");
            Ok(HtmlContext::default())
        }
        Ok(c) => Ok(c),
        Err(e) if matches!(e, crate::store::StoreError::Local { .. }) => {
            tracing::info!("no history for the report's trend: {e}");
            Ok(HtmlContext::default())
        }
        Err(e) => Err(e.into()),
    }
}

/// The trend up to a scan and the stored scan just before it (with its
/// violations, for "new and resolved").
pub async fn html_context<S: HistoryStore>(
    store: &S,
    scan_id: &str,
    generated_at: &str,
) -> Result<HtmlContext, crate::store::StoreError> {
    let scans = store.scans(None).await?;
    let upto: Vec<_> = scans
        .iter()
        .filter(|s| s.timestamp.as_str() <= generated_at || s.scan_id == scan_id)
        .collect();
    let previous = upto
        .iter()
        .rev()
        .find(|s| s.scan_id != scan_id && s.timestamp.as_str() < generated_at);
    let previous = match previous {
        Some(p) => Some(PreviousScan {
            scan_id: p.scan_id.clone(),
            timestamp: p.timestamp.clone(),
            violations: violations(&store.scan_records(&p.scan_id).await?),
        }),
        None => None,
    };
    let skip = upto.len().saturating_sub(TREND_SCANS);
    Ok(HtmlContext {
        trend: upto
            .iter()
            .skip(skip)
            .map(|s| TrendPoint {
                scan_id: s.scan_id.clone(),
                timestamp: s.timestamp.clone(),
                score: s.score,
                threshold: s.threshold,
            })
            .collect(),
        previous,
    })
}

/// `report --since`: the period summary of the stored scans.
async fn period(global: &GlobalArgs, args: &ReportArgs, since: &str) -> Result<u8> {
    let since =
        parse_since(since, chrono::Utc::now()).map_err(|e| InputError(format!("--since {e}")))?;
    let catalogue = load_catalogue(global)?;
    let frameworks = catalogue
        .rules()
        .iter()
        .map(|r| (r.id.clone(), r.frameworks.to_vec()))
        .collect();
    let store = open(global, &args.store).await?;
    let mut builder = PeriodBuilder::new(&since, frameworks);
    for scan in scans_for(&store.scans(None).await?, &since) {
        let records = store.scan_records(&scan.scan_id).await?;
        builder.add(&scan, &records);
    }
    let summary = builder.finish();
    match args.format {
        ReportFormat::Table => emit(args.out.as_deref(), &output::period::render_table(&summary))?,
        ReportFormat::Json => emit(args.out.as_deref(), &output::json::render(&summary)?)?,
        ReportFormat::Html => emit(args.out.as_deref(), &output::html::render_period(&summary))?,
    }
    Ok(exit::OK)
}
