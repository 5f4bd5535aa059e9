//! The embedded local history store: one redb database file (default
//! `$XDG_DATA_HOME/compliance/history.redb`, or `--store PATH` /
//! `COMPLIANCE_STORE`), so trends, diffs and reports work with no AWS account.
//!
//! redb is a well-kept pure-Rust embedded database with ACID transactions: a scan
//! is written in one transaction, records and summary together, so a crash never
//! leaves half a scan. Tables mirror the DynamoDB layout: records by
//! (resource id, timestamp), an index by (scan id, resource id), and summaries by
//! (timestamp, scan id). The file is opened per operation and a second process
//! waits for the lock briefly, so parallel scans on one machine queue up instead
//! of failing.

use crate::core::history::{ResourceRecord, ScanSummary};
use crate::store::{HistoryStore, StoreError};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const RECORDS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("records");
const BY_SCAN: TableDefinition<(&str, &str), &str> = TableDefinition::new("records_by_scan");
const SUMMARIES: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("scan_summaries");
/// The remediation audit trail: one run record by (start time, run id),
/// rewritten as each change is started and completed.
const REMEDIATIONS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("remediation_runs");

/// redb's page cache (read cache and write buffer together). Its default of
/// 1 GiB let a 100,000-resource scan hold its whole write in memory; past this
/// size dirty pages go to the file before the commit, which is what bounds a
/// large scan's memory.
const CACHE_BYTES: usize = 32 << 20;

/// Records encoded and waiting to be inserted; inserted in batches so each
/// batch opens the tables once.
const BATCH: usize = 2048;

pub struct LocalStore {
    path: PathBuf,
}

impl LocalStore {
    /// `--store PATH`, else `COMPLIANCE_STORE`, else the user's data directory.
    pub fn locate(explicit: Option<&Path>) -> Result<LocalStore, StoreError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => match std::env::var_os("COMPLIANCE_STORE") {
                Some(p) => PathBuf::from(p),
                None => dirs::data_dir()
                    .ok_or_else(|| StoreError::Local {
                        path: "(none)".into(),
                        message: "no user data directory; pass --store PATH".into(),
                    })?
                    .join("compliance")
                    .join("history.redb"),
            },
        };
        Ok(LocalStore { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn fail(&self, message: impl std::fmt::Display) -> StoreError {
        StoreError::Local {
            path: self.path.display().to_string(),
            message: message.to_string(),
        }
    }

    /// Opens (creating if needed), waiting up to 30 s while another process holds the file.
    fn open(&self) -> Result<Database, StoreError> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| self.fail(e))?;
        }
        let started = Instant::now();
        loop {
            match redb::Builder::new()
                .set_cache_size(CACHE_BYTES)
                .create(&self.path)
            {
                Ok(db) => return Ok(db),
                Err(redb::DatabaseError::DatabaseAlreadyOpen)
                    if started.elapsed() < Duration::from_secs(30) =>
                {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(self.fail(e)),
            }
        }
    }

    fn write_sync(
        &self,
        records: &[ResourceRecord],
        summary: &ScanSummary,
    ) -> Result<(), StoreError> {
        let mut writer = self.begin_scan()?;
        for r in records {
            writer.put(r)?;
        }
        writer.commit(summary)
    }

    /// Starts writing one scan: records are added as the scan makes them and
    /// become visible together with the summary at [`ScanWriter::commit`];
    /// dropping the writer without committing leaves the store as it was.
    pub fn begin_scan(&self) -> Result<ScanWriter, StoreError> {
        let db = self.open()?;
        let txn = db.begin_write().map_err(|e| self.fail(e))?;
        Ok(ScanWriter {
            path: self.path.clone(),
            _db: db,
            txn: Some(txn),
            pending: Vec::with_capacity(BATCH),
        })
    }

    fn scans_sync(&self, since: Option<&str>) -> Result<Vec<ScanSummary>, StoreError> {
        if !self.path.exists() {
            return Ok(Vec::new());
        }
        let db = self.open()?;
        let txn = db.begin_read().map_err(|e| self.fail(e))?;
        let table = match txn.open_table(SUMMARIES) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(self.fail(e)),
        };
        let mut out = Vec::new();
        for entry in table.iter().map_err(|e| self.fail(e))? {
            let (key, value) = entry.map_err(|e| self.fail(e))?;
            if since.is_some_and(|s| key.value().0 < s) {
                continue;
            }
            out.push(
                serde_json::from_slice(value.value())
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            );
        }
        Ok(out)
    }

    fn scan_records_sync(&self, scan_id: &str) -> Result<Vec<ResourceRecord>, StoreError> {
        if !self.path.exists() {
            return Ok(Vec::new());
        }
        let db = self.open()?;
        let txn = db.begin_read().map_err(|e| self.fail(e))?;
        let (index, table) = match (txn.open_table(BY_SCAN), txn.open_table(RECORDS)) {
            (Ok(i), Ok(t)) => (i, t),
            (Err(redb::TableError::TableDoesNotExist(_)), _)
            | (_, Err(redb::TableError::TableDoesNotExist(_))) => return Ok(Vec::new()),
            (Err(e), _) | (_, Err(e)) => return Err(self.fail(e)),
        };
        let mut out = Vec::new();
        // Keys sort as (scan id, resource id); "\u{10FFFF}" is above any resource id.
        for entry in index
            .range((scan_id, "")..=(scan_id, "\u{10FFFF}"))
            .map_err(|e| self.fail(e))?
        {
            let (key, timestamp) = entry.map_err(|e| self.fail(e))?;
            let resource = key.value().1.to_string();
            let timestamp = timestamp.value().to_string();
            if let Some(bytes) = table
                .get((resource.as_str(), timestamp.as_str()))
                .map_err(|e| self.fail(e))?
            {
                out.push(
                    serde_json::from_slice(bytes.value())
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                );
            }
        }
        Ok(out)
    }

    fn resource_history_sync(
        &self,
        resource_id: &str,
        since: Option<&str>,
    ) -> Result<Vec<ResourceRecord>, StoreError> {
        if !self.path.exists() {
            return Ok(Vec::new());
        }
        let db = self.open()?;
        let txn = db.begin_read().map_err(|e| self.fail(e))?;
        let table = match txn.open_table(RECORDS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(self.fail(e)),
        };
        let from = since.unwrap_or("");
        let mut out = Vec::new();
        for entry in table
            .range((resource_id, from)..=(resource_id, "\u{10FFFF}"))
            .map_err(|e| self.fail(e))?
        {
            let (_, value) = entry.map_err(|e| self.fail(e))?;
            out.push(
                serde_json::from_slice(value.value())
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            );
        }
        Ok(out)
    }

    /// Deletes scans (summaries and records) older than `before`; returns how many scans.
    pub fn prune(&self, before: &str) -> Result<usize, StoreError> {
        if !self.path.exists() {
            return Ok(0);
        }
        let db = self.open()?;
        let txn = db.begin_write().map_err(|e| self.fail(e))?;
        let mut pruned = 0;
        {
            let mut summaries = txn.open_table(SUMMARIES).map_err(|e| self.fail(e))?;
            let mut index = txn.open_table(BY_SCAN).map_err(|e| self.fail(e))?;
            let mut records = txn.open_table(RECORDS).map_err(|e| self.fail(e))?;
            let old: Vec<(String, String)> = summaries
                .range(("", "")..(before, ""))
                .map_err(|e| self.fail(e))?
                .filter_map(|e| e.ok())
                .map(|(k, _)| (k.value().0.to_string(), k.value().1.to_string()))
                .collect();
            for (timestamp, scan_id) in old {
                let members: Vec<(String, String)> = index
                    .range((scan_id.as_str(), "")..=(scan_id.as_str(), "\u{10FFFF}"))
                    .map_err(|e| self.fail(e))?
                    .filter_map(|e| e.ok())
                    .map(|(k, v)| (k.value().1.to_string(), v.value().to_string()))
                    .collect();
                for (resource, ts) in members {
                    records
                        .remove((resource.as_str(), ts.as_str()))
                        .map_err(|e| self.fail(e))?;
                    index
                        .remove((scan_id.as_str(), resource.as_str()))
                        .map_err(|e| self.fail(e))?;
                }
                summaries
                    .remove((timestamp.as_str(), scan_id.as_str()))
                    .map_err(|e| self.fail(e))?;
                pruned += 1;
            }
        }
        txn.commit().map_err(|e| self.fail(e))?;
        Ok(pruned)
    }
}

impl LocalStore {
    /// Opens the store for one remediation run's trail, held for the run so
    /// that the writes before and after every change do not reopen the file
    /// (and wait for its lock) each time.
    pub fn open_trail(&self) -> Result<TrailWriter, StoreError> {
        Ok(TrailWriter {
            db: self.open()?,
            store: LocalStore {
                path: self.path.clone(),
            },
        })
    }

    /// Writes (or rewrites) one remediation run, durably, in its own transaction.
    pub fn put_remediation_run(
        &self,
        run: &crate::core::remediation::RunRecord,
    ) -> Result<(), StoreError> {
        self.open_trail()?.put(run)
    }

    /// Remediation runs, oldest first, started at or after `since` (ISO-8601).
    pub fn remediation_runs(
        &self,
        since: Option<&str>,
    ) -> Result<Vec<crate::core::remediation::RunRecord>, StoreError> {
        if !self.path.exists() {
            return Ok(Vec::new());
        }
        let db = self.open()?;
        let txn = db.begin_read().map_err(|e| self.fail(e))?;
        let table = match txn.open_table(REMEDIATIONS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(self.fail(e)),
        };
        let mut out = Vec::new();
        for entry in table.iter().map_err(|e| self.fail(e))? {
            let (key, value) = entry.map_err(|e| self.fail(e))?;
            if since.is_some_and(|s| key.value().0 < s) {
                continue;
            }
            out.push(
                serde_json::from_slice(value.value())
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            );
        }
        Ok(out)
    }
}

/// The open store of one remediation run: each [`TrailWriter::put`] is a
/// committed (durable) transaction, so the record written before a call
/// survives a crash during it.
pub struct TrailWriter {
    db: Database,
    store: LocalStore,
}

impl TrailWriter {
    pub fn put(&self, run: &crate::core::remediation::RunRecord) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(run).map_err(|e| self.store.fail(e))?;
        let txn = self.db.begin_write().map_err(|e| self.store.fail(e))?;
        {
            let mut table = txn
                .open_table(REMEDIATIONS)
                .map_err(|e| self.store.fail(e))?;
            table
                .insert(
                    (run.started_at.as_str(), run.run_id.as_str()),
                    bytes.as_slice(),
                )
                .map_err(|e| self.store.fail(e))?;
        }
        txn.commit().map_err(|e| self.store.fail(e))
    }
}

/// One scan being written to the local store, in one transaction.
pub struct ScanWriter {
    path: PathBuf,
    // Kept open for the transaction's lifetime (it holds the file lock).
    _db: Database,
    txn: Option<WriteTransaction>,
    pending: Vec<(String, String, String, Vec<u8>)>,
}

impl ScanWriter {
    fn fail(&self, message: impl std::fmt::Display) -> StoreError {
        StoreError::Local {
            path: self.path.display().to_string(),
            message: message.to_string(),
        }
    }

    pub fn put(&mut self, r: &ResourceRecord) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(r).map_err(|e| self.fail(e))?;
        self.pending.push((
            r.resource_id.clone(),
            r.timestamp.clone(),
            r.scan_id.clone(),
            bytes,
        ));
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        let Some(txn) = &self.txn else {
            return Ok(());
        };
        let result = (|| {
            let mut table = txn.open_table(RECORDS)?;
            let mut index = txn.open_table(BY_SCAN)?;
            for (resource, timestamp, scan, bytes) in &self.pending {
                table.insert((resource.as_str(), timestamp.as_str()), bytes.as_slice())?;
                index.insert((scan.as_str(), resource.as_str()), timestamp.as_str())?;
            }
            Ok::<_, redb::Error>(())
        })();
        result.map_err(|e| self.fail(e))?;
        self.pending.clear();
        Ok(())
    }

    /// Writes what is pending and the summary, and commits: the scan appears whole.
    pub fn commit(mut self, summary: &ScanSummary) -> Result<(), StoreError> {
        self.flush()?;
        let Some(txn) = self.txn.take() else {
            return Ok(());
        };
        {
            let mut summaries = txn.open_table(SUMMARIES).map_err(|e| self.fail(e))?;
            let bytes = serde_json::to_vec(summary).map_err(|e| self.fail(e))?;
            summaries
                .insert(
                    (summary.timestamp.as_str(), summary.scan_id.as_str()),
                    bytes.as_slice(),
                )
                .map_err(|e| self.fail(e))?;
        }
        txn.commit().map_err(|e| self.fail(e))
    }
}

impl HistoryStore for LocalStore {
    async fn write_scan(
        &self,
        records: &[ResourceRecord],
        summary: &ScanSummary,
    ) -> Result<(), StoreError> {
        self.write_sync(records, summary)
    }

    async fn scans(&self, since: Option<&str>) -> Result<Vec<ScanSummary>, StoreError> {
        self.scans_sync(since)
    }

    async fn scan_records(&self, scan_id: &str) -> Result<Vec<ResourceRecord>, StoreError> {
        self.scan_records_sync(scan_id)
    }

    async fn resource_history(
        &self,
        resource_id: &str,
        since: Option<&str>,
    ) -> Result<Vec<ResourceRecord>, StoreError> {
        self.resource_history_sync(resource_id, since)
    }
}

impl crate::store::RemediationTrail for LocalStore {
    async fn put_run(&self, run: &crate::core::remediation::RunRecord) -> Result<(), StoreError> {
        self.put_remediation_run(run)
    }
    async fn runs(
        &self,
        since: Option<&str>,
    ) -> Result<Vec<crate::core::remediation::RunRecord>, StoreError> {
        self.remediation_runs(since)
    }
}
