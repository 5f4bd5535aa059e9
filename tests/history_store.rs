//! The history stores behind one trait: the same behaviour, asserted by the same
//! test, on the local embedded store and on DynamoDB (moto).

mod support;

use compliance::core::finding::{Evidence, Severity, Status};
use compliance::core::history::{diff, ResourceRecord, RuleOutcome, ScanSummary};
use compliance::store::local::LocalStore;
use compliance::store::HistoryStore;
use std::collections::BTreeMap;

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
        }],
    }
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
        by_status: BTreeMap::new(),
        failing_by_severity: BTreeMap::new(),
        by_service: BTreeMap::new(),
        errors: 0,
    }
}

/// The behaviour every backend must have. `tag` keeps resource ids unique per run.
pub async fn exercise<S: HistoryStore>(store: &S, tag: &str) {
    let a = format!("{tag}-a");
    let b = format!("{tag}-b");
    let (s1, s2) = (format!("{tag}-s1"), format!("{tag}-s2"));
    let (t1, t2) = ("2026-11-20T10:00:00.000Z", "2026-11-21T10:00:00.000Z");
    store
        .write_scan(
            &[
                record(&a, &s1, t1, Status::NonCompliant),
                record(&b, &s1, t1, Status::NonCompliant),
            ],
            &summary(&s1, t1, 0.0),
        )
        .await
        .unwrap();
    store
        .write_scan(
            &[
                record(&a, &s2, t2, Status::Compliant),
                record(&b, &s2, t2, Status::NonCompliant),
            ],
            &summary(&s2, t2, 50.0),
        )
        .await
        .unwrap();

    let scans: Vec<ScanSummary> = store
        .scans(Some(t1))
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
    let later: Vec<_> = store
        .scans(Some(t2))
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.scan_id.starts_with(tag))
        .collect();
    assert_eq!(later.len(), 1, "since filters by time");

    let one = store.scan_records(&s2).await.unwrap();
    assert_eq!(one.len(), 2);
    assert!(one.iter().all(|r| r.scan_id == s2));
    assert_eq!(
        one.iter().find(|r| r.resource_id == a).unwrap().outcomes[0]
            .evidence
            .found,
        Some(serde_json::json!("Enabled"))
    );

    let history = store.resource_history(&a, None).await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|r| r.timestamp.as_str())
            .collect::<Vec<_>>(),
        [t1, t2],
        "in time order"
    );
    assert_eq!(store.resource_history(&a, Some(t2)).await.unwrap().len(), 1);

    let d = diff(&s1, &store.scan_records(&s1).await.unwrap(), &s2, &one);
    assert_eq!(d.resolved.len(), 1);
    assert_eq!(d.resolved[0].resource_id, a);
    assert_eq!(d.persisting.len(), 1);
    assert!(d.new.is_empty());
}

#[tokio::test]
async fn local_store_keeps_scans() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::locate(Some(&dir.path().join("nested").join("history.redb"))).unwrap();
    exercise(&store, "local").await;
    // Pruning removes old scans entirely.
    assert_eq!(store.prune("2026-11-21T00:00:00.000Z").unwrap(), 1);
    let left = store.scans(None).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(
        store.resource_history("local-a", None).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn two_processes_take_turns_on_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.redb");
    let mut handles = Vec::new();
    for i in 0..4 {
        let path = path.clone();
        handles.push(std::thread::spawn(move || {
            let store = LocalStore::locate(Some(&path)).unwrap();
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let id = format!("p{i}");
            rt.block_on(store.write_scan(
                &[record(
                    &id,
                    &id,
                    "2026-11-22T00:00:00.000Z",
                    Status::Compliant,
                )],
                &summary(&id, "2026-11-22T00:00:00.000Z", 100.0),
            ))
            .unwrap();
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    let store = LocalStore::locate(Some(&path)).unwrap();
    assert_eq!(store.scans(None).await.unwrap().len(), 4);
}
