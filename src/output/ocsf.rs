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

use crate::core::finding::{Finding, Severity, Status};
use crate::core::report::ScanReport;
use serde_json::{json, Value};
use std::collections::HashMap;
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
    crate::core::timestamp::parse(&Value::String(text.to_string()))
        .map(|t| t.timestamp_millis())
        .unwrap_or(0)
}

pub fn write<W: Write>(out: &mut W, report: &ScanReport) -> io::Result<()> {
    let fixes: HashMap<&str, &str> = report
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.fix.as_str()))
        .collect();
    let time = epoch_ms(&report.generated_at);
    out.write_all(b"[")?;
    for (i, f) in report.findings.iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(
            &mut *out,
            &event(f, report, time, fixes.get(&*f.rule_id).copied()),
        )?;
    }
    out.write_all(b"\n]\n")
}

/// One event per finding as it arrives, in one JSON array.
pub struct OcsfWriter<W: Write> {
    out: W,
    head: ScanReport,
    fixes: HashMap<String, String>,
    time: i64,
    first: bool,
}

impl<W: Write> OcsfWriter<W> {
    pub fn start(mut out: W, head: &ScanReport) -> io::Result<OcsfWriter<W>> {
        out.write_all(b"[")?;
        Ok(OcsfWriter {
            out,
            fixes: head
                .rules
                .iter()
                .map(|r| (r.id.clone(), r.fix.clone()))
                .collect(),
            time: epoch_ms(&head.generated_at),
            head: ScanReport {
                findings: Vec::new(),
                ..head.clone()
            },
            first: true,
        })
    }
}

impl<W: Write + Send> super::report::FormatWriter for OcsfWriter<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        self.out
            .write_all(if self.first { b"\n" } else { b",\n" })?;
        self.first = false;
        let fix = self.fixes.get(&*f.rule_id).map(String::as_str);
        serde_json::to_writer(&mut self.out, &event(f, &self.head, self.time, fix))?;
        Ok(())
    }

    fn finish(mut self: Box<Self>, _report: &ScanReport) -> io::Result<usize> {
        self.out.write_all(b"\n]\n")?;
        self.out.flush()?;
        Ok(0)
    }
}

fn event(f: &Finding, report: &ScanReport, time: i64, fix: Option<&str>) -> Value {
    let (sev_id, sev) = severity_id(f.severity);
    let (cstatus_id, cstatus) = compliance_status(f.status);
    let (status_id, status) = if f.status == Status::Exempted {
        (3, "Suppressed")
    } else {
        (1, "New")
    };
    let mut standards: Vec<&str> = f
        .frameworks
        .iter()
        .map(|fw| fw.split(':').next().unwrap_or(fw))
        .collect();
    standards.dedup();
    let message = f.message_text();
    let mut finding_info = json!({
        "uid": f.finding_id,
        "title": f.title,
        "desc": message,
        "types": [f.category],
        "created_time": time,
        "last_seen_time": time,
    });
    if let Some(first) = &f.first_seen {
        finding_info["first_seen_time"] = json!(epoch_ms(first));
    }
    let mut resource = json!({
        "uid": f.arn.clone().unwrap_or_else(|| f.resource_id.clone()),
        "name": f.resource_name.clone().unwrap_or_else(|| f.resource_id.clone()),
        "type": f.resource_type,
        "cloud_partition": f.arn.as_deref().and_then(|a| a.split(':').nth(1)).unwrap_or("aws"),
        "criticality": f.criticality.to_string(),
        "data": {"resource_id": f.resource_id, "service": f.service},
    });
    if let Some(region) = &f.region {
        resource["region"] = json!(region);
    }
    let mut cloud = json!({"provider": "AWS"});
    if let Some(region) = &f.region {
        cloud["region"] = json!(region);
    }
    if let Some(account) = &f.account {
        cloud["account"] =
            json!({"uid": account, "name": account, "type": "AWS Account", "type_id": 10});
    }
    let mut event = json!({
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": 2003,
        "class_name": "Compliance Finding",
        "type_uid": 200301,
        "type_name": "Compliance Finding: Create",
        "time": time,
        "severity_id": sev_id,
        "severity": sev,
        "status_id": status_id,
        "status": status,
        "status_code": f.status,
        "message": message,
        "metadata": {
            "version": OCSF_VERSION,
            "uid": f.finding_id,
            "event_code": f.rule_id,
            "correlation_uid": report.scan_id,
            "profiles": ["cloud"],
            "product": {
                "name": "compliance",
                "vendor_name": "compliance",
                "uid": "compliance",
                "version": report.tool.version,
            },
        },
        "finding_info": finding_info,
        "compliance": {
            "control": f.rule_id,
            "desc": f.title,
            "standards": standards,
            "requirements": f.frameworks,
            "status": cstatus,
            "status_id": cstatus_id,
            "category": f.category,
        },
        "resources": [resource],
        "cloud": cloud,
        "unmapped": {"evidence": f.evidence, "exemption": f.exemption},
    });
    if let Some(fix) = fix.filter(|x| !x.is_empty()) {
        event["remediation"] = json!({"desc": fix});
    }
    event
}
