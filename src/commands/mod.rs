//! Commands: one file per subcommand, the only place where the core meets the
//! filesystem (and, in later commands, AWS).
//!
//! This module holds what they share: loading rules and settings from disk, writing
//! output, and the mapping of errors to exit codes (2 for anything the user can fix
//! in their input, 3 for runtime failures).

pub mod completions;
pub mod diff;
pub mod history;
pub mod iam_policy;
pub mod prune;
pub mod remediate;
pub mod report;
pub mod rules;
pub mod scan;
pub mod score;
pub mod setup;
pub mod stack_context;
pub mod status;
pub mod teardown;

use crate::cli::GlobalArgs;
use crate::core::catalogue::{Catalogue, RuleSource};
use crate::core::settings::Settings;
use anyhow::{Context, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use crate::error::InputError;
pub use crate::pipeline::connection;

/// Process exit codes, as documented in the README.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const INPUT: u8 = 2;
    pub const RUNTIME: u8 = 3;
}

/// The exit code for an error: input errors anywhere in the chain give 2.
pub fn exit_code_for(err: &anyhow::Error) -> u8 {
    let input = err.chain().any(|e| {
        e.is::<InputError>()
            || e.is::<crate::core::rule::RuleError>()
            || e.is::<crate::core::settings::SettingsError>()
            || e.is::<crate::core::normalize::InputError>()
            || e.is::<crate::core::report::ReportError>()
            || e.is::<crate::core::path::PathError>()
            || matches!(
                e.downcast_ref::<crate::pipeline::snapshot::SnapshotError>(),
                Some(
                    crate::pipeline::snapshot::SnapshotError::Input(_)
                        | crate::pipeline::snapshot::SnapshotError::Unreadable(_)
                )
            )
            || matches!(
                e.downcast_ref::<crate::pipeline::report_source::StreamError>(),
                Some(
                    crate::pipeline::report_source::StreamError::Input(_)
                        | crate::pipeline::report_source::StreamError::Read { .. }
                )
            )
            || matches!(
                e.downcast_ref::<crate::store::StoreError>(),
                Some(crate::store::StoreError::Local { .. })
            )
    });
    if input {
        exit::INPUT
    } else {
        exit::RUNTIME
    }
}

/// Whether the error is a closed stdout (`compliance scan | head`), which exits quietly.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Reads a user-named input file; failures are input errors naming the path.
pub fn read_input(path: &Path) -> Result<String> {
    fs::read_to_string(path)
        .map_err(|e| InputError(format!("{}: cannot read: {e}", path.display())).into())
}

/// Rule files of a directory, recursively, sorted, as (path, text).
pub fn read_rule_dir(dir: &Path) -> Result<Vec<(String, String)>> {
    if !dir.is_dir() {
        return Err(InputError(format!("{}: not a directory of rule files", dir.display())).into());
    }
    let mut paths = Vec::new();
    walk(dir, &mut paths)
        .map_err(|e| InputError(format!("{}: cannot read: {e}", dir.display())))?;
    paths.sort();
    paths
        .into_iter()
        .map(|p| Ok((p.display().to_string(), read_input(&p)?)))
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Turns the loader's list of rule errors into one input error, one line each.
pub fn rule_errors(errors: Vec<crate::core::rule::RuleError>) -> anyhow::Error {
    let count = errors.len();
    let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
    InputError(format!(
        "{count} invalid rule file{}:\n{}",
        if count == 1 { "" } else { "s" },
        lines.join("\n")
    ))
    .into()
}

/// The built-in rules plus every `--rules` directory, in that order.
pub fn load_catalogue(global: &GlobalArgs) -> Result<Catalogue> {
    let embedded = crate::embedded::rule_files();
    let mut extra_texts = Vec::new();
    for dir in &global.rules {
        extra_texts.push(read_rule_dir(dir)?);
    }
    let mut sources = vec![RuleSource { files: embedded }];
    for files in &extra_texts {
        sources.push(RuleSource {
            files: files.iter().map(|(p, t)| (p.clone(), t.as_str())).collect(),
        });
    }
    Catalogue::load(&sources).map_err(rule_errors)
}

/// `--config FILE`, else `./compliance.toml` when present, else defaults.
pub fn load_settings(global: &GlobalArgs, catalogue: Option<&Catalogue>) -> Result<Settings> {
    let path = match &global.config {
        Some(p) => p.clone(),
        None => {
            let default = PathBuf::from("compliance.toml");
            if !default.is_file() {
                return Ok(Settings::default());
            }
            tracing::info!("using settings from ./compliance.toml");
            default
        }
    };
    let text = read_input(&path)?;
    let settings = Settings::parse(&path.display().to_string(), &text)?;
    if let Some(catalogue) = catalogue {
        for (id, rule_settings) in &settings.rules {
            let Some(rule) = catalogue.get(id) else {
                let similar = catalogue.similar(id);
                let hint = if similar.is_empty() {
                    String::new()
                } else {
                    format!(" (did you mean {}?)", similar.join(", "))
                };
                return Err(InputError(format!(
                    "{}: [rules.{id}]: no rule with this id{hint}",
                    path.display()
                ))
                .into());
            };
            for param in rule_settings.params.keys() {
                if !rule.params.contains_key(param) {
                    let known: Vec<&str> = rule.params.keys().map(String::as_str).collect();
                    return Err(InputError(format!(
                        "{}: [rules.{id}.params]: rule `{id}` has no parameter `{param}` (it has: {})",
                        path.display(),
                        if known.is_empty() { "none".to_string() } else { known.join(", ") }
                    ))
                    .into());
                }
            }
        }
    }
    Ok(settings)
}

/// `--out FILE` or stdout, buffered: a report is written as it is made. A file
/// is written beside its destination and renamed into place by [`commit_out`]
/// only when the whole report is out, so a scan that fails half way never
/// replaces a good report with a truncated one.
pub fn open_out(out: Option<&Path>) -> Result<std::io::BufWriter<Out>> {
    Ok(std::io::BufWriter::with_capacity(
        1 << 16,
        match out {
            Some(path) => Out::File(
                fs::File::create(partial_path(path))
                    .with_context(|| format!("{}: cannot write", path.display()))?,
            ),
            None => Out::Stdout(std::io::stdout()),
        },
    ))
}

/// Where a report goes: a concrete type rather than `dyn Write`, so the
/// many small writes of a JSON serialiser reach the buffer without a virtual
/// call each.
pub enum Out {
    File(fs::File),
    Stdout(std::io::Stdout),
}

impl std::io::Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Out::File(f) => f.write(buf),
            Out::Stdout(s) => s.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Out::File(f) => f.write_all(buf),
            Out::Stdout(s) => s.write_all(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Out::File(f) => f.flush(),
            Out::Stdout(s) => s.flush(),
        }
    }
}

/// Moves a finished `--out` file into place (nothing to do for stdout).
pub fn commit_out(out: Option<&Path>) -> Result<()> {
    if let Some(path) = out {
        fs::rename(partial_path(path), path)
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    Ok(())
}

/// Removes what a failed run left of an `--out` file.
pub fn discard_out(out: Option<&Path>) {
    if let Some(path) = out {
        let _ = fs::remove_file(partial_path(path));
    }
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

/// Writes `text` to `--out FILE` or stdout.
pub fn emit(out: Option<&Path>, text: &str) -> Result<()> {
    match out {
        Some(path) => {
            fs::write(path, text).with_context(|| format!("{}: cannot write", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
            Ok(())
        }
    }
}

/// Whether progress bars may be drawn: stderr is a terminal and not disabled.
pub fn progress_enabled(global: &GlobalArgs) -> bool {
    use std::io::IsTerminal;
    !global.no_progress && !global.quiet && std::io::stderr().is_terminal()
}
