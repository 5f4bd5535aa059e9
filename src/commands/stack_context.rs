//! What `setup`, `status` and `teardown` share: validating the suffix and region
//! before any AWS call, connecting, learning the account, and building the
//! [`StackSpec`] from the flags, `compliance.toml` and the rule catalogue.

use crate::aws::error::AwsError;
use crate::aws::provision::{Action, Inspection, State, Step};
use crate::aws::{ssm, Aws};
use crate::cli::{Format, GlobalArgs};
use crate::commands::{connection, load_catalogue, load_settings, InputError};
use crate::core::stack::{
    config_rule_name, validate_known_region, validate_suffix, Frequency, ManagedRule, Sse,
    StackSpec,
};
use crate::output;
use anyhow::Result;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use std::collections::BTreeMap;
use std::time::Duration;

/// Resource types AWS Config records; our synthetic IAM account types are not among them.
const CONFIG_TYPES: &[&str] = &[
    "AWS::EC2::Instance",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::Volume",
    "AWS::S3::Bucket",
    "AWS::RDS::DBInstance",
    "AWS::IAM::User",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::Group",
    "AWS::CloudFormation::Stack",
];

/// Flags that shape the spec; `status` and `teardown` use the defaults.
pub struct SpecInput<'a> {
    pub suffix: &'a str,
    pub emails: &'a [String],
    pub frequency: &'a str,
    pub sse: Sse,
    pub aggregator_regions: &'a [String],
    pub tags: &'a [String],
    pub retain_days: Option<u32>,
    pub adopt_recorder: bool,
}

impl<'a> SpecInput<'a> {
    pub fn for_suffix(suffix: &'a str) -> SpecInput<'a> {
        SpecInput {
            suffix,
            emails: &[],
            frequency: "6h",
            sse: Sse::Kms,
            aggregator_regions: &[],
            tags: &[],
            retain_days: None,
            adopt_recorder: false,
        }
    }
}

/// Checks everything that can be checked without AWS; returns the region.
pub fn validate(global: &GlobalArgs, input: &SpecInput<'_>) -> Result<()> {
    validate_suffix(input.suffix).map_err(InputError)?;
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
}

/// Connects, asks STS for the account, and builds the spec.
pub async fn connect(global: &GlobalArgs, input: &SpecInput<'_>) -> Result<Connected> {
    let catalogue = load_catalogue(global)?;
    let mut settings = load_settings(global, Some(&catalogue))?;
    let aws = Aws::connect(&connection(global, 5, Duration::from_secs(120))).await;
    let region = aws.default_region().ok_or_else(|| {
        InputError(
            "no AWS region: pass --region or set AWS_REGION or a region in the profile".into(),
        )
    })?;
    validate_known_region(&region).map_err(InputError)?;
    let (account, partition) = crate::aws::identity(&aws, &region).await?;

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
    for rule in &rules_in_force {
        let spec = rule.config_rule.as_ref().expect("filtered");
        let mut params = rule.params.clone();
        if let Some(o) = settings.params_for(&rule.id) {
            params.extend(o.clone());
        }
        // A parameter the managed rule needs but the operator left empty (say the
        // drift rule's CloudFormation role) would make PutConfigRule fail; skip the rule.
        let referenced_empty = spec.parameters.values().any(|v| {
            v.as_str()
                .and_then(|s| s.strip_prefix('$'))
                .is_some_and(|p| params.get(p).is_some_and(|x| x.as_str() == Some("")))
        });
        if referenced_empty {
            tracing::warn!(
                "AWS Config rule for `{}` skipped: a parameter it needs is empty; set it under [rules.{}.params]",
                rule.id,
                rule.id
            );
            continue;
        }
        rules.push(ManagedRule {
            rule_id: rule.id.clone(),
            name: config_rule_name(&rule.id, input.suffix),
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
        suffix: input.suffix.to_string(),
        account,
        region,
        partition,
        emails: input.emails.to_vec(),
        frequency: Frequency::parse(input.frequency).map_err(InputError)?,
        sse: input.sse,
        aggregator_regions: input.aggregator_regions.to_vec(),
        tags,
        rules,
        threshold: settings.scoring.threshold,
        retain_days: input.retain_days,
        adopt_recorder: input.adopt_recorder,
    };
    Ok(Connected { aws, spec })
}

fn table() -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if t.width().is_none() {
        t.set_width(160);
    }
    t
}

/// Steps as a table or JSON.
pub fn render_steps(
    format: Format,
    schema: &str,
    spec: &StackSpec,
    dry_run: bool,
    steps: &[Step],
    error: Option<&AwsError>,
) -> Result<String> {
    if format == Format::Json {
        return output::json::render(&serde_json::json!({
            "schema": schema,
            "suffix": spec.suffix,
            "account": spec.account,
            "region": spec.region,
            "dry_run": dry_run,
            "steps": steps,
            "error": error.map(|e| serde_json::json!({
                "service": e.service, "operation": e.operation, "code": e.code, "message": e.message, "request_id": e.request_id
            })),
        }));
    }
    let mut t = table();
    t.set_header(vec![
        "Resource",
        "Name",
        if dry_run { "Plan" } else { "Action" },
        "Detail",
    ]);
    for s in steps {
        let action = match s.action {
            Action::Unchanged => "up to date".to_string(),
            other => other.to_string(),
        };
        t.add_row(vec![
            s.kind.clone(),
            s.name.clone(),
            action,
            s.detail.join("\n"),
        ]);
    }
    Ok(format!("{t}\n"))
}

/// Inspections as a table or JSON.
pub fn render_inspections(
    format: Format,
    spec: &StackSpec,
    found: &[Inspection],
) -> Result<String> {
    if format == Format::Json {
        return output::json::render(&serde_json::json!({
            "schema": "compliance.status/v1",
            "suffix": spec.suffix,
            "account": spec.account,
            "region": spec.region,
            "resources": found,
        }));
    }
    let mut t = table();
    t.set_header(vec!["Resource", "Name", "State", "Why"]);
    for i in found {
        let (state, why) = match &i.state {
            State::Present => ("present", String::new()),
            State::Missing => ("missing", String::new()),
            State::Drifted(r) => ("drifted", r.join("\n")),
            State::Foreign(r) => ("not ours", r.join("\n")),
        };
        t.add_row(vec![i.kind.clone(), i.name.clone(), state.to_string(), why]);
    }
    Ok(format!("{t}\n"))
}
