//! The remediation pipeline: targets from a live read, a plan from the core's
//! actions, then apply → verify with an audit trail, and rollback.
//!
//! Targets are the failing findings of the rules that name an action, read
//! live through the same collectors and engine as `scan` (with the paths the
//! actions read added to the collectors' plan). Exempted findings and
//! resources tagged `ComplianceRemediation=skip` appear in the plan as
//! `skipped` with the reason and are never touched.
//!
//! Applying: changes run with bounded concurrency across resources and in
//! order within one resource (two actions may write the same bucket policy;
//! each one after the first is planned again from the resource as the
//! previous change left it). Before each call the change is written to the
//! trail as `started` with its before-state; after it, as `verified`,
//! `failed` or `applied`. Verification re-reads that one resource through the
//! collector code and re-evaluates the rule: `verified` only if it complies.
//! A failure on one resource never stops the others.

use crate::aws::collect::{self, Plan};
use crate::aws::error::AwsError;
use crate::aws::remediate::{reread, Applier};
use crate::aws::Aws;
use crate::core::engine::Engine;
use crate::core::exemption::Exemptions;
use crate::core::finding::Status;
use crate::core::remediation::{
    self, Action, ChangeError, ChangeRecord, ChangeStatus, Context, Mode, Params, PlanError, Risk,
    RunRecord,
};
use crate::core::resource::ConfigItem;
use crate::core::rule::Rule;
use crate::core::settings::Settings;
use crate::pipeline::stores::AnyStore;
use crate::store::dynamodb::DynamoStore;
use crate::store::local::{LocalStore, TrailWriter};
use crate::store::{RemediationTrail, StoreError};
use futures::StreamExt;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A change the run may act on, with the item it was planned from.
pub struct Target {
    pub record: ChangeRecord,
    pub item: ConfigItem,
    pub action: &'static Action,
    pub params: Params,
    /// The state the applier writes (the plan's `after`, or a rollback's target).
    pub target: Value,
}

/// The rule's parameters with compliance.toml's overrides.
pub fn params_of(rule: &Rule, settings: &Settings) -> Params {
    let mut params = rule.params.clone();
    if let Some(over) = settings.params_for(&rule.id) {
        params.extend(over.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    params
}

fn now() -> String {
    crate::core::timestamp::format(&chrono::Utc::now())
}

/// A change record for a finding on an item, before any plan.
fn record(rule_id: &str, item: &ConfigItem, action: &Action) -> ChangeRecord {
    ChangeRecord {
        rule_id: rule_id.to_string(),
        resource_id: item.resource_id.clone(),
        resource_type: item.resource_type.clone(),
        resource_name: item.resource_name.clone(),
        arn: item.arn.clone(),
        region: item.region.clone(),
        account: item.account.clone(),
        action: action.id.to_string(),
        risk: action.risk,
        reversible: action.undo.reversible,
        undo: action.undo.caveat.map(str::to_string),
        before: Value::Null,
        after: Value::Null,
        status: ChangeStatus::Planned,
        reason: None,
        error: None,
        notes: Vec::new(),
        at: None,
    }
}

/// What reading targets gave: the changes, and the items they came from.
pub struct Targets {
    pub targets: Vec<Target>,
    pub calls: usize,
    pub errors: Vec<AwsError>,
}

/// Reads the account and plans every failing finding of the rules with an action.
#[allow(clippy::too_many_arguments)]
pub async fn read_targets(
    aws: &Aws,
    regions: Vec<String>,
    account: Option<String>,
    rules: &[Arc<Rule>],
    settings: &Settings,
    wanted: Option<&HashSet<String>>,
    resources: &[String],
    cx: &Context,
) -> Targets {
    let engine = Engine::new(rules, settings);
    let plan = collector_plan(&engine, rules, regions, account, wanted);
    let collected = collect::collect_all(aws, &plan, Duration::from_secs(900), None).await;
    let today = chrono::Utc::now().date_naive();
    let mut exemptions = Exemptions::new(&settings.exemptions, today);
    let by_id: BTreeMap<&str, &Arc<Rule>> = rules.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut targets = Vec::new();
    for item in collected.items {
        if !resources.is_empty()
            && !resources
                .iter()
                .any(|r| Some(r) == item.arn.as_ref() || *r == item.resource_id)
        {
            continue;
        }
        let mut findings = Vec::new();
        engine.evaluate_into(&item, &mut findings);
        exemptions.apply(&mut findings);
        for f in findings {
            if !matches!(f.status, Status::NonCompliant | Status::Exempted) {
                continue;
            }
            let Some(rule) = by_id.get(&*f.rule_id) else {
                continue;
            };
            let Some(action) = rule.remediation.as_deref().and_then(remediation::lookup) else {
                continue;
            };
            targets.push(plan_finding(rule, action, &item, &f, settings, cx));
        }
    }
    dedupe(&mut targets);
    // The plan names what a security-group change reaches.
    let calls = AtomicUsize::new(0);
    let mut errors = collected.errors;
    let applier = Applier {
        aws,
        apply_immediately: false,
        calls: &calls,
    };
    for t in targets.iter_mut().filter(|t| {
        t.action.id == "sg-revoke-world-ingress" && t.record.status == ChangeStatus::Planned
    }) {
        let region = t.record.region.clone().unwrap_or_default();
        match crate::aws::remediate::ec2::users_of_group(&applier, &region, &t.record.resource_id)
            .await
        {
            Ok(users) if users.is_empty() => t
                .record
                .notes
                .push("no network interface uses the group".into()),
            Ok(users) => t.record.notes.push(format!("used by {}", users.join(", "))),
            Err(e) => errors.push(e),
        }
    }
    Targets {
        targets,
        calls: collected.calls + calls.load(std::sync::atomic::Ordering::Relaxed),
        errors,
    }
}

/// The change for one failing (or exempted) finding of `rule` on `item`:
/// skipped with the reason when exempted or tagged to skip, else planned.
fn plan_finding(
    rule: &Rule,
    action: &'static Action,
    item: &ConfigItem,
    f: &crate::core::finding::Finding,
    settings: &Settings,
    cx: &Context,
) -> Target {
    let params = params_of(rule, settings);
    let mut rec = record(&rule.id, item, action);
    let mut target = Value::Null;
    if let Some(ex) = &f.exemption {
        rec.status = ChangeStatus::Skipped;
        rec.reason = Some(format!(
            "exempted until {} ({}, owner {})",
            ex.expires, ex.reason, ex.owner
        ));
    } else if remediation::tagged_skip(item) {
        rec.status = ChangeStatus::Skipped;
        rec.reason = Some("tagged ComplianceRemediation=skip".into());
    } else {
        match action.plan(item, &params, cx) {
            Ok(p) => {
                rec.risk = p.risk;
                rec.before = p.before;
                rec.after = p.after.clone();
                rec.notes = p.notes;
                rec.status = if p.risk == Risk::Manual {
                    ChangeStatus::Manual
                } else {
                    ChangeStatus::Planned
                };
                target = p.after;
            }
            Err(e) => {
                rec.status = ChangeStatus::Skipped;
                rec.reason = Some(e.to_string());
            }
        }
    }
    Target {
        record: rec,
        item: item.clone(),
        action,
        params,
        target,
    }
}

/// Targets from a stored scan or a findings file: every failing finding of a
/// rule with an action, its resource re-read live (one read per resource) and
/// judged again first. A target fixed since, or gone, is skipped with the reason.
#[allow(clippy::too_many_arguments)]
pub async fn recheck_targets(
    aws: &Aws,
    plan: &Plan,
    rules: &[Arc<Rule>],
    settings: &Settings,
    findings: Vec<crate::core::finding::Finding>,
    resources: &[String],
    cx: &Context,
    source: &str,
) -> Targets {
    let engine = Engine::new(rules, settings);
    let by_id: BTreeMap<&str, &Arc<Rule>> = rules.iter().map(|r| (r.id.as_str(), r)).collect();
    let today = chrono::Utc::now().date_naive();
    let mut exemptions = Exemptions::new(&settings.exemptions, today);
    let calls = AtomicUsize::new(0);
    let mut errors = Vec::new();
    // One re-read per resource, whatever number of its findings.
    let mut by_resource: BTreeMap<(String, String), Vec<crate::core::finding::Finding>> =
        BTreeMap::new();
    for f in findings {
        if !matches!(f.status, Status::NonCompliant | Status::Exempted)
            || f.resource_id == "*"
            || !by_id.contains_key(&*f.rule_id)
            || (!resources.is_empty()
                && !resources
                    .iter()
                    .any(|r| Some(r) == f.arn.as_ref() || *r == f.resource_id))
        {
            continue;
        }
        by_resource
            .entry((f.resource_type.to_string(), f.resource_id.clone()))
            .or_default()
            .push(f);
    }
    let mut targets = Vec::new();
    for ((resource_type, resource_id), found) in by_resource {
        let first = &found[0];
        let mut body = serde_json::json!({
            "resourceType": resource_type,
            "resourceId": resource_id,
            "awsRegion": first.region.as_deref(),
            "ARN": first.arn,
            "configuration": {},
        });
        // RDS is read by identifier: the name, else the ARN's last part.
        let name = first.resource_name.clone().or_else(|| {
            first
                .arn
                .as_deref()
                .and_then(|a| a.rsplit_once(":db:"))
                .map(|(_, id)| id.to_string())
        });
        if let Some(name) = &name {
            body["resourceName"] = Value::from(name.as_str());
            body["configuration"]["dBInstanceIdentifier"] = Value::from(name.as_str());
        }
        let stub = ConfigItem::from_body(body, Arc::from(source));
        let fresh = reread(aws, plan, &stub, &calls).await;
        let mut fresh_findings = Vec::new();
        if let Ok(Some(item)) = &fresh {
            engine.evaluate_into(item, &mut fresh_findings);
            exemptions.apply(&mut fresh_findings);
        }
        for f in &found {
            let rule = by_id[&*f.rule_id];
            let Some(action) = rule.remediation.as_deref().and_then(remediation::lookup) else {
                continue;
            };
            let item = match &fresh {
                Ok(Some(item)) => item,
                other => {
                    let mut rec = record(&rule.id, &stub, action);
                    rec.status = ChangeStatus::Skipped;
                    match other {
                        Err(e) => {
                            rec.status = ChangeStatus::Failed;
                            rec.reason = Some("cannot re-read the resource".into());
                            rec.error = Some(change_error(e));
                        }
                        _ => rec.reason = Some(format!("no longer exists (it did in {source})")),
                    }
                    targets.push(Target {
                        record: rec,
                        item: stub.clone(),
                        action,
                        params: Params::new(),
                        target: Value::Null,
                    });
                    continue;
                }
            };
            match fresh_findings.iter().find(|n| n.rule_id == f.rule_id) {
                Some(now) if matches!(now.status, Status::NonCompliant | Status::Exempted) => {
                    targets.push(plan_finding(rule, action, item, now, settings, cx));
                }
                now => {
                    let mut rec = record(&rule.id, item, action);
                    rec.status = ChangeStatus::Skipped;
                    rec.reason = Some(format!(
                        "{} now, re-read live (it was {} in {source})",
                        now.map(|n| n.status.as_str()).unwrap_or("not judged"),
                        f.status.as_str()
                    ));
                    targets.push(Target {
                        record: rec,
                        item: item.clone(),
                        action,
                        params: Params::new(),
                        target: Value::Null,
                    });
                }
            }
        }
        if let Err(e) = fresh {
            errors.push(e);
        }
    }
    dedupe(&mut targets);
    Targets {
        targets,
        calls: calls.load(std::sync::atomic::Ordering::Relaxed),
        errors,
    }
}

/// Two rules asking for the same change on one resource make one change. (Two
/// rules with the same action but different targets, such as SSE-S3 for one
/// and SSE-KMS for another, stay two changes: the second is planned again
/// from what the first left when it is applied.)
fn dedupe(targets: &mut [Target]) {
    let mut seen: BTreeMap<(String, String, String), String> = BTreeMap::new();
    for t in targets.iter_mut() {
        if !matches!(
            t.record.status,
            ChangeStatus::Planned | ChangeStatus::Manual
        ) {
            continue;
        }
        let key = (
            t.record.resource_id.clone(),
            t.record.action.clone(),
            t.record.after.to_string(),
        );
        match seen.get(&key) {
            Some(first) => {
                t.record.status = ChangeStatus::Skipped;
                t.record.reason = Some(format!("the same change as for rule {first}"));
            }
            None => {
                seen.insert(key, t.record.rule_id.clone());
            }
        }
    }
}

/// The collectors' plan: the rules' types in the regions, and every path the
/// rules and their actions read.
pub fn collector_plan(
    engine: &Engine,
    rules: &[Arc<Rule>],
    regions: Vec<String>,
    account: Option<String>,
    wanted: Option<&HashSet<String>>,
) -> Plan {
    let types: BTreeSet<String> = engine
        .resource_types()
        .into_iter()
        .filter(|t| wanted.is_none_or(|w| w.contains(t.as_str())))
        .collect();
    let mut paths = engine.paths();
    for r in rules {
        if let Some(a) = r.remediation.as_deref().and_then(remediation::lookup) {
            paths.extend(a.reads.iter().map(|p| p.to_string()));
        }
    }
    paths.sort();
    paths.dedup();
    Plan {
        regions,
        types,
        paths,
        concurrency: 16,
        account,
        page_size: None,
        detect_drift: false,
    }
}

/// Where the trail goes, shared by the concurrent changes of one run: the
/// local store, or the history table of `--suffix`.
/// Each write is the whole run as it stands. The local store stays open for
/// the run and commits durably on a blocking thread, so that other changes'
/// AWS calls go on meanwhile; the table is written with the store's retried
/// BatchWriteItem. Writes to either are serialised, and a snapshot older than
/// the last one written is dropped (the newer one already holds its change),
/// so the record never goes backwards.
pub struct Trail {
    run: Mutex<(RunRecord, u64)>,
    sink: Sink,
}

enum Sink {
    Local(Arc<Mutex<(TrailWriter, u64)>>),
    Dynamo(DynamoStore, tokio::sync::Mutex<u64>),
}

impl Trail {
    /// Opens the store and records the run as it stands (every change planned).
    pub fn new(store: &LocalStore, run: RunRecord) -> Result<Trail, StoreError> {
        let writer = store.open_trail()?;
        writer.put(&run)?;
        Ok(Trail {
            run: Mutex::new((run, 0)),
            sink: Sink::Local(Arc::new(Mutex::new((writer, 0)))),
        })
    }

    /// The trail in a `--suffix` stack's history table, with the run recorded
    /// as it stands before any change is made.
    pub async fn in_table(store: DynamoStore, run: RunRecord) -> Result<Trail, StoreError> {
        store.put_run(&run).await?;
        Ok(Trail {
            run: Mutex::new((run, 0)),
            sink: Sink::Dynamo(store, tokio::sync::Mutex::new(0)),
        })
    }

    /// The trail in whichever store the flags chose.
    pub async fn open(store: &AnyStore, run: RunRecord) -> Result<Trail, StoreError> {
        match store {
            AnyStore::Local(s) => Trail::new(s, run),
            AnyStore::Dynamo(s) => Trail::in_table(s.clone(), run).await,
        }
    }

    /// Sets change `i` and writes the whole run, durably, before returning.
    pub async fn set(&self, i: usize, change: &ChangeRecord) -> Result<(), StoreError> {
        let (snapshot, seq) = {
            let mut guard = self.run.lock().unwrap_or_else(|p| p.into_inner());
            guard.0.changes[i] = change.clone();
            guard.1 += 1;
            (guard.0.clone(), guard.1)
        };
        self.write(snapshot, seq).await
    }

    async fn write(&self, snapshot: RunRecord, seq: u64) -> Result<(), StoreError> {
        match &self.sink {
            Sink::Local(writer) => {
                let writer = writer.clone();
                tokio::task::spawn_blocking(move || {
                    let mut guard = writer.lock().unwrap_or_else(|p| p.into_inner());
                    if guard.1 >= seq {
                        return Ok(());
                    }
                    guard.0.put(&snapshot)?;
                    guard.1 = seq;
                    Ok(())
                })
                .await
                .map_err(|e| StoreError::Corrupt(format!("the trail writer stopped: {e}")))?
            }
            Sink::Dynamo(store, written) => {
                let mut last = written.lock().await;
                if *last >= seq {
                    return Ok(());
                }
                store.put_run(&snapshot).await?;
                *last = seq;
                Ok(())
            }
        }
    }

    pub async fn finish(&self) -> Result<RunRecord, StoreError> {
        let (snapshot, seq) = {
            let mut guard = self.run.lock().unwrap_or_else(|p| p.into_inner());
            guard.0.finish(now());
            guard.1 += 1;
            (guard.0.clone(), guard.1)
        };
        self.write(snapshot.clone(), seq).await?;
        Ok(snapshot)
    }
}

/// How changes are applied.
pub struct Apply<'a> {
    pub aws: &'a Aws,
    pub engine: &'a Engine,
    pub plan: &'a Plan,
    pub yes: bool,
    pub allow_disruptive: bool,
    pub concurrency: usize,
    pub apply_immediately: bool,
    pub cx: &'a Context,
    pub calls: &'a AtomicUsize,
    pub mode: Mode,
}

/// Applies every permitted change, writing the trail before and after each.
/// Changes of one resource run in order; resources run concurrently.
pub async fn apply_all(
    opts: &Apply<'_>,
    trail: &Trail,
    targets: Vec<Target>,
) -> Result<(), StoreError> {
    let mut groups: BTreeMap<String, Vec<(usize, Target)>> = BTreeMap::new();
    for (i, t) in targets.into_iter().enumerate() {
        let key = format!("{}|{}", t.record.resource_type, t.record.resource_id);
        groups.entry(key).or_default().push((i, t));
    }
    let results: Vec<Result<(), StoreError>> = futures::stream::iter(groups.into_values())
        .map(|group| apply_group(opts, trail, group))
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    results.into_iter().collect()
}

async fn apply_group(
    opts: &Apply<'_>,
    trail: &Trail,
    group: Vec<(usize, Target)>,
) -> Result<(), StoreError> {
    let mut latest: Option<ConfigItem> = None;
    for (i, mut t) in group {
        if t.record.status != ChangeStatus::Planned {
            continue;
        }
        if let Err(reason) = remediation::permitted(t.record.risk, opts.yes, opts.allow_disruptive)
        {
            if opts.yes {
                t.record.status = ChangeStatus::Skipped;
                t.record.reason = Some(reason);
                trail.set(i, &t.record).await?;
            }
            continue;
        }
        // A later change of the same resource starts from what the previous one left.
        if let (Some(item), Mode::Apply) = (&latest, opts.mode) {
            match t.action.plan(item, &t.params, opts.cx) {
                Ok(p) => {
                    t.record.before = p.before;
                    t.record.after = p.after.clone();
                    t.target = p.after;
                    t.item = item.clone();
                }
                Err(PlanError::NothingToChange(r)) => {
                    t.record.status = ChangeStatus::Skipped;
                    t.record.reason =
                        Some(format!("nothing to change after the previous change: {r}"));
                    trail.set(i, &t.record).await?;
                    continue;
                }
                Err(e) => {
                    t.record.status = ChangeStatus::Failed;
                    t.record.reason = Some(e.to_string());
                    trail.set(i, &t.record).await?;
                    continue;
                }
            }
        }
        t.record.status = ChangeStatus::Started;
        t.record.at = Some(now());
        trail.set(i, &t.record).await?;
        let applier = Applier {
            aws: opts.aws,
            apply_immediately: opts.apply_immediately,
            calls: opts.calls,
        };
        let current = t.record.before.clone();
        if let Err(e) = applier
            .apply(t.action.id, &t.item, &current, &t.target)
            .await
        {
            t.record.status = ChangeStatus::Failed;
            t.record.error = Some(change_error(&e));
            t.record.reason = Some(format!("{} failed", e.operation));
            t.record.at = Some(now());
            trail.set(i, &t.record).await?;
            continue;
        }
        t.record.status = ChangeStatus::Applied;
        t.record.at = Some(now());
        trail.set(i, &t.record).await?;
        verify(opts, &mut t).await;
        t.record.at = Some(now());
        trail.set(i, &t.record).await?;
        if let Some(item) = verified_item(&t) {
            latest = Some(item);
        }
    }
    Ok(())
}

fn verified_item(t: &Target) -> Option<ConfigItem> {
    (t.record.status != ChangeStatus::Failed).then(|| t.item.clone())
}

/// Re-reads the resource and settles the change's status; `after` becomes
/// what AWS now has (what a rollback later compares against).
async fn verify(opts: &Apply<'_>, t: &mut Target) {
    let item = match reread(opts.aws, opts.plan, &t.item, opts.calls).await {
        Ok(Some(item)) => item,
        Ok(None) => {
            t.record.status = ChangeStatus::Failed;
            t.record.reason = Some("the resource is gone: cannot verify".into());
            return;
        }
        Err(e) => {
            t.record.status = ChangeStatus::Failed;
            t.record.reason = Some("applied, but the re-read failed: not verified".into());
            t.record.error = Some(change_error(&e));
            return;
        }
    };
    if let Ok(state) = t.action.observe(&item, &t.params) {
        t.record.after = state.clone();
        if opts.mode == Mode::Rollback {
            t.record.status = if state == t.target {
                ChangeStatus::RolledBack
            } else {
                t.record.reason = Some(format!(
                    "after the rollback AWS has {}, not the recorded state",
                    crate::core::value::short(&state, 200)
                ));
                ChangeStatus::Failed
            };
            t.item = item;
            return;
        }
    }
    let mut findings = Vec::new();
    opts.engine.evaluate_into(&item, &mut findings);
    let outcome = findings
        .iter()
        .find(|f| *f.rule_id == *t.record.rule_id)
        .map(|f| f.status);
    match outcome {
        Some(Status::Compliant) => t.record.status = ChangeStatus::Verified,
        // RDS keeps a modification pending until the maintenance window unless
        // it is applied immediately: made, but not yet verifiable.
        _ if t.action.id.starts_with("rds-") && !opts.apply_immediately => {
            t.record.status = ChangeStatus::Applied;
            t.record.reason = Some(
                "accepted by RDS and pending until the maintenance window (no --apply-immediately): not yet verified; scan after the window".into(),
            );
        }
        other => {
            t.record.status = ChangeStatus::Failed;
            t.record.reason = Some(format!(
                "the change was made but the rule still finds the resource {}",
                other.map(|s| s.as_str()).unwrap_or("unjudged")
            ));
        }
    }
    t.item = item;
}

pub fn change_error(e: &AwsError) -> ChangeError {
    ChangeError {
        code: e.code.clone(),
        message: e.message.clone(),
        request_id: e.request_id.clone(),
        operation: Some(e.operation.clone()),
    }
}

/// Plans the rollback of a recorded run: every verified, reversible change,
/// re-read now; refused where the resource changed again since. Changes are
/// undone newest first: when two changes of the run wrote the same part (SSE-S3
/// for one rule, then SSE-KMS for another), the older one is judged against
/// the state the newer one's undo leaves, not against AWS today.
pub async fn rollback_targets(
    aws: &Aws,
    plan: &Plan,
    run: &RunRecord,
    settings: &Settings,
    rules: &[Arc<Rule>],
    calls: &AtomicUsize,
) -> Vec<Target> {
    let mut out = Vec::new();
    let mut pending: BTreeMap<(String, String), (Value, ConfigItem)> = BTreeMap::new();
    for c in run.changes.iter().rev() {
        if c.status != ChangeStatus::Verified && c.status != ChangeStatus::Applied {
            continue;
        }
        let Some(action) = remediation::lookup(&c.action) else {
            continue;
        };
        let params = rules
            .iter()
            .find(|r| r.id == c.rule_id)
            .map(|r| params_of(r, settings))
            .unwrap_or_default();
        let mut rec = c.clone();
        rec.error = None;
        rec.reason = None;
        rec.notes = Vec::new();
        let mut body = serde_json::json!({
            "resourceType": c.resource_type,
            "resourceId": c.resource_id,
            "awsRegion": c.region,
            "configuration": {},
        });
        if let Some(name) = &c.resource_name {
            body["resourceName"] = Value::from(name.as_str());
            body["configuration"]["dBInstanceIdentifier"] = Value::from(name.as_str());
        }
        let stub = ConfigItem::from_body(body, Arc::from("trail"));
        let target = action.rollback_target(&c.before);
        rec.before = c.after.clone();
        rec.after = target.clone();
        let key = (c.resource_id.clone(), c.action.clone());
        let known = pending.get(&key).cloned();
        let mut push = |rec: ChangeRecord, item: ConfigItem| {
            if rec.status == ChangeStatus::Planned {
                pending.insert(key.clone(), (target.clone(), item.clone()));
            }
            out.push(Target {
                record: rec,
                item,
                action,
                params: params.clone(),
                target: target.clone(),
            })
        };
        if !action.undo.reversible {
            rec.status = ChangeStatus::Skipped;
            rec.reason = Some("not reversible".into());
            push(rec, stub);
            continue;
        }
        let now = match known {
            Some((state, item)) => Ok(Some((Ok(state), item))),
            None => reread(aws, plan, &stub, calls)
                .await
                .map(|r| r.map(|item| (action.observe(&item, &params), item))),
        };
        match now {
            Ok(Some((observed, item))) => match observed {
                Ok(now) if now == c.after => {
                    rec.status = ChangeStatus::Planned;
                    push(rec, item);
                }
                Ok(now) if now == target => {
                    rec.status = ChangeStatus::Skipped;
                    rec.reason = Some("already in the recorded before-state".into());
                    push(rec, item);
                }
                Ok(now) => {
                    rec.status = ChangeStatus::Skipped;
                    rec.reason = Some(format!(
                        "changed again since the run: now {}, the run left {}",
                        crate::core::value::short(&now, 200),
                        crate::core::value::short(&c.after, 200)
                    ));
                    rec.before = now;
                    push(rec, item);
                }
                Err(e) => {
                    rec.status = ChangeStatus::Skipped;
                    rec.reason = Some(e.to_string());
                    push(rec, item);
                }
            },
            Ok(None) => {
                rec.status = ChangeStatus::Skipped;
                rec.reason = Some("the resource no longer exists".into());
                push(rec, stub);
            }
            Err(e) => {
                rec.status = ChangeStatus::Failed;
                rec.reason = Some("cannot re-read the resource".into());
                rec.error = Some(change_error(&e));
                push(rec, stub);
            }
        }
    }
    out
}

/// The caller's ARN, for the trail.
pub async fn caller(aws: &Aws, region: &str) -> Option<String> {
    aws.sts(region)
        .get_caller_identity()
        .send()
        .await
        .ok()
        .and_then(|o| o.arn().map(str::to_string))
}
