//! The report formats of `compliance report`, one renderer file each
//! (`json`, `table`, `markdown`, `csv`, `sarif`, `ocsf`, `asff`, `junit`),
//! chosen here by [`ReportFormat`]; each writes to any `io::Write` as it goes,
//! never building the whole document in memory.

use crate::core::report::ScanReport;
use clap::ValueEnum;
use std::io::{self, Write};

/// `report --format`. Each format knows its file name (for `--out-dir`) and
/// its content type (for uploads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub enum ReportFormat {
    /// Summary tables for a terminal
    Table,
    /// The compliance.findings/v1 document
    Json,
    /// The executive summary, for tickets, pull requests and wikis
    Markdown,
    /// One row per finding (RFC 4180, header row, JSON fields flattened)
    Csv,
    /// SARIF 2.1.0, for code-scanning tools (GitHub, Azure DevOps)
    Sarif,
    /// OCSF Compliance Finding events (class_uid 2003), one JSON array
    Ocsf,
    /// AWS Security Finding Format, ready for Security Hub's BatchImportFindings
    Asff,
    /// JUnit XML: one testsuite per rule, one testcase per resource
    Junit,
    /// One self-contained page (no request leaves it), for browsers and auditors
    Html,
}

impl ReportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Table => "table",
            ReportFormat::Json => "json",
            ReportFormat::Markdown => "markdown",
            ReportFormat::Csv => "csv",
            ReportFormat::Sarif => "sarif",
            ReportFormat::Ocsf => "ocsf",
            ReportFormat::Asff => "asff",
            ReportFormat::Junit => "junit",
            ReportFormat::Html => "html",
        }
    }

    /// The file `--out-dir` writes for this format.
    pub fn file_name(self) -> &'static str {
        match self {
            ReportFormat::Table => "report.txt",
            ReportFormat::Json => "report.json",
            ReportFormat::Markdown => "report.md",
            ReportFormat::Csv => "report.csv",
            ReportFormat::Sarif => "report.sarif",
            ReportFormat::Ocsf => "report.ocsf.json",
            ReportFormat::Asff => "report.asff.json",
            ReportFormat::Junit => "report.junit.xml",
            ReportFormat::Html => "report.html",
        }
    }

    /// The Content-Type an upload gives the file.
    pub fn content_type(self) -> &'static str {
        match self {
            ReportFormat::Table => "text/plain; charset=utf-8",
            ReportFormat::Json | ReportFormat::Ocsf | ReportFormat::Asff => "application/json",
            ReportFormat::Markdown => "text/markdown; charset=utf-8",
            ReportFormat::Csv => "text/csv; charset=utf-8; header=present",
            ReportFormat::Sarif => "application/sarif+json",
            ReportFormat::Junit => "application/xml",
            ReportFormat::Html => "text/html; charset=utf-8",
        }
    }
}

/// What some formats need besides the report.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The table lists compliant and not-applicable findings too.
    pub all: bool,
    /// ASFF: the account and region for findings that name none (the caller's,
    /// when importing into Security Hub).
    pub asff_account: Option<String>,
    pub asff_region: Option<String>,
    /// HTML: the stored trend and the previous scan around this one.
    pub html: super::html::HtmlContext,
}

/// Writes `report` in `format` to `out`; returns how many findings the
/// format had to leave out (ASFF: findings with no account known).
pub fn write<W: Write>(
    format: ReportFormat,
    mut out: W,
    report: &ScanReport,
    options: &Options,
) -> io::Result<usize> {
    let mut left_out = 0;
    match format {
        ReportFormat::Table => {
            out.write_all(super::table::render_report(report, options.all).as_bytes())?
        }
        ReportFormat::Json => {
            super::json::write_report(&mut out, report)?;
        }
        ReportFormat::Markdown => super::markdown::write(&mut out, report)?,
        ReportFormat::Csv => super::csv::write(&mut out, report)?,
        ReportFormat::Sarif => super::sarif::write(&mut out, report)?,
        ReportFormat::Ocsf => super::ocsf::write(&mut out, report)?,
        ReportFormat::Asff => {
            left_out = super::asff::write(&mut out, report, &super::asff::Context::of(options))?;
        }
        ReportFormat::Junit => super::junit::write(&mut out, report)?,
        ReportFormat::Html => {
            super::html::write_report(&mut out, report, options.html.clone())?;
        }
    }
    out.flush()?;
    Ok(left_out)
}

/// `report --upload`: the object URIs (and presigned links) on stdout, one
/// line each, so scripts can pick them up.
pub fn print_uploads(done: &[crate::aws::upload::Uploaded]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for u in done {
        match &u.kms_key {
            Some(key) => writeln!(out, "{} (SSE-KMS {key})", u.uri)?,
            None => writeln!(out, "{}", u.uri)?,
        }
        if let Some(link) = &u.presigned {
            writeln!(out, "  {link}")?;
        }
    }
    out.flush()
}
