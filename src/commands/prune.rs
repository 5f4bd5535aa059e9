//! `compliance prune`: deletes old scans from the local history store (the
//! DynamoDB table expires items itself through the TTL `setup --retain-days` sets).

use crate::cli::{GlobalArgs, PruneArgs};
use crate::commands::{emit, exit, InputError};
use crate::core::history::parse_since;
use crate::store::local::LocalStore;
use anyhow::Result;

pub fn run(_global: &GlobalArgs, args: &PruneArgs) -> Result<u8> {
    let before = parse_since(&args.older_than, chrono::Utc::now())
        .map_err(|e| InputError(format!("--older-than {e}")))?;
    let store = LocalStore::locate(args.store.as_deref())?;
    let pruned = store.prune(&before)?;
    emit(
        None,
        &format!(
            "pruned {pruned} scan(s) older than {before} from {}\n",
            store.path().display()
        ),
    )?;
    Ok(exit::OK)
}
