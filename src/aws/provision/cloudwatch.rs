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
    kind, setup, status, tag_pairs, tags_text, teardown, Ctx, Inspection, Managed, Step,
};
use crate::core::plan::{Planned, Unowned};
use crate::core::provision::cloudwatch::{alarm_changes, dashboard_changes, Alarm, Body, Part};
pub use crate::core::provision::cloudwatch::{
    ALARM_EVALUATION_PERIODS, ALARM_PERIOD, ALARM_TREAT_MISSING_DATA,
};
use crate::core::stack::Manifest;
use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension, MetricAlarm, Statistic, Tag,
};
use serde_json::Value;

const SERVICE: &str = "cloudwatch";

/// The dashboard, as one managed resource. It takes no tags: the manifest
/// alone says setup created it.
pub struct Dashboard;

impl Managed for Dashboard {
    /// The body; `None` when it is not JSON.
    type Found = Option<Value>;
    type Part = Body;
    const SERVICE: &'static str = SERVICE;
    const READ: &'static str = "GetDashboard";

    fn kind(&self) -> String {
        kind::DASHBOARD.into()
    }

    fn name(&self, ctx: &Ctx<'_>, _found: Option<&Option<Value>>) -> String {
        ctx.names.dashboard.clone()
    }

    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<Option<Value>>, AwsError> {
        read_dashboard(ctx).await
    }

    fn id(&self, ctx: &Ctx<'_>, _found: &Option<Value>) -> String {
        ctx.names.dashboard.clone()
    }

    fn tags<'f>(&self, _found: &'f Option<Value>) -> Option<&'f [(String, String)]> {
        None
    }

    fn diff(&self, ctx: &Ctx<'_>, found: &Option<Value>) -> Vec<Planned<Body>> {
        dashboard_changes(ctx.spec, found.as_ref())
    }

    /// A dashboard under our name that the manifest does not list is ours only
    /// when its body is exactly what setup writes (a run that failed before
    /// saving its manifest); any other body is someone else's.
    fn unowned(&self, ctx: &Ctx<'_>, found: &Option<Value>) -> Unowned {
        if dashboard_changes(ctx.spec, found.as_ref()).is_empty() {
            Unowned::Claim
        } else {
            Unowned::Refuse
        }
    }

    fn create_detail(&self, _ctx: &Ctx<'_>) -> Vec<String> {
        vec![
            "widgets: compliance score, violations by severity, score by service, remediation results"
                .into(),
        ]
    }

    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError> {
        let warnings = put_dashboard(ctx).await?;
        *made = Some(ctx.names.dashboard.clone());
        Ok(warnings)
    }

    async fn update(
        &self,
        ctx: &Ctx<'_>,
        _found: &Option<Value>,
        _parts: &[Body],
    ) -> Result<(), AwsError> {
        put_dashboard(ctx).await.map(drop)
    }

    async fn delete(&self, ctx: &Ctx<'_>, _found: &Option<Value>) -> Result<Vec<String>, AwsError> {
        let region = ctx.region();
        if let Err(e) = ctx
            .aws
            .cloudwatch(region)
            .delete_dashboards()
            .dashboard_names(&ctx.names.dashboard)
            .send()
            .await
        {
            let error = AwsError::from_sdk(SERVICE, region, "DeleteDashboards", &e);
            if !is_not_found(&error) {
                return Err(error);
            }
        }
        Ok(Vec::new())
    }
}

/// The score alarm as read: its settings, ARN and tags.
pub struct FoundAlarm {
    settings: Alarm,
    arn: String,
    tags: Vec<(String, String)>,
}

/// The score alarm, as one managed resource.
pub struct ScoreAlarm;

impl Managed for ScoreAlarm {
    type Found = FoundAlarm;
    type Part = Part;
    const SERVICE: &'static str = SERVICE;
    const READ: &'static str = "DescribeAlarms";

    fn kind(&self) -> String {
        kind::ALARM.into()
    }

    fn name(&self, ctx: &Ctx<'_>, _found: Option<&FoundAlarm>) -> String {
        ctx.names.alarm.clone()
    }

    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<FoundAlarm>, AwsError> {
        read_alarm(ctx).await
    }

    fn id(&self, ctx: &Ctx<'_>, _found: &FoundAlarm) -> String {
        ctx.names.alarm.clone()
    }

    fn tags<'f>(&self, found: &'f FoundAlarm) -> Option<&'f [(String, String)]> {
        Some(&found.tags)
    }

    fn diff(&self, ctx: &Ctx<'_>, found: &FoundAlarm) -> Vec<Planned<Part>> {
        alarm_changes(ctx.spec, &found.settings, &found.tags)
    }

    fn create_detail(&self, ctx: &Ctx<'_>) -> Vec<String> {
        let (namespace, metric, _) = ctx.spec.alarm_metric();
        vec![
            format!(
                "{namespace}/{metric} ({}) Minimum over {ALARM_PERIOD} s < {} for {ALARM_EVALUATION_PERIODS} period",
                dimensions_text(ctx),
                ctx.spec.threshold
            ),
            format!("missing data {ALARM_TREAT_MISSING_DATA}"),
            format!("alarm action {}", ctx.spec.topic_arn()),
            format!("tags {}", tags_text(ctx)),
        ]
    }

    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError> {
        let mut request = put_alarm(ctx);
        for (k, v) in tag_pairs(ctx.spec) {
            request = request.tags(Tag::builder().key(k).value(v).build());
        }
        request
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, ctx.region(), "PutMetricAlarm", &e))?;
        *made = Some(ctx.names.alarm.clone());
        Ok(Vec::new())
    }

    async fn update(
        &self,
        ctx: &Ctx<'_>,
        found: &FoundAlarm,
        parts: &[Part],
    ) -> Result<(), AwsError> {
        let region = ctx.region();
        for part in parts {
            match part {
                Part::Settings => {
                    put_alarm(ctx)
                        .send()
                        .await
                        .map_err(|e| AwsError::from_sdk(SERVICE, region, "PutMetricAlarm", &e))?;
                }
                // PutMetricAlarm ignores tags on an existing alarm.
                Part::Tags => {
                    let mut request = ctx
                        .aws
                        .cloudwatch(region)
                        .tag_resource()
                        .resource_arn(&found.arn);
                    for (k, v) in tag_pairs(ctx.spec) {
                        request = request.tags(Tag::builder().key(k).value(v).build());
                    }
                    request
                        .send()
                        .await
                        .map_err(|e| AwsError::from_sdk(SERVICE, region, "TagResource", &e))?;
                }
            }
        }
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx<'_>, _found: &FoundAlarm) -> Result<Vec<String>, AwsError> {
        let region = ctx.region();
        ctx.aws
            .cloudwatch(region)
            .delete_alarms()
            .alarm_names(&ctx.names.alarm)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "DeleteAlarms", &e))?;
        Ok(Vec::new())
    }
}

pub async fn ensure(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    Ok(vec![
        setup(ctx, manifest, &Dashboard).await?,
        setup(ctx, manifest, &ScoreAlarm).await?,
    ])
}

pub async fn inspect(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Vec<Inspection>, AwsError> {
    let mut out: Vec<Inspection> = status(ctx, manifest, &Dashboard)
        .await?
        .into_iter()
        .collect();
    out.extend(status(ctx, manifest, &ScoreAlarm).await?);
    Ok(out)
}

pub async fn remove(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    Ok(vec![
        teardown(ctx, manifest, &ScoreAlarm).await?,
        teardown(ctx, manifest, &Dashboard).await?,
    ])
}

/// PutDashboard with the body setup writes; CloudWatch's validation warnings
/// come back as detail lines.
async fn put_dashboard(ctx: &Ctx<'_>) -> Result<Vec<String>, AwsError> {
    let region = ctx.region();
    let out = ctx
        .aws
        .cloudwatch(region)
        .put_dashboard()
        .dashboard_name(&ctx.names.dashboard)
        .dashboard_body(ctx.spec.dashboard_body().to_string())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "PutDashboard", &e))?;
    Ok(out
        .dashboard_validation_messages()
        .iter()
        .map(|message| {
            format!(
                "CloudWatch warns: {} {}",
                message.data_path().unwrap_or_default(),
                message.message().unwrap_or_default()
            )
        })
        .collect())
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
async fn read_alarm(ctx: &Ctx<'_>) -> Result<Option<FoundAlarm>, AwsError> {
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
    Ok(Some(FoundAlarm {
        settings: plain(&alarm),
        arn: alarm.alarm_arn().unwrap_or_default().to_string(),
        tags,
    }))
}

fn is_not_found(error: &AwsError) -> bool {
    error.is(&["ResourceNotFound", "ResourceNotFoundException"])
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
