//! `compliance completions SHELL`: prints a completion script generated from the
//! clap definition. The copies under `completions/` are checked by a test.

use crate::cli::{Cli, CompletionsArgs};
use crate::commands::exit;
use anyhow::Result;
use clap::CommandFactory;
use std::io::Write;

/// The completion script for `shell`.
pub fn script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "compliance", &mut out);
    out
}

pub fn run(args: &CompletionsArgs) -> Result<u8> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&script(args.shell))?;
    stdout.flush()?;
    Ok(exit::OK)
}
