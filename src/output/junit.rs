//! `report --format junit`: JUnit XML, so CI systems show compliance as
//! tests: one `testsuite` per rule, one `testcase` per resource; a
//! non-compliant finding is a `failure`, an error finding an `error`,
//! exempted and not-applicable findings are `skipped` (with the reason), and
//! compliant ones pass. Times are in seconds; rules are judged together, so
//! each case takes 0.

use crate::core::finding::{Finding, Status};
use crate::core::report::ScanReport;
use std::collections::BTreeMap;
use std::io::{self, Write};

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn add(&mut self, f: &Finding) {
        self.tests += 1;
        match f.status {
            Status::NonCompliant => self.failures += 1,
            Status::Error => self.errors += 1,
            Status::Exempted | Status::NotApplicable => self.skipped += 1,
            Status::Compliant => {}
        }
    }
}

/// Suites need their counts in their opening tag, and findings arrive in
/// resource order: each rule's test cases are kept as XML text (a few hundred
/// bytes each, not the findings) and the suites written at the end.
pub struct JunitWriter<W: Write> {
    out: W,
    total: Counts,
    suites: BTreeMap<String, (Counts, Vec<u8>)>,
}

impl<W: Write> JunitWriter<W> {
    pub fn new(out: W) -> JunitWriter<W> {
        JunitWriter {
            out,
            total: Counts::default(),
            suites: BTreeMap::new(),
        }
    }
}

impl<W: Write + Send> super::report::FormatWriter for JunitWriter<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        self.total.add(f);
        if !self.suites.contains_key(&*f.rule_id) {
            self.suites
                .insert(f.rule_id.to_string(), Default::default());
        }
        let (counts, out) = self
            .suites
            .get_mut(&*f.rule_id)
            .expect("the suite was just added");
        counts.add(f);
        testcase(out, f)
    }

    fn finish(self: Box<Self>, report: &ScanReport) -> io::Result<usize> {
        let JunitWriter {
            mut out,
            total,
            suites,
        } = *self;
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(
            out,
            "<testsuites name=\"compliance\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\" timestamp=\"{}\">",
            total.tests,
            total.failures,
            total.errors,
            total.skipped,
            xml(&report.generated_at)
        )?;
        for (rule, (counts, cases)) in suites {
            writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\" timestamp=\"{}\">",
                xml(&rule),
                counts.tests,
                counts.failures,
                counts.errors,
                counts.skipped,
                xml(&report.generated_at)
            )?;
            out.write_all(&cases)?;
            writeln!(out, "  </testsuite>")?;
        }
        writeln!(out, "</testsuites>")?;
        out.flush()?;
        Ok(0)
    }
}

fn testcase(out: &mut Vec<u8>, f: &Finding) -> io::Result<()> {
    let name = match (&f.region, &f.account) {
        (Some(region), Some(account)) => {
            format!("{} ({account}/{region})", f.resource_id)
        }
        (Some(region), None) => format!("{} ({region})", f.resource_id),
        _ => f.resource_id.clone(),
    };
    write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"0\"",
        xml(&name),
        xml(&f.rule_id)
    )?;
    let title = xml(&f.title);
    match f.status {
        Status::Compliant => writeln!(out, "/>")?,
        Status::NonCompliant => writeln!(
            out,
            ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
            xml(&f.message_text()),
            f.severity,
            detail(f, &title)
        )?,
        Status::Error => writeln!(
            out,
            ">\n      <error message=\"{}\" type=\"error\">{}</error>\n    </testcase>",
            xml(&f.message_text()),
            detail(f, &title)
        )?,
        Status::Exempted | Status::NotApplicable => {
            let reason = match (&f.exemption, &f.evidence.note) {
                (Some(e), _) => format!(
                    "exempted: {} (owner {}, until {})",
                    e.reason, e.owner, e.expires
                ),
                (None, Some(note)) => format!("{}: {note}", f.status),
                (None, None) => f.status.to_string(),
            };
            writeln!(
                out,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                xml(&reason)
            )?
        }
    }
    Ok(())
}

fn detail(f: &Finding, title: &str) -> String {
    let mut text = format!(
        "{title}\n{}\nresource: {}",
        xml(&f.evidence.summary()),
        xml(f.arn.as_deref().unwrap_or(&f.resource_id))
    );
    if let Some(fix) = &f.remediation {
        text.push_str(&format!("\nremediation: {}", xml(fix)));
    }
    text
}

/// XML text and attribute escaping; characters XML 1.0 forbids are dropped.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}
