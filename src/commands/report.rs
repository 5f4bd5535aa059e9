//! `compliance report`: renders a findings file in another format, for auditors
//! and other tools, without scanning again.

use crate::cli::{Format, GlobalArgs, ReportArgs};
use crate::commands::{commit_out, discard_out, emit, exit, open_out, read_input};
use crate::core::report::ScanReport;
use crate::output;
use anyhow::Result;

pub fn run(_global: &GlobalArgs, args: &ReportArgs) -> Result<u8> {
    let name = args.input.display().to_string();
    let report = ScanReport::parse(&name, &read_input(&args.input)?)?;
    match args.format {
        Format::Json => {
            let out = open_out(args.out.as_deref())?;
            if let Err(e) = output::json::write_report(out, &report) {
                discard_out(args.out.as_deref());
                return Err(e.into());
            }
            commit_out(args.out.as_deref())?;
        }
        Format::Table => emit(
            args.out.as_deref(),
            &output::table::render_report(&report, args.all),
        )?,
    }
    Ok(exit::OK)
}
