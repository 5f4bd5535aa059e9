//! Fuzz target: any text as the `check` condition of a rule, compiled with a
//! parameter and evaluated against a fixed security group item. Same calls as
//! `condition_parser_takes_any_text` in crates/compliance-core/tests/properties.rs.
#![no_main]

use compliance_core::condition::{compile, RawCondition};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;

#[derive(serde::Deserialize)]
struct Wrapper {
    check: toml::Spanned<RawCondition>,
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(w) = toml::from_str::<Wrapper>(&text) else {
        return;
    };
    let mut params = BTreeMap::new();
    params.insert("p".to_string(), serde_json::json!(["0.0.0.0/0", 22]));
    if let Ok(condition) = compile(&w.check, &params) {
        let item = serde_json::json!({
            "resourceType": "AWS::EC2::SecurityGroup",
            "resourceId": "sg-1",
            "tags": {"Owner": "ops"},
            "configuration": {"ipPermissions": [
                {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": ["0.0.0.0/0"]},
                {"ipProtocol": "-1", "ipv6Ranges": [{"cidrIpv6": "::/0"}]}
            ]},
            "supplementaryConfiguration": {}
        });
        let _ = condition.eval(&item);
    }
});
