//! `compliance remediate`: plan, apply, verify and roll back fixes, with an
//! audit trail in the history store: the DynamoDB table of `--suffix`, else
//! the local store.
//!
//! The command turns flags into a pipeline run (`pipeline::remediate`): read
//! targets live (or a recorded run for `--rollback`), show the plan, refuse it
//! when it is larger than `--max-changes`, apply what the flags permit (`--yes`
//! for safe changes, `--allow disruptive` as well for disruptive ones; manual
//! ones are only listed), and map the outcome to the exit code: 0 nothing
//! failed, 1 a change failed verification or needs a manual fix, 2 bad input
//! or a refused plan, 3 AWS errors (every other change still done).
//!
//! With `--suffix`, the stack `setup` created is used as `scan --suffix` uses
//! it: the trail goes to its history table (and `--log`, `--rollback` and
//! `--from-scan` read from there), an applied run sends one message to its
//! topic and publishes `RemediationSucceeded` / `RemediationFailed`, and
//! `s3-enable-default-encryption` uses its KMS key when the rule names none.
//! A failure to notify or publish comes after the trail is complete: it is
//! reported and exits 3, and the changes stay done and recorded.

use crate::cli::{AllowChoice, Format, GlobalArgs, RemediateArgs};
use crate::commands::{commit_out, exit, load_catalogue, load_settings, open_out, InputError};
use crate::core::engine::Engine;
use crate::core::remediation::{ChangeStatus, Context, Mode, RunRecord};
use crate::core::rule::Rule;
use crate::output::{self, notice};
use crate::pipeline::live;
use crate::pipeline::remediate::{self as pipe, Apply, Trail};
use crate::pipeline::stores::{self, AnyStore, Stack};
use crate::store::local::LocalStore;
use crate::store::RemediationTrail;
use anyhow::Result;
use std::collections::HashSet;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub async fn run(global: &GlobalArgs, args: &RemediateArgs) -> Result<u8> {
    if args.log {
        let store = match &args.suffix {
            Some(suffix) => stores::dynamo(&stores::stack(global, suffix).await?),
            None => AnyStore::Local(LocalStore::locate(args.store.as_deref())?),
        };
        return log(args, &store).await;
    }
    if let Some(suffix) = &args.suffix {
        crate::core::stack::validate_suffix(suffix).map_err(InputError)?;
    }
    let started = Instant::now();
    let catalogue = load_catalogue(global)?;
    let mut settings = load_settings(global, Some(&catalogue))?;
    let rules = select_rules(&catalogue.rules(), &args.rule)?;
    let wanted = match args.resources.is_empty() {
        true => None,
        false => Some(
            crate::core::registry::types_of_kinds(&args.resources)
                .map_err(|e| InputError(format!("--resources: {e}")))?
                .into_iter()
                .map(str::to_string)
                .collect::<HashSet<String>>(),
        ),
    };
    let opts = live::Options {
        connection: crate::pipeline::connection(
            global,
            args.max_attempts,
            Duration::from_secs(args.call_timeout.max(1)),
        ),
        regions: &args.regions,
        wanted: wanted.as_ref(),
        concurrency: 16,
        page_size: None,
        detect_drift: false,
        deadline: started + Duration::from_secs(900),
        progress: false,
    };
    let prepared = live::prepare(&opts, &rules, &mut settings)
        .await
        .map_err(|e| match e {
            live::LiveError::Input(e) => anyhow::Error::from(e),
            other => other.into(),
        })?;
    let (aws, regions, account, mut errors) = prepared.into_parts();
    let stack = match &args.suffix {
        Some(suffix) => Some(stores::stack(global, suffix).await?),
        None => None,
    };
    let store = match &stack {
        Some(stack) => stores::dynamo(stack),
        None => AnyStore::Local(LocalStore::locate(args.store.as_deref())?),
    };
    let home = regions
        .first()
        .cloned()
        .unwrap_or_else(|| "us-east-1".into());
    let caller = pipe::caller(&aws, &home).await;
    let cx = Context {
        stack_kms_key: stack.as_ref().and_then(stack_key),
    };
    let engine = Engine::new(&rules, &settings);
    let plan = pipe::collector_plan(
        &engine,
        &rules,
        regions.clone(),
        account.clone(),
        wanted.as_ref(),
    );
    let calls = AtomicUsize::new(0);
    let run_id = format!("rem-{}", uuid::Uuid::now_v7());
    let now = crate::core::timestamp::format(&chrono::Utc::now());

    let (mode, mut run, targets) = match &args.rollback {
        Some(id) => {
            let recorded = store
                .runs(None)
                .await?
                .into_iter()
                .find(|r| &r.run_id == id)
                .ok_or_else(|| {
                    InputError(format!(
                        "--rollback {id}: no such run in {} (see --log)",
                        store.describe()
                    ))
                })?;
            let targets =
                pipe::rollback_targets(&aws, &plan, &recorded, &settings, &rules, &calls).await;
            let mut run = RunRecord::new(run_id, Mode::Rollback, caller, now);
            run.rollback_of = Some(id.clone());
            (Mode::Rollback, run, targets)
        }
        None if args.from_scan.is_some() || args.input.is_some() => {
            let (findings, source) = stored_findings(args, &store, &catalogue).await?;
            let read = pipe::recheck_targets(
                &aws,
                &plan,
                &rules,
                &settings,
                findings,
                &args.resource,
                &cx,
                &source,
            )
            .await;
            calls.fetch_add(read.calls, Ordering::Relaxed);
            errors.extend(read.errors);
            let mode = if args.yes { Mode::Apply } else { Mode::Plan };
            (
                mode,
                RunRecord::new(run_id, mode, caller, now),
                read.targets,
            )
        }
        None => {
            let read = pipe::read_targets(
                &aws,
                regions.clone(),
                account.clone(),
                &rules,
                &settings,
                wanted.as_ref(),
                &args.resource,
                &cx,
            )
            .await;
            calls.fetch_add(read.calls, Ordering::Relaxed);
            errors.extend(read.errors);
            let mode = if args.yes { Mode::Apply } else { Mode::Plan };
            (
                mode,
                RunRecord::new(run_id, mode, caller, now),
                read.targets,
            )
        }
    };
    let read_calls = calls.load(Ordering::Relaxed);
    run.flags = std::env::args().skip(1).collect();
    run.changes = targets.iter().map(|t| t.record.clone()).collect();
    run.summary = crate::core::remediation::Summary::of(&run.changes);
    for e in &errors {
        notice::error(format!("{e}"));
    }

    let actionable = run
        .changes
        .iter()
        .filter(|c| c.status == ChangeStatus::Planned)
        .count();
    if actionable > args.max_changes {
        run.finish(crate::core::timestamp::format(&chrono::Utc::now()));
        emit(args, &run)?;
        notice::error(format!(
            "refused: the plan has {actionable} changes, more than --max-changes {}; narrow it with --rule/--resource or raise the limit",
            args.max_changes
        ));
        return Ok(exit::INPUT);
    }

    let allow_disruptive = args.allow.contains(&AllowChoice::Disruptive);
    let mut notify_failed = false;
    if args.yes {
        let trail = Trail::open(&store, run).await?;
        let apply = Apply {
            aws: &aws,
            engine: &engine,
            plan: &plan,
            yes: true,
            allow_disruptive,
            concurrency: usize::from(args.concurrency),
            apply_immediately: args.apply_immediately,
            cx: &cx,
            calls: &calls,
            mode,
        };
        pipe::apply_all(&apply, &trail, targets).await?;
        run = trail.finish().await?;
        if let Some(stack) = &stack {
            notify_failed = !notify(stack, &run).await;
        }
    } else {
        run.finish(crate::core::timestamp::format(&chrono::Utc::now()));
    }
    tracing::info!(
        "remediate: {} API calls ({} to read targets) in {:.1} s",
        calls.load(Ordering::Relaxed),
        read_calls,
        started.elapsed().as_secs_f64()
    );
    emit(args, &run)?;
    if !args.yes && run.summary.planned > 0 {
        notice::note(format!(
            "plan only: nothing changed. Apply the safe changes with --yes{}",
            if run.changes.iter().any(|c| c.status == ChangeStatus::Planned
                && c.risk == crate::core::remediation::Risk::Disruptive)
            {
                ", the disruptive ones with --yes --allow disruptive"
            } else {
                ""
            }
        ));
    }
    let aws_failed = run
        .changes
        .iter()
        .any(|c| c.status == ChangeStatus::Failed && c.error.is_some());
    if aws_failed || !errors.is_empty() || notify_failed {
        return Ok(exit::RUNTIME);
    }
    // Applied but not verified (RDS pending the maintenance window) is not "every change verified".
    if run.summary.failed > 0 || run.summary.manual > 0 || run.summary.applied > 0 {
        return Ok(exit::FINDINGS);
    }
    Ok(exit::OK)
}

/// The stack's KMS key for SSE-KMS when the rule names none: the key setup
/// created or adopted (its ARN, as the manifest records it), else the alias
/// when only that is recorded; none for a stack set up without a key.
fn stack_key(stack: &Stack) -> Option<String> {
    use crate::aws::provision::kind::{KMS_ALIAS, KMS_KEY};
    let m = &stack.manifest;
    let recorded = |kind: &str| m.created.get(kind).or_else(|| m.adopted.get(kind));
    if let Some(key) = recorded(KMS_KEY) {
        if key.starts_with("arn:") {
            return Some(key.clone());
        }
        let partition = stack.topic_arn.split(':').nth(1).unwrap_or("aws");
        return Some(format!(
            "arn:{partition}:kms:{}:{}:key/{key}",
            stack.region, stack.account
        ));
    }
    recorded(KMS_ALIAS).map(|_| stack.names.kms_alias.clone())
}

/// One SNS message to the stack's topic and the two metrics, after the trail
/// is complete; false (each failure reported) when either call failed.
async fn notify(stack: &Stack, run: &RunRecord) -> bool {
    use crate::core::remediation::notify;
    let mut ok = true;
    let alert = notify::alert(run, &stack.manifest.suffix);
    match crate::aws::alerts::publish(&stack.aws, &stack.region, &stack.topic_arn, &alert).await {
        Ok(id) => tracing::info!("remediate: message {id} sent to {}", stack.topic_arn),
        Err(e) => {
            notice::error(format!(
                "the run is recorded, but its message was not sent: {e}"
            ));
            ok = false;
        }
    }
    let metrics = notify::metrics(run);
    if let Err(e) =
        crate::aws::metrics::publish(&stack.aws, &stack.region, &stack.manifest.suffix, &metrics)
            .await
    {
        notice::error(format!(
            "the run is recorded, but its metrics were not published: {e}"
        ));
        ok = false;
    }
    ok
}

/// The findings of `--from-scan` (the history store) or `--input`, and how to name their source.
async fn stored_findings(
    args: &RemediateArgs,
    store: &AnyStore,
    catalogue: &crate::core::catalogue::Catalogue,
) -> Result<(Vec<crate::core::finding::Finding>, String)> {
    use crate::store::HistoryStore;
    if let Some(path) = &args.input {
        let name = path.display().to_string();
        let report =
            crate::core::report::ScanReport::parse(&name, &crate::commands::read_input(path)?)?;
        return Ok((report.findings, name));
    }
    let wanted = args.from_scan.as_deref().unwrap_or("latest");
    let scan = crate::pipeline::stores::find_scan(store, wanted).await?;
    let records = store.scan_records(&scan.scan_id).await?;
    Ok((
        crate::pipeline::stores::findings_of(&records, catalogue),
        format!("scan {}", scan.scan_id),
    ))
}

fn emit(args: &RemediateArgs, run: &RunRecord) -> Result<()> {
    let text = match args.format {
        Format::Json => output::json::render(run)?,
        Format::Table => output::remediation::render_run(run),
    };
    let mut out = open_out(args.out.as_deref())?;
    out.write_all(text.as_bytes())?;
    out.flush()?;
    drop(out);
    commit_out(args.out.as_deref())
}

async fn log(args: &RemediateArgs, store: &AnyStore) -> Result<u8> {
    let since = args
        .since
        .as_deref()
        .map(|s| {
            crate::core::history::parse_since(s, chrono::Utc::now())
                .map_err(|e| InputError(format!("--since {e}")))
        })
        .transpose()?;
    let runs = store.runs(since.as_deref()).await?;
    let text = match args.format {
        Format::Json => output::json::render(&runs)?,
        Format::Table => output::remediation::render_log(&runs),
    };
    let mut out = open_out(args.out.as_deref())?;
    out.write_all(text.as_bytes())?;
    out.flush()?;
    drop(out);
    commit_out(args.out.as_deref())?;
    Ok(exit::OK)
}

/// The rules with an action, narrowed by `--rule` globs.
fn select_rules(rules: &[Arc<Rule>], patterns: &[String]) -> Result<Vec<Arc<Rule>>> {
    let with_action: Vec<Arc<Rule>> = rules
        .iter()
        .filter(|r| r.remediation.is_some())
        .cloned()
        .collect();
    if patterns.is_empty() {
        return Ok(with_action);
    }
    let mut out = Vec::new();
    for pattern in patterns {
        let glob = globset::Glob::new(pattern)
            .map_err(|e| InputError(format!("--rule {pattern}: {e}")))?
            .compile_matcher();
        let matched: Vec<&Arc<Rule>> = with_action
            .iter()
            .filter(|r| glob.is_match(&r.id))
            .collect();
        if matched.is_empty() {
            return Err(InputError(format!(
                "--rule {pattern}: no rule with a remediation action matches (rules with one: {})",
                with_action
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .into());
        }
        for r in matched {
            if !out.iter().any(|o: &Arc<Rule>| o.id == r.id) {
                out.push(r.clone());
            }
        }
    }
    Ok(out)
}
