//! `compliance teardown`: removes exactly what setup created for a suffix and
//! nothing else: only resources listed in the manifest as created (not adopted)
//! and still tagged with the suffix. Without `--yes` it prints what it would
//! delete. Safe to re-run after a partial failure; exit 0 only when nothing setup
//! created is left.

use crate::aws::provision::{manifest, remove_all, Ctx};
use crate::cli::{GlobalArgs, TeardownArgs};
use crate::commands::stack_context::{connect, render_steps, validate, SpecInput};
use crate::commands::{emit, exit, progress_enabled};
use anyhow::Result;

pub fn run(global: &GlobalArgs, args: &TeardownArgs) -> Result<u8> {
    let input = SpecInput::for_suffix(&args.suffix);
    validate(global, &input)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut connected = connect(global, &input).await?;
        let dry_run = !args.yes;
        let loaded = manifest::load(&Ctx::new(&connected.aws, &connected.spec, dry_run)).await?;
        if let Some(choices) = loaded.as_ref().and_then(|m| m.settings.as_ref()) {
            choices.apply(&mut connected.spec);
        }
        let spec = &connected.spec;
        let ctx = Ctx::new(&connected.aws, spec, dry_run).with_progress(progress_enabled(global));
        let Some(mut manifest) = loaded else {
            eprintln!(
                "nothing to tear down: suffix {} has no stack in account {} region {}",
                spec.suffix, spec.account, spec.region
            );
            return Ok(exit::OK);
        };
        match remove_all(&ctx, &mut manifest).await {
            Ok(steps) => {
                emit(None, &render_steps(args.format, "compliance.teardown/v1", spec, dry_run, &steps, None)?)?;
                if dry_run {
                    eprintln!("nothing deleted: run again with --yes to delete the resources marked delete");
                    Ok(exit::OK)
                } else if manifest.created.is_empty() {
                    eprintln!("teardown: nothing of suffix {} is left", spec.suffix);
                    Ok(exit::OK)
                } else {
                    eprintln!(
                        "error: still present: {}",
                        manifest.created.keys().cloned().collect::<Vec<_>>().join(", ")
                    );
                    Ok(exit::RUNTIME)
                }
            }
            Err(failure) => {
                emit(
                    None,
                    &render_steps(args.format, "compliance.teardown/v1", spec, dry_run, &failure.done, Some(&failure.error))?,
                )?;
                eprintln!("error: teardown stopped: {}\nRun teardown again to continue.", failure.error);
                Ok(exit::RUNTIME)
            }
        }
    })
}
