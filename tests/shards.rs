//! Sharded scans against a moto of the test's own: an organisation of several
//! accounts in two regions, scanned once whole and once as shards run in
//! parallel. The shards must be disjoint, their union must be the unsharded
//! scan, IAM must be read once per account across all shards, and the score of
//! the merged findings must equal the unsharded score.

use crate::support;
use crate::support::org::{s3, Moto};
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const ADMIN: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const REGIONS: &str = "us-east-1,eu-west-1";

/// Each finding as a comparable key, counted (a multiset).
fn keys(doc: &Value) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for f in doc["findings"].as_array().unwrap() {
        let key = format!(
            "{}|{}|{}|{}|{}|{}",
            f["account"],
            f["region"],
            f["resource_type"],
            f["resource_id"],
            f["rule_id"],
            f["status"]
        );
        *out.entry(key).or_default() += 1;
    }
    out
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn shards_are_disjoint_and_add_up_to_the_unsharded_scan() {
    let Some(moto) = Moto::start("shards") else {
        return;
    };
    let members = moto.organisation(3).await;
    for account in &members {
        let conf = moto.member(account).await;
        let client = s3(&conf);
        client
            .create_bucket()
            .bucket(format!("east-{account}"))
            .send()
            .await
            .unwrap();
        client
            .create_bucket()
            .bucket(format!("west-{account}"))
            .create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::EuWest1)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        aws_sdk_iam::Client::new(&conf)
            .create_policy()
            .policy_name(format!("admin-{account}"))
            .policy_document(ADMIN)
            .send()
            .await
            .unwrap();
    }
    let dir = support::fresh_dir();
    let scan = |extra: &[&str], out: &Path| {
        let mut cmd = support::compliance_in(&dir);
        cmd.env("AWS_ENDPOINT_URL", &moto.endpoint)
            .args(["scan", "--accounts", "all", "--regions", REGIONS])
            .args(["--resources", "s3,iam", "--format", "json", "--no-history"])
            .args(["--fail-on", "none", "--out"])
            .arg(out)
            .args(extra);
        cmd
    };
    let whole_path = dir.join("whole.json");
    assert_eq!(scan(&[], &whole_path).status().unwrap().code(), Some(0));
    let whole = read(&whole_path);

    const N: usize = 3;
    let mut children = Vec::new();
    for k in 0..N {
        let shard = format!("{k}/{N}");
        let path = dir.join(format!("shard-{k}.json"));
        let child = scan(&["--shard", &shard, "--scan-id", "run-42"], &path)
            .spawn()
            .unwrap();
        children.push((child, path));
    }
    let mut shards = Vec::new();
    for (mut child, path) in children {
        assert_eq!(child.wait().unwrap().code(), Some(0));
        shards.push(read(&path));
    }

    let mut union: BTreeMap<String, usize> = BTreeMap::new();
    let mut units_seen: BTreeMap<String, usize> = BTreeMap::new();
    for (k, doc) in shards.iter().enumerate() {
        assert_eq!(doc["scan_id"], "run-42", "shards share the scan id");
        let mut units = std::collections::BTreeSet::new();
        for f in doc["findings"].as_array().unwrap() {
            units.insert(format!("{}|{}", f["account"], f["region"]));
        }
        for u in units {
            *units_seen.entry(u).or_default() += 1;
        }
        for (key, n) in keys(doc) {
            *union.entry(key).or_default() += n;
        }
        assert!(
            !doc["findings"].as_array().unwrap().is_empty(),
            "shard {k} is empty"
        );
    }
    assert!(
        units_seen.values().all(|n| *n == 1),
        "a unit in two shards: {units_seen:?}"
    );
    assert_eq!(
        union,
        keys(&whole),
        "the shards' union differs from the unsharded scan"
    );
    // IAM once per account: each admin policy judged once in all shards together.
    for account in &members {
        let n = shards
            .iter()
            .flat_map(|d| d["findings"].as_array().unwrap())
            .filter(|f| {
                f["rule_id"] == "iam-no-admin-policy"
                    && f["resource_name"] == format!("admin-{account}").as_str()
            })
            .count();
        assert_eq!(n, 1, "admin-{account}");
    }

    // The merged findings score as the unsharded scan does.
    let mut merged = whole.clone();
    merged["findings"] = Value::Array(
        shards
            .iter()
            .flat_map(|d| d["findings"].as_array().unwrap().clone())
            .collect(),
    );
    let merged_path = dir.join("merged.json");
    std::fs::write(&merged_path, serde_json::to_vec(&merged).unwrap()).unwrap();
    let score = |path: &Path| -> Value {
        let out = support::compliance_in(&dir)
            .args(["score", "--by", "account", "--format", "json", "--input"])
            .arg(path)
            .output()
            .unwrap();
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let (a, b) = (score(&whole_path), score(&merged_path));
    assert!(a["overall"].is_number());
    assert_eq!(a["overall"], b["overall"]);
    assert_eq!(a["by_account"], b["by_account"]);

    // `--shard auto/N` with a Kubernetes index reads the same units as K/N.
    let auto_path = dir.join("auto.json");
    let status = scan(&["--shard", "auto/3"], &auto_path)
        .env("JOB_COMPLETION_INDEX", "1")
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(keys(&read(&auto_path)), keys(&shards[1]));
    // And an AWS Batch array child's.
    let batch_path = dir.join("batch.json");
    let status = scan(&["--shard", "auto"], &batch_path)
        .env("AWS_BATCH_JOB_ARRAY_INDEX", "2")
        .env("AWS_BATCH_JOB_ARRAY_SIZE", "3")
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(keys(&read(&batch_path)), keys(&shards[2]));
}
