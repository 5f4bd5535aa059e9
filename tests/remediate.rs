//! `compliance remediate` against moto: for each action, a seeded violation with
//! neighbours that must survive; the plan changes nothing (read back through
//! the SDK); apply fixes it and keeps the neighbours; a scan then finds it
//! compliant; rollback restores the original. Also the safety rules: exempted
//! and skip-tagged resources untouched, `--max-changes`, disruptive changes
//! only with `--allow disruptive`, and an AccessDenied on one resource that
//! leaves the others done, exits 3 and is in the trail.
//!
//! moto is shared by the whole run, so every command names its resources with
//! `--resource` and every bucket, group and instance has a unique name.

use crate::support;

use aws_sdk_ec2::types::{
    HttpTokensState, InstanceMetadataOptionsRequest, InstanceType, IpPermission, IpRange, Ipv6Range,
};
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter, Tag, Tagging,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

fn run(dir: &Path, args: &[&str]) -> Output {
    support::compliance_in(dir)
        .arg("remediate")
        .args(args)
        .output()
        .expect("run compliance")
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// (rule, resource) → status of a run document.
fn statuses(run: &Value) -> BTreeMap<(String, String), String> {
    run["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                (
                    c["rule_id"].as_str().unwrap().to_string(),
                    c["resource_id"].as_str().unwrap().to_string(),
                ),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn status(run: &Value, rule: &str, resource: &str) -> String {
    statuses(run)
        .get(&(rule.to_string(), resource.to_string()))
        .cloned()
        .unwrap_or_else(|| panic!("no change for {rule} on {resource}: {run:#}"))
}

fn change<'a>(run: &'a Value, rule: &str, resource: &str) -> &'a Value {
    run["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule_id"] == rule && c["resource_id"] == resource)
        .unwrap_or_else(|| panic!("no change for {rule} on {resource}"))
}

/// The outcomes a scan gives one resource, by rule.
fn scan_outcomes(dir: &Path, kind: &str, resource: &str) -> BTreeMap<String, String> {
    let o = support::compliance_in(dir)
        .args([
            "scan",
            "--resources",
            kind,
            "--format",
            "json",
            "--fail-on",
            "none",
            "--no-history",
        ])
        .output()
        .unwrap();
    assert!(matches!(code(&o), 0 | 3), "scan: {}", stderr(&o));
    let report = json_of(&o);
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["resource_id"] == resource)
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// What the SDK says about a bucket's parts the S3 actions write.
#[derive(Debug, PartialEq)]
struct BucketState {
    encryption: Option<String>,
    versioning: Option<String>,
    block: Option<bool>,
    policy_sids: Vec<String>,
    lifecycle_ids: Vec<String>,
    grants: Vec<String>,
}

async fn bucket_state(s3: &aws_sdk_s3::Client, bucket: &str) -> BucketState {
    let encryption = s3
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
        .ok()
        .and_then(|o| {
            o.server_side_encryption_configuration()?
                .rules()
                .first()?
                .apply_server_side_encryption_by_default()
                .map(|d| d.sse_algorithm().as_str().to_string())
        });
    // moto 5.2 wraps GetBucketVersioning's answer in the wrong root element,
    // which the SDK refuses: read the status from the raw body then.
    let versioning = match s3.get_bucket_versioning().bucket(bucket).send().await {
        Ok(o) => o.status().map(|s| s.as_str().to_string()),
        Err(e) => e.raw_response().and_then(|r| {
            let body = String::from_utf8_lossy(r.body().bytes()?).into_owned();
            let start = body.find("<Status>")? + "<Status>".len();
            let end = body[start..].find("</Status>")? + start;
            Some(body[start..end].to_string())
        }),
    };
    let block = s3
        .get_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .ok()
        .and_then(|o| o.public_access_block_configuration()?.block_public_policy());
    let policy_sids = match s3.get_bucket_policy().bucket(bucket).send().await {
        Ok(o) => {
            let doc: Value = serde_json::from_str(o.policy().unwrap_or("{}")).unwrap();
            doc["Statement"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| s["Sid"].as_str().unwrap_or("").to_string())
                .collect()
        }
        Err(_) => Vec::new(),
    };
    let lifecycle_ids = match s3
        .get_bucket_lifecycle_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(o) => o
            .rules()
            .iter()
            .map(|r| r.id().unwrap_or("").to_string())
            .collect(),
        Err(_) => Vec::new(),
    };
    let acl = s3.get_bucket_acl().bucket(bucket).send().await.unwrap();
    let mut grants: Vec<String> = acl
        .grants()
        .iter()
        .filter_map(|g| {
            let who = g.grantee()?;
            let name = who
                .uri()
                .map(|u| u.rsplit('/').next().unwrap().to_string())
                .unwrap_or_else(|| "owner".into());
            Some(format!("{name}:{}", g.permission()?.as_str()))
        })
        .collect();
    grants.sort();
    BucketState {
        encryption,
        versioning,
        block,
        policy_sids,
        lifecycle_ids,
        grants,
    }
}

/// A bucket that fails every S3 rule with an action, with neighbours: another
/// policy statement, an existing lifecycle rule, a non-public ACL grant.
async fn seed_bucket(s3: &aws_sdk_s3::Client, bucket: &str) {
    s3.create_bucket().bucket(bucket).send().await.unwrap();
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "KeepRole", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/*")},
            {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/*")}
        ]
    });
    s3.put_bucket_policy()
        .bucket(bucket)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    s3.put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .rules(
                    LifecycleRule::builder()
                        .id("old-logs")
                        .status(ExpirationStatus::Disabled)
                        .filter(LifecycleRuleFilter::builder().prefix("logs/").build())
                        .expiration(LifecycleExpiration::builder().days(30).build())
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_acl()
        .bucket(bucket)
        .grant_read("uri=\"http://acs.amazonaws.com/groups/global/AllUsers\"")
        .grant_write("uri=\"http://acs.amazonaws.com/groups/s3/LogDelivery\"")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn s3_actions_plan_apply_verify_and_roll_back_keeping_neighbours() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("s3_actions_plan_apply_verify_and_roll_back_keeping_neighbours");
        return;
    };
    let s3 = support::s3_client(&config);
    let bucket = support::unique_name("rem-s3");
    seed_bucket(&s3, &bucket).await;
    let original = bucket_state(&s3, &bucket).await;
    assert_eq!(original.policy_sids, ["KeepRole", "PublicRead"]);
    assert!(
        original.grants.contains(&"AllUsers:READ".to_string()),
        "{original:?}"
    );
    let dir = support::fresh_dir();

    // Plan: every S3 action listed, nothing changed.
    let o = run(&dir, &["--resource", &bucket, "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let plan = json_of(&o);
    assert_eq!(plan["schema"], "compliance.remediation/v1");
    assert_eq!(plan["mode"], "plan");
    for rule in [
        "s3-default-encryption",
        "s3-versioning-enabled",
        "s3-public-access-blocked",
        "s3-tls-only",
        "s3-no-public-read",
        "s3-lifecycle-configured",
    ] {
        assert_eq!(status(&plan, rule, &bucket), "planned", "{rule}");
    }
    // The bucket is public today, so blocking public access is disruptive here.
    assert_eq!(
        change(&plan, "s3-public-access-blocked", &bucket)["risk"],
        "disruptive"
    );
    assert_eq!(
        change(&plan, "s3-versioning-enabled", &bucket)["before"],
        json!({"status": "Off"})
    );
    assert!(
        change(&plan, "s3-versioning-enabled", &bucket)["reversible"]
            .as_bool()
            .unwrap()
    );
    assert_eq!(
        bucket_state(&s3, &bucket).await,
        original,
        "a plan changed the bucket"
    );

    // --yes alone: safe changes applied and verified; disruptive ones refused.
    let o = run(&dir, &["--resource", &bucket, "--yes", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let safe = json_of(&o);
    for rule in [
        "s3-default-encryption",
        "s3-versioning-enabled",
        "s3-tls-only",
        "s3-lifecycle-configured",
    ] {
        assert_eq!(status(&safe, rule, &bucket), "verified", "{rule}: {safe:#}");
    }
    for rule in ["s3-public-access-blocked", "s3-no-public-read"] {
        assert_eq!(status(&safe, rule, &bucket), "skipped", "{rule}");
        assert!(change(&safe, rule, &bucket)["reason"]
            .as_str()
            .unwrap()
            .contains("--allow disruptive"));
    }
    let after_safe = bucket_state(&s3, &bucket).await;
    // s3-default-encryption asks for SSE-S3, then s3-kms-encryption (planned
    // again from what the first change left) for SSE-KMS: both verified.
    assert_eq!(after_safe.encryption.as_deref(), Some("aws:kms"));
    assert_eq!(status(&safe, "s3-kms-encryption", &bucket), "verified");
    assert_eq!(after_safe.versioning.as_deref(), Some("Enabled"));
    assert_eq!(
        after_safe.policy_sids,
        ["KeepRole", "PublicRead", "DenyInsecureTransport"]
    );
    assert_eq!(
        after_safe.lifecycle_ids,
        ["old-logs", "compliance-remediation"]
    );
    assert_eq!(
        after_safe.grants, original.grants,
        "the ACL is untouched without --allow disruptive"
    );
    assert_eq!(after_safe.block, None);

    // --allow disruptive: public grants and statements go, every neighbour stays.
    let o = run(
        &dir,
        &[
            "--resource",
            &bucket,
            "--yes",
            "--allow",
            "disruptive",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let disruptive = json_of(&o);
    assert_eq!(
        status(&disruptive, "s3-no-public-read", &bucket),
        "verified",
        "{disruptive:#}"
    );
    assert_eq!(
        status(&disruptive, "s3-public-access-blocked", &bucket),
        "verified"
    );
    let fixed = bucket_state(&s3, &bucket).await;
    assert_eq!(fixed.policy_sids, ["KeepRole", "DenyInsecureTransport"]);
    assert!(
        !fixed.grants.iter().any(|g| g.starts_with("AllUsers")),
        "{fixed:?}"
    );
    assert!(
        fixed.grants.contains(&"LogDelivery:WRITE".to_string()),
        "{fixed:?}"
    );
    assert_eq!(fixed.lifecycle_ids, ["old-logs", "compliance-remediation"]);
    assert_eq!(fixed.block, Some(true));

    // A scan now finds the bucket compliant with every rule that was fixed.
    let outcomes = scan_outcomes(&dir, "s3", &bucket);
    for rule in [
        "s3-default-encryption",
        "s3-versioning-enabled",
        "s3-public-access-blocked",
        "s3-tls-only",
        "s3-no-public-read",
        "s3-lifecycle-configured",
    ] {
        assert_eq!(
            outcomes.get(rule).map(String::as_str),
            Some("compliant"),
            "{rule}: {outcomes:?}"
        );
    }

    // The trail has both runs, with caller and every change's before and after.
    let o = run(&dir, &["--log", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let log = json_of(&o);
    let runs = log.as_array().unwrap();
    assert_eq!(runs.len(), 2, "plan runs are not recorded, apply runs are");
    assert!(runs.iter().all(
        |r| r["mode"] == "apply" && r["caller"].as_str().is_some_and(|c| c.starts_with("arn:"))
    ));
    assert_eq!(runs[0]["run_id"], safe["run_id"]);
    assert_eq!(status(&runs[1], "s3-no-public-read", &bucket), "verified");

    // Rollback, newest run first: the original state back (versioning only to Suspended).
    for done in [&disruptive, &safe] {
        let id = done["run_id"].as_str().unwrap();
        let o = run(&dir, &["--rollback", id, "--format", "json"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert_eq!(json_of(&o)["mode"], "rollback");
        let o = run(
            &dir,
            &[
                "--rollback",
                id,
                "--yes",
                "--allow",
                "disruptive",
                "--format",
                "json",
            ],
        );
        let rb = json_of(&o);
        assert_eq!(code(&o), 0, "{}{rb:#}", stderr(&o));
        assert_eq!(rb["rollback_of"], id);
        assert!(
            rb["changes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["status"] == "rolled_back"),
            "{rb:#}"
        );
    }
    let restored = bucket_state(&s3, &bucket).await;
    assert_eq!(
        restored,
        BucketState {
            versioning: Some("Suspended".into()),
            ..original
        }
    );
}

#[tokio::test]
async fn rollback_refuses_a_resource_changed_again_since() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("rollback_refuses_a_resource_changed_again_since");
        return;
    };
    let s3 = support::s3_client(&config);
    let bucket = support::unique_name("rem-again");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let dir = support::fresh_dir();
    let o = run(
        &dir,
        &[
            "--resource",
            &bucket,
            "--rule",
            "s3-default-encryption",
            "--yes",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let applied = json_of(&o);
    // Someone switches the bucket to SSE-KMS by hand.
    s3.put_bucket_encryption()
        .bucket(&bucket)
        .server_side_encryption_configuration(
            aws_sdk_s3::types::ServerSideEncryptionConfiguration::builder()
                .rules(
                    aws_sdk_s3::types::ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(
                            aws_sdk_s3::types::ServerSideEncryptionByDefault::builder()
                                .sse_algorithm(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let o = run(
        &dir,
        &[
            "--rollback",
            applied["run_id"].as_str().unwrap(),
            "--yes",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rb = json_of(&o);
    assert_eq!(status(&rb, "s3-default-encryption", &bucket), "skipped");
    assert!(change(&rb, "s3-default-encryption", &bucket)["reason"]
        .as_str()
        .unwrap()
        .contains("changed again"));
    let now = bucket_state(&s3, &bucket).await;
    assert_eq!(
        now.encryption.as_deref(),
        Some("aws:kms"),
        "the hand-made change is kept"
    );
}

#[tokio::test]
async fn exempted_and_skip_tagged_resources_are_never_touched() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("exempted_and_skip_tagged_resources_are_never_touched");
        return;
    };
    let s3 = support::s3_client(&config);
    let exempt = support::unique_name("rem-exempt");
    let tagged = support::unique_name("rem-tagged");
    let open = support::unique_name("rem-open");
    for b in [&exempt, &tagged, &open] {
        s3.create_bucket().bucket(b).send().await.unwrap();
    }
    s3.put_bucket_tagging()
        .bucket(&tagged)
        .tagging(
            Tagging::builder()
                .tag_set(
                    Tag::builder()
                        .key("ComplianceRemediation")
                        .value("skip")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let dir = support::fresh_dir();
    let settings = dir.join("compliance.toml");
    std::fs::write(
        &settings,
        format!(
            "[[exemptions]]\nrule = \"s3-versioning-enabled\"\nresource = \"arn:aws:s3:::{exempt}\"\nreason = \"archive bucket, written once\"\nowner = \"data-team\"\nexpires = \"2999-01-01\"\n"
        ),
    )
    .unwrap();
    let o = support::compliance_in(&dir)
        .args([
            "--config",
            settings.to_str().unwrap(),
            "remediate",
            "--rule",
            "s3-versioning-enabled",
        ])
        .args([
            "--resource",
            &exempt,
            "--resource",
            &tagged,
            "--resource",
            &open,
        ])
        .args(["--yes", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = json_of(&o);
    assert_eq!(status(&r, "s3-versioning-enabled", &exempt), "skipped");
    assert!(change(&r, "s3-versioning-enabled", &exempt)["reason"]
        .as_str()
        .unwrap()
        .contains("exempted"));
    assert_eq!(status(&r, "s3-versioning-enabled", &tagged), "skipped");
    assert!(change(&r, "s3-versioning-enabled", &tagged)["reason"]
        .as_str()
        .unwrap()
        .contains("ComplianceRemediation=skip"));
    assert_eq!(status(&r, "s3-versioning-enabled", &open), "verified");
    for b in [&exempt, &tagged] {
        assert_eq!(
            bucket_state(&s3, b).await.versioning,
            None,
            "{b} was changed"
        );
    }
    assert_eq!(
        bucket_state(&s3, &open).await.versioning.as_deref(),
        Some("Enabled")
    );
}

#[tokio::test]
async fn a_plan_larger_than_max_changes_is_refused_and_changes_nothing() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("a_plan_larger_than_max_changes_is_refused_and_changes_nothing");
        return;
    };
    let s3 = support::s3_client(&config);
    let buckets: Vec<String> = (0..3).map(|_| support::unique_name("rem-max")).collect();
    let mut args: Vec<&str> = vec![
        "--rule",
        "s3-versioning-enabled",
        "--yes",
        "--max-changes",
        "2",
        "--format",
        "json",
    ];
    for b in &buckets {
        s3.create_bucket().bucket(b).send().await.unwrap();
        args.extend(["--resource", b.as_str()]);
    }
    let dir = support::fresh_dir();
    let o = run(&dir, &args);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--max-changes 2"), "{}", stderr(&o));
    assert_eq!(json_of(&o)["summary"]["planned"], 3);
    for b in &buckets {
        assert_eq!(bucket_state(&s3, b).await.versioning, None);
    }
    let o = run(&dir, &["--log", "--format", "json"]);
    assert_eq!(json_of(&o), json!([]), "a refused plan records no run");
}

#[tokio::test]
async fn access_denied_on_one_bucket_leaves_the_others_done_and_is_in_the_trail() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("access_denied_on_one_bucket_leaves_the_others_done_and_is_in_the_trail");
        return;
    };
    let s3 = support::s3_client(&config);
    let denied = support::unique_name("rem-denied");
    let fine = support::unique_name("rem-fine");
    for b in [&denied, &fine] {
        s3.create_bucket().bucket(b).send().await.unwrap();
    }
    let target = format!("/{denied}");
    let proxy = support::proxy::start(&support::endpoint_url().unwrap(), move |head, _| {
        let line = head.lines().next().unwrap_or_default();
        (line.starts_with("PUT ") && line.contains(&target) && line.contains("versioning"))
            .then(|| support::proxy::Fault::s3("AccessDenied", "req-denied-versioning"))
    });
    let dir = support::fresh_dir();
    let o = support::compliance_in(&dir)
        .args([
            "--endpoint-url",
            &proxy,
            "remediate",
            "--rule",
            "s3-versioning-enabled",
        ])
        .args([
            "--resource",
            &denied,
            "--resource",
            &fine,
            "--yes",
            "--max-attempts",
            "1",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let r = json_of(&o);
    assert_eq!(status(&r, "s3-versioning-enabled", &fine), "verified");
    assert_eq!(status(&r, "s3-versioning-enabled", &denied), "failed");
    let e = &change(&r, "s3-versioning-enabled", &denied)["error"];
    assert_eq!(e["code"], "AccessDenied");
    assert_eq!(e["request_id"], "req-denied-versioning");
    assert_eq!(
        bucket_state(&s3, &fine).await.versioning.as_deref(),
        Some("Enabled")
    );
    assert_eq!(bucket_state(&s3, &denied).await.versioning, None);
    let log = json_of(&run(&dir, &["--log", "--format", "json"]));
    let recorded = &log.as_array().unwrap()[0];
    assert_eq!(status(recorded, "s3-versioning-enabled", &denied), "failed");
    assert_eq!(
        change(recorded, "s3-versioning-enabled", &denied)["error"]["request_id"],
        "req-denied-versioning"
    );
    assert_eq!(recorded["summary"]["failed"], 1);
    assert_eq!(recorded["summary"]["verified"], 1);
}

#[tokio::test]
async fn security_group_world_entries_go_other_sources_and_ports_stay() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("security_group_world_entries_go_other_sources_and_ports_stay");
        return;
    };
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let name = support::unique_name("rem-sg");
    let group = ec2
        .create_security_group()
        .group_name(&name)
        .description("remediate test")
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_string();
    let perm = |port: i32, v4: &[&str], v6: &[&str]| {
        let mut p = IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(port)
            .to_port(port);
        for c in v4 {
            p = p.ip_ranges(IpRange::builder().cidr_ip(*c).build());
        }
        for c in v6 {
            p = p.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(*c).build());
        }
        p.build()
    };
    ec2.authorize_security_group_ingress()
        .group_id(&group)
        .ip_permissions(perm(22, &["0.0.0.0/0", "10.0.0.0/8"], &["::/0"]))
        .ip_permissions(perm(443, &["0.0.0.0/0"], &[]))
        .send()
        .await
        .unwrap();
    let ingress = || async {
        let g = ec2
            .describe_security_groups()
            .group_ids(&group)
            .send()
            .await
            .unwrap();
        let mut out: Vec<String> = Vec::new();
        for p in g.security_groups()[0].ip_permissions() {
            for r in p.ip_ranges() {
                out.push(format!(
                    "{}:{}",
                    p.from_port().unwrap_or(-1),
                    r.cidr_ip().unwrap()
                ));
            }
            for r in p.ipv6_ranges() {
                out.push(format!(
                    "{}:{}",
                    p.from_port().unwrap_or(-1),
                    r.cidr_ipv6().unwrap()
                ));
            }
        }
        out.sort();
        out
    };
    let original = ingress().await;
    assert_eq!(
        original,
        ["22:0.0.0.0/0", "22:10.0.0.0/8", "22:::/0", "443:0.0.0.0/0"]
    );
    let dir = support::fresh_dir();
    let args = [
        "--rule",
        "sg-no-world-open-ssh",
        "--resource",
        group.as_str(),
    ];

    let o = run(&dir, &[&args[..], &["--format", "json"]].concat());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let plan = json_of(&o);
    let c = change(&plan, "sg-no-world-open-ssh", &group);
    assert_eq!(c["risk"], "disruptive");
    assert_eq!(c["before"]["entries"].as_array().unwrap().len(), 2, "{c:#}");
    assert!(c["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("network interface")));
    assert_eq!(ingress().await, original);

    let o = run(&dir, &[&args[..], &["--yes", "--format", "json"]].concat());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        status(&json_of(&o), "sg-no-world-open-ssh", &group),
        "skipped",
        "disruptive needs --allow"
    );
    assert_eq!(ingress().await, original);

    let o = run(
        &dir,
        &[
            &args[..],
            &["--yes", "--allow", "disruptive", "--format", "json"],
        ]
        .concat(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let applied = json_of(&o);
    assert_eq!(
        status(&applied, "sg-no-world-open-ssh", &group),
        "verified",
        "{applied:#}"
    );
    assert_eq!(ingress().await, ["22:10.0.0.0/8", "443:0.0.0.0/0"]);
    let outcomes = scan_outcomes(&dir, "sg", &group);
    assert_eq!(outcomes["sg-no-world-open-ssh"], "compliant");

    let o = run(
        &dir,
        &[
            "--rollback",
            applied["run_id"].as_str().unwrap(),
            "--yes",
            "--allow",
            "disruptive",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rb = json_of(&o);
    assert_eq!(
        status(&rb, "sg-no-world-open-ssh", &group),
        "rolled_back",
        "{rb:#}"
    );
    assert_eq!(ingress().await, original);
}

#[tokio::test]
async fn imdsv2_and_rds_fixes_keep_the_other_settings_and_roll_back() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("imdsv2_and_rds_fixes_keep_the_other_settings_and_roll_back");
        return;
    };
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let instance = ec2
        .run_instances()
        .image_id("ami-0123456789abcdef0")
        .instance_type(InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .http_tokens(HttpTokensState::Optional)
                .http_put_response_hop_limit(3)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .instances()[0]
        .instance_id()
        .unwrap()
        .to_string();
    let rds = aws_sdk_rds::Client::new(&config);
    let db = support::unique_name("rem-db");
    let resource_id = rds
        .create_db_instance()
        .db_instance_identifier(&db)
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .master_username("admin")
        .master_user_password("a-long-enough-password")
        .allocated_storage(20)
        .storage_encrypted(true)
        .publicly_accessible(true)
        .backup_retention_period(1)
        .deletion_protection(false)
        .send()
        .await
        .unwrap()
        .db_instance()
        .unwrap()
        .dbi_resource_id()
        .unwrap()
        .to_string();
    let dir = support::fresh_dir();
    let args = [
        "--rule",
        "ec2-imdsv2-required",
        "--rule",
        "rds-*",
        "--resource",
        instance.as_str(),
        "--resource",
        resource_id.as_str(),
        "--format",
        "json",
    ];
    let o = run(&dir, &args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let plan = json_of(&o);
    assert_eq!(
        change(&plan, "rds-backup-enabled", &resource_id)["after"],
        json!({"backupRetentionPeriod": 7})
    );
    assert_eq!(
        change(&plan, "rds-deletion-protection", &resource_id)["risk"],
        "safe"
    );

    let o = run(
        &dir,
        &[
            &args[..],
            &["--yes", "--allow", "disruptive", "--apply-immediately"],
        ]
        .concat(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let applied = json_of(&o);
    for (rule, id) in [
        ("ec2-imdsv2-required", instance.as_str()),
        ("rds-backup-enabled", resource_id.as_str()),
        ("rds-deletion-protection", resource_id.as_str()),
        ("rds-not-public", resource_id.as_str()),
    ] {
        assert_eq!(
            status(&applied, rule, id),
            "verified",
            "{rule}: {applied:#}"
        );
    }
    let meta = ec2
        .describe_instances()
        .instance_ids(&instance)
        .send()
        .await
        .unwrap();
    let m = meta.reservations()[0].instances()[0]
        .metadata_options()
        .unwrap()
        .clone();
    assert_eq!(m.http_tokens(), Some(&HttpTokensState::Required));
    assert_eq!(
        m.http_put_response_hop_limit(),
        Some(3),
        "the hop limit is kept"
    );
    let d = rds
        .describe_db_instances()
        .db_instance_identifier(&db)
        .send()
        .await
        .unwrap();
    let d = &d.db_instances()[0];
    assert_eq!(
        (
            d.backup_retention_period(),
            d.deletion_protection(),
            d.publicly_accessible()
        ),
        (Some(7), Some(true), Some(false))
    );
    assert_eq!(d.storage_encrypted(), Some(true));

    let o = run(
        &dir,
        &[
            "--rollback",
            applied["run_id"].as_str().unwrap(),
            "--yes",
            "--allow",
            "disruptive",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let d = rds
        .describe_db_instances()
        .db_instance_identifier(&db)
        .send()
        .await
        .unwrap();
    let d = &d.db_instances()[0];
    assert_eq!(
        (
            d.backup_retention_period(),
            d.deletion_protection(),
            d.publicly_accessible()
        ),
        (Some(1), Some(false), Some(true))
    );
    let meta = ec2
        .describe_instances()
        .instance_ids(&instance)
        .send()
        .await
        .unwrap();
    assert_eq!(
        meta.reservations()[0].instances()[0]
            .metadata_options()
            .unwrap()
            .http_tokens(),
        Some(&HttpTokensState::Optional)
    );
    // The RDS instance can be deleted again after the rollback.
    rds.delete_db_instance()
        .db_instance_identifier(&db)
        .skip_final_snapshot(true)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn iam_policy_for_remediate_prints_the_actions_writes() {
    let o = support::compliance()
        .args(["iam-policy", "--for", "remediate"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let policy = json_of(&o);
    let actions: Vec<String> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["Action"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
        })
        .collect();
    for a in [
        "s3:PutBucketVersioning",
        "ec2:RevokeSecurityGroupIngress",
        "rds:ModifyDBInstance",
        "iam:UpdateAccessKey",
        "s3:ListAllMyBuckets",
    ] {
        assert!(actions.contains(&a.to_string()), "{a} missing: {actions:?}");
    }
    assert!(!actions
        .iter()
        .any(|a| a == "s3:DeleteBucket" || a == "iam:DeleteAccessKey"));
}

/// Every call `remediate` makes (plan, apply of every kind of action, verify,
/// rollback) is in the operations table's rows for it, and `iam-policy --for
/// remediate` grants the actions of each.
#[tokio::test]
async fn remediate_calls_only_what_its_policy_grants() {
    use compliance::aws::operations::{self, Command as Op};
    let Some(config) = support::sdk_config().await else {
        support::skipped("remediate_calls_only_what_its_policy_grants");
        return;
    };
    let s3 = support::s3_client(&config);
    let bucket = support::unique_name("rem-ops");
    seed_bucket(&s3, &bucket).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let group = ec2
        .create_security_group()
        .group_name(support::unique_name("rem-ops-sg"))
        .description("remediate operations test")
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_string();
    ec2.authorize_security_group_ingress()
        .group_id(&group)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(20)
                .to_port(25)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (proxy, recorder) = support::proxy::recording(&support::endpoint_url().unwrap());
    let dir = support::fresh_dir();
    let mut calls = std::collections::BTreeSet::new();
    let remediate = |args: &[&str]| {
        recorder.take();
        let o = support::compliance_in(&dir)
            .env("AWS_ENDPOINT_URL", &proxy)
            .arg("remediate")
            .args(args)
            .output()
            .unwrap();
        (o, recorder.take())
    };
    let targets = [
        "--resource",
        bucket.as_str(),
        "--resource",
        group.as_str(),
        "--format",
        "json",
    ];
    let (o, seen) = remediate(&[&targets[..], &["--yes", "--allow", "disruptive"]].concat());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    calls.extend(seen);
    let applied = json_of(&o);
    assert_eq!(
        status(&applied, "sg-no-world-open-ssh", &group),
        "verified",
        "{applied:#}"
    );
    let (o, seen) = remediate(&[
        "--rollback",
        applied["run_id"].as_str().unwrap(),
        "--yes",
        "--allow",
        "disruptive",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    calls.extend(seen);
    for op in [
        "AuthorizeSecurityGroupIngress",
        "RevokeSecurityGroupIngress",
        "DescribeNetworkInterfaces",
    ] {
        assert!(
            calls.iter().any(|c| c.operation == op),
            "{op} not exercised: {calls:?}"
        );
    }
    let allowed = [Op::Scan, Op::Ssm, Op::Remediate];
    let missing: Vec<String> = calls
        .iter()
        .filter(|c| !operations::allows(&allowed, &c.service, &c.operation))
        .map(|c| format!("{}:{}", c.service, c.operation))
        .collect();
    assert!(
        missing.is_empty(),
        "remediate called operations missing from its rows: {missing:?}"
    );
    let printed = support::compliance()
        .args(["iam-policy", "--for", "remediate"])
        .output()
        .unwrap();
    let granted: Vec<String> = json_of(&printed)["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["Action"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
        })
        .collect();
    for c in &calls {
        for part in allowed {
            for row in operations::rows(part, &c.service, &c.operation) {
                for action in row.actions {
                    assert!(
                        granted.iter().any(|g| g == action),
                        "{action} not granted for {}:{}",
                        c.service,
                        c.operation
                    );
                }
            }
        }
    }
}

/// The trail's record of a change is written before the call: a process killed
/// while the call is in flight leaves the change `started`, with the values it
/// was about to overwrite, for the auditor to see.
#[tokio::test]
async fn a_change_whose_process_is_killed_stays_started_in_the_trail() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let Some(config) = support::sdk_config().await else {
        support::skipped("a_change_whose_process_is_killed_stays_started_in_the_trail");
        return;
    };
    let s3 = support::s3_client(&config);
    let bucket = support::unique_name("rem-killed");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let reached = Arc::new(AtomicBool::new(false));
    let flag = reached.clone();
    let target = format!("/{bucket}");
    // The PUT is held until the process is gone.
    let proxy = support::proxy::start(&support::endpoint_url().unwrap(), move |head, _| {
        let line = head.lines().next().unwrap_or_default();
        if line.starts_with("PUT ") && line.contains(&target) && line.contains("versioning") {
            flag.store(true, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_secs(30));
            return Some(support::proxy::Fault::s3("SlowDown", "req-never-seen"));
        }
        None
    });
    let dir = support::fresh_dir();
    let mut child = support::compliance_in(&dir)
        .args([
            "--endpoint-url",
            &proxy,
            "remediate",
            "--rule",
            "s3-versioning-enabled",
        ])
        .args([
            "--resource",
            &bucket,
            "--yes",
            "--max-attempts",
            "1",
            "--call-timeout",
            "120",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !reached.load(Ordering::SeqCst) {
        assert!(std::time::Instant::now() < deadline, "the PUT never came");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let o = run(&dir, &["--log", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let log = json_of(&o);
    let recorded = &log.as_array().unwrap()[0];
    assert_eq!(
        status(recorded, "s3-versioning-enabled", &bucket),
        "started"
    );
    assert_eq!(
        change(recorded, "s3-versioning-enabled", &bucket)["before"],
        json!({"status": "Off"})
    );
    assert!(recorded["finished_at"].is_null());
}

/// Stale keys are deactivated, never deleted, and come back Active on rollback.
#[tokio::test]
async fn stale_access_keys_are_deactivated_not_deleted_and_roll_back() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("stale_access_keys_are_deactivated_not_deleted_and_roll_back");
        return;
    };
    let iam = aws_sdk_iam::Client::new(&config);
    let user = support::unique_name("rem-user");
    iam.create_user().user_name(&user).send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name(&user)
        .send()
        .await
        .unwrap()
        .access_key()
        .unwrap()
        .access_key_id()
        .to_string();
    let user_id = iam
        .get_user()
        .user_name(&user)
        .send()
        .await
        .unwrap()
        .user()
        .unwrap()
        .user_id()
        .to_string();
    let dir = support::fresh_dir();
    // A key created a moment ago is "stale" for a limit below zero days.
    let settings = dir.join("compliance.toml");
    std::fs::write(
        &settings,
        "[rules.iam-access-keys-rotated.params]\nmax_access_key_age = -1\n",
    )
    .unwrap();
    let remediate = |extra: &[&str]| {
        support::compliance_in(&dir)
            .args(["--config", settings.to_str().unwrap(), "remediate"])
            .args(extra)
            .output()
            .unwrap()
    };
    let statuses = || async {
        iam.list_access_keys()
            .user_name(&user)
            .send()
            .await
            .unwrap()
            .access_key_metadata()
            .iter()
            .map(|k| k.status().unwrap().as_str().to_string())
            .collect::<Vec<_>>()
    };
    let args = [
        "--rule",
        "iam-access-keys-rotated",
        "--resource",
        user_id.as_str(),
        "--format",
        "json",
    ];
    let o = remediate(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let plan = json_of(&o);
    assert_eq!(
        change(&plan, "iam-access-keys-rotated", &user_id)["after"]["keys"],
        json!([{"accessKeyId": key, "status": "Inactive"}])
    );
    assert_eq!(statuses().await, ["Active"]);
    let o = remediate(&[&args[..], &["--yes", "--allow", "disruptive"]].concat());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let applied = json_of(&o);
    assert_eq!(
        status(&applied, "iam-access-keys-rotated", &user_id),
        "verified",
        "{applied:#}"
    );
    assert_eq!(statuses().await, ["Inactive"], "deactivated, still there");
    let o = remediate(&[
        "--rollback",
        applied["run_id"].as_str().unwrap(),
        "--yes",
        "--allow",
        "disruptive",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        status(&json_of(&o), "iam-access-keys-rotated", &user_id),
        "rolled_back"
    );
    assert_eq!(statuses().await, ["Active"]);
}

/// `--from-scan` and `--input` take their targets from a stored scan or a
/// findings file, but re-read each live first: a bucket fixed by hand since
/// the scan is skipped with the reason, the other one is fixed.
#[tokio::test]
async fn targets_from_a_stored_scan_are_rechecked_live_first() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("targets_from_a_stored_scan_are_rechecked_live_first");
        return;
    };
    let s3 = support::s3_client(&config);
    let by_hand = support::unique_name("rem-byhand");
    let still = support::unique_name("rem-still");
    for b in [&by_hand, &still] {
        s3.create_bucket().bucket(b).send().await.unwrap();
    }
    let dir = support::fresh_dir();
    let findings = dir.join("findings.json");
    let o = support::compliance_in(&dir)
        .args([
            "scan",
            "--resources",
            "s3",
            "--rule",
            "s3-versioning-enabled",
        ])
        .args([
            "--fail-on",
            "none",
            "--format",
            "json",
            "--out",
            findings.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(matches!(code(&o), 0 | 3), "{}", stderr(&o));
    s3.put_bucket_versioning()
        .bucket(&by_hand)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let targets = [
        "--resource",
        by_hand.as_str(),
        "--resource",
        still.as_str(),
        "--format",
        "json",
    ];

    let o = run(
        &dir,
        &[&["--input", findings.to_str().unwrap()], &targets[..]].concat(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let plan = json_of(&o);
    assert_eq!(status(&plan, "s3-versioning-enabled", &still), "planned");
    assert_eq!(status(&plan, "s3-versioning-enabled", &by_hand), "skipped");

    let o = run(
        &dir,
        &[&["--from-scan", "latest", "--yes"], &targets[..]].concat(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let applied = json_of(&o);
    assert_eq!(
        status(&applied, "s3-versioning-enabled", &still),
        "verified"
    );
    assert_eq!(
        status(&applied, "s3-versioning-enabled", &by_hand),
        "skipped"
    );
    let reason = change(&applied, "s3-versioning-enabled", &by_hand)["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        reason.contains("compliant now") && reason.contains("non_compliant in scan"),
        "{reason}"
    );
    assert_eq!(
        bucket_state(&s3, &still).await.versioning.as_deref(),
        Some("Enabled")
    );

    let o = run(&dir, &["--from-scan", "no-such-scan"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}
