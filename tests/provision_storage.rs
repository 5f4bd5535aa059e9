//! The storage half of `setup`/`status`/`teardown` against moto: the KMS key
//! and alias, the AWS Config service role and the evidence bucket, created by
//! `ensure`, read back through the SDK setting by setting, ensured again
//! (nothing changes), drifted by hand and repaired, planned by a dry run that
//! touches nothing, and removed (bucket emptied of every version and delete
//! marker first) in teardown order, twice. Names already taken by resources
//! that are not ours stop setup and survive teardown.
//!
//! moto is shared by every test of the run and never reset: each test uses its
//! own suffix, and all of them work in eu-west-2 only.

use crate::support;

use aws_sdk_s3::types::{
    BucketVersioningStatus, PublicAccessBlockConfiguration, ServerSideEncryption,
    TransitionStorageClass, VersioningConfiguration,
};
use compliance::aws::error::AwsError;
use compliance::aws::provision::{iam, kind, kms, s3, Action, Ctx, Inspection, State, Step};
use compliance::aws::{Aws, Connection};
use compliance::core::stack::{Frequency, Manifest, Sse, StackSpec};
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const REGION: &str = "eu-west-2";
const ACCOUNT: &str = support::MOTO_ACCOUNT_ID;
const CONFIG_ROLE_POLICY: &str = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole";

/// A suffix no other test or run on the same server uses, within the 15
/// characters of [a-z0-9-] that setup accepts.
fn suffix(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    let s = format!(
        "{prefix}-{}{}{n}",
        base36(u128::from(std::process::id())),
        base36(micros % 36u128.pow(4))
    );
    assert!(s.len() <= 15, "{s}");
    compliance::core::stack::validate_suffix(&s).expect("a valid suffix");
    s
}

fn base36(mut v: u128) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(v % 36) as usize]);
        v /= 36;
        if v == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ascii digits")
}

fn spec(suffix: &str) -> StackSpec {
    StackSpec {
        suffix: suffix.into(),
        account: ACCOUNT.into(),
        region: REGION.into(),
        partition: "aws".into(),
        emails: vec![],
        frequency: Frequency::Six,
        sse: Sse::Kms,
        aggregator_regions: vec![],
        aggregator_scope: Default::default(),
        tags: [
            ("Owner".to_string(), "secops".to_string()),
            ("Environment".to_string(), "test".to_string()),
        ]
        .into(),
        rules: vec![],
        threshold: 70.0,
        retain_days: None,
        adopt_recorder: false,
    }
}

fn manifest(spec: &StackSpec) -> Manifest {
    Manifest {
        version: Manifest::VERSION,
        suffix: spec.suffix.clone(),
        account: spec.account.clone(),
        region: spec.region.clone(),
        ..Default::default()
    }
}

async fn connect() -> Aws {
    Aws::connect(&Connection {
        profile: None,
        region: Some(REGION.into()),
        // AWS_ENDPOINT_URL, set by scripts/test, points the SDK at moto.
        endpoint_url: None,
        max_attempts: 2,
        call_timeout: Duration::from_secs(30),
    })
    .await
}

/// kms → iam → s3, as setup runs them.
async fn ensure_storage(ctx: &Ctx<'_>, m: &mut Manifest) -> Vec<Step> {
    let mut steps = kms::ensure(ctx, m).await.expect("kms ensure");
    steps.extend(iam::ensure(ctx, m).await.expect("iam ensure"));
    steps.extend(s3::ensure(ctx, m).await.expect("s3 ensure"));
    steps
}

async fn inspect_storage(ctx: &Ctx<'_>, m: &Manifest) -> Vec<Inspection> {
    let mut out = kms::inspect(ctx, m).await.expect("kms inspect");
    out.extend(iam::inspect(ctx, m).await.expect("iam inspect"));
    out.extend(s3::inspect(ctx, m).await.expect("s3 inspect"));
    out
}

/// s3 → iam → kms, as teardown runs them.
async fn remove_storage(ctx: &Ctx<'_>, m: &mut Manifest) -> Vec<Step> {
    let mut steps = s3::remove(ctx, m).await.expect("s3 remove");
    steps.extend(iam::remove(ctx, m).await.expect("iam remove"));
    steps.extend(kms::remove(ctx, m).await.expect("kms remove"));
    steps
}

fn step<'s>(steps: &'s [Step], kind: &str) -> &'s Step {
    steps
        .iter()
        .find(|s| s.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} step in {steps:#?}"))
}

fn inspection<'i>(all: &'i [Inspection], kind: &str) -> &'i Inspection {
    all.iter()
        .find(|i| i.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} inspection in {all:#?}"))
}

fn s3_client(aws: &Aws) -> aws_sdk_s3::Client {
    aws.s3(REGION)
}

/// GetBucketVersioning's status; moto 5.2 answers with a root element the SDK
/// refuses, so a 200 answer of that shape is read from the raw body.
async fn versioning(aws: &Aws, bucket: &str) -> Option<String> {
    match s3_client(aws)
        .get_bucket_versioning()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => out.status().map(|s| s.as_str().to_string()),
        Err(e) => {
            let raw = e.raw_response().expect("a response");
            assert!(raw.status().is_success(), "GetBucketVersioning: {e:?}");
            let body = std::str::from_utf8(raw.body().bytes().expect("a body")).expect("utf-8");
            let start = body.find("<Status>")? + "<Status>".len();
            let len = body[start..].find("</Status>")?;
            Some(body[start..start + len].to_string())
        }
    }
}

async fn bucket_exists(aws: &Aws, bucket: &str) -> bool {
    match s3_client(aws).head_bucket().bucket(bucket).send().await {
        Ok(_) => true,
        Err(e) => {
            assert_eq!(
                e.raw_response().map(|r| r.status().as_u16()),
                Some(404),
                "HeadBucket: {e:?}"
            );
            false
        }
    }
}

async fn role_exists(aws: &Aws, role: &str) -> bool {
    match aws.iam(REGION).get_role().role_name(role).send().await {
        Ok(_) => true,
        Err(e) => {
            let err = AwsError::from_sdk("iam", REGION, "GetRole", &e);
            assert!(err.is(&["NoSuchEntity"]), "{err}");
            false
        }
    }
}

async fn alias_target(aws: &Aws, alias: &str) -> Option<String> {
    match aws.kms(REGION).describe_key().key_id(alias).send().await {
        Ok(out) => out.key_metadata().and_then(|m| m.arn()).map(str::to_string),
        Err(e) => {
            let err = AwsError::from_sdk("kms", REGION, "DescribeKey", &e);
            assert!(err.is(&["NotFoundException"]), "{err}");
            None
        }
    }
}

/// An IAM policy document, plain or URL-encoded.
fn policy_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| {
        let decoded = percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .expect("utf-8");
        serde_json::from_str(&decoded).expect("a JSON policy")
    })
}

/// A value that may be a string or a list of strings, as a list.
fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().expect("a string").to_string())
            .collect(),
        other => panic!("not a string or list: {other}"),
    }
}

fn assert_tags<'t>(what: &str, tags: impl IntoIterator<Item = (&'t str, &'t str)>, suffix: &str) {
    let tags: Vec<(&str, &str)> = tags.into_iter().collect();
    for expected in [
        ("ManagedBy", "compliance"),
        ("ComplianceSuffix", suffix),
        ("Owner", "secops"),
        ("Environment", "test"),
    ] {
        assert!(
            tags.contains(&expected),
            "{what} tags {tags:?} lack {expected:?}"
        );
    }
}

async fn assert_key(aws: &Aws, spec: &StackSpec, m: &Manifest) -> String {
    let names = spec.names();
    let client = aws.kms(REGION);
    let arn = m
        .created
        .get(kind::KMS_KEY)
        .expect("key in the manifest")
        .clone();
    assert_eq!(
        m.created.get(kind::KMS_ALIAS),
        Some(&names.kms_alias),
        "alias in the manifest"
    );
    assert_eq!(
        alias_target(aws, &names.kms_alias).await.as_deref(),
        Some(arn.as_str())
    );
    let meta = client
        .describe_key()
        .key_id(&arn)
        .send()
        .await
        .expect("describe key");
    let meta = meta.key_metadata().expect("metadata");
    assert_eq!(meta.key_state().map(|s| s.as_str()), Some("Enabled"));
    assert!(meta.enabled());
    assert_eq!(
        meta.key_spec().map(|s| s.as_str()),
        Some("SYMMETRIC_DEFAULT")
    );
    assert_eq!(
        meta.key_usage().map(|s| s.as_str()),
        Some("ENCRYPT_DECRYPT")
    );
    assert!(
        meta.description().unwrap_or("").contains(&spec.suffix),
        "description {:?} names the suffix",
        meta.description()
    );
    let rotation = client
        .get_key_rotation_status()
        .key_id(&arn)
        .send()
        .await
        .expect("rotation status");
    assert!(rotation.key_rotation_enabled(), "rotation on");
    let tags = client
        .list_resource_tags()
        .key_id(&arn)
        .send()
        .await
        .expect("key tags");
    assert_tags(
        "key",
        tags.tags().iter().map(|t| (t.tag_key(), t.tag_value())),
        &spec.suffix,
    );
    let policy = client
        .get_key_policy()
        .key_id(&arn)
        .policy_name("default")
        .send()
        .await
        .expect("key policy");
    let policy: Value = serde_json::from_str(policy.policy().expect("a policy")).expect("JSON");
    assert_eq!(policy, spec.key_policy());
    let aliases = client
        .list_aliases()
        .key_id(&arn)
        .send()
        .await
        .expect("aliases");
    assert!(aliases
        .aliases()
        .iter()
        .any(|a| a.alias_name() == Some(names.kms_alias.as_str())));
    arn
}

async fn assert_role(aws: &Aws, spec: &StackSpec) {
    let names = spec.names();
    let client = aws.iam(REGION);
    let role = client
        .get_role()
        .role_name(&names.role)
        .send()
        .await
        .expect("get role");
    let role = role.role().expect("a role");
    assert_eq!(role.arn(), spec.role_arn());
    let trust = policy_json(role.assume_role_policy_document().expect("trust policy"));
    let statements = trust["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 1);
    assert_eq!(statements[0]["Effect"], "Allow");
    assert_eq!(
        strings(&statements[0]["Principal"]["Service"]),
        ["config.amazonaws.com"]
    );
    assert_eq!(strings(&statements[0]["Action"]), ["sts:AssumeRole"]);
    assert_eq!(
        statements[0]["Condition"]["StringEquals"]["AWS:SourceAccount"],
        ACCOUNT
    );
    let tags = client
        .list_role_tags()
        .role_name(&names.role)
        .send()
        .await
        .expect("role tags");
    assert_tags(
        "role",
        tags.tags().iter().map(|t| (t.key(), t.value())),
        &spec.suffix,
    );
    let attached = client
        .list_attached_role_policies()
        .role_name(&names.role)
        .send()
        .await
        .expect("attached policies");
    let arns: Vec<&str> = attached
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
        .collect();
    assert_eq!(arns, [CONFIG_ROLE_POLICY]);
    let inline = client
        .list_role_policies()
        .role_name(&names.role)
        .send()
        .await
        .expect("inline policies");
    assert_eq!(
        inline.policy_names(),
        std::slice::from_ref(&names.role_policy)
    );
    let doc = client
        .get_role_policy()
        .role_name(&names.role)
        .policy_name(&names.role_policy)
        .send()
        .await
        .expect("inline policy");
    let doc = policy_json(doc.policy_document());
    let bucket_arn = spec.bucket_arn();
    let mut resources = Vec::new();
    for statement in doc["Statement"].as_array().expect("statements") {
        assert_eq!(statement["Effect"], "Allow");
        resources.extend(strings(&statement["Resource"]));
    }
    assert_eq!(
        resources,
        [
            format!("{bucket_arn}/AWSLogs/{ACCOUNT}/*"),
            bucket_arn.clone()
        ]
    );
    assert!(
        resources
            .iter()
            .all(|r| r != "*" && r.starts_with(&bucket_arn)),
        "no wildcard resources: {resources:?}"
    );
    assert_eq!(doc, spec.role_inline_policy());
}

async fn assert_bucket(aws: &Aws, spec: &StackSpec, key_arn: &str) {
    let bucket = spec.names().bucket;
    let client = s3_client(aws);
    assert_eq!(versioning(aws, &bucket).await.as_deref(), Some("Enabled"));

    let location = client
        .get_bucket_location()
        .bucket(&bucket)
        .send()
        .await
        .expect("location");
    assert_eq!(
        location.location_constraint().map(|l| l.as_str()),
        Some(REGION)
    );

    let enc = client
        .get_bucket_encryption()
        .bucket(&bucket)
        .send()
        .await
        .expect("encryption");
    let rules = enc
        .server_side_encryption_configuration()
        .expect("configuration")
        .rules();
    assert_eq!(rules.len(), 1);
    let default = rules[0]
        .apply_server_side_encryption_by_default()
        .expect("default encryption");
    assert_eq!(default.sse_algorithm(), &ServerSideEncryption::AwsKms);
    assert_eq!(default.kms_master_key_id(), Some(key_arn));
    assert_eq!(rules[0].bucket_key_enabled(), Some(true));

    let pab = client
        .get_public_access_block()
        .bucket(&bucket)
        .send()
        .await
        .expect("public access block");
    let pab = pab
        .public_access_block_configuration()
        .expect("configuration");
    assert_eq!(pab.block_public_acls(), Some(true));
    assert_eq!(pab.ignore_public_acls(), Some(true));
    assert_eq!(pab.block_public_policy(), Some(true));
    assert_eq!(pab.restrict_public_buckets(), Some(true));

    let policy = client
        .get_bucket_policy()
        .bucket(&bucket)
        .send()
        .await
        .expect("policy");
    let policy: Value = serde_json::from_str(policy.policy().expect("a policy")).expect("JSON");
    let statements = policy["Statement"].as_array().expect("statements");
    let deny = statements
        .iter()
        .find(|s| s["Effect"] == "Deny")
        .expect("a Deny statement");
    assert_eq!(deny["Principal"], "*");
    assert_eq!(strings(&deny["Action"]), ["s3:*"]);
    assert_eq!(deny["Condition"]["Bool"]["aws:SecureTransport"], "false");
    let bucket_arn = spec.bucket_arn();
    assert_eq!(
        strings(&deny["Resource"]),
        [bucket_arn.clone(), format!("{bucket_arn}/*")]
    );
    let config_allows: Vec<&Value> = statements
        .iter()
        .filter(|s| s["Effect"] == "Allow" && s["Principal"]["Service"] == "config.amazonaws.com")
        .collect();
    assert_eq!(config_allows.len(), 2, "{policy}");
    assert!(config_allows
        .iter()
        .any(|s| strings(&s["Action"]) == ["s3:PutObject"]
            && strings(&s["Resource"]) == [format!("{bucket_arn}/AWSLogs/{ACCOUNT}/Config/*")]));
    assert!(config_allows
        .iter()
        .any(|s| strings(&s["Action"]) == ["s3:GetBucketAcl", "s3:ListBucket"]));
    assert_eq!(policy, spec.bucket_policy());

    let lifecycle = client
        .get_bucket_lifecycle_configuration()
        .bucket(&bucket)
        .send()
        .await
        .expect("lifecycle");
    let rules = lifecycle.rules();
    assert_eq!(rules.len(), 1, "{rules:?}");
    let rule = &rules[0];
    assert_eq!(rule.status().as_str(), "Enabled");
    assert_eq!(rule.filter().and_then(|f| f.prefix()).unwrap_or(""), "");
    let transitions: Vec<(Option<i32>, Option<&TransitionStorageClass>)> = rule
        .transitions()
        .iter()
        .map(|t| (t.days(), t.storage_class()))
        .collect();
    assert_eq!(
        transitions,
        [
            (Some(0), Some(&TransitionStorageClass::IntelligentTiering)),
            (Some(30), Some(&TransitionStorageClass::Glacier)),
        ]
    );
    assert_eq!(rule.expiration().and_then(|e| e.days()), Some(90));
    assert_eq!(
        rule.noncurrent_version_expiration()
            .and_then(|n| n.noncurrent_days()),
        Some(30)
    );
    assert_eq!(
        rule.abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation()),
        Some(7)
    );

    let tags = client
        .get_bucket_tagging()
        .bucket(&bucket)
        .send()
        .await
        .expect("tags");
    assert_tags(
        "bucket",
        tags.tag_set().iter().map(|t| (t.key(), t.value())),
        &spec.suffix,
    );
}

#[tokio::test]
async fn storage_is_created_kept_repaired_and_removed() {
    if support::sdk_config().await.is_none() {
        support::skipped("storage_is_created_kept_repaired_and_removed");
        return;
    }
    let aws = connect().await;
    let spec = spec(&suffix("st"));
    let names = spec.names();
    let ctx = Ctx::new(&aws, &spec, false);
    let mut m = manifest(&spec);

    // Setup creates all three, in order.
    let steps = ensure_storage(&ctx, &mut m).await;
    let kinds: Vec<&str> = steps.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [kind::KMS_KEY, kind::KMS_ALIAS, kind::ROLE, kind::BUCKET]
    );
    assert!(
        steps.iter().all(|s| s.action == Action::Create),
        "{steps:#?}"
    );
    assert!(
        step(&steps, kind::BUCKET)
            .detail
            .iter()
            .any(|d| d.contains("versioning Enabled")),
        "{steps:#?}"
    );
    assert_eq!(m.created.get(kind::ROLE), Some(&spec.role_arn()));
    assert_eq!(m.created.get(kind::BUCKET), Some(&names.bucket));
    assert!(m.adopted.is_empty());

    // Every setting, read back through the SDK.
    let key_arn = assert_key(&aws, &spec, &m).await;
    assert_role(&aws, &spec).await;
    assert_bucket(&aws, &spec, &key_arn).await;
    assert_eq!(
        kms::key_arn(&ctx, &m).await.expect("key arn").as_deref(),
        Some(key_arn.as_str())
    );
    // Without the manifest the key is found through its alias.
    assert_eq!(
        kms::key_arn(&ctx, &manifest(&spec))
            .await
            .expect("key arn")
            .as_deref(),
        Some(key_arn.as_str())
    );

    // A second setup changes nothing; status says present.
    let before = m.clone();
    let again = ensure_storage(&ctx, &mut m).await;
    assert!(
        again
            .iter()
            .all(|s| s.action == Action::Unchanged && s.detail.is_empty()),
        "{again:#?}"
    );
    assert_eq!(m, before);
    let status = inspect_storage(&ctx, &m).await;
    assert_eq!(status.len(), 4);
    assert!(
        status.iter().all(|i| i.state == State::Present),
        "{status:#?}"
    );

    // Drift made by hand: versioning suspended, one public access block flag
    // off, rotation off, the managed policy detached, the inline policy widened.
    let s3c = s3_client(&aws);
    s3c.put_bucket_versioning()
        .bucket(&names.bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Suspended)
                .build(),
        )
        .send()
        .await
        .expect("suspend versioning");
    s3c.put_public_access_block()
        .bucket(&names.bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(false)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .expect("loosen public access block");
    aws.kms(REGION)
        .disable_key_rotation()
        .key_id(&key_arn)
        .send()
        .await
        .expect("disable rotation");
    aws.iam(REGION)
        .detach_role_policy()
        .role_name(&names.role)
        .policy_arn(CONFIG_ROLE_POLICY)
        .send()
        .await
        .expect("detach");
    aws.iam(REGION)
        .put_role_policy()
        .role_name(&names.role)
        .policy_name(&names.role_policy)
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("widen inline policy");

    let status = inspect_storage(&ctx, &m).await;
    let State::Drifted(reasons) = &inspection(&status, kind::BUCKET).state else {
        panic!("bucket not drifted: {status:#?}");
    };
    assert_eq!(
        reasons,
        &[
            "versioning: expected Enabled, found Suspended".to_string(),
            "public access block BlockPublicPolicy: expected true, found false".to_string(),
        ]
    );
    let State::Drifted(reasons) = &inspection(&status, kind::KMS_KEY).state else {
        panic!("key not drifted: {status:#?}");
    };
    assert_eq!(
        reasons,
        &["key rotation: expected enabled, found disabled".to_string()]
    );
    let State::Drifted(reasons) = &inspection(&status, kind::ROLE).state else {
        panic!("role not drifted: {status:#?}");
    };
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].starts_with("managed policy AWS_ConfigRole: expected attached"));
    assert!(
        reasons[1].starts_with(&format!("inline policy {}", names.role_policy))
            && reasons[1].contains("\"Resource\":\"*\""),
        "{reasons:?}"
    );
    assert_eq!(inspection(&status, kind::KMS_ALIAS).state, State::Present);

    // A dry run reports the repairs and makes none.
    let plan = ensure_storage(&Ctx::new(&aws, &spec, true), &mut m).await;
    assert_eq!(step(&plan, kind::BUCKET).action, Action::Update);
    assert_eq!(
        versioning(&aws, &names.bucket).await.as_deref(),
        Some("Suspended")
    );

    let repaired = ensure_storage(&ctx, &mut m).await;
    let bucket_step = step(&repaired, kind::BUCKET);
    assert_eq!(bucket_step.action, Action::Update);
    assert_eq!(
        bucket_step.detail,
        [
            "versioning Suspended -> Enabled",
            "public access block BlockPublicPolicy false -> true"
        ]
    );
    assert_eq!(step(&repaired, kind::KMS_KEY).action, Action::Update);
    assert_eq!(
        step(&repaired, kind::KMS_KEY).detail,
        ["key rotation disabled -> enabled"]
    );
    assert_eq!(step(&repaired, kind::ROLE).action, Action::Update);
    assert_eq!(step(&repaired, kind::KMS_ALIAS).action, Action::Unchanged);
    let status = inspect_storage(&ctx, &m).await;
    assert!(
        status.iter().all(|i| i.state == State::Present),
        "{status:#?}"
    );
    assert_key(&aws, &spec, &m).await;
    assert_role(&aws, &spec).await;
    assert_bucket(&aws, &spec, &key_arn).await;

    // Evidence in the bucket: versions and a delete marker. The TLS-only policy
    // makes moto refuse object calls (it ignores the condition), so it goes
    // first and setup puts it back.
    s3c.delete_bucket_policy()
        .bucket(&names.bucket)
        .send()
        .await
        .expect("delete policy");
    for (key, body) in [("a.json", "1"), ("a.json", "2"), ("b.json", "3")] {
        s3c.put_object()
            .bucket(&names.bucket)
            .key(key)
            .body(body.as_bytes().to_vec().into())
            .send()
            .await
            .expect("put object");
    }
    s3c.delete_object()
        .bucket(&names.bucket)
        .key("a.json")
        .send()
        .await
        .expect("delete marker");
    let listed = s3c
        .list_object_versions()
        .bucket(&names.bucket)
        .send()
        .await
        .expect("versions");
    assert_eq!(listed.versions().len(), 3);
    assert_eq!(listed.delete_markers().len(), 1);
    let restored = s3::ensure(&ctx, &mut m).await.expect("policy back");
    assert_eq!(restored[0].action, Action::Update);
    assert!(restored[0].detail[0].starts_with("bucket policy none -> "));

    // A dry-run teardown plans and deletes nothing.
    let plan = remove_storage(&Ctx::new(&aws, &spec, true), &mut m).await;
    assert!(plan.iter().all(|s| s.action == Action::Delete), "{plan:#?}");
    assert!(bucket_exists(&aws, &names.bucket).await);
    assert!(role_exists(&aws, &names.role).await);
    assert_eq!(m, before);

    // Teardown: s3 → iam → kms.
    let removed = remove_storage(&ctx, &mut m).await;
    assert!(
        removed.iter().all(|s| s.action == Action::Delete),
        "{removed:#?}"
    );
    assert!(
        step(&removed, kind::BUCKET)
            .detail
            .contains(&"deleted 3 object versions and 1 delete markers".to_string()),
        "{removed:#?}"
    );
    assert!(!bucket_exists(&aws, &names.bucket).await);
    assert!(!role_exists(&aws, &names.role).await);
    assert_eq!(alias_target(&aws, &names.kms_alias).await, None);
    let key = aws
        .kms(REGION)
        .describe_key()
        .key_id(&key_arn)
        .send()
        .await
        .expect("the key is still described");
    let key = key.key_metadata().expect("metadata");
    assert_eq!(key.key_state().map(|s| s.as_str()), Some("PendingDeletion"));
    assert!(key.deletion_date().is_some());
    assert!(m.created.is_empty(), "{:?}", m.created);

    // Teardown again: nothing left, nothing to do.
    let again = remove_storage(&ctx, &mut m).await;
    assert!(
        again.iter().all(|s| s.action == Action::Absent),
        "{again:#?}"
    );
    let status = inspect_storage(&ctx, &m).await;
    assert!(
        status.iter().all(|i| i.state == State::Missing),
        "{status:#?}"
    );
}

#[tokio::test]
async fn a_dry_run_plans_creation_and_touches_nothing() {
    if support::sdk_config().await.is_none() {
        support::skipped("a_dry_run_plans_creation_and_touches_nothing");
        return;
    }
    let aws = connect().await;
    let spec = spec(&suffix("dr"));
    let names = spec.names();
    let ctx = Ctx::new(&aws, &spec, true);
    let mut m = manifest(&spec);
    let steps = ensure_storage(&ctx, &mut m).await;
    assert_eq!(steps.len(), 4, "{steps:#?}");
    assert!(
        steps
            .iter()
            .all(|s| s.action == Action::Create && !s.detail.is_empty()),
        "{steps:#?}"
    );
    assert!(
        step(&steps, kind::BUCKET)
            .detail
            .iter()
            .any(|d| d.contains("aws:kms with the stack key")),
        "{steps:#?}"
    );
    assert!(m.created.is_empty());
    assert_eq!(kms::key_arn(&ctx, &m).await.expect("key arn"), None);
    assert_eq!(alias_target(&aws, &names.kms_alias).await, None);
    assert!(!role_exists(&aws, &names.role).await);
    assert!(!bucket_exists(&aws, &names.bucket).await);
    let status = inspect_storage(&ctx, &m).await;
    assert!(
        status.iter().all(|i| i.state == State::Missing),
        "{status:#?}"
    );
    // Teardown of a suffix that never existed: nothing to do.
    let removed = remove_storage(&Ctx::new(&aws, &spec, false), &mut m).await;
    assert!(
        removed.iter().all(|s| s.action == Action::Absent),
        "{removed:#?}"
    );
}

#[tokio::test]
async fn names_taken_by_others_stop_setup_and_survive_teardown() {
    if support::sdk_config().await.is_none() {
        support::skipped("names_taken_by_others_stop_setup_and_survive_teardown");
        return;
    }
    let aws = connect().await;
    let spec = spec(&suffix("nt"));
    let names = spec.names();
    let ctx = Ctx::new(&aws, &spec, false);

    // Someone else's bucket, role and aliased key under our names, untagged.
    s3_client(&aws)
        .create_bucket()
        .bucket(&names.bucket)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(REGION))
                .build(),
        )
        .send()
        .await
        .expect("foreign bucket");
    aws.iam(REGION)
        .create_role()
        .role_name(&names.role)
        .assume_role_policy_document(spec.role_trust_policy().to_string())
        .send()
        .await
        .expect("foreign role");
    let foreign_key = aws
        .kms(REGION)
        .create_key()
        .description("someone else's key")
        .send()
        .await
        .expect("foreign key");
    let foreign_key = foreign_key
        .key_metadata()
        .and_then(|k| k.arn())
        .expect("arn")
        .to_string();
    aws.kms(REGION)
        .create_alias()
        .alias_name(&names.kms_alias)
        .target_key_id(&foreign_key)
        .send()
        .await
        .expect("foreign alias");

    let mut m = manifest(&spec);
    for result in [
        kms::ensure(&ctx, &mut m).await,
        iam::ensure(&ctx, &mut m).await,
        s3::ensure(&ctx, &mut m).await,
    ] {
        let err = result.expect_err("a name taken by someone else stops setup");
        assert_eq!(err.code, "NameTaken", "{err}");
    }
    // The same in a dry run: the plan cannot be carried out either.
    let err = s3::ensure(&Ctx::new(&aws, &spec, true), &mut m)
        .await
        .expect_err("dry run");
    assert_eq!(err.code, "NameTaken");
    assert!(m.created.is_empty());
    assert!(
        s3_client(&aws)
            .get_bucket_tagging()
            .bucket(&names.bucket)
            .send()
            .await
            .is_err(),
        "setup must not tag a bucket that is not ours"
    );

    let status = inspect_storage(&ctx, &m).await;
    for k in [kind::KMS_KEY, kind::KMS_ALIAS, kind::ROLE, kind::BUCKET] {
        assert!(
            matches!(inspection(&status, k).state, State::Foreign(_)),
            "{k}: {status:#?}"
        );
    }

    // Teardown keeps them: not in the manifest...
    let kept = remove_storage(&ctx, &mut m).await;
    assert!(kept.iter().all(|s| s.action == Action::Keep), "{kept:#?}");
    // ...and not even when a (wrong) manifest claims them, since they lack our tags.
    m.created.insert(kind::BUCKET.into(), names.bucket.clone());
    m.created.insert(kind::ROLE.into(), spec.role_arn());
    m.created.insert(kind::KMS_KEY.into(), foreign_key.clone());
    m.created
        .insert(kind::KMS_ALIAS.into(), names.kms_alias.clone());
    let kept = remove_storage(&ctx, &mut m).await;
    assert!(kept.iter().all(|s| s.action == Action::Keep), "{kept:#?}");
    assert!(bucket_exists(&aws, &names.bucket).await);
    assert!(role_exists(&aws, &names.role).await);
    assert_eq!(
        alias_target(&aws, &names.kms_alias).await.as_deref(),
        Some(foreign_key.as_str())
    );
    let key = aws
        .kms(REGION)
        .describe_key()
        .key_id(&foreign_key)
        .send()
        .await
        .expect("describe");
    assert_eq!(
        key.key_metadata()
            .and_then(|k| k.key_state())
            .map(|s| s.as_str()),
        Some("Enabled")
    );
}

#[tokio::test]
async fn a_key_pending_deletion_is_recovered_and_aes256_is_honoured() {
    if support::sdk_config().await.is_none() {
        support::skipped("a_key_pending_deletion_is_recovered_and_aes256_is_honoured");
        return;
    }
    let aws = connect().await;
    let mut spec = spec(&suffix("pd"));
    spec.sse = Sse::Aes256;
    let names = spec.names();
    let ctx = Ctx::new(&aws, &spec, false);
    let mut m = manifest(&spec);
    ensure_storage(&ctx, &mut m).await;
    let key_arn = assert_key(&aws, &spec, &m).await;

    let enc = s3_client(&aws)
        .get_bucket_encryption()
        .bucket(&names.bucket)
        .send()
        .await
        .expect("encryption");
    let rule = &enc
        .server_side_encryption_configuration()
        .expect("configuration")
        .rules()[0];
    let default = rule
        .apply_server_side_encryption_by_default()
        .expect("default");
    assert_eq!(default.sse_algorithm(), &ServerSideEncryption::Aes256);
    assert_eq!(default.kms_master_key_id(), None);

    // moto's ScheduleKeyDeletion and DisableKey take the key id, not the ARN.
    let key_id = key_arn.rsplit('/').next().expect("a key id").to_string();
    // Scheduled for deletion by hand, alias still in place: recovered, same ARN.
    aws.kms(REGION)
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .expect("schedule deletion");
    let status = kms::inspect(&ctx, &m).await.expect("inspect");
    let State::Drifted(reasons) = &inspection(&status, kind::KMS_KEY).state else {
        panic!("not drifted: {status:#?}");
    };
    assert!(
        reasons[0].starts_with("key state: expected Enabled, found PendingDeletion"),
        "{reasons:?}"
    );
    let steps = kms::ensure(&ctx, &mut m).await.expect("recover");
    assert_eq!(steps[0].action, Action::Update, "{steps:#?}");
    assert_eq!(steps[0].name, key_arn);
    assert_key(&aws, &spec, &m).await;

    // Disabled by hand: enabled again.
    aws.kms(REGION)
        .disable_key()
        .key_id(&key_id)
        .send()
        .await
        .expect("disable");
    let steps = kms::ensure(&ctx, &mut m).await.expect("enable");
    assert_eq!(steps[0].detail, ["key state Disabled -> Enabled"]);
    assert_key(&aws, &spec, &m).await;

    // Manifest lost: the tagged resources are found and recorded as created.
    let mut fresh = manifest(&spec);
    let steps = ensure_storage(&ctx, &mut fresh).await;
    assert!(
        steps.iter().all(|s| s.action == Action::Unchanged),
        "{steps:#?}"
    );
    assert_eq!(fresh.created, m.created);

    let removed = remove_storage(&ctx, &mut m).await;
    assert!(
        removed.iter().all(|s| s.action == Action::Delete),
        "{removed:#?}"
    );
    assert!(m.created.is_empty());
    assert!(!bucket_exists(&aws, &names.bucket).await);
}
