//! `compliance scan`: judge resources against the catalogue and report findings.
//!
//! The command only turns flags into a pipeline run (see `pipeline`): the
//! source (snapshot files or the live account), the sinks (the report renderer
//! on stdout or `--out`, the history records), then the steps after the
//! findings are out (history, alerts, metrics) and the exit code.

use crate::aws::accounts::AssumeOptions;
use crate::cli::{FailOn, GlobalArgs, ScanArgs, SourceChoice};
use crate::commands::{
    commit_out, discard_out, exit, load_catalogue, load_settings, open_out, progress_enabled,
    InputError,
};
use crate::core::catalogue::Catalogue;
use crate::core::engine::Engine;
use crate::core::finding::Severity;
use crate::core::report::{ScanError, Source};
use crate::core::rule::Rule;
use crate::core::shard::ShardSpec;
use crate::output::notice;
use crate::output::report::{Options, ReportFormat};
use crate::pipeline::accounts::{self, LiveSource, OrgOptions};
use crate::pipeline::history::{self, LocalRecords, Recording, Records};
use crate::pipeline::live::{self, LiveError};
use crate::pipeline::render::{Failing, FormatSink};
use crate::pipeline::{connection, snapshot, Head, Run, Sink};
use anyhow::Result;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub async fn run(global: &GlobalArgs, args: &ScanArgs) -> Result<u8> {
    let started = Instant::now();
    let catalogue = load_catalogue(global)?;
    let mut settings = load_settings(global, Some(&catalogue))?;
    let rules = select_rules(&catalogue, &args.rule)?;
    if let Some(suffix) = &args.history.suffix {
        crate::core::stack::validate_suffix(suffix).map_err(InputError)?;
    }
    let wanted = wanted_types(&args.resources)?;
    let org = org_options(args)?;

    // A live scan settles regions, identity and SSM parameters before anything is written.
    let scan_limit = Duration::from_secs(args.timeout.max(1));
    let live_opts = live::Options {
        // No single call may outlive the scan's own limit.
        connection: connection(
            global,
            args.max_attempts,
            Duration::from_secs(args.call_timeout.max(1)).min(scan_limit),
        ),
        regions: &args.regions,
        wanted: wanted.as_ref(),
        concurrency: usize::from(args.concurrency),
        page_size: args.page_size,
        detect_drift: args.detect_drift,
        deadline: started + scan_limit,
        progress: progress_enabled(global),
    };
    let prepared = if args.snapshot.is_empty() {
        Some(
            live::prepare(&live_opts, &rules, &mut settings)
                .await
                .map_err(live_error)?,
        )
    } else {
        None
    };

    let engine = Engine::new(&rules, &settings);
    for broken in engine.broken_rules() {
        tracing::warn!("{broken}");
    }
    let mut head = Head::now(&rules, &settings);
    if let Some(id) = &args.org.scan_id {
        head.scan_id = id.clone();
    }
    // The HTML report's trend and "since the previous scan" come from the local
    // store, read before this scan's records are written to it; with --suffix,
    // `report --format html --suffix` has the table's trend.
    let html_context = match (args.format, &args.history.suffix) {
        (ReportFormat::Html, None) => {
            let store = crate::pipeline::stores::local(&args.history)?;
            match crate::commands::report::html_context(&store, &head.scan_id, &head.generated_at)
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!("the HTML report has no trend: {e}");
                    Default::default()
                }
            }
        }
        _ => Default::default(),
    };
    // With history, the previous stored scan is read once, before this
    // scan's records are written: it dates this scan's open findings.
    let (run_starts, mut table_start) = if args.no_history {
        (None, None)
    } else {
        history::before_scan(global, &args.history).await
    };
    // History: the suffix's table is written after the scan; the local store
    // as the findings pass, in one transaction.
    let table_records = match (&args.history.suffix, args.no_history) {
        (Some(_), false) => Some(Records::new(&head)),
        _ => None,
    };
    let local_records = match (&args.history.suffix, args.no_history) {
        (None, false) => Some(LocalRecords::open(&args.history, &head)),
        _ => None,
    };
    let failing = Failing::default();
    let out = open_out(args.out.as_deref())?;
    let options = Options {
        all: args.all,
        html: html_context,
        asff_account: None,
        asff_region: global
            .region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok())
            .filter(|r| !r.is_empty()),
    };
    let mut sinks: Vec<Box<dyn Sink>> = vec![Box::new(FormatSink::start(
        args.format,
        out,
        &head,
        &options,
    )?)];
    if let Some(records) = &table_records {
        sinks.push(Box::new(records.clone()));
        sinks.push(Box::new(failing.clone()));
    }
    if let Some(records) = &local_records {
        sinks.push(Box::new(records.clone()));
    }
    let mut run = Run::new(head, &settings, sinks);
    if let Some(starts) = run_starts {
        run.date_from(starts);
    }

    let read = read_all(
        global,
        args,
        prepared,
        &live_opts,
        org.as_ref(),
        &engine,
        &mut run,
    )
    .await;
    let (source, resources, errors, partial) = match read {
        Ok(read) => read,
        Err(e) => {
            discard_out(args.out.as_deref());
            return Err(e);
        }
    };
    let failing_now = run.failing_at(fail_on(args.fail_on));
    let report = match run.finish(source, resources, errors) {
        Ok(report) => report,
        Err(e) => {
            discard_out(args.out.as_deref());
            return Err(e.into());
        }
    };
    commit_out(args.out.as_deref())?;

    // The findings are out; what follows must not lose them if it fails.
    let mut recorded = Ok(());
    if let Some(local) = &local_records {
        match local.outcome() {
            Ok((path, n)) => tracing::info!(
                "scan {} stored in {path} ({n} resource records)",
                report.scan_id
            ),
            Err(e) => recorded = Err(anyhow::anyhow!(e)),
        }
    }
    if let (Some(records), Some(suffix)) = (&table_records, &args.history.suffix) {
        let how = Recording {
            global,
            alert_on: &args.alert_on,
            realert: args.realert,
            duration_secs: started.elapsed().as_secs_f64(),
        };
        recorded = history::record(
            &how,
            suffix,
            &report,
            records.take(),
            failing.take(),
            table_start.take(),
        )
        .await;
    }
    if let Err(e) = recorded {
        notice::error(format!("{e:#}"));
        notice::error(
            "the findings above are complete, but not everything after the scan succeeded",
        );
        return Ok(exit::RUNTIME);
    }
    if partial {
        notice::error(format!(
            "the scan is partial: {} AWS call(s) failed (listed under errors); affected rules are marked error",
            report.errors.len()
        ));
        return Ok(exit::RUNTIME);
    }
    Ok(if failing_now > 0 {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

/// Runs the chosen source into `run`: (source, resources, errors, partial).
async fn read_all(
    global: &GlobalArgs,
    args: &ScanArgs,
    prepared: Option<live::Prepared>,
    live_opts: &live::Options<'_>,
    org: Option<&OrgOptions>,
    engine: &Engine,
    run: &mut Run,
) -> Result<(Source, usize, Vec<ScanError>, bool)> {
    Ok(match prepared {
        None => {
            let bar = crate::output::progress::bar(
                args.snapshot.len() as u64,
                "files",
                progress_enabled(global),
            );
            let wanted = live_opts.wanted;
            let read = snapshot::read(&args.snapshot, engine, wanted, run, &bar)?;
            (read.source, read.resources, read.errors, false)
        }
        Some(prepared) => {
            let read = match org {
                Some(org) => accounts::read(prepared, live_opts, org, engine, run).await,
                None => live::read(prepared, live_opts, engine, run).await,
            }
            .map_err(live_error)?;
            (read.source, read.resources, read.errors, read.partial)
        }
    })
}

/// The organisation, shard and source flags, checked; `None` for a plain
/// live scan of the caller's account through the service APIs.
fn org_options(args: &ScanArgs) -> Result<Option<OrgOptions>> {
    let o = &args.org;
    if let Some(id) = &o.scan_id {
        if id.is_empty()
            || id.len() > 128
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        {
            return Err(InputError(format!(
                "--scan-id `{id}`: use 1-128 letters, digits, `-`, `_`, `.` or `:`"
            ))
            .into());
        }
    }
    if o.aggregator.is_some() && o.source != SourceChoice::Config {
        return Err(InputError("--aggregator needs --source config".into()).into());
    }
    if o.aggregator.is_some() && !o.accounts.is_empty() {
        return Err(InputError(
            "--aggregator reads every account the aggregator covers; drop --accounts".into(),
        )
        .into());
    }
    if o.accounts.iter().any(|a| a == "all") && o.accounts.len() > 1 {
        return Err(InputError("--accounts: `all` stands alone".into()).into());
    }
    if o.accounts.len() > 1 || o.accounts.first().is_some_and(|a| a != "all") {
        accounts::parse_account_ids(&o.accounts)?;
    }
    let shard = match &o.shard {
        Some(s) => Some(
            s.parse::<ShardSpec>()
                .map_err(|e| InputError(format!("--shard: {e}")))?,
        ),
        None => None,
    };
    let source = match (o.source, &o.aggregator) {
        (SourceChoice::Api, _) => LiveSource::Api,
        (SourceChoice::Config, None) => LiveSource::Config,
        (SourceChoice::Config, Some(name)) => LiveSource::Aggregator(name.clone()),
    };
    if o.accounts.is_empty() && shard.is_none() && source == LiveSource::Api {
        return Ok(None);
    }
    if !args.snapshot.is_empty() {
        return Ok(None);
    }
    let org = OrgOptions {
        accounts: o.accounts.clone(),
        assume: AssumeOptions {
            role_name: o.role_name.clone(),
            external_id: o.external_id.clone(),
            session_name: o.role_session_name.clone(),
        },
        account_concurrency: usize::from(o.account_concurrency),
        shard,
        source,
    };
    // `--shard auto` without the engine's variables is a usage error: say so
    // before connecting.
    org.resolve_shard()?;
    Ok(Some(org))
}

/// Input problems of a live scan exit 2; the rest are AWS or runtime failures.
fn live_error(e: LiveError) -> anyhow::Error {
    match e {
        LiveError::Input(e) => e.into(),
        other => other.into(),
    }
}

fn select_rules(catalogue: &Catalogue, patterns: &[String]) -> Result<Vec<Arc<Rule>>> {
    let mut rules = catalogue.rules();
    if patterns.is_empty() {
        return Ok(rules);
    }
    let mut matchers = Vec::new();
    for pattern in patterns {
        let glob = globset::Glob::new(pattern)
            .map_err(|e| InputError(format!("--rule {pattern}: {e}")))?
            .compile_matcher();
        if !rules.iter().any(|r| glob.is_match(&r.id)) {
            let similar = catalogue.similar(pattern);
            return Err(InputError(format!(
                "--rule {pattern}: no rule matches{}",
                if similar.is_empty() {
                    String::new()
                } else {
                    format!(" (did you mean {}?)", similar.join(", "))
                }
            ))
            .into());
        }
        matchers.push(glob);
    }
    rules.retain(|r| matchers.iter().any(|m| m.is_match(&r.id)));
    Ok(rules)
}

fn wanted_types(kinds: &[String]) -> Result<Option<HashSet<String>>> {
    if kinds.is_empty() {
        return Ok(None);
    }
    let types = crate::core::registry::types_of_kinds(kinds)
        .map_err(|e| InputError(format!("--resources: {e}")))?;
    Ok(Some(types.into_iter().map(str::to_string).collect()))
}

/// The severity floor of `--fail-on`, `None` for `--fail-on none`.
pub fn fail_on(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Critical => Some(Severity::Critical),
        FailOn::High => Some(Severity::High),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::Low => Some(Severity::Low),
        FailOn::Info => Some(Severity::Info),
        FailOn::None => None,
    }
}
