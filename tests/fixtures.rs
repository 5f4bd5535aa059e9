//! The normaliser and the built-in catalogue against real AWS Config
//! configuration items (tests/fixtures/config-items, vendored from
//! the shared fixture corpus with its SOURCES.md and never edited, described row by
//! row in that SOURCES.md), so a plain clone tests on its own.
//!
//! Three layers: every file loads and comes out in the canonical form; the
//! concrete values each SOURCES.md row describes survive normalisation; and the
//! built-in rules judge the items the way SOURCES.md says. The last test runs
//! the built binary over every file.

use compliance::core::catalogue::{run_tests, Catalogue, RuleSource};
use compliance::core::engine::Engine;
use compliance::core::finding::{Finding, Status};
use compliance::core::normalize::{load_document, InputError, Loaded};
use compliance::core::registry;
use compliance::core::resource::ConfigItem;
use compliance::core::settings::Settings;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/config-items");

/// SOURCES.md's heading says "Configuration items (35)", but its per-type
/// tables (S3 10, SG 7, EC2 6, RDS 4, IAM 3+2+1, CFN 1) list 34 files, and 34
/// are on disk. The tables are what is checked here (see
/// `the_files_on_disk_are_the_files_sources_md_lists`).
const ITEM_FILES: usize = 34;
const ENVELOPE_FILES: usize = 9;
/// Items inside the envelopes: history file 3, snapshot file 2, the two
/// rule events 1 each, config-history CLI 1, history response 2, select
/// response 1, SNS 1, SQS 1.
const ENVELOPE_ITEMS: usize = 13;

const SSH_OPEN: [&str; 3] = [
    "ec2-securitygroup-ssh-open-world-rdk-example-ci.json",
    "ec2-securitygroup-ssh-open-world-config-rule-event-custodian.json",
    "ec2-securitygroup-ssh-open-world-select-resource-config-result-custodian.json",
];

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

/// One fixture file and what load_document made of it.
struct Fixture {
    /// Path relative to config-items/, e.g. `envelopes/x.json`.
    name: String,
    envelope: bool,
    loaded: Loaded,
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read fixture directory {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn load_file(path: &Path, name: &str) -> Result<Loaded, InputError> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    load_document(name, &text)
}

/// Every fixture, loaded once; a file that does not load fails here with its name.
fn fixtures() -> &'static [Fixture] {
    static ALL: OnceLock<Vec<Fixture>> = OnceLock::new();
    ALL.get_or_init(|| {
        let root = PathBuf::from(FIXTURES);
        let mut all = Vec::new();
        for (sub, envelope) in [("", false), ("envelopes", true)] {
            for path in json_files(&root.join(sub)) {
                let file = path.file_name().unwrap().to_string_lossy().to_string();
                let name = if envelope {
                    format!("envelopes/{file}")
                } else {
                    file
                };
                let loaded =
                    load_file(&path, &name).unwrap_or_else(|e| panic!("{name} does not load: {e}"));
                all.push(Fixture {
                    name,
                    envelope,
                    loaded,
                });
            }
        }
        all
    })
}

fn fixture(name: &str) -> &'static Fixture {
    fixtures()
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no fixture named {name}"))
}

/// The items of one file.
fn items(name: &str) -> &'static [ConfigItem] {
    &fixture(name).loaded.items
}

/// The single item of a non-envelope file.
fn item(name: &str) -> &'static ConfigItem {
    let items = items(name);
    assert_eq!(items.len(), 1, "{name} should hold exactly one item");
    &items[0]
}

/// The value at a JSON pointer in an item's canonical body; panics naming the item.
fn at<'a>(item: &'a ConfigItem, pointer: &str) -> &'a Value {
    item.body.pointer(pointer).unwrap_or_else(|| {
        panic!(
            "{} ({}): nothing at {pointer} in {}",
            item.resource_id,
            item.source,
            serde_json::to_string_pretty(&item.body).unwrap()
        )
    })
}

fn all_items() -> impl Iterator<Item = (&'static Fixture, &'static ConfigItem)> {
    fixtures()
        .iter()
        .flat_map(|f| f.loaded.items.iter().map(move |i| (f, i)))
}

fn is_canonical_time(s: &str) -> bool {
    // 2014-10-30T22:35:29.922Z
    let b = s.as_bytes();
    b.len() == 24
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            23 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// A real region name: `us-east-1`, `eu-west-1`, `ap-southeast-2`, `us-gov-west-1`.
fn looks_like_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
}

#[test]
fn every_fixture_loads_and_the_count_is_right() {
    let all = fixtures();
    let plain: Vec<&Fixture> = all.iter().filter(|f| !f.envelope).collect();
    let envelopes: Vec<&Fixture> = all.iter().filter(|f| f.envelope).collect();
    assert_eq!(
        plain.len(),
        ITEM_FILES,
        "configuration-item files in {FIXTURES}"
    );
    assert_eq!(
        envelopes.len(),
        ENVELOPE_FILES,
        "envelope files in {FIXTURES}/envelopes"
    );

    for f in &plain {
        assert_eq!(
            f.loaded.items.len(),
            1,
            "{} should yield exactly one item",
            f.name
        );
    }
    for f in all {
        assert!(
            f.loaded.skipped.is_empty(),
            "{}: nothing should be skipped, got {:?}",
            f.name,
            f.loaded.skipped
        );
        assert!(!f.loaded.items.is_empty(), "{} yields no item", f.name);
    }
    let inside_envelopes: usize = envelopes.iter().map(|f| f.loaded.items.len()).sum();
    assert_eq!(inside_envelopes, ENVELOPE_ITEMS);

    for (f, i) in all_items() {
        assert!(
            registry::known_types().any(|t| t == i.resource_type),
            "{}: resource type `{}` is not a known type in canonical casing",
            f.name,
            i.resource_type
        );
        assert!(!i.resource_id.is_empty(), "{}: empty resource id", f.name);
        assert_eq!(at(i, "/resourceType"), &json!(i.resource_type));
        assert_eq!(at(i, "/resourceId"), &json!(i.resource_id));
        assert!(
            i.source.starts_with(&f.name),
            "{}: source `{}` should name the file",
            f.name,
            i.source
        );
    }
}

/// SOURCES.md's tables are the inventory: a file that is missing or unlisted fails.
#[test]
fn the_files_on_disk_are_the_files_sources_md_lists() {
    let text = std::fs::read_to_string(format!("{FIXTURES}/SOURCES.md")).expect("SOURCES.md");
    let mut listed = BTreeSet::new();
    let mut in_envelopes = false;
    for line in text.lines() {
        if line.starts_with("## ") {
            in_envelopes = line.starts_with("## Envelopes");
        }
        let Some(rest) = line.strip_prefix("| ") else {
            continue;
        };
        let cell = rest.split(" |").next().unwrap_or("").trim();
        if cell.ends_with(".json") && !cell.contains(' ') {
            listed.insert(if in_envelopes {
                format!("envelopes/{cell}")
            } else {
                cell.to_string()
            });
        }
    }
    let on_disk: BTreeSet<String> = fixtures().iter().map(|f| f.name.clone()).collect();
    assert_eq!(on_disk, listed);
    assert_eq!(listed.len(), ITEM_FILES + ENVELOPE_FILES);
}

/// What "canonical" promises rules: notification-form names, objects where AWS
/// sends JSON strings, decoded IAM documents, a tag map and UTC timestamps.
#[test]
fn every_item_is_in_canonical_form() {
    for (f, i) in all_items() {
        let who = format!("{} ({})", f.name, i.resource_id);
        let body = i.body.as_object().expect("body is an object");
        for legacy in [
            "arn",
            "accountId",
            "version",
            "configurationItemMD5Hash",
            "configurationStateID",
            "availibilityZone",
            "configurationItemState",
        ] {
            assert!(
                !body.contains_key(legacy),
                "{who}: API/legacy key `{legacy}` left in the canonical body"
            );
        }
        assert!(body["tags"].is_object(), "{who}: tags is not a map");
        let config = &body["configuration"];
        if i.is_deleted() {
            assert!(config.is_null(), "{who}: deleted item with configuration");
        } else {
            assert!(config.is_object(), "{who}: configuration is {config}");
        }
        let supplementary = body["supplementaryConfiguration"]
            .as_object()
            .unwrap_or_else(|| panic!("{who}: supplementaryConfiguration is not an object"));
        for (key, value) in supplementary {
            if let Value::String(s) = value {
                let leftover = serde_json::from_str::<Value>(s)
                    .is_ok_and(|v| v.is_object() || v.is_array() || v.is_boolean());
                assert!(
                    !leftover,
                    "{who}: supplementaryConfiguration.{key} is still a JSON string: {s}"
                );
            }
        }
        if let Some(policy) = supplementary.get("BucketPolicy") {
            let text = &policy["policyText"];
            assert!(
                text.is_null() || text.get("Statement").is_some(),
                "{who}: BucketPolicy.policyText is {text}"
            );
        }
        if let Some(acl) = supplementary.get("AccessControlList") {
            assert!(
                acl["grantList"].is_array(),
                "{who}: AccessControlList is {acl}"
            );
        }
        if i.resource_type.starts_with("AWS::IAM::") {
            for doc in iam_documents(config) {
                assert!(
                    doc.get("Statement").is_some(),
                    "{who}: IAM document not decoded to an object: {doc}"
                );
            }
        }
        for key in ["configurationItemCaptureTime", "resourceCreationTime"] {
            match body.get(key) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) if is_canonical_time(s) => {}
                Some(other) => panic!("{who}: {key} is not canonical UTC: {other}"),
            }
        }
        if let Some(arn) = &i.arn {
            assert!(arn.starts_with("arn:"), "{who}: ARN {arn}");
        }
    }
}

fn iam_documents(config: &Value) -> Vec<&Value> {
    let mut docs = Vec::new();
    if let Some(d) = config.get("assumeRolePolicyDocument") {
        docs.push(d);
    }
    for (list, key) in [
        ("policyVersionList", "document"),
        ("userPolicyList", "policyDocument"),
        ("rolePolicyList", "policyDocument"),
        ("groupPolicyList", "policyDocument"),
    ] {
        for entry in config
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(d) = entry.get(key) {
                docs.push(d);
            }
        }
    }
    docs
}

/// The region is what scores group by and exemptions match on; it must be a
/// region (or `global`), never another part of a malformed ARN.
#[test]
fn regions_are_region_names() {
    let mut wrong = Vec::new();
    for (f, i) in all_items() {
        if let Some(region) = &i.region {
            if region != "global" && !looks_like_region(region) {
                wrong.push(format!(
                    "{} ({} {}): region `{region}`",
                    i.source, i.resource_type, i.resource_id
                ));
            }
        }
        if i.resource_type.starts_with("AWS::IAM::") {
            assert_eq!(
                i.region.as_deref(),
                Some("global"),
                "{}: IAM items are global",
                f.name
            );
        }
    }
    assert!(wrong.is_empty(), "not region names:\n{}", wrong.join("\n"));
}

// ---------------------------------------------------------------------------
// Concrete values, row by row
// ---------------------------------------------------------------------------

fn world_open_on(perm: &Value, port: f64) -> bool {
    let from = perm["fromPort"].as_f64();
    let to = perm["toPort"].as_f64();
    let covers = matches!((from, to), (Some(a), Some(b)) if a <= port && port <= b);
    let ip_ranges = perm["ipRanges"]
        .as_array()
        .is_some_and(|r| r.iter().any(|c| c == "0.0.0.0/0"));
    let ipv4 = perm["ipv4Ranges"]
        .as_array()
        .is_some_and(|r| r.iter().any(|c| c["cidrIp"] == "0.0.0.0/0"));
    perm["ipProtocol"] == "tcp" && covers && (ip_ranges || ipv4)
}

#[test]
fn ssh_open_security_groups_keep_port_22_from_the_world() {
    for name in SSH_OPEN {
        let sg = item(name);
        assert_eq!(sg.resource_type, "AWS::EC2::SecurityGroup", "{name}");
        let perms = at(sg, "/configuration/ipPermissions")
            .as_array()
            .unwrap_or_else(|| panic!("{name}: ipPermissions is not a list"));
        assert!(
            perms.iter().any(|p| world_open_on(p, 22.0)),
            "{name}: no ipPermissions element admits 22 from 0.0.0.0/0: {perms:?}"
        );
    }
    // RDK: ipRanges only.
    let rdk = item(SSH_OPEN[0]);
    assert_eq!(rdk.resource_id, "sg-1d56fc66");
    assert_eq!(
        at(rdk, "/configuration/ipPermissions/0/ipRanges"),
        &json!(["0.0.0.0/0"])
    );
    assert!(rdk
        .body
        .pointer("/configuration/ipPermissions/0/ipv4Ranges")
        .is_none());
    // Rule event: both ipRanges and ipv4Ranges.
    let event = item(SSH_OPEN[1]);
    assert_eq!(event.resource_id, "sg-e2fb6999");
    assert_eq!(
        at(event, "/configuration/ipPermissions/0/ipv4Ranges/0/cidrIp"),
        "0.0.0.0/0"
    );
    // select_resource_config: no resourceType or resourceId selected, ports are floats.
    let select = item(SSH_OPEN[2]);
    assert_eq!(select.resource_type, "AWS::EC2::SecurityGroup");
    assert_eq!(select.resource_id, "sg-04ececeaf1ed666cb");
    let port = at(select, "/configuration/ipPermissions/0/fromPort");
    assert_eq!(port.as_f64(), Some(22.0), "fromPort {port}");
    assert_eq!(
        at(select, "/configuration/ipPermissions/0/toPort").as_f64(),
        Some(22.0)
    );
}

#[test]
fn other_security_groups() {
    // DG CLI output: configuration is a JSON string, capture time is epoch seconds.
    let cli = item("ec2-securitygroup-get-resource-config-history-cli-aws-config-devguide.json");
    assert_eq!(cli.resource_id, "sg-6fbb3807");
    assert_eq!(
        at(cli, "/configurationItemCaptureTime"),
        "2014-10-30T22:35:29.922Z"
    );
    let perms = at(cli, "/configuration/ipPermissions").as_array().unwrap();
    assert_eq!(perms.len(), 6);
    assert!(perms.iter().any(|p| world_open_on(p, 1433.0)));
    assert!(perms.iter().any(|p| world_open_on(p, 80.0)));
    assert!(!perms.iter().any(|p| world_open_on(p, 3389.0)));
    assert!(perms
        .iter()
        .any(|p| p["fromPort"] == 3389 && p["ipRanges"] == json!(["207.171.160.0/19"])));
    assert_eq!(
        cli.arn.as_deref(),
        Some("arn:aws:ec2:us-east-2:012345678912:security-group/default")
    );
    assert_eq!(cli.account.as_deref(), Some("605053316265"));
    assert_eq!(cli.region.as_deref(), Some("us-east-2"));
    assert_eq!(cli.resource_name.as_deref(), Some("default"));

    // custodian placebo: datetime dict, API form, tags.
    let placebo = item("ec2-securitygroup-get-resource-config-history-custodian-placebo.json");
    assert_eq!(
        at(placebo, "/configurationItemCaptureTime"),
        "2016-12-11T06:04:03.800Z"
    );
    assert_eq!(placebo.account.as_deref(), Some("644160558196"));
    let perms = at(placebo, "/configuration/ipPermissions")
        .as_array()
        .unwrap();
    assert!(perms.iter().any(|p| world_open_on(p, 8080.0)));
    assert!(perms
        .iter()
        .any(|p| p["fromPort"] == 443 && p["ipRanges"] == json!(["10.42.1.0/24"])));
    assert_eq!(
        at(placebo, "/tags"),
        &json!({"NetworkLocation": "DMZ", "App": "blue-moon"})
    );

    // Default SG from select: type inferred, tags from configuration.tags list.
    let default = item("ec2-securitygroup-select-resource-config-result-custodian.json");
    assert_eq!(default.resource_type, "AWS::EC2::SecurityGroup");
    assert_eq!(default.resource_id, "sg-6c7fa917");
    assert_eq!(at(default, "/tags"), &json!({"NetworkLocation": "Private"}));
    assert_eq!(
        at(default, "/configuration/ipPermissions/0/ipProtocol"),
        "-1"
    );

    // No ingress at all.
    let empty = item("ec2-securitygroup-sns-notification-aws-config-devguide.json");
    assert_eq!(at(empty, "/configuration/ipPermissions"), &json!([]));
    assert_eq!(
        at(empty, "/configurationItemCaptureTime"),
        "2017-01-09T22:50:15.156Z"
    );
}

#[test]
fn s3_api_form_is_decoded() {
    let b = item("s3-bucket-api-format-custodian.json");
    assert_eq!(b.resource_id, "config-rule-sanity");
    assert_eq!(b.arn.as_deref(), Some("arn:aws:s3:::config-rule-sanity"));
    assert_eq!(b.account.as_deref(), Some("644160558196"));
    assert_eq!(b.region.as_deref(), Some("us-east-2"));
    assert_eq!(at(b, "/configuration/name"), "config-rule-sanity");
    // The ACL is encoded twice in API form.
    let acl = at(b, "/supplementaryConfiguration/AccessControlList");
    assert!(acl.is_object(), "AccessControlList is {acl}");
    assert_eq!(acl["grantList"][0]["permission"], "FullControl");
    assert_eq!(
        acl["grantList"][0]["grantee"]["id"],
        "e7c8bb65a5fc49cf906715eae09de9e4bb7861a96361ba79b833aa45f6833b15"
    );
    assert_eq!(
        at(b, "/supplementaryConfiguration/IsRequesterPaysEnabled"),
        &json!(false)
    );
    assert_eq!(
        at(
            b,
            "/supplementaryConfiguration/BucketVersioningConfiguration/status"
        ),
        "Off"
    );
    assert_eq!(
        at(b, "/supplementaryConfiguration/BucketPolicy/policyText"),
        &Value::Null
    );
    assert_eq!(
        at(
            b,
            "/supplementaryConfiguration/BucketTaggingConfiguration/tagSets/0/tags/Planet"
        ),
        "Earth"
    );
    // -05:00 offsets become UTC.
    assert_eq!(
        at(b, "/configurationItemCaptureTime"),
        "2017-02-04T11:10:33.880Z"
    );
    assert_eq!(at(b, "/resourceCreationTime"), "2017-02-04T11:06:27.000Z");
}

#[test]
fn s3_lifecycle_api_form() {
    let b = item("s3-bucket-versioning-lifecycle-policy-api-format-custodian.json");
    assert_eq!(b.resource_id, "storage-dev");
    let s = at(b, "/supplementaryConfiguration");
    assert_eq!(s["BucketVersioningConfiguration"]["status"], "Enabled");
    assert_eq!(
        s["AccessControlList"]["grantList"][0]["grantee"]["displayName"],
        "aws-example"
    );
    let rules = s["BucketLifecycleConfiguration"]["rules"]
        .as_array()
        .expect("lifecycle rules are a list");
    assert_eq!(rules.len(), 3);
    assert_eq!(rules[0]["id"], "RemoveAbortedUploads");
    assert_eq!(rules[0]["status"], "Enabled");
    let policy = &s["BucketPolicy"]["policyText"];
    assert!(policy.is_object(), "policyText is {policy}");
    assert_eq!(
        policy["Statement"][0]["Sid"],
        "DenyUnEncryptedObjectUploads"
    );
    assert_eq!(policy["Statement"][0]["Effect"], "Deny");
    assert_eq!(s["IsRequesterPaysEnabled"], json!(false));
    assert!(s.get("ServerSideEncryptionConfiguration").is_none());
    assert_eq!(
        at(b, "/configurationItemCaptureTime"),
        "2017-06-14T05:39:07.454Z"
    );
    assert_eq!(at(b, "/resourceCreationTime"), "2017-02-16T21:17:05.000Z");
}

#[test]
fn s3_notification_form_buckets() {
    // Public policy: policyText string parsed.
    let public = item("s3-bucket-public-policy-noncompliant-aws-config-rules.json");
    let statement = at(
        public,
        "/supplementaryConfiguration/BucketPolicy/policyText/Statement/0",
    );
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Principal"], "*");
    assert_eq!(statement["Action"], "s3:GetObject");
    assert_eq!(
        at(
            public,
            "/supplementaryConfiguration/BucketVersioningConfiguration/status"
        ),
        "Off"
    );

    // Public-read ACL: grantee is a bare string.
    let acl = item("s3-bucket-public-read-acl-noncompliant-aws-config-rules.json");
    let grants = at(
        acl,
        "/supplementaryConfiguration/AccessControlList/grantList",
    )
    .as_array()
    .unwrap();
    assert!(grants
        .iter()
        .any(|g| g["grantee"] == "AllUsers" && g["permission"] == "Read"));

    // Private: owner FullControl only, no policy.
    let private = item("s3-bucket-private-compliant-aws-config-rules.json");
    let grants = at(
        private,
        "/supplementaryConfiguration/AccessControlList/grantList",
    )
    .as_array()
    .unwrap();
    assert!(grants
        .iter()
        .all(|g| g["grantee"].is_object() && g["permission"] == "FullControl"));
    assert_eq!(
        at(
            private,
            "/supplementaryConfiguration/BucketPolicy/policyText"
        ),
        &Value::Null
    );

    // RDK: versioning Enabled, TLS-only Deny.
    let rdk = item("s3-bucket-rdk-example-ci.json");
    assert_eq!(
        at(
            rdk,
            "/supplementaryConfiguration/BucketVersioningConfiguration/status"
        ),
        "Enabled"
    );
    let statement = at(
        rdk,
        "/supplementaryConfiguration/BucketPolicy/policyText/Statement/0",
    );
    assert_eq!(statement["Effect"], "Deny");
    assert_eq!(
        statement["Condition"]["Bool"]["aws:SecureTransport"],
        "false"
    );

    // Website bucket via SNS: AuthenticatedUsers read, tags from BucketTaggingConfiguration.
    let website = item("s3-bucket-website-sns-notification-custodian.json");
    let grants = at(
        website,
        "/supplementaryConfiguration/AccessControlList/grantList",
    )
    .as_array()
    .unwrap();
    assert!(grants
        .iter()
        .any(|g| g["grantee"] == "AuthenticatedUsers" && g["permission"] == "Read"));
    assert_eq!(
        at(
            website,
            "/supplementaryConfiguration/BucketWebsiteConfiguration/indexDocumentSuffix"
        ),
        "index.html"
    );
    assert_eq!(
        at(
            website,
            "/supplementaryConfiguration/BucketPolicy/policyText/Statement/0/Sid"
        ),
        "Zebra"
    );

    // Rule event bucket: private, versioning Off.
    let event = item("s3-bucket-config-rule-event-custodian.json");
    assert_eq!(event.resource_id, "c7n-fire-logs");
    assert_eq!(
        at(
            event,
            "/supplementaryConfiguration/AccessControlList/grantList/0/permission"
        ),
        "FullControl"
    );
}

#[test]
fn s3_select_result() {
    let b = item("s3-bucket-select-resource-config-result-custodian.json");
    assert_eq!(b.resource_type, "AWS::S3::Bucket");
    assert_eq!(b.resource_id, "c7n-ssm-build");
    assert_eq!(b.arn.as_deref(), Some("arn:aws:s3:::c7n-ssm-build"));
    assert_eq!(b.region.as_deref(), Some("us-east-2"));
    // The ACL is still a string in select output; the normaliser parses it.
    let acl = at(b, "/supplementaryConfiguration/AccessControlList");
    assert!(acl.is_object(), "AccessControlList is {acl}");
    assert_eq!(acl["grantList"][0]["permission"], "FullControl");
    let rule = at(
        b,
        "/supplementaryConfiguration/BucketLifecycleConfiguration/rules/0",
    );
    assert_eq!(rule["expirationInDays"].as_f64(), Some(60.0));
    assert_eq!(rule["status"], "Enabled");
    let statement = at(
        b,
        "/supplementaryConfiguration/BucketPolicy/policyText/Statement/0",
    );
    assert_eq!(
        statement["Principal"]["AWS"],
        "arn:aws:iam::644160558196:role/service-role/codebuild-test-service-role"
    );
}

#[test]
fn deleted_bucket() {
    let b = item("s3-bucket-resource-deleted-sns-notification-custodian.json");
    assert!(b.is_deleted());
    assert_eq!(b.status.as_deref(), Some("ResourceDeleted"));
    assert_eq!(b.resource_id, "custodian-test-data-21");
    assert_eq!(at(b, "/configuration"), &Value::Null);
    assert_eq!(at(b, "/supplementaryConfiguration"), &json!({}));
    for (f, i) in all_items() {
        if f.name != "s3-bucket-resource-deleted-sns-notification-custodian.json" {
            assert!(!i.is_deleted(), "{} is not deleted", i.source);
        }
    }
}

#[test]
fn iam_documents_are_decoded() {
    // Real URL-encoded trust policy.
    let role = item("iam-role-select-resource-config-result-custodian.json");
    assert_eq!(role.resource_type, "AWS::IAM::Role");
    assert_eq!(role.resource_id, "AROAY5Y4D45RMKKKBXNQ3");
    assert_eq!(role.resource_name.as_deref(), Some("custodian-testing"));
    assert_eq!(
        role.arn.as_deref(),
        Some("arn:aws:iam::644160558196:role/custodian-testing")
    );
    assert_eq!(role.account.as_deref(), Some("644160558196"));
    let trust = at(role, "/configuration/assumeRolePolicyDocument");
    assert!(trust.is_object(), "assumeRolePolicyDocument is {trust}");
    assert_eq!(trust["Version"], "2012-10-17");
    assert_eq!(
        trust["Statement"][0]["Principal"]["Service"],
        "lambda.amazonaws.com"
    );
    assert_eq!(trust["Statement"][0]["Action"], "sts:AssumeRole");
    assert_eq!(
        at(role, "/configuration/attachedManagedPolicies/0/policyName"),
        "DeleteMe"
    );

    // RDK role: pre-decoded object stays as it is.
    let rdk_role = item("iam-role-rdk-example-ci.json");
    assert_eq!(
        at(
            rdk_role,
            "/configuration/assumeRolePolicyDocument/Statement/0/Principal/Service"
        ),
        "config.amazonaws.com"
    );

    // RDK policy: document pre-decoded into a one-element list.
    let policy = item("iam-policy-rdk-example-ci.json");
    assert_eq!(policy.resource_type, "AWS::IAM::Policy");
    let version = at(policy, "/configuration/policyVersionList/0");
    assert_eq!(version["isDefaultVersion"], true);
    let document = &version["document"];
    assert!(document.is_object(), "document is {document}");
    assert_eq!(
        document["Statement"][0]["Action"],
        json!(["elasticloadbalancing:Describe*"])
    );
    assert_eq!(document["Statement"][0]["Resource"], json!(["*"]));

    // RDK admin user.
    let admin = item("iam-user-admin-attached-rdk-example-ci.json");
    assert_eq!(admin.resource_id, "AIDAILEDWOGIPJFAKOJKW");
    assert_eq!(admin.account.as_deref(), Some("112233445566"));
    let attached = at(admin, "/configuration/attachedManagedPolicies")
        .as_array()
        .unwrap();
    assert!(attached
        .iter()
        .any(|p| p["policyName"] == "AdministratorAccess"
            && p["policyArn"] == "arn:aws:iam::aws:policy/AdministratorAccess"));
    let inline = at(admin, "/configuration/userPolicyList/0/policyDocument");
    assert!(inline.is_object(), "policyDocument is {inline}");
    assert_eq!(inline["Statement"][0]["Action"], json!(["codedeploy:*"]));

    // Other users.
    let jason = item("iam-user-aws-config-rules.json");
    assert_eq!(
        at(jason, "/configuration/attachedManagedPolicies"),
        &json!([{"policyName": "IAMUserChangePassword", "policyArn": "arn:aws:iam::aws:policy/IAMUserChangePassword"}])
    );
    let select_user = item("iam-user-select-resource-config-result-custodian.json");
    assert_eq!(select_user.resource_type, "AWS::IAM::User");
    assert_eq!(select_user.resource_id, "AIDAY5Y4D45RH3XOVY7JK");
    assert_eq!(select_user.resource_name.as_deref(), Some("test3"));
    assert_eq!(
        select_user.arn.as_deref(),
        Some("arn:aws:iam::644160558196:user/test3")
    );

    for (f, i) in all_items() {
        if i.resource_type.starts_with("AWS::IAM::") {
            assert_eq!(at(i, "/awsRegion"), "global", "{}", f.name);
        }
    }
}

#[test]
fn rds_instances_match_the_sources_table() {
    // file, backupRetentionPeriod, storageEncrypted, publiclyAccessible, multiAZ, engine
    let table = [
        (
            "rds-dbinstance-config-rule-event-custodian.json",
            7,
            false,
            true,
            false,
            "postgres",
        ),
        (
            "rds-dbinstance-rdk-example-ci.json",
            7,
            true,
            true,
            true,
            "mysql",
        ),
        (
            "rds-dbinstance-public-subnet-noncompliant-aws-config-rules.json",
            1,
            true,
            true,
            false,
            "aurora",
        ),
        (
            "rds-dbinstance-private-subnet-compliant-aws-config-rules.json",
            1,
            true,
            true,
            false,
            "aurora",
        ),
    ];
    for (name, retention, encrypted, public, multi_az, engine) in table {
        let db = item(name);
        assert_eq!(db.resource_type, "AWS::RDS::DBInstance", "{name}");
        assert!(
            db.resource_id.starts_with("db-"),
            "{name}: {}",
            db.resource_id
        );
        assert_eq!(
            at(db, "/configuration/dbiResourceId"),
            &json!(db.resource_id)
        );
        assert_eq!(
            at(db, "/configuration/backupRetentionPeriod"),
            &json!(retention),
            "{name}"
        );
        assert_eq!(
            at(db, "/configuration/storageEncrypted"),
            &json!(encrypted),
            "{name}"
        );
        assert_eq!(
            at(db, "/configuration/publiclyAccessible"),
            &json!(public),
            "{name}"
        );
        assert_eq!(at(db, "/configuration/multiAZ"), &json!(multi_az), "{name}");
        assert_eq!(at(db, "/configuration/engine"), engine, "{name}");
        assert_eq!(
            db.resource_name.as_ref().map(|n| json!(n)),
            Some(at(db, "/configuration/dBInstanceIdentifier").clone()),
            "{name}: resourceName is the identifier"
        );
    }
    // RDK: supplementary Tags list becomes the tag map (API-form keys renamed).
    let rdk = item("rds-dbinstance-rdk-example-ci.json");
    assert_eq!(at(rdk, "/tags"), &json!({"workload-type": "production"}));
    assert_eq!(rdk.account.as_deref(), Some("264683526309"));
    assert!(rdk.arn.is_some());
}

#[test]
fn ec2_instances() {
    let rdk = item("ec2-instance-rdk-example-ci.json");
    assert_eq!(rdk.resource_id, "i-03402838daac1d611");
    assert_eq!(at(rdk, "/tags"), &json!({}));
    assert_eq!(at(rdk, "/configuration/instanceType"), "t2.micro");
    assert_eq!(at(rdk, "/configuration/imageId"), "ami-22ce4934");
    assert_eq!(
        at(rdk, "/configuration/metadataOptions/httpTokens"),
        "optional"
    );
    assert_eq!(rdk.account.as_deref(), Some("681361479661"));
    assert_eq!(
        rdk.arn.as_deref(),
        Some("arn:aws:ec2:us-east-1:681361479661:instance/i-03402838daac1d611")
    );

    let sns = item("ec2-instance-sns-notification-aws-config-devguide.json");
    assert_eq!(at(sns, "/tags"), &json!({"Name": "value"}));
    assert_eq!(at(sns, "/configuration/imageId"), "ami-9be6f38c");
    assert_eq!(at(sns, "/configuration/iamInstanceProfile"), &Value::Null);

    let stopped = item("ec2-instance-stopped-config-rule-event-custodian.json");
    assert_eq!(at(stopped, "/configuration/state/name"), "stopped");
    assert_eq!(at(stopped, "/configuration/instanceType"), "t2.medium");
    assert_eq!(at(stopped, "/tags/Name"), "redrum-redrum");

    for name in [
        "ec2-instance-public-subnet-noncompliant-aws-config-rules.json",
        "ec2-instance-private-subnet-compliant-aws-config-rules.json",
    ] {
        let i = item(name);
        assert_eq!(i.resource_id, "i-abcdefg1234567890");
        assert_eq!(at(i, "/configuration/imageId"), "ami-4bf3d731");
    }

    // 2014 documentation example: legacy key names are renamed.
    let legacy = item("ec2-instance-config-snapshot-legacy-v1.0-aws-config-devguide.json");
    assert_eq!(legacy.resource_id, "i-344c463d");
    assert_eq!(at(legacy, "/availabilityZone"), "us-west-2b");
    assert_eq!(
        at(legacy, "/configurationStateId"),
        "cdb571fa-ce7a-4ec5-8914-0320466a355e"
    );
    assert_eq!(legacy.account.as_deref(), Some("12345678910"));
    assert_eq!(
        legacy.arn.as_deref(),
        Some("arn:aws:ec2:us-west-2b:123456789012:instance/i-344c463d")
    );
    assert_eq!(
        at(legacy, "/tags"),
        &json!({"Name": "integ-test-1", "examplename": "examplevalue"})
    );
}

#[test]
fn cloudformation_stack() {
    let stack = item("cloudformation-stack-rdk-example-ci.json");
    assert_eq!(stack.resource_type, "AWS::CloudFormation::Stack");
    assert!(stack.resource_id.starts_with("arn:aws:cloudformation:"));
    // Python repr of a datetime.
    assert_eq!(
        at(stack, "/resourceCreationTime"),
        "2020-01-16T15:31:25.438Z"
    );
    assert_eq!(
        at(
            stack,
            "/supplementaryConfiguration/EnableTerminationProtection"
        ),
        &json!(false)
    );
    assert_eq!(
        at(stack, "/configuration/driftInformation/stackDriftStatus"),
        "IN_SYNC"
    );
    assert_eq!(stack.account.as_deref(), Some("123456789012"));
}

#[test]
fn envelopes_yield_their_items() {
    let snapshot = items("envelopes/config-snapshot-file-aws-config-devguide.json");
    let kinds: Vec<(&str, &str)> = snapshot
        .iter()
        .map(|i| (i.resource_type.as_str(), i.resource_id.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("AWS::EC2::Volume", "vol-ce676ccc"),
            ("AWS::EC2::Instance", "i-344c463d")
        ]
    );
    assert_eq!(at(&snapshot[0], "/configuration/volumeId"), "vol-ce676ccc");

    let history = items("envelopes/config-history-file-ebs-volume-aws-config-devguide.json");
    let ids: Vec<&str> = history.iter().map(|i| i.resource_id.as_str()).collect();
    assert_eq!(ids, ["vol-ce676ccc", "vol-ce676ccc", "vol-cia007c"]);
    assert!(history
        .iter()
        .all(|i| i.resource_type == "AWS::EC2::Volume" && i.status.as_deref() == Some("OK")));
    assert_eq!(
        at(&history[1], "/configurationItemCaptureTime"),
        "2014-03-07T21:47:08.918Z"
    );

    let sqs = items("envelopes/sqs-sns-config-notification-s3-created-custodian-placebo.json");
    assert_eq!(sqs.len(), 1);
    assert_eq!(sqs[0].resource_type, "AWS::S3::Bucket");
    assert_eq!(sqs[0].resource_id, "custodian-test-data-23");

    let sns = items("envelopes/sns-notification-ec2-instance-aws-config-devguide.json");
    assert_eq!(sns.len(), 1);
    assert_eq!(sns[0].resource_id, "i-007d374c8912e3e90");

    let s3_event =
        items("envelopes/config-rule-lambda-event-s3-public-policy-aws-config-rules.json");
    assert_eq!(s3_event.len(), 1);
    assert_eq!(s3_event[0].resource_id, "bucket-123456789012-us-east-1");

    let sg_event = items("envelopes/config-rule-lambda-event-sg-open-ssh-custodian.json");
    assert_eq!(sg_event.len(), 1);
    assert_eq!(sg_event[0].resource_id, "sg-e2fb6999");

    let select = items("envelopes/select-resource-config-response-s3-custodian-placebo.json");
    assert_eq!(select.len(), 1);
    assert_eq!(select[0].resource_type, "AWS::S3::Bucket");
    assert_eq!(select[0].resource_id, "c7n-ssm-build");

    let response =
        items("envelopes/get-resource-config-history-response-sg-custodian-placebo.json");
    assert_eq!(response.len(), 2);
    assert!(response.iter().all(|i| i.resource_id == "sg-a38ed1de"));
    assert_eq!(
        at(&response[1], "/configurationItemCaptureTime"),
        "2016-12-11T06:04:02.376Z"
    );

    let cli = items("envelopes/get-resource-config-history-cli-sg-aws-config-devguide.json");
    assert_eq!(cli.len(), 1);
    assert_eq!(cli[0].resource_id, "sg-6fbb3807");
}

/// The extracted files in config-items/ were taken out of these envelopes, so
/// the canonical items must be identical whichever way they were read.
#[test]
fn envelope_items_equal_their_extractions() {
    let pairs = [
        (
            "envelopes/sns-notification-ec2-instance-aws-config-devguide.json",
            0,
            "ec2-instance-sns-notification-aws-config-devguide.json",
        ),
        (
            "envelopes/sqs-sns-config-notification-s3-created-custodian-placebo.json",
            0,
            "s3-bucket-website-sns-notification-custodian.json",
        ),
        (
            "envelopes/config-rule-lambda-event-s3-public-policy-aws-config-rules.json",
            0,
            "s3-bucket-public-policy-noncompliant-aws-config-rules.json",
        ),
        (
            "envelopes/config-rule-lambda-event-sg-open-ssh-custodian.json",
            0,
            "ec2-securitygroup-ssh-open-world-config-rule-event-custodian.json",
        ),
        (
            "envelopes/select-resource-config-response-s3-custodian-placebo.json",
            0,
            "s3-bucket-select-resource-config-result-custodian.json",
        ),
        (
            "envelopes/get-resource-config-history-response-sg-custodian-placebo.json",
            0,
            "ec2-securitygroup-get-resource-config-history-custodian-placebo.json",
        ),
        (
            "envelopes/get-resource-config-history-cli-sg-aws-config-devguide.json",
            0,
            "ec2-securitygroup-get-resource-config-history-cli-aws-config-devguide.json",
        ),
        (
            "envelopes/config-snapshot-file-aws-config-devguide.json",
            1,
            "ec2-instance-config-snapshot-legacy-v1.0-aws-config-devguide.json",
        ),
    ];
    for (envelope, index, extracted) in pairs {
        let from_envelope = &items(envelope)[index];
        let alone = item(extracted);
        assert_eq!(
            from_envelope.body, alone.body,
            "{envelope}[{index}] and {extracted} normalise differently"
        );
    }
}

/// Documentation examples spell types sloppily (`AWS::EC2::VOLUME`); the
/// normaliser restores AWS's casing so rules that name the type still apply.
#[test]
fn sloppy_type_casing_is_fixed() {
    let path =
        PathBuf::from(FIXTURES).join("envelopes/config-snapshot-file-aws-config-devguide.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let sloppy = text.replacen(
        "\"resourceType\": \"AWS::EC2::Volume\"",
        "\"resourceType\": \"AWS::EC2::VOLUME\"",
        1,
    );
    assert_ne!(sloppy, text, "the snapshot should name AWS::EC2::Volume");
    let loaded = load_document("sloppy.json", &sloppy).expect("loads");
    assert_eq!(loaded.items[0].resource_type, "AWS::EC2::Volume");
    assert_eq!(loaded.items[0].body["resourceType"], "AWS::EC2::Volume");
}

// ---------------------------------------------------------------------------
// The built-in catalogue on the fixtures
// ---------------------------------------------------------------------------

fn catalogue() -> Catalogue {
    Catalogue::load(&[RuleSource {
        files: compliance::embedded::rule_files(),
    }])
    .unwrap_or_else(|errors| panic!("built-in rules do not load: {errors:?}"))
}

struct Scan {
    /// Findings per fixture file, in item order.
    by_file: BTreeMap<String, Vec<Finding>>,
}

fn scan() -> &'static Scan {
    static SCAN: OnceLock<Scan> = OnceLock::new();
    SCAN.get_or_init(|| {
        let catalogue = catalogue();
        let engine = Engine::new(&catalogue.rules(), &Settings::default());
        assert!(
            engine.broken_rules().is_empty(),
            "rules that do not compile with default settings: {:?}",
            engine.broken_rules()
        );
        let by_file = fixtures()
            .iter()
            .map(|f| (f.name.clone(), engine.evaluate(&f.loaded.items)))
            .collect();
        Scan { by_file }
    })
}

/// The status of one rule on the single item of a file.
fn status(file: &str, rule: &str) -> Status {
    let findings: Vec<&Finding> = scan().by_file[file]
        .iter()
        .filter(|f| &*f.rule_id == rule)
        .collect();
    assert_eq!(
        findings.len(),
        1,
        "{file}: expected one {rule} finding, got {}",
        findings.len()
    );
    findings[0].status
}

fn expect(file: &str, rule: &str, want: Status) {
    let got = status(file, rule);
    let evidence = scan().by_file[file]
        .iter()
        .find(|f| &*f.rule_id == rule)
        .map(|f| f.evidence.summary())
        .unwrap_or_default();
    assert_eq!(got, want, "{rule} on {file}: {evidence}");
}

#[test]
fn built_in_rules_pass_their_inline_tests() {
    let catalogue = catalogue();
    assert!(!catalogue.is_empty());
    let failed: Vec<String> = catalogue
        .rules()
        .iter()
        .flat_map(|r| run_tests(r))
        .filter(|t| !t.passed())
        .map(|t| {
            format!(
                "{}:{} {} `{}`: expected {}, got {} ({})",
                t.file, t.line, t.rule_id, t.name, t.expected, t.actual, t.detail
            )
        })
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn no_rule_errors_on_any_fixture() {
    let catalogue = catalogue();
    for f in fixtures() {
        let findings = &scan().by_file[&f.name];
        for finding in findings {
            assert_ne!(
                finding.status,
                Status::Error,
                "{} on {} ({}): {}",
                finding.rule_id,
                f.name,
                finding.resource_id,
                finding.evidence.summary()
            );
        }
        // Every rule for the item's type judged it, once.
        for i in &f.loaded.items {
            let want: BTreeSet<String> = catalogue
                .rules()
                .iter()
                .filter(|r| r.resource_types.contains(&i.resource_type))
                .map(|r| r.id.clone())
                .collect();
            let got: Vec<String> = findings
                .iter()
                .filter(|x| x.source.as_deref() == Some(&*i.source))
                .map(|x| x.rule_id.to_string())
                .collect();
            assert_eq!(got.len(), want.len(), "{}: {got:?}", i.source);
            assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
        }
    }
}

#[test]
fn ssh_rule_flags_exactly_the_ssh_open_groups() {
    let mut checked = 0;
    for f in fixtures().iter().filter(|f| !f.envelope) {
        let i = &f.loaded.items[0];
        if i.resource_type != "AWS::EC2::SecurityGroup" {
            continue;
        }
        assert!(
            i.body["configuration"]["ipPermissions"].is_array(),
            "{}",
            f.name
        );
        let want = if SSH_OPEN.contains(&f.name.as_str()) {
            Status::NonCompliant
        } else {
            Status::Compliant
        };
        expect(&f.name, "sg-no-world-open-ssh", want);
        checked += 1;
    }
    assert_eq!(checked, 7, "SOURCES.md lists 7 security groups");
}

#[test]
fn other_security_group_rules() {
    let cli = "ec2-securitygroup-get-resource-config-history-cli-aws-config-devguide.json";
    // 1433 open to the world; 3389 only from 207.171.160.0/19.
    expect(cli, "sg-no-world-open-db-ports", Status::NonCompliant);
    expect(cli, "sg-no-world-open-rdp", Status::Compliant);
    for file in [
        "ec2-securitygroup-get-resource-config-history-custodian-placebo.json",
        "ec2-securitygroup-select-resource-config-result-custodian.json",
        "ec2-securitygroup-sns-notification-aws-config-devguide.json",
    ] {
        for rule in [
            "sg-no-world-open-ssh",
            "sg-no-world-open-rdp",
            "sg-no-world-open-db-ports",
        ] {
            expect(file, rule, Status::Compliant);
        }
    }
    for file in SSH_OPEN {
        expect(file, "sg-no-world-open-rdp", Status::Compliant);
        expect(file, "sg-no-world-open-db-ports", Status::Compliant);
    }
}

#[test]
fn iam_rules() {
    expect(
        "iam-user-admin-attached-rdk-example-ci.json",
        "iam-user-no-admin-attached",
        Status::NonCompliant,
    );
    for file in [
        "iam-user-aws-config-rules.json",
        "iam-user-select-resource-config-result-custodian.json",
    ] {
        expect(file, "iam-user-no-admin-attached", Status::Compliant);
    }
    // Not admin: elasticloadbalancing:Describe* only.
    expect(
        "iam-policy-rdk-example-ci.json",
        "iam-no-admin-policy",
        Status::Compliant,
    );
    for file in [
        "iam-role-rdk-example-ci.json",
        "iam-role-select-resource-config-result-custodian.json",
        "iam-user-admin-attached-rdk-example-ci.json",
    ] {
        expect(file, "iam-no-admin-policy", Status::Compliant);
    }
}

#[test]
fn rds_rules() {
    let custodian = "rds-dbinstance-config-rule-event-custodian.json";
    let rdk = "rds-dbinstance-rdk-example-ci.json";
    let aurora = [
        "rds-dbinstance-public-subnet-noncompliant-aws-config-rules.json",
        "rds-dbinstance-private-subnet-compliant-aws-config-rules.json",
    ];
    expect(custodian, "rds-storage-encrypted", Status::NonCompliant);
    expect(custodian, "rds-not-public", Status::NonCompliant);
    expect(custodian, "rds-backup-enabled", Status::Compliant);
    expect(custodian, "rds-multi-az", Status::NonCompliant);
    expect(rdk, "rds-storage-encrypted", Status::Compliant);
    expect(rdk, "rds-not-public", Status::NonCompliant);
    expect(rdk, "rds-backup-enabled", Status::Compliant);
    expect(rdk, "rds-multi-az", Status::Compliant);
    for file in aurora {
        expect(file, "rds-storage-encrypted", Status::Compliant);
        // "Same values": publicly accessible in both; the original rule
        // looked at subnet routes, which a CI does not hold.
        expect(file, "rds-not-public", Status::NonCompliant);
        // Retention 1 is below the default minimum of 7.
        expect(file, "rds-backup-enabled", Status::NonCompliant);
        assert_ne!(status(file, "rds-multi-az"), Status::Compliant, "{file}");
    }
}

#[test]
fn s3_rules() {
    let public = [
        "s3-bucket-public-read-acl-noncompliant-aws-config-rules.json",
        "s3-bucket-website-sns-notification-custodian.json",
        "s3-bucket-public-policy-noncompliant-aws-config-rules.json",
    ];
    let not_public = [
        "s3-bucket-private-compliant-aws-config-rules.json",
        "s3-bucket-rdk-example-ci.json",
        "s3-bucket-config-rule-event-custodian.json",
        "s3-bucket-api-format-custodian.json",
        "s3-bucket-versioning-lifecycle-policy-api-format-custodian.json",
        // Policy allows a role ARN, not everyone.
        "s3-bucket-select-resource-config-result-custodian.json",
    ];
    for file in public {
        expect(file, "s3-no-public-read", Status::NonCompliant);
    }
    for file in not_public {
        expect(file, "s3-no-public-read", Status::Compliant);
    }

    let versioned = [
        "s3-bucket-rdk-example-ci.json",
        "s3-bucket-website-sns-notification-custodian.json",
        "s3-bucket-versioning-lifecycle-policy-api-format-custodian.json",
    ];
    for file in public.iter().chain(&not_public) {
        let want = if versioned.contains(file) {
            Status::Compliant
        } else {
            Status::NonCompliant
        };
        expect(file, "s3-versioning-enabled", want);
        // No bucket here has a default-encryption configuration.
        expect(file, "s3-default-encryption", Status::NonCompliant);
        // Only the RDK bucket denies aws:SecureTransport=false.
        let tls = if *file == "s3-bucket-rdk-example-ci.json" {
            Status::Compliant
        } else {
            Status::NonCompliant
        };
        expect(file, "s3-tls-only", tls);
        let lifecycle = if [
            "s3-bucket-versioning-lifecycle-policy-api-format-custodian.json",
            "s3-bucket-select-resource-config-result-custodian.json",
        ]
        .contains(file)
        {
            Status::Compliant
        } else {
            Status::NonCompliant
        };
        expect(file, "s3-lifecycle-configured", lifecycle);
    }
}

#[test]
fn ec2_rules() {
    let rdk = "ec2-instance-rdk-example-ci.json";
    expect(rdk, "ec2-required-tags", Status::NonCompliant);
    expect(rdk, "ec2-imdsv2-required", Status::NonCompliant);

    // A stopped instance is still in scope for every EC2 rule.
    let stopped = "ec2-instance-stopped-config-rule-event-custodian.json";
    let findings = &scan().by_file[stopped];
    assert!(!findings.is_empty());
    for f in findings {
        assert!(
            matches!(f.status, Status::Compliant | Status::NonCompliant),
            "{} on the stopped instance is {}",
            f.rule_id,
            f.status
        );
    }
    expect(stopped, "ec2-no-public-ip", Status::Compliant);

    for file in [
        "ec2-instance-sns-notification-aws-config-devguide.json",
        "ec2-instance-public-subnet-noncompliant-aws-config-rules.json",
    ] {
        expect(file, "ec2-no-public-ip", Status::NonCompliant);
    }
}

#[test]
fn cloudformation_rules() {
    expect(
        "cloudformation-stack-rdk-example-ci.json",
        "cfn-stack-no-drift",
        Status::Compliant,
    );
}

#[test]
fn deleted_bucket_is_not_applicable_for_every_rule() {
    let file = "s3-bucket-resource-deleted-sns-notification-custodian.json";
    let findings = &scan().by_file[file];
    let s3_rules = catalogue()
        .rules()
        .iter()
        .filter(|r| r.resource_types.iter().any(|t| t == "AWS::S3::Bucket"))
        .count();
    assert_eq!(findings.len(), s3_rules);
    for f in findings {
        assert_eq!(
            f.status,
            Status::NotApplicable,
            "{} on the deleted bucket",
            f.rule_id
        );
    }
}

/// An item read from an envelope is judged exactly like its extraction.
#[test]
fn envelope_items_get_the_same_findings() {
    let summary = |file: &str, source_index: usize| -> Vec<(String, Status)> {
        let source = &items(file)[source_index].source;
        let mut v: Vec<(String, Status)> = scan().by_file[file]
            .iter()
            .filter(|f| f.source.as_deref() == Some(&**source))
            .map(|f| (f.rule_id.to_string(), f.status))
            .collect();
        v.sort();
        v
    };
    for (envelope, extracted) in [
        (
            "envelopes/config-rule-lambda-event-sg-open-ssh-custodian.json",
            "ec2-securitygroup-ssh-open-world-config-rule-event-custodian.json",
        ),
        (
            "envelopes/config-rule-lambda-event-s3-public-policy-aws-config-rules.json",
            "s3-bucket-public-policy-noncompliant-aws-config-rules.json",
        ),
        (
            "envelopes/sqs-sns-config-notification-s3-created-custodian-placebo.json",
            "s3-bucket-website-sns-notification-custodian.json",
        ),
        (
            "envelopes/select-resource-config-response-s3-custodian-placebo.json",
            "s3-bucket-select-resource-config-result-custodian.json",
        ),
    ] {
        assert_eq!(summary(envelope, 0), summary(extracted, 0), "{envelope}");
    }
}

// ---------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------

#[test]
fn binary_scans_every_fixture() {
    let paths: Vec<String> = fixtures()
        .iter()
        .map(|f| format!("{FIXTURES}/{}", f.name))
        .collect();
    assert_eq!(paths.len(), ITEM_FILES + ENVELOPE_FILES);
    let cwd = tempfile::tempdir().expect("temp dir");
    let output = crate::support::compliance_in(cwd.path())
        .current_dir(cwd.path())
        .args(["--no-progress", "scan", "--snapshot"])
        .args(&paths)
        .args(["--format", "json", "--fail-on", "none"])
        .output()
        .expect("run compliance");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON: {e}; stderr: {stderr}"));
    assert_eq!(report["schema"], "compliance.findings/v1");
    assert_eq!(report["errors"], json!([]), "scan errors");
    assert_eq!(
        report["summary"]["resources"],
        json!(ITEM_FILES + ENVELOPE_ITEMS)
    );
    let findings = report["findings"].as_array().expect("findings list");
    let in_process: usize = scan().by_file.values().map(Vec::len).sum();
    assert_eq!(findings.len(), in_process);
    assert!(findings.iter().all(|f| f["status"] != "error"));
    assert_eq!(report["summary"]["by_status"]["error"], json!(0));
    let ssh: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f["rule_id"] == "sg-no-world-open-ssh" && f["status"] == "non_compliant")
        .map(|f| f["resource_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ssh,
        BTreeSet::from(["sg-04ececeaf1ed666cb", "sg-1d56fc66", "sg-e2fb6999"])
    );
}
