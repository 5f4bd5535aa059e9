//! `report --format ocsf`: one JSON array of OCSF 1.5 Compliance Finding
//! events (class_uid 2003, category 2 Findings, activity 1 Create), one per
//! finding, for security lakes and SIEMs that read OCSF (Amazon Security
//! Lake, Splunk, the tools Prowler feeds).
//!
//! Mapping: `finding_info.uid` is the finding id, `finding_info.title` the
//! rule title and `desc` the message; `compliance.control` is the rule id,
//! `compliance.requirements` the rule's frameworks (`SOC2:CC6.1`) and
//! `compliance.standards` their standards (`SOC2`); `compliance.status_id`
//! is 1 Pass (compliant), 2 Warning (error: no result), 3 Fail
//! (non-compliant, exempted) or 99 Other (not applicable); the event's
//! `status_id` is 3 Suppressed for exempted findings, else 1 New; the
//! resource is in `resources[0]` (ARN as uid) and the account and region in
//! `cloud`; the evidence is kept under `unmapped`.
//!
//! Events are typed structs that borrow from the finding ([`Event`]), built
//! by [`Events`] from what one report shares: no JSON tree per finding.

use crate::core::finding::{AppliedExemption, Evidence, Finding, Severity, Status};
use crate::core::report::ScanReport;
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Display;
use std::io::{self, Write};

pub const OCSF_VERSION: &str = "1.5.0";

pub fn severity_id(s: Severity) -> (u8, &'static str) {
    match s {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

pub fn compliance_status(s: Status) -> (u8, &'static str) {
    match s {
        Status::Compliant => (1, "Pass"),
        Status::Error => (2, "Warning"),
        Status::NonCompliant | Status::Exempted => (3, "Fail"),
        Status::NotApplicable => (99, "Not Applicable"),
    }
}

/// Milliseconds since the epoch of an ISO-8601 time (0 when unreadable).
pub fn epoch_ms(text: &str) -> i64 {
    // The times this tool writes are RFC 3339: read them without building a
    // JSON string; anything else goes through the lenient parser.
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(t) if (0..=9999).contains(&chrono::Datelike::year(&t)) => t.timestamp_millis(),
        _ => crate::core::timestamp::parse(&Value::String(text.to_string()))
            .map(|t| t.timestamp_millis())
            .unwrap_or(0),
    }
}

/// One event per finding as it arrives, in one JSON array.
pub struct OcsfWriter<W: Write> {
    out: W,
    events: Events,
    first: bool,
}

impl<W: Write> OcsfWriter<W> {
    pub fn start(mut out: W, head: &ScanReport) -> io::Result<OcsfWriter<W>> {
        out.write_all(b"[")?;
        Ok(OcsfWriter {
            out,
            events: Events::new(head),
            first: true,
        })
    }
}

impl<W: Write + Send> super::report::FormatWriter for OcsfWriter<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        self.out
            .write_all(if self.first { b"\n" } else { b",\n" })?;
        self.first = false;
        serde_json::to_writer(&mut self.out, &self.events.event(f))?;
        Ok(())
    }

    fn finish(mut self: Box<Self>, _report: &ScanReport) -> io::Result<usize> {
        self.out.write_all(b"\n]\n")?;
        self.out.flush()?;
        Ok(0)
    }
}

/// What every event of one report shares, worked out once; [`Events::event`]
/// then borrows the rest from the finding. Only the report's scan id, time,
/// tool and rules are read (its findings may be streamed from elsewhere).
pub struct Events {
    time: i64,
    scan_id: String,
    version: String,
    fixes: HashMap<String, String>,
}

impl Events {
    pub fn new(report: &ScanReport) -> Events {
        Events {
            time: epoch_ms(&report.generated_at),
            scan_id: report.scan_id.clone(),
            version: report.tool.version.clone(),
            fixes: report
                .rules
                .iter()
                .map(|r| (r.id.clone(), r.fix.clone()))
                .collect(),
        }
    }

    /// The event of one finding.
    pub fn event<'b>(&'b self, f: &'b Finding) -> Event<'b> {
        let (severity_id, severity) = severity_id(f.severity);
        let (cstatus_id, cstatus) = compliance_status(f.status);
        let (status_id, status) = if f.status == Status::Exempted {
            (3, "Suppressed")
        } else {
            (1, "New")
        };
        let message = f.message_text();
        let time = self.time;
        Event {
            activity_id: 1,
            activity_name: "Create",
            category_uid: 2,
            category_name: "Findings",
            class_uid: 2003,
            class_name: "Compliance Finding",
            type_uid: 200301,
            type_name: "Compliance Finding: Create",
            time,
            severity_id,
            severity,
            status_id,
            status,
            status_code: f.status,
            finding_info: FindingInfo {
                uid: &f.finding_id,
                title: &f.title,
                desc: message.clone(),
                types: [&f.category],
                created_time: time,
                last_seen_time: time,
                first_seen_time: f.first_seen.as_deref().map(epoch_ms),
            },
            message,
            metadata: Metadata {
                version: OCSF_VERSION,
                uid: &f.finding_id,
                event_code: &f.rule_id,
                correlation_uid: &self.scan_id,
                profiles: ["cloud"],
                product: Product {
                    name: "compliance",
                    vendor_name: "compliance",
                    uid: "compliance",
                    version: &self.version,
                },
            },
            compliance: Compliance {
                control: &f.rule_id,
                desc: &f.title,
                standards: Standards(&f.frameworks),
                requirements: &f.frameworks,
                status: cstatus,
                status_id: cstatus_id,
                category: &f.category,
            },
            resources: [Resource {
                uid: f.arn.as_deref().unwrap_or(&f.resource_id),
                name: f.resource_name.as_deref().unwrap_or(&f.resource_id),
                kind: &f.resource_type,
                cloud_partition: f
                    .arn
                    .as_deref()
                    .and_then(|a| a.split(':').nth(1))
                    .unwrap_or("aws"),
                criticality: Text(f.criticality),
                data: ResourceData {
                    resource_id: &f.resource_id,
                    service: &f.service,
                },
                region: f.region.as_deref(),
            }],
            cloud: Cloud {
                provider: "AWS",
                region: f.region.as_deref(),
                account: f.account.as_deref().map(|uid| Account {
                    uid,
                    name: uid,
                    kind: "AWS Account",
                    type_id: 10,
                }),
            },
            unmapped: Unmapped {
                evidence: &f.evidence,
                exemption: f.exemption.as_deref(),
            },
            remediation: self
                .fixes
                .get(&*f.rule_id)
                .filter(|fix| !fix.is_empty())
                .map(|desc| Remediation { desc }),
        }
    }
}

/// One OCSF Compliance Finding event, borrowing its text from the finding.
#[derive(Debug, Serialize)]
pub struct Event<'a> {
    pub activity_id: u8,
    pub activity_name: &'static str,
    pub category_uid: u8,
    pub category_name: &'static str,
    pub class_uid: u16,
    pub class_name: &'static str,
    pub type_uid: u32,
    pub type_name: &'static str,
    pub time: i64,
    pub severity_id: u8,
    pub severity: &'static str,
    pub status_id: u8,
    pub status: &'static str,
    pub status_code: Status,
    pub message: Cow<'a, str>,
    pub metadata: Metadata<'a>,
    pub finding_info: FindingInfo<'a>,
    pub compliance: Compliance<'a>,
    pub resources: [Resource<'a>; 1],
    pub cloud: Cloud<'a>,
    pub unmapped: Unmapped<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Remediation<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Metadata<'a> {
    pub version: &'static str,
    pub uid: &'a str,
    pub event_code: &'a str,
    pub correlation_uid: &'a str,
    pub profiles: [&'static str; 1],
    pub product: Product<'a>,
}

#[derive(Debug, Serialize)]
pub struct Product<'a> {
    pub name: &'static str,
    pub vendor_name: &'static str,
    pub uid: &'static str,
    pub version: &'a str,
}

#[derive(Debug, Serialize)]
pub struct FindingInfo<'a> {
    pub uid: &'a str,
    pub title: &'a str,
    pub desc: Cow<'a, str>,
    pub types: [&'a str; 1],
    pub created_time: i64,
    pub last_seen_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen_time: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct Compliance<'a> {
    pub control: &'a str,
    pub desc: &'a str,
    pub standards: Standards<'a>,
    pub requirements: &'a [String],
    pub status: &'static str,
    pub status_id: u8,
    pub category: &'a str,
}

/// The standards of `SOC2:CC6.1`-style requirements (`SOC2`), a standard
/// said once when its requirements are next to each other.
#[derive(Debug)]
pub struct Standards<'a>(pub &'a [String]);

impl Serialize for Standards<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut last = None;
        s.collect_seq(self.0.iter().filter_map(|fw| {
            let name = fw.split(':').next().unwrap_or(fw);
            (last.replace(name) != Some(name)).then_some(name)
        }))
    }
}

#[derive(Debug, Serialize)]
pub struct Resource<'a> {
    pub uid: &'a str,
    pub name: &'a str,
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub cloud_partition: &'a str,
    /// A string in OCSF (`"3"`, `"1.5"`).
    pub criticality: Text<f64>,
    pub data: ResourceData<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct ResourceData<'a> {
    pub resource_id: &'a str,
    pub service: &'a str,
}

#[derive(Debug, Serialize)]
pub struct Cloud<'a> {
    pub provider: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Account<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Account<'a> {
    pub uid: &'a str,
    pub name: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub type_id: u8,
}

#[derive(Debug, Serialize)]
pub struct Unmapped<'a> {
    pub evidence: &'a Evidence,
    /// `null` when none applied (kept, so every event has the same shape).
    pub exemption: Option<&'a AppliedExemption>,
}

#[derive(Debug, Serialize)]
pub struct Remediation<'a> {
    pub desc: &'a str,
}

/// A value written as its `Display` text, without an intermediate `String`.
#[derive(Debug)]
pub struct Text<T>(pub T);

impl<T: Display> Serialize for Text<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::finding::{AppliedExemption, Evidence};
    use crate::core::report::{Meta, RuleInfo, Source};
    use serde_json::json;
    use std::sync::Arc;

    /// Every optional part present: region, account, ARN, first seen,
    /// exemption, the rule's fix, resource name and message.
    pub(crate) fn full() -> Finding {
        Finding {
            rule_id: Arc::from("s3-public"),
            title: Arc::from("S3 bucket blocks public access"),
            severity: Severity::High,
            category: Arc::from("data-protection"),
            frameworks: Arc::from(vec![
                "SOC2:CC6.1".to_string(),
                "SOC2:CC6.6".to_string(),
                "CIS:2.1.5".to_string(),
            ]),
            service: "s3".into(),
            resource_type: "AWS::S3::Bucket".into(),
            resource_id: "logs".into(),
            resource_name: Some("logs bucket".into()),
            arn: Some("arn:aws-us-gov:s3:::logs".into()),
            region: Some("eu-west-1".into()),
            account: Some("111122223333".into()),
            status: Status::Exempted,
            criticality: 3.0,
            evidence: Evidence {
                path: "PublicAccessBlock".into(),
                found: Some(json!({"BlockPublicAcls": false})),
                missing: false,
                expected: "PublicAccessBlock.BlockPublicAcls == true".into(),
                note: Some("exempted".into()),
            },
            remediation: None,
            exemption: Some(Box::new(AppliedExemption {
                reason: "public website".into(),
                owner: "web-team".into(),
                expires: "2027-01-31".into(),
            })),
            source: None,
            finding_id: String::new(),
            message: Some("S3 bucket logs allows public ACLs".into()),
            first_seen: Some("2026-11-01T08:30:00Z".into()),
        }
        .with_id()
    }

    /// Every optional part absent.
    pub(crate) fn bare() -> Finding {
        Finding {
            rule_id: Arc::from("iam-mfa"),
            title: Arc::from("IAM user has MFA"),
            severity: Severity::Medium,
            category: Arc::from("identity"),
            frameworks: Arc::from(Vec::<String>::new()),
            service: "iam".into(),
            resource_type: "AWS::IAM::User".into(),
            resource_id: "alice".into(),
            resource_name: None,
            arn: None,
            region: None,
            account: None,
            status: Status::NonCompliant,
            criticality: 1.5,
            evidence: Evidence {
                path: "MfaDevices".into(),
                found: None,
                missing: true,
                expected: "MfaDevices is not empty".into(),
                note: None,
            },
            remediation: None,
            exemption: None,
            source: None,
            finding_id: String::new(),
            message: None,
            first_seen: None,
        }
        .with_id()
    }

    pub(crate) fn report(findings: Vec<Finding>) -> ScanReport {
        let mut report = ScanReport::build(
            Meta {
                scan_id: "scan-7".into(),
                generated_at: "2026-11-29T12:00:00.000Z".into(),
                version: "0.9.1".into(),
                source: Source {
                    kind: "snapshot".into(),
                    inputs: vec!["a.json".into()],
                },
                resources: 2,
                rules: 2,
                threshold: 70.0,
            },
            findings,
            vec![],
            vec![],
        );
        let rule = |id: &str, fix: &str| RuleInfo {
            id: id.into(),
            title: String::new(),
            severity: Severity::High,
            category: String::new(),
            frameworks: vec![],
            resource_types: vec![],
            remediation: None,
            config_rule: None,
            why: String::new(),
            fix: fix.into(),
            file: String::new(),
        };
        report.rules = vec![
            rule("s3-public", "Turn on S3 Block Public Access."),
            rule("iam-mfa", ""),
        ];
        report
    }

    /// The event of each finding, as the file holds it.
    fn written(report: &ScanReport) -> Vec<Value> {
        use crate::output::report::FormatWriter;
        let mut out = Vec::new();
        let mut writer = Box::new(OcsfWriter::start(&mut out, report).unwrap());
        for f in &report.findings {
            writer.finding(f).unwrap();
        }
        writer.finish(report).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    /// The event of one finding, from a report that holds no findings (as
    /// when they are streamed from a file).
    fn event(f: &Finding) -> Value {
        let report = report(vec![]);
        let events = Events::new(&report);
        serde_json::from_str(&serde_json::to_string(&events.event(f)).unwrap()).unwrap()
    }

    #[test]
    fn an_event_carries_every_optional_part_of_the_finding() {
        let f = full();
        let id = f.finding_id.clone();
        assert_eq!(
            event(&f),
            json!({
                "activity_id": 1,
                "activity_name": "Create",
                "category_name": "Findings",
                "category_uid": 2,
                "class_name": "Compliance Finding",
                "class_uid": 2003,
                "cloud": {
                    "account": {
                        "name": "111122223333",
                        "type": "AWS Account",
                        "type_id": 10,
                        "uid": "111122223333"
                    },
                    "provider": "AWS",
                    "region": "eu-west-1"
                },
                "compliance": {
                    "category": "data-protection",
                    "control": "s3-public",
                    "desc": "S3 bucket blocks public access",
                    "requirements": ["SOC2:CC6.1", "SOC2:CC6.6", "CIS:2.1.5"],
                    "standards": ["SOC2", "CIS"],
                    "status": "Fail",
                    "status_id": 3
                },
                "finding_info": {
                    "created_time": 1795953600000_i64,
                    "desc": "S3 bucket logs allows public ACLs",
                    "first_seen_time": 1793521800000_i64,
                    "last_seen_time": 1795953600000_i64,
                    "title": "S3 bucket blocks public access",
                    "types": ["data-protection"],
                    "uid": id
                },
                "message": "S3 bucket logs allows public ACLs",
                "metadata": {
                    "correlation_uid": "scan-7",
                    "event_code": "s3-public",
                    "product": {
                        "name": "compliance",
                        "uid": "compliance",
                        "vendor_name": "compliance",
                        "version": "0.9.1"
                    },
                    "profiles": ["cloud"],
                    "uid": id,
                    "version": "1.5.0"
                },
                "remediation": {"desc": "Turn on S3 Block Public Access."},
                "resources": [{
                    "cloud_partition": "aws-us-gov",
                    "criticality": "3",
                    "data": {"resource_id": "logs", "service": "s3"},
                    "name": "logs bucket",
                    "region": "eu-west-1",
                    "type": "AWS::S3::Bucket",
                    "uid": "arn:aws-us-gov:s3:::logs"
                }],
                "severity": "High",
                "severity_id": 4,
                "status": "Suppressed",
                "status_code": "exempted",
                "status_id": 3,
                "time": 1795953600000_i64,
                "type_name": "Compliance Finding: Create",
                "type_uid": 200301,
                "unmapped": {
                    "evidence": {
                        "expected": "PublicAccessBlock.BlockPublicAcls == true",
                        "found": {"BlockPublicAcls": false},
                        "note": "exempted",
                        "path": "PublicAccessBlock"
                    },
                    "exemption": {
                        "expires": "2027-01-31",
                        "owner": "web-team",
                        "reason": "public website"
                    }
                }
            })
        );
    }

    #[test]
    fn an_event_leaves_out_what_the_finding_does_not_say() {
        let f = bare();
        let id = f.finding_id.clone();
        assert_eq!(
            event(&f),
            json!({
                "activity_id": 1,
                "activity_name": "Create",
                "category_name": "Findings",
                "category_uid": 2,
                "class_name": "Compliance Finding",
                "class_uid": 2003,
                "cloud": {"provider": "AWS"},
                "compliance": {
                    "category": "identity",
                    "control": "iam-mfa",
                    "desc": "IAM user has MFA",
                    "requirements": [],
                    "standards": [],
                    "status": "Fail",
                    "status_id": 3
                },
                "finding_info": {
                    "created_time": 1795953600000_i64,
                    "desc": "MfaDevices: found missing; expected is not empty",
                    "last_seen_time": 1795953600000_i64,
                    "title": "IAM user has MFA",
                    "types": ["identity"],
                    "uid": id
                },
                "message": "MfaDevices: found missing; expected is not empty",
                "metadata": {
                    "correlation_uid": "scan-7",
                    "event_code": "iam-mfa",
                    "product": {
                        "name": "compliance",
                        "uid": "compliance",
                        "vendor_name": "compliance",
                        "version": "0.9.1"
                    },
                    "profiles": ["cloud"],
                    "uid": id,
                    "version": "1.5.0"
                },
                "resources": [{
                    "cloud_partition": "aws",
                    "criticality": "1.5",
                    "data": {"resource_id": "alice", "service": "iam"},
                    "name": "alice",
                    "type": "AWS::IAM::User",
                    "uid": "alice"
                }],
                "severity": "Medium",
                "severity_id": 3,
                "status": "New",
                "status_code": "non_compliant",
                "status_id": 1,
                "time": 1795953600000_i64,
                "type_name": "Compliance Finding: Create",
                "type_uid": 200301,
                "unmapped": {
                    "evidence": {
                        "expected": "MfaDevices is not empty",
                        "missing": true,
                        "path": "MfaDevices"
                    },
                    "exemption": null
                }
            })
        );
    }

    #[test]
    fn the_file_is_one_array_of_every_finding_in_order() {
        let (a, b) = (full(), bare());
        let ids = [a.finding_id.clone(), b.finding_id.clone()];
        let events = written(&report(vec![a.clone(), b.clone()]));
        assert_eq!(events, [event(&a), event(&b)]);
        let uids: Vec<&str> = events
            .iter()
            .map(|e| e["finding_info"]["uid"].as_str().unwrap())
            .collect();
        assert_eq!(uids, ids);
    }
}
