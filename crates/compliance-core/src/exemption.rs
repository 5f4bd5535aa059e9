//! Exemptions (risk acceptances) applied to findings.
//!
//! An exemption turns a non-compliant finding into `exempted` (left out of the
//! score, still listed with its reason, owner and expiry) until the date it
//! expires. An expired exemption stops applying on the day after its expiry and is
//! reported, so an accepted risk cannot silently become permanent. Only
//! non-compliant findings are exempted: an error still means "we could not tell".

use crate::finding::{AppliedExemption, Finding, Status};
use crate::settings::ExemptionSpec;
use chrono::NaiveDate;
use globset::{Glob, GlobMatcher};
use regex::Regex;
use serde::{Deserialize, Serialize};

/// An exemption that has expired, for the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpiredExemption {
    pub rule: String,
    pub resource: String,
    pub reason: String,
    pub owner: String,
    pub expires: String,
    /// How many findings it would have covered.
    pub matched_findings: usize,
}

struct Compiled {
    spec: ExemptionSpec,
    rule: GlobMatcher,
    resource: Option<GlobMatcher>,
    regex: Option<Regex>,
    expired: bool,
    matched: usize,
}

/// Applies exemptions to findings in place and returns the expired ones.
/// `today` comes from the caller so the core stays pure and testable.
pub fn apply(
    specs: &[ExemptionSpec],
    findings: &mut [Finding],
    today: NaiveDate,
) -> Vec<ExpiredExemption> {
    let mut exemptions = Exemptions::new(specs, today);
    exemptions.apply(findings);
    exemptions.expired()
}

/// Compiled exemptions, applied batch by batch as a streamed scan produces
/// findings; the expired ones (with how much they would have covered) are
/// reported once at the end.
pub struct Exemptions {
    compiled: Vec<Compiled>,
}

impl Exemptions {
    pub fn new(specs: &[ExemptionSpec], today: NaiveDate) -> Exemptions {
        let compiled = specs
            .iter()
            .filter_map(|spec| {
                // Settings::parse validated these; an invalid one here matches nothing.
                Some(Compiled {
                    rule: Glob::new(&spec.rule).ok()?.compile_matcher(),
                    resource: match &spec.resource {
                        Some(r) => Some(Glob::new(r).ok()?.compile_matcher()),
                        None => None,
                    },
                    regex: match &spec.resource_regex {
                        Some(r) => Some(Regex::new(r).ok()?),
                        None => None,
                    },
                    expired: spec.expires < today,
                    matched: 0,
                    spec: spec.clone(),
                })
            })
            .collect();
        Exemptions { compiled }
    }

    pub fn apply(&mut self, findings: &mut [Finding]) {
        if self.compiled.is_empty() {
            return;
        }
        for finding in findings
            .iter_mut()
            .filter(|f| f.status == Status::NonCompliant)
        {
            for ex in self.compiled.iter_mut() {
                if !ex.matches(finding) {
                    continue;
                }
                ex.matched += 1;
                if !ex.expired {
                    finding.status = Status::Exempted;
                    finding.exemption = Some(Box::new(AppliedExemption {
                        reason: ex.spec.reason.clone(),
                        owner: ex.spec.owner.clone(),
                        expires: ex.spec.expires.to_string(),
                    }));
                    break;
                }
            }
        }
    }

    /// The exemptions past their expiry date.
    pub fn expired(&self) -> Vec<ExpiredExemption> {
        self.compiled
            .iter()
            .filter(|e| e.expired)
            .map(|e| ExpiredExemption {
                rule: e.spec.rule.clone(),
                resource: e
                    .spec
                    .resource
                    .clone()
                    .or(e.spec.resource_regex.clone().map(|r| format!("/{r}/")))
                    .unwrap_or_default(),
                reason: e.spec.reason.clone(),
                owner: e.spec.owner.clone(),
                expires: e.spec.expires.to_string(),
                matched_findings: e.matched,
            })
            .collect()
    }
}

impl Compiled {
    fn matches(&self, f: &Finding) -> bool {
        if !self.rule.is_match(f.rule_id.as_ref()) {
            return false;
        }
        let candidates = [f.arn.as_deref(), Some(f.resource_id.as_str())];
        let resource_ok = match &self.resource {
            Some(glob) => candidates.iter().flatten().any(|c| glob.is_match(c)),
            None => true,
        };
        let regex_ok = match &self.regex {
            Some(re) => re.is_match(f.arn.as_deref().unwrap_or(&f.resource_id)),
            None => true,
        };
        resource_ok && regex_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Evidence, Severity};
    use std::sync::Arc;

    fn finding(rule: &str, arn: &str, status: Status) -> Finding {
        Finding {
            finding_id: String::new(),
            rule_id: Arc::from(rule),
            title: Arc::from("t"),
            severity: Severity::High,
            category: Arc::from("c"),
            frameworks: Arc::from(Vec::new()),
            service: "s3".into(),
            resource_type: "AWS::S3::Bucket".into(),
            resource_id: arn.rsplit(':').next().unwrap().into(),
            resource_name: None,
            arn: Some(arn.into()),
            region: None,
            account: None,
            status,
            criticality: 2.0,
            evidence: Evidence::note("p", "e", "n"),
            remediation: None,
            exemption: None,
            source: None,
            message: None,
            first_seen: None,
        }
    }

    fn spec(
        rule: &str,
        resource: Option<&str>,
        regex: Option<&str>,
        expires: &str,
    ) -> ExemptionSpec {
        ExemptionSpec {
            rule: rule.into(),
            resource: resource.map(Into::into),
            resource_regex: regex.map(Into::into),
            reason: "accepted".into(),
            owner: "ops".into(),
            expires: expires.parse().unwrap(),
        }
    }

    #[test]
    fn active_exemptions_apply_and_expired_ones_are_listed() {
        let today: NaiveDate = "2026-11-22".parse().unwrap();
        let mut findings = vec![
            finding(
                "s3-versioning-enabled",
                "arn:aws:s3:::legacy",
                Status::NonCompliant,
            ),
            finding(
                "s3-versioning-enabled",
                "arn:aws:s3:::other",
                Status::NonCompliant,
            ),
            finding(
                "s3-versioning-enabled",
                "arn:aws:s3:::legacy2",
                Status::Compliant,
            ),
            finding(
                "sg-no-world-open-ssh",
                "arn:aws:ec2:eu-west-1:1:security-group/sg-01",
                Status::NonCompliant,
            ),
        ];
        let expired = apply(
            &[
                spec(
                    "s3-versioning-*",
                    Some("arn:aws:s3:::legacy*"),
                    None,
                    "2026-11-22",
                ),
                spec(
                    "sg-no-world-open-*",
                    None,
                    Some("security-group/sg-0.*"),
                    "2025-01-31",
                ),
            ],
            &mut findings,
            today,
        );
        assert_eq!(findings[0].status, Status::Exempted);
        assert_eq!(findings[0].exemption.as_ref().unwrap().owner, "ops");
        assert_eq!(findings[1].status, Status::NonCompliant);
        assert_eq!(findings[2].status, Status::Compliant);
        assert_eq!(
            findings[3].status,
            Status::NonCompliant,
            "expired exemptions stop applying"
        );
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].matched_findings, 1);
        assert_eq!(expired[0].resource, "/security-group/sg-0.*/");
    }
}
