//! Reading a findings document (`compliance.findings/v1`) one finding at a
//! time, so `report --input` renders 100,000 findings in the memory of one.
//!
//! A document is read in two passes. The head pass reads everything but the
//! findings (schema, scan id, tool, rules, score, summary, errors), skipping
//! the findings array without keeping it, so a file that is not a findings
//! document is rejected before anything is written, and renderers learn the
//! rules before the first finding whichever order the keys are in (our own
//! files put the rules last; `jq -S` sorts `findings` before `schema`). The
//! findings pass hands each finding to the caller as soon as it is parsed.
//!
//! Errors name the file with line and column. A head field met before the
//! schema (sorted keys) is kept raw until the schema is known, so an
//! unrelated file fails on its schema, not on a field it happens to share;
//! such a field's own error then names the field instead of a position.

use crate::exemption::ExpiredExemption;
use crate::finding::Finding;
use crate::report::{ReportError, RuleInfo, ScanError, ScanReport, Source, Summary, Tool, SCHEMA};
use crate::score::ScoreCard;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;
use std::fmt;
use std::io;

/// Everything in a findings document but its findings.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    /// The document with an empty `findings` list.
    pub report: ScanReport,
    /// How many findings the document holds.
    pub findings: usize,
}

/// Why the findings pass stopped: the document, or the caller.
#[derive(Debug)]
pub enum ReadError<E> {
    Report(ReportError),
    Stopped(E),
}

/// The head of a document held in memory.
pub fn head(file: &str, text: &[u8]) -> Result<Head, ReportError> {
    head_with(file, serde_json::Deserializer::from_slice(text))
}

/// The head of a document read from `input` (buffer it: it is read byte by
/// byte, which parses at about half the speed of a document in memory).
pub fn head_from(file: &str, input: impl io::Read) -> Result<Head, ReportError> {
    head_with(file, serde_json::Deserializer::from_reader(input))
}

/// Each finding of a document held in memory, in document order. Findings
/// written before finding ids existed get theirs here.
pub fn findings<E>(
    file: &str,
    text: &[u8],
    each: impl FnMut(Finding) -> Result<(), E>,
) -> Result<(), ReadError<E>> {
    findings_with(file, serde_json::Deserializer::from_slice(text), each)
}

/// Each finding of a document read from `input`, as [`findings`].
pub fn findings_from<E>(
    file: &str,
    input: impl io::Read,
    each: impl FnMut(Finding) -> Result<(), E>,
) -> Result<(), ReadError<E>> {
    findings_with(file, serde_json::Deserializer::from_reader(input), each)
}

/// A parse error as the user sees it: the file, line and column, and what is
/// wrong without serde_json's own "at line" suffix.
pub(crate) fn invalid(file: &str, e: &serde_json::Error) -> ReportError {
    let text = e.to_string();
    ReportError::Invalid {
        file: file.to_string(),
        line: e.line(),
        column: e.column(),
        message: match text.find(" at line ") {
            Some(i) => text[..i].to_string(),
            None => text,
        },
    }
}

fn head_with<'de, R: serde_json::de::Read<'de>>(
    file: &str,
    mut de: serde_json::Deserializer<R>,
) -> Result<Head, ReportError> {
    let mut schema_error = None;
    let parts = de::Deserializer::deserialize_map(
        &mut de,
        HeadVisitor {
            file,
            schema_error: &mut schema_error,
        },
    );
    let parts = match (parts, schema_error) {
        (_, Some(e)) => return Err(e),
        (Err(e), None) => return Err(invalid(file, &e)),
        (Ok(p), None) => p,
    };
    de.end().map_err(|e| invalid(file, &e))?;
    parts.finish(file)
}

fn findings_with<'de, R: serde_json::de::Read<'de>, E>(
    file: &str,
    mut de: serde_json::Deserializer<R>,
    mut each: impl FnMut(Finding) -> Result<(), E>,
) -> Result<(), ReadError<E>> {
    let mut stopped = None;
    let done = de::Deserializer::deserialize_map(
        &mut de,
        BodyVisitor {
            each: &mut each,
            stopped: &mut stopped,
        },
    );
    match (done, stopped) {
        (_, Some(e)) => Err(ReadError::Stopped(e)),
        (Err(e), None) => Err(ReadError::Report(invalid(file, &e))),
        (Ok(()), None) => de.end().map_err(|e| ReadError::Report(invalid(file, &e))),
    }
}

/// The head fields as they are met.
#[derive(Default)]
struct Parts {
    schema: Option<String>,
    scan_id: Option<String>,
    generated_at: Option<String>,
    tool: Option<Tool>,
    source: Option<Source>,
    score: Option<ScoreCard>,
    summary: Option<Summary>,
    errors: Option<Vec<ScanError>>,
    expired: Option<Vec<ExpiredExemption>>,
    rules: Option<Vec<RuleInfo>>,
    findings: Option<usize>,
    /// Head fields met before the schema, parsed once it is known good.
    early: Vec<(String, Box<RawValue>)>,
}

const HEAD_FIELDS: [&str; 9] = [
    "scan_id",
    "generated_at",
    "tool",
    "source",
    "score",
    "summary",
    "errors",
    "expired_exemptions",
    "rules",
];

impl Parts {
    fn set_from<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "scan_id" => self.scan_id = Some(map.next_value()?),
            "generated_at" => self.generated_at = Some(map.next_value()?),
            "tool" => self.tool = Some(map.next_value()?),
            "source" => self.source = Some(map.next_value()?),
            "score" => self.score = Some(map.next_value()?),
            "summary" => self.summary = Some(map.next_value()?),
            "errors" => self.errors = Some(map.next_value()?),
            "expired_exemptions" => self.expired = Some(map.next_value()?),
            "rules" => self.rules = Some(map.next_value()?),
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn set_raw(&mut self, file: &str, key: &str, raw: &RawValue) -> Result<(), ReportError> {
        fn parse<T: DeserializeOwned>(
            file: &str,
            key: &str,
            raw: &RawValue,
        ) -> Result<T, ReportError> {
            serde_json::from_str(raw.get()).map_err(|e| ReportError::Field {
                file: file.to_string(),
                field: key.to_string(),
                message: invalid(file, &e).to_string(),
            })
        }
        match key {
            "scan_id" => self.scan_id = Some(parse(file, key, raw)?),
            "generated_at" => self.generated_at = Some(parse(file, key, raw)?),
            "tool" => self.tool = Some(parse(file, key, raw)?),
            "source" => self.source = Some(parse(file, key, raw)?),
            "score" => self.score = Some(parse(file, key, raw)?),
            "summary" => self.summary = Some(parse(file, key, raw)?),
            "errors" => self.errors = Some(parse(file, key, raw)?),
            "expired_exemptions" => self.expired = Some(parse(file, key, raw)?),
            "rules" => self.rules = Some(parse(file, key, raw)?),
            _ => {}
        }
        Ok(())
    }

    fn finish(mut self, file: &str) -> Result<Head, ReportError> {
        if self.schema.is_none() {
            return Err(ReportError::Invalid {
                file: file.to_string(),
                line: 1,
                column: 1,
                message: format!("no `schema` field (expected \"{SCHEMA}\", as written by `compliance scan --format json`)"),
            });
        }
        for (key, raw) in std::mem::take(&mut self.early) {
            self.set_raw(file, &key, &raw)?;
        }
        fn need<T>(file: &str, field: &str, value: Option<T>) -> Result<T, ReportError> {
            value.ok_or_else(|| ReportError::Field {
                file: file.to_string(),
                field: field.to_string(),
                message: "missing".to_string(),
            })
        }
        let findings = need(file, "findings", self.findings)?;
        Ok(Head {
            report: ScanReport {
                schema: SCHEMA.to_string(),
                scan_id: need(file, "scan_id", self.scan_id)?,
                generated_at: need(file, "generated_at", self.generated_at)?,
                tool: need(file, "tool", self.tool)?,
                source: need(file, "source", self.source)?,
                score: need(file, "score", self.score)?,
                summary: need(file, "summary", self.summary)?,
                findings: Vec::new(),
                errors: need(file, "errors", self.errors)?,
                expired_exemptions: self.expired.unwrap_or_default(),
                rules: self.rules.unwrap_or_default(),
            },
            findings,
        })
    }
}

/// Marks an error whose cause is kept beside the deserializer.
const STOP: &str = "stopped";

struct HeadVisitor<'a> {
    file: &'a str,
    schema_error: &'a mut Option<ReportError>,
}

impl<'de> Visitor<'de> for HeadVisitor<'_> {
    type Value = Parts;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a findings document (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parts, A::Error> {
        let mut parts = Parts::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "schema" => {
                    let value: serde_json::Value = map.next_value()?;
                    match value.as_str() {
                        Some(SCHEMA) => parts.schema = Some(SCHEMA.to_string()),
                        _ => {
                            *self.schema_error = Some(ReportError::Schema {
                                file: self.file.to_string(),
                                found: value
                                    .as_str()
                                    .map_or_else(|| value.to_string(), str::to_string),
                            });
                            return Err(de::Error::custom(STOP));
                        }
                    }
                }
                "findings" => parts.findings = Some(map.next_value_seed(Count)?),
                field if HEAD_FIELDS.contains(&field) && parts.schema.is_none() => {
                    let raw: Box<RawValue> = map.next_value()?;
                    parts.early.push((field.to_string(), raw));
                }
                field => parts.set_from(field, &mut map)?,
            }
        }
        Ok(parts)
    }
}

/// The findings array, counted and not kept.
struct Count;

impl<'de> DeserializeSeed<'de> for Count {
    type Value = usize;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Count {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of findings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut n = 0;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            n += 1;
        }
        Ok(n)
    }
}

/// The findings pass: everything but the findings is skipped.
struct BodyVisitor<'a, F, E> {
    each: &'a mut F,
    stopped: &'a mut Option<E>,
}

impl<'de, F: FnMut(Finding) -> Result<(), E>, E> Visitor<'de> for BodyVisitor<'_, F, E> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a findings document (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "findings" {
                map.next_value_seed(Each {
                    each: &mut *self.each,
                    stopped: &mut *self.stopped,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Each<'a, F, E> {
    each: &'a mut F,
    stopped: &'a mut Option<E>,
}

impl<'de, F: FnMut(Finding) -> Result<(), E>, E> DeserializeSeed<'de> for Each<'_, F, E> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(Finding) -> Result<(), E>, E> Visitor<'de> for Each<'_, F, E> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of findings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(mut finding) = seq.next_element::<Finding>()? {
            if finding.finding_id.is_empty() {
                finding.set_id();
            }
            if let Err(e) = (self.each)(finding) {
                *self.stopped = Some(e);
                return Err(de::Error::custom(STOP));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Evidence, Severity, Status};
    use crate::report::Meta;
    use std::sync::Arc;

    fn finding(resource: &str) -> Finding {
        Finding {
            finding_id: String::new(),
            rule_id: Arc::from("s3-versioning"),
            title: Arc::from("Versioning"),
            severity: Severity::Medium,
            category: Arc::from("data"),
            frameworks: Arc::from(vec!["SOC2:A1.2".to_string()]),
            service: Arc::from("s3"),
            resource_type: Arc::from("AWS::S3::Bucket"),
            resource_id: resource.to_string(),
            resource_name: None,
            arn: Some(format!("arn:aws:s3:::{resource}")),
            region: Some(Arc::from("eu-west-1")),
            account: Some(Arc::from("111122223333")),
            status: Status::NonCompliant,
            criticality: 1.0,
            evidence: Evidence::note("p", "e", "n"),
            remediation: None,
            exemption: None,
            source: None,
            message: None,
            first_seen: None,
        }
        .with_id()
    }

    fn report(n: usize) -> ScanReport {
        let mut r = ScanReport::build(
            Meta {
                scan_id: "s".into(),
                generated_at: "2026-11-29T00:00:00.000Z".into(),
                version: "0.1.0".into(),
                source: Source {
                    kind: "snapshot".into(),
                    inputs: vec!["a.json".into()],
                },
                resources: n,
                rules: 1,
                threshold: 70.0,
            },
            (0..n).map(|i| finding(&format!("b{i}"))).collect(),
            vec![],
            vec![],
        );
        r.rules = vec![RuleInfo {
            id: "s3-versioning".into(),
            title: "Versioning".into(),
            severity: Severity::Medium,
            category: "data".into(),
            frameworks: vec![],
            resource_types: vec!["AWS::S3::Bucket".into()],
            remediation: None,
            config_rule: None,
            why: "w".into(),
            fix: "f".into(),
            file: "x.toml".into(),
        }];
        r
    }

    fn collect(text: &str) -> Vec<Finding> {
        let mut all = Vec::new();
        findings("f.json", text.as_bytes(), |f| {
            all.push(f);
            Ok::<(), ()>(())
        })
        .unwrap();
        all
    }

    #[test]
    fn the_head_pass_keeps_everything_but_the_findings() {
        let r = report(3);
        let text = serde_json::to_string_pretty(&r).unwrap();
        let head = head("f.json", text.as_bytes()).unwrap();
        assert_eq!(head.findings, 3);
        let mut without = r.clone();
        without.findings.clear();
        assert_eq!(head.report, without);
        assert_eq!(collect(&text), r.findings);
        // The same through a reader.
        let from = head_from("f.json", text.as_bytes()).unwrap();
        assert_eq!(from, head);
    }

    #[test]
    fn sorted_keys_put_the_schema_after_the_findings_and_still_read() {
        let r = report(2);
        // serde_json::Value sorts keys, as `jq -S` does.
        let sorted: serde_json::Value = serde_json::to_value(&r).unwrap();
        let text = serde_json::to_string(&sorted).unwrap();
        assert!(text.find("\"findings\"") < text.find("\"schema\""));
        let head = head("f.json", text.as_bytes()).unwrap();
        assert_eq!(head.report.rules, r.rules);
        assert_eq!(head.report.score, r.score);
        assert_eq!(collect(&text), r.findings);
    }

    #[test]
    fn another_schema_is_named_before_any_field_is_judged() {
        let text = r#"{"findings": [{"x": 1}], "score": "nonsense", "schema": "other/v2"}"#;
        assert_eq!(
            head("f.json", text.as_bytes()).unwrap_err(),
            ReportError::Schema {
                file: "f.json".into(),
                found: "other/v2".into()
            }
        );
        let e = head("f.json", r#"{"findings": []}"#.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("no `schema` field"), "{e}");
        let e = head("f.json", "[1, 2]".as_bytes()).unwrap_err();
        assert!(e.to_string().starts_with("f.json:1:"), "{e}");
    }

    #[test]
    fn a_bad_finding_is_named_by_line_and_a_late_bad_field_by_name() {
        let r = report(2);
        let mut text = serde_json::to_string_pretty(&r).unwrap();
        text = text.replacen("\"status\": \"non_compliant\"", "\"status\": \"maybe\"", 1);
        let line = text
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains("\"maybe\""))
            .map(|(i, _)| i + 1)
            .unwrap();
        let mut seen = 0;
        let e = findings("f.json", text.as_bytes(), |_| {
            seen += 1;
            Ok::<(), ()>(())
        })
        .unwrap_err();
        match e {
            ReadError::Report(ReportError::Invalid {
                line: at, message, ..
            }) => {
                assert_eq!(at, line);
                assert!(message.contains("maybe"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(seen, 0);
        let text = r#"{"score": 3, "schema": "compliance.findings/v1", "findings": []}"#;
        let e = head("f.json", text.as_bytes()).unwrap_err();
        assert!(
            matches!(&e, ReportError::Field { field, .. } if field == "score"),
            "{e}"
        );
    }

    #[test]
    fn the_caller_can_stop_the_findings_pass_and_old_files_get_ids() {
        let r = report(5);
        let mut value = serde_json::to_value(&r).unwrap();
        for f in value["findings"].as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("finding_id");
        }
        let text = serde_json::to_string(&value).unwrap();
        let mut seen = Vec::new();
        let e = findings("f.json", text.as_bytes(), |f| {
            seen.push(f.finding_id.clone());
            if seen.len() == 2 {
                Err("full disk")
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert!(matches!(e, ReadError::Stopped("full disk")));
        assert_eq!(
            seen,
            vec![
                r.findings[0].finding_id.clone(),
                r.findings[1].finding_id.clone()
            ]
        );
    }
}
