//! `compliance.toml`: the operator's parameters, rule switches, scoring knobs and
//! exemptions (risk acceptances).
//!
//! The file is optional; every value has a default from DESIGN.md. Unknown keys are
//! errors with a line and column, because a misspelt exemption field that is
//! silently ignored would hide a real violation or accept a risk nobody approved.

use crate::finding::Severity;
use crate::rule::line_col;
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct SettingsError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub scoring: Scoring,
    /// Per-rule switches and parameter overrides, by rule id.
    pub rules: BTreeMap<String, RuleSettings>,
    pub exemptions: Vec<ExemptionSpec>,
    /// Tags for every resource setup creates (Owner, Environment, CostCenter, ComplianceLevel).
    pub tags: BTreeMap<String, String>,
    /// The monitoring stack the file's commands mean when `--suffix` is not given.
    pub stack: StackSettings,
}

/// `[stack]`: which monitoring stack (`setup`, `status`, `teardown`) this file belongs to.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StackSettings {
    /// Used when neither `--suffix` nor `COMPLIANCE_SUFFIX` names a stack.
    pub suffix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scoring {
    /// Below this score a scan raises a critical alert.
    pub threshold: f64,
    /// The tag whose value gives a resource's criticality.
    pub criticality_tag: String,
    /// Tag value (case-insensitive) → multiplier; `default` for untagged or unknown values.
    pub criticality: BTreeMap<String, f64>,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            threshold: 70.0,
            criticality_tag: "Criticality".into(),
            criticality: [
                ("high", 3.0),
                ("medium", 2.0),
                ("low", 1.0),
                ("default", 2.0),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        }
    }
}

impl Scoring {
    /// The multiplier for a resource with the given tag value.
    pub fn criticality_of(&self, tag_value: Option<&str>) -> f64 {
        let default = self.criticality.get("default").copied().unwrap_or(2.0);
        match tag_value {
            Some(v) => self
                .criticality
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(v.trim()))
                .map(|(_, m)| *m)
                .unwrap_or(default),
            None => default,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSettings {
    #[serde(default = "yes")]
    pub enabled: bool,
    pub severity: Option<Severity>,
    #[serde(default, deserialize_with = "json_table")]
    pub params: BTreeMap<String, Value>,
}

fn yes() -> bool {
    true
}

/// A risk acceptance: matching non-compliant findings become `exempted` until it expires.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExemptionSpec {
    /// Rule id or glob (`sg-no-world-open-*`).
    pub rule: String,
    /// Exact resource ARN or id, or a glob over them.
    pub resource: Option<String>,
    /// Regular expression over the ARN (or the id when the ARN is unknown).
    pub resource_regex: Option<String>,
    pub reason: String,
    pub owner: String,
    #[serde(deserialize_with = "date")]
    pub expires: NaiveDate,
}

fn json_table<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Value>, D::Error> {
    let table = toml::Table::deserialize(d)?;
    Ok(table
        .iter()
        .map(|(k, v)| (k.clone(), crate::condition::toml_to_json(v)))
        .collect())
}

fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let v = toml::Value::deserialize(d)?;
    let text = match &v {
        toml::Value::Datetime(dt) => dt.to_string(),
        toml::Value::String(s) => s.clone(),
        other => {
            return Err(serde::de::Error::custom(format!(
                "`expires` must be a date like 2027-06-30, got {other}"
            )))
        }
    };
    let day = text.get(..10).unwrap_or(&text);
    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
        serde::de::Error::custom(format!(
            "`expires` must be a date like 2027-06-30, got `{text}`"
        ))
    })
}

impl Settings {
    pub fn parse(file: &str, text: &str) -> Result<Settings, SettingsError> {
        let settings: Settings = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            SettingsError {
                file: file.to_string(),
                line,
                column,
                message: crate::rule::toml_message(&e),
            }
        })?;
        // The n-th `[[exemptions]]` header, so a message points at the entry at fault.
        let locate = |n: usize| {
            text.match_indices("[[exemptions]]")
                .nth(n)
                .map(|(offset, _)| line_col(text, offset))
                .unwrap_or((1, 1))
        };
        for (i, ex) in settings.exemptions.iter().enumerate() {
            let fail = |message: String| {
                let (line, column) = locate(i);
                SettingsError {
                    file: file.to_string(),
                    line,
                    column,
                    message: format!("exemption {}: {message}", i + 1),
                }
            };
            if ex.resource.is_none() && ex.resource_regex.is_none() {
                return Err(fail("needs `resource` (ARN, id or glob) or `resource_regex`; an exemption for every resource is a disabled rule: use [rules.ID] enabled = false".into()));
            }
            if ex.reason.trim().is_empty() || ex.owner.trim().is_empty() {
                return Err(fail("`reason` and `owner` must not be empty".into()));
            }
            if let Some(re) = &ex.resource_regex {
                regex::Regex::new(re).map_err(|e| fail(format!("`resource_regex`: {e}")))?;
            }
            globset::Glob::new(&ex.rule).map_err(|e| fail(format!("`rule`: {e}")))?;
        }
        Ok(settings)
    }

    /// The effective parameter overrides of a rule.
    pub fn params_for(&self, rule_id: &str) -> Option<&BTreeMap<String, Value>> {
        self.rules
            .get(rule_id)
            .map(|r| &r.params)
            .filter(|p| !p.is_empty())
    }

    pub fn is_enabled(&self, rule_id: &str) -> bool {
        self.rules.get(rule_id).map(|r| r.enabled).unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_suffix_is_read_and_misspelt_keys_refused() {
        let s = Settings::parse("c.toml", "[stack]\nsuffix = \"dev\"\n").unwrap();
        assert_eq!(s.stack.suffix.as_deref(), Some("dev"));
        assert_eq!(Settings::parse("c.toml", "").unwrap().stack.suffix, None);
        let e = Settings::parse("c.toml", "[stack]\nsufix = \"dev\"\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn defaults_follow_design() {
        let s = Settings::parse("c.toml", "").unwrap();
        assert_eq!(s.scoring.threshold, 70.0);
        assert_eq!(s.scoring.criticality_of(Some("HIGH")), 3.0);
        assert_eq!(s.scoring.criticality_of(Some("low")), 1.0);
        assert_eq!(s.scoring.criticality_of(None), 2.0);
        assert_eq!(s.scoring.criticality_of(Some("weird")), 2.0);
    }

    #[test]
    fn full_file() {
        let s = Settings::parse(
            "c.toml",
            r#"
[scoring]
threshold = 80
criticality_tag = "Tier"
[scoring.criticality]
gold = 5
default = 1

[rules.rds-backup-enabled.params]
min_retention_days = 14
[rules.cfn-stack-no-drift]
enabled = false

[[exemptions]]
rule = "s3-*"
resource = "arn:aws:s3:::legacy"
reason = "migrating"
owner = "ops@example.com"
expires = 2027-06-30
"#,
        )
        .unwrap();
        assert_eq!(s.scoring.criticality_of(Some("gold")), 5.0);
        assert_eq!(
            s.params_for("rds-backup-enabled").unwrap()["min_retention_days"],
            14
        );
        assert!(!s.is_enabled("cfn-stack-no-drift"));
        assert!(s.is_enabled("other"));
        assert_eq!(
            s.exemptions[0].expires,
            NaiveDate::from_ymd_opt(2027, 6, 30).unwrap()
        );
    }

    #[test]
    fn errors_point_at_the_line() {
        let e = Settings::parse("c.toml", "[scoring]\nthreshhold = 3\n").unwrap_err();
        assert_eq!((e.line, e.file.as_str()), (2, "c.toml"));
        assert!(e.message.contains("threshhold"));
        let e = Settings::parse(
            "c.toml",
            "\n[[exemptions]]\nrule = \"x\"\nresource = \"r\"\nreason = \"r\"\nowner = \"o\"\n",
        )
        .unwrap_err();
        assert!(e.message.contains("expires"), "{e}");
        let e = Settings::parse(
            "c.toml",
            "[[exemptions]]\nrule = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2027-01-01\"\n",
        )
        .unwrap_err();
        assert!(e.message.contains("resource"), "{e}");
        assert_eq!(e.line, 1);
    }
}
