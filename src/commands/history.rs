//! `compliance history`: the stored scans with their scores and a trend line, or
//! one resource's outcomes over time, from the suffix's table or the local store.

use crate::cli::{Format, GlobalArgs, HistoryArgs};
use crate::commands::{emit, exit, InputError};
use crate::core::history::parse_since;
use crate::output;
use crate::pipeline::stores::open;
use crate::store::HistoryStore;
use anyhow::Result;

pub async fn run(global: &GlobalArgs, args: &HistoryArgs) -> Result<u8> {
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, chrono::Utc::now()).map_err(|e| InputError(format!("--since {e}"))))
        .transpose()?;
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
                Format::Table => output::history::render_resource(resource, &records),
            }
        }
        None => {
            let scans = store.scans(since.as_deref()).await?;
            match args.format {
                Format::Json => output::json::render(&scans)?,
                Format::Table => output::history::render_scans(&scans),
            }
        }
    };
    emit(None, &text)?;
    Ok(exit::OK)
}
