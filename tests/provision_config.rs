//! AWS Config provisioning (`aws::provision::config`) against moto: recorder,
//! delivery channel, one managed rule per catalogue rule with a Config mapping,
//! and the aggregator; read back through the SDK, re-run, drifted by hand and
//! repaired, planned with dry-run, removed twice; and a recorder that existed
//! before setup, which is reused and left in place.
//!
//! An account has one recorder and one delivery channel per region, and moto is
//! shared by every test of the run, so each test owns one region
//! (`ap-south-1`, `ap-southeast-1`, `ap-northeast-1`) and nothing else in the
//! suite uses them.

use crate::support;

use aws_sdk_config::types::{
    ConfigRule, ConfigSnapshotDeliveryProperties, ConfigurationRecorder, DeliveryChannel,
    MaximumExecutionFrequency, RecordingGroup, Source,
};
use compliance::aws::error::AwsError;
use compliance::aws::provision::{config, kind, Action, Ctx, State, Step};
use compliance::aws::{Aws, Connection};
use compliance::core::catalogue::{Catalogue, RuleSource};
use compliance::core::stack::{config_rule_name, Frequency, ManagedRule, Manifest, Sse, StackSpec};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const ACCOUNT: &str = support::MOTO_ACCOUNT_ID;
/// The catalogue rule whose managed rule needs a parameter the catalogue leaves empty.
const CFN_RULE: &str = "cfn-stack-no-drift";

async fn connect(region: &str) -> Aws {
    Aws::connect(&Connection {
        profile: None,
        region: Some(region.into()),
        endpoint_url: None,
        max_attempts: 2,
        call_timeout: Duration::from_secs(30),
    })
    .await
}

/// A suffix no other test or run uses: at most 15 characters.
fn suffix(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{tag}{}{}",
        std::process::id() % 100_000,
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// The catalogue's Config rules as setup deploys them, with `overrides`
/// (rule id → parameter → value) standing in for compliance.toml.
fn catalogue_rules(suffix: &str, overrides: &[(&str, &str, Value)]) -> Vec<ManagedRule> {
    let catalogue = Catalogue::load(&[RuleSource {
        files: compliance::embedded::rule_files(),
    }])
    .expect("built-in catalogue loads");
    let recordable = aws_sdk_config::types::ResourceType::values();
    catalogue
        .rules()
        .into_iter()
        .filter_map(|rule| {
            let spec = rule.config_rule.as_ref()?;
            let mut params = rule.params.clone();
            for (id, key, value) in overrides {
                if *id == rule.id {
                    params.insert(key.to_string(), value.clone());
                }
            }
            Some(ManagedRule {
                rule_id: rule.id.clone(),
                name: config_rule_name(&rule.id, suffix),
                identifier: spec.identifier.clone(),
                parameters: rule.config_rule_parameters(&params),
                periodic: spec.periodic,
                resource_types: rule
                    .resource_types
                    .iter()
                    .filter(|t| recordable.contains(&t.as_str()))
                    .cloned()
                    .collect(),
            })
        })
        .collect()
}

/// What an operator's compliance.toml sets for the drift-detection rule.
fn cfn_override() -> Vec<(&'static str, &'static str, Value)> {
    vec![(
        CFN_RULE,
        "cfn_role_arn",
        json!(format!("arn:aws:iam::{ACCOUNT}:role/cfn-drift-detection")),
    )]
}

fn spec(region: &str, suffix: &str, rules: Vec<ManagedRule>, aggregator: &[&str]) -> StackSpec {
    StackSpec {
        suffix: suffix.into(),
        account: ACCOUNT.into(),
        region: region.into(),
        partition: "aws".into(),
        emails: vec![],
        // Not the default, so a frequency that merely defaulted would show.
        frequency: Frequency::Twelve,
        sse: Sse::Aes256,
        aggregator_regions: aggregator.iter().map(|r| r.to_string()).collect(),
        aggregator_scope: Default::default(),
        tags: [("Owner".to_string(), "secops".to_string())].into(),
        rules,
        threshold: 70.0,
        retain_days: None,
        adopt_recorder: false,
    }
}

/// The bucket and role the delivery channel and recorder refer to; the S3 and
/// IAM modules are tested elsewhere, so they are made here directly.
async fn prerequisites(aws: &Aws, spec: &StackSpec) {
    let names = spec.names();
    aws.s3(&spec.region)
        .create_bucket()
        .bucket(&names.bucket)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                    spec.region.as_str(),
                ))
                .build(),
        )
        .send()
        .await
        .expect("bucket");
    aws.iam(&spec.region)
        .create_role()
        .role_name(&names.role)
        .assume_role_policy_document(spec.role_trust_policy().to_string())
        .send()
        .await
        .expect("role");
}

async fn drop_prerequisites(aws: &Aws, spec: &StackSpec) {
    let names = spec.names();
    aws.s3(&spec.region)
        .delete_bucket()
        .bucket(&names.bucket)
        .send()
        .await
        .expect("delete bucket");
    aws.iam(&spec.region)
        .delete_role()
        .role_name(&names.role)
        .send()
        .await
        .expect("delete role");
}

async fn ensure(aws: &Aws, spec: &StackSpec, m: &mut Manifest, dry_run: bool) -> Vec<Step> {
    config::ensure(&Ctx::new(aws, spec, dry_run), m)
        .await
        .unwrap_or_else(|e| panic!("ensure: {e}"))
}

async fn try_ensure(aws: &Aws, spec: &StackSpec, m: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    config::ensure(&Ctx::new(aws, spec, false), m).await
}

async fn remove(aws: &Aws, spec: &StackSpec, m: &mut Manifest, dry_run: bool) -> Vec<Step> {
    config::remove(&Ctx::new(aws, spec, dry_run), m)
        .await
        .unwrap_or_else(|e| panic!("remove: {e}"))
}

async fn inspect(aws: &Aws, spec: &StackSpec, m: &Manifest) -> BTreeMap<String, State> {
    config::inspect(&Ctx::new(aws, spec, false), m)
        .await
        .unwrap_or_else(|e| panic!("inspect: {e}"))
        .into_iter()
        .map(|i| (i.kind, i.state))
        .collect()
}

fn action_of(steps: &[Step], kind: &str) -> Action {
    steps
        .iter()
        .find(|s| s.kind == kind)
        .unwrap_or_else(|| panic!("no step of kind {kind} in {steps:#?}"))
        .action
}

fn rule_kind(name: &str) -> String {
    format!("{}:{name}", kind::CONFIG_RULE)
}

fn assert_all(steps: &[Step], action: Action) {
    for s in steps {
        assert_eq!(s.action, action, "{} {}: {:?}", s.kind, s.name, s.detail);
    }
}

// --- reading back through the SDK ------------------------------------------

async fn recorders(aws: &Aws, region: &str) -> Vec<ConfigurationRecorder> {
    aws.config(region)
        .describe_configuration_recorders()
        .send()
        .await
        .expect("describe recorders")
        .configuration_recorders()
        .to_vec()
}

async fn recording(aws: &Aws, region: &str, name: &str) -> bool {
    aws.config(region)
        .describe_configuration_recorder_status()
        .configuration_recorder_names(name)
        .send()
        .await
        .expect("recorder status")
        .configuration_recorders_status()
        .iter()
        .any(|s| s.recording())
}

async fn channels(aws: &Aws, region: &str) -> Vec<DeliveryChannel> {
    aws.config(region)
        .describe_delivery_channels()
        .send()
        .await
        .expect("describe channels")
        .delivery_channels()
        .to_vec()
}

async fn rules(aws: &Aws, region: &str) -> BTreeMap<String, ConfigRule> {
    let mut out = BTreeMap::new();
    let mut token = None;
    loop {
        let page = aws
            .config(region)
            .describe_config_rules()
            .set_next_token(token)
            .send()
            .await
            .expect("describe rules");
        for r in page.config_rules() {
            out.insert(r.config_rule_name().unwrap().to_string(), r.clone());
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return out;
        }
    }
}

async fn tags(aws: &Aws, region: &str, arn: &str) -> BTreeMap<String, String> {
    aws.config(region)
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .expect("tags")
        .tags()
        .iter()
        .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string()))
        .collect()
}

fn assert_our_tags(found: &BTreeMap<String, String>, suffix: &str) {
    assert_eq!(
        found.get("ManagedBy").map(String::as_str),
        Some("compliance"),
        "{found:?}"
    );
    assert_eq!(
        found.get("ComplianceSuffix").map(String::as_str),
        Some(suffix),
        "{found:?}"
    );
    assert_eq!(
        found.get("Owner").map(String::as_str),
        Some("secops"),
        "{found:?}"
    );
}

/// Every rule of the spec, as deployed: identifier, parameters, frequency,
/// scope and tags.
async fn assert_rules_deployed(aws: &Aws, spec: &StackSpec) {
    let deployed = rules(aws, &spec.region).await;
    for want in &spec.rules {
        let r = deployed
            .get(&want.name)
            .unwrap_or_else(|| panic!("rule {} missing", want.name));
        let source = r.source().expect("source");
        assert_eq!(source.owner().as_str(), "AWS", "{}", want.name);
        assert_eq!(source.source_identifier(), Some(want.identifier.as_str()));
        let params: BTreeMap<String, String> = match r.input_parameters() {
            None | Some("") => BTreeMap::new(),
            Some(text) => {
                serde_json::from_str(text).expect("InputParameters is a JSON object of strings")
            }
        };
        assert_eq!(params, want.parameters, "parameters of {}", want.name);
        if want.periodic {
            assert_eq!(
                r.maximum_execution_frequency(),
                Some(&MaximumExecutionFrequency::TwelveHours),
                "{}",
                want.name
            );
            assert!(
                r.scope()
                    .is_none_or(|s| s.compliance_resource_types().is_empty()),
                "periodic rule {} has no scope",
                want.name
            );
        } else {
            assert_eq!(r.maximum_execution_frequency(), None, "{}", want.name);
            let scope = r
                .scope()
                .map(|s| s.compliance_resource_types().to_vec())
                .unwrap_or_default();
            let mut expected = want.resource_types.clone();
            expected.sort();
            let mut scope_sorted = scope.clone();
            scope_sorted.sort();
            assert_eq!(scope_sorted, expected, "scope of {}", want.name);
        }
        assert_our_tags(
            &tags(aws, &spec.region, r.config_rule_arn().unwrap()).await,
            &spec.suffix,
        );
    }
}

// --- the tests --------------------------------------------------------------

/// Create, read back, re-run, drift and repair, a rule dropped from the spec,
/// dry runs, a rule that lost its tags, remove twice.
#[tokio::test]
async fn config_stack_lifecycle() {
    const REGION: &str = "ap-south-1";
    if support::sdk_config().await.is_none() {
        support::skipped("config_stack_lifecycle");
        return;
    }
    let aws = connect(REGION).await;
    let sfx = suffix("cfg");
    let raw = spec(
        REGION,
        &sfx,
        catalogue_rules(&sfx, &[]),
        &[REGION, "ap-southeast-1"],
    );
    let full = spec(
        REGION,
        &sfx,
        catalogue_rules(&sfx, &cfn_override()),
        &[REGION, "ap-southeast-1"],
    );
    let names = full.names();
    let client = aws.config(REGION);
    assert!(
        full.rules.len() >= 20,
        "the catalogue maps most rules: {}",
        full.rules.len()
    );
    assert!(
        full.rules.iter().any(|r| r.periodic)
            && full.rules.iter().any(|r| !r.parameters.is_empty())
    );
    assert!(
        recorders(&aws, REGION).await.is_empty(),
        "{REGION} belongs to this test"
    );
    prerequisites(&aws, &full).await;

    // Dry run on nothing: a plan of creations, no change, manifest untouched.
    let mut m = Manifest::default();
    let plan = ensure(&aws, &full, &mut m, true).await;
    assert_all(&plan, Action::Create);
    assert_eq!(plan.len(), 2 + full.rules.len() + 1, "{plan:#?}");
    assert!(recorders(&aws, REGION).await.is_empty() && channels(&aws, REGION).await.is_empty());
    assert!(rules(&aws, REGION).await.keys().all(|n| !n.ends_with(&sfx)));
    assert_eq!(m, Manifest::default());
    let status = inspect(&aws, &full, &m).await;
    assert!(status.values().all(|s| *s == State::Missing), "{status:#?}");

    // The catalogue as shipped: the drift-detection rule needs a role ARN that
    // only compliance.toml can give. Setup stops on it, naming the rule, and
    // keeps what it made so far in the manifest.
    let error = try_ensure(&aws, &raw, &mut m)
        .await
        .expect_err("the cfn rule is rejected");
    let cfn_name = config_rule_name(CFN_RULE, &sfx);
    assert_eq!(error.code, "InvalidParameterValueException", "{error}");
    assert!(
        error.message.contains(&cfn_name) && error.message.contains(CFN_RULE),
        "{error}"
    );
    assert!(error.message.contains("cloudformationRoleArn"), "{error}");
    assert!(error.message.contains("compliance.toml"), "{error}");
    assert_eq!(m.created.get(kind::RECORDER), Some(&names.recorder));
    assert_eq!(m.created.get(kind::CHANNEL), Some(&names.channel));
    assert!(!m.owns(&rule_kind(&cfn_name)));

    // With the parameter set, setup resumes: recorder and channel are there, the
    // rules and the aggregator are created.
    let steps = ensure(&aws, &full, &mut m, false).await;
    assert_eq!(
        action_of(&steps, kind::RECORDER),
        Action::Unchanged,
        "{steps:#?}"
    );
    assert_eq!(action_of(&steps, kind::CHANNEL), Action::Unchanged);
    assert_eq!(action_of(&steps, kind::AGGREGATOR), Action::Create);
    let created_before_failure: Vec<&ManagedRule> = full
        .rules
        .iter()
        .filter(|r| r.rule_id.as_str() < CFN_RULE)
        .collect();
    for rule in &full.rules {
        let expected = if created_before_failure.iter().any(|r| r.name == rule.name) {
            Action::Unchanged
        } else {
            Action::Create
        };
        assert_eq!(
            action_of(&steps, &rule_kind(&rule.name)),
            expected,
            "{}",
            rule.name
        );
        assert!(m.owns(&rule_kind(&rule.name)));
    }
    assert!(m.owns(kind::AGGREGATOR) && m.adopted.is_empty());

    // The recorder: our role, the registry's recorded types, no global types, recording.
    let found = recorders(&aws, REGION).await;
    assert_eq!(found.len(), 1);
    let recorder = &found[0];
    assert_eq!(recorder.name(), Some(names.recorder.as_str()));
    assert_eq!(recorder.role_arn(), Some(full.role_arn().as_str()));
    let group = recorder.recording_group().expect("recording group");
    assert!(!group.all_supported() && !group.include_global_resource_types());
    let mut types: Vec<&str> = group.resource_types().iter().map(|t| t.as_str()).collect();
    types.sort();
    let mut want_types = config::RECORDED_TYPES.to_vec();
    want_types.sort();
    assert_eq!(types, want_types);
    // Every type a built-in rule judges is recorded, when AWS Config can record it
    // (the SDK's list; our synthetic IAM account types are not Config types).
    let recordable = aws_sdk_config::types::ResourceType::values();
    let catalogue = Catalogue::load(&[RuleSource {
        files: compliance::embedded::rule_files(),
    }])
    .expect("built-in catalogue loads");
    for rule in catalogue.rules() {
        for t in rule
            .resource_types
            .iter()
            .filter(|t| recordable.contains(&t.as_str()))
        {
            assert!(
                types.contains(&t.as_str()),
                "{}: {t} is not recorded",
                rule.id
            );
        }
    }
    assert!(recording(&aws, REGION, &names.recorder).await);

    // The channel: the evidence bucket, no prefix, no topic, our frequency.
    let found = channels(&aws, REGION).await;
    assert_eq!(found.len(), 1);
    let channel = &found[0];
    assert_eq!(channel.name(), Some(names.channel.as_str()));
    assert_eq!(channel.s3_bucket_name(), Some(names.bucket.as_str()));
    assert_eq!(channel.s3_key_prefix(), None);
    assert_eq!(channel.sns_topic_arn(), None);
    assert_eq!(
        channel
            .config_snapshot_delivery_properties()
            .and_then(|p| p.delivery_frequency()),
        Some(&MaximumExecutionFrequency::TwelveHours)
    );

    // Every rule, and a few by name so the catalogue mapping itself is pinned.
    assert_rules_deployed(&aws, &full).await;
    let deployed = rules(&aws, REGION).await;
    let by_id = |id: &str| {
        deployed
            .get(&config_rule_name(id, &sfx))
            .unwrap_or_else(|| panic!("{id}"))
    };
    let params = |id: &str| -> Value {
        serde_json::from_str(by_id(id).input_parameters().unwrap()).unwrap()
    };
    assert_eq!(
        params("ec2-required-tags"),
        json!({"tag1Key": "Environment", "tag2Key": "Owner", "tag3Key": "CostCenter"})
    );
    assert_eq!(
        params("rds-backup-enabled"),
        json!({"backupRetentionMinimum": "7"})
    );
    assert_eq!(
        params("iam-access-keys-rotated"),
        json!({"maxAccessKeyAge": "90"})
    );
    assert_eq!(params("iam-password-policy")["MinimumPasswordLength"], "14");
    assert_eq!(
        params(CFN_RULE)["cloudformationRoleArn"],
        format!("arn:aws:iam::{ACCOUNT}:role/cfn-drift-detection")
    );
    assert!(params("ec2-instance-type-approved")["instanceType"]
        .as_str()
        .unwrap()
        .contains("t3.micro,"));
    assert_eq!(by_id("s3-versioning-enabled").input_parameters(), None);
    assert_eq!(
        by_id("iam-root-no-access-keys").maximum_execution_frequency(),
        Some(&MaximumExecutionFrequency::TwelveHours)
    );
    assert_eq!(
        by_id("s3-tls-only").source().unwrap().source_identifier(),
        Some("S3_BUCKET_SSL_REQUESTS_ONLY")
    );

    // The aggregator: this account, the two regions, our tags.
    let aggregators = client
        .describe_configuration_aggregators()
        .configuration_aggregator_names(&names.aggregator)
        .send()
        .await
        .expect("aggregator");
    let aggregator = &aggregators.configuration_aggregators()[0];
    let sources = aggregator.account_aggregation_sources();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].account_ids(), [ACCOUNT]);
    let mut regions = sources[0].aws_regions().to_vec();
    regions.sort();
    assert_eq!(regions, ["ap-south-1", "ap-southeast-1"]);
    assert!(!sources[0].all_aws_regions());
    assert_our_tags(
        &tags(
            &aws,
            REGION,
            aggregator.configuration_aggregator_arn().unwrap(),
        )
        .await,
        &sfx,
    );

    // Second run: nothing to do; status: all present.
    let again = ensure(&aws, &full, &mut m, false).await;
    assert_all(&again, Action::Unchanged);
    assert_eq!(again.len(), 2 + full.rules.len() + 1);
    let status = inspect(&aws, &full, &m).await;
    assert!(status.values().all(|s| *s == State::Present), "{status:#?}");

    // Drift made by hand: recorder stopped, channel frequency, a rule's
    // parameters and a periodic rule's frequency, the aggregator's regions.
    client
        .stop_configuration_recorder()
        .configuration_recorder_name(&names.recorder)
        .send()
        .await
        .unwrap();
    client
        .put_delivery_channel()
        .delivery_channel(
            DeliveryChannel::builder()
                .name(&names.channel)
                .s3_bucket_name(&names.bucket)
                .config_snapshot_delivery_properties(
                    ConfigSnapshotDeliveryProperties::builder()
                        .delivery_frequency(MaximumExecutionFrequency::OneHour)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let type_rule = config_rule_name("ec2-instance-type-approved", &sfx);
    let keys_rule = config_rule_name("iam-access-keys-rotated", &sfx);
    for (name, identifier, params, frequency) in [
        (
            &type_rule,
            "DESIRED_INSTANCE_TYPE",
            r#"{"instanceType":"t2.micro"}"#,
            None,
        ),
        (
            &keys_rule,
            "ACCESS_KEYS_ROTATED",
            r#"{"maxAccessKeyAge":"90"}"#,
            Some(MaximumExecutionFrequency::OneHour),
        ),
    ] {
        client
            .put_config_rule()
            .config_rule(
                ConfigRule::builder()
                    .config_rule_name(name)
                    .source(
                        Source::builder()
                            .owner(aws_sdk_config::types::Owner::Aws)
                            .source_identifier(identifier)
                            .build()
                            .unwrap(),
                    )
                    .input_parameters(params)
                    .set_maximum_execution_frequency(frequency)
                    .build(),
            )
            .set_tags(Some(
                full.tags()
                    .into_iter()
                    .map(|(k, v)| {
                        aws_sdk_config::types::Tag::builder()
                            .key(k)
                            .value(v)
                            .build()
                    })
                    .collect(),
            ))
            .send()
            .await
            .unwrap();
    }
    client
        .put_configuration_aggregator()
        .configuration_aggregator_name(&names.aggregator)
        .account_aggregation_sources(
            aws_sdk_config::types::AccountAggregationSource::builder()
                .account_ids(ACCOUNT)
                .aws_regions(REGION)
                .build()
                .unwrap(),
        )
        .set_tags(Some(
            full.tags()
                .into_iter()
                .map(|(k, v)| {
                    aws_sdk_config::types::Tag::builder()
                        .key(k)
                        .value(v)
                        .build()
                })
                .collect(),
        ))
        .send()
        .await
        .unwrap();

    let status = inspect(&aws, &full, &m).await;
    let drifted = |k: &str| -> Vec<String> {
        match status.get(k) {
            Some(State::Drifted(r)) => r.clone(),
            other => panic!("{k} is {other:?}, expected drifted"),
        }
    };
    assert!(
        drifted(kind::RECORDER)
            .iter()
            .any(|r| r.contains("recording")),
        "{status:#?}"
    );
    assert!(drifted(kind::CHANNEL)
        .iter()
        .any(|r| r.contains("frequency") && r.contains("One_Hour")));
    assert!(drifted(&rule_kind(&type_rule))
        .iter()
        .any(|r| r.contains("instanceType") && r.contains("t2.micro")));
    assert!(drifted(&rule_kind(&keys_rule))
        .iter()
        .any(|r| r.contains("MaximumExecutionFrequency") && r.contains("Twelve_Hours")));
    assert!(drifted(kind::AGGREGATOR)
        .iter()
        .any(|r| r.contains("regions")));
    let unchanged = status.iter().filter(|(_, s)| **s == State::Present).count();
    assert_eq!(
        unchanged,
        full.rules.len() - 2,
        "only what was changed drifted"
    );

    // A dry run plans the repairs and makes none.
    let plan = ensure(&aws, &full, &mut m, true).await;
    assert_eq!(action_of(&plan, kind::RECORDER), Action::Update);
    assert!(
        !recording(&aws, REGION, &names.recorder).await,
        "dry run started nothing"
    );

    let repair = ensure(&aws, &full, &mut m, false).await;
    let find = |k: &str| repair.iter().find(|s| s.kind == k).unwrap().clone();
    assert_eq!(find(kind::RECORDER).action, Action::Update);
    assert_eq!(
        find(kind::RECORDER).detail,
        ["recording stopped -> started"]
    );
    assert_eq!(
        find(kind::CHANNEL).detail,
        ["snapshot delivery frequency One_Hour -> Twelve_Hours"]
    );
    assert_eq!(find(&rule_kind(&type_rule)).action, Action::Update);
    assert!(find(&rule_kind(&type_rule)).detail[0]
        .starts_with("parameter instanceType t2.micro -> t3.micro,"));
    assert_eq!(
        find(&rule_kind(&keys_rule)).detail,
        ["MaximumExecutionFrequency One_Hour -> Twelve_Hours"]
    );
    assert_eq!(find(kind::AGGREGATOR).action, Action::Update);
    assert_eq!(
        repair.iter().filter(|s| s.action == Action::Update).count(),
        5,
        "{repair:#?}"
    );
    assert!(recording(&aws, REGION, &names.recorder).await);
    assert_rules_deployed(&aws, &full).await;
    assert_all(&ensure(&aws, &full, &mut m, false).await, Action::Unchanged);

    // A rule disabled in compliance.toml and no --regions: ensure deletes the
    // rule and the aggregator setup created (a dry run first only plans it).
    let dropped = config_rule_name("rds-multi-az", &sfx);
    let mut fewer = full.clone();
    fewer.rules.retain(|r| r.name != dropped);
    fewer.aggregator_regions.clear();
    let status = inspect(&aws, &fewer, &m).await;
    assert!(
        matches!(status.get(&rule_kind(&dropped)), Some(State::Drifted(_))),
        "{status:#?}"
    );
    assert!(matches!(
        status.get(kind::AGGREGATOR),
        Some(State::Drifted(_))
    ));
    let plan = ensure(&aws, &fewer, &mut m, true).await;
    assert_eq!(action_of(&plan, &rule_kind(&dropped)), Action::Delete);
    assert_eq!(action_of(&plan, kind::AGGREGATOR), Action::Delete);
    assert!(rules(&aws, REGION).await.contains_key(&dropped));
    let steps = ensure(&aws, &fewer, &mut m, false).await;
    assert_eq!(action_of(&steps, &rule_kind(&dropped)), Action::Delete);
    assert_eq!(action_of(&steps, kind::AGGREGATOR), Action::Delete);
    assert!(!rules(&aws, REGION).await.contains_key(&dropped));
    assert!(!m.owns(&rule_kind(&dropped)) && !m.owns(kind::AGGREGATOR));
    assert!(client
        .describe_configuration_aggregators()
        .configuration_aggregator_names(&names.aggregator)
        .send()
        .await
        .is_err());
    assert_all(
        &ensure(&aws, &fewer, &mut m, false).await,
        Action::Unchanged,
    );
    let steps = ensure(&aws, &full, &mut m, false).await;
    assert_eq!(action_of(&steps, &rule_kind(&dropped)), Action::Create);
    assert_eq!(action_of(&steps, kind::AGGREGATOR), Action::Create);

    // A rule that no longer carries our tags is left by remove.
    let kept = config_rule_name("s3-lifecycle-configured", &sfx);
    let kept_arn = rules(&aws, REGION).await[&kept]
        .config_rule_arn()
        .unwrap()
        .to_string();
    client
        .untag_resource()
        .resource_arn(&kept_arn)
        .tag_keys("ManagedBy")
        .send()
        .await
        .unwrap();

    // remove, planned: deletions and the one Keep; nothing is deleted.
    let before = rules(&aws, REGION).await.len();
    let plan = remove(&aws, &full, &mut m, true).await;
    assert_eq!(action_of(&plan, &rule_kind(&kept)), Action::Keep);
    assert_eq!(action_of(&plan, kind::RECORDER), Action::Delete);
    assert_eq!(action_of(&plan, kind::CHANNEL), Action::Delete);
    assert_eq!(action_of(&plan, kind::AGGREGATOR), Action::Delete);
    assert_eq!(
        plan.iter().filter(|s| s.action == Action::Delete).count(),
        full.rules.len() - 1 + 3
    );
    assert_eq!(rules(&aws, REGION).await.len(), before);
    assert_eq!(recorders(&aws, REGION).await.len(), 1);
    assert!(recording(&aws, REGION, &names.recorder).await);

    // remove: aggregator, rules, then recorder stopped and deleted, channel deleted.
    let steps = remove(&aws, &full, &mut m, false).await;
    let order: Vec<&str> = steps.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(order.first(), Some(&kind::AGGREGATOR));
    assert_eq!(&order[order.len() - 2..], [kind::CHANNEL, kind::RECORDER]);
    assert_eq!(action_of(&steps, &rule_kind(&kept)), Action::Keep);
    assert!(recorders(&aws, REGION).await.is_empty());
    assert!(channels(&aws, REGION).await.is_empty());
    let left: Vec<String> = rules(&aws, REGION)
        .await
        .into_keys()
        .filter(|n| n.ends_with(&sfx))
        .collect();
    assert_eq!(
        left,
        std::slice::from_ref(&kept),
        "only the rule that lost its tags is left"
    );
    assert!(client
        .describe_configuration_aggregators()
        .configuration_aggregator_names(&names.aggregator)
        .send()
        .await
        .is_err());
    assert_eq!(
        m.created.keys().collect::<Vec<_>>(),
        [&rule_kind(&kept)],
        "the kept rule stays on record"
    );

    // remove again: nothing to delete.
    let again = remove(&aws, &full, &mut m, false).await;
    assert!(
        again.iter().all(|s| s.action != Action::Delete),
        "{again:#?}"
    );
    assert_eq!(action_of(&again, &rule_kind(&kept)), Action::Keep);

    // A same-named rule that is neither ours by tag nor by manifest stops setup
    // (here in a dry run, which reads the same way) rather than being taken over.
    let error = config::ensure(&Ctx::new(&aws, &full, true), &mut Manifest::default())
        .await
        .expect_err("a rule under our name that is not ours");
    assert_eq!(error.code, "NameTaken");
    assert!(error.message.contains(&kept), "{error}");
    let status = inspect(&aws, &full, &Manifest::default()).await;
    assert!(
        matches!(status.get(&rule_kind(&kept)), Some(State::Foreign(_))),
        "{status:#?}"
    );

    client
        .delete_config_rule()
        .config_rule_name(&kept)
        .send()
        .await
        .unwrap();
    let last = remove(&aws, &full, &mut m, false).await;
    assert_eq!(action_of(&last, &rule_kind(&kept)), Action::Absent);
    assert!(m.created.is_empty(), "{m:?}");
    drop_prerequisites(&aws, &full).await;
}

/// A recorder that existed before setup is reused, never changed, and left by
/// remove; a channel is created for it when none exists, or reused when one does.
#[tokio::test]
async fn existing_recorder_is_adopted_and_left() {
    const REGION: &str = "ap-southeast-1";
    if support::sdk_config().await.is_none() {
        support::skipped("existing_recorder_is_adopted_and_left");
        return;
    }
    let aws = connect(REGION).await;
    let sfx = suffix("adp");
    let spec = spec(REGION, &sfx, catalogue_rules(&sfx, &cfn_override()), &[]);
    let names = spec.names();
    let client = aws.config(REGION);
    assert!(
        recorders(&aws, REGION).await.is_empty(),
        "{REGION} belongs to this test"
    );
    prerequisites(&aws, &spec).await;

    // The account's own recorder: everything supported, another role, stopped.
    let theirs = format!("default-{sfx}");
    let their_role = format!("arn:aws:iam::{ACCOUNT}:role/their-config-role");
    client
        .put_configuration_recorder()
        .configuration_recorder(
            ConfigurationRecorder::builder()
                .name(&theirs)
                .role_arn(&their_role)
                .recording_group(RecordingGroup::builder().all_supported(true).build())
                .build(),
        )
        .send()
        .await
        .unwrap();

    let mut m = Manifest::default();
    let plan = ensure(&aws, &spec, &mut m, true).await;
    assert_eq!(action_of(&plan, kind::RECORDER), Action::Adopt);
    assert_eq!(action_of(&plan, kind::CHANNEL), Action::Create);
    assert!(channels(&aws, REGION).await.is_empty() && m == Manifest::default());

    let steps = ensure(&aws, &spec, &mut m, false).await;
    let adopt = steps.iter().find(|s| s.kind == kind::RECORDER).unwrap();
    assert_eq!(adopt.action, Action::Adopt);
    assert_eq!(adopt.name, theirs);
    assert_eq!(
        adopt.detail[0],
        format!("existing recorder {theirs} is reused and will be left by teardown")
    );
    assert!(
        adopt.detail.iter().any(|d| d.contains("left unchanged")),
        "{adopt:?}"
    );
    assert!(
        adopt.detail.iter().any(|d| d.contains("not recording")),
        "{adopt:?}"
    );
    assert_eq!(action_of(&steps, kind::CHANNEL), Action::Create);
    for rule in &spec.rules {
        assert_eq!(action_of(&steps, &rule_kind(&rule.name)), Action::Create);
    }
    assert!(
        steps.iter().all(|s| s.kind != kind::AGGREGATOR),
        "no --regions, no aggregator"
    );
    assert_eq!(m.adopted.get(kind::RECORDER), Some(&theirs));
    assert!(!m.owns(kind::RECORDER) && m.owns(kind::CHANNEL));

    // Their recorder is as it was: same role, all supported, not started.
    let found = recorders(&aws, REGION).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name(), Some(theirs.as_str()));
    assert_eq!(found[0].role_arn(), Some(their_role.as_str()));
    assert!(found[0].recording_group().unwrap().all_supported());
    assert!(!recording(&aws, REGION, &theirs).await);
    let channel = &channels(&aws, REGION).await[0];
    assert_eq!(channel.name(), Some(names.channel.as_str()));
    assert_eq!(channel.s3_bucket_name(), Some(names.bucket.as_str()));
    assert_rules_deployed(&aws, &spec).await;

    assert_all(&ensure(&aws, &spec, &mut m, false).await, Action::Unchanged);
    let status = inspect(&aws, &spec, &m).await;
    match status.get(kind::RECORDER) {
        Some(State::Foreign(r)) => assert_eq!(r[0], "adopted: not created by setup"),
        other => panic!("recorder is {other:?}"),
    }
    assert_eq!(status.get(kind::CHANNEL), Some(&State::Present));

    // remove: rules and our channel go; their recorder stays.
    let steps = remove(&aws, &spec, &mut m, false).await;
    assert_eq!(action_of(&steps, kind::RECORDER), Action::Keep);
    assert_eq!(action_of(&steps, kind::CHANNEL), Action::Delete);
    assert_eq!(
        recorders(&aws, REGION).await[0].name(),
        Some(theirs.as_str())
    );
    assert!(channels(&aws, REGION).await.is_empty());
    assert!(rules(&aws, REGION).await.keys().all(|n| !n.ends_with(&sfx)));
    assert!(m.created.is_empty(), "{m:?}");
    let again = remove(&aws, &spec, &mut m, false).await;
    assert!(again.iter().all(|s| s.action == Action::Keep), "{again:#?}");
    assert_eq!(recorders(&aws, REGION).await.len(), 1);

    // Their recorder with their own channel, recording: both adopted, both left
    // running by remove.
    let their_bucket = format!("their-config-{sfx}");
    client
        .put_delivery_channel()
        .delivery_channel(
            DeliveryChannel::builder()
                .name(format!("their-{sfx}"))
                .s3_bucket_name(&their_bucket)
                .build(),
        )
        .send()
        .await
        .unwrap();
    client
        .start_configuration_recorder()
        .configuration_recorder_name(&theirs)
        .send()
        .await
        .unwrap();
    let mut m = Manifest::default();
    let steps = ensure(&aws, &spec, &mut m, false).await;
    assert_eq!(action_of(&steps, kind::RECORDER), Action::Adopt);
    assert_eq!(action_of(&steps, kind::CHANNEL), Action::Adopt);
    assert!(
        m.created.keys().all(|k| k.starts_with("config-rule:")),
        "{m:?}"
    );
    assert_all(&ensure(&aws, &spec, &mut m, false).await, Action::Unchanged);
    let steps = remove(&aws, &spec, &mut m, false).await;
    assert_eq!(action_of(&steps, kind::RECORDER), Action::Keep);
    assert_eq!(action_of(&steps, kind::CHANNEL), Action::Keep);
    assert!(
        recording(&aws, REGION, &theirs).await,
        "their recorder still records"
    );
    assert_eq!(
        channels(&aws, REGION).await[0].s3_bucket_name(),
        Some(their_bucket.as_str())
    );
    assert!(rules(&aws, REGION).await.keys().all(|n| !n.ends_with(&sfx)));
    assert!(m.created.is_empty());

    client
        .stop_configuration_recorder()
        .configuration_recorder_name(&theirs)
        .send()
        .await
        .unwrap();
    client
        .delete_delivery_channel()
        .delivery_channel_name(format!("their-{sfx}"))
        .send()
        .await
        .unwrap();
    client
        .delete_configuration_recorder()
        .configuration_recorder_name(&theirs)
        .send()
        .await
        .unwrap();
    drop_prerequisites(&aws, &spec).await;
}

/// Someone else's recorder, adopted by a first setup without the flag, is
/// extended by a later setup with `--adopt-recorder` (types added, none
/// removed, never started), then reported unchanged; teardown keeps it, and
/// keeps our channel too while their recorder records through it.
#[tokio::test]
async fn adopted_recorder_is_extended_later_with_the_flag_and_never_deleted() {
    const REGION: &str = "ap-northeast-1";
    if support::sdk_config().await.is_none() {
        support::skipped("adopted_recorder_is_extended_later_with_the_flag_and_never_deleted");
        return;
    }
    let aws = connect(REGION).await;
    let sfx = suffix("ext");
    let plain = spec(REGION, &sfx, Vec::new(), &[]);
    let flagged = StackSpec {
        adopt_recorder: true,
        ..plain.clone()
    };
    let client = aws.config(REGION);
    assert!(
        recorders(&aws, REGION).await.is_empty(),
        "{REGION} belongs to this test"
    );
    prerequisites(&aws, &plain).await;
    let theirs = format!("theirs-{sfx}");
    let their_role = format!("arn:aws:iam::{ACCOUNT}:role/their-config-role");
    client
        .put_configuration_recorder()
        .configuration_recorder(
            ConfigurationRecorder::builder()
                .name(&theirs)
                .role_arn(&their_role)
                .recording_group(
                    RecordingGroup::builder()
                        .all_supported(false)
                        .include_global_resource_types(false)
                        .resource_types(aws_sdk_config::types::ResourceType::from(
                            "AWS::S3::Bucket",
                        ))
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let types = |r: &ConfigurationRecorder| -> Vec<String> {
        r.recording_group()
            .map(|g| {
                g.resource_types()
                    .iter()
                    .map(|t| t.as_str().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };

    // Without the flag: adopted as is, the gap said; a second run is unchanged.
    let mut m = Manifest::default();
    let steps = ensure(&aws, &plain, &mut m, false).await;
    let adopt = steps.iter().find(|s| s.kind == kind::RECORDER).unwrap();
    assert_eq!(adopt.action, Action::Adopt, "{steps:#?}");
    assert!(
        adopt.detail.iter().any(|d| d.contains("does not record")),
        "{adopt:?}"
    );
    assert_eq!(
        types(&recorders(&aws, REGION).await[0]),
        ["AWS::S3::Bucket"]
    );
    assert_all(
        &ensure(&aws, &plain, &mut m, false).await,
        Action::Unchanged,
    );

    // With the flag, later: planned, then applied as an update that only adds.
    let plan = ensure(&aws, &flagged, &mut m, true).await;
    assert_eq!(action_of(&plan, kind::RECORDER), Action::Update);
    assert_eq!(types(&recorders(&aws, REGION).await[0]).len(), 1, "dry run");
    let steps = ensure(&aws, &flagged, &mut m, false).await;
    let extend = steps.iter().find(|s| s.kind == kind::RECORDER).unwrap();
    assert_eq!(extend.action, Action::Update);
    assert!(
        extend.detail[0].starts_with("--adopt-recorder: recording group"),
        "{extend:?}"
    );
    let found = &recorders(&aws, REGION).await[0];
    let now = types(found);
    assert!(
        now.len() > 1 && now.contains(&"AWS::S3::Bucket".to_string()),
        "{now:?}"
    );
    assert_eq!(found.name(), Some(theirs.as_str()));
    assert_eq!(found.role_arn(), Some(their_role.as_str()));
    assert!(!recording(&aws, REGION, &theirs).await, "never started");
    assert_all(
        &ensure(&aws, &flagged, &mut m, false).await,
        Action::Unchanged,
    );
    assert_eq!(m.adopted.get(kind::RECORDER), Some(&theirs));

    // Their recorder now records through our channel: teardown keeps both,
    // and the manifest still lists the channel for a later teardown.
    client
        .start_configuration_recorder()
        .configuration_recorder_name(&theirs)
        .send()
        .await
        .unwrap();
    let steps = remove(&aws, &plain, &mut m, false).await;
    let kept = |k: &str| steps.iter().find(|s| s.kind == k).unwrap().clone();
    assert_eq!(kept(kind::RECORDER).action, Action::Keep);
    assert_eq!(
        kept(kind::RECORDER).detail,
        ["adopted: existed before setup, left in place"]
    );
    assert_eq!(kept(kind::CHANNEL).action, Action::Keep, "{steps:#?}");
    assert!(kept(kind::CHANNEL).detail[0].contains("still records through it"));
    assert!(m.owns(kind::CHANNEL));
    assert_eq!(channels(&aws, REGION).await.len(), 1);

    // Once they stop it, teardown removes our channel and still keeps theirs.
    client
        .stop_configuration_recorder()
        .configuration_recorder_name(&theirs)
        .send()
        .await
        .unwrap();
    let steps = remove(&aws, &plain, &mut m, false).await;
    assert_eq!(action_of(&steps, kind::CHANNEL), Action::Delete);
    assert_eq!(action_of(&steps, kind::RECORDER), Action::Keep);
    assert!(channels(&aws, REGION).await.is_empty() && m.created.is_empty());
    assert_eq!(types(&recorders(&aws, REGION).await[0]), now);

    client
        .delete_configuration_recorder()
        .configuration_recorder_name(&theirs)
        .send()
        .await
        .unwrap();
    drop_prerequisites(&aws, &plain).await;
}
