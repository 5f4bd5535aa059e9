//! The normaliser: every form in which AWS hands out configuration items becomes
//! one canonical [`ConfigItem`] before any rule sees it.
//!
//! Real items are messy (see ../shared/fixtures/config-items/SOURCES.md): two
//! serialisations with different key names, JSON inside JSON strings (the S3 ACL
//! twice), URL-encoded IAM documents, `"false"` for false, floats for ports,
//! select_resource_config results without a resource type, and envelopes (snapshot
//! and history files, SNS, SQS, rule events) around them. Keeping all of that in
//! one module means rules can be written against the documented AWS Config schema
//! and never against a quirk.
//!
//! Decisions: an item we cannot identify (no type and no recognisable shape) is an
//! input error naming the file and position, not a silent skip; envelopes that
//! carry no item (oversized or scheduled notifications) are reported as skipped so
//! the scan can say what it could not read.

use crate::resource::{canonical_type, is_region_name, ConfigItem};
use crate::timestamp;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The items read from one document and the envelopes that held none.
#[derive(Debug, Default)]
pub struct Loaded {
    pub items: Vec<ConfigItem>,
    pub skipped: Vec<Skipped>,
}

/// A part of an input that carried no evaluable configuration item.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Skipped {
    pub source: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum InputError {
    #[error("{file}:{line}:{column}: not valid JSON: {message}")]
    NotJson {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: not an AWS Config file: {detail}")]
    NotConfig { file: String, detail: String },
    #[error("{file}: item at {location}: {message}")]
    BadItem {
        file: String,
        location: String,
        message: String,
    },
}

/// How much of a document is searched for `"configurationItems"` before it is
/// streamed as a snapshot file.
const HEAD_BYTES: usize = 1 << 16;

/// Streams the raw (unparsed) items of an AWS Config snapshot or history file
/// (`{"configurationItems": [...]}` at the top) to `sink` one by one, with their
/// position, without building the whole document: memory follows one item, not
/// the file. Returns `Ok(false)` when the text is not such a file (the caller then
/// reads it whole with [`load_document`]).
pub fn stream_snapshot<'t>(
    file: &str,
    text: &'t str,
    sink: &mut dyn FnMut(usize, &'t RawValue),
) -> Result<bool, InputError> {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    // Only the head is searched for the key, so a non-snapshot file costs nothing
    // more; the cut moves back to a character boundary because the head of a real
    // file can end inside a multi-byte character.
    let mut cut = text.len().min(HEAD_BYTES);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &text[..cut];
    if !text.trim_start().starts_with('{') || !head.contains("\"configurationItems\"") {
        return Ok(false);
    }
    struct Envelope<'s, 't> {
        sink: &'s mut dyn FnMut(usize, &'t RawValue),
        found: bool,
    }
    struct Items<'e, 's, 't>(&'e mut Envelope<'s, 't>);
    impl<'t> Visitor<'t> for &mut Envelope<'_, 't> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an AWS Config snapshot or history file")
        }
        fn visit_map<A: MapAccess<'t>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<std::borrow::Cow<'t, str>>()? {
                if key == "configurationItems" && !self.found {
                    self.found = true;
                    map.next_value_seed(Items(self))?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(())
        }
    }
    impl<'t> DeserializeSeed<'t> for Items<'_, '_, 't> {
        type Value = ();
        fn deserialize<D: Deserializer<'t>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'t> Visitor<'t> for Items<'_, '_, 't> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of configuration items")
        }
        fn visit_seq<S: SeqAccess<'t>>(self, mut seq: S) -> Result<(), S::Error> {
            let mut i = 0;
            // Only the item's extent is found here; building its tree is left to
            // the caller, which can spread that work over every core.
            while let Some(item) = seq.next_element::<&'t RawValue>()? {
                (self.0.sink)(i, item);
                i += 1;
            }
            Ok(())
        }
    }
    let mut envelope = Envelope { sink, found: false };
    let mut de = serde_json::Deserializer::from_str(text);
    let result = de.deserialize_map(&mut envelope).and_then(|_| de.end());
    match result {
        Ok(()) => Ok(envelope.found),
        Err(e) if e.is_syntax() || e.is_eof() => Err(InputError::NotJson {
            file: file.to_string(),
            line: e.line(),
            column: e.column(),
            message: strip_position(&e.to_string()),
        }),
        // Valid JSON of another shape (say a list where the items should be): read it whole.
        Err(_) => Ok(false),
    }
}

/// The canonical item for a raw item streamed from position `index` of a snapshot file.
pub fn item_at(file: &str, index: usize, raw: &RawValue) -> Result<ConfigItem, InputError> {
    let location = format!("$.configurationItems[{index}]");
    // The text was validated as JSON by the stream; only depth limits can fail here.
    let raw: Value = serde_json::from_str(raw.get()).map_err(|e| InputError::BadItem {
        file: file.to_string(),
        location: location.clone(),
        message: e.to_string(),
    })?;
    if !raw.is_object() {
        return Err(InputError::BadItem {
            file: file.to_string(),
            location,
            message: format!(
                "expected a configuration item, found {}",
                crate::value::type_name(&raw)
            ),
        });
    }
    let body = normalize_item(raw).map_err(|message| InputError::BadItem {
        file: file.to_string(),
        location: location.clone(),
        message,
    })?;
    Ok(ConfigItem::from_body(
        body,
        Arc::from(format!("{file}:{location}")),
    ))
}

/// Reads every configuration item in a document of any supported form.
/// Several JSON documents in one text (JSON Lines) are read one after another.
pub fn load_document(file: &str, text: &str) -> Result<Loaded, InputError> {
    let mut raw = Vec::new();
    if stream_snapshot(file, text, &mut |i, v| raw.push((i, v)))? {
        let items = raw
            .into_iter()
            .map(|(i, v)| item_at(file, i, v))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Loaded {
            items,
            skipped: Vec::new(),
        });
    }
    let mut docs = Vec::new();
    for doc in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        docs.push(doc.map_err(|e| InputError::NotJson {
            file: file.to_string(),
            line: e.line(),
            column: e.column(),
            message: strip_position(&e.to_string()),
        })?);
    }
    if docs.is_empty() {
        return Err(InputError::NotConfig {
            file: file.to_string(),
            detail: "the file is empty".into(),
        });
    }
    let mut loaded = Loaded::default();
    let many = docs.len() > 1;
    for (i, doc) in docs.into_iter().enumerate() {
        let location = if many {
            format!("document {}", i + 1)
        } else {
            "$".to_string()
        };
        collect(file, doc, &location, true, &mut loaded)?;
    }
    Ok(loaded)
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn collect(
    file: &str,
    v: Value,
    location: &str,
    top: bool,
    out: &mut Loaded,
) -> Result<(), InputError> {
    let bad = |message: String| InputError::BadItem {
        file: file.to_string(),
        location: location.to_string(),
        message,
    };
    match v {
        Value::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                collect(file, item, &format!("{location}[{i}]"), false, out)?;
            }
            Ok(())
        }
        Value::String(s) if !top => {
            let inner: Value = serde_json::from_str(&s)
                .map_err(|e| bad(format!("a JSON string that does not parse: {e}")))?;
            collect(file, inner, location, false, out)
        }
        Value::Object(mut map) => {
            // Recorded boto responses: {"status_code": 200, "data": {...}}.
            if map.contains_key("status_code") {
                if let Some(data) = map.remove("data") {
                    return collect(file, data, &format!("{location}.data"), top, out);
                }
            }
            for key in ["configurationItems", "Results", "Messages"] {
                if let Some(Value::Array(list)) = map.remove(key) {
                    for (i, item) in list.into_iter().enumerate() {
                        let item = if key == "Messages" {
                            match item {
                                Value::Object(mut m) => m.remove("Body").unwrap_or(Value::Null),
                                other => other,
                            }
                        } else {
                            item
                        };
                        collect(file, item, &format!("{location}.{key}[{i}]"), false, out)?;
                    }
                    return Ok(());
                }
            }
            if map.get("Type").and_then(Value::as_str) == Some("Notification") {
                if let Some(message) = map.remove("Message") {
                    return collect(file, message, &format!("{location}.Message"), false, out);
                }
            }
            if let Some(event) = map.remove("invokingEvent") {
                return collect(
                    file,
                    event,
                    &format!("{location}.invokingEvent"),
                    false,
                    out,
                );
            }
            if let Some(ci) = map.remove("configurationItem") {
                return push_item(file, ci, &format!("{location}.configurationItem"), out);
            }
            if let Some(kind) = map.get("messageType").and_then(Value::as_str) {
                let reason = match kind {
                    "OversizedConfigurationItemChangeNotification" => {
                        let id = map
                            .get("configurationItemSummary")
                            .and_then(|s| s.get("resourceId"))
                            .and_then(Value::as_str)
                            .unwrap_or("?");
                        format!("oversized change notification for {id} carries only a summary; read the item with get_resource_config_history")
                    }
                    other => format!("{other} carries no configuration item"),
                };
                out.skipped.push(Skipped {
                    source: format!("{file}:{location}"),
                    reason,
                });
                return Ok(());
            }
            if looks_like_item(&map) {
                return push_item(file, Value::Object(map), location, out);
            }
            let keys: Vec<&str> = map.keys().map(String::as_str).take(8).collect();
            let detail = format!(
                "expected a snapshot or history file (configurationItems), a configuration item, a select_resource_config result, a rule event or an SNS/SQS notification; found an object with keys {}",
                keys.join(", ")
            );
            if top {
                Err(InputError::NotConfig {
                    file: file.to_string(),
                    detail,
                })
            } else {
                Err(bad(detail))
            }
        }
        other if top => Err(InputError::NotConfig {
            file: file.to_string(),
            detail: format!(
                "expected a JSON object or array, found {}",
                crate::value::type_name(&other)
            ),
        }),
        other => Err(bad(format!(
            "expected a configuration item, found {}",
            crate::value::type_name(&other)
        ))),
    }
}

fn looks_like_item(map: &Map<String, Value>) -> bool {
    [
        "resourceType",
        "configuration",
        "supplementaryConfiguration",
        "resourceId",
    ]
    .iter()
    .any(|k| map.contains_key(*k))
}

fn push_item(file: &str, raw: Value, location: &str, out: &mut Loaded) -> Result<(), InputError> {
    let source: Arc<str> = Arc::from(format!("{file}:{location}"));
    let item = normalize_item(raw).map_err(|message| InputError::BadItem {
        file: file.to_string(),
        location: location.to_string(),
        message,
    })?;
    out.items.push(ConfigItem::from_body(item, source));
    Ok(())
}

/// Turns one raw configuration item (any form) into the canonical body.
pub fn normalize_item(raw: Value) -> Result<Value, String> {
    let Value::Object(mut ci) = raw else {
        return Err("a configuration item must be a JSON object".into());
    };
    for (from, to) in [
        ("arn", "ARN"),
        ("accountId", "awsAccountId"),
        ("version", "configurationItemVersion"),
        ("configurationItemMD5Hash", "configurationStateMd5Hash"),
        ("configurationStateID", "configurationStateId"),
        ("availibilityZone", "availabilityZone"),
        ("configurationItemState", "configurationStateId"),
    ] {
        if let Some(v) = ci.remove(from) {
            ci.entry(to.to_string()).or_insert(v);
        }
    }

    if let Some(Value::String(s)) = ci.get("configuration") {
        let parsed: Value = serde_json::from_str(s)
            .map_err(|e| format!("`configuration` is a string that is not JSON: {e}"))?;
        ci.insert("configuration".into(), parsed);
    }
    let mut supplementary = match ci.remove("supplementaryConfiguration") {
        Some(Value::String(s)) => serde_json::from_str(&s).map_err(|e| {
            format!("`supplementaryConfiguration` is a string that is not JSON: {e}")
        })?,
        Some(Value::Null) | None => Value::Object(Map::new()),
        Some(v) => v,
    };
    if let Value::Object(map) = &mut supplementary {
        for value in map.values_mut() {
            unwrap_json_strings(value);
        }
        if let Some(Value::Object(policy)) = map.get_mut("BucketPolicy") {
            if let Some(text) = policy.get_mut("policyText") {
                unwrap_json_strings(text);
            }
        }
    }
    ci.insert("supplementaryConfiguration".into(), supplementary);

    if let Some(Value::Object(config)) = ci.get_mut("configuration") {
        decode_iam_documents(config);
    }

    // An empty type is no type: kept, it matched no rule and the item vanished silently.
    let given_type = ci
        .get("resourceType")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty());
    let resource_type = match given_type {
        Some(t) => canonical_type(t),
        None => infer_type(&ci).ok_or(
            "no `resourceType` and its shape matches no known type; select `resourceType` in the query".to_string(),
        )?,
    };
    ci.insert("resourceType".into(), Value::String(resource_type.clone()));

    // The registry says which configuration fields name the item; they are read
    // once here instead of cloning the configuration.
    let info = crate::registry::lookup(&resource_type);
    let arn_field = match info.map(|t| t.arn) {
        Some(crate::registry::Arn::Field(f)) => Some(f),
        _ => None,
    };
    let cfg_fields: std::collections::HashMap<&str, String> = ci
        .get("configuration")
        .and_then(Value::as_object)
        .map(|c| {
            [
                info.and_then(|t| t.id_field),
                info.and_then(|t| t.name_field),
                arn_field,
                Some("arn"),
            ]
            .into_iter()
            .flatten()
            .filter_map(|k| c.get(k).and_then(Value::as_str).map(|v| (k, v.to_string())))
            .collect()
        })
        .unwrap_or_default();
    let cfg = |k: &str| cfg_fields.get(k).cloned();

    if ci.get("resourceId").and_then(Value::as_str).is_none() {
        let id = info
            .and_then(|t| t.id_field)
            .and_then(cfg)
            .or_else(|| {
                ci.get("resourceName")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .or_else(|| ci.get("ARN").and_then(Value::as_str).map(str::to_string))
            .ok_or_else(|| format!("{resource_type} without `resourceId`"))?;
        ci.insert("resourceId".into(), Value::String(id));
    }
    let resource_id = ci["resourceId"].as_str().unwrap_or_default().to_string();

    if ci.get("resourceName").and_then(Value::as_str).is_none() {
        let name = info.and_then(|t| t.name_field).and_then(cfg);
        if let Some(name) = name {
            ci.insert("resourceName".into(), Value::String(name));
        }
    }

    // An ARN the configuration carries is taken before the account and region are
    // derived, because they are read from it: taken after, a second pass over the
    // same item would find what the first missed.
    if ci.get("ARN").and_then(Value::as_str).is_none() {
        // The registry says where a type's ARN is; a templated one is built below.
        let carried = match info.map(|t| t.arn) {
            Some(crate::registry::Arn::Field(f)) => cfg(f),
            Some(crate::registry::Arn::Template(_)) => None,
            _ => cfg("arn"),
        };
        if let Some(arn) = carried {
            ci.insert("ARN".into(), Value::String(arn));
        }
    }

    // The registry says which types AWS files under `global`; a type it does not
    // know yet (a new IAM type in a Config export) still follows IAM's rule.
    let global = info.map_or_else(|| resource_type.starts_with("AWS::IAM::"), |t| t.global);
    let arn_part = |ci: &Map<String, Value>, i: usize| {
        ci.get("ARN")
            .and_then(Value::as_str)
            .and_then(|a| a.split(':').nth(i))
            .filter(|p| !p.is_empty())
            .map(str::to_string)
    };
    if ci.get("awsAccountId").and_then(Value::as_str).is_none() {
        if let Some(account) = arn_part(&ci, 4)
            .or_else(|| cfg("arn").and_then(|a| a.split(':').nth(4).map(str::to_string)))
        {
            ci.insert("awsAccountId".into(), Value::String(account));
        }
    }
    if ci.get("awsRegion").and_then(Value::as_str).is_none() {
        // Only a part that looks like a region counts: 2014 documentation examples
        // carry ARNs with an availability zone or nothing in that place.
        let region = if global {
            Some("global".to_string())
        } else {
            arn_part(&ci, 3).filter(|r| is_region_name(r)).or_else(|| {
                ci.get("availabilityZone")
                    .and_then(Value::as_str)
                    .and_then(|az| az.get(..az.len().saturating_sub(1)))
                    .filter(|r| is_region_name(r))
                    .map(str::to_string)
            })
        };
        if let Some(region) = region {
            ci.insert("awsRegion".into(), Value::String(region));
        }
    }
    if ci.get("ARN").and_then(Value::as_str).is_none() {
        let region = ci
            .get("awsRegion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let account = ci
            .get("awsAccountId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let name = ci.get("resourceName").and_then(Value::as_str);
        let arn = match info.map(|t| t.arn) {
            Some(crate::registry::Arn::Template(_)) => {
                info.and_then(|t| t.arn_from_template(&region, &account, &resource_id, name))
            }
            Some(crate::registry::Arn::Field(f)) => cfg(f),
            _ => cfg("arn"),
        };
        if let Some(arn) = arn {
            ci.insert("ARN".into(), Value::String(arn));
        }
    }

    let tags = ci.get("tags").and_then(tag_map).filter(|m| !m.is_empty());
    let tags = tags.or_else(|| {
        let supplementary = ci.get("supplementaryConfiguration");
        let config = ci.get("configuration");
        [
            config.and_then(|c| c.get("tags")),
            config.and_then(|c| c.get("tagList")),
            config.and_then(|c| c.get("tagSet")),
            supplementary.and_then(|s| s.get("Tags")),
            supplementary
                .and_then(|s| s.get("BucketTaggingConfiguration"))
                .and_then(|t| t.get("tagSets"))
                .and_then(|t| t.get(0))
                .and_then(|t| t.get("tags")),
        ]
        .into_iter()
        .flatten()
        .filter_map(tag_map)
        .find(|m| !m.is_empty())
    });
    ci.insert("tags".into(), Value::Object(tags.unwrap_or_default()));

    for key in ["configurationItemCaptureTime", "resourceCreationTime"] {
        if let Some(v) = ci.get(key) {
            if let Some(t) = timestamp::parse(v) {
                ci.insert(key.into(), Value::String(timestamp::format(&t)));
            }
        }
    }
    Ok(Value::Object(ci))
}

/// Parses JSON held in strings, repeatedly: the S3 ACL arrives encoded twice in
/// API form, and `"false"` becomes `false`. Plain text that is not JSON stays.
fn unwrap_json_strings(v: &mut Value) {
    for _ in 0..3 {
        let Value::String(s) = v else { return };
        let trimmed = s.trim_start();
        let plausible =
            trimmed.starts_with(['{', '[', '"']) || matches!(trimmed, "true" | "false" | "null");
        if !plausible {
            return;
        }
        match serde_json::from_str::<Value>(s) {
            Ok(parsed) => *v = parsed,
            Err(_) => return,
        }
    }
}

/// IAM policy documents are percent-encoded JSON in real items; some samples
/// carry them already decoded, some wrapped in a one-element list.
fn decode_iam_documents(config: &mut Map<String, Value>) {
    if let Some(doc) = config.get_mut("assumeRolePolicyDocument") {
        decode_policy(doc);
    }
    if let Some(doc) = config.get_mut("policyDocument") {
        decode_policy(doc);
    }
    for (list, key) in [
        ("policyVersionList", "document"),
        ("userPolicyList", "policyDocument"),
        ("rolePolicyList", "policyDocument"),
        ("groupPolicyList", "policyDocument"),
    ] {
        if let Some(Value::Array(entries)) = config.get_mut(list) {
            for entry in entries {
                if let Some(doc) = entry.get_mut(key) {
                    decode_policy(doc);
                }
            }
        }
    }
}

/// Decodes one policy document in place: percent-decode (not form decoding: `+`
/// stays `+`), parse, and fold a list of documents into one.
pub fn decode_policy(doc: &mut Value) {
    if let Value::String(s) = doc {
        let decoded = percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned();
        if let Ok(parsed) = serde_json::from_str::<Value>(&decoded) {
            *doc = parsed;
        }
    }
    if let Value::Array(list) = doc {
        if list.len() == 1 {
            let only = list.pop().expect("one element");
            *doc = only;
            decode_policy(doc);
        } else if list.iter().all(Value::is_object) {
            let statements: Vec<Value> = list
                .iter()
                .flat_map(|d| match d.get("Statement") {
                    Some(Value::Array(s)) => s.clone(),
                    Some(s) => vec![s.clone()],
                    None => vec![],
                })
                .collect();
            let version = list
                .first()
                .and_then(|d| d.get("Version"))
                .cloned()
                .unwrap_or(Value::Null);
            *doc = serde_json::json!({"Version": version, "Statement": statements});
        }
    }
}

/// A tag map from `{k: v}` or `[{key, value}]` / `[{Key, Value}]`.
fn tag_map(v: &Value) -> Option<Map<String, Value>> {
    match v {
        Value::Object(m) => Some(m.clone()),
        Value::Array(list) => Some(
            list.iter()
                .filter_map(|t| {
                    let key = t.get("key").or_else(|| t.get("Key"))?.as_str()?;
                    let value = t
                        .get("value")
                        .or_else(|| t.get("Value"))
                        .cloned()
                        .unwrap_or(Value::Null);
                    Some((key.to_string(), value))
                })
                .collect(),
        ),
        _ => None,
    }
}

/// Recognises the resource type of a select_resource_config result that did not
/// select `resourceType`, from fields only that type has.
fn infer_type(ci: &Map<String, Value>) -> Option<String> {
    let has = |path: &str| {
        let (part, key) = path.split_once('.').unwrap_or((path, ""));
        ci.get(part)
            .and_then(Value::as_object)
            .is_some_and(|m| m.contains_key(key))
    };
    crate::registry::infer_type(has).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(v: Value) -> Value {
        normalize_item(v).expect("normalises")
    }

    #[test]
    fn api_form_is_unwrapped() {
        let ci = one(json!({
            "arn": "arn:aws:s3:::b", "accountId": "123", "resourceType": "AWS::S3::Bucket", "resourceId": "b",
            "awsRegion": "us-east-1",
            "configuration": "{\"name\":\"b\"}",
            "supplementaryConfiguration": {
                "AccessControlList": "\"{\\\"grantList\\\":[{\\\"grantee\\\":\\\"AllUsers\\\",\\\"permission\\\":\\\"Read\\\"}]}\"",
                "IsRequesterPaysEnabled": "false",
                "BucketPolicy": "{\"policyText\":\"{\\\"Statement\\\":[]}\"}"
            }
        }));
        assert_eq!(ci["ARN"], "arn:aws:s3:::b");
        assert_eq!(ci["awsAccountId"], "123");
        assert_eq!(ci["configuration"]["name"], "b");
        let s = &ci["supplementaryConfiguration"];
        assert_eq!(
            s["AccessControlList"]["grantList"][0]["grantee"],
            "AllUsers"
        );
        assert_eq!(s["IsRequesterPaysEnabled"], false);
        assert_eq!(s["BucketPolicy"]["policyText"]["Statement"], json!([]));
    }

    #[test]
    fn iam_documents_are_decoded() {
        let ci = one(json!({
            "resourceType": "AWS::IAM::Role", "resourceId": "r",
            "configuration": {
                "assumeRolePolicyDocument": "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D",
                "rolePolicyList": [{"policyName": "p", "policyDocument": [{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}]}]
            }
        }));
        assert_eq!(
            ci["configuration"]["assumeRolePolicyDocument"]["Statement"][0]["Action"],
            "sts:AssumeRole"
        );
        assert_eq!(
            ci["configuration"]["rolePolicyList"][0]["policyDocument"]["Statement"]["Action"],
            "*"
        );
        assert_eq!(ci["awsRegion"], "global");
    }

    #[test]
    fn regions_come_only_from_region_shaped_parts() {
        assert!(is_region_name("eu-west-1") && is_region_name("us-gov-west-1"));
        assert!(!is_region_name("us-west-2b") && !is_region_name("123456789012"));
        let ci = one(
            json!({"resourceType": "AWS::EC2::Volume", "resourceId": "vol-1",
            "arn": "arn:aws:us-west-2b:123456789012:volume/vol-1", "availabilityZone": "us-west-2b"}),
        );
        assert_eq!(ci["awsRegion"], "us-west-2");
    }

    #[test]
    fn plus_signs_survive_percent_decoding() {
        let mut doc = json!("%7B%22Sid%22%3A%22a+b%22%7D");
        decode_policy(&mut doc);
        assert_eq!(doc["Sid"], "a+b");
    }

    #[test]
    fn select_results_get_type_id_and_arn() {
        let ci = one(
            json!({"configuration": {"groupId": "sg-1", "vpcId": "vpc-1", "ipPermissions": []}}),
        );
        assert_eq!(ci["resourceType"], "AWS::EC2::SecurityGroup");
        assert_eq!(ci["resourceId"], "sg-1");
        let bucket = one(
            json!({"awsRegion": "us-east-2", "configuration": {"name": "b", "owner": {}, "creationDate": "x"}, "supplementaryConfiguration": {}}),
        );
        assert_eq!(bucket["resourceType"], "AWS::S3::Bucket");
        assert_eq!(bucket["ARN"], "arn:aws:s3:::b");
        assert!(normalize_item(json!({"configuration": {"foo": 1}}))
            .unwrap_err()
            .contains("resourceType"));
    }

    #[test]
    fn account_and_region_come_from_an_arn_in_the_configuration() {
        // Found by the property tests: the stack's ARN was taken only after the
        // account and region were looked for in it, so a second pass found them.
        let raw = json!({"resourceType": "AWS::CloudFormation::Stack", "resourceId": "s",
            "configuration": {"stackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/1"}});
        let first = one(raw);
        assert_eq!(first["awsRegion"], "eu-west-1");
        assert_eq!(first["awsAccountId"], "123456789012");
        assert_eq!(one(first.clone()), first);
        let db = one(
            json!({"resourceType": "AWS::RDS::DBInstance", "resourceId": "db-1",
            "configuration": {"dBInstanceArn": "arn:aws:rds:us-east-2:123456789012:db:d"}}),
        );
        assert_eq!(db["awsRegion"], "us-east-2");
        assert_eq!(db["ARN"], "arn:aws:rds:us-east-2:123456789012:db:d");
    }

    #[test]
    fn an_empty_resource_type_is_no_type() {
        // Found by the property tests: `"resourceType": ""` was kept, so the item
        // matched no rule and vanished from the scan without a word.
        let err =
            normalize_item(json!({"resourceType": " ", "resourceId": "x", "configuration": {}}))
                .unwrap_err();
        assert!(err.contains("resourceType"), "{err}");
        let sg =
            one(json!({"resourceType": "", "configuration": {"groupId": "sg-1", "vpcId": "v"}}));
        assert_eq!(sg["resourceType"], "AWS::EC2::SecurityGroup");
    }

    #[test]
    fn tags_come_from_lists_when_the_map_is_empty() {
        let ci = one(
            json!({"resourceType": "AWS::EC2::Instance", "resourceId": "i-1", "tags": {},
            "configuration": {"tags": [{"key": "Owner", "value": "ops"}]}}),
        );
        assert_eq!(ci["tags"], json!({"Owner": "ops"}));
        let rds = one(
            json!({"resourceType": "AWS::RDS::DBInstance", "resourceId": "db-1", "configuration": {},
            "supplementaryConfiguration": {"Tags": [{"key": "Criticality", "value": "high"}]}}),
        );
        assert_eq!(rds["tags"], json!({"Criticality": "high"}));
    }

    #[test]
    fn envelopes_are_opened() {
        let item = json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b", "configuration": {"name": "b"}});
        let message = json!({"messageType": "ConfigurationItemChangeNotification", "configurationItem": item}).to_string();
        let sns = json!({"Type": "Notification", "Message": message}).to_string();
        let sqs = json!({"Messages": [{"Body": sns}]}).to_string();
        let loaded = load_document("q.json", &sqs).unwrap();
        assert_eq!(loaded.items.len(), 1);
        assert_eq!(loaded.items[0].resource_id, "b");
        let event = json!({"invokingEvent": json!({"configurationItem": item, "messageType": "ConfigurationItemChangeNotification"}).to_string()});
        assert_eq!(
            load_document("e.json", &event.to_string())
                .unwrap()
                .items
                .len(),
            1
        );
        let oversized = json!({"messageType": "OversizedConfigurationItemChangeNotification", "configurationItemSummary": {"resourceId": "big"}});
        let loaded = load_document("o.json", &oversized.to_string()).unwrap();
        assert!(loaded.items.is_empty());
        assert!(loaded.skipped[0].reason.contains("big"));
    }

    #[test]
    fn snapshots_stream_item_by_item() {
        let text = r#"{"fileVersion": "1.0", "configurationItems": [
            {"resourceType": "AWS::S3::Bucket", "resourceId": "a"}, {"resourceType": "AWS::S3::Bucket", "resourceId": "b"}],
            "configSnapshotId": "x"}"#;
        let mut seen = Vec::new();
        assert!(stream_snapshot("s.json", text, &mut |i, v| {
            let v: Value = serde_json::from_str(v.get()).unwrap();
            seen.push((i, v["resourceId"].clone()))
        })
        .unwrap());
        assert_eq!(seen, [(0, json!("a")), (1, json!("b"))]);
        assert!(!stream_snapshot("s.json", r#"{"Results": []}"#, &mut |_, _| {}).unwrap());
        let broken = "{\"configurationItems\": [{\"resourceType\": ";
        assert!(matches!(
            stream_snapshot("s.json", broken, &mut |_, _| {}),
            Err(InputError::NotJson { .. })
        ));
    }

    #[test]
    fn a_character_across_the_head_boundary_is_read_not_cut() {
        // A three-byte character whose second byte is byte 65,536 of the file: the
        // head that is searched for the key must end before it, not inside it.
        let start = "{\"configurationItems\": [{\"resourceType\": \"AWS::S3::Bucket\", \"resourceId\": \"b\", \"configuration\": {\"note\": \"";
        let mut text = String::from(start);
        text.push_str(&"a".repeat(HEAD_BYTES - 1 - start.len()));
        text.push('€');
        assert!(!text.is_char_boundary(HEAD_BYTES));
        text.push_str(&"b".repeat(100));
        text.push_str("\"}}]}");
        let loaded = load_document("big.json", &text).expect("a valid snapshot loads");
        assert_eq!(loaded.items.len(), 1);
        let note = loaded.items[0].body["configuration"]["note"]
            .as_str()
            .expect("note survives");
        assert!(note.contains("a€b"));
        // The same cut inside a document that is not a snapshot file.
        let start = "{\"resourceType\": \"AWS::S3::Bucket\", \"resourceId\": \"";
        let pad = "x".repeat(HEAD_BYTES - 1 - start.len());
        let other = format!("{start}{pad}€\"}}");
        assert!(!other.is_char_boundary(HEAD_BYTES));
        assert_eq!(load_document("one.json", &other).unwrap().items.len(), 1);
    }

    #[test]
    fn json_lines_are_read() {
        let text = "{\"resourceType\":\"AWS::S3::Bucket\",\"resourceId\":\"a\"}\n{\"resourceType\":\"AWS::S3::Bucket\",\"resourceId\":\"b\"}\n";
        assert_eq!(load_document("l.json", text).unwrap().items.len(), 2);
    }

    #[test]
    fn bad_documents_name_file_and_place() {
        match load_document("x.json", "{\n  \"a\": ").unwrap_err() {
            InputError::NotJson { file, line, .. } => {
                assert_eq!(file, "x.json");
                assert_eq!(line, 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            load_document("p.json", "{\"name\": \"pkg\"}"),
            Err(InputError::NotConfig { .. })
        ));
        assert!(matches!(
            load_document("n.json", "42"),
            Err(InputError::NotConfig { .. })
        ));
        assert!(matches!(
            load_document("e.json", "  "),
            Err(InputError::NotConfig { .. })
        ));
        let err = load_document("i.json", "{\"configurationItems\": [{\"resourceType\": \"AWS::S3::Bucket\", \"resourceId\": \"b\"}, 7]}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "i.json: item at $.configurationItems[1]: expected a configuration item, found number"
        );
    }
}
