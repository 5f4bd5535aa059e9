//! Where `report` gets its findings: findings files (`--input`, several
//! merged into one report), a stored scan (`--scan ID`), or by default the
//! latest stored scan of the history store (`--suffix`'s DynamoDB table, else
//! the local file). Files are streamed: a first pass reads and checks each
//! head, a second hands the findings on one at a time, so a report of
//! 100,000 findings holds one of them. A stored scan's findings carry the
//! `first_seen` and exemption their scan recorded; for records of versions
//! that did not record `first_seen`, it is found by walking back through at
//! most [`crate::core::history::FIRST_SEEN_WALK`] earlier scans (a run still
//! open there gets the oldest scan's time reached). No stored scan and no
//! input is an input error that says how to make one.

use crate::cli::{GlobalArgs, StoreArgs};
use crate::core::catalogue::Catalogue;
use crate::core::finding::Finding;
use crate::core::findings_reader::{self, ReadError};
use crate::core::history::{is_open, set_first_seen, ResourceRecord};
use crate::core::report::{Merge, Meta, ReportError, RuleInfo, ScanReport, Source, SummaryBuilder};
use crate::core::score::ScoreBuilder;
use crate::error::InputError;
use crate::pipeline::stores::{findings_of, open, run_starts};
use crate::store::HistoryStore;
use anyhow::Result;
use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// What the flags chose.
pub enum ReportSource<'a> {
    /// `--input FILE…`.
    Files(&'a [PathBuf]),
    /// `--scan ID` (or `latest`), or nothing: the latest stored scan.
    Stored { scan: &'a str, store: &'a StoreArgs },
}

impl<'a> ReportSource<'a> {
    pub fn of(input: &'a [PathBuf], scan: Option<&'a str>, store: &'a StoreArgs) -> Self {
        if input.is_empty() {
            ReportSource::Stored {
                scan: scan.unwrap_or("latest"),
                store,
            }
        } else {
            ReportSource::Files(input)
        }
    }

    /// Opens the source: reads what comes before the findings (for files,
    /// a first pass over each that checks it and skips its findings), so a
    /// bad input fails before anything is written. The findings follow in
    /// [`Opened::stream`].
    pub async fn open(
        &self,
        global: &GlobalArgs,
        catalogue: impl FnOnce() -> Result<Catalogue>,
    ) -> Result<Opened> {
        match self {
            ReportSource::Files(files) => open_files(files),
            ReportSource::Stored { scan, store } => {
                read_stored(global, scan, store, catalogue()?).await
            }
        }
    }
}

/// A source whose head is read and whose findings are still to come.
pub struct Opened {
    /// The scan id, time, tool and rules, and for a single file or a stored
    /// scan also its score and summary; no findings.
    pub head: ScanReport,
    feed: Feed,
}

enum Feed {
    /// One findings file, read again finding by finding (from the bytes the
    /// head pass read, when the file was small enough to hold).
    File(PathBuf, Option<Vec<u8>>),
    /// Several, merged as they are read.
    Merged(Vec<PathBuf>, Box<Merge>),
    /// A stored scan: its records, each rebuilt into findings as it is
    /// handed on (records are what the store returns; the findings are not
    /// all held besides them).
    Stored(Box<Stored>),
}

struct Stored {
    records: Vec<ResourceRecord>,
    catalogue: Catalogue,
    /// Run starts of open outcomes recorded without `first_seen` (older
    /// versions), from the bounded walk back; None when none needed it.
    starts: Option<HashMap<String, String>>,
    timestamp: String,
    threshold: f64,
}

/// Why the findings could not all be handed on.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Input(#[from] ReportError),
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    /// The consumer failed (a full disk, a closed pipe).
    #[error("cannot write the report: {0}")]
    Write(std::io::Error),
}

impl Opened {
    /// Hands every finding to `each`, in source order; returns the final
    /// report (score and summary of what was handed on, no findings).
    pub fn stream(
        self,
        mut each: impl FnMut(&Finding) -> std::io::Result<()>,
    ) -> Result<ScanReport, StreamError> {
        match self.feed {
            Feed::File(path, held) => {
                let input = match held {
                    Some(bytes) => Input::Held(bytes),
                    None => open_file(&path, IN_MEMORY)?,
                };
                findings_in(&path, input, |f| each(&f))?;
                Ok(self.head)
            }
            Feed::Merged(paths, mut merge) => {
                for path in &paths {
                    read_findings(path, IN_MEMORY, |f| {
                        if merge.admit(&f) {
                            each(&f)?;
                        }
                        Ok(())
                    })?;
                }
                Ok(merge.finish())
            }
            Feed::Stored(stored) => {
                let mut head = self.head;
                let mut score = ScoreBuilder::default();
                let mut summary = SummaryBuilder::default();
                for record in &stored.records {
                    for mut f in findings_of(std::slice::from_ref(record), &stored.catalogue) {
                        if let Some(starts) = &stored.starts {
                            set_first_seen(&mut f, starts, &stored.timestamp);
                        }
                        score.add(&f);
                        summary.add(&f);
                        each(&f).map_err(StreamError::Write)?;
                    }
                }
                head.score = score.finish(stored.threshold);
                head.summary = summary.finish(head.summary.resources, head.summary.rules);
                Ok(head)
            }
        }
    }
}

/// Files up to this size are read into memory for each pass and parsed from
/// there, about twice as fast as parsing from a reader (which serde_json
/// does byte by byte); larger ones are parsed as they are read, so memory
/// stays bounded whatever the size. 100,000 findings are about 82 MB.
const IN_MEMORY: u64 = 256 << 20;

/// A findings file, held whole when it is small enough.
enum Input {
    Held(Vec<u8>),
    Streamed(BufReader<File>),
}

fn open_file(path: &Path, in_memory: u64) -> Result<Input, StreamError> {
    let unreadable = |source| StreamError::Read {
        path: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if size <= in_memory {
        let mut bytes = Vec::with_capacity(size as usize + 1);
        BufReader::new(file)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        Ok(Input::Held(bytes))
    } else {
        Ok(Input::Streamed(BufReader::with_capacity(1 << 16, file)))
    }
}

/// The head of a file, and its bytes when they were small enough to hold
/// (the findings pass reads them again from there).
fn read_head(path: &Path, in_memory: u64) -> Result<(ScanReport, Option<Vec<u8>>), StreamError> {
    let name = path.display().to_string();
    Ok(match open_file(path, in_memory)? {
        Input::Held(bytes) => (findings_reader::head(&name, &bytes)?.report, Some(bytes)),
        Input::Streamed(reader) => (findings_reader::head_from(&name, reader)?.report, None),
    })
}

fn read_findings(
    path: &Path,
    in_memory: u64,
    each: impl FnMut(Finding) -> std::io::Result<()>,
) -> Result<(), StreamError> {
    findings_in(path, open_file(path, in_memory)?, each)
}

fn findings_in(
    path: &Path,
    input: Input,
    each: impl FnMut(Finding) -> std::io::Result<()>,
) -> Result<(), StreamError> {
    let name = path.display().to_string();
    let read = match input {
        Input::Held(bytes) => findings_reader::findings(&name, &bytes, each),
        Input::Streamed(reader) => findings_reader::findings_from(&name, reader, each),
    };
    read.map_err(|e| match e {
        ReadError::Report(e) => StreamError::Input(e),
        ReadError::Stopped(e) => StreamError::Write(e),
    })
}

fn open_files(files: &[PathBuf]) -> Result<Opened> {
    if let [one] = files {
        let (head, held) = read_head(one, IN_MEMORY)?;
        return Ok(Opened {
            head,
            feed: Feed::File(one.clone(), held),
        });
    }
    let mut heads = Vec::with_capacity(files.len());
    for path in files {
        heads.push(read_head(path, IN_MEMORY)?.0);
    }
    let merge = Merge::new(
        heads,
        uuid::Uuid::now_v7().to_string(),
        crate::core::timestamp::format(&chrono::Utc::now()),
    );
    Ok(Opened {
        head: merge.head().clone(),
        feed: Feed::Merged(files.to_vec(), Box::new(merge)),
    })
}

async fn read_stored(
    global: &GlobalArgs,
    wanted: &str,
    args: &StoreArgs,
    catalogue: Catalogue,
) -> Result<Opened> {
    let store = open(global, args).await?;
    let scans = store.scans(None).await?;
    let Some(position) = (match wanted {
        "latest" => scans.len().checked_sub(1),
        id => scans.iter().position(|s| s.scan_id == id),
    }) else {
        let store_name = match &args.suffix {
            Some(suffix) => format!("the history table of suffix {suffix}"),
            None => "the local history store".to_string(),
        };
        return Err(if scans.is_empty() {
            InputError(format!(
                "no stored scan in {store_name} and no --input: run `compliance scan` first \
                 (it stores every scan), or pass --input FILE from `compliance scan --format json --out FILE`"
            ))
        } else {
            InputError(format!(
                "no stored scan `{wanted}` in {store_name} (`compliance history` lists them)"
            ))
        }
        .into());
    };
    let summary = &scans[position];
    let records = store.scan_records(&summary.scan_id).await?;
    // Open outcomes recorded without first_seen (older versions) are dated
    // by a bounded walk back; the others carry what was recorded.
    let undated = records.iter().any(|r| {
        r.outcomes
            .iter()
            .any(|o| is_open(o.status) && o.first_seen.is_none())
    });
    let starts = if undated {
        Some(run_starts(&store, &scans, position, &records).await?)
    } else {
        None
    };
    // The rules are known before the first finding (formats describe them
    // first); the score and summary are counted as the findings stream.
    let rule_ids: BTreeSet<&str> = records
        .iter()
        .flat_map(|r| r.outcomes.iter().map(|o| o.rule_id.as_str()))
        .collect();
    let rules: Vec<RuleInfo> = rule_ids
        .into_iter()
        .filter_map(|id| catalogue.get(id))
        .map(|r| RuleInfo::of(r))
        .collect();
    let mut head = ScanReport::build(
        Meta {
            scan_id: summary.scan_id.clone(),
            generated_at: summary.timestamp.clone(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            source: Source {
                kind: "history".into(),
                inputs: vec![summary.source.clone()],
            },
            resources: summary.resources,
            rules: rules.len(),
            threshold: summary.threshold,
        },
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    head.rules = rules;
    Ok(Opened {
        head,
        feed: Feed::Stored(Box::new(Stored {
            records,
            catalogue,
            starts,
            timestamp: summary.timestamp.clone(),
            threshold: summary.threshold,
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_reads_the_same_held_in_memory_and_streamed_from_disk() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/reports/estate-findings.json");
        let size = std::fs::metadata(&path).unwrap().len();
        let (held, streamed) = (size, size - 1);
        assert!(matches!(open_file(&path, held).unwrap(), Input::Held(_)));
        assert!(matches!(
            open_file(&path, streamed).unwrap(),
            Input::Streamed(_)
        ));
        let (head, bytes) = read_head(&path, held).unwrap();
        assert!(bytes.is_some());
        assert_eq!((head, None), read_head(&path, streamed).unwrap());
        let all = |limit| {
            let mut ids = Vec::new();
            read_findings(&path, limit, |f| {
                ids.push((f.finding_id, f.status));
                Ok(())
            })
            .unwrap();
            ids
        };
        let ids = all(held);
        assert!(ids.len() > 100, "{}", ids.len());
        assert_eq!(ids, all(streamed));
    }
}
