//! What `setup`, `status` and `teardown` share: choosing the stack's suffix,
//! validating it and the region before any AWS call, connecting, learning the
//! account, and building the [`StackSpec`] from the flags, `compliance.toml` and
//! the rule catalogue.
//!
//! The suffix comes from `--suffix`, else `COMPLIANCE_SUFFIX`, else `[stack]
//! suffix` in `compliance.toml`, else (for `status` and `teardown` only) the one
//! stack whose manifest exists in the account and region. `setup` never guesses:
//! it would create a stack, so it needs the suffix said in one of the first three
//! places. Several stacks found and none named is an input error listing them.

use crate::aws::provision::manifest;
use crate::aws::{ssm, Aws};
use crate::cli::GlobalArgs;
use crate::commands::{connection, load_catalogue, load_settings, InputError};
use crate::core::settings::Settings;
use crate::core::stack::{
    config_rule_name, validate_known_region, validate_suffix, AggregatorScope, Frequency,
    ManagedRule, SkippedRule, Sse, StackSpec,
};
use anyhow::Result;
use std::collections::BTreeMap;
use std::time::Duration;

/// Resource types AWS Config records (the registry's); our synthetic IAM
/// account types are not among them.
static CONFIG_TYPES: std::sync::LazyLock<Vec<&'static str>> =
    std::sync::LazyLock::new(crate::core::registry::recorded_types);

/// The variable that names the stack when `--suffix` is not given.
pub const SUFFIX_VAR: &str = "COMPLIANCE_SUFFIX";

/// Flags that shape the spec; `status` and `teardown` use the defaults.
pub struct SpecInput<'a> {
    /// `--suffix` as given; see the module note for where it comes from otherwise.
    pub suffix: Option<&'a str>,
    /// Whether the only stack in the account and region may be taken (not for setup).
    pub discover: bool,
    pub emails: &'a [String],
    pub frequency: &'a str,
    pub sse: Sse,
    pub aggregator_regions: &'a [String],
    /// `--organization` / `--accounts` (account ids checked by setup before this is built).
    pub aggregator_scope: AggregatorScope,
    pub tags: &'a [String],
    pub retain_days: Option<u32>,
    pub adopt_recorder: bool,
}

impl<'a> SpecInput<'a> {
    pub fn for_suffix(suffix: Option<&'a str>) -> SpecInput<'a> {
        SpecInput {
            suffix,
            discover: true,
            emails: &[],
            frequency: "6h",
            sse: Sse::Kms,
            aggregator_regions: &[],
            aggregator_scope: AggregatorScope::Account,
            tags: &[],
            retain_days: None,
            adopt_recorder: false,
        }
    }
}

/// Checks every flag that can be checked without AWS (the suffix is checked
/// once chosen, in [`connect`], still before any call).
pub fn validate(global: &GlobalArgs, input: &SpecInput<'_>) -> Result<()> {
    for email in input.emails {
        crate::core::stack::validate_email(email).map_err(InputError)?;
    }
    Frequency::parse(input.frequency).map_err(InputError)?;
    for r in input.aggregator_regions {
        validate_known_region(r).map_err(|e| InputError(format!("--regions: {e}")))?;
    }
    if let Some(r) = &global.region {
        validate_known_region(r).map_err(|e| InputError(format!("--region: {e}")))?;
    }
    for t in input.tags {
        let (k, v) = t
            .split_once('=')
            .ok_or_else(|| InputError(format!("--tag `{t}`: use KEY=VALUE")))?;
        if k.trim().is_empty() || k.starts_with("aws:") || v.len() > 256 || k.len() > 128 {
            return Err(InputError(format!(
                "--tag `{t}`: keys 1-128 characters not starting with aws:, values up to 256"
            ))
            .into());
        }
    }
    Ok(())
}

pub struct Connected {
    pub aws: Aws,
    pub spec: StackSpec,
    /// Rules whose Config rule is not deployed, and why: rows of the plan and
    /// of `status` (the stack commands show them; nothing is logged).
    pub skipped: Vec<SkippedRule>,
}

/// The suffix named by `--suffix`, `COMPLIANCE_SUFFIX` or `[stack] suffix`, in
/// that order, checked and with a message naming where it came from when it is bad.
pub fn named_suffix(
    flag: Option<&str>,
    env: Option<String>,
    settings: &Settings,
    settings_file: &str,
) -> Result<Option<String>, InputError> {
    let chosen = match (
        flag,
        env.filter(|v| !v.trim().is_empty()),
        &settings.stack.suffix,
    ) {
        (Some(f), _, _) => Some((f.to_string(), "--suffix".to_string())),
        (None, Some(e), _) => Some((e.trim().to_string(), SUFFIX_VAR.to_string())),
        (None, None, Some(c)) => Some((c.clone(), format!("{settings_file}: [stack] suffix"))),
        (None, None, None) => None,
    };
    let Some((suffix, source)) = chosen else {
        return Ok(None);
    };
    validate_suffix(&suffix).map_err(|e| InputError(e.replacen("--suffix", &source, 1)))?;
    Ok(Some(suffix))
}

/// The stack when none is named: the only manifest in the account and region.
fn only_stack(found: &[String], account: &str, region: &str) -> Result<String, InputError> {
    match found {
        [one] => Ok(one.clone()),
        [] => Err(InputError(format!(
            "no stack found in account {account} region {region} (no /compliance/{{suffix}}/manifest parameter): pass --suffix, set {SUFFIX_VAR} or [stack] suffix in compliance.toml, or check --region"
        ))),
        several => Err(InputError(format!(
            "{} stacks in account {account} region {region}: {}; choose one with --suffix, {SUFFIX_VAR} or [stack] suffix in compliance.toml",
            several.len(),
            several.join(", ")
        ))),
    }
}

/// Chooses the suffix (see the module note), connects, asks STS for the
/// account, and builds the spec. Bad input stops before any AWS call.
pub async fn connect(global: &GlobalArgs, input: &SpecInput<'_>) -> Result<Connected> {
    let catalogue = load_catalogue(global)?;
    let mut settings = load_settings(global, Some(&catalogue))?;
    let settings_file = global.config.as_ref().map_or_else(
        || "compliance.toml".to_string(),
        |p| p.display().to_string(),
    );
    let named = named_suffix(
        input.suffix,
        std::env::var(SUFFIX_VAR).ok(),
        &settings,
        &settings_file,
    )?;
    if named.is_none() && !input.discover {
        return Err(InputError(format!(
            "no suffix: pass --suffix, set {SUFFIX_VAR}, or add [stack] suffix to {settings_file}"
        ))
        .into());
    }
    let aws = Aws::connect(&connection(global, 5, Duration::from_secs(120))).await;
    let region = aws.default_region().ok_or_else(|| {
        InputError(
            "no AWS region: pass --region or set AWS_REGION or a region in the profile".into(),
        )
    })?;
    validate_known_region(&region).map_err(InputError)?;
    let (account, partition) = crate::aws::identity(&aws, &region).await?;
    let suffix = match named {
        Some(s) => s,
        None => {
            let found = manifest::list_suffixes(&aws, &region).await?;
            let only = only_stack(&found, &account, &region)?;
            tracing::info!("using stack {only}, the only one in account {account} region {region}");
            only
        }
    };

    let rules_in_force: Vec<_> = catalogue
        .rules()
        .into_iter()
        .filter(|r| settings.is_enabled(&r.id) && r.config_rule.is_some())
        .collect();
    ssm::resolve(&aws, &region, &rules_in_force, &mut settings)
        .await
        .map_err(|e| match e {
            ssm::SsmError::Missing { .. } => anyhow::Error::from(InputError(e.to_string())),
            ssm::SsmError::Aws { .. } => anyhow::Error::from(e),
        })?;
    let mut rules = Vec::new();
    let mut skipped = Vec::new();
    for rule in &rules_in_force {
        let spec = rule.config_rule.as_ref().expect("filtered");
        let mut params = rule.params.clone();
        if let Some(o) = settings.params_for(&rule.id) {
            params.extend(o.clone());
        }
        // A parameter the managed rule needs but the operator left empty (say the
        // drift rule's CloudFormation role) would make PutConfigRule fail; skip the rule.
        let empty = spec.parameters.values().find_map(|v| {
            v.as_str()
                .and_then(|s| s.strip_prefix('$'))
                .filter(|p| params.get(*p).is_some_and(|x| x.as_str() == Some("")))
        });
        if let Some(parameter) = empty {
            skipped.push(SkippedRule {
                rule_id: rule.id.clone(),
                name: config_rule_name(&rule.id, &suffix),
                parameter: parameter.to_string(),
            });
            continue;
        }
        rules.push(ManagedRule {
            rule_id: rule.id.clone(),
            name: config_rule_name(&rule.id, &suffix),
            identifier: spec.identifier.clone(),
            parameters: rule.config_rule_parameters(&params),
            periodic: spec.periodic,
            resource_types: rule
                .resource_types
                .iter()
                .filter(|t| CONFIG_TYPES.contains(&t.as_str()))
                .cloned()
                .collect(),
        });
    }
    let mut tags: BTreeMap<String, String> = settings.tags.clone();
    for t in input.tags {
        if let Some((k, v)) = t.split_once('=') {
            tags.insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    let spec = StackSpec {
        suffix,
        account,
        region,
        partition,
        emails: input.emails.to_vec(),
        frequency: Frequency::parse(input.frequency).map_err(InputError)?,
        sse: input.sse,
        aggregator_regions: input.aggregator_regions.to_vec(),
        aggregator_scope: input.aggregator_scope.clone(),
        tags,
        rules,
        threshold: settings.scoring.threshold,
        retain_days: input.retain_days,
        adopt_recorder: input.adopt_recorder,
    };
    Ok(Connected { aws, spec, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(suffix: Option<&str>) -> Settings {
        let mut s = Settings::default();
        s.stack.suffix = suffix.map(str::to_string);
        s
    }

    #[test]
    fn the_flag_wins_then_the_variable_then_the_file() {
        let f = |flag, env: Option<&str>, file| {
            named_suffix(flag, env.map(str::to_string), &settings(file), "c.toml").unwrap()
        };
        assert_eq!(f(Some("a"), Some("b"), Some("c")).as_deref(), Some("a"));
        assert_eq!(f(None, Some("b"), Some("c")).as_deref(), Some("b"));
        assert_eq!(f(None, Some("  "), Some("c")).as_deref(), Some("c"));
        assert_eq!(f(None, None, None), None);
    }

    #[test]
    fn a_bad_suffix_names_where_it_came_from() {
        let e = named_suffix(None, Some("Dev".into()), &settings(None), "c.toml").unwrap_err();
        assert!(e.0.starts_with(SUFFIX_VAR), "{e}");
        let e = named_suffix(None, None, &settings(Some("a_b")), "c.toml").unwrap_err();
        assert!(e.0.starts_with("c.toml: [stack] suffix"), "{e}");
    }

    #[test]
    fn discovery_takes_only_a_single_stack() {
        assert_eq!(only_stack(&["dev".into()], "1", "r").unwrap(), "dev");
        let e = only_stack(&["a".into(), "b".into()], "1", "r").unwrap_err();
        assert!(e.0.contains("a, b"), "{e}");
        assert!(only_stack(&[], "1", "r")
            .unwrap_err()
            .0
            .contains("no stack found"));
    }
}
