//! `report --format csv`: one row per finding, RFC 4180 (comma-separated,
//! CRLF line ends, fields with a comma, quote or line break quoted, quotes
//! doubled), a header row, and the JSON's nested fields flattened into
//! dotted columns (`evidence.found` holds the value found as JSON text, lists
//! are joined with `;`). Spreadsheets and `csv` readers take it as is.

use crate::core::finding::Finding;
use crate::core::report::ScanReport;
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

pub fn write<W: Write>(out: &mut W, report: &ScanReport) -> io::Result<()> {
    row(out, COLUMNS.iter().copied())?;
    for f in &report.findings {
        let fields = fields(f);
        row(out, fields.iter().map(String::as_str))?;
    }
    Ok(())
}

fn fields(f: &Finding) -> [String; 27] {
    let opt = |v: Option<&str>| v.unwrap_or_default().to_string();
    let ex = f.exemption.as_deref();
    [
        f.finding_id.clone(),
        f.rule_id.to_string(),
        f.title.to_string(),
        f.severity.to_string(),
        f.status.to_string(),
        f.message_text().into_owned(),
        f.category.to_string(),
        f.frameworks.join(";"),
        f.service.to_string(),
        f.resource_type.to_string(),
        f.resource_id.clone(),
        opt(f.resource_name.as_deref()),
        opt(f.arn.as_deref()),
        opt(f.region.as_deref()),
        opt(f.account.as_deref()),
        f.criticality.to_string(),
        f.evidence.path.to_string(),
        f.evidence
            .found
            .as_ref()
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default(),
        f.evidence.missing.to_string(),
        f.evidence.expected.to_string(),
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
