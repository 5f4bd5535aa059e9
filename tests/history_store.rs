//! The local history store held to the behaviour every backend shares
//! (tests/support/history.rs; tests/history_dynamodb.rs runs it on DynamoDB),
//! plus pruning and processes taking turns on one file.

use crate::support;

use support::history::{exercise, record, summary};

use compliance::core::finding::Status;
use compliance::store::local::LocalStore;
use compliance::store::HistoryStore;

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
