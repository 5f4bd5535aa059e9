//! The alert topic as a plain value and the pure comparison with the spec
//! (tags, KMS key, delivery retry policy, topic policy), with the documents
//! setup writes. The adapter (`src/aws/provision/sns.rs`) reads the topic into
//! [`Topic`] and applies each [`Part`]; subscriptions stay there, since they
//! are a list kept in step with `--email` rather than settings.

use super::same_key;
use crate::plan::{Change, Planned};
use crate::stack::StackSpec;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The delivery retry policy of the topic (HTTP/S subscribers).
pub fn delivery_policy() -> Value {
    json!({
        "http": {
            "defaultHealthyRetryPolicy": {
                "minDelayTarget": 20,
                "maxDelayTarget": 20,
                "numRetries": 3,
                "numMaxDelayRetries": 0,
                "numNoDelayRetries": 0,
                "numMinDelayRetries": 0,
                "backoffFunction": "linear"
            },
            "disableSubscriptionOverrides": false
        }
    })
}

/// The topic policy: EventBridge and CloudWatch of this account may publish.
pub fn topic_policy(spec: &StackSpec) -> Value {
    json!({
        "Version": "2012-10-17",
        "Id": format!("compliance-alerts-{}", spec.suffix),
        "Statement": [{
            "Sid": "AlertSourcesPublish",
            "Effect": "Allow",
            "Principal": {"Service": ["events.amazonaws.com", "cloudwatch.amazonaws.com"]},
            "Action": "sns:Publish",
            "Resource": spec.topic_arn(),
            "Condition": {"StringEquals": {"aws:SourceAccount": spec.account}}
        }]
    })
}

/// True when every field of `want` is in `found` with the same value
/// (recursively); `found` may carry more.
/// Whether `found` has every setting of `want` (AWS adds defaults; numbers
/// compare by value).
pub fn contains(found: &Value, want: &Value) -> bool {
    match (found, want) {
        (Value::Object(f), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| f.get(k).is_some_and(|fv| contains(fv, wv))),
        (Value::Number(f), Value::Number(w)) => f.as_f64() == w.as_f64(),
        _ => found == want,
    }
}

/// The topic as SNS describes it: its attributes and tags.
#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    pub attributes: HashMap<String, String>,
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Part {
    Tags,
    Key,
    DeliveryPolicy,
    Policy,
}

/// The topic's settings that differ from the spec; `key` is the stack key's
/// ARN under SSE-KMS (None: the key is not checked).
pub fn topic_changes(spec: &StackSpec, topic: &Topic, key: Option<&str>) -> Vec<Planned<Part>> {
    let mut drifts = Vec::new();
    if let Some(change) = crate::plan::missing_tags(&spec.tags(), &topic.tags) {
        drifts.push(Planned::new(Part::Tags, change));
    }
    if let Some(key) = key {
        let found = topic
            .attributes
            .get("KmsMasterKeyId")
            .map(String::as_str)
            .filter(|k| !k.is_empty());
        if !found.is_some_and(|f| same_key(f, key)) {
            drifts.push(Planned::new(
                Part::Key,
                Change::wanted(
                    "KmsMasterKeyId",
                    key.to_string(),
                    found.unwrap_or("none").to_string(),
                ),
            ));
        }
    }
    let want = delivery_policy();
    let found = topic
        .attributes
        .get("DeliveryPolicy")
        .and_then(|p| serde_json::from_str::<Value>(p).ok());
    if !found.as_ref().is_some_and(|f| contains(f, &want)) {
        drifts.push(Planned::new(
            Part::DeliveryPolicy,
            Change::wanted(
                "DeliveryPolicy",
                want.to_string(),
                found.map_or("none".into(), |f| f.to_string()),
            ),
        ));
    }
    let want = topic_policy(spec);
    let found = topic
        .attributes
        .get("Policy")
        .and_then(|p| serde_json::from_str::<Value>(p).ok());
    if found.as_ref() != Some(&want) {
        drifts.push(Planned::new(
            Part::Policy,
            Change::wanted(
                "policy",
                "publish by events.amazonaws.com and cloudwatch.amazonaws.com of this account",
                found.map_or("none".into(), |f| f.to_string()),
            ),
        ));
    }
    drifts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> StackSpec {
        super::super::test_spec()
    }

    #[test]
    fn delivery_policy_comparison_tolerates_added_defaults() {
        let mut found = delivery_policy();
        found["http"]["defaultThrottlePolicy"] = json!({"maxReceivesPerSecond": 1});
        assert!(contains(&found, &delivery_policy()));
        found["http"]["defaultHealthyRetryPolicy"]["numRetries"] = json!(5);
        assert!(!contains(&found, &delivery_policy()));
        assert!(contains(&json!({"a": 20.0}), &json!({"a": 20})));
    }

    #[test]
    fn a_topic_as_specified_has_no_changes_and_the_key_matches_by_id() {
        let spec = spec();
        let key = "arn:aws:kms:eu-west-1:123456789012:key/1234-abcd";
        let mut topic = Topic {
            attributes: [
                ("KmsMasterKeyId".to_string(), "1234-abcd".to_string()),
                ("DeliveryPolicy".to_string(), delivery_policy().to_string()),
                ("Policy".to_string(), topic_policy(&spec).to_string()),
            ]
            .into(),
            tags: spec.tags().into_iter().collect(),
        };
        assert!(topic_changes(&spec, &topic, Some(key)).is_empty());
        topic
            .attributes
            .insert("KmsMasterKeyId".into(), "alias/aws/sns".into());
        topic.attributes.remove("Policy");
        let parts: Vec<Part> = topic_changes(&spec, &topic, Some(key))
            .iter()
            .map(|p| p.by)
            .collect();
        assert_eq!(parts, [Part::Key, Part::Policy]);
        assert!(topic_changes(&spec, &topic, None)
            .iter()
            .all(|p| p.by != Part::Key));
    }
}
