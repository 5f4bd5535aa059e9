//! `compliance history`: the stored scans with their scores and a trend line, or
//! one resource's outcomes over time, from the suffix's table or the local store.

use crate::cli::{Format, GlobalArgs, HistoryArgs};
use crate::pipeline::stores::open;
use crate::commands::{emit, exit, InputError};
use crate::core::finding::{Severity, Status};
use crate::core::history::{parse_since, sparkline};
use crate::output;
use crate::store::HistoryStore;
use anyhow::Result;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::Table;

pub async fn run(global: &GlobalArgs, args: &HistoryArgs) -> Result<u8> {
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, chrono::Utc::now()).map_err(|e| InputError(format!("--since {e}"))))
        .transpose()?;
    async {
        let store = open(global, &args.store).await?;
        let text = match &args.resource {
            Some(resource) => {
                // An ARN is accepted too: history is keyed by resource id, so try both.
                let mut records = store.resource_history(resource, since.as_deref()).await?;
                if records.is_empty() {
                    if let Some(id) = resource.rsplit([':', '/']).next() {
                        records = store.resource_history(id, since.as_deref()).await?;
                    }
                }
                match args.format {
                    Format::Json => output::json::render(&records)?,
                    Format::Table => {
                        let mut t = Table::new();
                        t.load_preset(UTF8_FULL_CONDENSED);
                        t.set_header(vec!["Time", "Scan", "Score", "Failing rules"]);
                        for r in &records {
                            let failing: Vec<String> = r
                                .outcomes
                                .iter()
                                .filter(|o| o.status.is_failing())
                                .map(|o| format!("{} ({})", o.rule_id, o.severity))
                                .collect();
                            t.add_row(vec![
                                r.timestamp.clone(),
                                r.scan_id.clone(),
                                r.score.map(|s| format!("{s:.1}")).unwrap_or_else(|| "n/a".into()),
                                failing.join("\n"),
                            ]);
                        }
                        if records.is_empty() {
                            format!("no history for {resource}\n")
                        } else {
                            format!("{t}\n")
                        }
                    }
                }
            }
            None => {
                let scans = store.scans(since.as_deref()).await?;
                match args.format {
                    Format::Json => output::json::render(&scans)?,
                    Format::Table if scans.is_empty() => "no stored scans yet: run `compliance scan`\n".to_string(),
                    Format::Table => {
                        let mut t = Table::new();
                        t.load_preset(UTF8_FULL_CONDENSED);
                        t.set_header(vec!["Time", "Scan", "Score", "Resources", "Failing (crit/high/med/low)", "Errors"]);
                        for s in &scans {
                            let counts: Vec<String> = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low]
                                .iter()
                                .map(|sev| s.failing_by_severity.get(sev.as_str()).copied().unwrap_or(0).to_string())
                                .collect();
                            t.add_row(vec![
                                s.timestamp.clone(),
                                s.scan_id.clone(),
                                s.score.map(|v| format!("{v:.1}")).unwrap_or_else(|| "n/a".into()),
                                s.resources.to_string(),
                                counts.join("/"),
                                s.errors.to_string(),
                            ]);
                        }
                        let trend: Vec<Option<f64>> = scans.iter().map(|s| s.score).collect();
                        let non_compliant = scans
                            .last()
                            .and_then(|s| s.by_status.get(Status::NonCompliant.as_str()))
                            .copied()
                            .unwrap_or(0);
                        format!(
                            "{t}\nTrend ({} scans, oldest first): {}\nLatest: {} non-compliant evaluations\n",
                            scans.len(),
                            sparkline(&trend),
                            non_compliant
                        )
                    }
                }
            }
        };
        emit(None, &text)?;
        Ok(exit::OK)
    }
    .await
}
