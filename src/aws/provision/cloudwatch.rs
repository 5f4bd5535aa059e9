//! The CloudWatch dashboard over the metrics `scan` publishes (score over time,
//! violations by severity, score by service; its remediation-results widget
//! stays empty until a command publishes those) and the alarm that publishes
//! to the alert topic when the score falls below the threshold.
//!
//! The alarm, and why each setting:
//! - metric `Compliance/ComplianceScore` with dimension `Suffix` (from
//!   `StackSpec::alarm_metric`), statistic **Minimum**: a scan publishes one
//!   score; if several scans land in one period, the worst one decides.
//! - period **3600 s**, 1 evaluation period: the shortest scan interval setup
//!   offers is one hour (`--frequency 1h`), so each period holds at most about
//!   one scan and the alarm reacts within the hour after a bad scan. A period
//!   shorter than the scan interval would only add empty periods.
//! - `LessThanThreshold` with `threshold` from the spec (default 70).
//! - TreatMissingData **notBreaching**: between scans (every 6 h by default)
//!   most periods have no data point. "No scan this hour" says nothing about the
//!   score, so it must neither fire the alarm nor leave it in
//!   INSUFFICIENT_DATA; the last state stands until the next scan reports.
//!   (Detecting scans that stopped altogether would need a separate alarm that
//!   treats missing data as breaching.)
//! - AlarmActions = the alert topic only, tagged like everything else.
//!   Updating an alarm through PutMetricAlarm keeps its tags (CloudWatch ignores
//!   tags on update), so tag drift is repaired with TagResource.
//!
//! The dashboard: body `StackSpec::dashboard_body()`, compared as parsed JSON.
//! Dashboards take no tags, so the manifest is the only proof that setup
//! created one: teardown deletes the dashboard only when `manifest.created`
//! lists it. `ensure` meeting a dashboard under our name that the manifest does
//! not list adopts it as created only when its body is exactly what setup
//! writes (a run that failed before saving its manifest); any other body is
//! someone else's dashboard and setup stops with `NameTaken`.
//!
//! moto 5.2 stores alarms but never evaluates them (they stay in their initial
//! state), so the alarm's firing is only exercised against AWS.

use crate::aws::error::AwsError;
use crate::aws::provision::{
    kind, ours, tag_pairs, tag_refs, tags_text, Action, Ctx, Inspection, State, Step,
};
use crate::core::plan::Planned;
use crate::core::provision::cloudwatch::{alarm_changes, Alarm, Part};
pub use crate::core::provision::cloudwatch::{
    ALARM_EVALUATION_PERIODS, ALARM_PERIOD, ALARM_TREAT_MISSING_DATA,
};
use crate::core::stack::Manifest;
use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension, MetricAlarm, Statistic, Tag,
};
use serde_json::Value;

const SERVICE: &str = "cloudwatch";

pub async fn ensure(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let mut steps = vec![ensure_dashboard(ctx, manifest).await?];
    steps.push(ensure_alarm(ctx, manifest).await?);
    Ok(steps)
}

pub async fn inspect(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Vec<Inspection>, AwsError> {
    let name = ctx.names.dashboard.clone();
    let dashboard = match read_dashboard(ctx).await? {
        None => Inspection::new(kind::DASHBOARD, name, State::Missing),
        Some(body) => {
            let same = body.as_ref() == Some(&ctx.spec.dashboard_body());
            if !manifest.owns(kind::DASHBOARD) && !same {
                Inspection::new(
                    kind::DASHBOARD,
                    name,
                    State::Foreign(vec![
                        "not created by setup (dashboards take no tags and the manifest does not list it)".into(),
                    ]),
                )
            } else if same {
                Inspection::new(kind::DASHBOARD, name, State::Present)
            } else {
                Inspection::new(
                    kind::DASHBOARD,
                    name,
                    State::Drifted(vec![body_reason(&body)]),
                )
            }
        }
    };
    let name = ctx.names.alarm.clone();
    let alarm = match read_alarm(ctx).await? {
        None => Inspection::new(kind::ALARM, name, State::Missing),
        Some((alarm, tags)) => {
            if !ours(ctx.spec, tag_refs(&tags)) && !manifest.owns(kind::ALARM) {
                Inspection::new(
                    kind::ALARM,
                    name,
                    State::Foreign(vec![not_ours_reason(ctx)]),
                )
            } else {
                let reasons: Vec<String> = alarm_changes(ctx.spec, &plain(&alarm), &tags)
                    .iter()
                    .map(Planned::reason)
                    .collect();
                if reasons.is_empty() {
                    Inspection::new(kind::ALARM, name, State::Present)
                } else {
                    Inspection::new(kind::ALARM, name, State::Drifted(reasons))
                }
            }
        }
    };
    Ok(vec![dashboard, alarm])
}

pub async fn remove(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.cloudwatch(region);
    let mut steps = Vec::new();

    let name = ctx.names.alarm.clone();
    steps.push(match read_alarm(ctx).await? {
        None => {
            manifest.created.remove(kind::ALARM);
            Step::new(kind::ALARM, name, Action::Absent)
        }
        Some(_) if !manifest.owns(kind::ALARM) => Step::new(kind::ALARM, name, Action::Keep)
            .with("not created by setup (not in the manifest)"),
        Some((_, tags)) if !ours(ctx.spec, tag_refs(&tags)) => {
            Step::new(kind::ALARM, name, Action::Keep).with(not_ours_reason(ctx))
        }
        Some(_) => {
            if !ctx.dry_run {
                client
                    .delete_alarms()
                    .alarm_names(&name)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(SERVICE, region, "DeleteAlarms", &e))?;
                manifest.created.remove(kind::ALARM);
            }
            Step::new(kind::ALARM, name, Action::Delete)
        }
    });

    let name = ctx.names.dashboard.clone();
    steps.push(match read_dashboard(ctx).await? {
        None => {
            manifest.created.remove(kind::DASHBOARD);
            Step::new(kind::DASHBOARD, name, Action::Absent)
        }
        Some(_) if !manifest.owns(kind::DASHBOARD) => {
            Step::new(kind::DASHBOARD, name, Action::Keep).with(
                "not created by setup: dashboards take no tags and the manifest does not list it",
            )
        }
        Some(_) => {
            if !ctx.dry_run {
                if let Err(e) = client
                    .delete_dashboards()
                    .dashboard_names(&name)
                    .send()
                    .await
                {
                    let error = AwsError::from_sdk(SERVICE, region, "DeleteDashboards", &e);
                    if !is_not_found(&error) {
                        return Err(error);
                    }
                }
                manifest.created.remove(kind::DASHBOARD);
            }
            Step::new(kind::DASHBOARD, name, Action::Delete)
        }
    });
    Ok(steps)
}

async fn ensure_dashboard(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Step, AwsError> {
    let name = ctx.names.dashboard.clone();
    let want = ctx.spec.dashboard_body();
    let step = match read_dashboard(ctx).await? {
        None => Step::new(kind::DASHBOARD, name.clone(), Action::Create).with(
            "widgets: compliance score, violations by severity, score by service, remediation results",
        ),
        Some(found) if found.as_ref() == Some(&want) => {
            if !ctx.dry_run {
                manifest.created.insert(kind::DASHBOARD.into(), name.clone());
            }
            return Ok(Step::new(kind::DASHBOARD, name, Action::Unchanged));
        }
        Some(_) if !manifest.owns(kind::DASHBOARD) => {
            return Err(AwsError::local(
                SERVICE,
                ctx.region(),
                "GetDashboard",
                "NameTaken",
                format!(
                    "dashboard {name} exists, setup's manifest does not list it and its body is not setup's; setup will not overwrite someone else's dashboard: choose another --suffix or remove it"
                ),
            ));
        }
        Some(found) => {
            Step::new(kind::DASHBOARD, name.clone(), Action::Update).with(format!(
                "body {} -> the dashboard setup writes",
                if found.is_some() { "differs" } else { "unreadable" }
            ))
        }
    };
    if ctx.dry_run {
        return Ok(step);
    }
    let region = ctx.region();
    let out = ctx
        .aws
        .cloudwatch(region)
        .put_dashboard()
        .dashboard_name(&name)
        .dashboard_body(want.to_string())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "PutDashboard", &e))?;
    manifest.created.insert(kind::DASHBOARD.into(), name);
    let mut step = step;
    for message in out.dashboard_validation_messages() {
        step = step.with(format!(
            "CloudWatch warns: {} {}",
            message.data_path().unwrap_or_default(),
            message.message().unwrap_or_default()
        ));
    }
    Ok(step)
}

async fn ensure_alarm(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Step, AwsError> {
    let name = ctx.names.alarm.clone();
    let region = ctx.region();
    let Some((alarm, tags)) = read_alarm(ctx).await? else {
        let (namespace, metric, _) = ctx.spec.alarm_metric();
        let step = Step::new(kind::ALARM, name.clone(), Action::Create)
            .with(format!(
                "{namespace}/{metric} ({}) Minimum over {ALARM_PERIOD} s < {} for {ALARM_EVALUATION_PERIODS} period",
                dimensions_text(ctx),
                ctx.spec.threshold
            ))
            .with(format!("missing data {ALARM_TREAT_MISSING_DATA}"))
            .with(format!("alarm action {}", ctx.spec.topic_arn()))
            .with(format!("tags {}", tags_text(ctx)));
        if ctx.dry_run {
            return Ok(step);
        }
        let mut request = put_alarm(ctx);
        for (k, v) in tag_pairs(ctx.spec) {
            request = request.tags(Tag::builder().key(k).value(v).build());
        }
        request
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "PutMetricAlarm", &e))?;
        manifest.created.insert(kind::ALARM.into(), name);
        return Ok(step);
    };
    if !ours(ctx.spec, tag_refs(&tags)) && !manifest.owns(kind::ALARM) {
        return Err(AwsError::local(
            SERVICE,
            region,
            "DescribeAlarms",
            "NameTaken",
            format!(
                "alarm {name} exists but is not tagged ManagedBy=compliance, ComplianceSuffix={} and setup did not create it; setup will not take over someone else's alarm: choose another --suffix or remove it",
                ctx.spec.suffix
            ),
        ));
    }
    if !ctx.dry_run {
        manifest.created.insert(kind::ALARM.into(), name.clone());
    }
    let drifts = alarm_changes(ctx.spec, &plain(&alarm), &tags);
    if drifts.is_empty() {
        return Ok(Step::new(kind::ALARM, name, Action::Unchanged));
    }
    let mut step = Step::new(kind::ALARM, name, Action::Update);
    for drift in &drifts {
        step = step.with(drift.detail());
    }
    if ctx.dry_run {
        return Ok(step);
    }
    if drifts.iter().any(|d| d.by == Part::Settings) {
        put_alarm(ctx)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "PutMetricAlarm", &e))?;
    }
    if drifts.iter().any(|d| d.by == Part::Tags) {
        let mut request = ctx
            .aws
            .cloudwatch(region)
            .tag_resource()
            .resource_arn(alarm.alarm_arn().unwrap_or_default());
        for (k, v) in tag_pairs(ctx.spec) {
            request = request.tags(Tag::builder().key(k).value(v).build());
        }
        request
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "TagResource", &e))?;
    }
    Ok(step)
}

/// PutMetricAlarm with every setting of the spec (it replaces the whole alarm).
fn put_alarm(
    ctx: &Ctx<'_>,
) -> aws_sdk_cloudwatch::operation::put_metric_alarm::builders::PutMetricAlarmFluentBuilder {
    let (namespace, metric, dimensions) = ctx.spec.alarm_metric();
    let mut request = ctx
        .aws
        .cloudwatch(ctx.region())
        .put_metric_alarm()
        .alarm_name(&ctx.names.alarm)
        .alarm_description(format!(
            "compliance {}: the compliance score (minimum over an hour) fell below {}",
            ctx.spec.suffix, ctx.spec.threshold
        ))
        .namespace(namespace)
        .metric_name(metric)
        .statistic(Statistic::Minimum)
        .period(ALARM_PERIOD)
        .evaluation_periods(ALARM_EVALUATION_PERIODS)
        .threshold(ctx.spec.threshold)
        .comparison_operator(ComparisonOperator::LessThanThreshold)
        .treat_missing_data(ALARM_TREAT_MISSING_DATA)
        .actions_enabled(true)
        .alarm_actions(ctx.spec.topic_arn());
    for (name, value) in dimensions {
        request = request.dimensions(Dimension::builder().name(name).value(value).build());
    }
    request
}

/// The alarm as a plain value, for the core's comparison.
fn plain(alarm: &MetricAlarm) -> Alarm {
    Alarm {
        namespace: alarm.namespace().map(str::to_string),
        metric: alarm.metric_name().map(str::to_string),
        dimensions: alarm
            .dimensions()
            .iter()
            .map(|d| {
                (
                    d.name().unwrap_or_default().to_string(),
                    d.value().unwrap_or_default().to_string(),
                )
            })
            .collect(),
        statistic: alarm.statistic().map(|s| s.as_str().to_string()),
        period: alarm.period(),
        evaluation_periods: alarm.evaluation_periods(),
        threshold: alarm.threshold(),
        comparison: alarm.comparison_operator().map(|c| c.as_str().to_string()),
        treat_missing_data: alarm.treat_missing_data().map(str::to_string),
        actions: alarm.alarm_actions().to_vec(),
        actions_enabled: alarm.actions_enabled(),
    }
}

/// The dashboard's body: `None` when absent, `Some(None)` when its body is not JSON.
async fn read_dashboard(ctx: &Ctx<'_>) -> Result<Option<Option<Value>>, AwsError> {
    let region = ctx.region();
    match ctx
        .aws
        .cloudwatch(region)
        .get_dashboard()
        .dashboard_name(&ctx.names.dashboard)
        .send()
        .await
    {
        Ok(out) => Ok(Some(
            out.dashboard_body()
                .and_then(|b| serde_json::from_str(b).ok()),
        )),
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "GetDashboard", &e);
            if is_not_found(&error) {
                Ok(None)
            } else {
                Err(error)
            }
        }
    }
}

/// The alarm and its tags, or `None` when it does not exist.
async fn read_alarm(
    ctx: &Ctx<'_>,
) -> Result<Option<(MetricAlarm, Vec<(String, String)>)>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.cloudwatch(region);
    let out = client
        .describe_alarms()
        .alarm_names(&ctx.names.alarm)
        .alarm_types(AlarmType::MetricAlarm)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "DescribeAlarms", &e))?;
    let Some(alarm) = out
        .metric_alarms()
        .iter()
        .find(|a| a.alarm_name() == Some(ctx.names.alarm.as_str()))
        .cloned()
    else {
        return Ok(None);
    };
    let tags = match alarm.alarm_arn() {
        Some(arn) => client
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "ListTagsForResource", &e))?
            .tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(Some((alarm, tags)))
}

fn is_not_found(error: &AwsError) -> bool {
    error.is(&["ResourceNotFound", "ResourceNotFoundException"])
}

fn body_reason(body: &Option<Value>) -> String {
    match body {
        Some(_) => "body: expected the dashboard setup writes (score, violations by severity, score by service, remediation results), found a different body".into(),
        None => "body: expected the dashboard setup writes, found a body that is not JSON".into(),
    }
}

fn dimensions_text(ctx: &Ctx<'_>) -> String {
    ctx.spec
        .alarm_metric()
        .2
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn not_ours_reason(ctx: &Ctx<'_>) -> String {
    format!(
        "not tagged ManagedBy=compliance, ComplianceSuffix={}",
        ctx.spec.suffix
    )
}
