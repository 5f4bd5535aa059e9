//! `report --format asff`: one JSON array of AWS Security Finding Format
//! documents, ready for Security Hub's BatchImportFindings (`aws securityhub
//! batch-import-findings --findings file://report.asff.json`, in batches of
//! 100).
//!
//! Every required field is filled: `SchemaVersion` 2018-10-08, `Id` the
//! finding id, `ProductArn` the account's default product in the import
//! region, `GeneratorId` the rule id, `AwsAccountId`, `Types`, `CreatedAt` and
//! `UpdatedAt` (the scan's time), `Severity.Label`, `Title` (≤ 256
//! characters), `Description` (the message, ≤ 1,024 characters) and
//! `Resources` (type, ARN or id, partition, region). `Compliance.Status` is
//! PASSED (compliant), FAILED (non-compliant, exempted), WARNING (error: the
//! check could not tell) or NOT_AVAILABLE (not applicable); exempted findings
//! are imported with `Workflow.Status` SUPPRESSED. A finding without an
//! account (a resource type that could not be listed) takes the account of
//! the context; where none is known it is left out and counted.

use crate::core::finding::{Finding, Severity, Status};
use crate::core::report::ScanReport;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{self, Write};

pub const SCHEMA_VERSION: &str = "2018-10-08";

/// The account and region findings are imported into, for findings that
/// name none (and for the product ARN of global resources such as IAM).
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub account: Option<String>,
    pub region: Option<String>,
}

impl Context {
    pub fn of(options: &super::report::Options) -> Context {
        Context {
            account: options.asff_account.clone(),
            region: options.asff_region.clone(),
        }
    }
}

pub fn compliance_status(s: Status) -> &'static str {
    match s {
        Status::Compliant => "PASSED",
        Status::NonCompliant | Status::Exempted => "FAILED",
        Status::Error => "WARNING",
        Status::NotApplicable => "NOT_AVAILABLE",
    }
}

pub fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFORMATIONAL",
    }
}

/// Security Hub's resource type for an AWS Config type (`Other` when it has none).
pub fn resource_type(config_type: &str) -> &'static str {
    match config_type {
        "AWS::EC2::Instance" => "AwsEc2Instance",
        "AWS::EC2::SecurityGroup" => "AwsEc2SecurityGroup",
        "AWS::EC2::Volume" => "AwsEc2Volume",
        "AWS::S3::Bucket" => "AwsS3Bucket",
        "AWS::RDS::DBInstance" => "AwsRdsDbInstance",
        "AWS::IAM::User" => "AwsIamUser",
        "AWS::IAM::Role" => "AwsIamRole",
        "AWS::IAM::Policy" => "AwsIamPolicy",
        "AWS::CloudFormation::Stack" => "AwsCloudFormationStack",
        _ => "Other",
    }
}

/// At most `max` characters (Security Hub rejects longer fields).
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => {
            let keep: String = text[..cut].chars().take(max.saturating_sub(1)).collect();
            format!("{keep}…")
        }
    }
}

/// The ASFF documents, one per finding that has an account; `skipped` counts
/// the rest.
pub struct Documents<'a> {
    report: &'a ScanReport,
    context: &'a Context,
    fixes: HashMap<&'a str, &'a str>,
    pub skipped: usize,
}

impl<'a> Documents<'a> {
    pub fn new(report: &'a ScanReport, context: &'a Context) -> Documents<'a> {
        Documents {
            report,
            context,
            fixes: report
                .rules
                .iter()
                .map(|r| (r.id.as_str(), r.fix.as_str()))
                .collect(),
            skipped: 0,
        }
    }

    /// The document of one finding, or None when no account is known.
    pub fn document(&mut self, f: &Finding) -> Option<Value> {
        let Some(account) = f.account.as_deref().or(self.context.account.as_deref()) else {
            self.skipped += 1;
            return None;
        };
        let resource_region = f
            .region
            .as_deref()
            .filter(|r| *r != "global")
            .or(self.context.region.as_deref());
        let Some(home) = self.context.region.as_deref().or(resource_region) else {
            self.skipped += 1;
            return None;
        };
        let partition = f
            .arn
            .as_deref()
            .and_then(|a| a.split(':').nth(1))
            .filter(|p| !p.is_empty())
            .unwrap_or("aws");
        let resource = json!({
            "Type": resource_type(&f.resource_type),
            "Id": f.arn.clone().unwrap_or_else(|| f.resource_id.clone()),
            "Partition": partition,
            "Region": resource_region.unwrap_or(home),
        });
        let time = &self.report.generated_at;
        let label = severity_label(f.severity);
        let mut doc = json!({
            "SchemaVersion": SCHEMA_VERSION,
            "Id": f.finding_id,
            "ProductArn": format!("arn:{partition}:securityhub:{home}:{account}:product/{account}/default"),
            "ProductName": "compliance",
            "CompanyName": "compliance",
            "GeneratorId": format!("compliance/{}", f.rule_id),
            "AwsAccountId": account,
            "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
            "CreatedAt": f.first_seen.as_deref().unwrap_or(time),
            "UpdatedAt": time,
            "Severity": {"Label": label, "Original": f.severity.as_str()},
            "Title": clip(&f.title, 256),
            "Description": clip(&f.message_text(), 1024),
            "Resources": [resource],
            "Compliance": {
                "Status": compliance_status(f.status),
                "RelatedRequirements": f.frameworks.iter().take(32).collect::<Vec<_>>(),
            },
            "ProductFields": {
                "compliance/RuleId": f.rule_id,
                "compliance/Status": f.status.as_str(),
                "compliance/ScanId": self.report.scan_id,
                "compliance/ResourceId": clip(&f.resource_id, 1024),
                "compliance/ResourceType": f.resource_type,
            },
            "RecordState": "ACTIVE",
        });
        if let Some(fix) = self.fixes.get(&*f.rule_id).filter(|x| !x.is_empty()) {
            doc["Remediation"] = json!({"Recommendation": {"Text": clip(fix, 512)}});
        }
        if f.status == Status::Exempted {
            doc["Workflow"] = json!({"Status": "SUPPRESSED"});
        }
        Some(doc)
    }
}

/// Writes the array; returns how many findings were left out (no account).
pub fn write<W: Write>(out: &mut W, report: &ScanReport, context: &Context) -> io::Result<usize> {
    let mut docs = Documents::new(report, context);
    out.write_all(b"[")?;
    let mut first = true;
    for f in &report.findings {
        if let Some(doc) = docs.document(f) {
            out.write_all(if first { b"\n" } else { b",\n" })?;
            first = false;
            serde_json::to_writer(&mut *out, &doc)?;
        }
    }
    out.write_all(b"\n]\n")?;
    Ok(docs.skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::ocsf::tests::{bare, full, report};
    use serde_json::json;

    fn written(report: &ScanReport, context: &Context) -> (Vec<Value>, usize) {
        let mut out = Vec::new();
        let skipped = write(&mut out, report, context).unwrap();
        (serde_json::from_slice(&out).unwrap(), skipped)
    }

    fn context(account: &str, region: &str) -> Context {
        Context {
            account: Some(account.into()),
            region: Some(region.into()),
        }
    }

    const TYPE: &str = "Software and Configuration Checks/Industry and Regulatory Standards";

    #[test]
    fn a_document_carries_every_optional_part_of_the_finding() {
        let f = full();
        let id = f.finding_id.clone();
        let (docs, skipped) = written(&report(vec![f]), &Context::default());
        assert_eq!(skipped, 0);
        assert_eq!(
            docs[0],
            json!({
                "AwsAccountId": "111122223333",
                "CompanyName": "compliance",
                "Compliance": {
                    "RelatedRequirements": ["SOC2:CC6.1", "SOC2:CC6.6", "CIS:2.1.5"],
                    "Status": "FAILED"
                },
                "CreatedAt": "2026-11-01T08:30:00Z",
                "Description": "S3 bucket logs allows public ACLs",
                "GeneratorId": "compliance/s3-public",
                "Id": id,
                "ProductArn": "arn:aws-us-gov:securityhub:eu-west-1:111122223333:product/111122223333/default",
                "ProductFields": {
                    "compliance/ResourceId": "logs",
                    "compliance/ResourceType": "AWS::S3::Bucket",
                    "compliance/RuleId": "s3-public",
                    "compliance/ScanId": "scan-7",
                    "compliance/Status": "exempted"
                },
                "ProductName": "compliance",
                "RecordState": "ACTIVE",
                "Remediation": {"Recommendation": {"Text": "Turn on S3 Block Public Access."}},
                "Resources": [{
                    "Id": "arn:aws-us-gov:s3:::logs",
                    "Partition": "aws-us-gov",
                    "Region": "eu-west-1",
                    "Type": "AwsS3Bucket"
                }],
                "SchemaVersion": "2018-10-08",
                "Severity": {"Label": "HIGH", "Original": "high"},
                "Title": "S3 bucket blocks public access",
                "Types": [TYPE],
                "UpdatedAt": "2026-11-29T12:00:00.000Z",
                "Workflow": {"Status": "SUPPRESSED"}
            })
        );
    }

    #[test]
    fn the_product_arn_names_the_import_region_and_the_resource_keeps_its_own() {
        let (docs, _) = written(&report(vec![full()]), &context("999988887777", "us-east-1"));
        assert_eq!(
            docs[0]["ProductArn"],
            "arn:aws-us-gov:securityhub:us-east-1:111122223333:product/111122223333/default"
        );
        assert_eq!(docs[0]["AwsAccountId"], "111122223333");
        assert_eq!(docs[0]["Resources"][0]["Region"], "eu-west-1");
    }

    #[test]
    fn a_document_leaves_out_what_the_finding_does_not_say() {
        let f = bare();
        let id = f.finding_id.clone();
        let (docs, skipped) = written(&report(vec![f]), &context("999988887777", "us-east-1"));
        assert_eq!(skipped, 0);
        assert_eq!(
            docs[0],
            json!({
                "AwsAccountId": "999988887777",
                "CompanyName": "compliance",
                "Compliance": {"RelatedRequirements": [], "Status": "FAILED"},
                "CreatedAt": "2026-11-29T12:00:00.000Z",
                "Description": "MfaDevices: found missing; expected is not empty",
                "GeneratorId": "compliance/iam-mfa",
                "Id": id,
                "ProductArn": "arn:aws:securityhub:us-east-1:999988887777:product/999988887777/default",
                "ProductFields": {
                    "compliance/ResourceId": "alice",
                    "compliance/ResourceType": "AWS::IAM::User",
                    "compliance/RuleId": "iam-mfa",
                    "compliance/ScanId": "scan-7",
                    "compliance/Status": "non_compliant"
                },
                "ProductName": "compliance",
                "RecordState": "ACTIVE",
                "Resources": [{
                    "Id": "alice",
                    "Partition": "aws",
                    "Region": "us-east-1",
                    "Type": "AwsIamUser"
                }],
                "SchemaVersion": "2018-10-08",
                "Severity": {"Label": "MEDIUM", "Original": "medium"},
                "Title": "IAM user has MFA",
                "Types": [TYPE],
                "UpdatedAt": "2026-11-29T12:00:00.000Z"
            })
        );
    }

    #[test]
    fn a_finding_without_account_or_region_is_left_out_and_counted() {
        let no_region = Finding {
            account: Some("111122223333".into()),
            ..bare()
        };
        let (docs, skipped) = written(&report(vec![bare(), no_region]), &Context::default());
        assert!(docs.is_empty(), "{docs:?}");
        assert_eq!(skipped, 2);
    }

    #[test]
    fn long_text_is_clipped_to_the_limits_security_hub_takes() {
        let f = Finding {
            title: "t".repeat(300).into(),
            message: Some("é".repeat(2000)),
            ..full()
        };
        let (docs, _) = written(&report(vec![f]), &Context::default());
        let title = docs[0]["Title"].as_str().unwrap();
        let description = docs[0]["Description"].as_str().unwrap();
        assert_eq!(title.chars().count(), 256);
        assert!(title.ends_with('…'));
        assert_eq!(description.chars().count(), 1024);
        assert_eq!(description, format!("{}…", "é".repeat(1023)));
    }
}
