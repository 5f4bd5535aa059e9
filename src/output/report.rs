//! The report formats of `compliance report`, one renderer file each
//! (`json`, `table`, `markdown`, `csv`, `sarif`, `ocsf`, `asff`, `junit`),
//! chosen here by [`ReportFormat`] and driven through one [`FormatWriter`]
//! shape: each writes to any `io::Write` as findings arrive, never holding
//! the whole document; formats that summarise keep only their running totals.

use crate::core::finding::Finding;
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

/// One format being written, finding by finding: the renderers' one shape,
/// so `scan` and `report` stream every format the same way and one read of
/// the findings feeds several formats at once.
pub trait FormatWriter: Send {
    fn finding(&mut self, f: &Finding) -> io::Result<()>;
    /// Writes what is only known at the end (`report` has the final score,
    /// summary and errors and no findings) and flushes; returns how many
    /// findings the format had to leave out (ASFF: no account known).
    fn finish(self: Box<Self>, report: &ScanReport) -> io::Result<usize>;
}

/// Starts `format` on `out`. `head` is what is known before the first
/// finding: the scan id, time, tool and the rules' descriptions (its score,
/// summary and findings are not read; they come to [`FormatWriter::finish`]).
pub fn start<'w, W: Write + Send + 'w>(
    format: ReportFormat,
    out: W,
    head: &ScanReport,
    options: &Options,
) -> io::Result<Box<dyn FormatWriter + 'w>> {
    Ok(match format {
        ReportFormat::Table => Box::new(super::table::TableWriter::new(out, options.all)),
        ReportFormat::Json => Box::new(super::json::FindingsWriter::start(
            out,
            &head.scan_id,
            &head.generated_at,
        )?),
        ReportFormat::Markdown => Box::new(super::markdown::MarkdownWriter::new(out)),
        ReportFormat::Csv => Box::new(super::csv::CsvWriter::start(out)?),
        ReportFormat::Sarif => Box::new(super::sarif::SarifWriter::start(out, head)?),
        ReportFormat::Ocsf => Box::new(super::ocsf::OcsfWriter::start(out, head)?),
        ReportFormat::Asff => Box::new(super::asff::AsffWriter::start(
            out,
            head,
            super::asff::Context::of(options),
        )?),
        ReportFormat::Junit => Box::new(super::junit::JunitWriter::new(out)),
        ReportFormat::Html => Box::new(super::html::HtmlWriter::start(
            out,
            &head.scan_id,
            &head.generated_at,
            options.html.clone(),
        )?),
    })
}

/// Writes a report that holds its findings in `format` to `out`; returns
/// how many findings the format had to leave out.
pub fn write<W: Write + Send>(
    format: ReportFormat,
    out: W,
    report: &ScanReport,
    options: &Options,
) -> io::Result<usize> {
    let mut writer = start(format, out, report, options)?;
    for f in &report.findings {
        writer.finding(f)?;
    }
    writer.finish(report)
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
