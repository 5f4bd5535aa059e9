//! Scoring, exactly as DESIGN.md defines it.
//!
//! Each evaluation weighs severity weight × resource criticality. The score is
//! 100 × compliant weight / (compliant + non-compliant weight). Not-applicable and
//! exempted evaluations are left out; errors are counted beside the score and never
//! as compliant. A group with nothing to weigh has no score (`null`), not 100 and
//! not 0, so an empty scan cannot look perfect or alarming.

use crate::finding::{Finding, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::str::FromStr;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupScore {
    /// 0–100, rounded to one decimal; `None` when nothing was weighed.
    pub score: Option<f64>,
    pub compliant: usize,
    pub non_compliant: usize,
    pub error: usize,
    pub exempted: usize,
    pub not_applicable: usize,
    pub compliant_weight: f64,
    pub non_compliant_weight: f64,
}

impl GroupScore {
    fn add(&mut self, f: &Finding) {
        match f.status {
            Status::Compliant => {
                self.compliant += 1;
                self.compliant_weight += f.weight();
            }
            Status::NonCompliant => {
                self.non_compliant += 1;
                self.non_compliant_weight += f.weight();
            }
            Status::Error => self.error += 1,
            Status::Exempted => self.exempted += 1,
            Status::NotApplicable => self.not_applicable += 1,
        }
    }

    fn finish(&mut self) {
        let total = self.compliant_weight + self.non_compliant_weight;
        self.score = (total > 0.0).then(|| (1000.0 * self.compliant_weight / total).round() / 10.0);
        self.compliant_weight = round2(self.compliant_weight);
        self.non_compliant_weight = round2(self.non_compliant_weight);
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreCard {
    pub overall: Option<f64>,
    pub threshold: f64,
    /// True when there is a score and it is below the threshold.
    pub below_threshold: bool,
    pub totals: GroupScore,
    pub by_service: BTreeMap<String, GroupScore>,
    pub by_severity: BTreeMap<String, GroupScore>,
    pub by_category: BTreeMap<String, GroupScore>,
    pub by_framework: BTreeMap<String, GroupScore>,
    pub by_rule: BTreeMap<String, GroupScore>,
    /// By AWS account, for findings that name one (live and organisation
    /// scans); absent from documents of scans that named none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_account: BTreeMap<String, GroupScore>,
}

/// The groupings `score --by` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Service,
    Severity,
    Category,
    Framework,
    Rule,
    Account,
}

impl Grouping {
    pub const NAMES: [&'static str; 6] = [
        "service",
        "severity",
        "category",
        "framework",
        "rule",
        "account",
    ];
}

impl FromStr for Grouping {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "service" => Grouping::Service,
            "severity" => Grouping::Severity,
            "category" => Grouping::Category,
            "framework" => Grouping::Framework,
            "rule" => Grouping::Rule,
            "account" => Grouping::Account,
            other => {
                return Err(format!(
                    "unknown grouping `{other}` ({})",
                    Grouping::NAMES.join(", ")
                ))
            }
        })
    }
}

impl ScoreCard {
    pub fn group(&self, g: Grouping) -> &BTreeMap<String, GroupScore> {
        match g {
            Grouping::Service => &self.by_service,
            Grouping::Severity => &self.by_severity,
            Grouping::Category => &self.by_category,
            Grouping::Framework => &self.by_framework,
            Grouping::Rule => &self.by_rule,
            Grouping::Account => &self.by_account,
        }
    }
}

/// The score of one set of findings (a resource's, say), by the same formula.
pub fn score_of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Option<f64> {
    let mut group = GroupScore::default();
    findings.into_iter().for_each(|f| group.add(f));
    group.finish();
    group.score
}

/// Scores findings. Frameworks group by their prefix (`SOC2:CC6.1` → `SOC2`).
pub fn score(findings: &[Finding], threshold: f64) -> ScoreCard {
    let mut builder = ScoreBuilder::default();
    findings.iter().for_each(|f| builder.add(f));
    builder.finish(threshold)
}

/// A score card built one finding at a time, so a streamed scan never holds
/// its findings to score them.
#[derive(Debug, Clone, Default)]
pub struct ScoreBuilder {
    totals: GroupScore,
    by_service: BTreeMap<String, GroupScore>,
    by_severity: BTreeMap<String, GroupScore>,
    by_category: BTreeMap<String, GroupScore>,
    by_framework: BTreeMap<String, GroupScore>,
    by_rule: BTreeMap<String, GroupScore>,
    by_account: BTreeMap<String, GroupScore>,
}

impl ScoreBuilder {
    pub fn add(&mut self, f: &Finding) {
        self.totals.add(f);
        group(&mut self.by_service, &f.service).add(f);
        group(&mut self.by_severity, f.severity.as_str()).add(f);
        group(&mut self.by_category, &f.category).add(f);
        group(&mut self.by_rule, &f.rule_id).add(f);
        if let Some(account) = &f.account {
            group(&mut self.by_account, account).add(f);
        }
        let mut seen: Vec<&str> = Vec::new();
        for fw in f.frameworks.iter() {
            let name = fw.split(':').next().unwrap_or(fw);
            if !seen.contains(&name) {
                seen.push(name);
                group(&mut self.by_framework, name).add(f);
            }
        }
    }

    pub fn finish(self, threshold: f64) -> ScoreCard {
        let mut card = ScoreCard {
            overall: None,
            threshold,
            below_threshold: false,
            totals: self.totals,
            by_service: self.by_service,
            by_severity: self.by_severity,
            by_category: self.by_category,
            by_framework: self.by_framework,
            by_rule: self.by_rule,
            by_account: self.by_account,
        };
        card.totals.finish();
        for map in [
            &mut card.by_service,
            &mut card.by_severity,
            &mut card.by_category,
            &mut card.by_framework,
            &mut card.by_rule,
            &mut card.by_account,
        ] {
            map.values_mut().for_each(GroupScore::finish);
        }
        card.overall = card.totals.score;
        card.below_threshold = card.overall.is_some_and(|s| s < threshold);
        card
    }
}

/// The group of `key`, allocating its name only the first time it is seen.
fn group<'m>(map: &'m mut BTreeMap<String, GroupScore>, key: &str) -> &'m mut GroupScore {
    if !map.contains_key(key) {
        map.insert(key.to_string(), GroupScore::default());
    }
    map.get_mut(key).expect("just inserted")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Evidence, Severity};
    use std::sync::Arc;

    fn f(sev: Severity, crit: f64, status: Status, service: &str) -> Finding {
        Finding {
            finding_id: String::new(),
            rule_id: Arc::from("r"),
            title: Arc::from("t"),
            severity: sev,
            category: Arc::from("c"),
            frameworks: Arc::from(vec![
                "SOC2:CC6.1".to_string(),
                "SOC2:CC6.7".to_string(),
                "PCI-DSS-4.0:3.5.1".to_string(),
            ]),
            service: service.into(),
            resource_type: "AWS::S3::Bucket".into(),
            resource_id: "b".into(),
            resource_name: None,
            arn: None,
            region: None,
            account: None,
            status,
            criticality: crit,
            evidence: Evidence::note("p", "e", "n"),
            remediation: None,
            exemption: None,
            source: None,
            message: None,
            first_seen: None,
        }
    }

    #[test]
    fn weighted_score_as_designed() {
        // compliant: critical×high(3) = 30; non-compliant: high×medium(2) = 10, low×low(1) = 1.
        let findings = vec![
            f(Severity::Critical, 3.0, Status::Compliant, "s3"),
            f(Severity::High, 2.0, Status::NonCompliant, "s3"),
            f(Severity::Low, 1.0, Status::NonCompliant, "ec2"),
            f(Severity::Critical, 3.0, Status::Exempted, "ec2"),
            f(Severity::Critical, 3.0, Status::NotApplicable, "ec2"),
            f(Severity::Critical, 3.0, Status::Error, "ec2"),
            f(Severity::Info, 3.0, Status::NonCompliant, "ec2"),
        ];
        let card = score(&findings, 70.0);
        assert_eq!(card.overall, Some(73.2)); // 30 / 41
        assert!(!card.below_threshold);
        assert_eq!(card.totals.error, 1);
        assert_eq!(card.totals.exempted, 1);
        assert_eq!(card.by_service["s3"].score, Some(75.0));
        assert_eq!(card.by_service["ec2"].score, Some(0.0));
        assert_eq!(
            card.by_framework["SOC2"].compliant, 1,
            "one finding counts once per framework"
        );
        assert!(card.by_framework.contains_key("PCI-DSS-4.0"));
        assert!(score(&findings, 80.0).below_threshold);
    }

    #[test]
    fn scores_by_account_when_findings_name_one() {
        let mut a = f(Severity::High, 2.0, Status::Compliant, "s3");
        a.account = Some("111122223333".into());
        let mut b = f(Severity::High, 2.0, Status::NonCompliant, "s3");
        b.account = Some("444455556666".into());
        let card = score(&[a, b], 70.0);
        assert_eq!(card.by_account["111122223333"].score, Some(100.0));
        assert_eq!(card.by_account["444455556666"].score, Some(0.0));
        let without = score(&[f(Severity::High, 2.0, Status::Compliant, "s3")], 70.0);
        assert!(without.by_account.is_empty());
        let json = serde_json::to_value(&without).unwrap();
        assert!(
            json.get("by_account").is_none(),
            "older documents keep their shape"
        );
    }

    #[test]
    fn nothing_weighed_means_no_score() {
        let card = score(&[f(Severity::High, 2.0, Status::NotApplicable, "s3")], 70.0);
        assert_eq!(card.overall, None);
        assert!(!card.below_threshold);
        assert_eq!(score(&[], 70.0).overall, None);
    }
}
