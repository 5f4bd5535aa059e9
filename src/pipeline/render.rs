//! The report formats as sinks of a scan (every format `report` writes, so
//! `scan --format sarif` streams like `scan --format json`), and the sink
//! that keeps the failing findings for alerts.

use crate::core::finding::Finding;
use crate::core::report::ScanReport;
use crate::output::report::{self, FormatWriter, Options, ReportFormat};
use crate::pipeline::{Head, Sink, SinkError};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Any report format as a sink: each finding goes to the format's writer as
/// soon as it is made; what is only known at the end (score, summary, the
/// rules that had findings) goes when the scan ends.
pub struct FormatSink {
    writer: Option<Box<dyn FormatWriter>>,
}

impl FormatSink {
    pub fn start<W: Write + Send + 'static>(
        format: ReportFormat,
        out: W,
        head: &Head,
        options: &Options,
    ) -> Result<FormatSink, SinkError> {
        Ok(FormatSink {
            writer: Some(report::start(format, out, &head.report(), options)?),
        })
    }
}

impl Sink for FormatSink {
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
            let left_out = w.finish(report)?;
            if left_out > 0 {
                crate::output::notice::note(format!(
                    "{left_out} finding(s) name no account or region and were left out (pass --region)"
                ));
            }
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
