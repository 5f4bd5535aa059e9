//! `compliance setup`: creates or repairs the monitoring stack (see DESIGN.md,
//! "What setup provisions"). Every step reads before it writes, so a second run
//! reports every resource "up to date", a drifted setting is repaired, and a run
//! that failed half way resumes. `--dry-run` prints the plan and changes nothing.

use crate::aws::provision::{ensure_all, manifest, Action, Ctx};
use crate::cli::{GlobalArgs, SetupArgs, SseChoice};
use crate::commands::stack_context::{
    connect, manifest_not_saved, render_steps, validate, SpecInput,
};
use crate::commands::{emit, exit, progress_enabled};
use crate::core::stack::{Manifest, Sse, StackChoices};
use anyhow::Result;

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
        tags: &args.tags,
        retain_days: args.retain_days,
        adopt_recorder: args.adopt_recorder,
    };
    validate(global, &input)?;
    async {
        let connected = connect(global, &input).await?;
        let spec = &connected.spec;
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
                emit(None, &render_steps(args.format, "compliance.setup/v1", spec, args.dry_run, &steps, None, None)?)?;
                let changed = steps.iter().filter(|s| !matches!(s.action, Action::Unchanged)).count();
                if args.dry_run {
                    eprintln!("dry run: {changed} change(s) planned, nothing was changed");
                } else if changed == 0 {
                    eprintln!("setup: everything for suffix {} is up to date", spec.suffix);
                } else {
                    eprintln!("setup: {changed} change(s) made for suffix {}", spec.suffix);
                }
                Ok(exit::OK)
            }
            Err(failure) => {
                emit(
                    None,
                    &render_steps(
                        args.format,
                        "compliance.setup/v1",
                        spec,
                        args.dry_run,
                        &failure.done,
                        failure.error.as_ref(),
                        failure.manifest_error.as_ref(),
                    )?,
                )?;
                if let Some(error) = &failure.error {
                    eprintln!(
                        "error: setup stopped: {error}\nWhat exists is listed above; run setup again to resume, or teardown --suffix {} --yes to remove it.",
                        spec.suffix
                    );
                }
                if let Some(error) = &failure.manifest_error {
                    eprintln!("{}", manifest_not_saved(spec, error));
                }
                Ok(exit::RUNTIME)
            }
        }
    }
    .await
}
