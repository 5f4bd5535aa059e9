//! The rule catalogue: the built-in rules plus the operator's `--rules DIR`, and the
//! runner for the rules' inline tests.
//!
//! Built-in and extra rules arrive as (file name, text) pairs so this module stays
//! free of the filesystem. A later source replaces an earlier rule with the same id
//! (that is how an operator tightens a built-in rule); two files with one id in the
//! same source are an error, because which one wins would be an accident.

use crate::finding::Status;
use crate::normalize::normalize_item;
use crate::resource::ConfigItem;
use crate::rule::{Rule, RuleError};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    rules: BTreeMap<String, Arc<Rule>>,
    /// Ids replaced by a later source, for `rules list`.
    pub overridden: Vec<String>,
}

/// A source of rule files, in the order they apply.
pub struct RuleSource<'a> {
    pub files: Vec<(String, &'a str)>,
}

impl Catalogue {
    /// Loads sources in order; every broken file is reported, not only the first.
    pub fn load(sources: &[RuleSource<'_>]) -> Result<Catalogue, Vec<RuleError>> {
        let mut catalogue = Catalogue::default();
        let mut errors = Vec::new();
        for source in sources {
            let mut seen: BTreeMap<String, String> = BTreeMap::new();
            for (file, text) in &source.files {
                match Rule::parse(file, text) {
                    Ok(rule) => {
                        if let Some(first) = seen.insert(rule.id.clone(), file.clone()) {
                            errors.push(RuleError {
                                file: file.clone(),
                                line: 1,
                                column: 1,
                                rule_id: Some(rule.id.clone()),
                                message: format!("duplicate rule id, also defined in {first}"),
                            });
                            continue;
                        }
                        if catalogue
                            .rules
                            .insert(rule.id.clone(), Arc::new(rule))
                            .is_some()
                        {
                            catalogue.overridden.push(file.clone());
                        }
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
        if errors.is_empty() {
            Ok(catalogue)
        } else {
            Err(errors)
        }
    }

    pub fn rules(&self) -> Vec<Arc<Rule>> {
        self.rules.values().cloned().collect()
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Rule>> {
        self.rules.get(id)
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Ids close to `id`, for "did you mean" messages.
    pub fn similar(&self, id: &str) -> Vec<&str> {
        self.rules
            .keys()
            .filter(|k| k.contains(id) || id.contains(k.as_str()) || shares_words(k, id))
            .map(String::as_str)
            .take(5)
            .collect()
    }
}

fn shares_words(a: &str, b: &str) -> bool {
    let words: Vec<&str> = b.split('-').filter(|w| w.len() > 2).collect();
    words.iter().filter(|w| a.contains(**w)).count() >= 2
}

/// The result of one inline test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    pub rule_id: String,
    pub file: String,
    pub line: usize,
    pub name: String,
    pub expected: Status,
    pub actual: Status,
    pub detail: String,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.expected == self.actual
    }
}

/// Runs a rule's inline tests: each resource is normalised like real input, then judged.
pub fn run_tests(rule: &Rule) -> Vec<TestResult> {
    rule.tests
        .iter()
        .map(|t| {
            let result = |actual: Status, detail: String| TestResult {
                rule_id: rule.id.clone(),
                file: rule.file.clone(),
                line: t.line,
                name: t.name.clone(),
                expected: t.expect,
                actual,
                detail,
            };
            let compiled = match rule.compile(t.params.as_ref()) {
                Ok(c) => c,
                Err(e) => return result(Status::Error, format!("rule does not compile: {e}")),
            };
            let body = match normalize_item(t.resource.clone()) {
                Ok(b) => b,
                Err(e) => {
                    return result(
                        Status::Error,
                        format!("test resource is not a configuration item: {e}"),
                    )
                }
            };
            let item = ConfigItem::from_body(body, Arc::from(format!("{}:{}", rule.file, t.line)));
            if !rule.applies_to(&item.resource_type) {
                return result(
                    Status::NotApplicable,
                    format!(
                        "resource type {} is not one of {:?}",
                        item.resource_type, rule.resource_types
                    ),
                );
            }
            let (status, evidence) = crate::engine::judge(&compiled, &item);
            result(status, evidence.summary())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_text(id: &str, severity: &str) -> String {
        format!(
            r#"id = "{id}"
title = "t"
resource_types = ["AWS::S3::Bucket"]
severity = "{severity}"
category = "c"
[check]
path = "configuration.name"
equals = "good"
[docs]
why = "w"
fix = "f"
[[test]]
expect = "compliant"
resource = {{ resourceType = "AWS::S3::Bucket", resourceId = "b", configuration = {{ name = "good" }} }}
[[test]]
expect = "compliant"
resource = {{ resourceType = "AWS::S3::Bucket", resourceId = "b", configuration = {{ name = "bad" }} }}
"#
        )
    }

    #[test]
    fn later_sources_override_and_duplicates_fail() {
        let a = rule_text("r1", "low");
        let b = rule_text("r1", "high");
        let c = Catalogue::load(&[
            RuleSource {
                files: vec![("embedded/r1.toml".into(), a.as_str())],
            },
            RuleSource {
                files: vec![("mine/r1.toml".into(), b.as_str())],
            },
        ])
        .unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(
            c.get("r1").unwrap().severity,
            crate::finding::Severity::High
        );
        assert_eq!(c.overridden, ["mine/r1.toml"]);
        let errs = Catalogue::load(&[RuleSource {
            files: vec![
                ("x/r1.toml".into(), a.as_str()),
                ("y/r1.toml".into(), b.as_str()),
            ],
        }])
        .unwrap_err();
        assert!(errs[0].message.contains("duplicate"));
    }

    #[test]
    fn inline_tests_report_failures_with_lines() {
        let text = rule_text("r1", "low");
        let rule = Rule::parse("r1.toml", &text).unwrap();
        let results = run_tests(&rule);
        assert!(results[0].passed());
        assert!(!results[1].passed());
        assert_eq!(results[1].actual, Status::NonCompliant);
        assert_eq!(results[1].line, 15);
    }
}
