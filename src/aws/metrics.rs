//! Metric delivery: a scan's metrics ([`crate::core::metrics::of_scan`]) to
//! CloudWatch in the `Compliance` namespace, each with the `Suffix` dimension the
//! setup dashboard and alarm select on.
//!
//! One PutMetricData call per scan, not one per metric: CloudWatch takes up to
//! 1000 data points per call, far more than a scan produces, so the data are
//! only split when a scan exceeds that. All points carry the same timestamp (the
//! time of publishing) so a dashboard shows one scan as one point in time.
//!
//! aws-sdk-cloudwatch is pinned to 1.99 (awsQuery protocol) in Cargo.toml
//! because moto 5.2 does not speak the CBOR protocol of later releases.

use crate::aws::error::AwsError;
use crate::aws::Aws;
use crate::core::metrics::Metric;
use crate::core::stack::METRIC_NAMESPACE;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use std::time::SystemTime;

const SERVICE: &str = "cloudwatch";
/// PutMetricData's limit of data points per call.
const MAX_PER_CALL: usize = 1000;

/// Publishes `metrics` with `Suffix = suffix`; returns the number of calls made.
pub async fn publish(
    aws: &Aws,
    region: &str,
    suffix: &str,
    metrics: &[Metric],
) -> Result<usize, AwsError> {
    if metrics.is_empty() {
        return Ok(0);
    }
    let client = aws.cloudwatch(region);
    let now = DateTime::from(SystemTime::now());
    let data: Vec<MetricDatum> = metrics.iter().map(|m| datum(m, suffix, now)).collect();
    let mut calls = 0;
    for chunk in data.chunks(MAX_PER_CALL) {
        client
            .put_metric_data()
            .namespace(METRIC_NAMESPACE)
            .set_metric_data(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "PutMetricData", &e))?;
        calls += 1;
    }
    Ok(calls)
}

fn datum(m: &Metric, suffix: &str, at: DateTime) -> MetricDatum {
    let dimensions = m
        .dimensions
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .chain([("Suffix", suffix)])
        .map(|(name, value)| Dimension::builder().name(name).value(value).build());
    MetricDatum::builder()
        .metric_name(m.name)
        .set_dimensions(Some(dimensions.collect()))
        .value(m.value)
        .unit(unit(m.unit))
        .timestamp(at)
        .build()
}

/// The CloudWatch unit of a [`Metric`]'s unit name; an unknown name is published
/// without a unit rather than refused, since the value is still meaningful.
fn unit(name: &str) -> StandardUnit {
    match name {
        "Count" => StandardUnit::Count,
        "Seconds" => StandardUnit::Seconds,
        "Percent" => StandardUnit::Percent,
        _ => StandardUnit::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_datum_carries_the_suffix_and_its_unit() {
        let m = Metric {
            name: "Violations",
            dimensions: vec![("Severity", "high".into())],
            value: 3.0,
            unit: "Count",
        };
        let d = datum(&m, "dev", DateTime::from_secs(0));
        let dims: Vec<(&str, &str)> = d
            .dimensions()
            .iter()
            .map(|d| (d.name().unwrap_or(""), d.value().unwrap_or("")))
            .collect();
        assert_eq!(dims, [("Severity", "high"), ("Suffix", "dev")]);
        assert_eq!(d.unit(), Some(&StandardUnit::Count));
        assert_eq!(unit("None"), StandardUnit::None);
        assert_eq!(unit("Seconds"), StandardUnit::Seconds);
    }
}
