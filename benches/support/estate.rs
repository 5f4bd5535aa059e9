//! The synthetic estate every benchmark uses: a deterministic AWS Config
//! snapshot of N configuration items across the catalogue's resource types,
//! with a realistic mix of compliant and non-compliant settings.

use serde_json::{json, Value};

/// A deterministic pseudo-random stream (xorshift), so every run sees the same estate.
pub struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn header(
    kind: &str,
    id: &str,
    arn: String,
    region: &str,
    tags: Value,
) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("configurationItemVersion".into(), json!("1.3"));
    m.insert(
        "configurationItemCaptureTime".into(),
        json!("2026-11-01T10:00:00.000Z"),
    );
    m.insert("configurationItemStatus".into(), json!("OK"));
    m.insert("configurationStateId".into(), json!("1730000000000"));
    m.insert("awsAccountId".into(), json!("111122223333"));
    m.insert("resourceType".into(), json!(kind));
    m.insert("resourceId".into(), json!(id));
    m.insert("ARN".into(), json!(arn));
    m.insert("awsRegion".into(), json!(region));
    m.insert("availabilityZone".into(), json!(format!("{region}a")));
    m.insert("tags".into(), tags);
    m.insert("relatedEvents".into(), json!([]));
    m.insert("relationships".into(), json!([]));
    m
}

pub fn item(rng: &mut Rng, n: usize) -> Value {
    let region = rng.pick(&["eu-west-1", "us-east-1", "eu-central-1"]);
    let crit = rng.pick(&["high", "medium", "low", ""]);
    let mut tags = json!({"Environment": "prod", "Owner": "team-a"});
    if rng.chance(70) {
        tags["CostCenter"] = json!("cc-1");
    }
    if !crit.is_empty() {
        tags["Criticality"] = json!(crit);
    }
    let world = if rng.chance(10) {
        "0.0.0.0/0"
    } else {
        "10.0.0.0/16"
    };
    let mut ci = match n % 8 {
        0 | 1 => {
            let id = format!("i-{n:017x}");
            let mut h = header(
                "AWS::EC2::Instance",
                &id,
                format!("arn:aws:ec2:{region}:111122223333:instance/{id}"),
                region,
                tags,
            );
            h.insert("configuration".into(), json!({
                "instanceId": id,
                "instanceType": rng.pick(&["t3.micro", "m5.large", "t2.2xlarge", "c5.large"]),
                "imageId": rng.pick(&["ami-0abc", "ami-0def"]),
                "state": {"code": 16, "name": rng.pick(&["running", "running", "stopped", "terminated"])},
                "metadataOptions": {"httpTokens": if rng.chance(80) { "required" } else { "optional" }, "httpEndpoint": "enabled"},
                "iamInstanceProfile": if rng.chance(80) { json!({"arn": "arn:aws:iam::111122223333:instance-profile/app"}) } else { Value::Null },
                "publicIpAddress": if rng.chance(20) { json!("203.0.113.7") } else { Value::Null },
                "securityGroups": [{"groupId": "sg-1", "groupName": "app"}],
                "tags": [{"key": "Owner", "value": "team-a"}]
            }));
            h
        }
        2 => {
            let id = format!("sg-{n:017x}");
            let mut h = header(
                "AWS::EC2::SecurityGroup",
                &id,
                format!("arn:aws:ec2:{region}:111122223333:security-group/{id}"),
                region,
                tags,
            );
            h.insert("configuration".into(), json!({
                "groupId": id, "groupName": format!("sg{n}"), "vpcId": "vpc-1",
                "ipPermissions": [
                    {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "ipRanges": ["0.0.0.0/0"], "ipv4Ranges": [{"cidrIp": "0.0.0.0/0"}], "ipv6Ranges": []},
                    {"ipProtocol": "tcp", "fromPort": rng.pick(&["22", "3389", "5432"]).parse::<u16>().unwrap(), "toPort": 5432, "ipRanges": [world], "ipv4Ranges": [{"cidrIp": world}], "ipv6Ranges": []}
                ],
                "ipPermissionsEgress": [{"ipProtocol": "-1", "ipRanges": ["0.0.0.0/0"]}]
            }));
            h
        }
        3 => {
            let id = format!("vol-{n:017x}");
            let mut h = header(
                "AWS::EC2::Volume",
                &id,
                format!("arn:aws:ec2:{region}:111122223333:volume/{id}"),
                region,
                tags,
            );
            h.insert("configuration".into(), json!({"volumeId": id, "encrypted": rng.chance(85), "size": 100, "volumeType": "gp3"}));
            h
        }
        4 => {
            let id = format!("bucket-{n}");
            let mut h = header(
                "AWS::S3::Bucket",
                &id,
                format!("arn:aws:s3:::{id}"),
                region,
                tags,
            );
            h.insert("configuration".into(), json!({"name": id, "owner": {"id": "abc"}, "creationDate": "2024-01-01T00:00:00.000Z"}));
            let mut s = serde_json::Map::new();
            s.insert("AccessControlList".into(), json!(json!({"grantList": [{"grantee": if rng.chance(5) { json!("AllUsers") } else { json!({"id": "abc"}) }, "permission": "Read"}], "owner": {"id": "abc"}}).to_string()));
            s.insert(
                "BucketVersioningConfiguration".into(),
                json!({"status": rng.pick(&["Enabled", "Off", "Suspended"])}),
            );
            if rng.chance(90) {
                s.insert("ServerSideEncryptionConfiguration".into(), json!({"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": rng.pick(&["AES256", "aws:kms"])}}]}));
            }
            s.insert("PublicAccessBlockConfiguration".into(), json!({"blockPublicAcls": true, "ignorePublicAcls": true, "blockPublicPolicy": rng.chance(80), "restrictPublicBuckets": true}));
            s.insert("BucketPolicy".into(), json!({"policyText": json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": format!("arn:aws:s3:::{id}/*"), "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}).to_string()}));
            s.insert(
                "BucketLifecycleConfiguration".into(),
                json!({"rules": [{"id": "expire", "status": "Enabled", "expirationInDays": 90}]}),
            );
            h.insert("supplementaryConfiguration".into(), Value::Object(s));
            h
        }
        5 => {
            let id = format!("db-{n:026X}");
            let mut h = header(
                "AWS::RDS::DBInstance",
                &id,
                format!("arn:aws:rds:{region}:111122223333:db:db{n}"),
                region,
                tags,
            );
            h.insert("configuration".into(), json!({
                "dBInstanceIdentifier": format!("db{n}"), "dbiResourceId": id, "engine": "postgres",
                "backupRetentionPeriod": rng.pick(&["1", "7", "14"]).parse::<u32>().unwrap(),
                "storageEncrypted": rng.chance(90), "publiclyAccessible": rng.chance(5),
                "multiAZ": rng.chance(50), "deletionProtection": rng.chance(60), "autoMinorVersionUpgrade": true
            }));
            h
        }
        6 => {
            let id = format!("AIDA{n:016}");
            let mut h = header(
                "AWS::IAM::User",
                &id,
                format!("arn:aws:iam::111122223333:user/u{n}"),
                "global",
                tags,
            );
            let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": if rng.chance(3) { "*" } else { "s3:GetObject" }, "Resource": "*"}]}).to_string();
            h.insert("configuration".into(), json!({
                "userName": format!("u{n}"), "userId": id,
                "attachedManagedPolicies": [{"policyName": "ReadOnlyAccess", "policyArn": if rng.chance(3) { "arn:aws:iam::aws:policy/AdministratorAccess" } else { "arn:aws:iam::aws:policy/ReadOnlyAccess" }}],
                "userPolicyList": [{"policyName": "inline", "policyDocument": percent(&doc)}],
                "accessKeys": [{"accessKeyId": "AKIA", "status": "Active", "ageDays": rng.next() % 200}]
            }));
            h
        }
        _ => {
            let id = format!("ANPA{n:016}");
            let mut h = header(
                "AWS::IAM::Policy",
                &id,
                format!("arn:aws:iam::111122223333:policy/p{n}"),
                "global",
                tags,
            );
            let doc = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": if rng.chance(5) { "*" } else { "ec2:Describe*" }, "Resource": "*"}}).to_string();
            h.insert("configuration".into(), json!({
                "policyName": format!("p{n}"), "policyId": id, "defaultVersionId": "v1",
                "policyVersionList": [{"versionId": "v1", "isDefaultVersion": true, "document": percent(&doc)}]
            }));
            h
        }
    };
    ci.entry("supplementaryConfiguration").or_insert(json!({}));
    Value::Object(ci)
}

fn percent(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The synthetic snapshot text: the same estate on every call.
pub fn snapshot(n: usize) -> String {
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let mut text = String::with_capacity(n * 1200);
    text.push_str(
        "{\"fileVersion\":\"1.0\",\"configSnapshotId\":\"bench\",\"configurationItems\":[",
    );
    for i in 0..n {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&item(&mut rng, i).to_string());
    }
    text.push_str("]}");
    text
}
