//! The live scan end to end against moto: seed an estate of known shape through
//! the AWS SDK, run the `compliance` binary against the same endpoint, and assert
//! the exact outcome per (rule, resource); then the fault paths: a dead endpoint,
//! an injected AccessDenied, pagination, and rule parameters from SSM.
//!
//! moto is shared by every test of the run, so each test seeds its own region or
//! uniquely named resources and asserts only on what it created.

use crate::support;

use aws_sdk_ec2::types::{
    HttpTokensState, InstanceMetadataOptionsRequest, InstanceType, IpPermission, IpRange,
    Ipv6Range, ResourceType, Tag, TagSpecification,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = support::compliance();
    cmd.args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env_remove("COMPLIANCE_CONFIG");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("binary runs")
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr:\n{}",
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// (rule, resource, status) for the findings on `ids`.
fn outcomes(report: &Value, ids: &BTreeSet<String>) -> BTreeSet<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| ids.contains(f["resource_id"].as_str().unwrap_or_default()))
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["resource_id"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn tags(resource: ResourceType, pairs: &[(&str, &str)]) -> TagSpecification {
    let mut spec = TagSpecification::builder().resource_type(resource);
    for (k, v) in pairs {
        spec = spec.tags(Tag::builder().key(*k).value(*v).build());
    }
    spec.build()
}

async fn launch(
    ec2: &aws_sdk_ec2::Client,
    kind: InstanceType,
    tokens: HttpTokensState,
    tag_pairs: &[(&str, &str)],
) -> String {
    let mut req = ec2
        .run_instances()
        .image_id("ami-0123456789abcdef0")
        .instance_type(kind)
        .min_count(1)
        .max_count(1)
        .metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .http_tokens(tokens)
                .build(),
        );
    if !tag_pairs.is_empty() {
        req = req.tag_specifications(tags(ResourceType::Instance, tag_pairs));
    }
    let out = req.send().await.expect("run instance");
    out.instances()[0].instance_id().unwrap().to_string()
}

fn world_ingress(port: i32) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build()
}

async fn group(ec2: &aws_sdk_ec2::Client, name: &str, permissions: Vec<IpPermission>) -> String {
    let id = ec2
        .create_security_group()
        .group_name(name)
        .description("compliance test")
        .send()
        .await
        .expect("create group")
        .group_id()
        .unwrap()
        .to_string();
    ec2.authorize_security_group_ingress()
        .group_id(&id)
        .set_ip_permissions(Some(permissions))
        .send()
        .await
        .expect("authorize ingress");
    id
}

#[allow(clippy::too_many_arguments)]
async fn database(
    rds: &aws_sdk_rds::Client,
    name: &str,
    encrypted: bool,
    public: bool,
    retention: i32,
    protected: bool,
    multi_az: bool,
) -> String {
    let out = rds
        .create_db_instance()
        .db_instance_identifier(name)
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .master_username("admin")
        .master_user_password("a-long-enough-password")
        .allocated_storage(20)
        .storage_encrypted(encrypted)
        .publicly_accessible(public)
        .backup_retention_period(retention)
        .deletion_protection(protected)
        .multi_az(multi_az)
        .send()
        .await
        .expect("create db instance");
    out.db_instance()
        .unwrap()
        .dbi_resource_id()
        .unwrap()
        .to_string()
}

fn set(items: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    items
        .iter()
        .map(|(r, id, s)| (r.to_string(), id.to_string(), s.to_string()))
        .collect()
}

#[tokio::test]
async fn live_scan_judges_a_seeded_estate_exactly() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("live_scan_judges_a_seeded_estate_exactly");
        return;
    };
    // A region of its own: nothing else in the test run creates EC2 or RDS resources here.
    let region = "ca-central-1";
    let ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(&config)
            .region(aws_sdk_ec2::config::Region::new(region))
            .build(),
    );
    let rds = aws_sdk_rds::Client::from_conf(
        aws_sdk_rds::config::Builder::from(&config)
            .region(aws_sdk_rds::config::Region::new(region))
            .build(),
    );

    let good = launch(
        &ec2,
        InstanceType::T3Micro,
        HttpTokensState::Required,
        &[
            ("Environment", "prod"),
            ("Owner", "team-a"),
            ("CostCenter", "cc-1"),
            ("Criticality", "high"),
        ],
    )
    .await;
    let bad = launch(
        &ec2,
        InstanceType::T22xlarge,
        HttpTokensState::Optional,
        &[],
    )
    .await;
    let ssh = group(&ec2, &support::unique_name("ssh"), vec![world_ingress(22)]).await;
    let v6 = group(
        &ec2,
        &support::unique_name("v6"),
        vec![IpPermission::builder()
            .ip_protocol("-1")
            .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
            .build()],
    )
    .await;
    let private = group(
        &ec2,
        &support::unique_name("private"),
        vec![IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(22)
            .to_port(22)
            .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/8").build())
            .build()],
    )
    .await;
    let az = format!("{region}a");
    let plain = ec2
        .create_volume()
        .size(10)
        .availability_zone(&az)
        .encrypted(false)
        .send()
        .await
        .unwrap();
    let sealed = ec2
        .create_volume()
        .size(10)
        .availability_zone(&az)
        .encrypted(true)
        .send()
        .await
        .unwrap();
    let (plain, sealed) = (
        plain.volume_id().unwrap().to_string(),
        sealed.volume_id().unwrap().to_string(),
    );
    let db_good = database(
        &rds,
        &support::unique_name("dbgood"),
        true,
        false,
        7,
        true,
        true,
    )
    .await;
    let db_bad = database(
        &rds,
        &support::unique_name("dbbad"),
        false,
        true,
        1,
        false,
        false,
    )
    .await;
    // moto moves instances from pending to running when they are next described.
    ec2.describe_instances().send().await.unwrap();

    let o = run(
        &[
            "scan",
            "--regions",
            region,
            "--resources",
            "ec2,rds",
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
        &[],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = json_of(&o);
    assert_eq!(report["source"]["kind"], "live");
    assert!(
        report["errors"].as_array().unwrap().is_empty(),
        "{}",
        report["errors"]
    );
    let ids: BTreeSet<String> = [
        &good, &bad, &ssh, &v6, &private, &plain, &sealed, &db_good, &db_bad,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let expected = set(&[
        ("ec2-instance-type-approved", &good, "compliant"),
        ("ec2-instance-type-approved", &bad, "non_compliant"),
        // The default approved-AMI list is a placeholder that operators replace.
        ("ec2-ami-approved", &good, "non_compliant"),
        ("ec2-ami-approved", &bad, "non_compliant"),
        ("ec2-required-tags", &good, "compliant"),
        ("ec2-required-tags", &bad, "non_compliant"),
        ("ec2-imdsv2-required", &good, "compliant"),
        ("ec2-imdsv2-required", &bad, "non_compliant"),
        // moto's default subnets map public addresses, and no profile was attached.
        ("ec2-no-public-ip", &good, "non_compliant"),
        ("ec2-no-public-ip", &bad, "non_compliant"),
        ("ec2-instance-profile-attached", &good, "non_compliant"),
        ("ec2-instance-profile-attached", &bad, "non_compliant"),
        ("ec2-volume-encrypted", &plain, "non_compliant"),
        ("ec2-volume-encrypted", &sealed, "compliant"),
        ("sg-no-world-open-ssh", &ssh, "non_compliant"),
        ("sg-no-world-open-rdp", &ssh, "compliant"),
        ("sg-no-world-open-db-ports", &ssh, "compliant"),
        ("sg-no-world-open-ssh", &v6, "non_compliant"),
        ("sg-no-world-open-rdp", &v6, "non_compliant"),
        ("sg-no-world-open-db-ports", &v6, "non_compliant"),
        ("sg-no-world-open-ssh", &private, "compliant"),
        ("sg-no-world-open-rdp", &private, "compliant"),
        ("sg-no-world-open-db-ports", &private, "compliant"),
        ("rds-backup-enabled", &db_good, "compliant"),
        ("rds-storage-encrypted", &db_good, "compliant"),
        ("rds-not-public", &db_good, "compliant"),
        ("rds-deletion-protection", &db_good, "compliant"),
        ("rds-multi-az", &db_good, "compliant"),
        ("rds-auto-minor-version-upgrade", &db_good, "compliant"),
        ("rds-backup-enabled", &db_bad, "non_compliant"),
        ("rds-storage-encrypted", &db_bad, "non_compliant"),
        ("rds-not-public", &db_bad, "non_compliant"),
        ("rds-deletion-protection", &db_bad, "non_compliant"),
        ("rds-multi-az", &db_bad, "non_compliant"),
        ("rds-auto-minor-version-upgrade", &db_bad, "compliant"),
    ]);
    let actual = outcomes(&report, &ids);
    let missing: Vec<_> = expected.difference(&actual).collect();
    let unexpected: Vec<_> = actual.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing: {missing:#?}\nunexpected: {unexpected:#?}"
    );
    let good_finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource_id"] == good.as_str())
        .unwrap();
    assert_eq!(good_finding["region"], region);
    assert_eq!(good_finding["account"], support::MOTO_ACCOUNT_ID);
    assert_eq!(
        good_finding["criticality"], 3.0,
        "the Criticality tag weighs the finding"
    );
}

#[test]
fn a_dead_endpoint_gives_errors_and_exit_3() {
    if support::endpoint_url().is_none() && !support::moto_required() {
        support::skipped("a_dead_endpoint_gives_errors_and_exit_3");
        return;
    }
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("http://127.0.0.1:{port}");
    let o = run(
        &[
            "--endpoint-url",
            &url,
            "scan",
            "--regions",
            "eu-west-1",
            "--resources",
            "ec2,rds",
            "--max-attempts",
            "1",
            "--call-timeout",
            "5",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(
        o.status.code(),
        Some(3),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = json_of(&o);
    let errors = report["errors"].as_array().unwrap();
    let operations: BTreeSet<&str> = errors
        .iter()
        .filter_map(|e| e["operation"].as_str())
        .collect();
    for op in [
        "GetCallerIdentity",
        "DescribeInstances",
        "DescribeSecurityGroups",
        "DescribeVolumes",
        "DescribeDBInstances",
    ] {
        assert!(operations.contains(op), "{op} missing from {errors:#?}");
    }
    assert!(
        errors.iter().all(|e| e["code"] == "ConnectionError"),
        "{errors:#?}"
    );
    // Every rule that could not be evaluated says so; none reads as compliant.
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(findings
        .iter()
        .all(|f| f["status"] == "error" && f["resource_id"] == "*"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("partial"));
}

#[tokio::test]
async fn pagination_reads_every_page() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("pagination_reads_every_page");
        return;
    };
    let region = "sa-east-1";
    let ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(&config)
            .region(aws_sdk_ec2::config::Region::new(region))
            .build(),
    );
    // moto pages DescribeInstances (by reservation) but ignores MaxResults for
    // volumes and security groups, so instances are what can show pagination.
    let mut ids = BTreeSet::new();
    for _ in 0..12 {
        ids.insert(launch(&ec2, InstanceType::T3Micro, HttpTokensState::Required, &[]).await);
    }
    let o = run(
        &[
            "scan",
            "--regions",
            region,
            "--rule",
            "ec2-instance-type-approved",
            "--page-size",
            "5",
            "--format",
            "json",
            "--fail-on",
            "none",
            "-v",
        ],
        &[],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = json_of(&o);
    let seen: BTreeSet<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "ec2-instance-type-approved")
        .map(|f| f["resource_id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        ids.is_subset(&seen),
        "instances missing across pages: {:?}",
        ids.difference(&seen).collect::<Vec<_>>()
    );
    // At 5 per page, 12 instances (and any others in the region) take at least 3 pages.
    let log = String::from_utf8_lossy(&o.stderr);
    let calls: usize = log
        .split(" API calls")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no call count in the log: {log}"));
    assert!(
        calls >= 3,
        "{calls} DescribeInstances pages for 12+ instances at 5 per page"
    );
}

#[tokio::test]
async fn rule_parameters_come_from_ssm() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("rule_parameters_come_from_ssm");
        return;
    };
    let region = "ap-northeast-3";
    let ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(&config)
            .region(aws_sdk_ec2::config::Region::new(region))
            .build(),
    );
    // Parameters live in the operator's home region (the profile's), whatever regions are scanned.
    let ssm = aws_sdk_ssm::Client::new(&config);
    let instance = launch(
        &ec2,
        InstanceType::T22xlarge,
        HttpTokensState::Required,
        &[],
    )
    .await;
    ec2.describe_instances().send().await.unwrap();
    let path = format!("/compliance/{}/instance-types", support::unique_name("p"));
    ssm.put_parameter()
        .name(&path)
        .value("t2.2xlarge,m5.large")
        .r#type(aws_sdk_ssm::types::ParameterType::StringList)
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("compliance.toml");
    std::fs::write(
        &settings,
        format!("[rules.ec2-instance-type-approved.params]\ninstance_types = \"ssm:{path}\"\n"),
    )
    .unwrap();
    let args = [
        "--config",
        settings.to_str().unwrap(),
        "scan",
        "--regions",
        region,
        "--resources",
        "ec2",
        "--rule",
        "ec2-instance-type-approved",
        "--format",
        "json",
        "--fail-on",
        "none",
    ];
    let o = run(&args, &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let ids: BTreeSet<String> = [instance.clone()].into();
    assert_eq!(
        outcomes(&json_of(&o), &ids),
        set(&[("ec2-instance-type-approved", &instance, "compliant")]),
        "t2.2xlarge is approved by the SSM list"
    );

    std::fs::write(
        &settings,
        format!(
            "[rules.ec2-instance-type-approved.params]\ninstance_types = \"ssm:{path}-missing\"\n"
        ),
    )
    .unwrap();
    let o = run(&args, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("{path}-missing")) && err.contains("ec2-instance-type-approved"),
        "{err}"
    );
}

#[test]
fn iam_policy_for_scan_lists_read_only_actions() {
    let o = run(&["iam-policy", "--for", "scan"], &[]);
    assert_eq!(o.status.code(), Some(0));
    let policy = json_of(&o);
    let actions: Vec<&str> = policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    for needed in [
        "ec2:DescribeInstances",
        "s3:GetBucketPolicy",
        "iam:GetAccountAuthorizationDetails",
        "rds:DescribeDBInstances",
    ] {
        assert!(actions.contains(&needed), "{needed}");
    }
    assert!(
        actions.iter().all(|a| {
            let verb = a.split(':').nth(1).unwrap();
            // BatchGet: the Config inventory's batched reads (`--source config`).
            ["Describe", "Get", "BatchGet", "List"]
                .iter()
                .any(|p| verb.starts_with(p))
        }),
        "scan needs read-only actions only: {actions:?}"
    );
}

#[tokio::test]
async fn an_access_denied_listing_is_reported_and_the_rest_is_judged() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("an_access_denied_listing_is_reported_and_the_rest_is_judged");
        return;
    };
    let region = "eu-north-1";
    let ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(&config)
            .region(aws_sdk_ec2::config::Region::new(region))
            .build(),
    );
    let ssh = group(
        &ec2,
        &support::unique_name("denied"),
        vec![world_ingress(22)],
    )
    .await;
    let proxy = support::proxy::start(&support::endpoint_url().unwrap(), |_head, body| {
        let body = String::from_utf8_lossy(body);
        body.contains("Action=DescribeVolumes")
            .then(|| support::proxy::Fault::ec2("UnauthorizedOperation", "req-injected-volumes"))
    });
    let o = run(
        &[
            "--endpoint-url",
            &proxy,
            "scan",
            "--regions",
            region,
            "--resources",
            "ec2",
            "--max-attempts",
            "1",
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
        &[],
    );
    assert_eq!(
        o.status.code(),
        Some(3),
        "a partial scan exits 3; stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = json_of(&o);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["operation"], "DescribeVolumes");
    assert_eq!(errors[0]["code"], "UnauthorizedOperation");
    assert_eq!(errors[0]["request_id"], "req-injected-volumes");
    assert_eq!(errors[0]["region"], region);
    let findings = report["findings"].as_array().unwrap();
    let volume_rule: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule_id"] == "ec2-volume-encrypted")
        .collect();
    assert_eq!(volume_rule.len(), 1);
    assert_eq!(volume_rule[0]["status"], "error");
    assert!(volume_rule[0]["evidence"]["note"]
        .as_str()
        .unwrap()
        .contains("req-injected-volumes"));
    // What could be read is still judged.
    let ids: BTreeSet<String> = [ssh.clone()].into();
    assert!(outcomes(&report, &ids).contains(&(
        "sg-no-world-open-ssh".into(),
        ssh,
        "non_compliant".into()
    )));
}

#[tokio::test]
async fn a_denied_bucket_policy_makes_only_the_rules_that_read_it_errors() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("a_denied_bucket_policy_makes_only_the_rules_that_read_it_errors");
        return;
    };
    let s3 = support::s3_client(&config);
    let bucket = support::unique_name("denied-policy");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let target = format!("/{bucket}/?policy");
    let proxy = support::proxy::start(&support::endpoint_url().unwrap(), move |head, _body| {
        let line = head.lines().next().unwrap_or_default();
        (line.starts_with("GET ") && line.contains(&target))
            .then(|| support::proxy::Fault::s3("AccessDenied", "req-injected-policy"))
    });
    let o = run(
        &[
            "--endpoint-url",
            &proxy,
            "scan",
            "--regions",
            "us-east-1",
            "--resources",
            "s3",
            "--max-attempts",
            "1",
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
        &[],
    );
    assert_eq!(
        o.status.code(),
        Some(3),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = json_of(&o);
    let errors = report["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| e["operation"] == "GetBucketPolicy"
            && e["code"] == "AccessDenied"
            && e["request_id"] == "req-injected-policy"),
        "{errors:#?}"
    );
    let ids: BTreeSet<String> = [bucket.clone()].into();
    let outcomes = outcomes(&report, &ids);
    for rule in ["s3-tls-only", "s3-no-public-read"] {
        assert!(
            outcomes.contains(&(rule.into(), bucket.clone(), "error".into())),
            "{rule}: {outcomes:#?}"
        );
    }
    // Rules that do not read the policy are still judged on what was read.
    assert!(
        outcomes.contains(&(
            "s3-versioning-enabled".into(),
            bucket.clone(),
            "non_compliant".into()
        )),
        "{outcomes:#?}"
    );
    assert!(
        outcomes.contains(&(
            "s3-public-access-blocked".into(),
            bucket.clone(),
            "non_compliant".into()
        )),
        "{outcomes:#?}"
    );
}

#[test]
fn the_scan_time_limit_bounds_a_hanging_endpoint() {
    if support::endpoint_url().is_none() && !support::moto_required() {
        support::skipped("the_scan_time_limit_bounds_a_hanging_endpoint");
        return;
    }
    // Accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let _keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming().flatten() {
            held.push(s);
        }
    });
    let started = std::time::Instant::now();
    let o = run(
        &[
            "--endpoint-url",
            &url,
            "scan",
            "--regions",
            "eu-west-1",
            "--resources",
            "ebs",
            "--timeout",
            "2",
            "--max-attempts",
            "1",
            "--format",
            "json",
        ],
        &[],
    );
    let took = started.elapsed();
    assert_eq!(
        o.status.code(),
        Some(3),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(took < std::time::Duration::from_secs(20), "took {took:?}");
    let report = json_of(&o);
    let codes: BTreeSet<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["code"].as_str())
        .collect();
    assert!(
        codes.contains("Timeout") || codes.contains("ScanTimeout"),
        "{codes:?}"
    );
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["status"] == "error"));
}
