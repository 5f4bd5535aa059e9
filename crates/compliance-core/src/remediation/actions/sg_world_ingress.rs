//! `sg-revoke-world-ingress`: revokes the world-open (0.0.0.0/0, ::/0) ingress
//! entries that admit the rule's ports, and nothing else. Other sources of the
//! same permission stay (they are separate entries to EC2), other ports stay,
//! and a world-open port range that merely contains a rule port is narrowed:
//! the range is revoked and the parts on either side are authorised again, so
//! 20-25 open to the world becomes 20-21 and 23-25 for a rule about port 22.
//! An all-traffic entry (protocol -1) cannot be narrowed to "everything but
//! these ports" in one rule per protocol, so it is revoked whole and the plan
//! says so. Anyone connecting from the internet on those ports is cut off:
//! disruptive. The command adds the instances and interfaces using the group.

use super::same;
use crate::remediation::{at, param, Action, Context, Params, PlanError, Planned, Risk, Undo};
use crate::resource::ConfigItem;
use crate::value::as_number;
use serde_json::{json, Value};

const PATH: &str = "configuration.ipPermissions";

pub static ACTION: Action = Action {
    id: "sg-revoke-world-ingress",
    title: "Revoke only the world-open entries (IPv4 and IPv6) of the rule's ports",
    resource_type: crate::registry::EC2_SECURITY_GROUP,
    reads: &[PATH],
    writes: "the group's world-open ingress entries for the rule's ports",
    risk: Risk::Disruptive,
    undo: Undo {
        reversible: true,
        caveat: Some("undo authorises the revoked entries again (descriptions included)"),
    },
    iam_actions: &[
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeNetworkInterfaces",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:AuthorizeSecurityGroupIngress",
    ],
    steps: &[],
    observe,
    compute,
    undo_target: same,
};

/// The rule's ports: `ports`, else `db_ports`.
fn ports(params: &Params) -> Result<Vec<i64>, PlanError> {
    let (key, v) = match param(params, "ports") {
        Some(v) => ("ports", v),
        None => match param(params, "db_ports") {
            Some(v) => ("db_ports", v),
            None => {
                return Err(PlanError::BadParam {
                    param: "ports".into(),
                    message: "the rule names no ports (parameter `ports` or `db_ports`)".into(),
                })
            }
        },
    };
    let list = match v {
        Value::Array(a) => a.clone(),
        one => vec![one.clone()],
    };
    list.iter()
        .map(|p| {
            as_number(p)
                .filter(|n| (0.0..=65535.0).contains(n))
                .map(|n| n as i64)
                .ok_or_else(|| PlanError::BadParam {
                    param: key.into(),
                    message: format!("{p} is not a port number"),
                })
        })
        .collect()
}

fn world(params: &Params) -> Vec<String> {
    match param(params, "world_cidrs") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => vec!["0.0.0.0/0".into(), "::/0".into()],
    }
}

/// `tcp`/`udp` with their numbers; `-1` is every protocol.
fn protocol(p: &Value) -> String {
    match p
        .as_str()
        .map(str::to_string)
        .or_else(|| as_number(p).map(|n| (n as i64).to_string()))
    {
        Some(s) if s == "6" => "tcp".into(),
        Some(s) if s == "17" => "udp".into(),
        Some(s) => s.to_ascii_lowercase(),
        None => String::new(),
    }
}

/// The port range of a tcp/udp permission (absent or -1 means all ports).
fn range(perm: &Value) -> (i64, i64) {
    let port = |k: &str| perm.get(k).and_then(as_number).map(|n| n as i64);
    match (port("fromPort"), port("toPort")) {
        (Some(f), Some(t)) if f >= 0 && t >= 0 => (f, t),
        _ => (0, 65535),
    }
}

/// World-open entries admitting one of the ports, one per (permission, CIDR).
fn observe(item: &ConfigItem, params: &Params) -> Result<Value, PlanError> {
    let ports = ports(params)?;
    let world = world(params);
    let mut out: Vec<Value> = Vec::new();
    for perm in at(item, PATH)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let proto = protocol(perm.get("ipProtocol").unwrap_or(&Value::Null));
        let (from, to) = range(perm);
        let covers = match proto.as_str() {
            "-1" => true,
            "tcp" | "udp" => ports.iter().any(|p| (from..=to).contains(p)),
            _ => false,
        };
        if !covers {
            continue;
        }
        let mut cidrs: Vec<(String, Option<String>)> = Vec::new();
        for r in perm
            .get("ipv4Ranges")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(c) = r.get("cidrIp").and_then(Value::as_str) {
                cidrs.push((
                    c.into(),
                    r.get("description")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                ));
            }
        }
        for r in perm
            .get("ipRanges")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(c) = r.as_str() {
                if !cidrs.iter().any(|(x, _)| x == c) {
                    cidrs.push((c.into(), None));
                }
            }
        }
        for r in perm
            .get("ipv6Ranges")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(c) = r.get("cidrIpv6").and_then(Value::as_str) {
                cidrs.push((
                    c.into(),
                    r.get("description")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                ));
            }
        }
        for (cidr, description) in cidrs.into_iter().filter(|(c, _)| world.contains(c)) {
            let (from, to) = if proto == "-1" { (-1, -1) } else { (from, to) };
            out.push(json!({"ipProtocol": proto, "fromPort": from, "toPort": to, "cidr": cidr, "description": description}));
        }
    }
    Ok(json!({ "entries": out }))
}

/// `from..=to` minus the ports, as contiguous ranges.
fn split(from: i64, to: i64, ports: &[i64]) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut start = from;
    let mut blocked: Vec<i64> = ports
        .iter()
        .copied()
        .filter(|p| (from..=to).contains(p))
        .collect();
    blocked.sort_unstable();
    blocked.dedup();
    for p in blocked {
        if p > start {
            out.push((start, p - 1));
        }
        start = p + 1;
    }
    if start <= to {
        out.push((start, to));
    }
    out
}

fn compute(
    _: &ConfigItem,
    params: &Params,
    _: &Context,
    before: &Value,
) -> Result<Planned, PlanError> {
    let ports = ports(params)?;
    let mut after = Vec::new();
    let mut notes = Vec::new();
    for e in before["entries"].as_array().into_iter().flatten() {
        let proto = e["ipProtocol"].as_str().unwrap_or_default();
        if proto == "-1" {
            notes.push(format!(
                "all traffic from {} is revoked, not only the rule's ports (an all-protocol entry cannot be narrowed); authorise what should stay open",
                e["cidr"].as_str().unwrap_or_default()
            ));
            continue;
        }
        let (from, to) = (
            e["fromPort"].as_i64().unwrap_or(0),
            e["toPort"].as_i64().unwrap_or(65535),
        );
        for (f, t) in split(from, to, &ports) {
            let mut kept = e.clone();
            kept["fromPort"] = json!(f);
            kept["toPort"] = json!(t);
            after.push(kept);
        }
    }
    notes.push("connections from the internet on the rule's ports stop".into());
    Ok(Planned {
        risk: Risk::Disruptive,
        before: before.clone(),
        after: json!({ "entries": after }),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediation::actions::test_support::plan;

    fn group(perms: Value) -> Value {
        json!({"resourceType": "AWS::EC2::SecurityGroup", "resourceId": "sg-1", "configuration": {"groupId": "sg-1", "ipPermissions": perms}})
    }

    #[test]
    fn only_world_entries_of_the_port_go() {
        let p = plan(
            &ACTION,
            group(json!([
                {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": ["0.0.0.0/0", "10.0.0.0/8"], "ipv4Ranges": [{"cidrIp": "0.0.0.0/0"}, {"cidrIp": "10.0.0.0/8"}], "ipv6Ranges": [{"cidrIpv6": "::/0"}]},
                {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "ipv4Ranges": [{"cidrIp": "0.0.0.0/0"}]}
            ])),
            json!({"ports": [22]}),
        );
        let before = p.before["entries"].as_array().unwrap();
        assert_eq!(before.len(), 2, "{before:?}");
        assert!(before.iter().all(|e| e["fromPort"] == 22));
        assert!(before.iter().any(|e| e["cidr"] == "::/0"));
        assert_eq!(p.after, json!({"entries": []}));
        assert_eq!(p.risk, Risk::Disruptive);
    }

    #[test]
    fn a_world_range_is_narrowed_around_the_ports() {
        let p = plan(
            &ACTION,
            group(
                json!([{"ipProtocol": "tcp", "fromPort": 20, "toPort": 25, "ipv4Ranges": [{"cidrIp": "0.0.0.0/0"}]}]),
            ),
            json!({"ports": [22]}),
        );
        let after: Vec<(i64, i64)> = p.after["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["fromPort"].as_i64().unwrap(),
                    e["toPort"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(after, [(20, 21), (23, 25)]);
    }

    #[test]
    fn all_traffic_is_revoked_with_a_note() {
        let p = plan(
            &ACTION,
            group(json!([{"ipProtocol": "-1", "ipv6Ranges": [{"cidrIpv6": "::/0"}]}])),
            json!({"db_ports": [5432, 3306]}),
        );
        assert_eq!(p.before["entries"][0]["ipProtocol"], "-1");
        assert_eq!(p.after["entries"], json!([]));
        assert!(p.notes[0].contains("all traffic"));
    }

    #[test]
    fn split_handles_edges() {
        assert_eq!(split(22, 22, &[22]), vec![]);
        assert_eq!(split(0, 65535, &[0, 65535]), vec![(1, 65534)]);
        assert_eq!(
            split(3000, 4000, &[3306, 3307]),
            vec![(3000, 3305), (3308, 4000)]
        );
    }
}
