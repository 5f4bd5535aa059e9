//! Every AWS call a command makes is in that command's rows of the operations
//! table (`compliance::aws::operations`), the table the printed IAM policies
//! come from. Observed, not grepped: each command runs through a recording proxy
//! in front of moto, and every request (service, operation) it sends is checked:
//! a live scan of a seeded estate (S3, EC2, RDS, IAM, CloudFormation, a rule
//! parameter in SSM), then setup, status, `scan --suffix` (history, alerts,
//! metrics), `history --suffix`, `report --suffix --upload --to securityhub`
//! (the evidence bucket and Security Hub) and teardown of a stack whose bucket holds
//! evidence and an unfinished multipart upload. The printed policy of each
//! command is checked to grant the actions of every call seen.
//!
//! Not observed here: `scan --detect-drift` (moto has no drift detection;
//! tests/live_cfn.rs answers it with canned replies) and the repair paths of
//! setup; their rows are in the table from the code.

use crate::support;
use crate::support::proxy::{self, Call, Recorder};
use compliance::aws::operations::{self, Command as Op, Policy};

use aws_sdk_ec2::types::{IpPermission, IpRange};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

/// Runs the binary through the recording proxy and returns what it called.
fn run(proxy: &str, recorder: &Recorder, dir: &Path, args: &[&str]) -> (Output, BTreeSet<Call>) {
    recorder.take();
    let o = support::compliance_in(dir)
        .env("AWS_ENDPOINT_URL", proxy)
        .arg("--no-progress")
        .args(args)
        .output()
        .expect("binary runs");
    (o, recorder.take().into_iter().collect())
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The calls of `command` that none of `allowed`'s rows lists.
fn unlisted(allowed: &[Op], calls: &BTreeSet<Call>) -> Vec<String> {
    calls
        .iter()
        .filter(|c| !operations::allows(allowed, &c.service, &c.operation))
        .map(|c| format!("{}:{}", c.service, c.operation))
        .collect()
}

/// The IAM actions a printed policy allows.
fn granted(policy: Policy) -> BTreeSet<String> {
    let o = support::compliance()
        .args(["iam-policy", "--for", policy_flag(policy)])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let document: Value = serde_json::from_slice(&o.stdout).unwrap();
    document["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Effect"] == "Allow")
        .flat_map(|s| s["Action"].as_array().unwrap().clone())
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

fn policy_flag(policy: Policy) -> &'static str {
    match policy {
        Policy::Scan => "scan",
        Policy::Setup => "setup",
        Policy::Status => "status",
        Policy::Teardown => "teardown",
        // Printed by `--for scan --organization`, not checked by this file.
        Policy::OrganizationScan | Policy::MemberScan => "scan",
        Policy::Remediate => "remediate",
    }
}

/// Every call of `command` is in its rows, and `policy` grants their actions.
fn assert_covered(command: &str, allowed: &[Op], policy: Policy, calls: &BTreeSet<Call>) {
    let missing = unlisted(allowed, calls);
    assert!(
        missing.is_empty(),
        "`{command}` called operations missing from its rows of src/aws/operations.rs: {missing:?}"
    );
    let granted = granted(policy);
    for call in calls {
        for part in allowed {
            for row in operations::rows(*part, &call.service, &call.operation) {
                for action in row.actions {
                    assert!(
                        granted.contains(*action),
                        "`iam-policy --for {}` lacks {action}, which `{command}` needs for {}:{}",
                        policy_flag(policy),
                        call.service,
                        call.operation
                    );
                }
            }
        }
    }
}

fn has(calls: &BTreeSet<Call>, service: &str, operation: &str) -> bool {
    calls
        .iter()
        .any(|c| c.service == service && c.operation == operation)
}

/// The wire names the proxy gives requests, on the protocols the tool uses.
#[test]
fn the_proxy_names_operations_on_every_protocol() {
    let auth = |service: &str| {
        format!("Authorization: AWS4-HMAC-SHA256 Credential=testing/20261129/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n")
    };
    let call = |head: String, body: &str| proxy::call_of(&head, body.as_bytes());
    let named = |service: &str, operation: &str| Call {
        service: service.into(),
        operation: operation.into(),
    };
    assert_eq!(
        call(
            format!("GET /evidence?uploads HTTP/1.1\r\n{}\r\n", auth("s3")),
            ""
        ),
        named("s3", "ListMultipartUploads")
    );
    assert_eq!(
        call(
            format!(
                "DELETE /evidence/key?uploadId=abc HTTP/1.1\r\n{}\r\n",
                auth("s3")
            ),
            ""
        ),
        named("s3", "AbortMultipartUpload")
    );
    assert_eq!(
        call(
            format!("POST /evidence?delete HTTP/1.1\r\n{}\r\n", auth("s3")),
            ""
        ),
        named("s3", "DeleteObjects")
    );
    assert_eq!(
        call(
            format!(
                "GET /evidence?publicAccessBlock HTTP/1.1\r\n{}\r\n",
                auth("s3")
            ),
            ""
        ),
        named("s3", "GetPublicAccessBlock")
    );
    assert_eq!(
        call(format!("GET / HTTP/1.1\r\n{}\r\n", auth("s3")), ""),
        named("s3", "ListBuckets")
    );
    assert_eq!(
        call(
            format!(
                "POST / HTTP/1.1\r\n{}x-amz-target: DynamoDB_20120810.BatchWriteItem\r\n\r\n",
                auth("dynamodb")
            ),
            "{}"
        ),
        named("dynamodb", "BatchWriteItem")
    );
    assert_eq!(
        call(
            format!("POST / HTTP/1.1\r\n{}\r\n", auth("ec2")),
            "Action=DescribeInstances&Version=2016-11-15"
        ),
        named("ec2", "DescribeInstances")
    );
    assert_eq!(
        call(
            format!(
                "POST /service/GraniteServiceVersion20100801/operation/PutMetricData HTTP/1.1\r\n{}\r\n",
                auth("monitoring")
            ),
            ""
        ),
        named("cloudwatch", "PutMetricData")
    );
}

#[tokio::test]
async fn a_live_scan_calls_only_what_the_scan_policy_grants() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("a_live_scan_calls_only_what_the_scan_policy_grants");
        return;
    };
    let region = "ca-central-1";
    let regional = aws_config::Region::new(region);
    let ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(&config)
            .region(regional.clone())
            .build(),
    );
    let rds = aws_sdk_rds::Client::from_conf(
        aws_sdk_rds::config::Builder::from(&config)
            .region(regional.clone())
            .build(),
    );
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .region(regional)
            .force_path_style(true)
            .build(),
    );
    let iam = aws_sdk_iam::Client::new(&config);
    // Rule parameters live in the home region, the one the binary's profile names.
    let ssm = aws_sdk_ssm::Client::new(&config);

    // An estate of every service the scan reads.
    let bucket = support::unique_name("ops-scan");
    s3.create_bucket()
        .bucket(&bucket)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::CaCentral1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let group = ec2
        .create_security_group()
        .group_name(support::unique_name("ops-ssh"))
        .description("ssh open to the world")
        .send()
        .await
        .unwrap();
    ec2.authorize_security_group_ingress()
        .group_id(group.group_id().unwrap())
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.run_instances()
        .image_id("ami-0123456789abcdef0")
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .unwrap();
    ec2.create_volume()
        .availability_zone(format!("{region}a"))
        .size(8)
        .send()
        .await
        .unwrap();
    rds.create_db_instance()
        .db_instance_identifier(support::unique_name("ops-db"))
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .master_username("admin1")
        .master_user_password("a-long-password-1")
        .allocated_storage(20)
        .send()
        .await
        .unwrap();
    let user = support::unique_name("ops-user");
    iam.create_user().user_name(&user).send().await.unwrap();
    iam.create_access_key()
        .user_name(&user)
        .send()
        .await
        .unwrap();
    let parameter = format!("/compliance/{}/instance-types", support::unique_name("ops"));
    ssm.put_parameter()
        .name(&parameter)
        .value("t3.micro,m5.large")
        .r#type(aws_sdk_ssm::types::ParameterType::StringList)
        .send()
        .await
        .unwrap();

    let dir = support::fresh_dir();
    let settings = dir.join("compliance.toml");
    std::fs::write(
        &settings,
        format!(
            "[rules.ec2-instance-type-approved.params]\ninstance_types = \"ssm:{parameter}\"\n"
        ),
    )
    .unwrap();
    let (url, recorder) = proxy::recording(&support::endpoint_url().unwrap());
    let (o, calls) = run(
        &url,
        &recorder,
        &dir,
        &[
            "--config",
            settings.to_str().unwrap(),
            "scan",
            "--regions",
            region,
            "--resources",
            "ec2,s3,rds,iam,cfn",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--no-history",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The estate made every collector work, and the rule parameter was read.
    for (service, operation) in [
        ("sts", "GetCallerIdentity"),
        ("ec2", "DescribeInstances"),
        ("ec2", "DescribeSecurityGroups"),
        ("ec2", "DescribeVolumes"),
        ("s3", "ListBuckets"),
        ("s3", "GetBucketAcl"),
        ("s3", "GetBucketPolicy"),
        ("rds", "DescribeDBInstances"),
        ("iam", "GetAccountAuthorizationDetails"),
        ("iam", "ListAccessKeys"),
        ("cloudformation", "DescribeStacks"),
        ("ssm", "GetParameter"),
    ] {
        assert!(
            has(&calls, service, operation),
            "the scan did not call {service}:{operation}: {calls:?}"
        );
    }
    assert_covered("scan", &[Op::Scan, Op::Ssm], Policy::Scan, &calls);
}

#[tokio::test]
async fn setup_status_scan_history_and_teardown_call_only_their_rows() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("setup_status_scan_history_and_teardown_call_only_their_rows");
        return;
    };
    let region = "ap-southeast-2";
    let regional = aws_config::Region::new(region);
    let ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(&config)
            .region(regional.clone())
            .build(),
    );
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .region(regional)
            .force_path_style(true)
            .build(),
    );
    let suffix = format!("ops{}", std::process::id() % 100_000);
    let dir = support::fresh_dir();
    let (url, recorder) = proxy::recording(&support::endpoint_url().unwrap());
    let base = ["--region", region];
    let with = |args: &[&'static str]| -> Vec<String> {
        base.iter()
            .chain(args)
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    let call = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&url, &recorder, &dir, &refs)
    };
    let mut args = with(&["setup", "--email", "secops@example.com", "--suffix"]);
    args.push(suffix.clone());
    let (o, setup) = call(args);
    assert_eq!(o.status.code(), Some(0), "setup: {}", stderr(&o));
    assert!(has(&setup, "kms", "CreateKey") && has(&setup, "config", "PutConfigRule"));
    assert_covered("setup", &[Op::Setup], Policy::Setup, &setup);

    let mut args = with(&["status", "--suffix"]);
    args.push(suffix.clone());
    let (o, status) = call(args);
    assert_eq!(o.status.code(), Some(0), "status: {}", stderr(&o));
    assert!(has(&status, "dynamodb", "DescribeTable"), "{status:?}");
    assert_covered("status", &[Op::Status], Policy::Status, &status);

    // A critical violation, so the scan sends an alert.
    let group = ec2
        .create_security_group()
        .group_name(support::unique_name("ops-db-open"))
        .description("PostgreSQL open to the world")
        .send()
        .await
        .unwrap();
    ec2.authorize_security_group_ingress()
        .group_id(group.group_id().unwrap())
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(5432)
                .to_port(5432)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut args = with(&[
        "scan",
        "--resources",
        "ec2,s3",
        "--format",
        "json",
        "--fail-on",
        "none",
        "--regions",
        "ap-southeast-2",
        "--suffix",
    ]);
    args.push(suffix.clone());
    let (o, scan) = call(args);
    assert_eq!(o.status.code(), Some(0), "scan --suffix: {}", stderr(&o));
    for (service, operation) in [
        ("dynamodb", "BatchWriteItem"),
        ("dynamodb", "PutItem"),
        ("sns", "Publish"),
        ("cloudwatch", "PutMetricData"),
    ] {
        assert!(
            has(&scan, service, operation),
            "scan --suffix did not call {service}:{operation}: {scan:?}"
        );
    }
    assert_covered(
        "scan --suffix",
        &[Op::Scan, Op::History, Op::Alerts, Op::Metrics],
        Policy::Scan,
        &scan,
    );

    let mut args = with(&["history", "--format", "json", "--suffix"]);
    args.push(suffix.clone());
    let (o, history) = call(args);
    assert_eq!(o.status.code(), Some(0), "history: {}", stderr(&o));
    assert!(has(&history, "dynamodb", "Query"), "{history:?}");
    assert_covered("history", &[Op::History], Policy::Scan, &history);

    // Evidence and an unfinished upload in the bucket: teardown must empty it.
    // The bucket's TLS-only policy goes first (moto applies its Deny without
    // the condition), as teardown itself does.
    let bucket = format!(
        "compliance-evidence-{suffix}-{}-{region}",
        support::MOTO_ACCOUNT_ID
    );
    s3.delete_bucket_policy()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    // report from the suffix's history: into the evidence bucket (under
    // reports/YYYY/MM/DD/<scan>/, with the stack's KMS key) and Security Hub.
    let out = dir.join("reports");
    let mut args = with(&[
        "report",
        "--format",
        "json",
        "--format",
        "asff",
        "--to",
        "securityhub",
        "--upload",
        "--out-dir",
    ]);
    args.push(out.display().to_string());
    args.push("--suffix".into());
    args.push(suffix.clone());
    let (o, report) = call(args);
    assert_eq!(o.status.code(), Some(0), "report: {}", stderr(&o));
    for (service, operation) in [
        ("dynamodb", "Query"),
        ("s3", "PutObject"),
        ("securityhub", "BatchImportFindings"),
    ] {
        assert!(
            has(&report, service, operation),
            "report did not call {service}:{operation}: {report:?}"
        );
    }
    let printed = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        printed.contains(&format!("s3://{bucket}/reports/")) && printed.contains("SSE-KMS"),
        "{printed}"
    );
    assert_covered(
        "report --suffix --upload --to securityhub",
        &[Op::History, Op::Upload, Op::SecurityHub],
        Policy::Scan,
        &report,
    );
    s3.put_object()
        .bucket(&bucket)
        .key("AWSLogs/snapshot.json.gz")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"{}"))
        .send()
        .await
        .unwrap();
    s3.create_multipart_upload()
        .bucket(&bucket)
        .key("AWSLogs/unfinished.json.gz")
        .send()
        .await
        .unwrap();
    let mut args = with(&["teardown", "--yes", "--suffix"]);
    args.push(suffix.clone());
    let (o, teardown) = call(args);
    assert_eq!(o.status.code(), Some(0), "teardown: {}", stderr(&o));
    for operation in [
        "ListMultipartUploads",
        "AbortMultipartUpload",
        "DeleteObjects",
        "DeleteBucket",
    ] {
        assert!(
            has(&teardown, "s3", operation),
            "teardown did not call s3:{operation}: {teardown:?}"
        );
    }
    assert_covered("teardown", &[Op::Teardown], Policy::Teardown, &teardown);
    // Setup's policy covers status and teardown too (documented in operations.rs).
    let setup_grants = granted(Policy::Setup);
    for action in ["s3:ListBucketMultipartUploads", "s3:AbortMultipartUpload"] {
        assert!(setup_grants.contains(action), "{action}");
    }
}
