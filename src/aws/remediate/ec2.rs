//! EC2 appliers: security-group ingress entries and instance metadata options.

use super::Applier;
use crate::aws::error::AwsError;
use crate::core::resource::ConfigItem;
use aws_sdk_ec2::types::{
    HttpTokensState, InstanceMetadataEndpointState, InstanceMetadataTagsState, IpPermission,
    IpRange, Ipv6Range,
};
use serde_json::Value;

const EC2: &str = "ec2";

/// Entries compared without their description.
fn key(e: &Value) -> (Value, Value, Value, Value) {
    (
        e["ipProtocol"].clone(),
        e["fromPort"].clone(),
        e["toPort"].clone(),
        e["cidr"].clone(),
    )
}

fn permission(e: &Value) -> IpPermission {
    let proto = e["ipProtocol"].as_str().unwrap_or("-1");
    let cidr = e["cidr"].as_str().unwrap_or_default();
    let description = e["description"].as_str().map(str::to_string);
    let mut p = IpPermission::builder().ip_protocol(proto);
    if proto != "-1" {
        p = p
            .from_port(e["fromPort"].as_i64().unwrap_or(0) as i32)
            .to_port(e["toPort"].as_i64().unwrap_or(65535) as i32);
    }
    if cidr.contains(':') {
        p = p.ipv6_ranges(
            Ipv6Range::builder()
                .cidr_ipv6(cidr)
                .set_description(description)
                .build(),
        );
    } else {
        p = p.ip_ranges(
            IpRange::builder()
                .cidr_ip(cidr)
                .set_description(description)
                .build(),
        );
    }
    p.build()
}

/// Revokes the entries the target drops and authorises those it adds (the
/// narrowed ranges, or on rollback the revoked entries).
pub async fn world_ingress(
    a: &Applier<'_>,
    region: &str,
    item: &ConfigItem,
    current: &Value,
    target: &Value,
) -> Result<(), AwsError> {
    let client = a.aws.ec2(region);
    let list = |v: &Value| v["entries"].as_array().cloned().unwrap_or_default();
    let (now, want) = (list(current), list(target));
    let revoke: Vec<IpPermission> = now
        .iter()
        .filter(|e| !want.iter().any(|w| key(w) == key(e)))
        .map(permission)
        .collect();
    let add: Vec<IpPermission> = want
        .iter()
        .filter(|w| !now.iter().any(|e| key(w) == key(e)))
        .map(permission)
        .collect();
    // Authorise first: a narrowed range is never closed for a moment longer than needed,
    // and a failed authorisation leaves the old entry in place rather than a gap.
    if !add.is_empty() {
        a.count();
        client
            .authorize_security_group_ingress()
            .group_id(&item.resource_id)
            .set_ip_permissions(Some(add))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(EC2, region, "AuthorizeSecurityGroupIngress", &e))?;
    }
    if !revoke.is_empty() {
        a.count();
        client
            .revoke_security_group_ingress()
            .group_id(&item.resource_id)
            .set_ip_permissions(Some(revoke))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(EC2, region, "RevokeSecurityGroupIngress", &e))?;
    }
    Ok(())
}

/// The network interfaces (and their instances) using a group, for the plan.
pub async fn users_of_group(
    a: &Applier<'_>,
    region: &str,
    group: &str,
) -> Result<Vec<String>, AwsError> {
    a.count();
    let out = a
        .aws
        .ec2(region)
        .describe_network_interfaces()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-id")
                .values(group)
                .build(),
        )
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(EC2, region, "DescribeNetworkInterfaces", &e))?;
    Ok(out
        .network_interfaces()
        .iter()
        .map(|n| {
            let id = n.network_interface_id().unwrap_or("?");
            match n.attachment().and_then(|at| at.instance_id()) {
                Some(i) => format!("{id} ({i})"),
                None => id.to_string(),
            }
        })
        .collect())
}

/// HttpTokens as the target says, with every other option sent as it is today.
/// A DryRun call first checks the permission: AWS answers DryRunOperation when
/// the real call would be allowed (moto ignores DryRun and makes the change,
/// which the real call then repeats harmlessly).
pub async fn metadata_options(
    a: &Applier<'_>,
    region: &str,
    item: &ConfigItem,
    target: &Value,
) -> Result<(), AwsError> {
    let client = a.aws.ec2(region);
    let request = |dry: bool| {
        let mut r = client
            .modify_instance_metadata_options()
            .instance_id(&item.resource_id)
            .dry_run(dry);
        if let Some(t) = target["httpTokens"].as_str() {
            r = r.http_tokens(HttpTokensState::from(t));
        }
        if let Some(e) = target["httpEndpoint"].as_str() {
            r = r.http_endpoint(InstanceMetadataEndpointState::from(e));
        }
        if let Some(h) = target["httpPutResponseHopLimit"].as_i64() {
            r = r.http_put_response_hop_limit(h as i32);
        }
        if let Some(t) = target["instanceMetadataTags"].as_str() {
            r = r.instance_metadata_tags(InstanceMetadataTagsState::from(t));
        }
        r
    };
    a.count();
    if let Err(e) = request(true).send().await {
        let e = AwsError::from_sdk(EC2, region, "ModifyInstanceMetadataOptions", &e);
        if !e.is(&["DryRunOperation"]) {
            return Err(e);
        }
    }
    a.count();
    request(false)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(EC2, region, "ModifyInstanceMetadataOptions", &e))?;
    Ok(())
}
