//! `report --format csv`: one row per finding, RFC 4180 (comma-separated,
//! CRLF line ends, fields with a comma, quote or line break quoted, quotes
//! doubled), a header row, and the JSON's nested fields flattened into
//! dotted columns (`evidence.found` holds the value found as JSON text, lists
//! are joined with `;`). Spreadsheets and `csv` readers take it as is.

use crate::core::finding::Finding;
use crate::core::report::ScanReport;
use std::borrow::Cow;
use std::io::{self, Write};

/// The columns, in order; documented in docs/report-formats.md.
pub const COLUMNS: [&str; 27] = [
    "finding_id",
    "rule_id",
    "title",
    "severity",
    "status",
    "message",
    "category",
    "frameworks",
    "service",
    "resource_type",
    "resource_id",
    "resource_name",
    "arn",
    "region",
    "account",
    "criticality",
    "evidence.path",
    "evidence.found",
    "evidence.missing",
    "evidence.expected",
    "evidence.note",
    "remediation",
    "exemption.reason",
    "exemption.owner",
    "exemption.expires",
    "first_seen",
    "source",
];

/// The header row first, then one row per finding as it comes.
pub struct CsvWriter<W: Write> {
    out: W,
}

impl<W: Write> CsvWriter<W> {
    pub fn start(mut out: W) -> io::Result<CsvWriter<W>> {
        row(&mut out, COLUMNS.iter().copied())?;
        Ok(CsvWriter { out })
    }
}

impl<W: Write + Send> super::report::FormatWriter for CsvWriter<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        let fields = fields(f);
        row(&mut self.out, fields.iter().map(|c| &**c))
    }

    fn finish(mut self: Box<Self>, _report: &ScanReport) -> io::Result<usize> {
        self.out.flush()?;
        Ok(0)
    }
}

/// The row of one finding, borrowing what it can: 100,000 rows of 27
/// fields should not cost 2.7 million allocations.
fn fields(f: &Finding) -> [Cow<'_, str>; 27] {
    fn opt(v: Option<&str>) -> Cow<'_, str> {
        Cow::Borrowed(v.unwrap_or_default())
    }
    let ex = f.exemption.as_deref();
    [
        Cow::Borrowed(f.finding_id.as_str()),
        Cow::Borrowed(&*f.rule_id),
        Cow::Borrowed(&*f.title),
        Cow::Borrowed(f.severity.as_str()),
        Cow::Borrowed(f.status.as_str()),
        f.message_text(),
        Cow::Borrowed(&*f.category),
        Cow::Owned(f.frameworks.join(";")),
        Cow::Borrowed(&*f.service),
        Cow::Borrowed(&*f.resource_type),
        Cow::Borrowed(f.resource_id.as_str()),
        opt(f.resource_name.as_deref()),
        opt(f.arn.as_deref()),
        opt(f.region.as_deref()),
        opt(f.account.as_deref()),
        Cow::Owned(f.criticality.to_string()),
        Cow::Borrowed(&*f.evidence.path),
        match &f.evidence.found {
            Some(serde_json::Value::String(s)) => Cow::Borrowed(s.as_str()),
            Some(other) => Cow::Owned(other.to_string()),
            None => Cow::Borrowed(""),
        },
        Cow::Borrowed(if f.evidence.missing { "true" } else { "false" }),
        Cow::Borrowed(&*f.evidence.expected),
        opt(f.evidence.note.as_deref()),
        opt(f.remediation.as_deref()),
        opt(ex.map(|e| e.reason.as_str())),
        opt(ex.map(|e| e.owner.as_str())),
        opt(ex.map(|e| e.expires.as_str())),
        opt(f.first_seen.as_deref()),
        opt(f.source.as_deref()),
    ]
}

fn row<'a, W: Write>(out: &mut W, fields: impl Iterator<Item = &'a str>) -> io::Result<()> {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.write_all(b"\"")?;
            out.write_all(field.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(field.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_only_what_needs_quoting() {
        let mut out = Vec::new();
        super::row(&mut out, ["a", "b,c", "say \"hi\"", "x\ny"].into_iter()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\"\r\n"
        );
    }
}
