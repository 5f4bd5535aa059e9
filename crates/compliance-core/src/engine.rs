//! The rule engine: evaluates the compiled catalogue against configuration items.
//!
//! Rules are indexed by resource type once, so each item meets only the rules that
//! concern it; a 100,000-item snapshot costs one pass. A rule that cannot be
//! compiled with the operator's parameters (say an SSM parameter in an offline
//! scan) still yields one `error` finding per resource it would have judged, so a
//! broken rule is visible and never reads as compliant.

use crate::condition::{Found, Truth, Witness};
use crate::finding::{Evidence, Finding, Status};
use crate::resource::ConfigItem;
use crate::rule::{CompiledRule, Rule, RuleError};
use crate::settings::Settings;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// A rule ready to run, or the reason it cannot.
#[derive(Debug, Clone)]
enum Entry {
    Ready(Box<CompiledRule>),
    Broken { rule: Arc<Rule>, error: RuleError },
}

impl Entry {
    fn rule(&self) -> &Rule {
        match self {
            Entry::Ready(c) => &c.rule,
            Entry::Broken { rule, .. } => rule,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Engine {
    entries: Vec<Entry>,
    by_type: HashMap<String, Vec<usize>>,
    settings: Settings,
}

impl Engine {
    /// Compiles every enabled rule with its parameters from `settings`.
    pub fn new(rules: &[Arc<Rule>], settings: &Settings) -> Engine {
        let mut entries = Vec::new();
        let mut by_type: HashMap<String, Vec<usize>> = HashMap::new();
        for rule in rules.iter().filter(|r| settings.is_enabled(&r.id)) {
            let mut rule = rule.clone();
            if let Some(severity) = settings.rules.get(&rule.id).and_then(|r| r.severity) {
                Arc::make_mut(&mut rule).severity = severity;
            }
            let entry = match rule.compile(settings.params_for(&rule.id)) {
                Ok(compiled) => Entry::Ready(Box::new(compiled)),
                Err(error) => Entry::Broken { rule, error },
            };
            for t in &entry.rule().resource_types {
                by_type.entry(t.clone()).or_default().push(entries.len());
            }
            entries.push(entry);
        }
        Engine {
            entries,
            by_type,
            settings: settings.clone(),
        }
    }

    /// Rules that could not be compiled, with the reason.
    pub fn broken_rules(&self) -> Vec<&RuleError> {
        self.entries
            .iter()
            .filter_map(|e| match e {
                Entry::Broken { error, .. } => Some(error),
                _ => None,
            })
            .collect()
    }

    pub fn rule_count(&self) -> usize {
        self.entries.len()
    }

    /// How many findings an item of this type yields (for exact allocations).
    pub fn rules_for(&self, resource_type: &str) -> usize {
        self.by_type.get(resource_type).map(Vec::len).unwrap_or(0)
    }

    /// The resource types at least one rule judges.
    pub fn resource_types(&self) -> Vec<String> {
        let mut types: Vec<String> = self.by_type.keys().cloned().collect();
        types.sort();
        types
    }

    /// Every item path the compiled rules read, for collectors that fetch only those.
    pub fn paths(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Ready(c) => Some(c.paths()),
                Entry::Broken { .. } => None,
            })
            .flatten()
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// One `error` finding per rule for a resource type that could not be listed
    /// in a region: the rule's outcome there is unknown, never compliant.
    pub fn unlisted_findings(
        &self,
        resource_type: &str,
        region: &str,
        reason: &str,
    ) -> Vec<Finding> {
        let Some(indexes) = self.by_type.get(resource_type) else {
            return Vec::new();
        };
        indexes
            .iter()
            .map(|&i| {
                let rule = self.entries[i].rule();
                Finding {
                    finding_id: String::new(),
                    rule_id: Arc::from(rule.id.as_str()),
                    title: rule.title.clone(),
                    severity: rule.severity,
                    category: rule.category.clone(),
                    frameworks: rule.frameworks.clone(),
                    service: Arc::from(crate::resource::service_of(resource_type)),
                    resource_type: Arc::from(resource_type),
                    resource_id: "*".into(),
                    resource_name: None,
                    arn: None,
                    region: Some(Arc::from(region)),
                    account: None,
                    status: Status::Error,
                    criticality: self.settings.scoring.criticality_of(None),
                    evidence: Evidence::note(
                        "-",
                        "a readable list of resources",
                        format!("could not list {resource_type} in {region}: {reason}"),
                    ),
                    remediation: rule.remediation.clone(),
                    exemption: None,
                    source: None,
                    message: None,
                    first_seen: None,
                }
                .with_id()
            })
            .collect()
    }

    /// Evaluates every applicable rule on one item, appending to `out`.
    pub fn evaluate_into(&self, item: &ConfigItem, out: &mut Vec<Finding>) {
        let Some(indexes) = self.by_type.get(&item.resource_type) else {
            return;
        };
        let criticality = self
            .settings
            .scoring
            .criticality_of(item.tag(&self.settings.scoring.criticality_tag));
        // Text every finding of this item repeats is allocated once and shared.
        let shared = Shared {
            service: Arc::from(item.service()),
            resource_type: Arc::from(item.resource_type.as_str()),
            region: item.region.as_deref().map(Arc::from),
            account: item.account.as_deref().map(Arc::from),
            source: item.source.clone(),
        };
        for &i in indexes {
            out.push(evaluate_entry(&self.entries[i], item, &shared, criticality));
        }
    }

    pub fn evaluate(&self, items: &[ConfigItem]) -> Vec<Finding> {
        let mut out = Vec::new();
        for item in items {
            self.evaluate_into(item, &mut out);
        }
        out
    }
}

/// The parts of an item's findings that are the same for every rule.
struct Shared {
    service: Arc<str>,
    resource_type: Arc<str>,
    region: Option<Arc<str>>,
    account: Option<Arc<str>>,
    source: Arc<str>,
}

fn evaluate_entry(entry: &Entry, item: &ConfigItem, shared: &Shared, criticality: f64) -> Finding {
    let (status, evidence) = match entry {
        Entry::Broken { error, .. } => (
            Status::Error,
            Evidence::note(
                "-",
                "a rule that compiles",
                format!("rule cannot run: {error}"),
            ),
        ),
        Entry::Ready(compiled) => judge(compiled, item),
    };
    let rule = entry.rule();
    let mut finding = Finding {
        finding_id: String::new(),
        rule_id: Arc::from(rule.id.as_str()),
        title: rule.title.clone(),
        severity: rule.severity,
        category: rule.category.clone(),
        frameworks: rule.frameworks.clone(),
        service: shared.service.clone(),
        resource_type: shared.resource_type.clone(),
        resource_id: item.resource_id.clone(),
        resource_name: item.resource_name.clone(),
        arn: item.arn.clone(),
        region: shared.region.clone(),
        account: shared.account.clone(),
        status,
        criticality,
        evidence,
        remediation: rule.remediation.clone(),
        exemption: None,
        source: Some(shared.source.clone()),
        message: None,
        first_seen: None,
    }
    .with_id();
    if let (Status::NonCompliant, Entry::Ready(compiled)) = (status, entry) {
        if let Some(template) = &compiled.rule.message {
            finding.message = Some(template.render(&finding, &compiled.params));
        }
    }
    finding
}

/// The status and evidence of one compiled rule on one item.
pub fn judge(compiled: &CompiledRule, item: &ConfigItem) -> (Status, Evidence) {
    if item.is_deleted() {
        return (
            Status::NotApplicable,
            Evidence::note(
                "configurationItemStatus",
                "an existing resource",
                format!(
                    "resource is {}",
                    item.status.as_deref().unwrap_or("without configuration")
                ),
            ),
        );
    }
    if !item.unreadable.is_empty() {
        if let Some(u) = compiled.paths().iter().find_map(|p| item.unreadable_at(p)) {
            return (
                Status::Error,
                Evidence::note(
                    u.path.clone(),
                    "a readable value",
                    format!("could not be read: {}", u.reason),
                ),
            );
        }
    }
    if let Some(scope) = &compiled.applies_when {
        match scope.eval(&item.body) {
            Err(e) => return (Status::Error, error_evidence(e)),
            Ok(out) if out.truth != Truth::True => {
                let mut evidence = to_evidence(out.witness);
                evidence.note = Some("outside the rule's scope".into());
                return (Status::NotApplicable, evidence);
            }
            Ok(_) => {}
        }
    }
    match compiled.check.eval(&item.body) {
        Err(e) => (Status::Error, error_evidence(e)),
        Ok(out) => {
            let status = match out.truth {
                Truth::True => Status::Compliant,
                Truth::False => Status::NonCompliant,
                Truth::Missing => compiled.rule.on_missing,
            };
            let mut evidence = to_evidence(out.witness);
            if out.truth == Truth::Missing {
                evidence.note = Some(format!(
                    "{} is not present in the configuration item",
                    evidence.path
                ));
            }
            (status, evidence)
        }
    }
}

fn error_evidence(e: crate::condition::EvalError) -> Evidence {
    Evidence {
        path: e.path.into(),
        found: Some(e.found),
        missing: false,
        expected: "a value of the type the rule compares".into(),
        note: Some(e.message),
    }
}

fn to_evidence(w: Witness<'_>) -> Evidence {
    let (found, missing) = match w.found {
        Found::Missing => (None, true),
        Found::Element(e) => (Some(e.clone()), false),
        Found::Checked(n) => (
            Some(Value::String(format!("{n} element(s), each as expected"))),
            false,
        ),
        Found::Values(mut values) => match values.len() {
            0 => (Some(Value::Array(Vec::new())), false),
            1 => (Some(values.pop().expect("one").clone()), false),
            _ => (
                Some(Value::Array(values.into_iter().cloned().collect())),
                false,
            ),
        },
    };
    Evidence {
        path: w.path.clone(),
        found,
        missing,
        expected: w.expected.clone(),
        note: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize_item;
    use serde_json::json;

    const RULE: &str = r#"
id = "rds-backup"
title = "RDS keeps backups"
resource_types = ["AWS::RDS::DBInstance"]
severity = "high"
category = "resilience"
[params]
min = 7
[applies_when]
path = "configuration.engine"
not_equals = "aurora"
[check]
path = "configuration.backupRetentionPeriod"
gte = "$min"
[docs]
why = "w"
fix = "f"
"#;

    fn item(config: Value) -> ConfigItem {
        let body = normalize_item(json!({
            "resourceType": "AWS::RDS::DBInstance", "resourceId": "db-1", "awsRegion": "eu-west-1",
            "tags": {"Criticality": "high"}, "configuration": config
        }))
        .unwrap();
        ConfigItem::from_body(body, Arc::from("test"))
    }

    fn engine(settings: &Settings) -> Engine {
        Engine::new(
            &[Arc::new(Rule::parse("rds-backup.toml", RULE).unwrap())],
            settings,
        )
    }

    #[test]
    fn outcomes_and_evidence() {
        let e = engine(&Settings::default());
        let f = e.evaluate(&[
            item(json!({"engine": "postgres", "backupRetentionPeriod": 1})),
            item(json!({"engine": "postgres", "backupRetentionPeriod": 7})),
            item(json!({"engine": "aurora", "backupRetentionPeriod": 1})),
            item(json!({"engine": "postgres"})),
            item(json!({"engine": "postgres", "backupRetentionPeriod": "weekly"})),
        ]);
        let statuses: Vec<Status> = f.iter().map(|f| f.status).collect();
        assert_eq!(
            statuses,
            [
                Status::NonCompliant,
                Status::Compliant,
                Status::NotApplicable,
                Status::NonCompliant,
                Status::Error
            ]
        );
        assert_eq!(f[0].evidence.found, Some(json!(1)));
        assert_eq!(
            &*f[0].evidence.expected,
            "configuration.backupRetentionPeriod >= 7"
        );
        assert_eq!(f[0].criticality, 3.0);
        assert!(f[3].evidence.missing);
        assert!(f[4]
            .evidence
            .note
            .as_deref()
            .unwrap()
            .contains("needs a number"));
    }

    #[test]
    fn settings_override_params_and_broken_rules_error() {
        let mut s = Settings::parse("c.toml", "[rules.rds-backup.params]\nmin = 1\n").unwrap();
        let f = engine(&s).evaluate(&[item(
            json!({"engine": "postgres", "backupRetentionPeriod": 1}),
        )]);
        assert_eq!(f[0].status, Status::Compliant);
        s.rules
            .get_mut("rds-backup")
            .unwrap()
            .params
            .insert("min".into(), json!("ssm:/compliance/min"));
        let e = engine(&s);
        assert_eq!(e.broken_rules().len(), 1);
        let f = e.evaluate(&[item(
            json!({"engine": "postgres", "backupRetentionPeriod": 30}),
        )]);
        assert_eq!(f[0].status, Status::Error);
        assert!(f[0].evidence.note.as_deref().unwrap().contains("SSM"));
        s.rules.get_mut("rds-backup").unwrap().enabled = false;
        assert!(engine(&s).evaluate(&[item(json!({}))]).is_empty());
    }

    #[test]
    fn unreadable_parts_make_errors_not_findings() {
        let mut it = item(json!({"engine": "postgres"}));
        it.unreadable.push(crate::resource::Unreadable {
            path: "configuration".into(),
            reason: "AccessDenied (request id 1)".into(),
        });
        let f = engine(&Settings::default()).evaluate(&[it]);
        assert_eq!(f[0].status, Status::Error);
        assert!(f[0]
            .evidence
            .note
            .as_deref()
            .unwrap()
            .contains("AccessDenied"));
    }

    #[test]
    fn deleted_resources_are_not_applicable() {
        let body = normalize_item(
            json!({"resourceType": "AWS::RDS::DBInstance", "resourceId": "db-2",
            "configurationItemStatus": "ResourceDeleted", "configuration": null}),
        )
        .unwrap();
        let f =
            engine(&Settings::default()).evaluate(&[ConfigItem::from_body(body, Arc::from("t"))]);
        assert_eq!(f[0].status, Status::NotApplicable);
    }
}
