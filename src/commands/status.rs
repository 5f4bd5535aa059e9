//! `compliance status`: what setup created for a suffix, and whether each
//! resource is present, missing or drifted (with the setting that differs).
//! Exit 0 when everything is present and as specified, 1 otherwise.

use crate::aws::provision::{inspect_all, manifest, Ctx, State};
use crate::cli::{GlobalArgs, StatusArgs};
use crate::commands::stack_context::{connect, render_inspections, validate, SpecInput};
use crate::commands::{emit, exit};
use anyhow::Result;

pub fn run(global: &GlobalArgs, args: &StatusArgs) -> Result<u8> {
    let input = SpecInput::for_suffix(&args.suffix);
    validate(global, &input)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut connected = connect(global, &input).await?;
        let ctx = Ctx::new(&connected.aws, &connected.spec, true);
        let loaded = manifest::load(&ctx).await?;
        // Judge drift against what setup was asked for, not against defaults.
        if let Some(choices) = loaded.as_ref().and_then(|m| m.settings.as_ref()) {
            choices.apply(&mut connected.spec);
            connected.spec.retain_days = loaded.as_ref().and_then(|m| m.retain_days);
        }
        let ctx = Ctx::new(&connected.aws, &connected.spec, true);
        let Some(manifest) = loaded else {
            eprintln!(
                "no stack for suffix {} in {}: run `compliance setup --suffix {}`",
                args.suffix, connected.spec.region, args.suffix
            );
            return Ok(exit::FINDINGS);
        };
        let found = inspect_all(&ctx, &manifest).await?;
        emit(
            None,
            &render_inspections(args.format, &connected.spec, &found)?,
        )?;
        let bad = found
            .iter()
            .filter(|i| matches!(i.state, State::Missing | State::Drifted(_)))
            .count();
        if bad > 0 {
            eprintln!(
                "{bad} resource(s) missing or drifted: `compliance setup --suffix {}` repairs them",
                args.suffix
            );
            Ok(exit::FINDINGS)
        } else {
            Ok(exit::OK)
        }
    })
}
