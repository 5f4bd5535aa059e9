//! `compliance rules list | explain | validate | test`: the tooling for people who
//! read and write rule files.

use crate::cli::{Format, GlobalArgs, RulesCommand};
use crate::commands::{emit, exit, load_catalogue, read_rule_dir, rule_errors, InputError};
use crate::core::catalogue::{run_tests, Catalogue, RuleSource};
use crate::output;
use anyhow::Result;
use std::path::Path;

pub fn run(global: &GlobalArgs, command: &RulesCommand) -> Result<u8> {
    match command {
        RulesCommand::List { format } => {
            let catalogue = load_catalogue(global)?;
            let rules = catalogue.rules();
            let text = match format {
                Format::Table => output::table::render_rules(&rules),
                Format::Json => {
                    let list: Vec<serde_json::Value> = rules
                        .iter()
                        .map(|r| {
                            serde_json::json!({
                                "id": r.id,
                                "title": r.title,
                                "severity": r.severity,
                                "category": r.category,
                                "resource_types": r.resource_types,
                                "frameworks": r.frameworks,
                                "config_rule": r.config_rule.as_ref().map(|c| &c.identifier),
                                "remediation": r.remediation,
                                "file": r.file,
                            })
                        })
                        .collect();
                    output::json::render(&list)?
                }
            };
            emit(None, &text)?;
            Ok(exit::OK)
        }
        RulesCommand::Explain { id, format } => {
            let catalogue = load_catalogue(global)?;
            let Some(rule) = catalogue.get(id) else {
                let similar = catalogue.similar(id);
                return Err(InputError(format!(
                    "no rule `{id}`{}; `compliance rules list` shows them all",
                    if similar.is_empty() {
                        String::new()
                    } else {
                        format!(" (did you mean {}?)", similar.join(", "))
                    }
                ))
                .into());
            };
            let text = match format {
                Format::Table => output::table::render_explain(rule),
                Format::Json => output::json::render(&serde_json::json!({
                    "id": rule.id,
                    "title": rule.title,
                    "severity": rule.severity,
                    "category": rule.category,
                    "resource_types": rule.resource_types,
                    "frameworks": rule.frameworks,
                    "scope": rule.scope_description(),
                    "check": rule.check_description(),
                    "params": rule.params,
                    "config_rule": rule.config_rule.as_ref().map(|c| serde_json::json!({
                        "identifier": c.identifier,
                        "periodic": c.periodic,
                        "parameters": rule.config_rule_parameters(&rule.params),
                    })),
                    "remediation": rule.remediation,
                    "remediation_action": rule.remediation.as_deref().and_then(crate::core::remediation::lookup).map(|a| serde_json::json!({
                        "id": a.id,
                        "title": a.title,
                        "writes": a.writes,
                        "risk": a.risk,
                        "reversible": a.undo.reversible,
                        "undo": a.undo.caveat,
                        "iam_actions": a.iam_actions,
                        "steps": a.steps,
                    })),
                    "docs": rule.docs,
                    "file": rule.file,
                }))?,
            };
            emit(None, &text)?;
            Ok(exit::OK)
        }
        RulesCommand::Validate { dir } => {
            let catalogue = catalogue_for(global, dir.as_deref())?;
            emit(None, &format!("{} rule files valid\n", catalogue.len()))?;
            Ok(exit::OK)
        }
        RulesCommand::Test { dir } => {
            let catalogue = catalogue_for(global, dir.as_deref())?;
            let mut passed = 0;
            let mut failures = Vec::new();
            let mut untested = Vec::new();
            for rule in catalogue.rules() {
                if rule.tests.is_empty() {
                    untested.push((rule.file.clone(), rule.id.clone()));
                }
                for result in run_tests(&rule) {
                    if result.passed() {
                        passed += 1;
                    } else {
                        failures.push(result);
                    }
                }
            }
            let failed = failures.len();
            emit(
                None,
                &output::table::render_rule_tests(&untested, &failures, passed),
            )?;
            Ok(if failed > 0 { exit::FINDINGS } else { exit::OK })
        }
    }
}

/// The rules of `dir` alone, or the catalogue in force (built-in plus --rules).
fn catalogue_for(global: &GlobalArgs, dir: Option<&Path>) -> Result<Catalogue> {
    match dir {
        None => load_catalogue(global),
        Some(dir) => {
            let files = read_rule_dir(dir)?;
            if files.is_empty() {
                return Err(InputError(format!("{}: no .toml rule files", dir.display())).into());
            }
            Catalogue::load(&[RuleSource {
                files: files.iter().map(|(p, t)| (p.clone(), t.as_str())).collect(),
            }])
            .map_err(rule_errors)
        }
    }
}
