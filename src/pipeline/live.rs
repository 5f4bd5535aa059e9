//! The live source: the account's resources read through the service APIs (one
//! collector per service, see `aws::collect`), built into configuration items
//! and judged by the same engine as snapshots. Region resolution, the caller's
//! identity and `ssm:` rule parameters are settled here, before collection.
//!
//! A live scan never stops at the first failure: what could be read is judged,
//! what could not is listed in the report's `errors`, and rules for a type that
//! could not be listed (or that no collector reads) get `error` findings.

use crate::aws::collect::{collect_all, ec2::enabled_regions, Plan};
use crate::aws::error::AwsError;
use crate::aws::{ssm, Aws, Connection};
use crate::core::engine::Engine;
use crate::core::report::{ScanError, Source};
use crate::core::rule::Rule;
use crate::core::settings::Settings;
use crate::error::InputError;
use crate::pipeline::{Run, SinkError};
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to read and how hard to try.
pub struct Options<'a> {
    pub connection: Connection,
    /// `--regions` as given (`all`, names, or empty for the home region).
    pub regions: &'a [String],
    pub wanted: Option<&'a HashSet<String>>,
    pub concurrency: usize,
    pub page_size: Option<i32>,
    pub detect_drift: bool,
    /// The whole scan's deadline.
    pub deadline: Instant,
    pub progress: bool,
}

/// Why a live scan stopped before judging anything.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Ssm(#[from] ssm::SsmError),
    #[error(transparent)]
    Sink(#[from] SinkError),
}

/// What the account gave, besides the findings handed to the run.
pub struct Read {
    pub source: Source,
    pub resources: usize,
    pub errors: Vec<ScanError>,
    /// Something could not be read: the exit code is 3.
    pub partial: bool,
}

/// Connects, settles regions, identity and SSM parameters, and builds the engine.
pub async fn prepare(
    opts: &Options<'_>,
    rules: &[Arc<Rule>],
    settings: &mut Settings,
) -> Result<Prepared, LiveError> {
    let aws = Aws::connect(&opts.connection).await;
    let home = match aws.default_region() {
        Some(r) => r,
        None => match opts.regions.iter().find(|r| r.as_str() != "all") {
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
    let regions: Vec<String> = if opts.regions.iter().any(|r| r == "all") {
        enabled_regions(&aws, &home).await?
    } else if opts.regions.is_empty() {
        vec![home.clone()]
    } else {
        let mut seen = BTreeSet::new();
        opts.regions
            .iter()
            .filter(|r| seen.insert(r.as_str()))
            .cloned()
            .collect()
    };
    for r in &regions {
        if !crate::core::resource::is_region_name(r) {
            return Err(InputError(format!("--regions: `{r}` is not a region name")).into());
        }
    }
    let (account, partition) = match crate::aws::identity(&aws, &home).await {
        Ok((account, partition)) => (Some(account), partition),
        Err(e) => {
            errors.push(e);
            (None, "aws".to_string())
        }
    };
    let resolved = ssm::resolve(&aws, &home, rules, settings)
        .await
        .map_err(|e| match e {
            ssm::SsmError::Missing { .. } => LiveError::Input(InputError(e.to_string())),
            other => LiveError::Ssm(other),
        })?;
    if resolved > 0 {
        tracing::info!("read {resolved} rule parameter(s) from SSM Parameter Store");
    }
    Ok(Prepared {
        aws,
        regions,
        account,
        partition,
        errors,
    })
}

impl Prepared {
    /// The client, regions, account and the errors met so far, for a command
    /// that collects in its own way (`remediate` reads targets, then single resources).
    pub fn into_parts(self) -> (Aws, Vec<String>, Option<String>, Vec<AwsError>) {
        (self.aws, self.regions, self.account, self.errors)
    }
}

/// A connected scan, ready to collect.
pub struct Prepared {
    pub(crate) aws: Aws,
    pub(crate) regions: Vec<String>,
    pub(crate) account: Option<String>,
    /// The caller's partition (`aws`, `aws-cn`, …), for member role ARNs.
    pub(crate) partition: String,
    pub(crate) errors: Vec<AwsError>,
}

/// Collects what the engine's rules need and hands each item's findings to `run`.
pub async fn read(
    prepared: Prepared,
    opts: &Options<'_>,
    engine: &Engine,
    run: &mut Run,
) -> Result<Read, LiveError> {
    let Prepared {
        aws,
        regions,
        account,
        mut errors,
        ..
    } = prepared;
    let types: BTreeSet<String> = engine
        .resource_types()
        .into_iter()
        .filter(|t| opts.wanted.is_none_or(|w| w.contains(t.as_str())))
        .collect();
    let plan = Plan {
        regions: regions.clone(),
        types,
        paths: engine.paths(),
        concurrency: opts.concurrency,
        account: account.clone(),
        page_size: opts.page_size,
        detect_drift: opts.detect_drift,
    };
    let progress = opts.progress.then(indicatif::MultiProgress::new);
    let started = Instant::now();
    let remaining = opts.deadline.saturating_duration_since(Instant::now());
    let collected = collect_all(
        &aws,
        &plan,
        remaining.max(Duration::from_millis(1)),
        progress.as_ref(),
    )
    .await;
    if let Some(p) = &progress {
        let _ = p.clear();
    }
    tracing::info!(
        "read {} resources with {} API calls in {:.1} s",
        collected.items.len(),
        collected.calls,
        started.elapsed().as_secs_f64()
    );
    let resources = collected.items.len();
    for item in &collected.items {
        let mut findings = Vec::new();
        engine.evaluate_into(item, &mut findings);
        run.item(findings)?;
    }
    for u in &collected.unlisted {
        run.item(engine.unlisted_findings(&u.resource_type, &u.region, &u.error.reason()))?;
    }
    for t in &collected.uncollected {
        let reason = format!("no live collector reads {t}; scan it from a snapshot (--snapshot)");
        tracing::warn!("{reason}");
        for region in &regions {
            run.item(engine.unlisted_findings(t, region, &reason))?;
        }
    }
    errors.extend(collected.errors);
    Ok(Read {
        partial: !errors.is_empty(),
        errors: errors.iter().map(AwsError::to_scan_error).collect(),
        resources,
        source: Source {
            kind: "live".into(),
            inputs: vec![format!(
                "aws:{}:{}",
                account.as_deref().unwrap_or("unknown-account"),
                regions.join(",")
            )],
        },
    })
}
