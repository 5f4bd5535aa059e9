//! Live CloudFormation collector: one `AWS::CloudFormation::Stack` configuration
//! item per stack of a region, in the shape AWS Config records, so the
//! `cfn-stack-no-drift` rule judges live stacks as it judges snapshot items.
//!
//! Decisions:
//! - **DescribeStacks is enough for the item.** It returns every stack with its
//!   parameters, outputs, tags, status and `DriftInformation` (the result of the
//!   last drift detection, `NOT_CHECKED` if none ever ran), through the SDK's
//!   paginator: one call per page of stacks. The item keeps Config's names
//!   (`stackId`, `stackStatus`, `driftInformation.stackDriftStatus`), the stack ARN
//!   as resource id and ARN, and the tags both as the item's map and as Config's
//!   `configuration.tags` list.
//! - **`--detect-drift` runs detection, within the scan's time limit.** Without
//!   it, the item says what CloudFormation last found, which is what the AWS
//!   managed rule judges too. With it, DetectStackDrift is started on every stack
//!   (bounded by the plan's concurrency) and DescribeStackDriftDetectionStatus is
//!   polled, backing off from half a second to five seconds, until detection finishes;
//!   the item then carries the fresh status and check time from that answer, and
//!   the detection's own status under
//!   `supplementaryConfiguration.StackDriftDetectionInformation`. Detection is
//!   made only when a selected rule reads the drift information.
//! - **No answer is not "in sync".** A detection that is still running when the
//!   scan's time is nearly up, one CloudFormation could not start (a stack being
//!   updated) or that failed without finding drift, leaves the drift
//!   information unreadable: rules reading it get `error`, with the reason, and
//!   the scan is partial. Polling stops a little before the deadline so the
//!   stacks read so far still reach the report instead of the whole region
//!   timing out. A failed detection that still found a drifted resource is a
//!   drift, and is reported as one.

use crate::aws::collect::{
    build_item, put, tag_list, tag_map, CollectFuture, Collected, Collector, ItemHead, Plan, Scope,
};
use crate::aws::error::AwsError;
use crate::aws::{iso, Aws};
use crate::core::registry::CFN_STACK as STACK;
use crate::core::resource::Unreadable;
use aws_sdk_cloudformation::types::{Stack, StackDriftDetectionStatus, StackDriftStatus};
use futures::stream::{self, StreamExt};
use indicatif::ProgressBar;
use serde_json::{json, Map, Value};
use std::time::Duration;
use tokio::time::Instant;

const SERVICE: &str = "cloudformation";
/// Where the drift status lives in the item; also the unreadable mark's path.
const DRIFT_PATH: &str = "configuration.driftInformation";
/// The first wait before asking whether detection finished, and the longest.
const FIRST_POLL: Duration = Duration::from_millis(500);
const LONGEST_POLL: Duration = Duration::from_secs(5);
/// How long before the deadline the last status question is asked.
const LAST_ASK: Duration = Duration::from_millis(250);

/// The CloudFormation collector as the scan runs it: once per region.
pub struct CloudFormation;

impl Collector for CloudFormation {
    fn id(&self) -> &'static str {
        SERVICE
    }

    fn collect<'a>(&'a self, scope: Scope<'a>) -> CollectFuture<'a> {
        Box::pin(collect(
            scope.aws,
            scope.plan,
            scope.region,
            scope.progress,
            scope.until,
        ))
    }
}

/// Reads the stacks of `region`; with `plan.detect_drift`, detects their drift
/// first, giving up on waiting shortly before `until`.
pub async fn collect(
    aws: &Aws,
    plan: &Plan,
    region: &str,
    progress: &ProgressBar,
    until: Instant,
) -> Collected {
    let mut out = Collected::default();
    if !plan.wants(STACK) {
        return out;
    }
    let client = aws.cloudformation(region);
    let mut stacks: Vec<Stack> = Vec::new();
    let mut pages = client.describe_stacks().into_paginator().send();
    while let Some(page) = pages.next().await {
        out.calls += 1;
        match page {
            Ok(page) => stacks.extend(page.stacks().iter().cloned()),
            Err(e) => {
                // The stacks of the pages already read are still judged.
                out.unlisted(
                    STACK,
                    AwsError::from_sdk(SERVICE, region, "DescribeStacks", &e),
                );
                break;
            }
        }
    }
    stacks.retain(|s| {
        s.stack_id().is_some() && s.stack_status().map(|st| st.as_str()) != Some("DELETE_COMPLETE")
    });
    progress.inc_length(stacks.len() as u64);

    let detections: Vec<Option<Detection>> = if plan.detect_drift && plan.reads(DRIFT_PATH) {
        // Stop waiting early enough to build and hand in the items before the
        // scan's own deadline reports the whole region as timed out.
        let left = until.saturating_duration_since(Instant::now());
        let margin = (left / 10).min(Duration::from_secs(1));
        let stop = until.checked_sub(margin).unwrap_or(until);
        // Owned ids and clients: with closures over borrowed stacks, rustc cannot
        // prove the stream Send for every lifetime, and collectors run as Send tasks.
        let ids: Vec<String> = stacks
            .iter()
            .map(|s| s.stack_id().unwrap_or_default().to_string())
            .collect();
        let runs = ids.into_iter().map(|id| {
            let client = client.clone();
            async move { detect(&client, region, &id, stop).await }
        });
        let results: Vec<(Detection, usize, Option<AwsError>)> = stream::iter(runs)
            .buffered(plan.concurrency.max(1))
            .collect()
            .await;
        results
            .into_iter()
            .map(|(detection, calls, error)| {
                out.calls += calls;
                out.errors.extend(error);
                Some(detection)
            })
            .collect()
    } else {
        stacks.iter().map(|_| None).collect()
    };

    for (stack, detection) in stacks.iter().zip(detections) {
        out.items.push(stack_item(
            stack,
            detection.as_ref(),
            region,
            plan.account.as_deref(),
        ));
        progress.inc(1);
    }
    progress.set_message(format!("cloudformation: {} stacks", out.items.len()));
    out
}

/// What drift detection on one stack came to.
#[derive(Debug, Clone, PartialEq)]
enum Detection {
    /// Finished: the stack's drift status and when it was checked.
    Done {
        drift_status: String,
        checked: Option<String>,
        detection_status: String,
        detection_id: String,
        drifted_resources: Option<i32>,
    },
    /// No usable answer; the reason, with the AWS error code when there is one.
    Unknown(String),
}

/// Starts detection on one stack and waits for it until `stop`. Returns the
/// outcome, the calls made and the failure to report, if any.
async fn detect(
    client: &aws_sdk_cloudformation::Client,
    region: &str,
    stack: &str,
    stop: Instant,
) -> (Detection, usize, Option<AwsError>) {
    let timed_out = || {
        let error = AwsError::local(
            SERVICE,
            region,
            "DescribeStackDriftDetectionStatus",
            "DriftDetectionTimeout",
            format!("drift detection on {stack} had not finished when the scan's time limit was reached"),
        );
        (Detection::Unknown(error.reason()), Some(error))
    };
    let mut calls = 1;
    let started =
        tokio::time::timeout_at(stop, client.detect_stack_drift().stack_name(stack).send()).await;
    let detection_id = match started {
        Err(_) => {
            let (d, e) = timed_out();
            return (d, calls, e);
        }
        Ok(Err(e)) => {
            let error = AwsError::from_sdk(SERVICE, region, "DetectStackDrift", &e);
            return (Detection::Unknown(error.reason()), calls, Some(error));
        }
        Ok(Ok(out)) => out
            .stack_drift_detection_id()
            .unwrap_or_default()
            .to_string(),
    };
    let mut wait = FIRST_POLL;
    loop {
        // The last question is asked just before `stop`, not skipped because
        // the next regular one would come too late.
        let now = Instant::now();
        let at = (now + wait).min(stop.checked_sub(LAST_ASK).unwrap_or(stop));
        if at <= now {
            let (d, e) = timed_out();
            return (d, calls, e);
        }
        tokio::time::sleep_until(at).await;
        wait = (wait * 2).min(LONGEST_POLL);
        calls += 1;
        let polled = tokio::time::timeout_at(
            stop,
            client
                .describe_stack_drift_detection_status()
                .stack_drift_detection_id(&detection_id)
                .send(),
        )
        .await;
        let status = match polled {
            Err(_) => {
                let (d, e) = timed_out();
                return (d, calls, e);
            }
            Ok(Err(e)) => {
                let error =
                    AwsError::from_sdk(SERVICE, region, "DescribeStackDriftDetectionStatus", &e);
                return (Detection::Unknown(error.reason()), calls, Some(error));
            }
            Ok(Ok(status)) => status,
        };
        let drift = status.stack_drift_status().map(|s| s.as_str().to_string());
        let done = |drift_status: String| Detection::Done {
            drift_status,
            checked: status.timestamp().map(iso),
            detection_status: status
                .detection_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            detection_id: detection_id.clone(),
            drifted_resources: status.drifted_stack_resource_count(),
        };
        match status.detection_status() {
            Some(StackDriftDetectionStatus::DetectionInProgress) => continue,
            Some(StackDriftDetectionStatus::DetectionComplete) => {
                let Some(drift) = drift else {
                    let error = AwsError::local(
                        SERVICE,
                        region,
                        "DescribeStackDriftDetectionStatus",
                        "NoDriftStatus",
                        format!("drift detection on {stack} finished without a drift status"),
                    );
                    return (Detection::Unknown(error.reason()), calls, Some(error));
                };
                return (done(drift), calls, None);
            }
            // A drift found is a drift, whatever else detection could not check.
            Some(StackDriftDetectionStatus::DetectionFailed)
                if status.stack_drift_status() == Some(&StackDriftStatus::Drifted) =>
            {
                return (
                    done(StackDriftStatus::Drifted.as_str().to_string()),
                    calls,
                    None,
                );
            }
            other => {
                let error = AwsError::local(
                    SERVICE,
                    region,
                    "DescribeStackDriftDetectionStatus",
                    other.map(|s| s.as_str()).unwrap_or("NoDetectionStatus"),
                    format!(
                        "drift detection on {stack} did not complete: {}",
                        status
                            .detection_status_reason()
                            .unwrap_or("no reason given")
                    ),
                );
                return (Detection::Unknown(error.reason()), calls, Some(error));
            }
        }
    }
}

/// One stack as AWS Config records it.
fn stack_item(
    stack: &Stack,
    detection: Option<&Detection>,
    region: &str,
    account: Option<&str>,
) -> crate::core::resource::ConfigItem {
    let id = stack.stack_id().unwrap_or_default();
    let tags = tag_map(stack.tags().iter().map(|t| (t.key(), t.value())));
    let mut c = Map::new();
    c.insert("stackId".into(), json!(id));
    put(&mut c, "stackName", stack.stack_name());
    put(&mut c, "description", stack.description());
    c.insert(
        "parameters".into(),
        Value::Array(
            stack
                .parameters()
                .iter()
                .map(|p| json!({"parameterKey": p.parameter_key(), "parameterValue": p.parameter_value()}))
                .collect(),
        ),
    );
    put(&mut c, "creationTime", stack.creation_time().map(iso));
    put(
        &mut c,
        "lastUpdatedTime",
        stack.last_updated_time().map(iso),
    );
    put(
        &mut c,
        "stackStatus",
        stack.stack_status().map(|s| s.as_str()),
    );
    put(&mut c, "stackStatusReason", stack.stack_status_reason());
    put(&mut c, "disableRollback", stack.disable_rollback());
    c.insert("notificationARNs".into(), json!(stack.notification_arns()));
    c.insert(
        "capabilities".into(),
        json!(stack
            .capabilities()
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()),
    );
    c.insert(
        "outputs".into(),
        Value::Array(
            stack
                .outputs()
                .iter()
                .map(|o| {
                    json!({"outputKey": o.output_key(), "outputValue": o.output_value(),
                           "description": o.description(), "exportName": o.export_name()})
                })
                .collect(),
        ),
    );
    put(&mut c, "roleARN", stack.role_arn());
    put(
        &mut c,
        "enableTerminationProtection",
        stack.enable_termination_protection(),
    );
    put(&mut c, "parentId", stack.parent_id());
    put(&mut c, "rootId", stack.root_id());
    c.insert("tags".into(), tag_list(&tags));

    // What DescribeStacks said, replaced by a detection that finished.
    let mut drift = Map::new();
    if let Some(info) = stack.drift_information() {
        put(
            &mut drift,
            "stackDriftStatus",
            info.stack_drift_status().map(|s| s.as_str()),
        );
        put(
            &mut drift,
            "lastCheckTimestamp",
            info.last_check_timestamp().map(iso),
        );
    }
    let mut supplementary = Map::new();
    let mut unreadable = Vec::new();
    match detection {
        Some(Detection::Done {
            drift_status,
            checked,
            detection_status,
            detection_id,
            drifted_resources,
        }) => {
            drift = Map::new();
            drift.insert("stackDriftStatus".into(), json!(drift_status));
            put(&mut drift, "lastCheckTimestamp", checked.clone());
            let mut info = Map::new();
            info.insert("DetectionStatus".into(), json!(detection_status));
            info.insert("StackDriftDetectionId".into(), json!(detection_id));
            put(&mut info, "DriftedStackResourceCount", *drifted_resources);
            supplementary.insert("StackDriftDetectionInformation".into(), Value::Object(info));
        }
        Some(Detection::Unknown(reason)) => unreadable.push(Unreadable {
            path: DRIFT_PATH.to_string(),
            reason: reason.clone(),
        }),
        None => {}
    }
    if !drift.is_empty() {
        c.insert("driftInformation".into(), Value::Object(drift));
    }

    // The account is in the stack's ARN when STS did not say.
    let account = account.or_else(|| id.split(':').nth(4).filter(|a| !a.is_empty()));
    build_item(
        ItemHead {
            resource_type: STACK,
            resource_id: id,
            resource_name: stack.stack_name(),
            arn: Some(id.to_string()),
            region,
            account,
            tags,
        },
        Value::Object(c),
        supplementary,
        unreadable,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudformation::types::{StackDriftInformation, StackStatus, Tag};

    fn stack() -> Stack {
        Stack::builder()
            .stack_id("arn:aws:cloudformation:eu-west-1:123456789012:stack/app/1")
            .stack_name("app")
            .stack_status(StackStatus::CreateComplete)
            .creation_time(aws_smithy_types::DateTime::from_secs(1_700_000_000))
            .tags(Tag::builder().key("Owner").value("team").build())
            .drift_information(
                StackDriftInformation::builder()
                    .stack_drift_status(StackDriftStatus::NotChecked)
                    .build(),
            )
            .build()
    }

    #[test]
    fn a_stack_item_carries_what_the_drift_rule_reads() {
        let item = stack_item(&stack(), None, "eu-west-1", None);
        assert_eq!(item.resource_type, "AWS::CloudFormation::Stack");
        assert_eq!(
            item.resource_id,
            "arn:aws:cloudformation:eu-west-1:123456789012:stack/app/1"
        );
        assert_eq!(item.arn.as_deref(), Some(item.resource_id.as_str()));
        assert_eq!(item.resource_name.as_deref(), Some("app"));
        assert_eq!(item.account.as_deref(), Some("123456789012"));
        assert_eq!(item.region.as_deref(), Some("eu-west-1"));
        assert_eq!(item.tag("Owner"), Some("team"));
        let c = &item.body["configuration"];
        assert_eq!(c["stackStatus"], "CREATE_COMPLETE");
        assert_eq!(c["driftInformation"]["stackDriftStatus"], "NOT_CHECKED");
        assert_eq!(c["tags"], json!([{"key": "Owner", "value": "team"}]));
        assert_eq!(c["creationTime"], "2023-11-14T22:13:20Z");
        assert!(item.unreadable.is_empty());
    }

    #[test]
    fn a_finished_detection_replaces_the_old_status_and_an_unfinished_one_is_unreadable() {
        let done = Detection::Done {
            drift_status: "DRIFTED".into(),
            checked: Some("2026-11-29T10:00:00Z".into()),
            detection_status: "DETECTION_COMPLETE".into(),
            detection_id: "d-1".into(),
            drifted_resources: Some(2),
        };
        let item = stack_item(&stack(), Some(&done), "eu-west-1", Some("111122223333"));
        let c = &item.body["configuration"];
        assert_eq!(c["driftInformation"]["stackDriftStatus"], "DRIFTED");
        assert_eq!(
            c["driftInformation"]["lastCheckTimestamp"],
            "2026-11-29T10:00:00Z"
        );
        assert_eq!(
            item.body["supplementaryConfiguration"]["StackDriftDetectionInformation"],
            json!({"DetectionStatus": "DETECTION_COMPLETE", "StackDriftDetectionId": "d-1", "DriftedStackResourceCount": 2})
        );
        assert_eq!(item.account.as_deref(), Some("111122223333"));

        let unknown = Detection::Unknown("not finished".into());
        let item = stack_item(&stack(), Some(&unknown), "eu-west-1", None);
        let why = item
            .unreadable_at("configuration.driftInformation.stackDriftStatus")
            .expect("the drift status is unreadable");
        assert_eq!(why.reason, "not finished");
        assert!(item.unreadable_at("configuration.stackStatus").is_none());
    }
}
