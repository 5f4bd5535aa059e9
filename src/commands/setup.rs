//! `compliance setup`: creates or repairs the monitoring stack (see DESIGN.md,
//! "What setup provisions"). Every step reads before it writes, so a second run
//! reports every resource "up to date", a drifted setting is repaired, and a run
//! that failed half way resumes. `--dry-run` prints the plan and changes nothing.

use crate::aws::provision::{ensure_all, manifest, Action, Ctx};
use crate::cli::{GlobalArgs, SetupArgs, SseChoice};
use crate::commands::stack_context::{connect, validate, SpecInput};
use crate::commands::InputError;
use crate::commands::{exit, progress_enabled};
use crate::core::stack::{parse_account_ids, AggregatorScope, Manifest, Sse, StackChoices};
use crate::output::notice;
use crate::output::stack::{manifest_not_saved, write_steps, StepsReport};
use anyhow::Result;

const SCHEMA: &str = "compliance.setup/v1";

pub async fn run(global: &GlobalArgs, args: &SetupArgs) -> Result<u8> {
    let input = SpecInput {
        suffix: args.suffix.as_deref(),
        discover: false,
        emails: &args.emails,
        frequency: &args.frequency,
        sse: match args.sse {
            SseChoice::Kms => Sse::Kms,
            SseChoice::Aes256 => Sse::Aes256,
        },
        aggregator_regions: &args.regions,
        aggregator_scope: if args.organization {
            AggregatorScope::Organization
        } else if args.accounts.is_empty() {
            AggregatorScope::Account
        } else {
            AggregatorScope::Accounts(parse_account_ids(&args.accounts).map_err(InputError)?)
        },
        tags: &args.tags,
        retain_days: args.retain_days,
        adopt_recorder: args.adopt_recorder,
    };
    validate(global, &input)?;
    let connected = connect(global, &input).await?;
    let spec = &connected.spec;
    // The default is one line per resource; -v and --dry-run add every change.
    let details = global.verbose > 0 || args.dry_run;
    let ctx = Ctx::new(&connected.aws, spec, args.dry_run).with_progress(progress_enabled(global));
    let mut manifest = manifest::load(&ctx).await?.unwrap_or_else(|| Manifest {
        version: Manifest::VERSION,
        suffix: spec.suffix.clone(),
        account: spec.account.clone(),
        region: spec.region.clone(),
        ..Manifest::default()
    });
    manifest.retain_days = spec.retain_days;
    manifest.settings = Some(StackChoices::of(spec));
    match ensure_all(&ctx, &mut manifest).await {
        Ok(steps) => {
            let report = StepsReport {
                schema: SCHEMA,
                spec,
                dry_run: args.dry_run,
                steps: &steps,
                skipped: &connected.skipped,
                details,
                error: None,
                manifest_error: None,
            };
            write_steps(std::io::stdout().lock(), args.format, &report)?;
            let changed = steps
                .iter()
                .filter(|s| !matches!(s.action, Action::Unchanged))
                .count();
            if args.dry_run {
                notice::note(format!(
                    "dry run: {changed} change(s) planned, nothing was changed"
                ));
            } else if changed == 0 {
                notice::note(format!(
                    "setup: everything for suffix {} is up to date",
                    spec.suffix
                ));
            } else {
                notice::note(format!(
                    "setup: {changed} change(s) made for suffix {}",
                    spec.suffix
                ));
            }
            Ok(exit::OK)
        }
        Err(failure) => {
            let report = StepsReport {
                schema: SCHEMA,
                spec,
                dry_run: args.dry_run,
                steps: &failure.done,
                skipped: &connected.skipped,
                details,
                error: failure.error.as_deref(),
                manifest_error: failure.manifest_error.as_deref(),
            };
            write_steps(std::io::stdout().lock(), args.format, &report)?;
            if let Some(error) = &failure.error {
                notice::note(format!(
                    "error: setup stopped: {error}\nWhat exists is listed above; run setup again to resume, or teardown --suffix {} --yes to remove it.",
                    spec.suffix
                ));
            }
            if let Some(error) = &failure.manifest_error {
                notice::note(manifest_not_saved(spec, error));
            }
            Ok(exit::RUNTIME)
        }
    }
}
