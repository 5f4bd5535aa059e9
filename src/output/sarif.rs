//! `report --format sarif`: SARIF 2.1.0 for code-scanning tools (GitHub code
//! scanning, Azure DevOps, any SARIF viewer).
//!
//! `tool.driver.rules` (written last: see [`SarifWriter`]) lists every rule with findings (help text from the
//! rule's why and fix, `properties.security-severity` on GitHub's scale:
//! critical 9.5, high 8.0, medium 5.5, low 3.0, info 0.0); one result per
//! non-compliant, error or exempted finding, with `level` from the severity
//! (critical and high → error, medium → warning, low and info → note), a
//! location (GitHub needs one: a logical location naming the resource, and an
//! artifact whose URI is the resource ARN), `partialFingerprints` from the
//! finding id (so the same violation is one alert across scans), and a
//! suppression for exempted findings. Compliant findings are not results.

use crate::core::finding::{Finding, Severity, Status};
use crate::core::report::{RuleInfo, ScanReport};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{self, Write};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn reported(f: &Finding) -> bool {
    matches!(
        f.status,
        Status::NonCompliant | Status::Error | Status::Exempted
    )
}

/// Results as findings arrive; `tool.driver.rules` at the end, when every
/// rule a result names is known (JSON member order carries no meaning, so
/// SARIF readers take `tool` after `results`). A rule's `ruleIndex` is its
/// place in that list, given on its first result.
pub struct SarifWriter<W: Write> {
    out: W,
    /// The rules' descriptions known before the first finding.
    known: HashMap<String, RuleInfo>,
    index: HashMap<String, usize>,
    /// In index order: the rule id, and a description made from the first
    /// finding for a rule no description names.
    order: Vec<(String, Option<RuleInfo>)>,
    version: String,
    first: bool,
}

impl<W: Write> SarifWriter<W> {
    pub fn start(mut out: W, head: &ScanReport) -> io::Result<SarifWriter<W>> {
        write!(
            out,
            "{{\n  \"$schema\": \"{SCHEMA_URI}\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"automationDetails\": "
        )?;
        serde_json::to_writer(
            &mut out,
            &json!({"id": format!("compliance/{}", head.scan_id)}),
        )?;
        write!(out, ",\n      \"results\": [")?;
        Ok(SarifWriter {
            out,
            known: head
                .rules
                .iter()
                .map(|r| (r.id.clone(), r.clone()))
                .collect(),
            index: HashMap::new(),
            order: Vec::new(),
            version: head.tool.version.clone(),
            first: true,
        })
    }

    fn rule_index(&mut self, f: &Finding) -> usize {
        if let Some(i) = self.index.get(&*f.rule_id) {
            return *i;
        }
        let i = self.order.len();
        self.index.insert(f.rule_id.to_string(), i);
        let described = (!self.known.contains_key(&*f.rule_id)).then(|| RuleInfo {
            id: f.rule_id.to_string(),
            title: f.title.to_string(),
            severity: f.severity,
            category: f.category.to_string(),
            frameworks: f.frameworks.to_vec(),
            resource_types: vec![f.resource_type.to_string()],
            remediation: f.remediation.as_deref().map(str::to_string),
            config_rule: None,
            why: f.title.to_string(),
            fix: String::new(),
            file: String::new(),
        });
        self.order.push((f.rule_id.to_string(), described));
        i
    }
}

impl<W: Write + Send> super::report::FormatWriter for SarifWriter<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        if !reported(f) {
            return Ok(());
        }
        let index = self.rule_index(f);
        self.out.write_all(if self.first {
            b"\n        "
        } else {
            b",\n        "
        })?;
        self.first = false;
        serde_json::to_writer(&mut self.out, &result(f, index))?;
        Ok(())
    }

    fn finish(mut self: Box<Self>, report: &ScanReport) -> io::Result<usize> {
        // Every rule with a result, in index order; then the report's other
        // rules (evaluated, nothing to report).
        let finals: HashMap<&str, &RuleInfo> =
            report.rules.iter().map(|r| (r.id.as_str(), r)).collect();
        let mut rules: Vec<Value> = Vec::with_capacity(self.order.len() + report.rules.len());
        for (id, described) in &self.order {
            let info = finals
                .get(id.as_str())
                .copied()
                .or_else(|| self.known.get(id))
                .or(described.as_ref());
            if let Some(info) = info {
                rules.push(rule(info));
            }
        }
        for r in &report.rules {
            if !self.index.contains_key(&r.id) {
                rules.push(rule(r));
            }
        }
        let version = if report.tool.version.is_empty() {
            &self.version
        } else {
            &report.tool.version
        };
        write!(
            self.out,
            "{}],\n      \"tool\": ",
            if self.first { "" } else { "\n      " }
        )?;
        serde_json::to_writer(
            &mut self.out,
            &json!({"driver": {
                "name": "compliance",
                "version": version,
                "semanticVersion": version,
                "rules": rules,
            }}),
        )?;
        write!(self.out, "\n    }}\n  ]\n}}\n")?;
        self.out.flush()?;
        Ok(0)
    }
}

fn rule(r: &RuleInfo) -> Value {
    let mut help = r.why.clone();
    if !r.fix.is_empty() {
        help.push_str("\n\nFix: ");
        help.push_str(&r.fix);
    }
    let mut tags = vec![r.category.clone()];
    tags.extend(r.frameworks.iter().cloned());
    json!({
        "id": r.id,
        "name": r.id,
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": r.why},
        "help": {"text": help},
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "security-severity": security_severity(r.severity),
            "precision": "very-high",
            "problem.severity": level(r.severity),
            "tags": tags,
        },
    })
}

/// The artifact URI of a resource: its ARN (`arn:` is a URI scheme), else a
/// relative `resource/TYPE/ID`; characters outside RFC 3986 are escaped.
pub fn artifact_uri(f: &Finding) -> String {
    let raw = match &f.arn {
        Some(arn) if !arn.is_empty() => arn.clone(),
        _ => format!(
            "resource/{}/{}",
            f.resource_type.replace("::", "/"),
            f.resource_id
        ),
    };
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b':')
        .remove(b'/')
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'*')
        .remove(b'@')
        .remove(b'+')
        .remove(b'=');
    percent_encoding::utf8_percent_encode(&raw, KEEP).to_string()
}

fn result(f: &Finding, rule_index: usize) -> Value {
    let mut logical = json!({
        "name": f.resource_id,
        "kind": "resource",
        "fullyQualifiedName": f.arn.clone().unwrap_or_else(|| format!("{}/{}", f.resource_type, f.resource_id)),
    });
    if let Some(name) = &f.resource_name {
        logical["decoratedName"] = json!(name);
    }
    let mut result = json!({
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": level(f.severity),
        "message": {"text": f.message_text()},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": artifact_uri(f)}},
            "logicalLocations": [logical],
        }],
        "partialFingerprints": {"findingId/v1": f.finding_id},
        "properties": {
            "status": f.status,
            "severity": f.severity,
            "resourceType": f.resource_type,
            "account": f.account,
            "region": f.region,
            "evidence": f.evidence,
        },
    });
    if let Some(first) = &f.first_seen {
        result["properties"]["firstSeen"] = json!(first);
    }
    if f.status == Status::Exempted {
        let justification = match &f.exemption {
            Some(e) => format!("{} (owner {}, until {})", e.reason, e.owner, e.expires),
            None => "exempted in compliance.toml".to_string(),
        };
        result["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": justification,
        }]);
    }
    result
}
