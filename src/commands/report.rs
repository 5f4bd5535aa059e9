//! `compliance report`: renders the latest stored scan, a stored scan
//! (`--scan ID`) or findings files (`--input`, several merged) in the formats
//! auditors and other tools take, to stdout, `--out FILE` or one file per
//! format in `--out-dir DIR`, without scanning again.

use crate::cli::{GlobalArgs, ReportArgs};
use crate::commands::{commit_out, discard_out, exit, load_catalogue, open_out, InputError};
use crate::output::notice;
use crate::output::report::{self, Options, ReportFormat};
use crate::pipeline::report_source::ReportSource;
use anyhow::{Context, Result};
use std::path::PathBuf;

pub async fn run(global: &GlobalArgs, args: &ReportArgs) -> Result<u8> {
    let mut formats: Vec<ReportFormat> = Vec::new();
    for f in &args.format {
        if !formats.contains(f) {
            formats.push(*f);
        }
    }
    if formats.len() > 1 && args.out_dir.is_none() {
        return Err(InputError(format!(
            "--format given {} times: several formats need --out-dir DIR (one file each)",
            formats.len()
        ))
        .into());
    }
    let source = ReportSource::of(&args.input, args.scan.as_deref(), &args.store);
    let report = source.load(global, || load_catalogue(global)).await?;
    let options = Options {
        all: args.all,
        asff_account: None,
        asff_region: global
            .region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok())
            .filter(|r| !r.is_empty()),
    };
    // One destination per format: a file in --out-dir, else --out or stdout.
    let targets: Vec<(ReportFormat, Option<PathBuf>)> = match &args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create the directory", dir.display()))?;
            formats
                .iter()
                .map(|f| (*f, Some(dir.join(f.file_name()))))
                .collect()
        }
        None => vec![(formats[0], args.out.clone())],
    };
    for (format, path) in &targets {
        let out = open_out(path.as_deref())?;
        match report::write(*format, out, &report, &options) {
            Ok(left_out) => {
                commit_out(path.as_deref())?;
                if left_out > 0 {
                    notice::note(format!(
                        "{}: {left_out} finding(s) name no account and were left out (pass --region; import with --to securityhub to use the caller's account)",
                        format.name()
                    ));
                }
                if let (Some(p), Some(_)) = (path, &args.out_dir) {
                    notice::note(format!("wrote {}", p.display()));
                }
            }
            Err(e) => {
                discard_out(path.as_deref());
                return Err(e.into());
            }
        }
    }
    Ok(exit::OK)
}
