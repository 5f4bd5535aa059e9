//! Entry point: parse arguments, set up logging, run one command, map the outcome
//! to the documented exit code. No logic lives here.

use clap::Parser;
use compliance::cli::{Cli, Command};
use compliance::commands::{self, exit};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::INPUT
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging(cli.global.verbose, cli.global.quiet);
    // The one async runtime of the process; commands borrow it, none builds its own.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::RUNTIME);
        }
    };
    let result = runtime.block_on(dispatch(&cli));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) if commands::is_broken_pipe(&err) => ExitCode::from(exit::OK),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(commands::exit_code_for(&err))
        }
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("COMPLIANCE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("compliance={level}")));
    use std::io::IsTerminal;
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(color)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
}

/// Runs the chosen command on the process's runtime.
async fn dispatch(cli: &Cli) -> anyhow::Result<u8> {
    match &cli.command {
        Command::Setup(args) => commands::setup::run(&cli.global, args).await,
        Command::Status(args) => commands::status::run(&cli.global, args).await,
        Command::Teardown(args) => commands::teardown::run(&cli.global, args).await,
        Command::Scan(args) => commands::scan::run(&cli.global, args).await,
        Command::Score(args) => commands::score::run(&cli.global, args).await,
        Command::History(args) => commands::history::run(&cli.global, args).await,
        Command::Diff(args) => commands::diff::run(&cli.global, args).await,
        Command::Prune(args) => commands::prune::run(&cli.global, args),
        Command::Report(args) => commands::report::run(&cli.global, args).await,
        Command::Rules(command) => commands::rules::run(&cli.global, command),
        Command::Completions(args) => commands::completions::run(args),
        Command::IamPolicy(args) => commands::iam_policy::run(args),
    }
}
