//! The fan-out source: a live scan over several accounts and regions, or one
//! shard of it. Used whenever `scan` gets `--accounts`, `--shard` or
//! `--source config`; a plain live scan of the caller's account keeps the
//! simpler path in [`super::live`].
//!
//! The work is a set of account × region units (the core's
//! [`crate::core::shard`]): every account to scan (the organisation's active
//! accounts, the ids given, or the caller's own) in every region of the scan.
//! A shard keeps its share of the units; the rest of this module only reads the
//! units it holds:
//!
//! * Units are grouped by account, so one assumed-role connection serves all of
//!   an account's regions, and a global listing (S3's ListBuckets) is made once
//!   per account rather than once per region; the collectors themselves are the
//!   single-account ones, unchanged.
//! * IAM and the other types filed under `global` are read once per account, by
//!   whoever holds the account's home unit (its first region).
//! * `--account-concurrency` bounds the units in flight: an account takes one
//!   permit per region it reads, so a wide account waits for room rather than
//!   oversubscribing the per-service limits inside it.
//! * An account that cannot be assumed (or whose identity cannot be read) gives
//!   `error` findings for every rule in each of its units, and its error in the
//!   report; every other account is still judged, and the scan exits 3.
//! * Every finding carries its account (collectors stamp `awsAccountId` on the
//!   items; error findings are stamped here), so scores, history and alerts can
//!   group by it.

use crate::aws::accounts::{self, AssumeOptions};
use crate::aws::collect::{collect_all, config_inventory, Collected, Plan};
use crate::aws::error::AwsError;
use crate::core::engine::Engine;
use crate::core::finding::Finding;
use crate::core::registry;
use crate::core::report::Source;
use crate::core::shard::{self, Shard, ShardSpec};
use crate::error::InputError;
use crate::pipeline::live::{LiveError, Options, Prepared, Read};
use crate::pipeline::Run;
use futures::stream::{FuturesUnordered, StreamExt};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where live resources come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveSource {
    /// Each service's API, through the collectors.
    Api,
    /// What AWS Config recorded in each account and region.
    Config,
    /// What a Config aggregator (in the caller's account) recorded across
    /// every account and region it covers.
    Aggregator(String),
}

/// The flags of an organisation or sharded scan.
pub struct OrgOptions {
    /// `--accounts` as given: empty (the caller's), `all`, or ids.
    pub accounts: Vec<String>,
    pub assume: AssumeOptions,
    pub account_concurrency: usize,
    pub shard: Option<ShardSpec>,
    pub source: LiveSource,
}

impl OrgOptions {
    /// The shard this process runs, reading the batch engine's environment
    /// for `--shard auto`.
    pub fn resolve_shard(&self) -> Result<Shard, InputError> {
        match self.shard {
            None => Ok(Shard::whole()),
            Some(spec) => spec
                .resolve(|v| std::env::var(v).ok())
                .map_err(|e| InputError(format!("--shard: {e}"))),
        }
    }
}

/// The ids of `--accounts ID,…`, checked (twelve digits each).
pub fn parse_account_ids(given: &[String]) -> Result<Vec<String>, InputError> {
    let mut out = BTreeSet::new();
    for id in given {
        let id = id.trim();
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InputError(format!(
                "--accounts: `{id}` is not an account id (twelve digits) or `all`"
            )));
        }
        out.insert(id.to_string());
    }
    Ok(out.into_iter().collect())
}

/// One account's share of this shard.
struct AccountWork {
    account: String,
    /// The regions of its units here, in the scan's region order.
    regions: Vec<String>,
    /// This shard reads the account's global types (IAM).
    home: bool,
}

enum Outcome {
    Read(Collected),
    /// The account could not be reached at all.
    Unreachable(AwsError),
}

/// Reads every unit this shard holds and hands each item's findings to `run`.
pub async fn read(
    prepared: Prepared,
    opts: &Options<'_>,
    org: &OrgOptions,
    engine: &Engine,
    run: &mut Run,
) -> Result<Read, LiveError> {
    let shard = org.resolve_shard()?;
    let Prepared {
        aws,
        regions,
        account: caller,
        partition,
        mut errors,
    } = prepared;
    let home_region = regions
        .first()
        .cloned()
        .unwrap_or_else(|| "us-east-1".to_string());
    let types: BTreeSet<String> = engine
        .resource_types()
        .into_iter()
        .filter(|t| opts.wanted.is_none_or(|w| w.contains(t.as_str())))
        .collect();

    if let LiveSource::Aggregator(name) = &org.source {
        let collected =
            config_inventory::collect_aggregate(&aws, &home_region, name, &types, shard).await;
        let resources = collected.items.len();
        let partial = judge(engine, run, None, collected, &mut errors, &regions)?;
        return Ok(Read {
            partial: partial || !errors.is_empty(),
            errors: errors.iter().map(AwsError::to_scan_error).collect(),
            resources,
            source: Source {
                kind: "config-aggregator".into(),
                inputs: vec![format!("aggregator:{name}"), format!("shard:{shard}")],
            },
        });
    }

    let accounts: Vec<String> = match org.accounts.as_slice() {
        [] => match &caller {
            Some(a) => vec![a.clone()],
            None => {
                // Without the caller's identity there is no account to name.
                return Err(LiveError::Aws(errors.remove(0)));
            }
        },
        [all] if all == "all" => accounts::active_accounts(&aws, &home_region).await?,
        ids => parse_account_ids(ids)?,
    };
    let all_units = shard::units(&accounts, &regions);
    let mine = shard::assign(&all_units, shard);
    let mut by_account: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for u in &mine {
        by_account
            .entry(u.account.as_str())
            .or_default()
            .push(u.region.clone());
    }
    let work: Vec<AccountWork> = by_account
        .into_iter()
        .map(|(account, held)| AccountWork {
            account: account.to_string(),
            regions: regions
                .iter()
                .filter(|r| held.contains(r))
                .cloned()
                .collect(),
            home: shard::home_unit_held(&mine, account, &regions),
        })
        .collect();
    tracing::info!(
        "shard {shard}: {} of {} account × region units ({} accounts)",
        mine.len(),
        all_units.len(),
        work.len()
    );

    let permits = Arc::new(tokio::sync::Semaphore::new(org.account_concurrency.max(1)));
    let cap = org.account_concurrency.max(1);
    let mut tasks = FuturesUnordered::new();
    for w in &work {
        let plan = plan_for(w, &types, engine, opts);
        let permits = permits.clone();
        let aws = &aws;
        let caller = caller.as_deref();
        let partition = partition.as_str();
        let source = &org.source;
        let assume = &org.assume;
        tasks.push(async move {
            let wanted = w.regions.len().clamp(1, cap) as u32;
            let _held = permits.acquire_many(wanted).await;
            let home = plan.home_region().to_string();
            let member = if caller == Some(w.account.as_str()) {
                Ok(aws.clone())
            } else {
                accounts::assume(aws, &w.account, partition, &home, assume).await
            };
            let outcome = match member {
                Err(e) => Outcome::Unreachable(e),
                Ok(member) => {
                    let remaining = opts.deadline.saturating_duration_since(Instant::now());
                    let remaining = remaining.max(Duration::from_millis(1));
                    Outcome::Read(match source {
                        LiveSource::Config => {
                            config_inventory::collect(&member, &plan, remaining).await
                        }
                        _ => collect_all(&member, &plan, remaining, None).await,
                    })
                }
            };
            (w, plan, outcome)
        });
    }

    let mut resources = 0;
    let mut partial = false;
    while let Some((w, plan, outcome)) = tasks.next().await {
        match outcome {
            Outcome::Read(collected) => {
                resources += collected.items.len();
                partial |= judge(
                    engine,
                    run,
                    Some(&w.account),
                    collected,
                    &mut errors,
                    &w.regions,
                )?;
            }
            Outcome::Unreachable(e) => {
                tracing::warn!("account {}: {e}", w.account);
                let reason = e.reason();
                for t in &plan.types {
                    let global = registry::lookup(t).is_some_and(|i| i.global);
                    let regions: Vec<&str> = if global {
                        vec!["global"]
                    } else {
                        w.regions.iter().map(String::as_str).collect()
                    };
                    for region in regions {
                        let findings = engine.unlisted_findings(t, region, &reason);
                        run.item(stamp(findings, Some(&w.account)))?;
                    }
                }
                errors.push(e);
                partial = true;
            }
        }
    }

    let kind = match org.source {
        LiveSource::Config => "config",
        _ => "live",
    };
    let mut inputs = vec![format!("aws:{}:{}", accounts.join(","), regions.join(","))];
    if shard.count > 1 {
        inputs.push(format!("shard:{shard}"));
    }
    Ok(Read {
        partial: partial || !errors.is_empty(),
        errors: errors.iter().map(AwsError::to_scan_error).collect(),
        resources,
        source: Source {
            kind: kind.into(),
            inputs,
        },
    })
}

/// The plan of one account's units here.
fn plan_for(w: &AccountWork, types: &BTreeSet<String>, engine: &Engine, opts: &Options) -> Plan {
    let mut types = types.clone();
    if !w.home {
        types.retain(|t| !registry::lookup(t).is_some_and(|i| i.global));
    }
    Plan {
        regions: w.regions.clone(),
        types,
        paths: engine.paths(),
        concurrency: opts.concurrency,
        account: Some(w.account.clone()),
        page_size: opts.page_size,
        detect_drift: opts.detect_drift,
    }
}

/// Judges what one account (or an aggregator) gave; true when something
/// could not be read.
fn judge(
    engine: &Engine,
    run: &mut Run,
    account: Option<&str>,
    collected: Collected,
    errors: &mut Vec<AwsError>,
    regions: &[String],
) -> Result<bool, LiveError> {
    for item in &collected.items {
        let mut findings = Vec::new();
        engine.evaluate_into(item, &mut findings);
        run.item(findings)?;
    }
    for u in &collected.unlisted {
        let findings = engine.unlisted_findings(&u.resource_type, &u.region, &u.error.reason());
        run.item(stamp(findings, account))?;
    }
    for t in &collected.uncollected {
        let reason = format!("no live collector reads {t}; scan it from a snapshot (--snapshot)");
        for region in regions {
            run.item(stamp(engine.unlisted_findings(t, region, &reason), account))?;
        }
    }
    // Gaps (types Config does not record) are unlisted without an AWS error:
    // error findings, but not a failed scan.
    let partial = !collected.errors.is_empty();
    errors.extend(collected.errors);
    Ok(partial)
}

/// Names the account on findings made without an item (error findings).
fn stamp(mut findings: Vec<Finding>, account: Option<&str>) -> Vec<Finding> {
    if let Some(account) = account {
        let account: Arc<str> = Arc::from(account);
        for f in &mut findings {
            f.account = Some(account.clone());
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_twelve_digits() {
        assert_eq!(
            parse_account_ids(&["444455556666".into(), "111122223333".into()]).unwrap(),
            vec!["111122223333".to_string(), "444455556666".to_string()]
        );
        assert!(parse_account_ids(&["12345".into()]).is_err());
        assert!(parse_account_ids(&["all2".into()]).is_err());
    }
}
