//! `compliance score`: the score of a findings file or of a stored scan, overall
//! and by group.
//!
//! The score is recomputed from the findings rather than copied, so a different
//! threshold or grouping needs no rescan and a hand-edited score cannot mislead.

use crate::cli::{Format, GlobalArgs, ScoreArgs};
use crate::commands::{emit, exit, load_catalogue, load_settings, read_input, InputError};
use crate::core::report::ScanReport;
use crate::core::score::{score, Grouping};
use crate::output;
use crate::pipeline::stores::{find_scan, findings_of, open};
use anyhow::Result;

pub async fn run(global: &GlobalArgs, args: &ScoreArgs) -> Result<u8> {
    let groupings = args
        .by
        .iter()
        .map(|b| {
            b.parse::<Grouping>()
                .map_err(|e| InputError(format!("--by: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(t) = args.threshold {
        if !(0.0..=100.0).contains(&t) {
            return Err(InputError(format!("--threshold {t}: must be between 0 and 100")).into());
        }
    }
    let card = match (&args.input, &args.scan) {
        (Some(input), _) => {
            let name = input.display().to_string();
            let mut report = ScanReport::parse(&name, &read_input(input)?)?;
            let threshold = match args.threshold {
                Some(t) => t,
                None if global.config.is_some() => load_settings(global, None)?.scoring.threshold,
                None => report.score.threshold,
            };
            report.rescore(threshold);
            report.score
        }
        (None, Some(wanted)) => {
            let catalogue = load_catalogue(global)?;
            let store = open(global, &args.store).await?;
            let summary = find_scan(&store, wanted).await?;
            let records =
                crate::store::HistoryStore::scan_records(&store, &summary.scan_id).await?;
            let findings = findings_of(&records, &catalogue);
            score(&findings, args.threshold.unwrap_or(summary.threshold))
        }
        (None, None) => {
            return Err(InputError("score needs --input FILE or --scan ID".into()).into())
        }
    };
    let text = match args.format {
        Format::Json => output::json::render(&card)?,
        Format::Table => output::table::render_score(&card, &groupings),
    };
    emit(None, &text)?;
    Ok(exit::OK)
}
