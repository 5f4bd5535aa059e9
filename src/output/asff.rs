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
//! are imported with `Workflow.Status` SUPPRESSED.
//!
//! Where a document is filed: BatchImportFindings takes a finding only when
//! its `ProductArn` names the region the call is made in, so the product ARN's
//! region is the import region (`--region`, `AWS_REGION`, or the region
//! `--to securityhub` imports into) and, when none is named, the finding's
//! own region: a file of a multi-region scan holds each finding for its own
//! region's Security Hub, as the service's own findings are. Global resources
//! (IAM: region `global`) have no region of their own; without an import
//! region they are filed in the region of their partition's IAM endpoint
//! (`us-east-1`, `us-gov-west-1`, `cn-north-1`), where AWS records global
//! IAM activity (Prowler too falls back to it when no region is configured);
//! pass `--region` to file them in your Security Hub home (aggregation)
//! region instead. A finding without an account (a resource type that could
//! not be listed) takes the account of the context, and one whose region is
//! unknown (not global) takes the import region; where neither can be had it
//! is left out and counted, and `report` names the count and the flag.
//!
//! The documents are typed structs that borrow from the finding and the
//! report ([`Document`]): no JSON tree is built per finding, and the import
//! builds the SDK's finding from the same struct.

use crate::core::finding::{Finding, Severity, Status};
use crate::core::report::ScanReport;
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
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

/// At most `max` characters (Security Hub rejects longer fields); text that
/// fits is passed through as it came, borrowed or owned.
pub fn clip<'a>(text: impl Into<Cow<'a, str>>, max: usize) -> Cow<'a, str> {
    let text = text.into();
    match text.char_indices().nth(max) {
        None => text,
        Some((cut, _)) => {
            let keep: String = text[..cut].chars().take(max.saturating_sub(1)).collect();
            Cow::Owned(format!("{keep}…"))
        }
    }
}

/// Where Security Hub files a global resource (IAM) of `partition` when no
/// import region is named: the region of the partition's IAM endpoint.
pub fn global_region(partition: &str) -> Option<&'static str> {
    match partition {
        "aws" => Some("us-east-1"),
        "aws-us-gov" => Some("us-gov-west-1"),
        "aws-cn" => Some("cn-north-1"),
        _ => None,
    }
}

/// The ASFF documents, one per finding whose account and region can be
/// told (see the module's note); `skipped` counts the rest. Only the report's scan id, time and rules are read (its findings
/// may be streamed from elsewhere).
pub struct Documents {
    scan_id: String,
    time: String,
    context: Context,
    fixes: HashMap<String, String>,
}

impl Documents {
    pub fn new(report: &ScanReport, context: Context) -> Documents {
        Documents {
            scan_id: report.scan_id.clone(),
            time: report.generated_at.clone(),
            context,
            fixes: report
                .rules
                .iter()
                .map(|r| (r.id.clone(), r.fix.clone()))
                .collect(),
        }
    }

    /// The document of one finding, or None when no account or no region
    /// is known for it (the caller counts those).
    pub fn document<'b>(&'b self, f: &'b Finding) -> Option<Document<'b>> {
        let context = &self.context;
        let account = f.account.as_deref().or(context.account.as_deref())?;
        let partition = f
            .arn
            .as_deref()
            .and_then(|a| a.split(':').nth(1))
            .filter(|p| !p.is_empty())
            .unwrap_or("aws");
        let global = f.region.as_deref() == Some("global");
        let resource_region = f
            .region
            .as_deref()
            .filter(|_| !global)
            .or(context.region.as_deref());
        let home = context
            .region
            .as_deref()
            .or(resource_region)
            .or_else(|| global.then(|| global_region(partition)).flatten())?;
        let time = self.time.as_str();
        Some(Document {
            schema_version: SCHEMA_VERSION,
            id: &f.finding_id,
            product_arn: ProductArn {
                partition,
                region: home,
                account,
            },
            product_name: "compliance",
            company_name: "compliance",
            generator_id: GeneratorId(&f.rule_id),
            aws_account_id: account,
            types: [FINDING_TYPE],
            created_at: f.first_seen.as_deref().unwrap_or(time),
            updated_at: time,
            severity: DocumentSeverity {
                label: severity_label(f.severity),
                original: f.severity.as_str(),
            },
            title: clip(&*f.title, 256),
            description: clip(f.message_text(), 1024),
            resources: [DocumentResource {
                kind: resource_type(&f.resource_type),
                id: f.arn.as_deref().unwrap_or(&f.resource_id),
                partition,
                region: resource_region.unwrap_or(home),
            }],
            compliance: DocumentCompliance {
                status: compliance_status(f.status),
                related_requirements: &f.frameworks[..f.frameworks.len().min(32)],
            },
            product_fields: ProductFields {
                rule_id: &f.rule_id,
                status: f.status.as_str(),
                scan_id: &self.scan_id,
                resource_id: clip(f.resource_id.as_str(), 1024),
                resource_type: &f.resource_type,
            },
            record_state: "ACTIVE",
            remediation: self
                .fixes
                .get(&*f.rule_id)
                .filter(|fix| !fix.is_empty())
                .map(|fix| DocumentRemediation {
                    recommendation: Recommendation {
                        text: clip(fix, 512),
                    },
                }),
            workflow: (f.status == Status::Exempted).then_some(Workflow {
                status: "SUPPRESSED",
            }),
        })
    }
}

/// One document per finding as it arrives, in one JSON array.
pub struct AsffWriter<W: Write> {
    out: W,
    documents: Documents,
    first: bool,
    skipped: usize,
}

impl<W: Write> AsffWriter<W> {
    pub fn start(mut out: W, head: &ScanReport, context: Context) -> io::Result<AsffWriter<W>> {
        out.write_all(b"[")?;
        Ok(AsffWriter {
            out,
            documents: Documents::new(head, context),
            first: true,
            skipped: 0,
        })
    }
}

impl<W: Write + Send> super::report::FormatWriter for AsffWriter<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        match self.documents.document(f) {
            Some(doc) => {
                self.out
                    .write_all(if self.first { b"\n" } else { b",\n" })?;
                self.first = false;
                serde_json::to_writer(&mut self.out, &doc)?;
            }
            None => self.skipped += 1,
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>, _report: &ScanReport) -> io::Result<usize> {
        self.out.write_all(b"\n]\n")?;
        self.out.flush()?;
        Ok(self.skipped)
    }
}

/// The one finding type of every document.
pub const FINDING_TYPE: &str =
    "Software and Configuration Checks/Industry and Regulatory Standards";

/// One ASFF document, borrowing its text from the finding and the report;
/// [`crate::aws::securityhub`] builds the SDK's finding from it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Document<'a> {
    pub schema_version: &'static str,
    pub id: &'a str,
    pub product_arn: ProductArn<'a>,
    pub product_name: &'static str,
    pub company_name: &'static str,
    pub generator_id: GeneratorId<'a>,
    pub aws_account_id: &'a str,
    pub types: [&'static str; 1],
    pub created_at: &'a str,
    pub updated_at: &'a str,
    pub severity: DocumentSeverity,
    pub title: Cow<'a, str>,
    pub description: Cow<'a, str>,
    pub resources: [DocumentResource<'a>; 1],
    pub compliance: DocumentCompliance<'a>,
    pub product_fields: ProductFields<'a>,
    pub record_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<DocumentRemediation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Workflow>,
}

/// `arn:{partition}:securityhub:{region}:{account}:product/{account}/default`:
/// the account's own product in the region the finding is imported into.
#[derive(Debug, Clone, Copy)]
pub struct ProductArn<'a> {
    pub partition: &'a str,
    pub region: &'a str,
    pub account: &'a str,
}

impl fmt::Display for ProductArn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ProductArn {
            partition,
            region,
            account,
        } = self;
        write!(
            f,
            "arn:{partition}:securityhub:{region}:{account}:product/{account}/default"
        )
    }
}

/// `compliance/{rule id}`.
#[derive(Debug, Clone, Copy)]
pub struct GeneratorId<'a>(pub &'a str);

impl fmt::Display for GeneratorId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "compliance/{}", self.0)
    }
}

macro_rules! serialize_as_text {
    ($($t:ident),*) => {$(
        impl Serialize for $t<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    )*};
}
serialize_as_text!(ProductArn, GeneratorId);

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentSeverity {
    pub label: &'static str,
    pub original: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentResource<'a> {
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub id: &'a str,
    pub partition: &'a str,
    pub region: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentCompliance<'a> {
    pub status: &'static str,
    /// At most 32 (the API's limit).
    pub related_requirements: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct ProductFields<'a> {
    #[serde(rename = "compliance/RuleId")]
    pub rule_id: &'a str,
    #[serde(rename = "compliance/Status")]
    pub status: &'static str,
    #[serde(rename = "compliance/ScanId")]
    pub scan_id: &'a str,
    #[serde(rename = "compliance/ResourceId")]
    pub resource_id: Cow<'a, str>,
    #[serde(rename = "compliance/ResourceType")]
    pub resource_type: &'a str,
}

impl<'a> ProductFields<'a> {
    /// Name and value of each field, as Security Hub's map takes them.
    pub fn entries(&self) -> [(&'static str, &str); 5] {
        [
            ("compliance/RuleId", self.rule_id),
            ("compliance/Status", self.status),
            ("compliance/ScanId", self.scan_id),
            ("compliance/ResourceId", &self.resource_id),
            ("compliance/ResourceType", self.resource_type),
        ]
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentRemediation<'a> {
    pub recommendation: Recommendation<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Recommendation<'a> {
    pub text: Cow<'a, str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Workflow {
    pub status: &'static str,
}

/// Writes the array; returns how many findings were left out (no account or
/// no region to file them under).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::ocsf::tests::{bare, full, report};
    use serde_json::{json, Value};

    /// The file the ASFF writer makes of `report`, and how many it left out.
    fn written(report: &ScanReport, context: &Context) -> (Vec<Value>, usize) {
        use crate::output::report::FormatWriter;
        let mut out = Vec::new();
        let mut writer = Box::new(AsffWriter::start(&mut out, report, context.clone()).unwrap());
        for f in &report.findings {
            writer.finding(f).unwrap();
        }
        let skipped = writer.finish(report).unwrap();
        (serde_json::from_slice(&out).unwrap(), skipped)
    }

    /// The documents of `findings` from a report that holds none (as when
    /// they are streamed from a file), and how many were left out.
    fn documents(findings: &[Finding], context: &Context) -> (Vec<Value>, usize) {
        let report = report(vec![]);
        let documents = Documents::new(&report, context.clone());
        let docs: Vec<Value> = findings
            .iter()
            .filter_map(|f| documents.document(f))
            .map(|d| serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap())
            .collect();
        let skipped = findings.len() - docs.len();
        (docs, skipped)
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
        let (docs, skipped) = documents(&[f], &Context::default());
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
        let (docs, skipped) = written(
            &report(vec![bare(), no_region, full()]),
            &Context::default(),
        );
        assert_eq!(docs.len(), 1, "{docs:?}");
        assert_eq!(docs[0], documents(&[full()], &Context::default()).0[0]);
        assert_eq!(skipped, 2);
    }

    #[test]
    fn a_global_finding_without_an_import_region_is_filed_in_its_partitions_iam_region() {
        let global = |arn: &str| Finding {
            account: Some("111122223333".into()),
            region: Some("global".into()),
            arn: Some(arn.into()),
            ..bare()
        };
        let (docs, skipped) = documents(
            &[
                global("arn:aws:iam::111122223333:user/alice"),
                global("arn:aws-us-gov:iam::111122223333:user/alice"),
                global("arn:aws-cn:iam::111122223333:user/alice"),
                global("arn:aws-iso:iam::111122223333:user/alice"),
            ],
            &Context::default(),
        );
        assert_eq!(
            skipped, 1,
            "a partition without a known IAM region is left out"
        );
        let filed: Vec<(&str, &str)> = docs
            .iter()
            .map(|d| {
                (
                    d["ProductArn"].as_str().unwrap(),
                    d["Resources"][0]["Region"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            filed,
            [
                ("arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default", "us-east-1"),
                ("arn:aws-us-gov:securityhub:us-gov-west-1:111122223333:product/111122223333/default", "us-gov-west-1"),
                ("arn:aws-cn:securityhub:cn-north-1:111122223333:product/111122223333/default", "cn-north-1"),
            ]
        );
        // A named import region (--region, AWS_REGION, --to securityhub) wins.
        let (docs, _) = documents(
            &[global("arn:aws:iam::111122223333:user/alice")],
            &Context {
                account: None,
                region: Some("eu-west-1".into()),
            },
        );
        assert_eq!(
            docs[0]["ProductArn"],
            "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default"
        );
        assert_eq!(docs[0]["Resources"][0]["Region"], "eu-west-1");
    }

    #[test]
    fn long_text_is_clipped_to_the_limits_security_hub_takes() {
        let f = Finding {
            title: "t".repeat(300).into(),
            message: Some("é".repeat(2000)),
            ..full()
        };
        let (docs, _) = documents(&[f], &Context::default());
        let title = docs[0]["Title"].as_str().unwrap();
        let description = docs[0]["Description"].as_str().unwrap();
        assert_eq!(title.chars().count(), 256);
        assert!(title.ends_with('…'));
        assert_eq!(description.chars().count(), 1024);
        assert_eq!(description, format!("{}…", "é".repeat(1023)));
    }
}
