//! Findings: the outcome of one rule on one resource, with its evidence.
//!
//! This is the unit everything downstream consumes (scores, tables, JSON, history,
//! alerts), so it is self-contained: it carries the rule's severity, category and
//! frameworks and the resource's criticality, and a findings file can be scored or
//! re-rendered without the rules or the resources that produced it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The scoring weight DESIGN.md fixes: critical 10, high 5, medium 3, low 1, info 0.
    pub fn weight(self) -> f64 {
        match self {
            Severity::Critical => 10.0,
            Severity::High => 5.0,
            Severity::Medium => 3.0,
            Severity::Low => 1.0,
            Severity::Info => 0.0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown severity `{s}` (critical, high, medium, low, info)"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Compliant,
    NonCompliant,
    NotApplicable,
    Error,
    Exempted,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::NonCompliant,
        Status::Error,
        Status::Exempted,
        Status::Compliant,
        Status::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Compliant => "compliant",
            Status::NonCompliant => "non_compliant",
            Status::NotApplicable => "not_applicable",
            Status::Error => "error",
            Status::Exempted => "exempted",
        }
    }

    /// Non-compliant and error findings need attention; an error is never a pass.
    pub fn is_failing(self) -> bool {
        matches!(self, Status::NonCompliant | Status::Error)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown status `{s}`"))
    }
}

/// What was observed and what the rule wanted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The path that decided the outcome (shared with the rule: evidence of
    /// 100,000 findings must not copy the same text 100,000 times).
    pub path: Arc<str>,
    /// The value found there; absent when the path was missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<Value>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missing: bool,
    pub expected: Arc<str>,
    /// Extra explanation: an error message, the exemption applied, why not applicable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Evidence {
    pub fn note(
        path: impl Into<Arc<str>>,
        expected: impl Into<Arc<str>>,
        note: impl Into<String>,
    ) -> Evidence {
        Evidence {
            path: path.into(),
            found: None,
            missing: false,
            expected: expected.into(),
            note: Some(note.into()),
        }
    }

    /// One line for tables.
    pub fn summary(&self) -> String {
        let found = if self.missing {
            "missing".to_string()
        } else {
            match &self.found {
                Some(v) => crate::value::short(v, 120),
                None => "-".to_string(),
            }
        };
        // The expectation usually restates the path; say it once.
        let expected = self
            .expected
            .strip_prefix(&*self.path)
            .map(str::trim_start)
            .filter(|rest| !rest.is_empty())
            .unwrap_or(&*self.expected);
        let expected = expected.replace(&format!(" of {} where", self.path), " where");
        let expected = crate::value::short(&Value::String(expected), 160);
        let mut text = format!("{}: found {found}; expected {expected}", self.path);
        if let Some(note) = &self.note {
            text.push_str(&format!(" ({note})"));
        }
        text
    }
}

/// The exemption that turned a non-compliant finding into `exempted`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedExemption {
    pub reason: String,
    pub owner: String,
    pub expires: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The same rule on the same resource keeps this id across scans and
    /// versions (see [`finding_id`]); files written before it existed get it
    /// when read ([`crate::report::ScanReport::parse`]).
    #[serde(default)]
    pub finding_id: String,
    pub rule_id: Arc<str>,
    pub title: Arc<str>,
    pub severity: Severity,
    pub category: Arc<str>,
    #[serde(default)]
    pub frameworks: Arc<[String]>,
    pub service: Arc<str>,
    pub resource_type: Arc<str>,
    pub resource_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
    pub arn: Option<String>,
    pub region: Option<Arc<str>>,
    pub account: Option<Arc<str>>,
    pub status: Status,
    /// Resource criticality multiplier (high 3, medium 2, low 1 by default).
    pub criticality: f64,
    pub evidence: Evidence,
    pub remediation: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption: Option<Box<AppliedExemption>>,
    /// Where the resource came from (file and position, or the live collector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Arc<str>>,
    /// The rule's message template filled for this finding (non-compliant
    /// findings of rules with a template); see [`Finding::message_text`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When history first saw this violation, in its current unbroken run
    /// (ISO-8601 UTC); only where history is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
}

impl Finding {
    /// The scoring weight: severity weight × resource criticality.
    pub fn weight(&self) -> f64 {
        self.severity.weight() * self.criticality
    }

    /// The one sentence reports show: the rule's message, else the evidence.
    pub fn message_text(&self) -> std::borrow::Cow<'_, str> {
        match &self.message {
            Some(m) => std::borrow::Cow::Borrowed(m),
            None => std::borrow::Cow::Owned(self.evidence.summary()),
        }
    }

    /// What identifies the resource in [`finding_id`]: the ARN, else
    /// `resource_type/resource_id` (snapshot items may lack an ARN).
    pub fn resource_key(&self) -> String {
        resource_key(self.arn.as_deref(), &self.resource_type, &self.resource_id)
    }

    /// Sets [`Finding::finding_id`] from the rule and resource.
    pub fn with_id(mut self) -> Finding {
        self.set_id();
        self
    }

    pub fn set_id(&mut self) {
        self.finding_id = finding_id(
            &self.rule_id,
            self.account.as_deref(),
            self.region.as_deref(),
            &self.resource_key(),
        );
    }
}

/// See [`Finding::resource_key`].
pub fn resource_key(arn: Option<&str>, resource_type: &str, resource_id: &str) -> String {
    match arn {
        Some(arn) if !arn.is_empty() => arn.to_string(),
        _ => format!("{resource_type}/{resource_id}"),
    }
}

/// The stable id of a finding: the first 16 bytes of SHA-256 over
/// `rule_id`, account, region and resource key, each followed by a NUL byte
/// (absent account or region count as empty), as 32 lower-case hex digits.
/// The algorithm is part of `compliance.findings/v1` (docs/report-formats.md):
/// other tools may recompute it, and it must never change within v1.
pub fn finding_id(
    rule_id: &str,
    account: Option<&str>,
    region: Option<&str>,
    resource: &str,
) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for part in [
        rule_id,
        account.unwrap_or(""),
        region.unwrap_or(""),
        resource,
    ] {
        hash.update(part.as_bytes());
        hash.update([0u8]);
    }
    let digest = hash.finalize();
    let mut out = String::with_capacity(32);
    for b in &digest[..16] {
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0'));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_id_is_the_documented_hash() {
        // Recomputed independently: printf 'r\0001\000eu-west-1\000arn:x\000' | sha256sum | cut -c1-32
        assert_eq!(
            finding_id("r", Some("1"), Some("eu-west-1"), "arn:x"),
            "aabfac846a654bc4f48b48d181e79828"
        );
        assert_ne!(
            finding_id("r", Some("1"), Some("eu-west-1"), "arn:x"),
            finding_id("r", Some("1"), Some("eu-west-2"), "arn:x")
        );
        // Fields cannot run into each other.
        assert_ne!(
            finding_id("ab", None, Some("c"), "d"),
            finding_id("a", None, Some("bc"), "d")
        );
        assert_eq!(
            resource_key(None, "AWS::S3::Bucket", "b"),
            "AWS::S3::Bucket/b"
        );
    }
}
