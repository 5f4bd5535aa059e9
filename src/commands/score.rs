//! `compliance score`: the score of a findings file, overall and by group.
//!
//! The score is recomputed from the findings rather than copied from the file, so
//! a different threshold or grouping needs no rescan and a hand-edited score in a
//! file cannot mislead.

use crate::cli::{Format, GlobalArgs, ScoreArgs};
use crate::commands::{emit, exit, load_settings, read_input, InputError};
use crate::core::report::ScanReport;
use crate::core::score::Grouping;
use crate::output;
use anyhow::Result;

pub fn run(global: &GlobalArgs, args: &ScoreArgs) -> Result<u8> {
    let groupings = args
        .by
        .iter()
        .map(|b| {
            b.parse::<Grouping>()
                .map_err(|e| InputError(format!("--by: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let name = args.input.display().to_string();
    let mut report = ScanReport::parse(&name, &read_input(&args.input)?)?;
    let threshold = match args.threshold {
        Some(t) if !(0.0..=100.0).contains(&t) => {
            return Err(InputError(format!("--threshold {t}: must be between 0 and 100")).into())
        }
        Some(t) => t,
        None if global.config.is_some() => load_settings(global, None)?.scoring.threshold,
        None => report.score.threshold,
    };
    report.rescore(threshold);
    let text = match args.format {
        Format::Json => output::json::render(&report.score)?,
        Format::Table => output::table::render_score(&report.score, &groupings),
    };
    emit(None, &text)?;
    Ok(exit::OK)
}
