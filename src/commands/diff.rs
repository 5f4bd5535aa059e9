//! `compliance diff`: what changed between two stored scans: violations that are
//! new, resolved, or still open (by default the last two scans).

use crate::cli::{DiffArgs, Format, GlobalArgs};
use crate::pipeline::stores::{find_scan, open};
use crate::commands::{emit, exit, InputError};
use crate::core::history::{diff, Violation};
use crate::output;
use crate::store::HistoryStore;
use anyhow::Result;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::Table;

pub async fn run(global: &GlobalArgs, args: &DiffArgs) -> Result<u8> {
    async {
        let store = open(global, &args.store).await?;
        let to = find_scan(&store, args.to.as_deref().unwrap_or("latest")).await?;
        let from = match &args.from {
            Some(id) => find_scan(&store, id).await?,
            None => {
                let scans = store.scans(None).await?;
                let position = scans
                    .iter()
                    .position(|s| s.scan_id == to.scan_id)
                    .unwrap_or(0);
                match position.checked_sub(1).and_then(|p| scans.get(p)) {
                    Some(s) => s.clone(),
                    None => {
                        return Err(InputError(format!(
                            "scan {} has no earlier scan to compare with; pass --from",
                            to.scan_id
                        ))
                        .into())
                    }
                }
            }
        };
        let d = diff(
            &from.scan_id,
            &store.scan_records(&from.scan_id).await?,
            &to.scan_id,
            &store.scan_records(&to.scan_id).await?,
        );
        let text = match args.format {
            Format::Json => output::json::render(&d)?,
            Format::Table => {
                let mut out = format!(
                    "From {} ({}) to {} ({})\n{} new · {} resolved · {} still open\n",
                    from.scan_id,
                    from.timestamp,
                    to.scan_id,
                    to.timestamp,
                    d.new.len(),
                    d.resolved.len(),
                    d.persisting.len()
                );
                for (title, list) in [
                    ("New", &d.new),
                    ("Resolved", &d.resolved),
                    ("Still open", &d.persisting),
                ] {
                    if list.is_empty() {
                        continue;
                    }
                    out.push_str(&format!("\n{title}:\n{}", violation_table(list)));
                }
                out
            }
        };
        emit(None, &text)?;
        Ok(exit::OK)
    }
    .await
}

fn violation_table(list: &[Violation]) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec!["Severity", "Rule", "Resource", "Region"]);
    let mut sorted: Vec<&Violation> = list.iter().collect();
    sorted.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule_id.cmp(&b.rule_id)));
    for v in sorted {
        t.add_row(vec![
            v.severity.to_string(),
            v.rule_id.clone(),
            v.resource_id.clone(),
            v.region.clone().unwrap_or_default(),
        ]);
    }
    format!("{t}\n")
}
