//! Provisioning of the monitoring stack (`setup`, `status`, `teardown`): one
//! driver, here, over managed resources, one file per AWS service.
//!
//! A resource of the stack (the key, the role, the bucket, a Config rule, the
//! table, the topic, a subscription, the event rule, the dashboard, the alarm)
//! implements [`Managed`]: how to read it into a plain value, how that value
//! differs from the spec (a pure function of `core::provision`), and the calls
//! that create, update and delete it. A resource decides nothing else. The
//! driver functions below do the rest, the same way for every resource:
//! - [`plan`]: read, then decide ([`Intent`]: create, update with these
//!   changes, adopt, or refuse someone else's) from who owns it ([`Owner`]: its
//!   tags with this suffix, else the manifest) and its diff;
//! - [`setup`]: the plan as a [`Step`]; `--dry-run` stops there (the only
//!   place a dry run is decided), a real run applies it and records in the
//!   [`Manifest`] what it created or adopted, as soon as it exists. Someone
//!   else's resource that the resource says to reuse ([`Managed::unowned`]:
//!   the region's Config recorder and channel) is adopted: the first time
//!   `adopt` with what that means ([`Managed::adoption`]), later `unchanged`,
//!   or `update` with only the changes the operator allowed on it
//!   (`--adopt-recorder`). A part that must wait for the resources after it
//!   ([`Managed::waits`]: starting the recorder needs the channel) is left by
//!   [`setup_staged`] to [`finish`];
//! - [`status`]: the same plan as a [`State`] (present, missing, drifted,
//!   foreign; unknown with the AWS error when it cannot be read);
//! - [`teardown`]: read, then the one safety rule, [`removal`]: delete only
//!   what the manifest lists as created *and* still carries this suffix's tags
//!   (resources that take no tags: the manifest alone), then strike it from the
//!   manifest. Setup uses the same guard for what the spec no longer wants
//!   ([`Managed::unwanted`]: an address dropped from `--email`, a rule dropped
//!   from the catalogue).
//!
//! Each service module lists its resources in order (`ensure`, `inspect`,
//! `remove` are only that list handed to the driver); [`ensure_all`],
//! [`inspect_all`] and [`remove_all`] walk the services in [`Service::ORDER`]
//! (teardown backwards), re-read a service after it changed to verify the
//! change took, and save the manifest after each service and after a failure.
//!
//! Every resource of the stack is managed this way; no service module reads
//! `ctx.dry_run` or decides whether it may delete something.

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

use crate::core::plan::{removal, Adoption, Intent, Owner, Planned, Removal, Unowned};
pub use crate::core::plan::{Action, Change, Inspection, State, Step};

/// Resource kinds, as recorded in the manifest and shown to the operator.
pub mod kind {
    pub const KMS_KEY: &str = "kms-key";
    pub const KMS_ALIAS: &str = "kms-alias";
    pub const ROLE: &str = "iam-role";
    /// The role Config assumes for an organisation aggregator (`--organization`).
    pub const ORG_ROLE: &str = "iam-org-aggregator-role";
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

/// A command that stopped: what was done before, the AWS error of the step
/// that failed, and whether the manifest could be saved afterwards.
#[derive(Debug)]
pub struct Failure {
    pub done: Vec<Step>,
    /// The step that failed; None when every step succeeded but the manifest
    /// could not be saved.
    pub error: Option<Box<AwsError>>,
    /// The manifest could not be saved: what it says is out of date, and the
    /// command must say so (never drop this silently).
    pub manifest_error: Option<Box<AwsError>>,
}

impl Failure {
    /// The error to show first: the failed step, else the failed save.
    pub fn first_error(&self) -> &AwsError {
        self.error
            .as_deref()
            .or(self.manifest_error.as_deref())
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
            error: Some(Box::new(error)),
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
            failure.manifest_error = Some(Box::new(error));
        }
    }
    failure
}

/// The services of the stack. Every command walks them through the one driver
/// below: `setup` and `--dry-run` in [`Service::ORDER`], `status` in the same
/// order, `teardown` in reverse, so dependencies (the key before what it
/// encrypts, the role and bucket before the recorder, the topic before the
/// rule and alarm that publish to it) are created first and deleted last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Kms,
    Iam,
    S3,
    Config,
    Dynamodb,
    Sns,
    Events,
    Cloudwatch,
}

impl Service {
    /// Setup order; teardown runs it backwards.
    pub const ORDER: [Service; 8] = [
        Service::Kms,
        Service::Iam,
        Service::S3,
        Service::Config,
        Service::Dynamodb,
        Service::Sns,
        Service::Events,
        Service::Cloudwatch,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Service::Kms => "kms",
            Service::Iam => "iam",
            Service::S3 => "s3",
            Service::Config => "config",
            Service::Dynamodb => "dynamodb",
            Service::Sns => "sns",
            Service::Events => "events",
            Service::Cloudwatch => "cloudwatch",
        }
    }

    /// Reads, compares with the spec, and creates or repairs (or, in a dry run, plans).
    async fn ensure(self, ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
        match self {
            Service::Kms => kms::ensure(ctx, manifest).await,
            Service::Iam => iam::ensure(ctx, manifest).await,
            Service::S3 => s3::ensure(ctx, manifest).await,
            Service::Config => config::ensure(ctx, manifest).await,
            Service::Dynamodb => dynamodb::ensure(ctx, manifest).await,
            Service::Sns => sns::ensure(ctx, manifest).await,
            Service::Events => events::ensure(ctx, manifest).await,
            Service::Cloudwatch => cloudwatch::ensure(ctx, manifest).await,
        }
    }

    /// Reads and compares with the spec; changes nothing.
    async fn inspect(
        self,
        ctx: &Ctx<'_>,
        manifest: &Manifest,
    ) -> Result<Vec<Inspection>, AwsError> {
        match self {
            Service::Kms => kms::inspect(ctx, manifest).await,
            Service::Iam => iam::inspect(ctx, manifest).await,
            Service::S3 => s3::inspect(ctx, manifest).await,
            Service::Config => config::inspect(ctx, manifest).await,
            Service::Dynamodb => dynamodb::inspect(ctx, manifest).await,
            Service::Sns => sns::inspect(ctx, manifest).await,
            Service::Events => events::inspect(ctx, manifest).await,
            Service::Cloudwatch => cloudwatch::inspect(ctx, manifest).await,
        }
    }

    /// Deletes what the manifest lists as created and is still tagged ours.
    async fn remove(self, ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
        match self {
            Service::Kms => kms::remove(ctx, manifest).await,
            Service::Iam => iam::remove(ctx, manifest).await,
            Service::S3 => s3::remove(ctx, manifest).await,
            Service::Config => config::remove(ctx, manifest).await,
            Service::Dynamodb => dynamodb::remove(ctx, manifest).await,
            Service::Sns => sns::remove(ctx, manifest).await,
            Service::Events => events::remove(ctx, manifest).await,
            Service::Cloudwatch => cloudwatch::remove(ctx, manifest).await,
        }
    }

    /// The resources this service manages for the stack, as (kind, name), for
    /// reporting them when the service cannot be read.
    fn resources(self, ctx: &Ctx<'_>, manifest: &Manifest) -> Vec<(String, String)> {
        let n = &ctx.names;
        let one = |kind: &str, default: &str| {
            let name = manifest
                .created
                .get(kind)
                .or_else(|| manifest.adopted.get(kind))
                .cloned()
                .unwrap_or_else(|| default.to_string());
            (kind.to_string(), name)
        };
        match self {
            Service::Kms => vec![
                one(kind::KMS_KEY, &format!("key for {}", n.kms_alias)),
                one(kind::KMS_ALIAS, &n.kms_alias),
            ],
            Service::Iam => {
                let mut out = vec![one(kind::ROLE, &n.role)];
                if ctx.spec.wants_org_role() || manifest.owns(kind::ORG_ROLE) {
                    out.push(one(kind::ORG_ROLE, &n.org_role));
                }
                out
            }
            Service::S3 => vec![one(kind::BUCKET, &n.bucket)],
            Service::Config => {
                let mut out = vec![
                    one(kind::RECORDER, &n.recorder),
                    one(kind::CHANNEL, &n.channel),
                ];
                let prefix = format!("{}:", kind::CONFIG_RULE);
                let mut rules: std::collections::BTreeSet<String> =
                    ctx.spec.rules.iter().map(|r| r.name.clone()).collect();
                rules.extend(
                    manifest
                        .created
                        .keys()
                        .filter_map(|k| k.strip_prefix(&prefix))
                        .map(str::to_string),
                );
                out.extend(rules.into_iter().map(|r| (format!("{prefix}{r}"), r)));
                if ctx.spec.wants_aggregator() || manifest.owns(kind::AGGREGATOR) {
                    out.push(one(kind::AGGREGATOR, &n.aggregator));
                }
                out
            }
            Service::Dynamodb => vec![one(kind::TABLE, &n.table)],
            Service::Sns => {
                let mut out = vec![one(kind::TOPIC, &ctx.spec.topic_arn())];
                out.extend(
                    ctx.spec
                        .emails
                        .iter()
                        .map(|e| (kind::SUBSCRIPTION.to_string(), e.clone())),
                );
                out
            }
            Service::Events => vec![one(kind::EVENT_RULE, &n.event_rule)],
            Service::Cloudwatch => vec![
                one(kind::DASHBOARD, &n.dashboard),
                one(kind::ALARM, &n.alarm),
            ],
        }
    }
}

/// `setup` (and `setup --dry-run`): every service's ensure in [`Service::ORDER`],
/// then, for a service that changed something, a re-read that checks the
/// changes took (a change AWS accepted but did not keep is a failure, not a
/// success). The manifest is saved after each service, and also when one fails
/// (with what it created before failing), so the record is accurate to resume
/// or tear down from.
pub async fn ensure_all(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, Failure> {
    let mut done = Vec::new();
    for service in Service::ORDER {
        ctx.progress.set_message(format!("{}…", service.name()));
        let result = match service.ensure(ctx, manifest).await {
            Ok(steps) if !ctx.dry_run && steps.iter().any(|s| s.action != Action::Unchanged) => {
                match verify(ctx, manifest, service).await {
                    Ok(()) => Ok(steps),
                    Err(error) => {
                        done.extend(steps);
                        Err(error)
                    }
                }
            }
            other => other,
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

/// Re-reads a service after its changes: every resource must now be present
/// as specified (or knowingly someone else's, like an adopted recorder).
async fn verify(ctx: &Ctx<'_>, manifest: &Manifest, service: Service) -> Result<(), AwsError> {
    let found = service.inspect(ctx, manifest).await?;
    let failed: Vec<String> = found
        .iter()
        .filter_map(|i| match &i.state {
            State::Missing => Some(format!("{} {}: missing", i.kind, i.name)),
            State::Drifted(reasons) | State::Unknown(reasons) => {
                Some(format!("{} {}: {}", i.kind, i.name, reasons.join("; ")))
            }
            State::Present | State::Foreign(_) => None,
        })
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(AwsError::local(
            service.name(),
            ctx.region(),
            "Verify",
            "ChangeNotApplied",
            format!(
                "read back after the change, {} not as specified: {}",
                if failed.len() == 1 {
                    "this is"
                } else {
                    "these are"
                },
                failed.join(" | ")
            ),
        ))
    }
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
            manifest_error: Some(Box::new(error)),
        })
}

/// `status`: every service's inspect, in setup order. A service that cannot be
/// read does not stop the others: its resources are reported `unknown` with
/// the AWS error, so one denied call never hides the state of the rest.
pub async fn inspect_all(ctx: &Ctx<'_>, manifest: &Manifest) -> Vec<Inspection> {
    let mut out = Vec::new();
    for service in Service::ORDER {
        ctx.progress.set_message(format!("{}…", service.name()));
        match service.inspect(ctx, manifest).await {
            Ok(found) => out.extend(found),
            Err(error) => out.extend(service.resources(ctx, manifest).into_iter().map(
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

/// `teardown` (and its plan): every service's remove, in reverse setup order.
/// The manifest is saved after each service and after a failure (a service
/// that fails half way has already struck what it removed), and deleted once
/// nothing it lists is left.
pub async fn remove_all(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, Failure> {
    let mut done = Vec::new();
    for service in Service::ORDER.into_iter().rev() {
        ctx.progress
            .set_message(format!("removing {}…", service.name()));
        let result = service.remove(ctx, manifest).await;
        if let Err(failure) = record(&mut done, result) {
            ctx.progress.finish_and_clear();
            return Err(save_after_failure(ctx, manifest, failure).await);
        }
        if service != Service::ORDER[0] {
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
                    manifest_error: Some(Box::new(error)),
                });
            }
        } else {
            save(ctx, manifest, &mut done).await?;
        }
    }
    Ok(done)
}

/// One resource of the stack, as the driver sees it: how to read it into a
/// plain value, how that value differs from the spec (the core's pure diff),
/// and the calls that create, update and delete it. The resource decides
/// nothing else: whose it is, whether setup may change it, whether teardown may
/// delete it and what a dry run prints are decided once, by the driver below
/// (with [`crate::core::plan`]), for every resource alike.
// Futures stay on the one runtime's thread that awaits them (no spawn), so the
// trait needs no `Send` bounds.
#[allow(async_fn_in_trait)]
pub trait Managed {
    /// The resource as read (a plain value of the core).
    type Found;
    /// What a change is applied with (the core's `Part` of this service).
    type Part: Copy + PartialEq;
    /// The AWS service, for errors.
    const SERVICE: &'static str;
    /// The call that reads it, for the `NameTaken` error.
    const READ: &'static str;

    /// The kind shown to the operator (`events-rule`, `sns-subscription`,
    /// `config-rule:<name>`).
    fn kind(&self) -> String;
    /// The manifest key; the kind unless several share it
    /// (`sns-subscription:<email>`).
    fn key(&self) -> String {
        self.kind()
    }
    /// The name shown to the operator (the ARN once known, where that is how it is named).
    fn name(&self, ctx: &Ctx<'_>, found: Option<&Self::Found>) -> String;
    /// What exists, or `None`.
    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<Self::Found>, AwsError>;
    /// What the manifest records for it (a name or an ARN).
    fn id(&self, ctx: &Ctx<'_>, found: &Self::Found) -> String;
    /// Its tags; `None` when the resource takes none (the manifest then
    /// decides alone whether it is ours).
    fn tags<'f>(&self, found: &'f Self::Found) -> Option<&'f [(String, String)]>;
    /// How it differs from the spec.
    fn diff(&self, ctx: &Ctx<'_>, found: &Self::Found) -> Vec<Planned<Self::Part>>;
    /// Why it is someone else's, when the resource knows better than its
    /// tags (a bucket name taken in another account).
    fn whose(&self, _found: &Self::Found) -> Option<String> {
        None
    }
    /// What setup does when one exists under our name that is not ours.
    fn unowned(&self, _ctx: &Ctx<'_>, _found: &Self::Found) -> Unowned {
        Unowned::Refuse
    }
    /// Whether the identifier the manifest holds for this key names the
    /// resource found (the one Config recorder of a region may since have been
    /// replaced by someone else's): if not, the entry says nothing of it.
    fn recorded_as(&self, _id: &str, _found: &Self::Found) -> bool {
        true
    }
    /// What reusing it means when it is someone else's and [`Managed::unowned`]
    /// says adopt: what the first step says, what status adds, and the
    /// changes the operator allowed on it (see [`Adoption`]).
    fn adoption(&self, _ctx: &Ctx<'_>, _found: &Self::Found) -> Adoption<Self::Part> {
        Adoption::default()
    }
    /// A part that waits until the resources after this one in its service
    /// are set up (starting the Config recorder needs the delivery channel):
    /// [`setup_staged`] leaves it to [`finish`].
    fn waits(&self, _part: &Self::Part) -> bool {
        false
    }
    /// The parts a resource just created still needs, applied by [`finish`]
    /// (a new recorder is created stopped).
    fn after_create(&self) -> Vec<Self::Part> {
        Vec::new()
    }
    /// Why a delete AWS refused leaves the resource in place (teardown goes
    /// on, the step says keep, the manifest keeps it) rather than failing:
    /// the last delivery channel of a recorder that is not ours and records.
    fn refused(&self, _error: &AwsError) -> Option<String> {
        None
    }
    /// Why the spec no longer wants this resource (an address dropped from
    /// `--email`): setup then removes it under teardown's guard, and status
    /// reports it as drift while it exists. None: wanted.
    fn unwanted(&self, _ctx: &Ctx<'_>) -> Option<String> {
        None
    }
    /// Why setup cannot bring an existing resource of ours to the spec at all
    /// (a key schema, a key KMS will not change): setup stops with this error,
    /// in a dry run too, instead of planning a change it cannot make.
    fn cannot_apply(
        &self,
        _ctx: &Ctx<'_>,
        _found: &Self::Found,
        _changes: &[Planned<Self::Part>],
    ) -> Option<AwsError> {
        None
    }
    /// What a create makes, for the plan.
    fn create_detail(&self, ctx: &Ctx<'_>) -> Vec<String>;
    /// The name a created resource is shown by, from the identifier `create`
    /// recorded, when the plan could only describe it (a KMS key has no id
    /// before it exists); `None` keeps the plan's name.
    fn created_name(&self, _id: &str) -> Option<String> {
        None
    }
    /// Creates it as the spec says. `made` is set to the identifier as soon as
    /// the resource exists, so a later call of the same create that fails
    /// still leaves it recorded for teardown. Returns extra detail lines.
    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError>;
    /// Applies these parts of the spec to it (each part once).
    async fn update(
        &self,
        ctx: &Ctx<'_>,
        found: &Self::Found,
        parts: &[Self::Part],
    ) -> Result<(), AwsError>;
    /// What deleting it involves, for the plan (may read, never writes).
    async fn delete_detail(
        &self,
        _ctx: &Ctx<'_>,
        _found: &Self::Found,
    ) -> Result<Vec<String>, AwsError> {
        Ok(Vec::new())
    }
    /// Deletes it (and what must go first); already gone is success.
    /// Returns what it found to do on the way (counts), as detail lines.
    async fn delete(&self, ctx: &Ctx<'_>, found: &Self::Found) -> Result<Vec<String>, AwsError>;
}

/// One resource read and judged: the plan for it, computed once and then
/// printed (`--dry-run`), applied (`setup`) or reported (`status`).
pub struct Plan<M: Managed> {
    found: Option<M::Found>,
    intent: Intent<M::Part>,
    name: String,
}

/// Reads one resource and decides what setup would do with it.
pub async fn plan<M: Managed>(
    ctx: &Ctx<'_>,
    manifest: &Manifest,
    resource: &M,
) -> Result<Plan<M>, AwsError> {
    let found = resource.read(ctx).await?;
    let intent = Intent::decide(
        found.as_ref().map(|f| {
            let (created, adopted) = listed(manifest, resource, f);
            let owner = Owner::of(resource.tags(f), &ctx.spec.suffix, created, adopted);
            (owner, resource.diff(ctx, f))
        }),
        found
            .as_ref()
            .map_or(Unowned::Refuse, |f| resource.unowned(ctx, f)),
        found
            .as_ref()
            .map_or_else(Adoption::default, |f| resource.adoption(ctx, f)),
    );
    let name = resource.name(ctx, found.as_ref());
    Ok(Plan {
        found,
        intent,
        name,
    })
}

/// Whether the manifest lists the resource found as created, and as adopted.
fn listed<M: Managed>(manifest: &Manifest, resource: &M, found: &M::Found) -> (bool, bool) {
    let key = resource.key();
    let names = |ids: &std::collections::BTreeMap<String, String>| {
        ids.get(&key)
            .is_some_and(|id| resource.recorded_as(id, found))
    };
    (names(&manifest.created), names(&manifest.adopted))
}

/// `setup` of one resource: plan, then (unless a dry run) apply, recording in
/// the manifest what setup created or adopted. A resource that is someone
/// else's stops setup with `NameTaken`, in a dry run too.
pub async fn setup<M: Managed>(
    ctx: &Ctx<'_>,
    manifest: &mut Manifest,
    resource: &M,
) -> Result<Step, AwsError> {
    let staged = setup_staged(ctx, manifest, resource).await?;
    finish(ctx, resource, staged).await
}

/// A resource set up but for the parts that wait for the resources after it
/// ([`Managed::waits`], [`Managed::after_create`]).
pub struct Staged<M: Managed> {
    step: Step,
    found: Option<M::Found>,
    later: Vec<M::Part>,
}

/// Applies the parts a [`Staged`] resource left for later (none in a dry
/// run), once the resources they wait for are set up; a resource created
/// by the first stage is read back for them.
pub async fn finish<M: Managed>(
    ctx: &Ctx<'_>,
    resource: &M,
    staged: Staged<M>,
) -> Result<Step, AwsError> {
    if ctx.dry_run || staged.later.is_empty() {
        return Ok(staged.step);
    }
    let found = match staged.found {
        Some(found) => found,
        None => resource.read(ctx).await?.ok_or_else(|| {
            AwsError::local(
                M::SERVICE,
                ctx.region(),
                M::READ,
                "NotFound",
                format!(
                    "{} {} was created but cannot be read back",
                    resource.kind(),
                    staged.step.name
                ),
            )
        })?,
    };
    resource.update(ctx, &found, &staged.later).await?;
    Ok(staged.step)
}

/// [`setup`]'s first stage: everything but the parts that wait (see [`finish`]).
pub async fn setup_staged<M: Managed>(
    ctx: &Ctx<'_>,
    manifest: &mut Manifest,
    resource: &M,
) -> Result<Staged<M>, AwsError> {
    let staged = |step| Staged {
        step,
        found: None,
        later: Vec::new(),
    };
    if let Some(why) = resource.unwanted(ctx) {
        let mut step = teardown(ctx, manifest, resource).await?;
        if step.action == Action::Delete {
            step.detail.insert(0, why);
        }
        return Ok(staged(step));
    }
    let plan = plan(ctx, manifest, resource).await?;
    let kind = resource.kind();
    if plan.intent == Intent::Refuse {
        return Err(AwsError::local(
            M::SERVICE,
            ctx.region(),
            M::READ,
            "NameTaken",
            match plan.found.as_ref().and_then(|f| resource.whose(f)) {
                Some(why) => format!(
                    "{kind} {} exists and {why}; setup will not take it over: choose another --suffix or remove it",
                    plan.name
                ),
                None => crate::core::plan::name_taken(
                    &kind,
                    &plan.name,
                    &ctx.spec.suffix,
                    plan.found
                        .as_ref()
                        .is_some_and(|f| resource.tags(f).is_some()),
                ),
            },
        ));
    }
    if let (Intent::Update(changes), Some(found)) = (&plan.intent, &plan.found) {
        if let Some(error) = resource.cannot_apply(ctx, found, changes) {
            return Err(error);
        }
    }
    let created = match plan.intent {
        Intent::Create => resource.create_detail(ctx),
        _ => Vec::new(),
    };
    let mut step = plan.intent.step(&kind, plan.name.clone(), created);
    if ctx.dry_run {
        return Ok(staged(step));
    }
    let key = resource.key();
    let (now, later) = plan
        .intent
        .stages(|part| resource.waits(part), resource.after_create());
    match (&plan.intent, &plan.found) {
        (Intent::Create, _) => {
            let mut made = None;
            let result = resource.create(ctx, &mut made).await;
            if let Some(id) = made {
                if let Some(name) = resource.created_name(&id) {
                    step.name = name;
                }
                manifest.adopted.remove(&key);
                manifest.created.insert(key, id);
            }
            step.detail.extend(result?);
        }
        (Intent::Update(_), Some(found)) => {
            // Recorded before the repair: what setup manages is setup's to remove.
            manifest.adopted.remove(&key);
            manifest.created.insert(key, resource.id(ctx, found));
            if !now.is_empty() {
                resource.update(ctx, found, &now).await?;
            }
        }
        (Intent::Adopt { .. }, Some(found)) => {
            // Someone else's: whatever the manifest said setup created is gone.
            manifest.created.remove(&key);
            manifest.adopted.insert(key, resource.id(ctx, found));
            if !now.is_empty() {
                resource.update(ctx, found, &now).await?;
            }
        }
        _ => {}
    }
    Ok(Staged {
        step,
        found: plan.found,
        later,
    })
}

/// `status` of one resource: the same plan, said as a state. A resource the
/// spec no longer wants is reported only while setup's copy of it exists.
pub async fn status<M: Managed>(
    ctx: &Ctx<'_>,
    manifest: &Manifest,
    resource: &M,
) -> Result<Option<Inspection>, AwsError> {
    if let Some(why) = resource.unwanted(ctx) {
        let found = resource.read(ctx).await?;
        let recorded = manifest.created.contains_key(&resource.key());
        return Ok(found.filter(|_| recorded).map(|f| {
            Inspection::new(
                &resource.kind(),
                resource.name(ctx, Some(&f)),
                State::Drifted(vec![format!("expected none ({why}), found present")]),
            )
        }));
    }
    let plan = match plan(ctx, manifest, resource).await {
        Ok(plan) => plan,
        // One resource that cannot be read does not hide the others.
        Err(error) => {
            return Ok(Some(Inspection::new(
                &resource.kind(),
                resource.name(ctx, None),
                State::Unknown(unreadable(&error)),
            )))
        }
    };
    let takes_tags = plan
        .found
        .as_ref()
        .is_some_and(|f| resource.tags(f).is_some());
    let state = match (
        &plan.intent,
        plan.found.as_ref().and_then(|f| resource.whose(f)),
    ) {
        (Intent::Refuse, Some(why)) => State::Foreign(vec![why]),
        (intent, _) => intent.state(&ctx.spec.suffix, takes_tags),
    };
    Ok(Some(Inspection::new(&resource.kind(), plan.name, state)))
}

/// `teardown` of one resource: read, then the one guard
/// ([`crate::core::plan::removal`]: listed as created *and* still tagged), then
/// (unless a dry run) delete and strike it from the manifest.
pub async fn teardown<M: Managed>(
    ctx: &Ctx<'_>,
    manifest: &mut Manifest,
    resource: &M,
) -> Result<Step, AwsError> {
    let found = resource.read(ctx).await?;
    let key = resource.key();
    let (created, adopted) = found
        .as_ref()
        .map_or((false, false), |f| listed(manifest, resource, f));
    let decision = removal(
        found.is_some(),
        created,
        adopted,
        found.as_ref().and_then(|f| resource.tags(f)),
        &ctx.spec.suffix,
    );
    let mut step = decision.step(&resource.kind(), resource.name(ctx, found.as_ref()));
    match (decision, &found) {
        (Removal::Absent, _) if !ctx.dry_run => {
            manifest.created.remove(&key);
        }
        (Removal::Delete, Some(found)) => {
            step.detail
                .extend(resource.delete_detail(ctx, found).await?);
            if !ctx.dry_run {
                match resource.delete(ctx, found).await {
                    Ok(detail) => {
                        step.detail.extend(detail);
                        manifest.created.remove(&key);
                    }
                    Err(error) => match resource.refused(&error) {
                        Some(why) => {
                            step = Step::new(&resource.kind(), step.name, Action::Keep).with(why)
                        }
                        None => return Err(error),
                    },
                }
            }
        }
        _ => {}
    }
    Ok(step)
}

/// AWS tags from the spec, as (key, value) pairs.
pub fn tag_pairs(spec: &StackSpec) -> Vec<(String, String)> {
    spec.tags().into_iter().collect()
}

/// Tags as `(&str, &str)` pairs, for [`crate::core::plan::is_ours`].
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
