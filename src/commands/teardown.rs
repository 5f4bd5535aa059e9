//! `compliance teardown`: removes exactly what setup created for a suffix and
//! nothing else: only resources listed in the manifest as created (not adopted)
//! and still tagged with the suffix. It always shows the plan first; on a
//! terminal it then asks, elsewhere it acts only with `--yes` (without it the
//! plan is printed and the exit code is 2), and `--dry-run` only plans. Safe to
//! re-run after a partial failure; exit 0 only when nothing setup created is left.

use crate::aws::error::AwsError;
use crate::aws::provision::Step;
use crate::aws::provision::{manifest, remove_all, Action, Ctx};
use crate::cli::{GlobalArgs, TeardownArgs};
use crate::commands::stack_context::{connect, validate, SpecInput};
use crate::commands::{exit, progress_enabled};
use crate::core::stack::StackSpec;
use crate::output::notice;
use crate::output::stack::{
    manifest_not_saved, write_steps, StackFormat, StepsReport, TEARDOWN_SCHEMA,
};
use anyhow::Result;
use std::io::{BufRead, IsTerminal, Write};

pub async fn run(global: &GlobalArgs, args: &TeardownArgs) -> Result<u8> {
    let input = SpecInput::for_suffix(args.suffix.as_deref());
    validate(global, &input)?;
    let mut connected = connect(global, &input).await?;
    let loaded = manifest::load(&Ctx::new(&connected.aws, &connected.spec, true)).await?;
    if let Some(choices) = loaded.as_ref().and_then(|m| m.settings.as_ref()) {
        choices.apply(&mut connected.spec);
    }
    let spec = &connected.spec;
    // The default is one line per resource; -v and --dry-run add the reasons in full.
    let details = global.verbose > 0 || args.dry_run;
    let Some(mut manifest) = loaded else {
        notice::note(format!(
            "nothing to tear down: suffix {} has no stack in account {} region {}",
            spec.suffix, spec.account, spec.region
        ));
        return Ok(exit::OK);
    };
    if !args.yes {
        // The plan: the same steps, with every change left out.
        let planner = Ctx::new(&connected.aws, spec, true);
        let plan = match remove_all(&planner, &mut manifest.clone()).await {
            Ok(steps) => steps,
            Err(failure) => {
                let error = failure.first_error();
                show(
                    args.format,
                    spec,
                    details,
                    true,
                    &failure.done,
                    Some(error),
                    None,
                )?;
                notice::note(format!("error: teardown could not plan: {error}"));
                return Ok(exit::RUNTIME);
            }
        };
        show(args.format, spec, details, true, &plan, None, None)?;
        let deletions = plan.iter().filter(|s| s.action == Action::Delete).count();
        if args.dry_run {
            notice::note(format!(
                "dry run: {deletions} resource(s) would be deleted, nothing was changed"
            ));
            return Ok(exit::OK);
        }
        if !std::io::stdin().is_terminal() {
            notice::note(format!(
                "nothing deleted: teardown deletes only with --yes when stdin is not a terminal (compliance teardown --suffix {} --yes)",
                spec.suffix
            ));
            return Ok(exit::INPUT);
        }
        let question = format!(
            "Delete the {deletions} resource(s) marked delete above (suffix {}, account {}, region {})? [y/N] ",
            spec.suffix, spec.account, spec.region
        );
        if !ask(&question)? {
            notice::note("nothing deleted");
            return Ok(exit::OK);
        }
    }
    let ctx = Ctx::new(&connected.aws, spec, false).with_progress(progress_enabled(global));
    match remove_all(&ctx, &mut manifest).await {
        Ok(steps) => {
            show(args.format, spec, details, false, &steps, None, None)?;
            if manifest.created.is_empty() {
                notice::note(format!(
                    "teardown: nothing of suffix {} is left",
                    spec.suffix
                ));
                Ok(exit::OK)
            } else {
                notice::note(format!(
                    "error: still present: {}",
                    manifest
                        .created
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                Ok(exit::RUNTIME)
            }
        }
        Err(failure) => {
            show(
                args.format,
                spec,
                details,
                false,
                &failure.done,
                failure.error.as_deref(),
                failure.manifest_error.as_deref(),
            )?;
            if let Some(error) = &failure.error {
                notice::note(format!(
                    "error: teardown stopped: {error}\nRun teardown again to continue."
                ));
            }
            if let Some(error) = &failure.manifest_error {
                notice::note(manifest_not_saved(spec, error));
            }
            Ok(exit::RUNTIME)
        }
    }
}

/// The plan or the steps taken, on stdout.
fn show(
    format: StackFormat,
    spec: &StackSpec,
    details: bool,
    dry_run: bool,
    steps: &[Step],
    error: Option<&AwsError>,
    manifest_error: Option<&AwsError>,
) -> std::io::Result<()> {
    let report = StepsReport {
        schema: TEARDOWN_SCHEMA,
        spec,
        dry_run,
        steps,
        skipped: &[],
        details,
        error,
        manifest_error,
    };
    write_steps(std::io::stdout().lock(), format, &report)
}

/// Asks on the terminal; only an explicit yes counts.
fn ask(question: &str) -> Result<bool> {
    let mut stderr = std::io::stderr().lock();
    stderr.write_all(question.as_bytes())?;
    stderr.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(is_yes(&answer))
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_an_explicit_yes_confirms() {
        for yes in ["y", "Y\n", " yes "] {
            assert!(super::is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yep", "delete"] {
            assert!(!super::is_yes(no), "{no:?}");
        }
    }
}
