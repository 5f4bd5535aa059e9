//! `compliance report`: renders a findings file in another format, for auditors
//! and other tools, without scanning again.

use crate::cli::{Format, GlobalArgs, ReportArgs};
use crate::commands::{emit, exit, read_input};
use crate::core::report::ScanReport;
use crate::output;
use anyhow::Result;

pub fn run(_global: &GlobalArgs, args: &ReportArgs) -> Result<u8> {
    let name = args.input.display().to_string();
    let report = ScanReport::parse(&name, &read_input(&args.input)?)?;
    let text = match args.format {
        Format::Json => output::json::render(&report)?,
        Format::Table => output::table::render_report(&report, args.all),
    };
    emit(args.out.as_deref(), &text)?;
    Ok(exit::OK)
}
