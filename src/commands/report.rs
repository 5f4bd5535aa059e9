//! `compliance report`: renders the latest stored scan, a stored scan
//! (`--scan ID`) or findings files (`--input`, several merged) in the formats
//! auditors and other tools take, to stdout, `--out FILE` or one file per
//! format in `--out-dir DIR`, without scanning again; `--to securityhub`
//! also imports the ASFF documents into Security Hub. With `--since`, it
//! summarises the stored scans of a period instead.

use crate::cli::{GlobalArgs, ReportArgs, ReportTarget, StoreArgs};
use crate::commands::{
    commit_out, connection, discard_out, emit, exit, load_catalogue, open_out, InputError,
};
use crate::core::delivery::{presign_secs, Destination};
use crate::core::history::{parse_since, violations};
use crate::core::period::{scans_for, PeriodBuilder};
use crate::core::report::ScanReport;
use crate::output;
use crate::output::html::{HtmlContext, PreviousScan, TrendPoint};
use crate::output::notice;
use crate::output::report::{self, Options, ReportFormat};
use crate::pipeline::report_source::{Opened, ReportSource};
use crate::pipeline::stores::open;
use crate::store::HistoryStore;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::time::Duration;

/// How many stored scans the HTML trend shows at most (the latest ones).
const TREND_SCANS: usize = 120;

pub async fn run(global: &GlobalArgs, args: &ReportArgs) -> Result<u8> {
    let mut formats: Vec<ReportFormat> = Vec::new();
    for f in &args.format {
        if !formats.contains(f) {
            formats.push(*f);
        }
    }
    if formats.len() > 1 && args.out_dir.is_none() {
        return Err(InputError(format!(
            "--format given {} times: several formats need --out-dir DIR (one file each)",
            formats.len()
        ))
        .into());
    }
    if args.to == Some(ReportTarget::Securityhub) && !formats.contains(&ReportFormat::Asff) {
        return Err(InputError(
            "--to securityhub imports AWS Security Finding Format documents: add --format asff"
                .into(),
        )
        .into());
    }
    // Upload flags are checked before anything is read or written.
    let presign = args
        .presign
        .as_deref()
        .map(|p| presign_secs(p).map_err(|e| InputError(format!("--presign {e}"))))
        .transpose()?
        .map(Duration::from_secs);
    let named = match args.upload.as_deref() {
        None | Some("") => None,
        Some(uri) => {
            Some(Destination::parse(uri).map_err(|e| InputError(format!("--upload {e}")))?)
        }
    };
    if args.upload.as_deref() == Some("") && args.store.suffix.is_none() {
        return Err(InputError(
            "--upload without s3://BUCKET/PREFIX/ uses the evidence bucket of --suffix: pass one of them"
                .into(),
        )
        .into());
    }
    if let Some(since) = &args.since {
        return period(global, args, since, &formats, named, presign).await;
    }
    let source = ReportSource::of(&args.input, args.scan.as_deref(), &args.store);
    let opened = source.open(global, || load_catalogue(global)).await?;
    let html = if formats.contains(&ReportFormat::Html) {
        let head = &opened.head;
        stored_context(global, &args.store, &head.scan_id, &head.generated_at).await?
    } else {
        HtmlContext::default()
    };
    let mut options = Options {
        all: args.all,
        html,
        asff_account: None,
        asff_region: global
            .region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok())
            .filter(|r| !r.is_empty()),
    };
    // Security Hub: findings without an account go to the caller's, and the
    // product ARN names the region imported into.
    let hub = match args.to {
        Some(ReportTarget::Securityhub) => {
            let aws =
                crate::aws::Aws::connect(&connection(global, 5, Duration::from_secs(60))).await;
            let region = aws.default_region().ok_or_else(|| {
                InputError(
                    "--to securityhub: no AWS region: pass --region or set AWS_REGION".into(),
                )
            })?;
            let (account, _) = crate::aws::identity(&aws, &region).await?;
            options.asff_account = Some(account);
            options.asff_region = Some(region.clone());
            Some((aws, region))
        }
        None => None,
    };
    // One destination per format: a file in --out-dir, else --out or stdout.
    // An import alone (--to, no --out) does not also print the documents.
    // An upload needs files: without --out or --out-dir they go to ./report.*.
    let out_dir = args
        .out_dir
        .clone()
        .or_else(|| (args.upload.is_some() && args.out.is_none()).then(|| PathBuf::from(".")));
    let targets: Vec<(ReportFormat, Option<PathBuf>)> = match &out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create the directory", dir.display()))?;
            formats
                .iter()
                .map(|f| (*f, Some(dir.join(f.file_name()))))
                .collect()
        }
        None if hub.is_some() && args.out.is_none() => Vec::new(),
        None => vec![(formats[0], args.out.clone())],
    };
    let report = write_all(opened, &targets, &options, hub.is_some(), out_dir.is_some())?;
    let mut code = exit::OK;
    if let Some((aws, region)) = hub {
        code = code.max(import(&aws, &region, &report, &options).await?);
    }
    if args.upload.is_some() {
        let files: Vec<(ReportFormat, PathBuf)> = targets
            .into_iter()
            .filter_map(|(f, p)| Some((f, p?)))
            .collect();
        let at = (report.generated_at.as_str(), report.scan_id.as_str());
        code = code.max(upload(global, args, named, at, &files, presign).await?);
    }
    Ok(code)
}

/// `--upload`: every written file into S3. A failure is reported with the
/// service's code and request id and leaves the local files in place (exit 3).
/// `at` is the report's time and name (a scan id, or the period), which place
/// it in the evidence bucket.
async fn upload(
    global: &GlobalArgs,
    args: &ReportArgs,
    named: Option<Destination>,
    at: (&str, &str),
    files: &[(ReportFormat, PathBuf)],
    presign: Option<Duration>,
) -> Result<u8> {
    let outcome = async {
        let (aws, home, destination) = match (named, &args.store.suffix) {
            (Some(d), _) => {
                let aws =
                    crate::aws::Aws::connect(&connection(global, 5, Duration::from_secs(60))).await;
                let home = aws.default_region().ok_or_else(|| {
                    InputError("--upload: no AWS region: pass --region or set AWS_REGION".into())
                })?;
                (aws, home, d)
            }
            (None, Some(suffix)) => {
                let stack = crate::pipeline::stores::stack(global, suffix).await?;
                let d = Destination::evidence(&stack.names.bucket, at.0, at.1);
                (stack.aws, stack.region, d)
            }
            (None, None) => {
                return Err(
                    InputError("--upload needs s3://BUCKET/PREFIX/ or --suffix".into()).into(),
                )
            }
        };
        let target = crate::aws::upload::target(&aws, &home, &destination.bucket).await?;
        let mut done = Vec::new();
        for (format, path) in files {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| format.file_name().to_string());
            done.push(
                target
                    .put(
                        path,
                        &destination.key(&name),
                        format.content_type(),
                        presign,
                    )
                    .await?,
            );
        }
        anyhow::Ok(done)
    }
    .await;
    match outcome {
        Ok(done) => {
            crate::output::report::print_uploads(&done)?;
            Ok(exit::OK)
        }
        Err(e) if crate::commands::exit_code_for(&e) == exit::INPUT => Err(e),
        Err(e) => {
            notice::error(format!("upload failed: {e:#}"));
            let kept: Vec<String> = files.iter().map(|(_, p)| p.display().to_string()).collect();
            notice::error(format!("the report is kept locally: {}", kept.join(", ")));
            Ok(exit::RUNTIME)
        }
    }
}

/// Every target written from one pass over the findings: each format
/// starts before the first finding, takes each as it comes, and finishes
/// when the source is done. A failure anywhere removes every partial file.
/// Returns the final report, holding its findings only when `keep` (the
/// Security Hub import needs them after the files are written).
fn write_all(
    opened: Opened,
    targets: &[(ReportFormat, Option<PathBuf>)],
    options: &Options,
    keep: bool,
    announce: bool,
) -> Result<ScanReport> {
    let discard = |from: usize| {
        for (_, path) in &targets[from..] {
            discard_out(path.as_deref());
        }
    };
    let mut writers = Vec::with_capacity(targets.len());
    for (format, path) in targets {
        let started = open_out(path.as_deref())
            .and_then(|out| Ok(report::start(*format, out, &opened.head, options)?));
        match started {
            Ok(w) => writers.push(w),
            Err(e) => {
                discard(0);
                return Err(e);
            }
        }
    }
    let mut held = Vec::new();
    let streamed = opened.stream(|f| {
        for w in writers.iter_mut() {
            w.finding(f)?;
        }
        if keep {
            held.push(f.clone());
        }
        Ok(())
    });
    let mut report = match streamed {
        Ok(report) => report,
        Err(e) => {
            discard(0);
            return Err(e.into());
        }
    };
    for (i, (writer, (format, path))) in writers.into_iter().zip(targets).enumerate() {
        let left_out = match writer.finish(&report) {
            Ok(n) => n,
            Err(e) => {
                discard(i);
                return Err(e.into());
            }
        };
        commit_out(path.as_deref())?;
        if left_out > 0 {
            notice::note(format!(
                "{}: {left_out} finding(s) name no account or region and were left out (pass --region; --to securityhub uses the caller's account)",
                format.name()
            ));
        }
        if let (Some(p), true) = (path, announce) {
            notice::note(format!("wrote {}", p.display()));
        }
    }
    report.findings = held;
    Ok(report)
}

/// `--to securityhub`: imports every ASFF document; any finding not imported
/// makes the exit code 3, with its id and the service's error code.
async fn import(
    aws: &crate::aws::Aws,
    region: &str,
    report: &ScanReport,
    options: &Options,
) -> Result<u8> {
    let context = crate::output::asff::Context::of(options);
    let documents = crate::output::asff::Documents::new(report, context);
    let docs: Vec<crate::output::asff::Document> = report
        .findings
        .iter()
        .filter_map(|f| documents.document(f))
        .collect();
    let outcome = crate::aws::securityhub::import(aws, region, &docs).await?;
    notice::note(format!(
        "imported {} of {} finding(s) into Security Hub in {region} ({} BatchImportFindings call(s))",
        outcome.imported,
        docs.len(),
        outcome.calls
    ));
    if outcome.failed.is_empty() {
        return Ok(exit::OK);
    }
    for (id, (code, message)) in outcome.failed.iter().take(20) {
        notice::error(format!("finding {id} not imported: {code}: {message}"));
    }
    if outcome.failed.len() > 20 {
        notice::error(format!("… and {} more", outcome.failed.len() - 20));
    }
    Ok(exit::RUNTIME)
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

/// `report --since`: the period summary of the stored scans, in the formats
/// a period has (the per-finding formats have no findings to show).
async fn period(
    global: &GlobalArgs,
    args: &ReportArgs,
    since: &str,
    formats: &[ReportFormat],
    named: Option<Destination>,
    presign: Option<Duration>,
) -> Result<u8> {
    let format = match formats {
        [one] => *one,
        _ => {
            return Err(InputError(
                "--since writes one format: table, json, markdown or html".into(),
            )
            .into())
        }
    };
    if !matches!(
        format,
        ReportFormat::Table | ReportFormat::Json | ReportFormat::Markdown | ReportFormat::Html
    ) {
        return Err(InputError(format!(
            "--since summarises a period as table, json, markdown or html, not {}",
            format.name()
        ))
        .into());
    }
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
    let text = match format {
        ReportFormat::Json => output::json::render(&summary)?,
        ReportFormat::Markdown => output::period::render_markdown(&summary),
        ReportFormat::Html => output::html::render_period(&summary),
        _ => output::period::render_table(&summary),
    };
    if args.upload.is_none() {
        emit(args.out.as_deref(), &text)?;
        return Ok(exit::OK);
    }
    // An upload needs a file: --out, else the format's name in --out-dir or here.
    let path = match (&args.out, &args.out_dir) {
        (Some(p), _) => p.clone(),
        (None, Some(dir)) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create the directory", dir.display()))?;
            dir.join(format.file_name())
        }
        (None, None) => PathBuf::from(format.file_name()),
    };
    emit(Some(&path), &text)?;
    let generated_at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let label = format!("since-{}", summary.since.replace(':', "-"));
    upload(
        global,
        args,
        named,
        (&generated_at, &label),
        &[(format, path)],
        presign,
    )
    .await
}
