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
    /// Could not be read; the reason names the call, the AWS error code and the request id.
    Unknown(Vec<String>),
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

/// A command that stopped: what was done before, the AWS error of the step
/// that failed, and whether the manifest could be saved afterwards.
#[derive(Debug)]
pub struct Failure {
    pub done: Vec<Step>,
    /// The step that failed; None when every step succeeded but the manifest
    /// could not be saved.
    pub error: Option<AwsError>,
    /// The manifest could not be saved: what it says is out of date, and the
    /// command must say so (never drop this silently).
    pub manifest_error: Option<AwsError>,
}

impl Failure {
    /// The error to show first: the failed step, else the failed save.
    pub fn first_error(&self) -> &AwsError {
        self.error
            .as_ref()
            .or(self.manifest_error.as_ref())
            .expect("a failure has a step error or a manifest error")
    }
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
            error: Some(error),
            manifest_error: None,
        }),
    }
}

/// Saves the manifest after a failed step, so what the steps before it created
/// (or removed) is recorded; a failed save is kept on the failure.
async fn save_after_failure(
    ctx: &Ctx<'_>,
    manifest: &mut Manifest,
    mut failure: Failure,
) -> Failure {
    if !ctx.dry_run {
        manifest.updated_at = crate::core::timestamp::format(&chrono::Utc::now());
        if let Err(error) = manifest::save(ctx, manifest).await {
            failure.manifest_error = Some(error);
        }
    }
    failure
}

/// Runs every service's `ensure` in dependency order, saving the manifest after
/// each service, and also when a service fails (with what it created before
/// failing), so the record is accurate to resume or tear down from.
pub async fn ensure_all(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, Failure> {
    let mut done = Vec::new();
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
            return Err(save_after_failure(ctx, manifest, failure).await);
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
            error: None,
            manifest_error: Some(error),
        })
}

/// The services in setup order (teardown runs them in reverse).
pub const SERVICES: [&str; 8] = [
    "kms",
    "iam",
    "s3",
    "config",
    "dynamodb",
    "sns",
    "events",
    "cloudwatch",
];

/// Every service's `inspect`, in setup order. A service that cannot be read
/// does not stop the others: its resources are reported `unknown` with the
/// AWS error, so one denied call never hides the state of the rest.
pub async fn inspect_all(ctx: &Ctx<'_>, manifest: &Manifest) -> Vec<Inspection> {
    let mut out = Vec::new();
    for (service, name) in SERVICES.iter().enumerate() {
        ctx.progress.set_message(format!("{name}…"));
        let result = match service {
            0 => kms::inspect(ctx, manifest).await,
            1 => iam::inspect(ctx, manifest).await,
            2 => s3::inspect(ctx, manifest).await,
            3 => config::inspect(ctx, manifest).await,
            4 => dynamodb::inspect(ctx, manifest).await,
            5 => sns::inspect(ctx, manifest).await,
            6 => events::inspect(ctx, manifest).await,
            _ => cloudwatch::inspect(ctx, manifest).await,
        };
        match result {
            Ok(found) => out.extend(found),
            Err(error) => out.extend(resources_of(ctx, manifest, name).into_iter().map(
                |(kind, name)| Inspection::new(&kind, name, State::Unknown(unreadable(&error))),
            )),
        }
    }
    ctx.progress.finish_and_clear();
    out
}

/// Why a resource could not be read: the call, the AWS error code and the request id.
fn unreadable(error: &AwsError) -> Vec<String> {
    vec![format!(
        "cannot read: {} {}: {}{}",
        error.service,
        error.operation,
        error.code,
        error
            .request_id
            .as_ref()
            .map(|id| format!(" (request id {id})"))
            .unwrap_or_default()
    )]
}

/// The resources a service manages for this stack, as (kind, name), for
/// reporting them when the service cannot be read.
fn resources_of(ctx: &Ctx<'_>, manifest: &Manifest, service: &str) -> Vec<(String, String)> {
    let n = &ctx.names;
    let recorded = |kind: &str, default: &str| {
        manifest
            .created
            .get(kind)
            .or_else(|| manifest.adopted.get(kind))
            .cloned()
            .unwrap_or_else(|| default.to_string())
    };
    let one = |kind: &str, default: &str| (kind.to_string(), recorded(kind, default));
    match service {
        "kms" => vec![
            one(kind::KMS_KEY, &format!("key for {}", n.kms_alias)),
            one(kind::KMS_ALIAS, &n.kms_alias),
        ],
        "iam" => vec![one(kind::ROLE, &n.role)],
        "s3" => vec![one(kind::BUCKET, &n.bucket)],
        "config" => {
            let mut out = vec![
                one(kind::RECORDER, &n.recorder),
                one(kind::CHANNEL, &n.channel),
            ];
            let mut rules: std::collections::BTreeSet<String> =
                ctx.spec.rules.iter().map(|r| r.name.clone()).collect();
            let prefix = format!("{}:", kind::CONFIG_RULE);
            rules.extend(
                manifest
                    .created
                    .keys()
                    .filter_map(|k| k.strip_prefix(&prefix))
                    .map(str::to_string),
            );
            out.extend(rules.into_iter().map(|r| (format!("{prefix}{r}"), r)));
            if !ctx.spec.aggregator_regions.is_empty()
                || manifest.created.contains_key(kind::AGGREGATOR)
            {
                out.push(one(kind::AGGREGATOR, &n.aggregator));
            }
            out
        }
        "dynamodb" => vec![one(kind::TABLE, &n.table)],
        "sns" => {
            let mut out = vec![one(kind::TOPIC, &ctx.spec.topic_arn())];
            out.extend(
                ctx.spec
                    .emails
                    .iter()
                    .map(|e| (kind::SUBSCRIPTION.to_string(), e.clone())),
            );
            out
        }
        "events" => vec![one(kind::EVENT_RULE, &n.event_rule)],
        _ => vec![
            one(kind::DASHBOARD, &n.dashboard),
            one(kind::ALARM, &n.alarm),
        ],
    }
}

/// Every service's `remove`, in reverse setup order; the manifest is saved after
/// each service and deleted once nothing it lists is left.
pub async fn remove_all(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, Failure> {
    let mut done = Vec::new();
    ctx.progress.set_message("removing…");
    for service in (0..8).rev() {
        let result = match service {
            0 => kms::remove(ctx, manifest).await,
            1 => iam::remove(ctx, manifest).await,
            2 => s3::remove(ctx, manifest).await,
            3 => config::remove(ctx, manifest).await,
            4 => dynamodb::remove(ctx, manifest).await,
            5 => sns::remove(ctx, manifest).await,
            6 => events::remove(ctx, manifest).await,
            _ => cloudwatch::remove(ctx, manifest).await,
        };
        // A service that fails half way has already struck what it removed
        // from the manifest: save that, so the record never lists deleted resources.
        if let Err(failure) = record(&mut done, result) {
            ctx.progress.finish_and_clear();
            return Err(save_after_failure(ctx, manifest, failure).await);
        }
        if service > 0 {
            save(ctx, manifest, &mut done).await?;
        }
    }
    ctx.progress.finish_and_clear();
    if !ctx.dry_run {
        if manifest.created.is_empty() {
            if let Err(error) = manifest::delete(ctx).await {
                return Err(Failure {
                    done,
                    error: None,
                    manifest_error: Some(error),
                });
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
