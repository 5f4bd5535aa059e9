//! Property tests: the stable-toolchain, bounded counterpart of the fuzz targets in
//! `fuzz/`. Every input the tool reads from a user (snapshot files, rule files,
//! paths and conditions inside them) goes through these functions, and none of them
//! may panic on any input: a bad input is an error naming the file, never exit 101.
//!
//! Each property runs 256 cases by default (a few seconds in the debug build, so it
//! belongs in every `cargo test`); `PROPTEST_CASES=20000 cargo test -p
//! compliance-core --test properties` runs a long search. Failures are not written
//! to a regressions file (tests write nothing outside a temp dir): a case found here
//! is kept as a named regression test instead.

use compliance_core::catalogue::{run_tests, Catalogue, RuleSource};
use compliance_core::condition::{compile, RawCondition};
use compliance_core::engine::Engine;
use compliance_core::normalize::{item_at, load_document, normalize_item, stream_snapshot};
use compliance_core::path::Path;
use compliance_core::resource::ConfigItem;
use compliance_core::rule::{line_col, Rule};
use compliance_core::settings::Settings;
use compliance_core::timestamp;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// `PROPTEST_CASES` when set, else `default`: cheap properties take the proptest
/// default, the ones that build 64 KiB documents fewer.
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const HEAD_BYTES: usize = 1 << 16;

// ---------------------------------------------------------------------------
// The real rule files, read from the repository (they are embedded only in the binary).

struct RuleFile {
    name: String,
    text: String,
}

fn rule_files() -> &'static [RuleFile] {
    static FILES: OnceLock<Vec<RuleFile>> = OnceLock::new();
    FILES.get_or_init(|| {
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules"));
        let mut files = Vec::new();
        let mut dirs = vec![root.to_path_buf()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("rules directory is readable") {
                let path = entry.expect("directory entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "toml") {
                    let name = format!(
                        "rules/{}",
                        path.strip_prefix(root).unwrap().to_string_lossy()
                    );
                    let text = std::fs::read_to_string(&path).expect("rule file is UTF-8");
                    files.push(RuleFile { name, text });
                }
            }
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        assert!(
            files.len() >= 20,
            "expected the built-in rules, found {}",
            files.len()
        );
        files
    })
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let files = rule_files()
            .iter()
            .map(|f| (f.name.clone(), f.text.as_str()))
            .collect();
        Catalogue::load(&[RuleSource { files }]).expect("the built-in rules load")
    })
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(&catalogue().rules(), &Settings::default()))
}

/// The inline test resources of every built-in rule: realistic items to mutate.
fn sample_resources() -> &'static [Value] {
    static SAMPLES: OnceLock<Vec<Value>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        catalogue()
            .rules()
            .iter()
            .flat_map(|r| r.tests.iter().map(|t| t.resource.clone()))
            .collect()
    })
}

// ---------------------------------------------------------------------------
// Strategies.

/// Every type the registry knows, so the normaliser meets each one's fields.
fn types() -> Vec<&'static str> {
    compliance_core::registry::known_types().collect()
}

/// Keys the normaliser and the rules look at, so random objects reach their code.
const KEYS: &[&str] = &[
    "configurationItems",
    "configurationItem",
    "Results",
    "Messages",
    "Body",
    "Type",
    "Message",
    "invokingEvent",
    "messageType",
    "configurationItemSummary",
    "status_code",
    "data",
    "resourceType",
    "resourceId",
    "resourceName",
    "arn",
    "ARN",
    "accountId",
    "awsAccountId",
    "awsRegion",
    "availabilityZone",
    "availibilityZone",
    "version",
    "configurationItemCaptureTime",
    "resourceCreationTime",
    "configurationItemStatus",
    "configuration",
    "supplementaryConfiguration",
    "tags",
    "tagList",
    "tagSet",
    "Tags",
    "key",
    "value",
    "Key",
    "Value",
    "BucketPolicy",
    "policyText",
    "AccessControlList",
    "grantList",
    "grantee",
    "permission",
    "assumeRolePolicyDocument",
    "policyDocument",
    "policyVersionList",
    "document",
    "userPolicyList",
    "rolePolicyList",
    "groupPolicyList",
    "Statement",
    "Effect",
    "Action",
    "Resource",
    "Principal",
    "groupId",
    "vpcId",
    "ipPermissions",
    "ipPermissionsEgress",
    "ipRanges",
    "ipv4Ranges",
    "cidrIp",
    "fromPort",
    "toPort",
    "ipProtocol",
    "instanceId",
    "volumeId",
    "dbiResourceId",
    "dBInstanceIdentifier",
    "userId",
    "roleId",
    "policyId",
    "stackId",
    "name",
    "owner",
    "creationDate",
    "year",
    "month",
    "day",
    "__class__",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => "[a-zA-Z0-9 ._:/*@é€-]{0,16}",
        1 => prop::sample::select(vec![
            "AWS::S3::Bucket", "AWS::EC2::SecurityGroup", "AWS::IAM::Role", "0.0.0.0/0", "::/0",
            "true", "false", "null", "22", "-1", "tcp", "Notification", "Allow", "*",
            "2017-01-09T22:50:14.328Z", "Jan 16, 2020 10:31:25 PM", "1414708529.922",
            "datetime.datetime(2020, 1, 16, 22, 31, 25, 320000)", "us-east-1a", "arn:aws:iam::1:role/r",
            "arn:aws:ec2:us-west-2b:123456789012:volume/v", "%7B%22Statement%22%3A%5B%5D%7D",
            "OversizedConfigurationItemChangeNotification", "ConfigurationItemChangeNotification",
            "ResourceDeleted", "[]", "{}", "\"\"", "99999999999999999999", "1e400",
        ])
        .prop_map(str::to_string),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(KEYS).prop_map(str::to_string),
        1 => text(),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        (-2i64..70000).prop_map(Value::from),
        (0u32..4_000_000_000).prop_map(|s| json!(s as f64 + 0.5)),
    ]
}

/// Any JSON value, biased towards the keys and shapes AWS Config uses, including
/// JSON and percent-encoded JSON inside strings (the normaliser opens both).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner.clone(), 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            inner.clone().prop_map(|v| Value::String(v.to_string())),
            inner.prop_map(|v| {
                let text = v.to_string();
                Value::String(
                    percent_encoding::utf8_percent_encode(
                        &text,
                        percent_encoding::NON_ALPHANUMERIC,
                    )
                    .to_string(),
                )
            }),
        ]
    })
}

/// Strings that are plain text: no JSON and no percent-encoding for the normaliser
/// to open, so a second pass has nothing left to change.
fn plain() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ._:/@é€-]{0,12}".prop_filter("not JSON", |s| {
        !matches!(s.trim(), "true" | "false" | "null") && s.trim().parse::<f64>().is_err()
    })
}

fn plain_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-100_000i64..100_000).prop_map(Value::from),
        plain().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z][a-zA-Z0-9]{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn timestamp() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0i64..4_000_000_000).prop_map(|s| json!(s as f64 + 0.25)),
        (0i64..4_000_000_000_000).prop_map(Value::from),
        (0i64..4_000_000_000).prop_map(|s| {
            let t = chrono::DateTime::from_timestamp(s, 0).unwrap();
            Value::String(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        }),
        (0i64..4_000_000_000).prop_map(|s| {
            let t = chrono::DateTime::from_timestamp(s, 0).unwrap();
            Value::String(t.format("%b %d, %Y %I:%M:%S %p").to_string())
        }),
    ]
}

/// A valid configuration item in one of the forms AWS hands out.
fn valid_item() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(types()),
        "[a-zA-Z0-9:/_.-]{1,20}",
        prop::option::of(prop::sample::select(vec![
            "us-east-1",
            "eu-west-1",
            "ap-south-1",
        ])),
        prop::option::of("[0-9]{12}"),
        prop::collection::btree_map("[a-zA-Z][a-zA-Z0-9]{0,8}", plain_value(), 0..5),
        prop::collection::btree_map("[A-Z][a-zA-Z]{0,8}", plain_value(), 0..3),
        prop::collection::btree_map("[a-zA-Z]{1,8}", plain(), 0..3),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(timestamp()),
        prop::option::of((
            prop::sample::select(vec!["arn", "dBInstanceArn", "stackId"]),
            prop::sample::select(vec!["us-east-1", "eu-west-1", "ap-south-1"]),
            "[0-9]{12}",
        )),
    )
        .prop_map(
            |(
                kind,
                id,
                region,
                account,
                mut config,
                supplementary,
                tags,
                api_form,
                tag_list,
                time,
                arn,
            )| {
                // The ARN field of the configuration, as RDS, CloudFormation and IAM items carry it.
                if let Some((field, arn_region, arn_account)) = arn {
                    config.insert(
                        field.to_string(),
                        json!(format!("arn:aws:svc:{arn_region}:{arn_account}:thing/{id}")),
                    );
                }
                let mut item = Map::new();
                item.insert("resourceType".into(), json!(kind));
                item.insert("resourceId".into(), json!(id));
                if let Some(region) = region {
                    item.insert("awsRegion".into(), json!(region));
                }
                if let Some(account) = account {
                    let key = if api_form {
                        "accountId"
                    } else {
                        "awsAccountId"
                    };
                    item.insert(key.into(), json!(account));
                }
                let config = Value::Object(config.into_iter().collect());
                let supplementary = Value::Object(supplementary.into_iter().collect());
                if api_form {
                    // The API form carries both as JSON inside strings.
                    item.insert("configuration".into(), json!(config.to_string()));
                    item.insert(
                        "supplementaryConfiguration".into(),
                        json!(supplementary.to_string()),
                    );
                } else {
                    item.insert("configuration".into(), config);
                    item.insert("supplementaryConfiguration".into(), supplementary);
                }
                let tags: Value = if tag_list {
                    tags.into_iter()
                        .map(|(k, v)| json!({"key": k, "value": v}))
                        .collect()
                } else {
                    Value::Object(tags.into_iter().map(|(k, v)| (k, json!(v))).collect())
                };
                item.insert("tags".into(), tags);
                if let Some(time) = time {
                    item.insert("configurationItemCaptureTime".into(), time);
                }
                Value::Object(item)
            },
        )
}

/// Edits one place of a value: the shapes a broken export or a hand-written
/// snapshot produce (a field of another type, a field removed, a list where an
/// object was, JSON text where a value was).
#[derive(Debug, Clone)]
enum Edit {
    Replace(Value),
    Remove,
    WrapInList,
    Stringify,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => json_value().prop_map(Edit::Replace),
        1 => Just(Edit::Remove),
        1 => Just(Edit::WrapInList),
        1 => Just(Edit::Stringify),
    ]
}

/// Every place inside a value, as a list of steps from the root.
fn places(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                at.push(k.clone());
                places(child, at, out);
                at.pop();
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                at.push(i.to_string());
                places(child, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn apply(root: &mut Value, place: &[String], edit: &Edit) {
    let Some((last, parents)) = place.split_last() else {
        if let Edit::Replace(v) = edit {
            *root = v.clone();
        }
        return;
    };
    let mut parent = &mut *root;
    for step in parents {
        parent = match parent {
            Value::Object(m) => m.get_mut(step).unwrap(),
            Value::Array(l) => &mut l[step.parse::<usize>().unwrap()],
            _ => unreachable!("places lists containers only"),
        };
    }
    let slot = match parent {
        Value::Object(m) => {
            if let Edit::Remove = edit {
                m.remove(last);
                return;
            }
            m.get_mut(last).unwrap()
        }
        Value::Array(l) => {
            let i = last.parse::<usize>().unwrap();
            if let Edit::Remove = edit {
                l.remove(i);
                return;
            }
            &mut l[i]
        }
        _ => unreachable!("places lists containers only"),
    };
    *slot = match edit {
        Edit::Replace(v) => v.clone(),
        Edit::WrapInList => Value::Array(vec![slot.take()]),
        Edit::Stringify => Value::String(slot.to_string()),
        Edit::Remove => unreachable!(),
    };
}

fn mutate(mut v: Value, edits: &[(Index, Edit)]) -> Value {
    for (index, edit) in edits {
        let mut all = Vec::new();
        places(&v, &mut Vec::new(), &mut all);
        let place = index.get(&all).clone();
        apply(&mut v, &place, edit);
    }
    v
}

/// A realistic item (a built-in rule's test resource) with a few random edits.
fn mutated_sample() -> impl Strategy<Value = Value> {
    (
        any::<Index>(),
        prop::collection::vec((any::<Index>(), edit()), 0..4),
    )
        .prop_map(|(which, edits)| mutate(which.get(sample_resources()).clone(), &edits))
}

// ---------------------------------------------------------------------------
// The normaliser.

/// What every successfully loaded item must look like, whatever the input was.
fn check_canonical(item: &ConfigItem) {
    let body = &item.body;
    assert_eq!(
        body["resourceType"].as_str(),
        Some(item.resource_type.as_str())
    );
    assert!(
        !item.resource_type.is_empty(),
        "an item without a type: {body}"
    );
    assert!(body["tags"].is_object(), "tags must be a map: {body}");
    assert!(
        body.get("supplementaryConfiguration").is_some(),
        "supplementaryConfiguration must be present: {body}"
    );
}

fn load_never_panics(text: &str) {
    match load_document("input.json", text) {
        Ok(loaded) => loaded.items.iter().for_each(check_canonical),
        Err(e) => assert!(e.to_string().starts_with("input.json"), "{e}"),
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn normaliser_takes_any_json_value(v in json_value()) {
        let _ = normalize_item(v.clone());
        load_never_panics(&v.to_string());
        load_never_panics(&serde_json::to_string_pretty(&v).unwrap());
        // The same value as the item of a snapshot file, through the streaming reader.
        let snapshot = json!({"configurationItems": [v.clone(), v]}).to_string();
        load_never_panics(&snapshot);
    }

    #[test]
    fn normaliser_takes_any_text(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        load_never_panics(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn normaliser_takes_json_shaped_text(
        head in prop::sample::select(vec!["", "{\"configurationItems\": [", "[", "{\"Messages\": [{\"Body\": "]),
        body in "[{}\\[\\]\":,0-9a-zA-Z \n.\\\\é€𝄞-]{0,200}",
    ) {
        load_never_panics(&format!("{head}{body}"));
    }

    #[test]
    fn mutated_real_items_never_panic(v in mutated_sample()) {
        let _ = normalize_item(v.clone());
        load_never_panics(&json!({"configurationItems": [v]}).to_string());
    }

    #[test]
    fn a_valid_item_stays_valid_through_normalise_serialise_normalise(v in valid_item()) {
        let first = normalize_item(v.clone()).map_err(|e| TestCaseError::fail(format!("{e}: {v}")))?;
        let text = serde_json::to_string(&first).unwrap();
        let reread: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&reread, &first);
        let second = normalize_item(reread).map_err(|e| TestCaseError::fail(format!("{e}: {first}")))?;
        prop_assert_eq!(&second, &first);
        let item = ConfigItem::from_body(first.clone(), Arc::from("p.json"));
        check_canonical(&item);
        prop_assert_eq!(item.resource_id.as_str(), v["resourceId"].as_str().unwrap());
        prop_assert_eq!(item.resource_type.as_str(), v["resourceType"].as_str().unwrap());
        // And read from a snapshot file, it is the same item.
        let loaded = load_document("s.json", &json!({"configurationItems": [v]}).to_string())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(loaded.items.len(), 1);
        prop_assert_eq!(&loaded.items[0].body, &first);
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn timestamps_of_any_size_become_canonical_or_stay(
        seconds in any::<f64>().prop_filter("JSON has no NaN or infinity", |f| f.is_finite()),
        whole in any::<i64>(),
        year in any::<u64>(),
        month in 0u64..14,
        day in 0u64..33,
        text in prop_oneof![any::<String>(), "[0-9: .TZ,APM+-]{0,32}"],
    ) {
        for time in [
            json!(seconds),
            json!(whole),
            json!({"__class__": "datetime", "year": year, "month": month, "day": day}),
            json!(text),
            json!(format!("datetime.datetime({year}, {month}, {day})")),
        ] {
            let item = json!({"resourceType": "AWS::EC2::Volume", "resourceId": "v",
                "configurationItemCaptureTime": time.clone(), "resourceCreationTime": time.clone()});
            let body = normalize_item(item).map_err(TestCaseError::fail)?;
            // A time that parses becomes the canonical text, which parses to itself.
            if let Some(t) = timestamp::parse(&time) {
                let canonical = timestamp::format(&t);
                prop_assert_eq!(body["configurationItemCaptureTime"].as_str(), Some(canonical.as_str()));
                let again = timestamp::parse(&json!(canonical)).expect("canonical text parses");
                prop_assert_eq!(timestamp::format(&again), canonical);
            } else {
                prop_assert_eq!(&body["configurationItemCaptureTime"], &time);
            }
        }
    }
}

proptest! {
    // Each case builds documents of 64 KiB.
    #![proptest_config(config(64))]

    #[test]
    fn any_character_across_the_snapshot_head_is_read(
        before in 0usize..8,
        c in any::<char>(),
        snapshot in any::<bool>(),
    ) {
        let start = if snapshot {
            "{\"configurationItems\": [{\"resourceType\": \"AWS::S3::Bucket\", \"resourceId\": \""
        } else {
            "{\"resourceType\": \"AWS::S3::Bucket\", \"resourceId\": \""
        };
        let mut text = String::from(start);
        text.push_str(&"a".repeat(HEAD_BYTES - start.len() - before - 1));
        text.push(c);
        text.push_str(&"b".repeat(16));
        text.push_str(if snapshot { "\"}]}" } else { "\"}" });
        load_never_panics(&text);
        let mut streamed = 0;
        let _ = stream_snapshot("s.json", &text, &mut |i, raw| {
            streamed += 1;
            let _ = item_at("s.json", i, raw);
        });
        prop_assert!(streamed <= 1);
    }
}

// ---------------------------------------------------------------------------
// The path parser.

/// Text built from the characters the path grammar gives meaning to.
fn path_like() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[a-z.\\[\\]*?=!'\" @0-9\\\\é-]{0,40}",]
}

/// A step of a valid path, with the value shape that step reaches into.
#[derive(Debug, Clone)]
enum GenStep {
    Key(String),
    Quoted(String),
    Each,
    Index(usize),
}

fn gen_step() -> impl Strategy<Value = GenStep> {
    prop_oneof![
        3 => "[a-zA-Z_][a-zA-Z0-9_-]{0,8}".prop_map(GenStep::Key),
        1 => any::<String>().prop_map(GenStep::Quoted),
        1 => Just(GenStep::Each),
        1 => (0usize..4).prop_map(GenStep::Index),
    ]
}

fn path_text(steps: &[GenStep]) -> String {
    let mut out = String::new();
    for (i, step) in steps.iter().enumerate() {
        match step {
            GenStep::Key(k) => {
                if i > 0 {
                    out.push('.');
                }
                out.push_str(k);
            }
            GenStep::Quoted(k) => {
                if i > 0 {
                    out.push('.');
                }
                out.push('"');
                for c in k.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
            GenStep::Each => out.push_str("[*]"),
            GenStep::Index(n) => out.push_str(&format!("[{n}]")),
        }
    }
    out
}

/// A document in which `steps` lead to `leaf`.
fn document_for(steps: &[GenStep], leaf: Value) -> Value {
    steps.iter().rev().fold(leaf, |inner, step| match step {
        GenStep::Key(k) | GenStep::Quoted(k) => {
            let mut m = Map::new();
            m.insert(k.clone(), inner);
            Value::Object(m)
        }
        GenStep::Each => json!([inner]),
        GenStep::Index(n) => {
            let mut list = vec![json!("other"); *n];
            list.push(inner);
            Value::Array(list)
        }
    })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn path_parser_takes_any_text(text in path_like(), v in json_value()) {
        match Path::parse(&text) {
            Ok(path) => {
                // Display gives back the text, and that text parses to the same path.
                prop_assert_eq!(path.to_string(), text.clone());
                prop_assert_eq!(Path::parse(&path.to_string()).unwrap(), path.clone());
                let _ = path.resolve(&v).is_missing();
            }
            Err(e) => {
                prop_assert_eq!(&e.path, &text);
                prop_assert!(e.position <= text.len());
            }
        }
    }

    #[test]
    fn a_built_path_finds_its_value(
        first in "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
        steps in prop::collection::vec(gen_step(), 0..6),
        leaf in plain_value().prop_filter("null reads as missing", |v| !v.is_null()),
    ) {
        let mut all = vec![GenStep::Key(first)];
        all.extend(steps);
        let text = path_text(&all);
        let path = Path::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(path.to_string(), text.clone());
        let doc = document_for(&all, leaf.clone());
        let found = path.resolve(&doc);
        prop_assert_eq!(found.values, vec![&leaf], "{} in {}", text, doc);
    }
}

// ---------------------------------------------------------------------------
// The condition parser and evaluator.

#[derive(serde::Deserialize)]
struct Wrapper {
    check: toml::Spanned<RawCondition>,
}

const OPERATORS: &[&str] = &[
    "equals",
    "not_equals",
    "in",
    "not_in",
    "contains",
    "gt",
    "gte",
    "lt",
    "lte",
    "matches",
    "glob",
    "exists",
    "has_keys",
    "cidr_in",
    "cidr_covers",
    "covers_ports",
    "length_gte",
    "length_lte",
];

/// TOML operands, valid and not: the compiler must turn every wrong one into an error.
fn operand() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "\"0.0.0.0/0\"",
            "[\"0.0.0.0/0\", \"::/0\"]",
            "\"10.0.0.0/99\"",
            "[\"300.1.1.1/8\"]",
            "22",
            "[22, 3389]",
            "[70000]",
            "[-1]",
            "-1",
            "0",
            "1.5",
            "1e300",
            "true",
            "false",
            "\"(\"",
            "\"[a-\"",
            "\"^ok$\"",
            "\"*.example.com\"",
            "\"[\"",
            "\"{a,b\"",
            "[]",
            "[[1]]",
            "{ a = 1 }",
            "\"$p\"",
            "\"$nope\"",
            "\"$\"",
            "[\"$p\", 1]",
            "\"ssm:/x\"",
            "9223372036854775807",
            "-9223372036854775808",
            "\"\"",
            "\"é€\"",
        ])
        .prop_map(str::to_string),
        any::<String>().prop_map(|s| toml::Value::String(s).to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
    ]
}

fn condition_toml() -> impl Strategy<Value = String> {
    let quoted_path = path_like().prop_map(|p| toml::Value::String(p).to_string());
    let simple_path = prop::sample::select(vec![
        "\"configuration.ipPermissions[*]\"",
        "\"@\"",
        "\"tags\"",
        "\"configuration.a[?b=='c'].d\"",
        "\"supplementaryConfiguration.BucketPolicy.policyText.Statement[*]\"",
    ])
    .prop_map(str::to_string);
    let path = prop_oneof![3 => simple_path, 1 => quoted_path];
    let leaf = (
        path.clone(),
        prop::sample::select(OPERATORS),
        operand(),
        prop::option::of(prop::sample::select(vec![
            "match = \"all\"",
            "match = \"any\"",
            "if_missing = \"pass\"",
            "if_missing = \"fail\"",
            "if_missing = \"maybe\"",
        ])),
    )
        .prop_map(|(path, op, operand, extra)| match extra {
            Some(extra) => format!("{{ path = {path}, {op} = {operand}, {extra} }}"),
            None => format!("{{ path = {path}, {op} = {operand} }}"),
        });
    leaf.prop_recursive(4, 16, 3, move |inner| {
        prop_oneof![
            (
                prop::sample::select(vec!["all", "any", "none"]),
                prop::collection::vec(inner.clone(), 0..3)
            )
                .prop_map(|(k, parts)| format!("{{ {k} = [{}] }}", parts.join(", "))),
            inner.clone().prop_map(|c| format!("{{ not = {c} }}")),
            (
                path.clone(),
                prop::sample::select(vec!["any_item", "all_items", "no_item"]),
                inner
            )
                .prop_map(|(p, q, c)| format!("{{ path = {p}, {q} = {c} }}")),
        ]
    })
}

fn params() -> BTreeMap<String, Value> {
    let mut p = BTreeMap::new();
    p.insert("p".to_string(), json!(["0.0.0.0/0", 22]));
    p
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn condition_parser_takes_any_text(text in any::<String>()) {
        if let Ok(w) = toml::from_str::<Wrapper>(&format!("check = {text}")) {
            let _ = compile(&w.check, &params());
        }
        if let Ok(w) = toml::from_str::<Wrapper>(&text) {
            let _ = compile(&w.check, &params());
        }
    }

    #[test]
    fn conditions_compile_or_fail_and_evaluate_without_panic(
        condition in condition_toml(),
        items in prop::collection::vec(prop_oneof![json_value(), mutated_sample()], 1..4),
    ) {
        let text = format!("check = {condition}");
        let w: Wrapper = match toml::from_str(&text) {
            Ok(w) => w,
            // Generated operands may be TOML of a shape the grammar rejects; that is serde's error.
            Err(_) => return Ok(()),
        };
        match compile(&w.check, &params()) {
            Ok(c) => {
                let _ = c.description();
                for item in &items {
                    let _ = c.eval(item);
                }
            }
            Err(e) => {
                prop_assert!(!e.message.is_empty());
                if let Some(span) = e.span {
                    prop_assert!(span.start <= text.len(), "{:?} outside {}", span, text);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The rule loader.

#[derive(Debug, Clone)]
enum RuleEdit {
    Insert(Index, String),
    Delete(Index, usize),
    ReplaceLine(Index, String),
    DuplicateLine(Index),
    ReplaceValue(Index, String),
    Truncate(Index),
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(vec![
            "\"", "'", "'''", "\"\"\"", "[", "]", "[[", "]]", "{", "}", "=", ",", "\n", "#", "\\",
            "\n[check]\n", "\n[[test]]\n", "\n[params]\n", "\n[docs]\n", "path = \"", "\"$",
            "\u{0}", "é", "€", "𝄞", "\r\n", "= [1, 2", "all = [", "matches = \"(\"",
            "glob = \"[\"", "cidr_in = [\"300.0.0.0/99\"]", "covers_ports = [70000]",
            "length_gte = -1", "if_missing = \"maybe\"", "expect = \"sideways\"", "id = \"other\"",
            "resource_types = []", "severity = \"urgent\"", "on_missing = \"pass\"", "x = 1\n",
            "resource = 1", "resource = { }", "check = 1", "applies_when = { path = \"@\" }",
        ])
        .prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

fn rule_edit() -> impl Strategy<Value = RuleEdit> {
    prop_oneof![
        3 => (any::<Index>(), fragment()).prop_map(|(i, s)| RuleEdit::Insert(i, s)),
        1 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| RuleEdit::Delete(i, n)),
        1 => (any::<Index>(), fragment()).prop_map(|(i, s)| RuleEdit::ReplaceLine(i, s)),
        1 => any::<Index>().prop_map(RuleEdit::DuplicateLine),
        2 => (any::<Index>(), operand()).prop_map(|(i, s)| RuleEdit::ReplaceValue(i, s)),
        1 => any::<Index>().prop_map(RuleEdit::Truncate),
    ]
}

/// The char boundary at or before the byte an index picks.
fn boundary(text: &str, index: &Index) -> usize {
    if text.is_empty() {
        return 0;
    }
    let mut at = index.index(text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn edit_rule(text: &str, edit: &RuleEdit) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let line = |i: &Index| i.index(lines.len());
    match edit {
        RuleEdit::Insert(i, s) => {
            let at = boundary(text, i);
            format!("{}{s}{}", &text[..at], &text[at..])
        }
        RuleEdit::Delete(i, n) => {
            let at = boundary(text, i);
            let mut end = (at + n).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            format!("{}{}", &text[..at], &text[end..])
        }
        RuleEdit::ReplaceLine(i, s) => {
            let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
            l[line(i)] = s.clone();
            l.join("\n")
        }
        RuleEdit::DuplicateLine(i) => {
            let mut l: Vec<&str> = lines.clone();
            l.insert(line(i), lines[line(i)]);
            l.join("\n")
        }
        RuleEdit::ReplaceValue(i, s) => {
            // The right-hand side of one `key = value` line.
            let assignments: Vec<usize> = (0..lines.len())
                .filter(|&n| lines[n].contains(" = "))
                .collect();
            if assignments.is_empty() {
                return text.to_string();
            }
            let n = *i.get(&assignments);
            let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
            let (k, _) = lines[n].split_once(" = ").unwrap();
            l[n] = format!("{k} = {s}");
            l.join("\n")
        }
        RuleEdit::Truncate(i) => text[..boundary(text, i)].to_string(),
    }
}

fn check_rule_result(name: &str, text: &str) -> Result<(), TestCaseError> {
    match Rule::parse(name, text) {
        Ok(rule) => {
            if let Ok(compiled) = rule.compile(None) {
                let _ = compiled.check.description();
            }
            let _ = rule.check_description();
            let _ = rule.scope_description();
            let _ = rule.config_rule_parameters(&rule.params);
            let _ = run_tests(&rule);
        }
        Err(e) => {
            prop_assert_eq!(&e.file, name);
            prop_assert!(e.to_string().starts_with(name), "{}", e);
            let lines = text.split('\n').count();
            prop_assert!(
                e.line >= 1 && e.line <= lines,
                "line {} of {}: {}",
                e.line,
                lines,
                e
            );
            prop_assert!(e.column >= 1, "{}", e);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn rule_loader_takes_any_text(text in prop_oneof![any::<String>(), "[a-z_ =\"'\\[\\]{}\n#.,$0-9é]{0,200}"]) {
        check_rule_result("rules/x/demo.toml", &text)?;
        check_rule_result("demo.toml", &format!("id = \"demo\"\n{text}"))?;
    }

    #[test]
    fn mutated_real_rules_load_or_name_the_file(
        which in any::<Index>(),
        neighbour in any::<Index>(),
        edits in prop::collection::vec(rule_edit(), 1..4),
    ) {
        let file = which.get(rule_files());
        let text = edits.iter().fold(file.text.clone(), |t, e| edit_rule(&t, e));
        check_rule_result(&file.name, &text)?;
        // Loaded beside an intact rule, only the mutated file can be at fault (the
        // whole catalogue per case would make this property most of the run time).
        let other = neighbour.get(rule_files());
        let mut files = vec![(file.name.clone(), text.as_str())];
        if other.name != file.name {
            files.push((other.name.clone(), other.text.as_str()));
        }
        if let Err(errors) = Catalogue::load(&[RuleSource { files }]) {
            for e in errors {
                prop_assert_eq!(&e.file, &file.name, "{}", e);
            }
        }
    }

    #[test]
    fn line_col_takes_any_offset(text in any::<String>(), offset in 0usize..2048) {
        let (line, column) = line_col(&text, offset);
        prop_assert!(line >= 1 && column >= 1);
        prop_assert!(line <= text.split('\n').count());
    }
}

// ---------------------------------------------------------------------------
// The engine.

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn engine_judges_any_item_with_one_finding_per_rule(
        v in prop_oneof![
            3 => mutated_sample(),
            1 => valid_item(),
            1 => json_value(),
        ],
        kind in prop::sample::select(types()),
        raw in any::<bool>(),
    ) {
        let engine = engine();
        // Normalised as a scan would, or (for shapes the normaliser rejects) as the
        // raw body with a type, which a live collector could hand over.
        let body = match normalize_item(v.clone()) {
            Ok(body) if !raw => body,
            _ => {
                let mut body = v;
                if let Value::Object(m) = &mut body {
                    m.insert("resourceType".into(), json!(kind));
                }
                body
            }
        };
        let item = ConfigItem::from_body(body, Arc::from("p.json"));
        let mut findings = Vec::new();
        engine.evaluate_into(&item, &mut findings);
        prop_assert_eq!(findings.len(), engine.rules_for(&item.resource_type));
        for f in &findings {
            prop_assert!(f.weight().is_finite());
        }
    }
}

// ---------------------------------------------------------------------------
// Regression cases found by the properties above, kept by name.

#[test]
fn catalogue_and_samples_are_present() {
    assert!(catalogue().len() >= 20);
    assert!(sample_resources().len() >= 50);
    assert!(engine().rule_count() == catalogue().len());
}

#[test]
fn deeply_nested_filters_are_an_error_not_a_crash() {
    // Each `[?` nests a parser call: a long enough path overflowed the stack, which
    // aborts the process (no panic to catch, no exit code 0-3).
    let text = format!("a{}", "[?b".repeat(100_000));
    let e = Path::parse(&text).unwrap_err();
    assert!(e.message.contains("nested"), "{e}");
    let rule_path = format!("{}==1]", "[?b".repeat(1000));
    assert!(Path::parse(&rule_path).is_err());
    // Resolving recursed once per step, and `[*]` on a non-list yields the value
    // itself, so a long enough path of them overflowed the stack at the first item.
    let e = Path::parse(&format!("a{}", "[*]".repeat(100_000))).unwrap_err();
    assert!(e.message.contains("steps"), "{e}");
    // Real paths stay well inside the limits.
    let long = format!("a{}", "[*]".repeat(100));
    assert_eq!(
        Path::parse(&long).unwrap().resolve(&json!({"a": 1})).values,
        [&json!(1)]
    );
}

#[test]
fn deeply_nested_conditions_are_an_error_not_a_crash() {
    let depth = 20_000;
    let text = format!(
        "check = {}{{ path = \"@\", exists = true }}{}",
        "{ not = ".repeat(depth),
        " }".repeat(depth)
    );
    if let Ok(w) = toml::from_str::<Wrapper>(&text) {
        let _ = compile(&w.check, &params());
    }
    let rule = format!("id = \"deep\"\n{text}\n");
    assert!(Rule::parse("deep.toml", &rule).is_err());
}

// Sharding: any set of account × region units, any shard count, splits into
// disjoint, complete shards whose sizes differ by at most one.
proptest! {
    #![proptest_config(config(256))]
    #[test]
    fn shards_partition_any_organisation(
        accounts in proptest::collection::btree_set("[0-9]{12}", 0..30),
        regions in proptest::collection::btree_set("[a-z]{2}-[a-z]{4,9}-[1-3]", 1..5),
        count in 1u32..12,
    ) {
        use compliance_core::shard::{assign, units, Shard};
        let accounts: Vec<String> = accounts.into_iter().collect();
        let regions: Vec<String> = regions.into_iter().collect();
        let all = units(&accounts, &regions);
        let mut seen = std::collections::BTreeSet::new();
        let mut sizes = Vec::new();
        for k in 0..count {
            let mine = assign(&all, Shard::new(k, count).unwrap());
            sizes.push(mine.len());
            for u in mine {
                prop_assert!(seen.insert(u));
            }
        }
        prop_assert_eq!(seen.len(), all.len());
        let lo = *sizes.iter().min().unwrap();
        let hi = *sizes.iter().max().unwrap();
        prop_assert!(hi - lo <= 1);
    }
}
