//! Finding messages: the one human sentence per finding that tables, CSV,
//! SARIF, ASFF and OCSF show ("Security group sg-0abc (web) allows 0.0.0.0/0
//! to port 22/tcp"), from an optional `message` template in the rule file.
//!
//! A template is text with placeholders in braces, filled from the finding and
//! its evidence; it is parsed when the rule file is read, so a placeholder the
//! renderer would not know is a rule-file error (`rules validate` fails), never
//! a blank in a report. The syntax (docs/rule-format.md, "Messages"):
//!
//! - `{resource_id}`, `{resource_name}`, `{resource_type}`, `{arn}`,
//!   `{region}`, `{account}`, `{rule_id}`, `{title}`, `{severity}`, `{service}`;
//! - `{path}`, `{found}`, `{expected}`, `{note}` from the evidence, and
//!   `{found.PATH}` for a path inside the value found (same path syntax as
//!   checks: `{found.ipv4Ranges[*].cidrIp}`);
//! - `{param.NAME}` a rule parameter (with the operator's overrides);
//! - `{a|b|c}` the first alternative that has a value; `'text'` as an
//!   alternative is that text (`{found.fromPort|'all'}`);
//! - `{{` and `}}` for literal braces.
//!
//! Lists are joined with ", "; a placeholder with no value in any alternative
//! renders as `?`. Rules without a template fall back to the evidence summary.

use crate::finding::Finding;
use crate::path::Path;
use serde_json::Value;
use std::collections::BTreeMap;

/// A parsed message template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    text: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    /// Alternatives, the first with a value wins.
    Slot(Vec<Placeholder>),
}

#[derive(Debug, Clone, PartialEq)]
enum Placeholder {
    ResourceId,
    ResourceName,
    ResourceType,
    Arn,
    Region,
    Account,
    RuleId,
    Title,
    Severity,
    Service,
    Path,
    Found(Option<Path>),
    Expected,
    Note,
    Param(String),
    Literal(String),
}

/// The placeholders a template may name besides `found.PATH` and `param.NAME`.
pub const PLACEHOLDERS: [&str; 14] = [
    "resource_id",
    "resource_name",
    "resource_type",
    "arn",
    "region",
    "account",
    "rule_id",
    "title",
    "severity",
    "service",
    "path",
    "found",
    "expected",
    "note",
];

impl Template {
    /// Parses `text`; `params` are the rule's parameter names, so
    /// `{param.x}` naming no parameter is rejected here.
    pub fn parse(text: &str, params: &BTreeMap<String, Value>) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|(_, c)| *c) == Some('{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().map(|(_, c)| *c) == Some('}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => {
                    return Err(format!(
                    "message: unmatched `}}` at character {} (write `}}}}` for a literal brace)",
                    at + 1
                ))
                }
                '{' => {
                    let mut inner = String::new();
                    let mut closed = false;
                    for (_, c) in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        inner.push(c);
                    }
                    if !closed {
                        return Err(format!(
                            "message: `{{` at character {} is never closed (write `{{{{` for a literal brace)",
                            at + 1
                        ));
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    let slot = inner
                        .split('|')
                        .map(|name| placeholder(name.trim(), params))
                        .collect::<Result<Vec<_>, _>>()?;
                    parts.push(Part::Slot(slot));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template {
            text: text.to_string(),
            parts,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The sentence for one finding; `params` are the values the rule ran with.
    pub fn render(&self, f: &Finding, params: &BTreeMap<String, Value>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Slot(alternatives) => {
                    let value = alternatives
                        .iter()
                        .find_map(|p| value_of(p, f, params).filter(|v| !v.is_empty()));
                    out.push_str(value.as_deref().unwrap_or("?"));
                }
            }
        }
        out
    }
}

fn placeholder(name: &str, params: &BTreeMap<String, Value>) -> Result<Placeholder, String> {
    if let Some(text) = name
        .strip_prefix('\'')
        .and_then(|rest| rest.strip_suffix('\''))
    {
        return Ok(Placeholder::Literal(text.to_string()));
    }
    Ok(match name {
        "resource_id" => Placeholder::ResourceId,
        "resource_name" => Placeholder::ResourceName,
        "resource_type" => Placeholder::ResourceType,
        "arn" => Placeholder::Arn,
        "region" => Placeholder::Region,
        "account" => Placeholder::Account,
        "rule_id" => Placeholder::RuleId,
        "title" => Placeholder::Title,
        "severity" => Placeholder::Severity,
        "service" => Placeholder::Service,
        "path" => Placeholder::Path,
        "found" => Placeholder::Found(None),
        "expected" => Placeholder::Expected,
        "note" => Placeholder::Note,
        other => {
            if let Some(path) = other.strip_prefix("found.") {
                let path = Path::parse(path).map_err(|e| format!("message: {{{other}}}: {e}"))?;
                Placeholder::Found(Some(path))
            } else if let Some(param) = other.strip_prefix("param.") {
                if !params.contains_key(param) {
                    let known: Vec<&str> = params.keys().map(String::as_str).collect();
                    return Err(format!(
                        "message: {{{other}}}: the rule has no parameter `{param}` (it has: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ));
                }
                Placeholder::Param(param.to_string())
            } else {
                return Err(format!(
                    "message: unknown placeholder `{{{other}}}`; use one of {}, found.PATH or param.NAME",
                    PLACEHOLDERS.join(", ")
                ));
            }
        }
    })
}

fn value_of(p: &Placeholder, f: &Finding, params: &BTreeMap<String, Value>) -> Option<String> {
    let text = |s: &str| Some(s.to_string());
    match p {
        Placeholder::ResourceId => text(&f.resource_id),
        Placeholder::ResourceName => f.resource_name.clone(),
        Placeholder::ResourceType => text(&f.resource_type),
        Placeholder::Arn => f.arn.clone(),
        Placeholder::Region => f.region.as_deref().map(str::to_string),
        Placeholder::Account => f.account.as_deref().map(str::to_string),
        Placeholder::RuleId => text(&f.rule_id),
        Placeholder::Title => text(&f.title),
        Placeholder::Severity => text(f.severity.as_str()),
        Placeholder::Service => text(&f.service),
        Placeholder::Path => text(&f.evidence.path),
        Placeholder::Expected => text(&f.evidence.expected),
        Placeholder::Note => f.evidence.note.clone(),
        Placeholder::Found(None) => f.evidence.found.as_ref().and_then(show),
        Placeholder::Found(Some(path)) => {
            let found = f.evidence.found.as_ref()?;
            let values: Vec<String> = path
                .resolve(found)
                .values
                .into_iter()
                .filter_map(show)
                .collect();
            (!values.is_empty()).then(|| values.join(", "))
        }
        Placeholder::Param(name) => params.get(name).and_then(show),
        Placeholder::Literal(text) => Some(text.clone()),
    }
}

/// A value as text: strings bare, lists joined, nothing for null or empty.
fn show(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(show).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Evidence, Severity, Status};
    use serde_json::json;
    use std::sync::Arc;

    fn finding(found: Value) -> Finding {
        Finding {
            finding_id: String::new(),
            rule_id: Arc::from("sg-no-world-open-ssh"),
            title: Arc::from("t"),
            severity: Severity::High,
            category: Arc::from("network"),
            frameworks: Arc::from(Vec::new()),
            service: Arc::from("ec2"),
            resource_type: Arc::from("AWS::EC2::SecurityGroup"),
            resource_id: "sg-0abc".into(),
            resource_name: Some("web".into()),
            arn: None,
            region: Some(Arc::from("eu-west-1")),
            account: None,
            status: Status::NonCompliant,
            criticality: 2.0,
            evidence: Evidence {
                path: Arc::from("configuration.ipPermissions[*]"),
                found: Some(found),
                missing: false,
                expected: Arc::from("no world-open 22"),
                note: None,
            },
            remediation: None,
            exemption: None,
            source: None,
            message: None,
            first_seen: None,
        }
    }

    #[test]
    fn fills_placeholders_alternatives_and_paths() {
        let mut params = BTreeMap::new();
        params.insert("ports".to_string(), json!([22]));
        let t = Template::parse(
            "Security group {resource_id} ({resource_name}) allows {found.ipRanges[*]|found.ipv4Ranges[*].cidrIp|found.ipv6Ranges[*].cidrIpv6} to port {found.fromPort}/{found.ipProtocol} {{{param.ports}}} in {account|region}",
            &params,
        )
        .unwrap();
        let f = finding(json!({"ipProtocol": "tcp", "fromPort": 22, "ipRanges": [],
            "ipv4Ranges": [{"cidrIp": "0.0.0.0/0"}], "ipv6Ranges": [{"cidrIpv6": "::/0"}]}));
        assert_eq!(
            t.render(&f, &params),
            "Security group sg-0abc (web) allows 0.0.0.0/0 to port 22/tcp {22} in eu-west-1"
        );
        let t = Template::parse("{found.toPort} {arn|'no ARN'}", &params).unwrap();
        assert_eq!(t.render(&f, &params), "? no ARN");
    }

    #[test]
    fn rejects_unknown_placeholders_and_stray_braces() {
        let params = BTreeMap::new();
        let e = Template::parse("{resource}", &params).unwrap_err();
        assert!(e.contains("unknown placeholder `{resource}`"), "{e}");
        let e = Template::parse("{param.ports}", &params).unwrap_err();
        assert!(e.contains("no parameter `ports`"), "{e}");
        assert!(Template::parse("{found.a[}", &params).is_err());
        assert!(Template::parse("open {resource_id", &params).is_err());
        assert!(Template::parse("close }", &params).is_err());
        assert_eq!(
            Template::parse("{{x}}", &params)
                .unwrap()
                .render(&finding(json!(1)), &params),
            "{x}"
        );
    }
}
