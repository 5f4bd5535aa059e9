//! The resource model: one AWS Config configuration item in canonical form.
//!
//! Every source (snapshot files, notifications, API responses, live collectors)
//! ends up as a [`ConfigItem`], so rules are written once against the documented
//! AWS Config schema. The whole item stays a JSON document for rule paths; the
//! identifying fields are lifted out once so that filtering, scoring and output do
//! not walk JSON for every finding.

use serde_json::{Map, Value};
use std::sync::Arc;

/// A configuration item in the canonical notification form (`ARN`,
/// `awsAccountId`, objects inline, supplementary values and IAM documents parsed).
#[derive(Debug, Clone)]
pub struct ConfigItem {
    pub resource_type: String,
    pub resource_id: String,
    pub resource_name: Option<String>,
    pub arn: Option<String>,
    pub region: Option<String>,
    pub account: Option<String>,
    /// `configurationItemStatus`; `ResourceDeleted` and `ResourceNotRecorded` mean
    /// there is no configuration to judge.
    pub status: Option<String>,
    /// Where the item came from (file name and position, or `live:ec2:eu-west-1`).
    pub source: Arc<str>,
    /// The full canonical document that rule paths address.
    pub body: Value,
    /// Parts a live collector could not read (say GetBucketPolicy was denied).
    /// Rules that look there get an `error` finding instead of judging a gap.
    pub unreadable: Vec<Unreadable>,
}

/// A part of an item that could not be read, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    /// Path prefix in the canonical item, e.g. `supplementaryConfiguration.BucketPolicy`.
    pub path: String,
    /// The reason, with the AWS error code and request id when there is one.
    pub reason: String,
}

impl ConfigItem {
    /// Builds the lifted fields from a canonical body.
    pub fn from_body(body: Value, source: Arc<str>) -> ConfigItem {
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        ConfigItem {
            resource_type: text("resourceType").unwrap_or_default(),
            resource_id: text("resourceId").unwrap_or_default(),
            resource_name: text("resourceName"),
            arn: text("ARN"),
            region: text("awsRegion"),
            account: text("awsAccountId"),
            status: text("configurationItemStatus"),
            source,
            body,
            unreadable: Vec::new(),
        }
    }

    /// Why the part at `path` (or a part inside or around it) could not be read.
    pub fn unreadable_at(&self, path: &str) -> Option<&Unreadable> {
        self.unreadable.iter().find(|u| overlaps(&u.path, path))
    }

    /// Whether the item describes a resource that no longer exists or was not recorded.
    pub fn is_deleted(&self) -> bool {
        matches!(
            self.status.as_deref(),
            Some("ResourceDeleted")
                | Some("ResourceDeletedNotRecorded")
                | Some("ResourceNotRecorded")
        ) || self.body.get("configuration").is_some_and(Value::is_null)
    }

    /// The service a resource type belongs to, lower case: `AWS::EC2::Volume` → `ec2`.
    pub fn service(&self) -> String {
        service_of(&self.resource_type)
    }

    pub fn tags(&self) -> Option<&Map<String, Value>> {
        self.body.get("tags").and_then(Value::as_object)
    }

    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags()?.get(key)?.as_str()
    }

    /// A stable label for messages: the ARN when known, else type and id.
    pub fn label(&self) -> String {
        match &self.arn {
            Some(arn) => arn.clone(),
            None => format!("{} {}", self.resource_type, self.resource_id),
        }
    }
}

/// Whether one path is a prefix of the other at a segment boundary.
fn overlaps(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long.starts_with(short)
        && matches!(
            long.as_bytes().get(short.len()),
            None | Some(b'.') | Some(b'[')
        )
}

/// Region names as AWS writes them: `eu-west-1`, `us-gov-west-1`, `ap-southeast-2`
/// (two letters, lower-case words, a final number).
pub fn is_region_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    parts.len() >= 3
        && parts[0].len() == 2
        && words
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && number.parse::<u8>().is_ok()
}

/// `AWS::EC2::SecurityGroup` → `ec2`: the registry's service, else the middle
/// part of the name.
pub use crate::registry::service_of;

/// AWS's casing of a known type; the list lives in the [registry](crate::registry).
pub use crate::registry::canonical_type;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lifted_fields_and_helpers() {
        let item = ConfigItem::from_body(
            json!({"resourceType": "AWS::EC2::Volume", "resourceId": "vol-1", "awsRegion": "eu-west-1",
                   "tags": {"Criticality": "high"}, "configuration": {"encrypted": false}}),
            Arc::from("t"),
        );
        assert_eq!(item.service(), "ec2");
        assert_eq!(item.tag("Criticality"), Some("high"));
        assert!(!item.is_deleted());
        assert_eq!(item.label(), "AWS::EC2::Volume vol-1");
        assert_eq!(canonical_type("AWS::EC2::VOLUME"), "AWS::EC2::Volume");
        let gone = ConfigItem::from_body(
            json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "configurationItemStatus": "ResourceDeleted", "configuration": null}),
            Arc::from("t"),
        );
        assert!(gone.is_deleted());
        let mut partial = item.clone();
        partial.unreadable.push(Unreadable {
            path: "supplementaryConfiguration.BucketPolicy".into(),
            reason: "AccessDenied".into(),
        });
        assert!(partial
            .unreadable_at("supplementaryConfiguration.BucketPolicy.policyText.Statement[*]")
            .is_some());
        assert!(partial
            .unreadable_at("supplementaryConfiguration")
            .is_some());
        assert!(partial
            .unreadable_at("supplementaryConfiguration.BucketPolicyStatus")
            .is_none());
        assert!(partial.unreadable_at("configuration.name").is_none());
    }
}
