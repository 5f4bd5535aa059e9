//! `compliance scan`: evaluate resources against the catalogue and report findings.
//!
//! Resources come either from files (`--snapshot`: AWS Config snapshot and history
//! files, notifications, rule events, API responses), so the engine works offline
//! on evidence an auditor already holds, or from the live account through the AWS
//! SDK (the default). Both paths feed the same engine and the same report.
//!
//! A live scan never stops at the first failure: what could be read is judged,
//! what could not is listed in `errors` and marked `error` in the findings, and the
//! exit code is 3 so automation notices the scan was partial.

use crate::aws::collect::{collect_all, ec2::enabled_regions, Plan};
use crate::aws::error::AwsError;
use crate::aws::{ssm, Aws};
use crate::cli::{AlertOnChoice, FailOn, Format, GlobalArgs, ScanArgs};
use crate::commands::{connection, history_context};
use crate::commands::{
    emit, exit, load_catalogue, load_settings, progress_enabled, read_input, InputError,
};
use crate::core::alert::{compose, AlertOn, Previous};
use crate::core::catalogue::Catalogue;
use crate::core::engine::Engine;
use crate::core::exemption;
use crate::core::finding::{Finding, Severity};
use crate::core::history::{self, violations};
use crate::core::pipeline::evaluate_document;
use crate::core::report::{Meta, ScanError, ScanReport, Source};
use crate::core::resource::types_for_kind;
use crate::core::resource::ConfigItem;
use crate::core::rule::Rule;
use crate::core::settings::Settings;
use crate::core::timestamp;
use crate::output;
use crate::store::HistoryStore;
use anyhow::Result;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// What either source produced, before exemptions and scoring.
struct Scanned {
    findings: Vec<Finding>,
    errors: Vec<ScanError>,
    resources: usize,
    rules: usize,
    source: Source,
    /// Something could not be read from AWS: the exit code is 3.
    partial: bool,
}

pub fn run(global: &GlobalArgs, args: &ScanArgs) -> Result<u8> {
    let started = std::time::Instant::now();
    let catalogue = load_catalogue(global)?;
    let settings = load_settings(global, Some(&catalogue))?;
    let rules = select_rules(&catalogue, &args.rule)?;
    if let Some(suffix) = &args.history.suffix {
        crate::core::stack::validate_suffix(suffix).map_err(InputError)?;
    }
    let wanted = wanted_types(&args.resources)?;

    let scanned = if args.snapshot.is_empty() {
        scan_live(global, args, &rules, settings.clone(), wanted.as_ref())?
    } else {
        scan_files(global, args, &rules, &settings, wanted.as_ref())?
    };

    let mut findings = scanned.findings;
    let now = chrono::Utc::now();
    let expired = exemption::apply(&settings.exemptions, &mut findings, now.date_naive());
    for e in &expired {
        tracing::warn!(
            "exemption for {} on {} expired on {} (owner {}); its findings count again",
            e.rule,
            e.resource,
            e.expires,
            e.owner
        );
    }
    let report = ScanReport::build(
        Meta {
            scan_id: uuid::Uuid::now_v7().to_string(),
            generated_at: timestamp::format(&now),
            version: env!("CARGO_PKG_VERSION").to_string(),
            source: scanned.source,
            resources: scanned.resources,
            rules: scanned.rules,
            threshold: settings.scoring.threshold,
        },
        findings,
        scanned.errors,
        expired,
    );

    let text = match args.format {
        Format::Json => output::json::render(&report)?,
        Format::Table => output::table::render_report(&report, args.all),
    };
    emit(args.out.as_deref(), &text)?;
    // The findings are out; what follows must not lose them if it fails.
    let mut after = Vec::new();
    if !args.no_history {
        if let Err(e) = record_history(global, args, &report, started.elapsed().as_secs_f64()) {
            after.push(format!("{e:#}"));
        }
    }
    if !after.is_empty() {
        for problem in &after {
            eprintln!("error: {problem}");
        }
        eprintln!(
            "error: the findings above are complete, but not everything after the scan succeeded"
        );
        return Ok(exit::RUNTIME);
    }
    if scanned.partial {
        eprintln!(
            "error: the scan is partial: {} AWS call(s) failed (listed under errors); affected rules are marked error",
            report.errors.len()
        );
        return Ok(exit::RUNTIME);
    }
    Ok(if report.failing_at(fail_on(args.fail_on)) > 0 {
        exit::FINDINGS
    } else {
        exit::OK
    })
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

fn wanted_types(kinds: &[String]) -> Result<Option<HashSet<&'static str>>> {
    if kinds.is_empty() {
        return Ok(None);
    }
    let mut types = HashSet::new();
    for kind in kinds {
        let found = types_for_kind(kind).ok_or_else(|| {
            InputError(format!(
                "--resources: unknown kind `{kind}` (ec2, sg, ebs, s3, rds, iam, cfn)"
            ))
        })?;
        types.extend(found.iter().copied());
    }
    Ok(Some(types))
}

fn scan_files(
    global: &GlobalArgs,
    args: &ScanArgs,
    rules: &[Arc<Rule>],
    settings: &Settings,
    wanted: Option<&HashSet<&'static str>>,
) -> Result<Scanned> {
    let engine = Engine::new(rules, settings);
    for broken in engine.broken_rules() {
        tracing::warn!("{broken}");
    }
    let bar = output::progress::bar(
        args.snapshot.len() as u64,
        "files",
        progress_enabled(global),
    );
    let mut findings = Vec::new();
    let mut errors: Vec<ScanError> = Vec::new();
    let mut resources = 0usize;
    for path in &args.snapshot {
        let name = path.display().to_string();
        bar.set_message(name.clone());
        let text = read_input(path)?;
        let keep =
            |item: &ConfigItem| wanted.is_none_or(|w| w.contains(item.resource_type.as_str()));
        let evaluated = evaluate_document(&engine, &name, text, &keep)?;
        errors.extend(evaluated.skipped.into_iter().map(ScanError::from));
        resources += evaluated.resources;
        findings.extend(evaluated.findings);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(Scanned {
        findings,
        errors,
        resources,
        rules: engine.rule_count(),
        source: Source {
            kind: "snapshot".into(),
            inputs: args
                .snapshot
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
        },
        partial: false,
    })
}

fn scan_live(
    global: &GlobalArgs,
    args: &ScanArgs,
    rules: &[Arc<Rule>],
    mut settings: Settings,
    wanted: Option<&HashSet<&'static str>>,
) -> Result<Scanned> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let scan_limit = Duration::from_secs(args.timeout.max(1));
    let deadline = std::time::Instant::now() + scan_limit;
    runtime.block_on(async {
        // No single call may outlive the scan's own limit.
        let call_timeout = Duration::from_secs(args.call_timeout.max(1)).min(scan_limit);
        let aws = Aws::connect(&connection(global, args.max_attempts, call_timeout)).await;
        let home = match aws.default_region() {
            Some(r) => r,
            None => match args.regions.iter().find(|r| r.as_str() != "all") {
                Some(r) => r.clone(),
                None => {
                    return Err(InputError(
                        "no AWS region: pass --region or --regions, or set AWS_REGION or a region in the profile".into(),
                    )
                    .into())
                }
            },
        };

        let mut errors: Vec<AwsError> = Vec::new();
        let regions: Vec<String> = if args.regions.iter().any(|r| r == "all") {
            enabled_regions(&aws, &home).await?
        } else if args.regions.is_empty() {
            vec![home.clone()]
        } else {
            let mut seen = BTreeSet::new();
            args.regions.iter().filter(|r| seen.insert(r.as_str())).cloned().collect()
        };
        for r in &regions {
            if !crate::core::resource::is_region_name(r) {
                return Err(InputError(format!("--regions: `{r}` is not a region name")).into());
            }
        }

        let account = match crate::aws::identity(&aws, &home).await {
            Ok((account, _)) => Some(account),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let resolved = ssm::resolve(&aws, &home, rules, &mut settings).await.map_err(|e| match e {
            ssm::SsmError::Missing { .. } => anyhow::Error::from(InputError(e.to_string())),
            ssm::SsmError::Aws { .. } => anyhow::Error::from(e),
        })?;
        if resolved > 0 {
            tracing::info!("read {resolved} rule parameter(s) from SSM Parameter Store");
        }

        let engine = Engine::new(rules, &settings);
        for broken in engine.broken_rules() {
            tracing::warn!("{broken}");
        }
        let types: BTreeSet<String> = engine
            .resource_types()
            .into_iter()
            .filter(|t| wanted.is_none_or(|w| w.contains(t.as_str())))
            .collect();
        let plan = Plan {
            regions: regions.clone(),
            types,
            paths: engine.paths(),
            concurrency: usize::from(args.concurrency),
            account: account.clone(),
            page_size: args.page_size,
        };
        let progress = progress_enabled(global).then(indicatif::MultiProgress::new);
        let started = std::time::Instant::now();
        let remaining = deadline.saturating_duration_since(std::time::Instant::now());
        let collected = collect_all(&aws, &plan, remaining, progress.as_ref()).await;
        if let Some(p) = &progress {
            let _ = p.clear();
        }
        tracing::info!(
            "read {} resources with {} API calls in {:.1} s",
            collected.items.len(),
            collected.calls,
            started.elapsed().as_secs_f64()
        );

        let mut findings = Vec::new();
        for item in &collected.items {
            engine.evaluate_into(item, &mut findings);
        }
        for u in &collected.unlisted {
            findings.extend(engine.unlisted_findings(&u.resource_type, &u.region, &u.error.reason()));
        }
        errors.extend(collected.errors);
        Ok(Scanned {
            partial: !errors.is_empty(),
            findings,
            errors: errors.iter().map(AwsError::to_scan_error).collect(),
            resources: collected.items.len(),
            rules: engine.rule_count(),
            source: Source {
                kind: "live".into(),
                inputs: vec![format!(
                    "aws:{}:{}",
                    account.as_deref().unwrap_or("unknown-account"),
                    regions.join(",")
                )],
            },
        })
    })
}

/// Stores the scan in history (the suffix's table, else the local store) and,
/// with a suffix, sends the alert and publishes the metrics. The previous scan
/// is read first so violations it already had are not announced again.
fn record_history(
    global: &GlobalArgs,
    args: &ScanArgs,
    report: &ScanReport,
    duration_secs: f64,
) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let not_written = |e: &dyn std::fmt::Display| {
            anyhow::anyhow!("history not written ({e}); the scan is not recorded")
        };
        // With a suffix the stack is loaded once: its table, topic and metrics.
        let stack = match &args.history.suffix {
            Some(suffix) => Some(
                history_context::stack(global, suffix)
                    .await
                    .map_err(|e| not_written(&format!("{e:#}")))?,
            ),
            None => None,
        };
        let store = match &stack {
            Some(stack) => history_context::dynamo(stack),
            None => history_context::AnyStore::Local(
                history_context::local(&args.history)
                    .map_err(|e| not_written(&format!("{e:#}")))?,
            ),
        };
        let previous = async {
            Ok::<_, crate::store::StoreError>(match store.scans(None).await?.last() {
                Some(last) => Previous {
                    violations: violations(&store.scan_records(&last.scan_id).await?),
                    below_threshold: last.score.is_some_and(|s| s < last.threshold),
                },
                None => Previous::default(),
            })
        }
        .await
        .map_err(|e| not_written(&e))?;
        let (records, summary) = history::records(report);
        store
            .write_scan(&records, &summary)
            .await
            .map_err(|e| not_written(&e))?;
        tracing::info!(
            "scan {} stored in history ({} resource records)",
            report.scan_id,
            records.len()
        );
        let (Some(suffix), Some(stack)) = (&args.history.suffix, stack) else {
            return Ok(());
        };
        // Alerts and metrics go to the stack's topic and namespace; each failure is
        // reported, and the other is still attempted.
        let mut problems = Vec::new();
        let on: Vec<AlertOn> = args
            .alert_on
            .iter()
            .map(|a| match a {
                AlertOnChoice::Critical => AlertOn::Critical,
                AlertOnChoice::High => AlertOn::High,
                AlertOnChoice::Score => AlertOn::Score,
            })
            .collect();
        if let Some(alert) = compose(report, suffix, &on, &previous, args.realert) {
            match crate::aws::alerts::publish(&stack.aws, &stack.region, &stack.topic_arn, &alert)
                .await
            {
                Ok(id) => tracing::info!(
                    "alert sent to {} (message {id}): {}",
                    stack.topic_arn,
                    alert.subject
                ),
                Err(e) => problems.push(format!("alert not sent: {e}")),
            }
        }
        let metrics = crate::core::metrics::of_scan(report, duration_secs);
        if let Err(e) =
            crate::aws::metrics::publish(&stack.aws, &stack.region, suffix, &metrics).await
        {
            problems.push(format!("metrics not published: {e}"));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(anyhow::anyhow!(problems.join("; ")))
        }
    })
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
