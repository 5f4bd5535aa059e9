//! `compliance diff`: what changed between two stored scans: violations that are
//! new, resolved, or still open (by default the last two scans).

use crate::cli::{DiffArgs, Format, GlobalArgs};
use crate::commands::{emit, exit, InputError};
use crate::core::history::diff;
use crate::output;
use crate::pipeline::stores::{find_scan, open};
use crate::store::HistoryStore;
use anyhow::Result;

pub async fn run(global: &GlobalArgs, args: &DiffArgs) -> Result<u8> {
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
        Format::Table => output::history::render_diff(&from, &to, &d),
    };
    emit(None, &text)?;
    Ok(exit::OK)
}
