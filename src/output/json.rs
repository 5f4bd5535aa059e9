//! JSON output: the stable `compliance.findings/v1` document and other values.
//!
//! A findings document is written as it is made: the head, then one finding per
//! line as the scan produces them, then what is only known at the end (score,
//! summary, errors, the rules' text). Readers see ordinary JSON (key order
//! carries no meaning); the writer never holds the whole document, so 100,000
//! resources cost the memory of one finding, and one line per finding keeps the
//! file greppable.

use crate::core::finding::Finding;
use crate::core::report::{ScanReport, Tool, SCHEMA};
use anyhow::Result;
use serde::Serialize;
use std::io::{self, Write};

pub fn render<T: Serialize>(value: &T) -> Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// Writes one findings document to `out`, finding by finding.
pub struct FindingsWriter<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> FindingsWriter<W> {
    /// Writes the head: schema, scan id, time and tool, and opens the findings.
    pub fn start(mut out: W, scan_id: &str, generated_at: &str) -> io::Result<Self> {
        let tool = Tool {
            name: "compliance".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        };
        write!(out, "{{\n  \"schema\": ")?;
        serde_json::to_writer(&mut out, SCHEMA)?;
        write!(out, ",\n  \"scan_id\": ")?;
        serde_json::to_writer(&mut out, scan_id)?;
        write!(out, ",\n  \"generated_at\": ")?;
        serde_json::to_writer(&mut out, generated_at)?;
        write!(out, ",\n  \"tool\": ")?;
        serde_json::to_writer(&mut out, &tool)?;
        write!(out, ",\n  \"findings\": [")?;
        Ok(FindingsWriter { out, first: true })
    }

    pub fn finding(&mut self, f: &Finding) -> io::Result<()> {
        self.out
            .write_all(if self.first { b"\n    " } else { b",\n    " })?;
        self.first = false;
        serde_json::to_writer(&mut self.out, f)?;
        Ok(())
    }

    /// Closes the findings and writes everything known only at the end; the
    /// report's own `findings` are ignored (they were streamed).
    pub fn finish(mut self, report: &ScanReport) -> io::Result<W> {
        write!(
            self.out,
            "{}],\n  \"source\": ",
            if self.first { "" } else { "\n  " }
        )?;
        serde_json::to_writer(&mut self.out, &report.source)?;
        for (key, value) in [
            ("score", serde_json::to_value(&report.score)?),
            ("summary", serde_json::to_value(&report.summary)?),
            ("errors", serde_json::to_value(&report.errors)?),
            (
                "expired_exemptions",
                serde_json::to_value(&report.expired_exemptions)?,
            ),
            ("rules", serde_json::to_value(&report.rules)?),
        ] {
            write!(self.out, ",\n  \"{key}\": ")?;
            serde_json::to_writer(&mut self.out, &value)?;
        }
        self.out.write_all(b"\n}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write + Send> super::report::FormatWriter for FindingsWriter<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        FindingsWriter::finding(self, f)
    }

    fn finish(self: Box<Self>, report: &ScanReport) -> io::Result<usize> {
        FindingsWriter::finish(*self, report).map(|_| 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::report::{Meta, Source};
    use crate::output::report::ReportFormat;

    #[test]
    fn streamed_document_parses_back_to_the_same_report() {
        let report = ScanReport::build(
            Meta {
                scan_id: "s".into(),
                generated_at: "2026-11-29T00:00:00.000Z".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                source: Source {
                    kind: "snapshot".into(),
                    inputs: vec!["a.json".into()],
                },
                resources: 0,
                rules: 0,
                threshold: 70.0,
            },
            vec![],
            vec![],
            vec![],
        );
        let mut bytes = Vec::new();
        let options = crate::output::report::Options::default();
        crate::output::report::write(ReportFormat::Json, &mut bytes, &report, &options).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(ScanReport::parse("f.json", &text).unwrap(), report);
    }
}
