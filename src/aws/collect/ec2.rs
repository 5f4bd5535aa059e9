//! EC2 collector: instances, security groups and EBS volumes of one region.
//!
//! Each type is one paginated Describe call family (1000 per page), which already
//! carries everything the rules read (instance type, AMI, state, metadata options,
//! tags; every ingress permission; volume encryption), so EC2 costs a handful of
//! calls per region however many resources it holds. Items follow AWS Config's
//! shape: security group sources appear both as `ipRanges` strings and as
//! `ipv4Ranges[].cidrIp`, as recent Config items do, so rules written for either
//! form match.

use crate::aws::collect::{
    build_item, put, tag_list, tag_map, CollectFuture, Collected, Collector, ItemHead, Plan, Scope,
};
use crate::aws::error::AwsError;
use crate::aws::{iso, Aws};
use indicatif::ProgressBar;
use serde_json::{json, Map, Value};

use crate::core::registry::{
    EC2_INSTANCE as INSTANCE, EC2_SECURITY_GROUP as SECURITY_GROUP, EC2_VOLUME as VOLUME,
};

/// The EC2 collector as the scan runs it: once per region.
pub struct Ec2;

impl Collector for Ec2 {
    fn id(&self) -> &'static str {
        "ec2"
    }

    fn collect<'a>(&'a self, scope: Scope<'a>) -> CollectFuture<'a> {
        Box::pin(collect(scope.aws, scope.plan, scope.region, scope.progress))
    }
}

pub async fn collect(aws: &Aws, plan: &Plan, region: &str, progress: &ProgressBar) -> Collected {
    let client = aws.ec2(region);
    let (instances, groups, volumes) = tokio::join!(
        instances(&client, plan, region, progress, None),
        security_groups(&client, plan, region, progress, None),
        volumes(&client, plan, region, progress),
    );
    let mut out = Collected::default();
    out.merge(instances);
    out.merge(groups);
    out.merge(volumes);
    out
}

/// Reads one instance or security group by id, through the same code as the
/// listing (DescribeInstances / DescribeSecurityGroups with the id): the
/// single-resource read `remediate` verifies a change with.
pub async fn read_one(
    aws: &Aws,
    plan: &Plan,
    region: &str,
    resource_type: &str,
    id: &str,
) -> Collected {
    let client = aws.ec2(region);
    let progress = ProgressBar::hidden();
    match resource_type {
        INSTANCE => instances(&client, plan, region, &progress, Some(id)).await,
        SECURITY_GROUP => security_groups(&client, plan, region, &progress, Some(id)).await,
        _ => Collected::default(),
    }
}

/// The regions enabled for the account, for `--regions all`.
pub async fn enabled_regions(aws: &Aws, home: &str) -> Result<Vec<String>, AwsError> {
    let out = aws
        .ec2(home)
        .describe_regions()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("ec2", home, "DescribeRegions", &e))?;
    let mut regions: Vec<String> = out
        .regions()
        .iter()
        .filter_map(|r| r.region_name().map(str::to_string))
        .collect();
    regions.sort();
    Ok(regions)
}

fn tags_of(tags: &[aws_sdk_ec2::types::Tag]) -> Map<String, Value> {
    tag_map(tags.iter().map(|t| (t.key(), t.value())))
}

fn arn(region: &str, account: Option<&str>, kind: &str, id: &str) -> Option<String> {
    account.map(|a| format!("arn:aws:ec2:{region}:{a}:{kind}/{id}"))
}

async fn instances(
    client: &aws_sdk_ec2::Client,
    plan: &Plan,
    region: &str,
    progress: &ProgressBar,
    only: Option<&str>,
) -> Collected {
    let mut out = Collected::default();
    if !plan.wants(INSTANCE) {
        return out;
    }
    // EC2 refuses MaxResults together with instance ids.
    let mut pages = client
        .describe_instances()
        .set_max_results(only.is_none().then(|| plan.page(1000)))
        .set_instance_ids(only.map(|id| vec![id.to_string()]))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        out.calls += 1;
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                out.unlisted(
                    INSTANCE,
                    AwsError::from_sdk("ec2", region, "DescribeInstances", &e),
                );
                return out;
            }
        };
        for i in page.reservations().iter().flat_map(|r| r.instances()) {
            let Some(id) = i.instance_id() else { continue };
            let tags = tags_of(i.tags());
            let mut c = Map::new();
            c.insert("instanceId".into(), json!(id));
            put(
                &mut c,
                "instanceType",
                i.instance_type().map(|t| t.as_str()),
            );
            put(&mut c, "imageId", i.image_id());
            if let Some(state) = i.state() {
                c.insert(
                    "state".into(),
                    json!({"code": state.code(), "name": state.name().map(|n| n.as_str())}),
                );
            }
            if let Some(m) = i.metadata_options() {
                let mut meta = Map::new();
                put(&mut meta, "httpTokens", m.http_tokens().map(|t| t.as_str()));
                put(
                    &mut meta,
                    "httpEndpoint",
                    m.http_endpoint().map(|t| t.as_str()),
                );
                put(
                    &mut meta,
                    "httpPutResponseHopLimit",
                    m.http_put_response_hop_limit(),
                );
                put(
                    &mut meta,
                    "instanceMetadataTags",
                    m.instance_metadata_tags().map(|t| t.as_str()),
                );
                put(&mut meta, "state", m.state().map(|t| t.as_str()));
                c.insert("metadataOptions".into(), Value::Object(meta));
            }
            c.insert(
                "iamInstanceProfile".into(),
                i.iam_instance_profile()
                    .map(|p| json!({"arn": p.arn(), "id": p.id()}))
                    .unwrap_or(Value::Null),
            );
            c.insert(
                "publicIpAddress".into(),
                i.public_ip_address()
                    .map(Value::from)
                    .unwrap_or(Value::Null),
            );
            put(&mut c, "privateIpAddress", i.private_ip_address());
            put(&mut c, "subnetId", i.subnet_id());
            put(&mut c, "vpcId", i.vpc_id());
            put(&mut c, "keyName", i.key_name());
            put(&mut c, "launchTime", i.launch_time().map(iso));
            put(&mut c, "platformDetails", i.platform_details());
            if let Some(p) = i.placement() {
                put(
                    &mut c,
                    "placement",
                    Some(
                        json!({"availabilityZone": p.availability_zone(), "tenancy": p.tenancy().map(|t| t.as_str())}),
                    ),
                );
            }
            c.insert(
                "securityGroups".into(),
                Value::Array(
                    i.security_groups()
                        .iter()
                        .map(|g| json!({"groupId": g.group_id(), "groupName": g.group_name()}))
                        .collect(),
                ),
            );
            c.insert("tags".into(), tag_list(&tags));
            out.items.push(build_item(
                ItemHead {
                    resource_type: INSTANCE,
                    resource_id: id,
                    resource_name: None,
                    arn: arn(region, plan.account.as_deref(), "instance", id),
                    region,
                    account: plan.account.as_deref(),
                    tags,
                },
                Value::Object(c),
                Map::new(),
                vec![],
            ));
            progress.inc(1);
        }
    }
    out
}

/// One ingress or egress permission in Config's shape.
fn permission(p: &aws_sdk_ec2::types::IpPermission) -> Value {
    let v4: Vec<&str> = p.ip_ranges().iter().filter_map(|r| r.cidr_ip()).collect();
    json!({
        "ipProtocol": p.ip_protocol(),
        "fromPort": p.from_port(),
        "toPort": p.to_port(),
        "ipRanges": v4,
        "ipv4Ranges": p.ip_ranges().iter().map(|r| json!({"cidrIp": r.cidr_ip(), "description": r.description()})).collect::<Vec<_>>(),
        "ipv6Ranges": p.ipv6_ranges().iter().map(|r| json!({"cidrIpv6": r.cidr_ipv6(), "description": r.description()})).collect::<Vec<_>>(),
        "prefixListIds": p.prefix_list_ids().iter().map(|r| json!({"prefixListId": r.prefix_list_id()})).collect::<Vec<_>>(),
        "userIdGroupPairs": p.user_id_group_pairs().iter().map(|g| json!({"groupId": g.group_id(), "userId": g.user_id()})).collect::<Vec<_>>(),
    })
}

async fn security_groups(
    client: &aws_sdk_ec2::Client,
    plan: &Plan,
    region: &str,
    progress: &ProgressBar,
    only: Option<&str>,
) -> Collected {
    let mut out = Collected::default();
    if !plan.wants(SECURITY_GROUP) {
        return out;
    }
    let mut pages = client
        .describe_security_groups()
        .set_max_results(only.is_none().then(|| plan.page(1000)))
        .set_group_ids(only.map(|id| vec![id.to_string()]))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        out.calls += 1;
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                out.unlisted(
                    SECURITY_GROUP,
                    AwsError::from_sdk("ec2", region, "DescribeSecurityGroups", &e),
                );
                return out;
            }
        };
        for g in page.security_groups() {
            let Some(id) = g.group_id() else { continue };
            let tags = tags_of(g.tags());
            let configuration = json!({
                "groupId": id,
                "groupName": g.group_name(),
                "description": g.description(),
                "vpcId": g.vpc_id(),
                "ownerId": g.owner_id(),
                "ipPermissions": g.ip_permissions().iter().map(permission).collect::<Vec<_>>(),
                "ipPermissionsEgress": g.ip_permissions_egress().iter().map(permission).collect::<Vec<_>>(),
                "tags": tag_list(&tags),
            });
            out.items.push(build_item(
                ItemHead {
                    resource_type: SECURITY_GROUP,
                    resource_id: id,
                    resource_name: g.group_name(),
                    arn: arn(
                        region,
                        plan.account.as_deref().or(g.owner_id()),
                        "security-group",
                        id,
                    ),
                    region,
                    account: plan.account.as_deref().or(g.owner_id()),
                    tags,
                },
                configuration,
                Map::new(),
                vec![],
            ));
            progress.inc(1);
        }
    }
    out
}

async fn volumes(
    client: &aws_sdk_ec2::Client,
    plan: &Plan,
    region: &str,
    progress: &ProgressBar,
) -> Collected {
    let mut out = Collected::default();
    if !plan.wants(VOLUME) {
        return out;
    }
    let mut pages = client
        .describe_volumes()
        .max_results(plan.page(1000))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        out.calls += 1;
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                out.unlisted(
                    VOLUME,
                    AwsError::from_sdk("ec2", region, "DescribeVolumes", &e),
                );
                return out;
            }
        };
        for v in page.volumes() {
            let Some(id) = v.volume_id() else { continue };
            let tags = tags_of(v.tags());
            let configuration = json!({
                "volumeId": id,
                "encrypted": v.encrypted(),
                "kmsKeyId": v.kms_key_id(),
                "size": v.size(),
                "volumeType": v.volume_type().map(|t| t.as_str()),
                "state": v.state().map(|s| s.as_str()),
                "availabilityZone": v.availability_zone(),
                "createTime": v.create_time().map(iso),
                "attachments": v.attachments().iter().map(|a| json!({"instanceId": a.instance_id(), "device": a.device(), "state": a.state().map(|s| s.as_str())})).collect::<Vec<_>>(),
                "tags": tag_list(&tags),
            });
            out.items.push(build_item(
                ItemHead {
                    resource_type: VOLUME,
                    resource_id: id,
                    resource_name: None,
                    arn: arn(region, plan.account.as_deref(), "volume", id),
                    region,
                    account: plan.account.as_deref(),
                    tags,
                },
                configuration,
                Map::new(),
                vec![],
            ));
            progress.inc(1);
        }
    }
    out
}
