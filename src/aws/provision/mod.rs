//! Provisioning of the monitoring stack (`setup`, `status`, `teardown`), one file
//! per AWS service.
//!
//! Every service module offers the same three operations over the resources it
//! owns, driven by the pure [`StackSpec`]:
//! - `inspect`: read what exists and compare it with the spec (present, missing,
//!   drifted with reasons, or foreign: exists but is not ours);
//! - `ensure`: read, then create what is missing and repair what drifted, and
//!   record it in the [`Manifest`]; with `ctx.dry_run` it only reports what it
//!   would do;
//! - `remove`: delete only what the manifest says setup created *and* that still
//!   carries this suffix's tags (where the resource takes tags), so teardown can
//!   never delete what setup did not create.
//!
//! Every step reads before it writes, so running setup again changes nothing
//! and says "unchanged", and a setup that failed half way resumes.

pub mod cloudwatch;
pub mod config;
pub mod dynamodb;
pub mod events;
pub mod iam;
pub mod kms;
pub mod manifest;
pub mod s3;
pub mod sns;

use crate::aws::error::AwsError;
use crate::aws::Aws;
use crate::core::stack::{Manifest, Names, StackSpec};
use serde::Serialize;
use std::fmt;

/// Resource kinds, as recorded in the manifest and shown to the operator.
pub mod kind {
    pub const KMS_KEY: &str = "kms-key";
    pub const KMS_ALIAS: &str = "kms-alias";
    pub const ROLE: &str = "iam-role";
    pub const BUCKET: &str = "s3-bucket";
    pub const RECORDER: &str = "config-recorder";
    pub const CHANNEL: &str = "config-delivery-channel";
    /// Config rules are recorded one per rule as `config-rule:<name>`.
    pub const CONFIG_RULE: &str = "config-rule";
    pub const AGGREGATOR: &str = "config-aggregator";
    pub const TABLE: &str = "dynamodb-table";
    pub const TOPIC: &str = "sns-topic";
    /// One per address as `sns-subscription:<email>`.
    pub const SUBSCRIPTION: &str = "sns-subscription";
    pub const EVENT_RULE: &str = "events-rule";
    pub const DASHBOARD: &str = "cloudwatch-dashboard";
    pub const ALARM: &str = "cloudwatch-alarm";
}

/// Shared by every step of one command.
pub struct Ctx<'a> {
    pub aws: &'a Aws,
    pub spec: &'a StackSpec,
    pub names: Names,
    pub dry_run: bool,
    /// Shows which service is being worked on (hidden unless on a terminal).
    pub progress: indicatif::ProgressBar,
}

impl<'a> Ctx<'a> {
    pub fn new(aws: &'a Aws, spec: &'a StackSpec, dry_run: bool) -> Ctx<'a> {
        Ctx {
            aws,
            spec,
            names: spec.names(),
            dry_run,
            progress: indicatif::ProgressBar::hidden(),
        }
    }

    /// Draws a spinner naming the service at work (for terminals).
    pub fn with_progress(mut self, enabled: bool) -> Ctx<'a> {
        if enabled {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            self.progress = bar;
        }
        self
    }

    pub fn region(&self) -> &str {
        &self.spec.region
    }
}

/// What a step did or would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Unchanged,
    /// An existing resource that is not ours and is reused (the account's Config recorder).
    Adopt,
    Delete,
    /// Left in place by teardown: not created by setup, or no longer carrying our tags.
    Keep,
    /// Nothing to delete: already gone.
    Absent,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "unchanged",
            Action::Adopt => "adopt",
            Action::Delete => "delete",
            Action::Keep => "keep",
            Action::Absent => "absent",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub kind: String,
    pub name: String,
    pub action: Action,
    /// What changes (create/update) or why (keep); empty when unchanged.
    pub detail: Vec<String>,
}

impl Step {
    pub fn new(kind: &str, name: impl Into<String>, action: Action) -> Step {
        Step {
            kind: kind.to_string(),
            name: name.into(),
            action,
            detail: Vec::new(),
        }
    }

    pub fn with(mut self, detail: impl Into<String>) -> Step {
        self.detail.push(detail.into());
        self
    }
}

/// The observed state of one resource, for `status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "reasons")]
pub enum State {
    Present,
    Missing,
    /// Exists, but settings differ from the spec; each reason names the setting.
    Drifted(Vec<String>),
    /// Exists but belongs to someone else (adopted, or not tagged with this suffix).
    Foreign(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inspection {
    pub kind: String,
    pub name: String,
    #[serde(flatten)]
    pub state: State,
}

impl Inspection {
    pub fn new(kind: &str, name: impl Into<String>, state: State) -> Inspection {
        Inspection {
            kind: kind.to_string(),
            name: name.into(),
            state,
        }
    }
}

/// A failed step: what was done before it, and the AWS error that stopped it.
#[derive(Debug)]
pub struct Failure {
    pub done: Vec<Step>,
    pub error: AwsError,
}

/// Adds `steps` to `done`, or turns an error into a [`Failure`] carrying everything done so far.
pub fn record(done: &mut Vec<Step>, result: Result<Vec<Step>, AwsError>) -> Result<(), Failure> {
    match result {
        Ok(steps) => {
            done.extend(steps);
            Ok(())
        }
        Err(error) => Err(Failure {
            done: std::mem::take(done),
            error,
        }),
    }
}

/// Runs every service's `ensure` in dependency order, saving the manifest after
/// each service, and also when a service fails (with what it created before
/// failing), so the record is accurate to resume or tear down from.
pub async fn ensure_all(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, Failure> {
    let mut done = Vec::new();
    const SERVICES: [&str; 8] = [
        "kms",
        "iam",
        "s3",
        "config",
        "dynamodb",
        "sns",
        "events",
        "cloudwatch",
    ];
    for (service, name) in SERVICES.iter().enumerate() {
        ctx.progress.set_message(format!("{name}…"));
        let result = match service {
            0 => kms::ensure(ctx, manifest).await,
            1 => iam::ensure(ctx, manifest).await,
            2 => s3::ensure(ctx, manifest).await,
            3 => config::ensure(ctx, manifest).await,
            4 => dynamodb::ensure(ctx, manifest).await,
            5 => sns::ensure(ctx, manifest).await,
            6 => events::ensure(ctx, manifest).await,
            _ => cloudwatch::ensure(ctx, manifest).await,
        };
        if let Err(failure) = record(&mut done, result) {
            ctx.progress.finish_and_clear();
            if !ctx.dry_run {
                let _ = manifest::save(ctx, manifest).await;
            }
            return Err(failure);
        }
        save(ctx, manifest, &mut done).await?;
    }
    ctx.progress.finish_and_clear();
    Ok(done)
}

async fn save(ctx: &Ctx<'_>, manifest: &mut Manifest, done: &mut Vec<Step>) -> Result<(), Failure> {
    if ctx.dry_run {
        return Ok(());
    }
    manifest.updated_at = crate::core::timestamp::format(&chrono::Utc::now());
    manifest::save(ctx, manifest)
        .await
        .map_err(|error| Failure {
            done: std::mem::take(done),
            error,
        })
}

/// Every service's `inspect`, in setup order.
pub async fn inspect_all(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Vec<Inspection>, AwsError> {
    let mut out = Vec::new();
    out.extend(kms::inspect(ctx, manifest).await?);
    out.extend(iam::inspect(ctx, manifest).await?);
    out.extend(s3::inspect(ctx, manifest).await?);
    out.extend(config::inspect(ctx, manifest).await?);
    out.extend(dynamodb::inspect(ctx, manifest).await?);
    out.extend(sns::inspect(ctx, manifest).await?);
    out.extend(events::inspect(ctx, manifest).await?);
    out.extend(cloudwatch::inspect(ctx, manifest).await?);
    Ok(out)
}

/// Every service's `remove`, in reverse setup order; the manifest is saved after
/// each service and deleted once nothing it lists is left.
pub async fn remove_all(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, Failure> {
    let mut done = Vec::new();
    ctx.progress.set_message("removing…");
    record(&mut done, cloudwatch::remove(ctx, manifest).await)?;
    save(ctx, manifest, &mut done).await?;
    record(&mut done, events::remove(ctx, manifest).await)?;
    save(ctx, manifest, &mut done).await?;
    record(&mut done, sns::remove(ctx, manifest).await)?;
    save(ctx, manifest, &mut done).await?;
    record(&mut done, dynamodb::remove(ctx, manifest).await)?;
    save(ctx, manifest, &mut done).await?;
    record(&mut done, config::remove(ctx, manifest).await)?;
    save(ctx, manifest, &mut done).await?;
    record(&mut done, s3::remove(ctx, manifest).await)?;
    save(ctx, manifest, &mut done).await?;
    record(&mut done, iam::remove(ctx, manifest).await)?;
    save(ctx, manifest, &mut done).await?;
    record(&mut done, kms::remove(ctx, manifest).await)?;
    ctx.progress.finish_and_clear();
    if !ctx.dry_run {
        if manifest.created.is_empty() {
            if let Err(error) = manifest::delete(ctx).await {
                return Err(Failure { done, error });
            }
        } else {
            save(ctx, manifest, &mut done).await?;
        }
    }
    Ok(done)
}

/// AWS tags from the spec, as (key, value) pairs.
pub fn tag_pairs(spec: &StackSpec) -> Vec<(String, String)> {
    spec.tags().into_iter().collect()
}

/// Whether a resource's tags say it belongs to this stack.
pub fn ours<'t>(spec: &StackSpec, tags: impl IntoIterator<Item = (&'t str, &'t str)>) -> bool {
    let mut managed = false;
    let mut suffix = false;
    for (k, v) in tags {
        managed |= k == crate::core::stack::MANAGED_BY.0 && v == crate::core::stack::MANAGED_BY.1;
        suffix |= k == crate::core::stack::SUFFIX_TAG && v == spec.suffix;
    }
    managed && suffix
}

/// Tags as `(&str, &str)` pairs, for [`ours`].
pub(crate) fn tag_refs(tags: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

/// The spec's tags as `k=v, …`, for step details.
pub(crate) fn tags_text(ctx: &Ctx<'_>) -> String {
    tag_pairs(ctx.spec)
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Key ARNs and bare key ids name the same key when their `key/…` parts match.
pub(crate) fn same_key(a: &str, b: &str) -> bool {
    let id = |k: &str| k.rsplit('/').next().unwrap_or(k).to_string();
    a == b || id(a) == id(b)
}
