//! The alerting and history part of `setup`/`status`/`teardown` against moto:
//! the DynamoDB history table, the SNS alert topic and its subscriptions, the
//! EventBridge rule and the CloudWatch dashboard and alarm, driven through
//! their `ensure`/`inspect`/`remove` with a `Ctx` built from a `StackSpec`.
//!
//! Every setting the stack promises is read back through the SDK. moto is one
//! server shared by every test of the run and never reset, so each test has its
//! own suffix, and everything runs in us-west-2.
//!
//! moto limits met here (moto 5.2.5):
//! - `UpdateTable` with an `SSESpecification` is accepted and ignored, so SSE
//!   drift repair is not exercised (SSE is asserted on creation only).
//! - e-mail subscriptions are confirmed at once (AWS keeps them pending until
//!   the recipient clicks), so either state is accepted.
//! - `put_events` to a rule with an SNS target is not implemented: the rule and
//!   its target are asserted as configuration; the topic itself is shown to
//!   deliver by publishing to an SQS queue subscribed by hand.
//! - alarms never change state: only the alarm's configuration is asserted.

use crate::support;

use compliance::aws::provision::{
    cloudwatch, dynamodb, events, kind, sns, Action, Ctx, Inspection, State, Step,
};
use compliance::aws::{Aws, Connection};
use compliance::core::stack::{Frequency, Manifest, Sse, StackSpec};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const REGION: &str = "us-west-2";
const EMAIL: &str = "secops@example.com";

async fn connect() -> Aws {
    Aws::connect(&Connection {
        profile: None,
        region: Some(REGION.into()),
        endpoint_url: None,
        max_attempts: 2,
        call_timeout: Duration::from_secs(30),
    })
    .await
}

/// A suffix no other test or run on the same server uses, within the 15
/// characters of `[a-z0-9-]` a suffix allows.
fn suffix(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0);
    let s = format!(
        "{prefix}{}{n}{}",
        base36(u64::from(std::process::id())),
        base36(micros % 36u64.pow(4))
    );
    assert!(s.len() <= 15, "{s}");
    compliance::core::stack::validate_suffix(&s).expect("a valid suffix");
    s
}

fn base36(mut v: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(v % 36) as usize]);
        v /= 36;
        if v == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

fn spec(suffix: &str, emails: &[&str], retain_days: Option<u32>) -> StackSpec {
    StackSpec {
        suffix: suffix.into(),
        account: support::MOTO_ACCOUNT_ID.into(),
        region: REGION.into(),
        partition: "aws".into(),
        emails: emails.iter().map(|e| e.to_string()).collect(),
        frequency: Frequency::Six,
        sse: Sse::Kms,
        aggregator_regions: vec![],
        aggregator_scope: Default::default(),
        tags: BTreeMap::from([
            ("Owner".to_string(), "secops".to_string()),
            ("Environment".to_string(), "test".to_string()),
        ]),
        rules: vec![],
        threshold: 70.0,
        retain_days,
        adopt_recorder: false,
    }
}

fn manifest(spec: &StackSpec) -> Manifest {
    Manifest {
        version: Manifest::VERSION,
        suffix: spec.suffix.clone(),
        account: spec.account.clone(),
        region: spec.region.clone(),
        ..Manifest::default()
    }
}

/// A KMS key made by hand (the kms step is someone else's), recorded in the
/// manifest the way the kms step records it.
async fn stack_key(aws: &Aws, manifest: &mut Manifest) -> String {
    let out = aws
        .kms(REGION)
        .create_key()
        .description("provision_alerting test key")
        .send()
        .await
        .expect("CreateKey");
    let arn = out
        .key_metadata()
        .map(|k| k.arn().unwrap_or_default().to_string())
        .expect("key metadata");
    manifest.created.insert(kind::KMS_KEY.into(), arn.clone());
    arn
}

async fn ensure_all(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Vec<Step> {
    let mut steps = Vec::new();
    steps.extend(
        dynamodb::ensure(ctx, manifest)
            .await
            .expect("dynamodb ensure"),
    );
    steps.extend(sns::ensure(ctx, manifest).await.expect("sns ensure"));
    steps.extend(events::ensure(ctx, manifest).await.expect("events ensure"));
    steps.extend(
        cloudwatch::ensure(ctx, manifest)
            .await
            .expect("cloudwatch ensure"),
    );
    steps
}

async fn inspect_all(ctx: &Ctx<'_>, manifest: &Manifest) -> Vec<Inspection> {
    let mut out = Vec::new();
    out.extend(
        dynamodb::inspect(ctx, manifest)
            .await
            .expect("dynamodb inspect"),
    );
    out.extend(sns::inspect(ctx, manifest).await.expect("sns inspect"));
    out.extend(
        events::inspect(ctx, manifest)
            .await
            .expect("events inspect"),
    );
    out.extend(
        cloudwatch::inspect(ctx, manifest)
            .await
            .expect("cloudwatch inspect"),
    );
    out
}

async fn remove_all(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Vec<Step> {
    let mut steps = Vec::new();
    steps.extend(
        cloudwatch::remove(ctx, manifest)
            .await
            .expect("cloudwatch remove"),
    );
    steps.extend(events::remove(ctx, manifest).await.expect("events remove"));
    steps.extend(sns::remove(ctx, manifest).await.expect("sns remove"));
    steps.extend(
        dynamodb::remove(ctx, manifest)
            .await
            .expect("dynamodb remove"),
    );
    steps
}

fn step<'s>(steps: &'s [Step], kind: &str) -> &'s Step {
    steps
        .iter()
        .find(|s| s.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} step in {steps:#?}"))
}

fn state<'i>(inspections: &'i [Inspection], kind: &str) -> &'i State {
    &inspections
        .iter()
        .find(|i| i.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} inspection in {inspections:#?}"))
        .state
}

fn drift_reasons(inspections: &[Inspection], kind: &str) -> Vec<String> {
    match state(inspections, kind) {
        State::Drifted(reasons) => reasons.clone(),
        other => panic!("{kind} should be drifted, is {other:?}"),
    }
}

fn assert_tags<'t>(
    spec: &StackSpec,
    what: &str,
    tags: impl IntoIterator<Item = (&'t str, &'t str)>,
) {
    let found: BTreeMap<&str, &str> = tags.into_iter().collect();
    for (k, v) in spec.tags() {
        assert_eq!(
            found.get(k.as_str()).copied(),
            Some(v.as_str()),
            "{what} tag {k}: {found:?}"
        );
    }
}

async fn table_exists(aws: &Aws, name: &str) -> bool {
    match aws
        .dynamodb(REGION)
        .describe_table()
        .table_name(name)
        .send()
        .await
    {
        Ok(out) => {
            out.table()
                .and_then(|t| t.table_status())
                .map(|s| s.as_str())
                != Some("DELETING")
        }
        Err(e) => {
            assert_eq!(
                e.as_service_error()
                    .and_then(|e| { aws_sdk_dynamodb::error::ProvideErrorMetadata::code(e) }),
                Some("ResourceNotFoundException"),
                "{e:?}"
            );
            false
        }
    }
}

async fn topic_exists(aws: &Aws, arn: &str) -> bool {
    aws.sns(REGION)
        .get_topic_attributes()
        .topic_arn(arn)
        .send()
        .await
        .is_ok()
}

async fn rule_exists(aws: &Aws, name: &str) -> bool {
    aws.events(REGION)
        .describe_rule()
        .name(name)
        .send()
        .await
        .is_ok()
}

async fn dashboard_exists(aws: &Aws, name: &str) -> bool {
    aws.cloudwatch(REGION)
        .get_dashboard()
        .dashboard_name(name)
        .send()
        .await
        .is_ok()
}

async fn alarm(aws: &Aws, name: &str) -> Option<aws_sdk_cloudwatch::types::MetricAlarm> {
    aws.cloudwatch(REGION)
        .describe_alarms()
        .alarm_names(name)
        .send()
        .await
        .expect("DescribeAlarms")
        .metric_alarms()
        .first()
        .cloned()
}

async fn pitr_enabled(aws: &Aws, table: &str) -> bool {
    aws.dynamodb(REGION)
        .describe_continuous_backups()
        .table_name(table)
        .send()
        .await
        .expect("DescribeContinuousBackups")
        .continuous_backups_description()
        .and_then(|c| c.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status())
        .map(|s| s.as_str().to_string())
        .as_deref()
        == Some("ENABLED")
}

async fn ttl(aws: &Aws, table: &str) -> (String, Option<String>) {
    let out = aws
        .dynamodb(REGION)
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .expect("DescribeTimeToLive");
    let d = out.time_to_live_description().expect("TTL description");
    (
        d.time_to_live_status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        d.attribute_name().map(str::to_string),
    )
}

async fn email_subscriptions(aws: &Aws, topic: &str) -> Vec<(String, String)> {
    aws.sns(REGION)
        .list_subscriptions_by_topic()
        .topic_arn(topic)
        .send()
        .await
        .expect("ListSubscriptionsByTopic")
        .subscriptions()
        .iter()
        .filter(|s| s.protocol() == Some("email"))
        .map(|s| {
            (
                s.endpoint().unwrap_or_default().to_string(),
                s.subscription_arn().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Every setting of the five resources, read back through the SDK.
async fn assert_settings(aws: &Aws, spec: &StackSpec, key: &str) {
    let names = spec.names();

    // The history table.
    let table = aws
        .dynamodb(REGION)
        .describe_table()
        .table_name(&names.table)
        .send()
        .await
        .expect("DescribeTable")
        .table
        .expect("a table");
    assert_eq!(
        table
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|b| b.as_str()),
        Some("PAY_PER_REQUEST")
    );
    let keys: Vec<(&str, &str)> = table
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type().as_str()))
        .collect();
    assert_eq!(keys, [("resourceId", "HASH"), ("timestamp", "RANGE")]);
    for attribute in ["resourceId", "timestamp", "scan_id"] {
        let def = table
            .attribute_definitions()
            .iter()
            .find(|d| d.attribute_name() == attribute)
            .unwrap_or_else(|| panic!("attribute {attribute} is defined"));
        assert_eq!(def.attribute_type().as_str(), "S", "{attribute}");
    }
    let index = table
        .global_secondary_indexes()
        .iter()
        .find(|i| i.index_name() == Some(names.scan_index.as_str()))
        .expect("the scan id index");
    let index_keys: Vec<(&str, &str)> = index
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type().as_str()))
        .collect();
    assert_eq!(index_keys, [("scan_id", "HASH"), ("resourceId", "RANGE")]);
    assert_eq!(
        index
            .projection()
            .and_then(|p| p.projection_type())
            .map(|p| p.as_str()),
        Some("ALL")
    );
    let sse = table.sse_description().expect("SSE description");
    assert_eq!(sse.status().map(|s| s.as_str()), Some("ENABLED"));
    assert_eq!(sse.sse_type().map(|s| s.as_str()), Some("KMS"));
    assert_eq!(sse.kms_master_key_arn(), Some(key));
    assert!(pitr_enabled(aws, &names.table).await, "PITR enabled");
    assert_eq!(
        ttl(aws, &names.table).await,
        ("ENABLED".to_string(), Some("expires_at".to_string()))
    );
    let tags = aws
        .dynamodb(REGION)
        .list_tags_of_resource()
        .resource_arn(table.table_arn().expect("table ARN"))
        .send()
        .await
        .expect("ListTagsOfResource");
    assert_tags(
        spec,
        "table",
        tags.tags().iter().map(|t| (t.key(), t.value())),
    );

    // The topic.
    let topic = spec.topic_arn();
    let attributes = aws
        .sns(REGION)
        .get_topic_attributes()
        .topic_arn(&topic)
        .send()
        .await
        .expect("GetTopicAttributes")
        .attributes()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        attributes.get("KmsMasterKeyId").map(String::as_str),
        Some(key)
    );
    let delivery: Value =
        serde_json::from_str(&attributes["DeliveryPolicy"]).expect("DeliveryPolicy is JSON");
    assert_eq!(delivery, sns::delivery_policy());
    let retry = &delivery["http"]["defaultHealthyRetryPolicy"];
    assert_eq!(retry["numRetries"], 3);
    assert_eq!(retry["backoffFunction"], "linear");
    let policy: Value = serde_json::from_str(&attributes["Policy"]).expect("Policy is JSON");
    let statement = &policy["Statement"][0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Action"], "sns:Publish");
    assert_eq!(
        statement["Principal"]["Service"],
        serde_json::json!(["events.amazonaws.com", "cloudwatch.amazonaws.com"])
    );
    assert_eq!(
        statement["Condition"]["StringEquals"]["aws:SourceAccount"],
        support::MOTO_ACCOUNT_ID
    );
    let tags = aws
        .sns(REGION)
        .list_tags_for_resource()
        .resource_arn(&topic)
        .send()
        .await
        .expect("ListTagsForResource");
    assert_tags(
        spec,
        "topic",
        tags.tags().iter().map(|t| (t.key(), t.value())),
    );
    let subscriptions = email_subscriptions(aws, &topic).await;
    assert_eq!(subscriptions.len(), 1, "{subscriptions:?}");
    assert_eq!(subscriptions[0].0, EMAIL);
    // moto confirms at once; AWS lists the ARN as PendingConfirmation until
    // the recipient clicks.
    let arn = &subscriptions[0].1;
    assert!(
        arn == "PendingConfirmation" || arn.starts_with(&format!("{topic}:")),
        "{arn}"
    );

    // The EventBridge rule.
    let rule = aws
        .events(REGION)
        .describe_rule()
        .name(&names.event_rule)
        .send()
        .await
        .expect("DescribeRule");
    assert_eq!(rule.state().map(|s| s.as_str()), Some("ENABLED"));
    assert_eq!(rule.event_bus_name(), Some("default"));
    let pattern: Value =
        serde_json::from_str(rule.event_pattern().expect("a pattern")).expect("pattern JSON");
    assert_eq!(pattern, spec.event_pattern());
    assert_eq!(
        pattern["detail"]["newEvaluationResult"]["complianceType"],
        serde_json::json!(["NON_COMPLIANT"])
    );
    assert_eq!(
        pattern["detail-type"],
        serde_json::json!(["Config Rules Compliance Change"])
    );
    let targets = aws
        .events(REGION)
        .list_targets_by_rule()
        .rule(&names.event_rule)
        .send()
        .await
        .expect("ListTargetsByRule");
    assert_eq!(targets.targets().len(), 1);
    let target = &targets.targets()[0];
    assert_eq!(target.id(), events::TARGET_ID);
    assert_eq!(target.arn(), topic);
    let transformer = target.input_transformer().expect("an input transformer");
    let paths: BTreeMap<String, String> = transformer
        .input_paths_map()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect();
    assert_eq!(paths, spec.event_input_paths());
    assert_eq!(paths["rule"], "$.detail.configRuleName");
    assert_eq!(transformer.input_template(), spec.event_input_template());
    let tags = aws
        .events(REGION)
        .list_tags_for_resource()
        .resource_arn(rule.arn().expect("rule ARN"))
        .send()
        .await
        .expect("ListTagsForResource");
    assert_tags(
        spec,
        "rule",
        tags.tags().iter().map(|t| (t.key(), t.value())),
    );

    // The dashboard.
    let dashboard = aws
        .cloudwatch(REGION)
        .get_dashboard()
        .dashboard_name(&names.dashboard)
        .send()
        .await
        .expect("GetDashboard");
    let body: Value =
        serde_json::from_str(dashboard.dashboard_body().expect("a body")).expect("body JSON");
    assert_eq!(body, spec.dashboard_body());
    let metrics: Vec<String> = body["widgets"]
        .as_array()
        .expect("widgets")
        .iter()
        .flat_map(|w| {
            w["properties"]["metrics"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|m| m[1].as_str().unwrap_or_default().to_string())
        .collect();
    for metric in ["ComplianceScore", "Violations", "ServiceScore"] {
        assert!(
            metrics.iter().any(|m| m == metric),
            "{metric} in {metrics:?}"
        );
    }

    // The alarm.
    let alarm = alarm(aws, &names.alarm).await.expect("the alarm");
    assert_eq!(alarm.namespace(), Some("Compliance"));
    assert_eq!(alarm.metric_name(), Some("ComplianceScore"));
    let dimensions: Vec<(&str, &str)> = alarm
        .dimensions()
        .iter()
        .map(|d| (d.name().unwrap_or_default(), d.value().unwrap_or_default()))
        .collect();
    assert_eq!(dimensions, [("Suffix", spec.suffix.as_str())]);
    assert_eq!(alarm.statistic().map(|s| s.as_str()), Some("Minimum"));
    assert_eq!(alarm.period(), Some(3600));
    assert_eq!(alarm.evaluation_periods(), Some(1));
    assert_eq!(alarm.threshold(), Some(spec.threshold));
    assert_eq!(
        alarm.comparison_operator().map(|c| c.as_str()),
        Some("LessThanThreshold")
    );
    assert_eq!(alarm.treat_missing_data(), Some("notBreaching"));
    assert_eq!(alarm.alarm_actions(), std::slice::from_ref(&topic));
    assert_eq!(alarm.actions_enabled(), Some(true));
    let tags = aws
        .cloudwatch(REGION)
        .list_tags_for_resource()
        .resource_arn(alarm.alarm_arn().expect("alarm ARN"))
        .send()
        .await
        .expect("ListTagsForResource");
    assert_tags(
        spec,
        "alarm",
        tags.tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    );
}

/// The topic delivers: an SQS queue subscribed by hand receives a message
/// published to it (moto cannot deliver EventBridge events to SNS).
async fn assert_topic_delivers(aws: &Aws, spec: &StackSpec) {
    let sqs = aws.sqs(REGION);
    let queue = sqs
        .create_queue()
        .queue_name(format!("compliance-alerts-probe-{}", spec.suffix))
        .send()
        .await
        .expect("CreateQueue");
    let url = queue.queue_url().expect("queue URL").to_string();
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("GetQueueAttributes");
    let queue_arn = attributes
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .expect("queue ARN")
        .clone();
    let subscription = aws
        .sns(REGION)
        .subscribe()
        .topic_arn(spec.topic_arn())
        .protocol("sqs")
        .endpoint(&queue_arn)
        .return_subscription_arn(true)
        .send()
        .await
        .expect("Subscribe sqs");
    aws.sns(REGION)
        .publish()
        .topic_arn(spec.topic_arn())
        .subject("compliance test")
        .message("score 42 below 70")
        .send()
        .await
        .expect("Publish");
    let received = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .wait_time_seconds(2)
        .send()
        .await
        .expect("ReceiveMessage");
    assert!(
        received
            .messages()
            .iter()
            .any(|m| m.body().unwrap_or_default().contains("score 42 below 70")),
        "{received:?}"
    );
    aws.sns(REGION)
        .unsubscribe()
        .subscription_arn(subscription.subscription_arn().expect("subscription ARN"))
        .send()
        .await
        .expect("Unsubscribe sqs");
    sqs.delete_queue()
        .queue_url(&url)
        .send()
        .await
        .expect("DeleteQueue");
}

#[tokio::test]
async fn alerting_stack_is_created_checked_repaired_and_removed() {
    if support::sdk_config().await.is_none() {
        support::skipped("alerting_stack_is_created_checked_repaired_and_removed");
        return;
    }
    let aws = connect().await;
    let spec = spec(&suffix("al"), &[EMAIL], Some(90));
    let names = spec.names();
    let mut manifest = manifest(&spec);
    let key = stack_key(&aws, &mut manifest).await;
    let ctx = Ctx::new(&aws, &spec, false);

    // First run creates everything and records it.
    let steps = ensure_all(&ctx, &mut manifest).await;
    for kind in [
        kind::TABLE,
        kind::TOPIC,
        kind::SUBSCRIPTION,
        kind::EVENT_RULE,
        kind::DASHBOARD,
        kind::ALARM,
    ] {
        let s = step(&steps, kind);
        assert_eq!(s.action, Action::Create, "{s:?}");
        assert!(!s.detail.is_empty(), "{s:?} says what it sets");
    }
    assert!(step(&steps, kind::TABLE)
        .detail
        .iter()
        .any(|d| d.contains(&key)));
    assert_eq!(manifest.created[kind::TABLE], names.table);
    assert_eq!(manifest.created[kind::TOPIC], spec.topic_arn());
    assert!(
        manifest.created[&format!("{}:{EMAIL}", kind::SUBSCRIPTION)].starts_with(&spec.topic_arn())
    );
    assert!(manifest.created[kind::EVENT_RULE].ends_with(&format!("rule/{}", names.event_rule)));
    assert_eq!(manifest.created[kind::DASHBOARD], names.dashboard);
    assert_eq!(manifest.created[kind::ALARM], names.alarm);
    assert!(manifest.adopted.is_empty());

    assert_settings(&aws, &spec, &key).await;
    assert_topic_delivers(&aws, &spec).await;

    // Second run: nothing to do, and status agrees.
    let again = ensure_all(&ctx, &mut manifest).await;
    assert!(
        again.iter().all(|s| s.action == Action::Unchanged),
        "{again:#?}"
    );
    let status = inspect_all(&ctx, &manifest).await;
    assert!(
        status.iter().all(|i| i.state == State::Present),
        "{status:#?}"
    );

    // Drift made by hand.
    aws.dynamodb(REGION)
        .update_continuous_backups()
        .table_name(&names.table)
        .point_in_time_recovery_specification(
            aws_sdk_dynamodb::types::PointInTimeRecoverySpecification::builder()
                .point_in_time_recovery_enabled(false)
                .build()
                .expect("PITR spec"),
        )
        .send()
        .await
        .expect("disable PITR");
    aws.cloudwatch(REGION)
        .put_metric_alarm()
        .alarm_name(&names.alarm)
        .namespace("Compliance")
        .metric_name("ComplianceScore")
        .dimensions(
            aws_sdk_cloudwatch::types::Dimension::builder()
                .name("Suffix")
                .value(&spec.suffix)
                .build(),
        )
        .statistic(aws_sdk_cloudwatch::types::Statistic::Minimum)
        .period(3600)
        .evaluation_periods(1)
        .threshold(50.0)
        .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::LessThanThreshold)
        .treat_missing_data("notBreaching")
        .alarm_actions(spec.topic_arn())
        .send()
        .await
        .expect("change the alarm threshold");
    aws.events(REGION)
        .disable_rule()
        .name(&names.event_rule)
        .send()
        .await
        .expect("disable the rule");
    aws.sns(REGION)
        .set_topic_attributes()
        .topic_arn(spec.topic_arn())
        .attribute_name("KmsMasterKeyId")
        .attribute_value("")
        .send()
        .await
        .expect("drop the topic's key");

    let status = inspect_all(&ctx, &manifest).await;
    let table = drift_reasons(&status, kind::TABLE);
    assert!(
        table.iter().any(|r| r.starts_with("point-in-time recovery")
            && r.contains("expected ENABLED")
            && r.contains("found DISABLED")),
        "{table:?}"
    );
    let alarm_reasons = drift_reasons(&status, kind::ALARM);
    assert!(
        alarm_reasons
            .iter()
            .any(|r| r.starts_with("threshold") && r.contains("70") && r.contains("50")),
        "{alarm_reasons:?}"
    );
    let rule = drift_reasons(&status, kind::EVENT_RULE);
    assert!(
        rule.iter()
            .any(|r| r.starts_with("state") && r.contains("DISABLED")),
        "{rule:?}"
    );
    let topic = drift_reasons(&status, kind::TOPIC);
    assert!(
        topic
            .iter()
            .any(|r| r.starts_with("KmsMasterKeyId") && r.contains(&key)),
        "{topic:?}"
    );
    assert_eq!(state(&status, kind::DASHBOARD), &State::Present);

    // A dry run plans the repairs and makes none.
    let dry = Ctx::new(&aws, &spec, true);
    let before = manifest.clone();
    let plan = ensure_all(&dry, &mut manifest).await;
    for kind in [kind::TABLE, kind::TOPIC, kind::EVENT_RULE, kind::ALARM] {
        assert_eq!(step(&plan, kind).action, Action::Update, "{plan:#?}");
    }
    assert_eq!(step(&plan, kind::DASHBOARD).action, Action::Unchanged);
    assert_eq!(manifest, before);
    assert!(
        !pitr_enabled(&aws, &names.table).await,
        "dry run left PITR off"
    );
    assert_eq!(
        alarm(&aws, &names.alarm).await.and_then(|a| a.threshold()),
        Some(50.0)
    );

    // The real run repairs each drifted setting, one detail line each.
    let repaired = ensure_all(&ctx, &mut manifest).await;
    let table = step(&repaired, kind::TABLE);
    assert_eq!(table.action, Action::Update);
    assert_eq!(
        table.detail,
        ["point-in-time recovery DISABLED -> ENABLED"],
        "{table:?}"
    );
    let alarm_step = step(&repaired, kind::ALARM);
    assert_eq!(alarm_step.action, Action::Update);
    assert_eq!(alarm_step.detail, ["threshold 50 -> 70"], "{alarm_step:?}");
    assert_eq!(
        step(&repaired, kind::EVENT_RULE).detail,
        ["state DISABLED -> ENABLED"]
    );
    assert_eq!(
        step(&repaired, kind::TOPIC).detail,
        [format!("KmsMasterKeyId none -> {key}")]
    );
    let status = inspect_all(&ctx, &manifest).await;
    assert!(
        status.iter().all(|i| i.state == State::Present),
        "{status:#?}"
    );
    assert_settings(&aws, &spec, &key).await;
    let third = ensure_all(&ctx, &mut manifest).await;
    assert!(
        third.iter().all(|s| s.action == Action::Unchanged),
        "{third:#?}"
    );

    // Teardown, planned first: nothing goes.
    let before = manifest.clone();
    let plan = remove_all(&dry, &mut manifest).await;
    for kind in [
        kind::TABLE,
        kind::TOPIC,
        kind::SUBSCRIPTION,
        kind::EVENT_RULE,
        kind::DASHBOARD,
        kind::ALARM,
    ] {
        assert_eq!(step(&plan, kind).action, Action::Delete, "{plan:#?}");
    }
    assert_eq!(manifest, before);
    assert!(table_exists(&aws, &names.table).await);
    assert!(topic_exists(&aws, &spec.topic_arn()).await);
    assert!(rule_exists(&aws, &names.event_rule).await);
    assert!(dashboard_exists(&aws, &names.dashboard).await);
    assert!(alarm(&aws, &names.alarm).await.is_some());

    // Then for real: everything goes, and the manifest keeps only the key
    // (which is the kms step's to remove).
    let removed = remove_all(&ctx, &mut manifest).await;
    assert!(
        removed.iter().all(|s| s.action == Action::Delete),
        "{removed:#?}"
    );
    assert!(!table_exists(&aws, &names.table).await);
    assert!(!topic_exists(&aws, &spec.topic_arn()).await);
    assert!(!rule_exists(&aws, &names.event_rule).await);
    assert!(!dashboard_exists(&aws, &names.dashboard).await);
    assert!(alarm(&aws, &names.alarm).await.is_none());
    assert_eq!(
        manifest.created.keys().collect::<Vec<_>>(),
        [kind::KMS_KEY],
        "{manifest:?}"
    );
    let status = inspect_all(&ctx, &manifest).await;
    assert!(
        status.iter().all(|i| i.state == State::Missing),
        "{status:#?}"
    );

    // Teardown again: nothing to do.
    let again = remove_all(&ctx, &mut manifest).await;
    assert!(
        again.iter().all(|s| s.action == Action::Absent),
        "{again:#?}"
    );
}

#[tokio::test]
async fn dry_run_plans_creation_and_touches_nothing() {
    if support::sdk_config().await.is_none() {
        support::skipped("dry_run_plans_creation_and_touches_nothing");
        return;
    }
    let aws = connect().await;
    let spec = spec(&suffix("dr"), &[EMAIL], None);
    let names = spec.names();
    let mut manifest = manifest(&spec);
    let before = manifest.clone();
    let ctx = Ctx::new(&aws, &spec, true);

    let plan = ensure_all(&ctx, &mut manifest).await;
    for kind in [
        kind::TABLE,
        kind::TOPIC,
        kind::SUBSCRIPTION,
        kind::EVENT_RULE,
        kind::DASHBOARD,
        kind::ALARM,
    ] {
        assert_eq!(step(&plan, kind).action, Action::Create, "{plan:#?}");
    }
    // No key exists yet in a dry run: the plan says the kms step provides it.
    assert!(step(&plan, kind::TABLE)
        .detail
        .iter()
        .any(|d| d.contains("created by the kms step")));
    assert_eq!(manifest, before);
    assert!(!table_exists(&aws, &names.table).await);
    assert!(!topic_exists(&aws, &spec.topic_arn()).await);
    assert!(!rule_exists(&aws, &names.event_rule).await);
    assert!(!dashboard_exists(&aws, &names.dashboard).await);
    assert!(alarm(&aws, &names.alarm).await.is_none());
    let status = inspect_all(&Ctx::new(&aws, &spec, false), &manifest).await;
    assert!(
        status.iter().all(|i| i.state == State::Missing),
        "{status:#?}"
    );

    // Teardown of a suffix that never existed: nothing to do, nothing fails.
    let removed = remove_all(&Ctx::new(&aws, &spec, false), &mut manifest).await;
    assert!(
        removed.iter().all(|s| s.action == Action::Absent),
        "{removed:#?}"
    );
}

#[tokio::test]
async fn resources_under_our_names_that_are_not_ours_are_refused_and_kept() {
    if support::sdk_config().await.is_none() {
        support::skipped("resources_under_our_names_that_are_not_ours_are_refused_and_kept");
        return;
    }
    let aws = connect().await;
    let spec = spec(&suffix("fo"), &[EMAIL], None);
    let names = spec.names();
    let topic = spec.topic_arn();

    // Someone else's topic, dashboard and alarm under our names, untagged.
    aws.sns(REGION)
        .create_topic()
        .name(&names.topic)
        .tags(
            aws_sdk_sns::types::Tag::builder()
                .key("Team")
                .value("payments")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("CreateTopic");
    let foreign_body = r#"{"widgets":[{"type":"text","x":0,"y":0,"width":6,"height":3,"properties":{"markdown":"payments"}}]}"#;
    aws.cloudwatch(REGION)
        .put_dashboard()
        .dashboard_name(&names.dashboard)
        .dashboard_body(foreign_body)
        .send()
        .await
        .expect("PutDashboard");
    aws.cloudwatch(REGION)
        .put_metric_alarm()
        .alarm_name(&names.alarm)
        .namespace("Payments")
        .metric_name("Errors")
        .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .expect("PutMetricAlarm");

    let mut manifest = manifest(&spec);
    let ctx = Ctx::new(&aws, &spec, false);
    for result in [
        sns::ensure(&ctx, &mut manifest).await,
        cloudwatch::ensure(&ctx, &mut manifest).await,
    ] {
        let error = result.expect_err("setup refuses someone else's resource");
        assert_eq!(error.code, "NameTaken", "{error}");
    }
    assert!(manifest.created.is_empty(), "{manifest:?}");

    let status = inspect_all(&ctx, &manifest).await;
    for kind in [kind::TOPIC, kind::DASHBOARD, kind::ALARM] {
        assert!(
            matches!(state(&status, kind), State::Foreign(_)),
            "{kind}: {status:#?}"
        );
    }

    // Teardown keeps them, whether the manifest is silent about them or
    // (wrongly) claims them: the topic and alarm carry no tags of ours.
    let removed = remove_all(&ctx, &mut manifest).await;
    for kind in [kind::TOPIC, kind::DASHBOARD, kind::ALARM] {
        assert_eq!(step(&removed, kind).action, Action::Keep, "{removed:#?}");
    }
    manifest.created.insert(kind::TOPIC.into(), topic.clone());
    manifest
        .created
        .insert(kind::ALARM.into(), names.alarm.clone());
    let removed = remove_all(&ctx, &mut manifest).await;
    assert_eq!(step(&removed, kind::TOPIC).action, Action::Keep);
    assert_eq!(step(&removed, kind::ALARM).action, Action::Keep);
    assert!(topic_exists(&aws, &topic).await);
    assert!(dashboard_exists(&aws, &names.dashboard).await);
    assert!(alarm(&aws, &names.alarm).await.is_some());

    // Clean up by hand.
    aws.sns(REGION)
        .delete_topic()
        .topic_arn(&topic)
        .send()
        .await
        .expect("DeleteTopic");
    aws.cloudwatch(REGION)
        .delete_dashboards()
        .dashboard_names(&names.dashboard)
        .send()
        .await
        .expect("DeleteDashboards");
    aws.cloudwatch(REGION)
        .delete_alarms()
        .alarm_names(&names.alarm)
        .send()
        .await
        .expect("DeleteAlarms");
}

#[tokio::test]
async fn ttl_and_subscriptions_follow_the_spec() {
    if support::sdk_config().await.is_none() {
        support::skipped("ttl_and_subscriptions_follow_the_spec");
        return;
    }
    let aws = connect().await;
    let suffix = suffix("tt");
    let other = "audit@example.com";
    let first = spec(&suffix, &[EMAIL, other], None);
    let names = first.names();
    let topic = first.topic_arn();
    // No stack key: the table falls back to DynamoDB's AWS-managed key and
    // the topic stays unencrypted, and both steps say so.
    let mut manifest = manifest(&first);
    let ctx = Ctx::new(&aws, &first, false);
    let mut steps = dynamodb::ensure(&ctx, &mut manifest)
        .await
        .expect("dynamodb");
    steps.extend(sns::ensure(&ctx, &mut manifest).await.expect("sns"));
    assert!(step(&steps, kind::TABLE)
        .detail
        .iter()
        .any(|d| d.contains("AWS-managed key")));
    assert!(step(&steps, kind::TOPIC)
        .detail
        .iter()
        .any(|d| d.contains("not encrypted at rest")));
    assert_eq!(
        steps
            .iter()
            .filter(|s| s.kind == kind::SUBSCRIPTION && s.action == Action::Create)
            .count(),
        2
    );
    assert_eq!(ttl(&aws, &names.table).await.0, "DISABLED");
    let sse = aws
        .dynamodb(REGION)
        .describe_table()
        .table_name(&names.table)
        .send()
        .await
        .expect("DescribeTable")
        .table
        .and_then(|t| t.sse_description().cloned())
        .expect("SSE description");
    assert_eq!(sse.sse_type().map(|s| s.as_str()), Some("KMS"));
    let status = inspect_all(&ctx, &manifest).await;
    assert_eq!(state(&status, kind::TABLE), &State::Present, "{status:#?}");
    assert_eq!(state(&status, kind::TOPIC), &State::Present, "{status:#?}");

    // Retention turned on and one address dropped.
    let second = spec(&suffix, &[EMAIL], Some(30));
    let ctx = Ctx::new(&aws, &second, false);
    let mut status = dynamodb::inspect(&ctx, &manifest).await.expect("inspect");
    status.extend(sns::inspect(&ctx, &manifest).await.expect("inspect"));
    let reasons = drift_reasons(&status, kind::TABLE);
    assert_eq!(
        reasons,
        ["TTL: expected enabled on expires_at, found disabled"]
    );
    let dropped = status
        .iter()
        .find(|i| i.kind == kind::SUBSCRIPTION && i.name == other)
        .expect("the dropped address is inspected");
    assert!(matches!(dropped.state, State::Drifted(_)), "{dropped:?}");

    let mut steps = dynamodb::ensure(&ctx, &mut manifest)
        .await
        .expect("dynamodb");
    steps.extend(sns::ensure(&ctx, &mut manifest).await.expect("sns"));
    assert_eq!(
        step(&steps, kind::TABLE).detail,
        ["TTL disabled -> enabled on expires_at"]
    );
    let unsubscribed = steps
        .iter()
        .find(|s| s.kind == kind::SUBSCRIPTION && s.name == other)
        .expect("a step for the dropped address");
    assert_eq!(unsubscribed.action, Action::Delete, "{steps:#?}");
    assert_eq!(
        ttl(&aws, &names.table).await,
        ("ENABLED".to_string(), Some("expires_at".to_string()))
    );
    let left: Vec<String> = email_subscriptions(&aws, &topic)
        .await
        .into_iter()
        .map(|(endpoint, _)| endpoint)
        .collect();
    assert_eq!(left, [EMAIL]);
    assert!(!manifest
        .created
        .contains_key(&format!("{}:{other}", kind::SUBSCRIPTION)));

    // And back: retention off turns TTL off.
    let ctx = Ctx::new(&aws, &first, false);
    let steps = dynamodb::ensure(&ctx, &mut manifest)
        .await
        .expect("dynamodb");
    assert_eq!(
        step(&steps, kind::TABLE).detail,
        ["TTL enabled on expires_at -> disabled"]
    );
    assert_eq!(ttl(&aws, &names.table).await.0, "DISABLED");

    let ctx = Ctx::new(&aws, &second, false);
    let mut removed = sns::remove(&ctx, &mut manifest).await.expect("sns remove");
    removed.extend(
        dynamodb::remove(&ctx, &mut manifest)
            .await
            .expect("dynamodb remove"),
    );
    assert!(
        removed.iter().all(|s| s.action == Action::Delete),
        "{removed:#?}"
    );
    assert!(manifest.created.is_empty(), "{manifest:?}");
    assert!(!table_exists(&aws, &names.table).await);
    assert!(!topic_exists(&aws, &topic).await);
}
