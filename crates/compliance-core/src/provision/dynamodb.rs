//! The history table as a plain value and the pure comparison with the spec:
//! key schema (not changeable in place), tags, on-demand billing, the index for
//! reading one scan back, KMS encryption with the stack key, point-in-time
//! recovery and TTL. The adapter (`src/aws/provision/dynamodb.rs`) reads
//! DescribeTable and friends into [`Table`] and applies each [`Part`].

use super::same_key;
use crate::plan::{Change, Planned};
use crate::stack::StackSpec;

/// The attribute scan items carry when history has a retention period.
pub const TTL_ATTRIBUTE: &str = "expires_at";
pub const HASH_KEY: &str = "resourceId";
pub const RANGE_KEY: &str = "timestamp";
pub const SCAN_KEY: &str = "scan_id";
pub const PAY_PER_REQUEST: &str = "PAY_PER_REQUEST";

/// The table as DynamoDB describes it, in the words the reasons use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// `resourceId (HASH) + timestamp (RANGE)`.
    pub key_schema: String,
    /// PROVISIONED when DynamoDB reports no billing summary.
    pub billing: String,
    /// The scan index as `scan_id (HASH) + resourceId (RANGE), projection ALL`; None when absent.
    pub scan_index: Option<String>,
    /// Server-side encryption with a KMS key is on (or turning on).
    pub sse_enabled: bool,
    pub sse_type: Option<String>,
    pub sse_key: Option<String>,
    pub tags: Vec<(String, String)>,
    pub pitr: bool,
    /// The TTL attribute when TTL is on (or turning on).
    pub ttl: Option<String>,
}

/// What a change is applied with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Tags,
    Billing,
    CreateIndex,
    RecreateIndex,
    Sse,
    Pitr,
    Ttl,
    /// Cannot be changed in place (the key schema).
    Impossible,
}

/// The key schema setup creates, as [`Table::key_schema`] spells it.
pub fn wanted_keys() -> String {
    format!("{HASH_KEY} (HASH) + {RANGE_KEY} (RANGE)")
}

/// The scan index setup creates, as [`Table::scan_index`] spells it.
pub fn wanted_index() -> String {
    format!("{SCAN_KEY} (HASH) + {HASH_KEY} (RANGE), projection ALL")
}

/// The table's settings that differ from the spec; `key` is the stack key's
/// ARN (None in a dry run before the key exists: any KMS key passes).
pub fn table_changes(spec: &StackSpec, table: &Table, key: Option<&str>) -> Vec<Planned<Part>> {
    let mut drifts = Vec::new();
    let index_name = spec.names().scan_index;
    let want_keys = wanted_keys();
    if table.key_schema != want_keys {
        drifts.push(Planned::new(
            Part::Impossible,
            Change::wanted("key schema", want_keys, table.key_schema.clone()).impossible(),
        ));
    }
    if let Some(change) = crate::plan::missing_tags(&spec.tags(), &table.tags) {
        drifts.push(Planned::new(Part::Tags, change));
    }
    if table.billing != PAY_PER_REQUEST {
        drifts.push(Planned::new(
            Part::Billing,
            Change::wanted("billing mode", PAY_PER_REQUEST, table.billing.clone()),
        ));
    }
    let want_index = wanted_index();
    match &table.scan_index {
        None => drifts.push(Planned::new(
            Part::CreateIndex,
            Change::wanted(
                "global secondary index",
                format!("{index_name} on {want_index}"),
                "none",
            ),
        )),
        Some(found) if *found != want_index => drifts.push(Planned::new(
            Part::RecreateIndex,
            Change::wanted(
                "global secondary index",
                format!("{index_name} on {want_index}"),
                format!("{index_name} on {found}"),
            ),
        )),
        Some(_) => {}
    }
    let found_sse = if !table.sse_enabled {
        Some("off (AWS-owned key)".to_string())
    } else if table.sse_type.as_deref() != Some("KMS") {
        Some(
            table
                .sse_type
                .clone()
                .unwrap_or_else(|| "unknown type".into()),
        )
    } else {
        let found_key = table.sse_key.as_deref().unwrap_or("none");
        match key {
            Some(key) if !same_key(found_key, key) => Some(format!("KMS with key {found_key}")),
            _ => None,
        }
    };
    if let Some(found) = found_sse {
        drifts.push(Planned::new(
            Part::Sse,
            Change::wanted(
                "SSE",
                match key {
                    Some(key) => format!("KMS with key {key}"),
                    None => "KMS".into(),
                },
                found,
            ),
        ));
    }
    if !table.pitr {
        drifts.push(Planned::new(
            Part::Pitr,
            Change::wanted("point-in-time recovery", "ENABLED", "DISABLED"),
        ));
    }
    let want_ttl = spec.retain_days.map(|_| TTL_ATTRIBUTE.to_string());
    if table.ttl != want_ttl {
        let text = |t: &Option<String>| match t {
            Some(a) => format!("enabled on {a}"),
            None => "disabled".to_string(),
        };
        drifts.push(Planned::new(
            Part::Ttl,
            Change::wanted("TTL", text(&want_ttl), text(&table.ttl)),
        ));
    }
    drifts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Risk;

    fn spec() -> StackSpec {
        StackSpec {
            retain_days: Some(90),
            ..super::super::test_spec()
        }
    }

    const KEY: &str = "arn:aws:kms:eu-west-1:123456789012:key/abc";

    fn as_specified(spec: &StackSpec) -> Table {
        Table {
            key_schema: wanted_keys(),
            billing: PAY_PER_REQUEST.into(),
            scan_index: Some(wanted_index()),
            sse_enabled: true,
            sse_type: Some("KMS".into()),
            sse_key: Some(KEY.into()),
            tags: spec.tags().into_iter().collect(),
            pitr: true,
            ttl: Some(TTL_ATTRIBUTE.into()),
        }
    }

    #[test]
    fn a_table_as_specified_has_no_changes() {
        let spec = spec();
        assert!(table_changes(&spec, &as_specified(&spec), Some(KEY)).is_empty());
        assert!(table_changes(&spec, &as_specified(&spec), None).is_empty());
    }

    #[test]
    fn each_drift_names_its_call_and_a_key_schema_cannot_change() {
        let mut spec = spec();
        let mut table = as_specified(&spec);
        table.key_schema = "pk (HASH)".into();
        table.scan_index = None;
        table.sse_key = Some("arn:aws:kms:eu-west-1:123456789012:key/other".into());
        table.pitr = false;
        spec.retain_days = None;
        let changes = table_changes(&spec, &table, Some(KEY));
        let parts: Vec<Part> = changes.iter().map(|p| p.by).collect();
        assert_eq!(
            parts,
            [
                Part::Impossible,
                Part::CreateIndex,
                Part::Sse,
                Part::Pitr,
                Part::Ttl
            ]
        );
        assert_eq!(changes[0].change.risk, Risk::Impossible);
        assert_eq!(
            changes[4].reason(),
            "TTL: expected disabled, found enabled on expires_at"
        );
    }
}
