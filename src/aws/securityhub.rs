//! `report --to securityhub`: imports the ASFF documents of
//! [`crate::output::asff`] with BatchImportFindings, 100 per call (the API's
//! limit). Throttling is retried by the SDK's adaptive retry; findings the
//! service reports as failed with a transient code are sent again, up to
//! [`ATTEMPTS`] times with a growing pause. What was imported and what failed
//! (with the service's error codes) is returned for the command to report.

use crate::aws::error::AwsError;
use crate::aws::Aws;
use crate::output::asff::Document;
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, Compliance, ComplianceStatus, Partition, Recommendation, RecordState,
    Remediation, Resource, Severity, SeverityLabel, Workflow, WorkflowStatus,
};
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

/// One ASFF document (as [`crate::output::asff`] writes it) as the SDK's type.
pub fn finding(d: &Document) -> AwsSecurityFinding {
    AwsSecurityFinding::builder()
        .schema_version(d.schema_version)
        .id(d.id)
        .product_arn(d.product_arn.to_string())
        .product_name(d.product_name)
        .company_name(d.company_name)
        .generator_id(d.generator_id.to_string())
        .aws_account_id(d.aws_account_id)
        .set_types(Some(d.types.iter().map(|t| t.to_string()).collect()))
        .created_at(d.created_at)
        .updated_at(d.updated_at)
        .severity(
            Severity::builder()
                .label(SeverityLabel::from(d.severity.label))
                .original(d.severity.original)
                .build(),
        )
        .title(d.title.as_ref())
        .description(d.description.as_ref())
        .set_resources(Some(
            d.resources
                .iter()
                .map(|r| {
                    Resource::builder()
                        .r#type(r.kind)
                        .id(r.id)
                        .partition(Partition::from(r.partition))
                        .region(r.region)
                        .build()
                })
                .collect(),
        ))
        .compliance(
            Compliance::builder()
                .status(ComplianceStatus::from(d.compliance.status))
                .set_related_requirements(
                    // The SDK leaves an empty list out, as the document reader did.
                    Some(d.compliance.related_requirements.to_vec()).filter(|r| !r.is_empty()),
                )
                .build(),
        )
        .set_product_fields(Some(
            d.product_fields
                .entries()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ))
        .record_state(RecordState::from(d.record_state))
        .set_remediation(d.remediation.as_ref().map(|r| {
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .text(r.recommendation.text.as_ref())
                        .build(),
                )
                .build()
        }))
        .set_workflow(d.workflow.as_ref().map(|w| {
            Workflow::builder()
                .status(WorkflowStatus::from(w.status))
                .build()
        }))
        .build()
}

/// Imports `docs` into Security Hub in `region`, 100 at a time.
pub async fn import(aws: &Aws, region: &str, docs: &[Document<'_>]) -> Result<Imported, AwsError> {
    let client = aws.securityhub(region);
    let mut out = Imported::default();
    for batch in docs.chunks(BATCH) {
        let mut pending: Vec<&Document> = batch.iter().collect();
        for attempt in 1..=ATTEMPTS {
            let by_id: HashMap<&str, &Document> = pending.iter().map(|d| (d.id, *d)).collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::asff::{Context, Documents};
    use crate::output::ocsf::tests::{bare, full, report};

    #[test]
    fn the_sdk_finding_says_what_the_document_says() {
        let report = report(vec![]);
        let context = Context::default();
        let documents = Documents::new(&report, context.clone());
        let f = full();
        let doc = documents.document(&f).unwrap();
        let json: serde_json::Value = serde_json::to_value(&doc).unwrap();
        let s = |v: &serde_json::Value| v.as_str().unwrap().to_string();
        let hub = finding(&doc);
        assert_eq!(hub.schema_version(), Some("2018-10-08"));
        assert_eq!(hub.id().map(str::to_string), Some(f.finding_id.clone()));
        assert_eq!(
            hub.product_arn().map(str::to_string),
            Some(s(&json["ProductArn"]))
        );
        assert_eq!(hub.generator_id(), Some("compliance/s3-public"));
        assert_eq!(hub.aws_account_id(), Some("111122223333"));
        assert_eq!(hub.types(), [crate::output::asff::FINDING_TYPE]);
        assert_eq!(hub.created_at(), Some("2026-11-01T08:30:00Z"));
        assert_eq!(hub.updated_at(), Some("2026-11-29T12:00:00.000Z"));
        let severity = hub.severity().unwrap();
        assert_eq!(severity.label(), Some(&SeverityLabel::High));
        assert_eq!(severity.original(), Some("high"));
        assert_eq!(hub.title(), Some("S3 bucket blocks public access"));
        assert_eq!(hub.description(), Some("S3 bucket logs allows public ACLs"));
        let resource = &hub.resources()[0];
        assert_eq!(resource.r#type(), Some("AwsS3Bucket"));
        assert_eq!(resource.id(), Some("arn:aws-us-gov:s3:::logs"));
        assert_eq!(resource.partition(), Some(&Partition::AwsUsGov));
        assert_eq!(resource.region(), Some("eu-west-1"));
        let compliance = hub.compliance().unwrap();
        assert_eq!(compliance.status(), Some(&ComplianceStatus::Failed));
        assert_eq!(
            compliance.related_requirements(),
            ["SOC2:CC6.1", "SOC2:CC6.6", "CIS:2.1.5"]
        );
        let fields: BTreeMap<String, String> = hub
            .product_fields()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let written: BTreeMap<String, String> = json["ProductFields"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), s(v)))
            .collect();
        assert_eq!(fields, written);
        assert_eq!(hub.record_state(), Some(&RecordState::Active));
        assert_eq!(
            hub.remediation()
                .and_then(|r| r.recommendation())
                .and_then(|r| r.text()),
            Some("Turn on S3 Block Public Access.")
        );
        assert_eq!(
            hub.workflow().and_then(|w| w.status()),
            Some(&WorkflowStatus::Suppressed)
        );

        let context = Context {
            account: Some("999988887777".into()),
            region: Some("us-east-1".into()),
        };
        let documents = Documents::new(&report, context.clone());
        let b = bare();
        let hub = finding(&documents.document(&b).unwrap());
        assert_eq!(hub.aws_account_id(), Some("999988887777"));
        assert!(hub.compliance().unwrap().related_requirements().is_empty());
        assert!(hub.remediation().is_none());
        assert!(hub.workflow().is_none());
    }
}
