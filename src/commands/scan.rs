//! `compliance scan`: evaluate resources against the catalogue and report findings.
//!
//! This release reads resources from files (`--snapshot`): AWS Config snapshot and
//! history files, notifications, rule events and API responses, so the whole engine
//! works offline and on evidence an auditor already holds. Each file is parsed,
//! normalised and evaluated in turn and then dropped, so memory follows the largest
//! file, not the sum.

use crate::cli::{FailOn, Format, GlobalArgs, ScanArgs};
use crate::commands::{
    emit, exit, load_catalogue, load_settings, progress_enabled, read_input, InputError,
};
use crate::core::engine::Engine;
use crate::core::exemption;
use crate::core::finding::Severity;
use crate::core::normalize::load_document;
use crate::core::report::{Meta, ScanError, ScanReport, Source};
use crate::core::resource::types_for_kind;
use crate::core::timestamp;
use crate::output;
use anyhow::Result;
use std::collections::HashSet;

pub fn run(global: &GlobalArgs, args: &ScanArgs) -> Result<u8> {
    let catalogue = load_catalogue(global)?;
    let settings = load_settings(global, Some(&catalogue))?;

    let mut rules = catalogue.rules();
    if !args.rule.is_empty() {
        let mut matchers = Vec::new();
        for pattern in &args.rule {
            let glob = globset::Glob::new(pattern)
                .map_err(|e| InputError(format!("--rule {pattern}: {e}")))?
                .compile_matcher();
            if !rules.iter().any(|r| glob.is_match(&r.id)) {
                let similar = catalogue.similar(pattern);
                return Err(InputError(format!(
                    "--rule {pattern}: no rule matches{}",
                    if similar.is_empty() {
                        String::new()
                    } else {
                        format!(" (did you mean {}?)", similar.join(", "))
                    }
                ))
                .into());
            }
            matchers.push(glob);
        }
        rules.retain(|r| matchers.iter().any(|m| m.is_match(&r.id)));
    }

    let wanted: Option<HashSet<&str>> = if args.resources.is_empty() {
        None
    } else {
        let mut types = HashSet::new();
        for kind in &args.resources {
            let found = types_for_kind(kind).ok_or_else(|| {
                InputError(format!(
                    "--resources: unknown kind `{kind}` (ec2, sg, ebs, s3, rds, iam, cfn)"
                ))
            })?;
            types.extend(found.iter().copied());
        }
        Some(types)
    };

    let engine = Engine::new(&rules, &settings);
    for broken in engine.broken_rules() {
        tracing::warn!("{broken}");
    }

    let bar = output::progress::bar(
        args.snapshot.len() as u64,
        "files",
        progress_enabled(global),
    );
    let mut findings = Vec::new();
    let mut errors: Vec<ScanError> = Vec::new();
    let mut resources = 0usize;
    for path in &args.snapshot {
        let name = path.display().to_string();
        bar.set_message(name.clone());
        let text = read_input(path)?;
        let loaded = load_document(&name, &text)?;
        drop(text);
        errors.extend(loaded.skipped.into_iter().map(ScanError::from));
        for item in &loaded.items {
            if wanted
                .as_ref()
                .is_some_and(|w| !w.contains(item.resource_type.as_str()))
            {
                continue;
            }
            resources += 1;
            engine.evaluate_into(item, &mut findings);
        }
        bar.inc(1);
    }
    bar.finish_and_clear();

    let now = chrono::Utc::now();
    let expired = exemption::apply(&settings.exemptions, &mut findings, now.date_naive());
    for e in &expired {
        tracing::warn!(
            "exemption for {} on {} expired on {} (owner {}); its findings count again",
            e.rule,
            e.resource,
            e.expires,
            e.owner
        );
    }
    let report = ScanReport::build(
        Meta {
            scan_id: uuid::Uuid::now_v7().to_string(),
            generated_at: timestamp::format(&now),
            version: env!("CARGO_PKG_VERSION").to_string(),
            source: Source {
                kind: "snapshot".into(),
                inputs: args
                    .snapshot
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect(),
            },
            resources,
            rules: engine.rule_count(),
            threshold: settings.scoring.threshold,
        },
        findings,
        errors,
        expired,
    );

    let text = match args.format {
        Format::Json => output::json::render(&report)?,
        Format::Table => output::table::render_report(&report, args.all),
    };
    emit(args.out.as_deref(), &text)?;
    Ok(if report.failing_at(fail_on(args.fail_on)) > 0 {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

/// The severity floor of `--fail-on`, `None` for `--fail-on none`.
pub fn fail_on(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Critical => Some(Severity::Critical),
        FailOn::High => Some(Severity::High),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::Low => Some(Severity::Low),
        FailOn::Info => Some(Severity::Info),
        FailOn::None => None,
    }
}
