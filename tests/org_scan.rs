//! Organisation scans against a moto of the test's own: accounts created in
//! moto's Organizations, resources seeded in each through the assumed role,
//! `scan --accounts all` judging every one with its account id, and one member
//! whose role the scanner may not assume giving error findings for that account
//! only (exit 3). AssumeRole never fails in moto on its own: the test switches
//! on moto's IAM enforcement and scans as an IAM user whose policy denies
//! `sts:AssumeRole` on that member's roles (DESIGN.md, "Several accounts").

use crate::support;
use crate::support::org::{s3, Moto};
use serde_json::Value;
use std::collections::BTreeSet;

const ADMIN: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().expect("findings")
}

#[tokio::test(flavor = "multi_thread")]
async fn organisation_scan_judges_every_account_and_isolates_one_it_cannot_assume() {
    let Some(moto) = Moto::start("organisation_scan") else {
        return;
    };
    let members = moto.organisation(3).await;
    let bad = members[0].clone();
    for account in &members {
        let conf = moto.member(account).await;
        s3(&conf)
            .create_bucket()
            .bucket(format!("org-{account}"))
            .send()
            .await
            .expect("bucket");
        let iam = aws_sdk_iam::Client::new(&conf);
        iam.create_policy()
            .policy_name(format!("admin-{account}"))
            .policy_document(ADMIN)
            .send()
            .await
            .expect("policy");
        // Under enforcement the assumed role needs permissions of its own.
        iam.put_role_policy()
            .role_name("OrganizationAccountAccessRole")
            .policy_name("scan")
            .policy_document(ADMIN)
            .send()
            .await
            .expect("role policy");
    }
    let management = moto.management().await;
    s3(&management)
        .create_bucket()
        .bucket("org-management")
        .send()
        .await
        .expect("bucket");
    let iam = aws_sdk_iam::Client::new(&management);
    iam.create_user().user_name("scanner").send().await.unwrap();
    let deny = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*"}},{{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"arn:aws:iam::{bad}:role/*"}}]}}"#
    );
    iam.put_user_policy()
        .user_name("scanner")
        .policy_name("scan")
        .policy_document(deny)
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("scanner")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    moto.enforce_iam(true);

    let dir = support::fresh_dir();
    let out = dir.join("org.json");
    let status = support::compliance_in(&dir)
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", key.access_key_id())
        .env("AWS_SECRET_ACCESS_KEY", key.secret_access_key())
        .env("AWS_MAX_ATTEMPTS", "1")
        .args(["scan", "--accounts", "all", "--resources", "s3,iam"])
        .args(["--format", "json", "--no-history", "--out"])
        .arg(&out)
        .status()
        .expect("run compliance");
    moto.enforce_iam(false);
    assert_eq!(status.code(), Some(3), "one account could not be assumed");
    let doc: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();

    // Every reachable account's bucket and policy is judged, with its account.
    for account in members.iter().skip(1) {
        for (ty, name) in [
            ("AWS::S3::Bucket", format!("org-{account}")),
            ("AWS::IAM::Policy", format!("admin-{account}")),
        ] {
            let judged: Vec<&Value> = findings(&doc)
                .iter()
                .filter(|f| {
                    f["resource_type"] == ty
                        && (f["resource_id"] == name.as_str()
                            || f["resource_name"] == name.as_str())
                })
                .collect();
            assert!(!judged.is_empty(), "{name} not judged");
            assert!(judged.iter().all(|f| f["account"] == account.as_str()));
            assert!(judged.iter().all(|f| f["status"] != "error"), "{judged:?}");
        }
        let admin = findings(&doc)
            .iter()
            .find(|f| {
                f["rule_id"] == "iam-no-admin-policy"
                    && f["resource_name"] == format!("admin-{account}").as_str()
            })
            .expect("admin policy judged");
        assert_eq!(admin["status"], "non_compliant");
    }
    // The caller's own account is scanned with its own credentials.
    assert!(findings(&doc)
        .iter()
        .any(|f| f["resource_id"] == "org-management" && f["account"] == support::MOTO_ACCOUNT_ID));

    // The account that could not be assumed: error findings for it alone.
    let of_bad: Vec<&Value> = findings(&doc)
        .iter()
        .filter(|f| f["account"] == bad.as_str())
        .collect();
    assert!(!of_bad.is_empty());
    assert!(of_bad.iter().all(|f| f["status"] == "error"));
    let types: BTreeSet<&str> = of_bad
        .iter()
        .filter_map(|f| f["resource_type"].as_str())
        .collect();
    assert!(types.contains("AWS::S3::Bucket") && types.contains("AWS::IAM::Policy"));
    assert!(of_bad[0]["evidence"]["note"]
        .as_str()
        .unwrap()
        .contains("AccessDenied"));
    assert!(!findings(&doc)
        .iter()
        .any(|f| f["resource_id"] == format!("org-{bad}").as_str()));
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["operation"], "AssumeRole");
    assert_eq!(errors[0]["code"], "AccessDenied");

    // The score groups by account.
    let scored = support::compliance_in(&dir)
        .args(["score", "--by", "account", "--format", "json", "--input"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(scored.status.success());
    let card: Value = serde_json::from_slice(&scored.stdout).unwrap();
    for account in &members {
        assert!(card["by_account"].get(account).is_some(), "{account}");
    }
    assert_eq!(card["by_account"][&bad]["score"], Value::Null);
    assert!(card["by_account"][&bad]["error"].as_u64().unwrap() > 0);
    assert!(card["by_account"][&members[1]]["score"].is_number());
}

#[test]
fn account_flags_are_checked_before_connecting() {
    for (args, needle) in [
        (&["--accounts", "12345"][..], "twelve digits"),
        (&["--accounts", "all,111122223333"][..], "stands alone"),
        (&["--aggregator", "x"][..], "--source config"),
        (&["--shard", "4/4"][..], "outside 0..4"),
        (&["--shard", "auto"][..], "JOB_COMPLETION_INDEX"),
        (&["--scan-id", "a b"][..], "--scan-id"),
    ] {
        let out = support::compliance()
            .arg("scan")
            .args(args)
            .output()
            .expect("run compliance");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn iam_policy_prints_the_management_and_member_policies() {
    let out = support::compliance()
        .args(["iam-policy", "--for", "scan", "--organization"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions = |policy: &Value| -> BTreeSet<String> {
        policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["Action"].as_array().unwrap().clone())
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect()
    };
    let management = actions(&doc["management_account"]);
    let member = actions(&doc["member_account_role"]);
    assert!(management.contains("organizations:ListAccounts"));
    assert!(management.contains("sts:AssumeRole"));
    assert!(
        member.contains("s3:GetBucketPolicy") && member.contains("config:BatchGetResourceConfig")
    );
    assert!(!member.contains("sts:AssumeRole") && !member.contains("organizations:ListAccounts"));
    let refused = support::compliance()
        .args(["iam-policy", "--for", "setup", "--organization"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
}
