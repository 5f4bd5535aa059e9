//! The report renderers as sinks: the findings document or the HTML page
//! streamed to a writer, or the terminal table's running summary, written out
//! at the end.

use crate::core::finding::Finding;
use crate::core::report::ScanReport;
use crate::output::html::{HtmlContext, HtmlWriter};
use crate::output::json::FindingsWriter;
use crate::output::table::TableSummary;
use crate::pipeline::{Head, Sink, SinkError};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// `--format json`: each finding is written as soon as it is made.
pub struct JsonSink<W: Write + Send> {
    writer: Option<FindingsWriter<W>>,
}

impl<W: Write + Send> JsonSink<W> {
    pub fn start(out: W, head: &Head) -> Result<JsonSink<W>, SinkError> {
        Ok(JsonSink {
            writer: Some(FindingsWriter::start(
                out,
                &head.scan_id,
                &head.generated_at,
            )?),
        })
    }
}

impl<W: Write + Send> Sink for JsonSink<W> {
    fn item(&mut self, findings: &[Finding]) -> Result<(), SinkError> {
        if let Some(w) = &mut self.writer {
            for f in findings {
                w.finding(f)?;
            }
        }
        Ok(())
    }

    fn finish(&mut self, report: &ScanReport) -> Result<(), SinkError> {
        if let Some(w) = self.writer.take() {
            w.finish(report)?;
        }
        Ok(())
    }
}

/// `--format html`: each finding becomes one compact row of the page's data
/// as soon as it is made; the summary follows at the end.
pub struct HtmlSink<W: Write + Send> {
    writer: Option<HtmlWriter<W>>,
}

impl<W: Write + Send> HtmlSink<W> {
    pub fn start(out: W, head: &Head, context: HtmlContext) -> Result<HtmlSink<W>, SinkError> {
        Ok(HtmlSink {
            writer: Some(HtmlWriter::start(
                out,
                &head.scan_id,
                &head.generated_at,
                context,
            )?),
        })
    }
}

impl<W: Write + Send> Sink for HtmlSink<W> {
    fn item(&mut self, findings: &[Finding]) -> Result<(), SinkError> {
        if let Some(w) = &mut self.writer {
            for f in findings {
                w.finding(f)?;
            }
        }
        Ok(())
    }

    fn finish(&mut self, report: &ScanReport) -> Result<(), SinkError> {
        if let Some(w) = self.writer.take() {
            w.finish(report)?;
        }
        Ok(())
    }
}

/// `--format table`: a summary per rule, written when the scan ends.
pub struct TableSink<W: Write + Send> {
    summary: Option<TableSummary>,
    out: W,
}

impl<W: Write + Send> TableSink<W> {
    pub fn new(out: W, all: bool) -> TableSink<W> {
        TableSink {
            summary: Some(TableSummary::new(all)),
            out,
        }
    }
}

impl<W: Write + Send> Sink for TableSink<W> {
    fn item(&mut self, findings: &[Finding]) -> Result<(), SinkError> {
        if let Some(s) = &mut self.summary {
            findings.iter().for_each(|f| s.add(f));
        }
        Ok(())
    }

    fn finish(&mut self, report: &ScanReport) -> Result<(), SinkError> {
        if let Some(s) = self.summary.take() {
            self.out.write_all(s.render(report).as_bytes())?;
            self.out.flush()?;
        }
        Ok(())
    }
}

/// Keeps the failing findings (non-compliant and error) for the alert that
/// follows a scan; compliant ones, the bulk at scale, are not kept.
#[derive(Clone, Default)]
pub struct Failing(pub Arc<Mutex<Vec<Finding>>>);

impl Failing {
    pub fn take(&self) -> Vec<Finding> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

impl Sink for Failing {
    fn item(&mut self, findings: &[Finding]) -> Result<(), SinkError> {
        if let Ok(mut kept) = self.0.lock() {
            kept.extend(findings.iter().filter(|f| f.status.is_failing()).cloned());
        }
        Ok(())
    }

    fn finish(&mut self, _report: &ScanReport) -> Result<(), SinkError> {
        Ok(())
    }
}
