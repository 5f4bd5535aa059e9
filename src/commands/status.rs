//! `compliance status`: what setup created for a suffix, and whether each
//! resource is present, missing, drifted (with the setting that differs) or
//! unknown (could not be read: the AWS error says why). A resource that cannot
//! be read does not stop the others from being reported.
//! Exit 0 when everything is present and as specified, 1 when something is
//! missing or drifted, 3 when something could not be read.

use crate::aws::provision::{inspect_all, manifest, Ctx, State};
use crate::cli::{GlobalArgs, StatusArgs};
use crate::commands::stack_context::{connect, validate, SpecInput};
use crate::commands::{exit, progress_enabled};
use crate::output::notice;
use crate::output::stack::{write_status, StatusReport};
use anyhow::Result;

pub async fn run(global: &GlobalArgs, args: &StatusArgs) -> Result<u8> {
    let input = SpecInput::for_suffix(args.suffix.as_deref());
    validate(global, &input)?;
    let mut connected = connect(global, &input).await?;
    let ctx = Ctx::new(&connected.aws, &connected.spec, true);
    let loaded = manifest::load(&ctx).await?;
    // Judge drift against what setup was asked for, not against defaults.
    if let Some(choices) = loaded.as_ref().and_then(|m| m.settings.as_ref()) {
        choices.apply(&mut connected.spec);
        connected.spec.retain_days = loaded.as_ref().and_then(|m| m.retain_days);
    }
    let suffix = connected.spec.suffix.clone();
    let ctx =
        Ctx::new(&connected.aws, &connected.spec, true).with_progress(progress_enabled(global));
    let Some(manifest) = loaded else {
        notice::note(format!(
            "no stack for suffix {suffix} in {}: run `compliance setup --suffix {suffix}`",
            connected.spec.region
        ));
        return Ok(exit::FINDINGS);
    };
    let found = inspect_all(&ctx, &manifest).await;
    let report = StatusReport {
        spec: &connected.spec,
        found: &found,
        skipped: &connected.skipped,
        details: global.verbose > 0,
    };
    write_status(std::io::stdout().lock(), args.format, &report)?;
    let count = |f: fn(&State) -> bool| found.iter().filter(|i| f(&i.state)).count();
    let unknown = count(|s| matches!(s, State::Unknown(_)));
    let bad = count(|s| matches!(s, State::Missing | State::Drifted(_)));
    if bad > 0 {
        notice::note(format!(
            "{bad} resource(s) missing or drifted: `compliance setup --suffix {suffix}` repairs them"
        ));
    }
    if unknown > 0 {
        notice::note(format!(
            "error: {unknown} resource(s) could not be read (state unknown; the reason names the AWS error)"
        ));
        Ok(exit::RUNTIME)
    } else if bad > 0 {
        Ok(exit::FINDINGS)
    } else {
        Ok(exit::OK)
    }
}
