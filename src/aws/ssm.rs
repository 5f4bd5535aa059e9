//! Rule parameters stored in SSM Parameter Store (`ssm:/compliance/approved-amis`).
//!
//! Teams keep lists such as approved AMIs where their pipelines already update
//! them. A live scan reads each referenced parameter once (SecureString values
//! decrypted) and substitutes it before rules compile. A parameter whose default is
//! a list takes a StringList or a comma-separated String (or a JSON array); a
//! numeric default takes a number. Parameters are read in the operator's home
//! region (`--region` or the profile's), whichever regions are scanned: one list
//! serves a multi-region scan. A missing parameter is the operator's to fix,
//! so it is reported as an input error naming the rule, the parameter and the path.

use crate::aws::error::AwsError;
use crate::aws::Aws;
use crate::core::rule::Rule;
use crate::core::settings::{RuleSettings, Settings};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum SsmError {
    #[error("rule `{rule}` parameter `{param}`: SSM parameter {path} does not exist (create it, or change the value in compliance.toml)")]
    Missing {
        rule: String,
        param: String,
        path: String,
    },
    #[error("rule `{rule}` parameter `{param}`: {error}")]
    Aws {
        rule: String,
        param: String,
        error: AwsError,
    },
}

/// Replaces every `ssm:` parameter of `rules` in `settings` by its value. Returns
/// how many parameters were read.
pub async fn resolve(
    aws: &Aws,
    region: &str,
    rules: &[Arc<Rule>],
    settings: &mut Settings,
) -> Result<usize, SsmError> {
    let client = aws.ssm(region);
    let mut cache: BTreeMap<String, String> = BTreeMap::new();
    for rule in rules {
        let mut effective = rule.params.clone();
        if let Some(overrides) = settings.params_for(&rule.id) {
            effective.extend(overrides.clone());
        }
        for (param, value) in effective {
            let Some(path) = value.as_str().and_then(|v| v.strip_prefix("ssm:")) else {
                continue;
            };
            let text = match cache.get(path) {
                Some(t) => t.clone(),
                None => {
                    let got = client
                        .get_parameter()
                        .name(path)
                        .with_decryption(true)
                        .send()
                        .await;
                    let text = match got {
                        Ok(out) => out
                            .parameter()
                            .and_then(|p| p.value())
                            .unwrap_or_default()
                            .to_string(),
                        Err(e) => {
                            let error = AwsError::from_sdk("ssm", region, "GetParameter", &e);
                            if error.is(&["ParameterNotFound"]) {
                                return Err(SsmError::Missing {
                                    rule: rule.id.clone(),
                                    param,
                                    path: path.to_string(),
                                });
                            }
                            return Err(SsmError::Aws {
                                rule: rule.id.clone(),
                                param,
                                error,
                            });
                        }
                    };
                    cache.insert(path.to_string(), text.clone());
                    text
                }
            };
            let typed = typed_like(rule.params.get(&param), &text);
            settings
                .rules
                .entry(rule.id.clone())
                .or_insert_with(|| RuleSettings {
                    enabled: true,
                    severity: None,
                    params: BTreeMap::new(),
                })
                .params
                .insert(param, typed);
        }
    }
    Ok(cache.len())
}

/// Shapes a parameter's text like the rule's default value.
pub fn typed_like(default: Option<&Value>, text: &str) -> Value {
    match default {
        Some(Value::Array(_)) => match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Array(_)) => v,
            _ => Value::Array(
                text.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_string()))
                    .collect(),
            ),
        },
        Some(Value::Number(_)) => serde_json::from_str::<serde_json::Number>(text.trim())
            .map(Value::Number)
            .unwrap_or_else(|_| Value::String(text.to_string())),
        Some(Value::Bool(_)) => match text.trim() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => Value::String(other.to_string()),
        },
        _ => Value::String(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_take_the_shape_of_the_default() {
        assert_eq!(
            typed_like(Some(&json!([])), "ami-1, ami-2,"),
            json!(["ami-1", "ami-2"])
        );
        assert_eq!(typed_like(Some(&json!([])), "[\"a\"]"), json!(["a"]));
        assert_eq!(typed_like(Some(&json!(7)), "14"), json!(14));
        assert_eq!(typed_like(Some(&json!(true)), "false"), json!(false));
        assert_eq!(typed_like(None, "x"), json!("x"));
    }
}
