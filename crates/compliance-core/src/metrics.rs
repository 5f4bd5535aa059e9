//! The CloudWatch metrics a scan publishes, as data: the names the setup
//! dashboard and alarm read (`ComplianceScore`, `ServiceScore`, `Violations`,
//! `ResourcesScanned`, `ScanDuration`), so the two sides cannot drift apart.

use crate::finding::Severity;
use crate::report::ScanReport;

#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub name: &'static str,
    pub dimensions: Vec<(&'static str, String)>,
    pub value: f64,
    pub unit: &'static str,
}

/// Every metric of one scan; the adapter adds the `Suffix` dimension.
pub fn of_scan(report: &ScanReport, duration_secs: f64) -> Vec<Metric> {
    let mut out = Vec::new();
    if let Some(score) = report.score.overall {
        out.push(Metric {
            name: "ComplianceScore",
            dimensions: vec![],
            value: score,
            unit: "None",
        });
    }
    for (service, group) in &report.score.by_service {
        if let Some(score) = group.score {
            out.push(Metric {
                name: "ServiceScore",
                dimensions: vec![("Service", service.clone())],
                value: score,
                unit: "None",
            });
        }
    }
    for severity in Severity::ALL {
        let count = report
            .findings
            .iter()
            .filter(|f| f.severity == severity && f.status == crate::finding::Status::NonCompliant)
            .count();
        out.push(Metric {
            name: "Violations",
            dimensions: vec![("Severity", severity.to_string())],
            value: count as f64,
            unit: "Count",
        });
    }
    out.push(Metric {
        name: "ResourcesScanned",
        dimensions: vec![],
        value: report.summary.resources as f64,
        unit: "Count",
    });
    out.push(Metric {
        name: "ScanDuration",
        dimensions: vec![],
        value: duration_secs,
        unit: "Seconds",
    });
    out
}
