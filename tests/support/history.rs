//! What every history backend is held to (tests/history_store.rs runs it on the
//! local store, tests/history_dynamodb.rs on DynamoDB), so the two cannot drift.

use compliance::core::finding::{AppliedExemption, Evidence, Severity, Status};
use compliance::core::history::{diff, ResourceRecord, RuleOutcome, ScanSummary};
use compliance::store::HistoryStore;
use std::collections::BTreeMap;

pub const T1: &str = "2026-11-20T10:00:00.000Z";
pub const T2: &str = "2026-11-21T10:00:00.000Z";

pub fn record(resource: &str, scan: &str, timestamp: &str, status: Status) -> ResourceRecord {
    ResourceRecord {
        resource_id: resource.to_string(),
        timestamp: timestamp.to_string(),
        scan_id: scan.to_string(),
        resource_type: "AWS::S3::Bucket".into(),
        arn: Some(format!("arn:aws:s3:::{resource}")),
        account: Some("123456789012".into()),
        region: Some("eu-west-1".into()),
        criticality: 2.0,
        score: Some(if status == Status::Compliant {
            100.0
        } else {
            0.0
        }),
        outcomes: vec![RuleOutcome {
            rule_id: "s3-versioning-enabled".into(),
            status,
            severity: Severity::Medium,
            evidence: Evidence {
                path: "supplementaryConfiguration.BucketVersioningConfiguration.status".into(),
                found: Some(serde_json::json!(if status == Status::Compliant {
                    "Enabled"
                } else {
                    "Off"
                })),
                missing: false,
                expected: "== \"Enabled\"".into(),
                note: None,
            },
            first_seen: None,
            exemption: None,
        }],
    }
}

/// `record` as a scan that knows history writes an open outcome: with the
/// start of its run and, exempted, the exemption that applied.
pub fn dated(mut r: ResourceRecord) -> ResourceRecord {
    for o in &mut r.outcomes {
        o.first_seen = Some(T1.to_string());
        if o.status == Status::Exempted {
            o.exemption = Some(AppliedExemption {
                reason: "accepted in RISK-7".into(),
                owner: "ops@example.com".into(),
                expires: "2027-01-31".into(),
            });
        }
    }
    r
}

pub fn summary(scan: &str, timestamp: &str, score: f64) -> ScanSummary {
    ScanSummary {
        scan_id: scan.into(),
        timestamp: timestamp.into(),
        source: "test".into(),
        score: Some(score),
        threshold: 70.0,
        resources: 2,
        evaluations: 2,
        by_status: BTreeMap::from([("non_compliant".to_string(), 1)]),
        failing_by_severity: BTreeMap::new(),
        by_service: BTreeMap::from([("s3".to_string(), Some(score))]),
        errors: 0,
    }
}

/// The behaviour every history backend must have. `tag` keeps ids unique per run.
pub async fn exercise<S: HistoryStore>(store: &S, tag: &str) {
    let a = format!("{tag}-a");
    let b = format!("{tag}-b");
    let c = format!("{tag}-c");
    let (s1, s2) = (format!("{tag}-s1"), format!("{tag}-s2"));
    store
        .write_scan(
            &[
                record(&a, &s1, T1, Status::NonCompliant),
                record(&b, &s1, T1, Status::NonCompliant),
            ],
            &summary(&s1, T1, 0.0),
        )
        .await
        .unwrap();
    store
        .write_scan(
            &[
                record(&a, &s2, T2, Status::Compliant),
                dated(record(&b, &s2, T2, Status::NonCompliant)),
                dated(record(&c, &s2, T2, Status::Exempted)),
            ],
            &summary(&s2, T2, 50.0),
        )
        .await
        .unwrap();

    let scans: Vec<ScanSummary> = store
        .scans(Some(T1))
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.scan_id.starts_with(tag))
        .collect();
    assert_eq!(
        scans.iter().map(|s| s.scan_id.as_str()).collect::<Vec<_>>(),
        [s1.as_str(), s2.as_str()],
        "oldest first"
    );
    assert_eq!(
        scans[1],
        summary(&s2, T2, 50.0),
        "the summary comes back whole"
    );
    let later: Vec<_> = store
        .scans(Some(T2))
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.scan_id.starts_with(tag))
        .collect();
    assert_eq!(later.len(), 1, "since filters by time");

    let one = store.scan_records(&s2).await.unwrap();
    assert_eq!(one.len(), 3, "the summary item is not a record");
    assert!(one.iter().all(|r| r.scan_id == s2));
    assert_eq!(
        one.iter().find(|r| r.resource_id == a).unwrap().outcomes[0]
            .evidence
            .found,
        Some(serde_json::json!("Enabled"))
    );
    assert_eq!(
        one.iter().find(|r| r.resource_id == a),
        Some(&record(&a, &s2, T2, Status::Compliant)),
        "a record comes back whole"
    );

    assert_eq!(
        one.iter().find(|r| r.resource_id == b),
        Some(&dated(record(&b, &s2, T2, Status::NonCompliant))),
        "first_seen comes back"
    );
    assert_eq!(
        one.iter().find(|r| r.resource_id == c),
        Some(&dated(record(&c, &s2, T2, Status::Exempted))),
        "the exemption comes back"
    );

    let history = store.resource_history(&a, None).await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|r| r.timestamp.as_str())
            .collect::<Vec<_>>(),
        [T1, T2],
        "in time order"
    );
    assert_eq!(store.resource_history(&a, Some(T2)).await.unwrap().len(), 1);

    let d = diff(&s1, &store.scan_records(&s1).await.unwrap(), &s2, &one);
    assert_eq!(d.resolved.len(), 1);
    assert_eq!(d.resolved[0].resource_id, a);
    assert_eq!(d.persisting.len(), 1);
    assert!(d.new.is_empty());
}
