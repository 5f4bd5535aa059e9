//! Rule files: parsing, validation and compilation of one TOML rule.
//!
//! Rules are data so that a compliance team can read, review and add them
//! without touching Rust. Every error names the file, line and column and, where
//! known, the rule id, because the person fixing it is editing that file. The
//! format is specified in docs/rule-format.md.

use crate::condition::{self, compile, toml_to_json, Condition, RawCondition};
use crate::finding::{Severity, Status};
use crate::message::Template;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;
use toml::Spanned;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}:{column}: {}{message}", rule_id.as_ref().map(|r| format!("rule `{r}`: ")).unwrap_or_default())]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub rule_id: Option<String>,
    pub message: String,
}

/// The AWS managed Config rule that setup deploys for this rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigRuleSpec {
    pub identifier: String,
    #[serde(default)]
    pub periodic: bool,
    #[serde(default)]
    pub parameters: toml::Table,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Docs {
    pub why: String,
    pub fix: String,
    #[serde(default)]
    pub references: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OnMissing {
    NonCompliant,
    Compliant,
    NotApplicable,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTest {
    name: Option<String>,
    expect: Status,
    params: Option<toml::Table>,
    resource: toml::Value,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    title: String,
    #[serde(alias = "resource_type")]
    resource_types: Spanned<OneOrMany>,
    severity: Severity,
    category: String,
    #[serde(default)]
    frameworks: Vec<String>,
    remediation: Option<Spanned<String>>,
    on_missing: Option<OnMissing>,
    message: Option<Spanned<String>>,
    config_rule: Option<ConfigRuleSpec>,
    #[serde(default)]
    params: toml::Table,
    applies_when: Option<Spanned<RawCondition>>,
    check: Spanned<RawCondition>,
    docs: Docs,
    #[serde(default, rename = "test")]
    tests: Vec<Spanned<RawTest>>,
}

/// One inline test of a rule.
#[derive(Debug, Clone)]
pub struct RuleTest {
    pub name: String,
    pub expect: Status,
    pub params: Option<BTreeMap<String, Value>>,
    pub resource: Value,
    pub line: usize,
}

/// A parsed, validated rule. Conditions are kept raw and compiled per parameter set.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub title: Arc<str>,
    pub resource_types: Vec<String>,
    pub severity: Severity,
    pub category: Arc<str>,
    pub frameworks: Arc<[String]>,
    pub remediation: Option<Arc<str>>,
    /// The outcome when the check cannot see its path.
    pub on_missing: Status,
    /// The sentence a non-compliant finding shows (crate::message).
    pub message: Option<Template>,
    pub config_rule: Option<ConfigRuleSpec>,
    pub params: BTreeMap<String, Value>,
    pub docs: Docs,
    pub tests: Vec<RuleTest>,
    /// The file the rule came from (`embedded:rules/s3/…` for built-in ones).
    pub file: String,
    text: Arc<str>,
    applies_when: Option<Spanned<RawCondition>>,
    check: Spanned<RawCondition>,
}

/// A rule with its parameters substituted and conditions compiled.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub rule: Arc<Rule>,
    pub params: BTreeMap<String, Value>,
    pub applies_when: Option<Condition>,
    pub check: Condition,
}

/// A TOML error message on one line, with a "did you mean" for unknown keys.
pub fn toml_message(e: &toml::de::Error) -> String {
    let message = e.message().trim().replace('\n', "; ");
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message;
    };
    let Some((unknown, expected)) = rest.split_once("`, expected one of ") else {
        return message;
    };
    let best = expected
        .split(", ")
        .map(|k| k.trim_matches('`'))
        .map(|k| (strsim::damerau_levenshtein(unknown, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min();
    match best {
        Some((_, k)) => {
            format!("unknown key `{unknown}` (did you mean `{k}`?); expected one of {expected}")
        }
        None => format!("unknown key `{unknown}`; expected one of {expected}"),
    }
}

/// Line and column (1-based) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    // An offset inside a multi-byte character counts as that character's start.
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

impl Rule {
    /// Parses and validates one rule file. `file` names it in errors; its stem must
    /// equal the rule id.
    pub fn parse(file: &str, text: &str) -> Result<Rule, RuleError> {
        let error_at = |span: Option<Range<usize>>, rule_id: Option<String>, message: String| {
            let (line, column) = span.map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            RuleError {
                file: file.to_string(),
                line,
                column,
                rule_id,
                message,
            }
        };
        let raw: RawRule =
            toml::from_str(text).map_err(|e| error_at(e.span(), None, toml_message(&e)))?;
        let id = raw.id.get_ref().clone();
        let id_span = raw.id.span();
        let fail =
            |span: Range<usize>, message: String| error_at(Some(span), Some(id.clone()), message);
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(fail(
                id_span,
                format!("id `{id}` must be lower-case letters, digits and dashes"),
            ));
        }
        let stem = std::path::Path::new(file)
            .file_stem()
            .and_then(|s| s.to_str());
        if let Some(stem) = stem {
            if stem != id {
                return Err(fail(id_span, format!("id `{id}` differs from the file name `{stem}.toml`; one rule per file, named by its id")));
            }
        }
        let types_span = raw.resource_types.span();
        let resource_types = match raw.resource_types.into_inner() {
            OneOrMany::One(t) => vec![t],
            OneOrMany::Many(list) => list,
        };
        if resource_types.is_empty() || resource_types.iter().any(|t| t.split("::").count() != 3) {
            return Err(fail(
                types_span,
                "resource_types must list AWS Config types such as `AWS::S3::Bucket`".into(),
            ));
        }
        for (field, value) in [
            ("title", &raw.title),
            ("category", &raw.category),
            ("docs.why", &raw.docs.why),
            ("docs.fix", &raw.docs.fix),
        ] {
            if value.trim().is_empty() {
                return Err(fail(
                    id_span.clone(),
                    format!("`{field}` must not be empty"),
                ));
            }
        }
        // A remediation id must name a registered action for the rule's type,
        // so a typo cannot turn a fix into a silent no-op.
        let remediation = match raw.remediation {
            None => None,
            Some(r) => {
                let span = r.span();
                let name = r.into_inner();
                let Some(action) = crate::remediation::lookup(&name) else {
                    return Err(fail(
                        span,
                        format!(
                            "unknown remediation action `{name}`; known actions: {}",
                            crate::remediation::ids().join(", ")
                        ),
                    ));
                };
                if action.risk != crate::remediation::Risk::Manual
                    && !resource_types.iter().any(|t| t == action.resource_type)
                {
                    return Err(fail(
                        span,
                        format!(
                            "remediation action `{name}` changes {} resources, which this rule does not judge",
                            action.resource_type
                        ),
                    ));
                }
                Some(Arc::from(name))
            }
        };
        let params: BTreeMap<String, Value> = raw
            .params
            .iter()
            .map(|(k, v)| (k.clone(), toml_to_json(v)))
            .collect();
        let message = match raw.message {
            Some(m) => {
                let span = m.span();
                Some(Template::parse(m.get_ref(), &params).map_err(|e| fail(span, e))?)
            }
            None => None,
        };
        let mut tests = Vec::new();
        for (i, t) in raw.tests.into_iter().enumerate() {
            let (line, _) = line_col(text, t.span().start);
            let t = t.into_inner();
            if matches!(t.expect, Status::Exempted) {
                return Err(error_at(
                    None,
                    Some(id.clone()),
                    format!(
                        "test {}: `exempted` comes from compliance.toml, not from a rule",
                        i + 1
                    ),
                ));
            }
            if !t.resource.is_table() {
                return Err(RuleError {
                    file: file.to_string(),
                    line,
                    column: 1,
                    rule_id: Some(id.clone()),
                    message: format!(
                        "test {}: `resource` must be a table (a configuration item)",
                        i + 1
                    ),
                });
            }
            tests.push(RuleTest {
                name: t.name.unwrap_or_else(|| format!("test {}", i + 1)),
                expect: t.expect,
                params: t.params.map(|p| {
                    p.iter()
                        .map(|(k, v)| (k.clone(), toml_to_json(v)))
                        .collect()
                }),
                resource: toml_to_json(&t.resource),
                line,
            });
        }
        let rule = Rule {
            id: id.clone(),
            title: Arc::from(raw.title),
            resource_types,
            severity: raw.severity,
            category: Arc::from(raw.category),
            frameworks: Arc::from(raw.frameworks),
            remediation,
            on_missing: match raw.on_missing.unwrap_or(OnMissing::NonCompliant) {
                OnMissing::NonCompliant => Status::NonCompliant,
                OnMissing::Compliant => Status::Compliant,
                OnMissing::NotApplicable => Status::NotApplicable,
            },
            message,
            config_rule: raw.config_rule,
            params,
            docs: raw.docs,
            tests,
            file: file.to_string(),
            text: Arc::from(text),
            applies_when: raw.applies_when,
            check: raw.check,
        };
        // Compiling with the defaults validates paths, operators and parameters now,
        // not at the first resource. Defaults that live in SSM cannot be checked offline.
        match rule.compile(None) {
            Err(e) if !e.message.contains("SSM Parameter Store") => Err(e),
            _ => Ok(rule),
        }
    }

    /// Compiles the conditions with the default parameters overlaid by `overrides`.
    pub fn compile(
        &self,
        overrides: Option<&BTreeMap<String, Value>>,
    ) -> Result<CompiledRule, RuleError> {
        let mut params = self.params.clone();
        if let Some(overrides) = overrides {
            for (k, v) in overrides {
                params.insert(k.clone(), v.clone());
            }
        }
        let to_error = |e: condition::CompileError| {
            let (line, column) = e
                .span
                .map(|s| line_col(&self.text, s.start))
                .unwrap_or((1, 1));
            RuleError {
                file: self.file.clone(),
                line,
                column,
                rule_id: Some(self.id.clone()),
                message: e.message,
            }
        };
        let check = compile(&self.check, &params).map_err(to_error)?;
        let applies_when = self
            .applies_when
            .as_ref()
            .map(|c| compile(c, &params))
            .transpose()
            .map_err(to_error)?;
        Ok(CompiledRule {
            rule: Arc::new(self.clone()),
            params,
            applies_when,
            check,
        })
    }

    pub fn applies_to(&self, resource_type: &str) -> bool {
        self.resource_types.iter().any(|t| t == resource_type)
    }

    /// Description of the check, for `rules explain`.
    pub fn check_description(&self) -> Option<String> {
        self.compile(None)
            .ok()
            .map(|c| c.check.description().to_string())
    }

    pub fn scope_description(&self) -> Option<String> {
        self.compile(None)
            .ok()
            .and_then(|c| c.applies_when.map(|a| a.description().to_string()))
    }

    /// The Config rule's input parameters with `$name` replaced by parameter values;
    /// lists are joined with commas, as AWS Config takes them.
    pub fn config_rule_parameters(
        &self,
        params: &BTreeMap<String, Value>,
    ) -> BTreeMap<String, String> {
        let Some(spec) = &self.config_rule else {
            return BTreeMap::new();
        };
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| i.to_string())
                })
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        spec.parameters
            .iter()
            .filter_map(|(k, v)| {
                let value = match v {
                    toml::Value::String(s) if s.starts_with('$') => {
                        params.get(&s[1..]).map(text)?
                    }
                    other => text(&toml_to_json(other)),
                };
                (!value.is_empty()).then(|| (k.clone(), value))
            })
            .collect()
    }
}

impl CompiledRule {
    pub fn id(&self) -> &str {
        &self.rule.id
    }

    /// Every item path the check and scope read.
    pub fn paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.check.paths(&mut out);
        if let Some(scope) = &self.applies_when {
            scope.paths(&mut out);
        }
        out.sort();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "demo-rule"
title = "Demo"
resource_type = "AWS::S3::Bucket"
severity = "high"
category = "encryption"
frameworks = ["SOC2:CC6.1"]
config_rule = { identifier = "S3_X", parameters = { list = "$algs", fixed = "1" } }

[params]
algs = ["AES256", "aws:kms"]

[check]
path = "supplementaryConfiguration.ServerSideEncryptionConfiguration.rules[*].applyServerSideEncryptionByDefault.sseAlgorithm"
in = "$algs"

[docs]
why = "w"
fix = "f"

[[test]]
expect = "non_compliant"
resource = { resourceType = "AWS::S3::Bucket", resourceId = "b" }
"#;

    #[test]
    fn parses_a_rule() {
        let r = Rule::parse("rules/s3/demo-rule.toml", GOOD).unwrap();
        assert_eq!(r.resource_types, ["AWS::S3::Bucket"]);
        assert_eq!(r.tests.len(), 1);
        assert_eq!(r.tests[0].line, 21);
        let p = r.config_rule_parameters(&r.params);
        assert_eq!(p["list"], "AES256,aws:kms");
        assert_eq!(p["fixed"], "1");
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = Rule::parse("x/demo-rule.toml", &GOOD.replace("severity", "severty")).unwrap_err();
        assert_eq!(e.file, "x/demo-rule.toml");
        assert_eq!(e.line, 5);
        assert!(e.message.contains("severty"), "{}", e.message);
        assert!(
            e.message.contains("did you mean `severity`?"),
            "{}",
            e.message
        );

        let e = Rule::parse(
            "x/demo-rule.toml",
            &GOOD.replace("in = \"$algs\"", "greater_than = 3"),
        )
        .unwrap_err();
        assert!(e.message.contains("greater_than"), "{}", e.message);
        assert_eq!(e.line, 15, "{e}");

        let e =
            Rule::parse("x/demo-rule.toml", &GOOD.replace("$algs\"\n", "$nope\"\n")).unwrap_err();
        assert!(e.message.contains("unknown parameter `nope`"), "{e}");
        assert_eq!(e.line, 13);
        assert_eq!(e.rule_id.as_deref(), Some("demo-rule"));

        let e = Rule::parse("x/other.toml", GOOD).unwrap_err();
        assert!(e.message.contains("file name"), "{e}");

        let e = Rule::parse("x/demo-rule.toml", "id = \"demo-rule\"\ntitle = [").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn an_offset_inside_a_character_points_at_that_character() {
        assert_eq!(line_col("é\nxé", 1), (1, 1));
        assert_eq!(line_col("é\nxé", 5), (2, 2));
        assert_eq!(line_col("é\nxé", 99), (2, 3));
    }

    #[test]
    fn overrides_replace_defaults() {
        let r = Rule::parse("demo-rule.toml", GOOD).unwrap();
        let mut o = BTreeMap::new();
        o.insert("algs".to_string(), serde_json::json!(["aws:kms"]));
        let c = r.compile(Some(&o)).unwrap();
        assert!(c.check.description().contains("aws:kms"));
        assert!(!c.check.description().contains("AES256"));
    }
}
