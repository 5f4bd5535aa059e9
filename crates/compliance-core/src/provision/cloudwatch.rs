//! The score alarm as a plain value and the pure comparison with the spec.
//! The adapter (`src/aws/provision/cloudwatch.rs`) reads DescribeAlarms into
//! [`Alarm`] and applies each [`Part`]: one PutMetricAlarm for the settings,
//! TagResource for the tags. (The dashboard is compared as a whole document.)

use crate::plan::{Change, Planned};
use crate::stack::StackSpec;
use serde_json::Value;

/// One hour: scans publish the score at most that often.
pub const ALARM_PERIOD: i32 = 3600;
pub const ALARM_EVALUATION_PERIODS: i32 = 1;
/// No score published is not an alert: scans may simply not have run.
pub const ALARM_TREAT_MISSING_DATA: &str = "notBreaching";
pub const ALARM_STATISTIC: &str = "Minimum";
pub const ALARM_COMPARISON: &str = "LessThanThreshold";

/// The alarm as CloudWatch describes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Alarm {
    pub namespace: Option<String>,
    pub metric: Option<String>,
    pub dimensions: Vec<(String, String)>,
    pub statistic: Option<String>,
    pub period: Option<i32>,
    pub evaluation_periods: Option<i32>,
    pub threshold: Option<f64>,
    pub comparison: Option<String>,
    pub treat_missing_data: Option<String>,
    pub actions: Vec<String>,
    pub actions_enabled: Option<bool>,
}

/// What a change is applied with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// PutMetricAlarm (every setting at once).
    Settings,
    /// TagResource.
    Tags,
}

fn or_none<T: ToString>(v: Option<T>) -> String {
    v.map_or("none".into(), |v| v.to_string())
}

/// The alarm's settings and tags that differ from the spec.
pub fn alarm_changes(
    spec: &StackSpec,
    alarm: &Alarm,
    tags: &[(String, String)],
) -> Vec<Planned<Part>> {
    let mut drifts = Vec::new();
    let mut check = |setting: &'static str, expected: String, found: String| {
        if expected != found {
            drifts.push(Planned::new(
                Part::Settings,
                Change::wanted(setting, expected, found),
            ));
        }
    };
    let (namespace, metric, dimensions) = spec.alarm_metric();
    check(
        "metric",
        format!("{namespace}/{metric}"),
        format!(
            "{}/{}",
            alarm.namespace.as_deref().unwrap_or("none"),
            alarm.metric.as_deref().unwrap_or("none")
        ),
    );
    let mut want_dims: Vec<String> = dimensions.iter().map(|(k, v)| format!("{k}={v}")).collect();
    want_dims.sort();
    let mut found_dims: Vec<String> = alarm
        .dimensions
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    found_dims.sort();
    check("dimensions", want_dims.join(", "), found_dims.join(", "));
    check(
        "statistic",
        ALARM_STATISTIC.into(),
        or_none(alarm.statistic.as_ref()),
    );
    check("period", ALARM_PERIOD.to_string(), or_none(alarm.period));
    check(
        "evaluation periods",
        ALARM_EVALUATION_PERIODS.to_string(),
        or_none(alarm.evaluation_periods),
    );
    if !alarm
        .threshold
        .is_some_and(|t| (t - spec.threshold).abs() < 1e-9)
    {
        check(
            "threshold",
            spec.threshold.to_string(),
            or_none(alarm.threshold),
        );
    }
    check(
        "comparison",
        ALARM_COMPARISON.into(),
        or_none(alarm.comparison.as_ref()),
    );
    check(
        "missing data",
        ALARM_TREAT_MISSING_DATA.into(),
        alarm
            .treat_missing_data
            .clone()
            .unwrap_or_else(|| "missing".into()),
    );
    check("alarm actions", spec.topic_arn(), alarm.actions.join(", "));
    check(
        "actions enabled",
        "true".into(),
        alarm.actions_enabled.unwrap_or(false).to_string(),
    );
    if let Some(change) = crate::plan::missing_tags(&spec.tags(), tags) {
        drifts.push(Planned::new(Part::Tags, change));
    }
    drifts
}

/// The dashboard is written whole (PutDashboard), so its one change is its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Body;

/// What `body` (None: not JSON) lacks to be the dashboard setup writes.
/// Compared as parsed JSON, so CloudWatch's reformatting is no drift.
pub fn dashboard_changes(spec: &StackSpec, body: Option<&Value>) -> Vec<Planned<Body>> {
    let found = match body {
        Some(body) if *body == spec.dashboard_body() => return Vec::new(),
        Some(_) => "a different body",
        None => "a body that is not JSON",
    };
    vec![Planned::new(
        Body,
        Change::wanted(
            "body",
            "the dashboard setup writes (score, violations by severity, score by service, remediation results)",
            found,
        ),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> StackSpec {
        super::super::test_spec()
    }

    fn as_specified(spec: &StackSpec) -> Alarm {
        let (namespace, metric, dimensions) = spec.alarm_metric();
        Alarm {
            namespace: Some(namespace.into()),
            metric: Some(metric.into()),
            dimensions,
            statistic: Some(ALARM_STATISTIC.into()),
            period: Some(ALARM_PERIOD),
            evaluation_periods: Some(ALARM_EVALUATION_PERIODS),
            threshold: Some(spec.threshold),
            comparison: Some(ALARM_COMPARISON.into()),
            treat_missing_data: Some(ALARM_TREAT_MISSING_DATA.into()),
            actions: vec![spec.topic_arn()],
            actions_enabled: Some(true),
        }
    }

    #[test]
    fn an_alarm_as_specified_has_no_changes() {
        let spec = spec();
        let tags: Vec<(String, String)> = spec.tags().into_iter().collect();
        assert!(alarm_changes(&spec, &as_specified(&spec), &tags).is_empty());
    }

    #[test]
    fn a_changed_threshold_and_lost_tags_are_repaired_by_their_own_calls() {
        let mut spec = spec();
        let alarm = as_specified(&spec);
        spec.threshold = 80.0;
        let changes = alarm_changes(&spec, &alarm, &[]);
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(
            (changes[0].by, changes[0].reason().as_str()),
            (Part::Settings, "threshold: expected 80, found 70")
        );
        assert_eq!(changes[1].by, Part::Tags);
    }

    #[test]
    fn the_dashboard_differs_only_when_its_parsed_body_does() {
        let spec = spec();
        assert!(dashboard_changes(&spec, Some(&spec.dashboard_body())).is_empty());
        let other = serde_json::json!({"widgets": []});
        let changes = dashboard_changes(&spec, Some(&other));
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].change.from, "a different body");
        assert_eq!(
            dashboard_changes(&spec, None)[0].change.from,
            "a body that is not JSON"
        );
    }
}
