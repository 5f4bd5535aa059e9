//! The snapshot source: AWS Config snapshot and history files, notifications,
//! rule events and API responses read from disk, so the engine works offline on
//! evidence an auditor already holds. Each file streams through the core's
//! parallel evaluator into the run, resource by resource.

use crate::core::engine::Engine;
use crate::core::pipeline::{stream_document, StreamError};
use crate::core::report::{ScanError, Source};
use crate::core::resource::ConfigItem;
use crate::error::InputError;
use crate::pipeline::{Run, SinkError};
use std::collections::HashSet;
use std::path::PathBuf;

/// Why a snapshot scan stopped.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(transparent)]
    Input(#[from] crate::core::normalize::InputError),
    #[error(transparent)]
    Unreadable(#[from] InputError),
    #[error(transparent)]
    Sink(#[from] SinkError),
}

/// What the files gave, besides the findings handed to the run.
pub struct Read {
    pub source: Source,
    pub resources: usize,
    pub errors: Vec<ScanError>,
}

/// Streams every file into `run`; `wanted` limits the resource types judged.
pub fn read(
    files: &[PathBuf],
    engine: &Engine,
    wanted: Option<&HashSet<String>>,
    run: &mut Run,
    progress: &indicatif::ProgressBar,
) -> Result<Read, SnapshotError> {
    let mut errors = Vec::new();
    let mut resources = 0usize;
    let keep = |item: &ConfigItem| wanted.is_none_or(|w| w.contains(item.resource_type.as_str()));
    for path in files {
        let name = path.display().to_string();
        progress.set_message(name.clone());
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError(format!("{name}: cannot read: {e}")))?;
        let streamed = stream_document(engine, &name, text, &keep, &mut |findings| {
            run.item(findings)
        })
        .map_err(|e| match e {
            StreamError::Input(e) => SnapshotError::Input(e),
            StreamError::Sink(e) => SnapshotError::Sink(e),
        })?;
        errors.extend(streamed.skipped.into_iter().map(ScanError::from));
        resources += streamed.resources;
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(Read {
        source: Source {
            kind: "snapshot".into(),
            inputs: files.iter().map(|p| p.display().to_string()).collect(),
        },
        resources,
        errors,
    })
}
