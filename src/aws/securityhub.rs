//! `report --to securityhub`: imports the ASFF documents of
//! [`crate::output::asff`] with BatchImportFindings, 100 per call (the API's
//! limit). Throttling is retried by the SDK's adaptive retry; findings the
//! service reports as failed with a transient code are sent again, up to
//! [`ATTEMPTS`] times with a growing pause. What was imported and what failed
//! (with the service's error codes) is returned for the command to report.

use crate::aws::error::AwsError;
use crate::aws::Aws;
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, Compliance, ComplianceStatus, Partition, Recommendation, RecordState,
    Remediation, Resource, Severity, SeverityLabel, Workflow, WorkflowStatus,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

const SERVICE: &str = "securityhub";
const OPERATION: &str = "BatchImportFindings";
/// BatchImportFindings takes at most 100 findings per call.
pub const BATCH: usize = 100;
/// Sends of one finding the service rejected with a transient code.
pub const ATTEMPTS: usize = 3;

/// Codes Security Hub returns per finding for problems that pass.
const TRANSIENT: [&str; 4] = [
    "InternalException",
    "LimitExceededException",
    "ThrottlingException",
    "ServiceUnavailable",
];

/// The outcome of an import.
#[derive(Debug, Default)]
pub struct Imported {
    pub imported: usize,
    /// Finding id → (error code, message) of findings that were not imported.
    pub failed: BTreeMap<String, (String, String)>,
    pub calls: usize,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// One ASFF document (as [`crate::output::asff`] writes it) as the SDK's type.
pub fn finding(doc: &Value) -> AwsSecurityFinding {
    let s = |key: &str| text(doc, key).map(str::to_string);
    let mut b = AwsSecurityFinding::builder()
        .set_schema_version(s("SchemaVersion"))
        .set_id(s("Id"))
        .set_product_arn(s("ProductArn"))
        .set_product_name(s("ProductName"))
        .set_company_name(s("CompanyName"))
        .set_generator_id(s("GeneratorId"))
        .set_aws_account_id(s("AwsAccountId"))
        .set_created_at(s("CreatedAt"))
        .set_updated_at(s("UpdatedAt"))
        .set_title(s("Title"))
        .set_description(s("Description"))
        .set_record_state(text(doc, "RecordState").map(RecordState::from));
    for t in doc["Types"].as_array().into_iter().flatten() {
        if let Some(t) = t.as_str() {
            b = b.types(t);
        }
    }
    let sev = &doc["Severity"];
    b = b.severity(
        Severity::builder()
            .set_label(text(sev, "Label").map(SeverityLabel::from))
            .set_original(text(sev, "Original").map(str::to_string))
            .build(),
    );
    for r in doc["Resources"].as_array().into_iter().flatten() {
        b = b.resources(
            Resource::builder()
                .set_type(text(r, "Type").map(str::to_string))
                .set_id(text(r, "Id").map(str::to_string))
                .set_partition(text(r, "Partition").map(Partition::from))
                .set_region(text(r, "Region").map(str::to_string))
                .build(),
        );
    }
    let c = &doc["Compliance"];
    let mut compliance =
        Compliance::builder().set_status(text(c, "Status").map(ComplianceStatus::from));
    for req in c["RelatedRequirements"].as_array().into_iter().flatten() {
        if let Some(req) = req.as_str() {
            compliance = compliance.related_requirements(req);
        }
    }
    b = b.compliance(compliance.build());
    if let Some(fields) = doc["ProductFields"].as_object() {
        let map: HashMap<String, String> = fields
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect();
        b = b.set_product_fields(Some(map));
    }
    if let Some(fix) = doc
        .pointer("/Remediation/Recommendation/Text")
        .and_then(Value::as_str)
    {
        b = b.remediation(
            Remediation::builder()
                .recommendation(Recommendation::builder().text(fix).build())
                .build(),
        );
    }
    if let Some(status) = doc.pointer("/Workflow/Status").and_then(Value::as_str) {
        b = b.workflow(
            Workflow::builder()
                .status(WorkflowStatus::from(status))
                .build(),
        );
    }
    b.build()
}

/// Imports `docs` into Security Hub in `region`, 100 at a time.
pub async fn import(aws: &Aws, region: &str, docs: &[Value]) -> Result<Imported, AwsError> {
    let client = aws.securityhub(region);
    let mut out = Imported::default();
    for batch in docs.chunks(BATCH) {
        let mut pending: Vec<&Value> = batch.iter().collect();
        for attempt in 1..=ATTEMPTS {
            let by_id: HashMap<&str, &Value> = pending
                .iter()
                .filter_map(|d| Some((text(d, "Id")?, *d)))
                .collect();
            let response = client
                .batch_import_findings()
                .set_findings(Some(pending.iter().map(|d| finding(d)).collect()))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(SERVICE, region, OPERATION, &e))?;
            out.calls += 1;
            out.imported += response.success_count().unwrap_or(0).max(0) as usize;
            let mut again = Vec::new();
            for failed in response.failed_findings() {
                let id = failed.id().unwrap_or_default().to_string();
                let code = failed.error_code().unwrap_or("Unknown").to_string();
                let message = failed.error_message().unwrap_or_default().to_string();
                match by_id.get(id.as_str()) {
                    Some(doc) if attempt < ATTEMPTS && TRANSIENT.contains(&code.as_str()) => {
                        again.push(*doc);
                    }
                    _ => {
                        out.failed.insert(id, (code, message));
                    }
                }
            }
            if again.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            pending = again;
        }
    }
    Ok(out)
}
