//! The deploy templates (deploy/, Dockerfile) checked without a cluster: every
//! `compliance` command line in them parses with the real command line
//! (`compliance::cli::Cli::try_parse_from`), the Kubernetes shard count in
//! `--shard auto/N` matches the Job's `completions`, and the AWS Batch files are
//! JSON with the fields their APIs need.
//!
//! There is no YAML parser among the dependencies, and adding one for a test
//! is not worth it: the Kubernetes manifests write `command:` and `args:` as
//! flow sequences of double-quoted strings, which are JSON, and the test reads
//! those lines (and `completions:`) as such. A manifest that moves them to block
//! style fails here, on purpose.

use clap::Parser;
use compliance::cli::{Cli, Command};
use serde_json::Value;
use std::path::Path;

fn text(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Engine placeholders become plain values: Kubernetes `$(VAR)`, Batch `Ref::x`.
fn substitute(arg: &str) -> String {
    if arg.starts_with("$(") || arg.starts_with("Ref::") {
        "run-1".to_string()
    } else {
        arg.to_string()
    }
}

/// Parses one command line (program first) and returns the parsed command.
fn parse(origin: &str, argv: &[String]) -> Cli {
    assert!(
        argv.first().is_some_and(|p| p.ends_with("compliance")),
        "{origin}: not a compliance command: {argv:?}"
    );
    let argv: Vec<String> = argv.iter().map(|a| substitute(a)).collect();
    Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{origin}: {argv:?}: {e}"))
}

fn shard_of(cli: &Cli) -> Option<String> {
    match &cli.command {
        Command::Scan(args) => args.org.shard.clone(),
        _ => None,
    }
}

#[test]
fn kubernetes_manifests_run_valid_shards() {
    for file in [
        "deploy/kubernetes/indexed-job.yaml",
        "deploy/kubernetes/cronjob.yaml",
    ] {
        let body = text(file);
        let field = |name: &str| -> Vec<&str> {
            body.lines()
                .filter_map(|l| l.trim().strip_prefix(name))
                .map(str::trim)
                .collect()
        };
        let commands = field("command:");
        let args = field("args:");
        assert_eq!(commands.len(), 1, "{file}: one container command");
        assert_eq!(args.len(), 1, "{file}: one args line");
        let mut argv: Vec<String> =
            serde_json::from_str(commands[0]).expect("command is a flow list");
        argv.extend(serde_json::from_str::<Vec<String>>(args[0]).expect("args is a flow list"));
        let cli = parse(file, &argv);
        let completions: u32 = field("completions:")[0].parse().unwrap();
        assert_eq!(
            shard_of(&cli),
            Some(format!("auto/{completions}")),
            "{file}: --shard auto/N must match completions"
        );
        assert!(body.contains("completionMode: Indexed"), "{file}");
        assert!(
            body.contains("serviceAccountName: compliance-scanner"),
            "{file}"
        );
    }
    let cron = text("deploy/kubernetes/cronjob.yaml");
    assert!(cron.contains("schedule: \"0 */6 * * *\""), "every 6 hours");
    let sa = text("deploy/kubernetes/serviceaccount.yaml");
    assert!(sa.contains("eks.amazonaws.com/role-arn: arn:aws:iam::"));
    assert!(sa.contains("name: compliance-scanner"));
}

#[test]
fn aws_batch_templates_run_valid_shards() {
    let def: Value = serde_json::from_str(&text("deploy/aws-batch/job-definition.json")).unwrap();
    assert_eq!(def["type"], "container");
    let argv: Vec<String> =
        serde_json::from_value(def["containerProperties"]["command"].clone()).unwrap();
    let cli = parse("job-definition.json", &argv);
    // Batch sets AWS_BATCH_JOB_ARRAY_INDEX and _SIZE: plain `auto` suffices.
    assert_eq!(shard_of(&cli).as_deref(), Some("auto"));
    assert!(argv.iter().any(|a| a == "Ref::scanId"));
    assert!(def["parameters"]["scanId"].is_string());

    let submit: Value = serde_json::from_str(&text("deploy/aws-batch/array-job.json")).unwrap();
    assert_eq!(submit["jobDefinition"], def["jobDefinitionName"]);
    assert!(submit["arrayProperties"]["size"].as_u64().unwrap() >= 2);

    let schedule: Value = serde_json::from_str(&text("deploy/aws-batch/schedule.json")).unwrap();
    assert_eq!(schedule["ScheduleExpression"], "rate(6 hours)");
    assert_eq!(
        schedule["Target"]["Arn"],
        "arn:aws:scheduler:::aws-sdk:batch:submitJob"
    );
    let input: Value = serde_json::from_str(schedule["Target"]["Input"].as_str().unwrap()).unwrap();
    assert_eq!(input["JobDefinition"], def["jobDefinitionName"]);
    assert!(input["ArrayProperties"]["Size"].as_u64().unwrap() >= 2);
}

#[test]
fn systemd_and_cron_lines_are_valid_commands() {
    let mut lines = Vec::new();
    for l in text("deploy/systemd/compliance-scan.service").lines() {
        if let Some(cmd) = l
            .strip_prefix("ExecStart=")
            .or_else(|| l.strip_prefix("ExecStartPost="))
        {
            lines.push(("compliance-scan.service", cmd.to_string()));
        }
    }
    for l in text("deploy/systemd/compliance.cron").lines() {
        if l.starts_with('#') || l.trim().is_empty() {
            continue;
        }
        // Five schedule fields, then the command.
        let command: Vec<&str> = l.split_whitespace().skip(5).collect();
        for part in command.join(" ").split("&&") {
            lines.push(("compliance.cron", part.trim().to_string()));
        }
    }
    assert_eq!(lines.len(), 4, "{lines:?}");
    let mut kinds = Vec::new();
    for (origin, line) in lines {
        let argv: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        let cli = parse(origin, &argv);
        kinds.push(match cli.command {
            Command::Scan(_) => "scan",
            Command::Report(_) => "report",
            _ => "other",
        });
    }
    assert_eq!(kinds, ["scan", "report", "scan", "report"]);
    assert!(text("deploy/systemd/compliance-scan.timer").contains("OnCalendar=00/6:00"));
}

#[test]
fn the_dockerfile_builds_a_static_image() {
    let body = text("Dockerfile");
    assert!(body.contains("FROM scratch"));
    assert!(body.contains("ENTRYPOINT [\"/compliance\"]"));
    assert!(body.contains("ca-certificates.crt"));
}
