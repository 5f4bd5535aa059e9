#!/usr/bin/env python3
"""Seed a moto server with the benchmark estate and write its ground truth.

Usage: seed_estate.py GROUND_TRUTH.json   (talks to $AWS_ENDPOINT_URL, us-east-1)

The estate is drawn from a fixed random seed, so every run seeds the same
resources with the same settings. Every seeded resource's name starts with
``bench-`` (bucket, security group, RDS identifier, IAM user and policy names;
EC2 instances carry a ``BenchId`` tag), so results can be restricted to the
seeded resources: moto itself adds a default VPC and security group and,
with MOTO_IAM_LOAD_MANAGED_POLICIES=true, the AWS managed IAM policies.

The seeder decides every setting, so it knows the exact number of
non-compliant resources per check (the ground truth). Checks are named after
the rule ids of `compliance`; their semantics are those of the matching AWS
Config managed rules:

  s3-default-encryption        no default encryption configuration (SSE-S3 or SSE-KMS counts)
  s3-versioning-enabled        versioning status is not Enabled (never set, or Suspended)
  s3-public-access-blocked     not all four bucket-level public access block settings true
  sg-no-world-open-ssh         an ingress rule admits TCP 22 from 0.0.0.0/0 or ::/0
  ec2-required-tags            missing one of Environment, Owner, CostCenter
  ec2-instance-type-approved   type outside the approved list (t2.2xlarge here)
  rds-backup-enabled           backup retention below 7 days
  rds-storage-encrypted        storage not encrypted
  rds-not-public               publicly accessible
  iam-no-admin-policy          customer-managed policy with Allow Action "*" Resource "*"
  iam-user-no-admin-attached   user with arn:aws:iam::aws:policy/AdministratorAccess attached

The estate avoids the corner cases on which the tools are known to disagree
(see bench/README.md), so all three should agree on every count.
"""

import json
import random
import sys
import time
from collections import Counter

import boto3
from botocore.config import Config

SEED = 20240617
REGION = "us-east-1"
PREFIX = "bench-"

N_BUCKETS = 500
N_INSTANCES = 500
N_SGS = 50
N_DBS = 100
N_USERS = 50
N_POLICIES = 50

REQUIRED_TAGS = ["Environment", "Owner", "CostCenter"]
APPROVED_TYPES = {"t3.micro", "t3.small", "t3.medium", "t3.large", "m5.large", "m5.xlarge", "m6i.large"}
INSTANCE_TYPES = ["t3.micro", "t2.2xlarge", "m5.large"]
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"

CHECKS = [
    "s3-default-encryption",
    "s3-versioning-enabled",
    "s3-public-access-blocked",
    "sg-no-world-open-ssh",
    "ec2-required-tags",
    "ec2-instance-type-approved",
    "rds-backup-enabled",
    "rds-storage-encrypted",
    "rds-not-public",
    "iam-no-admin-policy",
    "iam-user-no-admin-attached",
]


def log(msg):
    print(f"seed: {msg}", file=sys.stderr, flush=True)


def main():
    out_path = sys.argv[1]
    rng = random.Random(SEED)
    cfg = Config(region_name=REGION, retries={"max_attempts": 2, "mode": "standard"})
    s3 = boto3.client("s3", config=cfg)
    ec2 = boto3.client("ec2", config=cfg)
    rds = boto3.client("rds", config=cfg)
    iam = boto3.client("iam", config=cfg)
    kms = boto3.client("kms", config=cfg)

    violations = Counter({c: 0 for c in CHECKS})
    seeded = Counter()
    noncompliant = {c: [] for c in CHECKS}  # resource names, for diagnosing mismatches
    seeded_ids = []  # ids that carry no `bench-` prefix: security group and instance ids

    def flag(check, name):
        violations[check] += 1
        noncompliant[check].append(name)

    t0 = time.time()

    # --- S3 ---------------------------------------------------------------
    key_id = kms.create_key(Description="bench bucket key")["KeyMetadata"]["KeyId"]
    for i in range(N_BUCKETS):
        name = f"{PREFIX}bucket-{i:04d}"
        s3.create_bucket(Bucket=name)
        seeded["s3_buckets"] += 1
        enc = rng.choices(["none", "AES256", "aws:kms"], weights=[4, 3, 3])[0]
        if enc == "AES256":
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )
        elif enc == "aws:kms":
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": key_id,
                            },
                            "BucketKeyEnabled": True,
                        }
                    ]
                },
            )
        else:
            flag("s3-default-encryption", name)

        ver = rng.choices(["never", "Enabled", "Suspended"], weights=[4, 5, 1])[0]
        if ver != "never":
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": ver})
        if ver != "Enabled":
            flag("s3-versioning-enabled", name)

        pab = rng.choices(["none", "all", "partial"], weights=[3, 5, 2])[0]
        if pab == "all":
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                },
            )
        elif pab == "partial":
            # Two of the four: still non-compliant.
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": False,
                    "RestrictPublicBuckets": False,
                },
            )
        if pab != "all":
            flag("s3-public-access-blocked", name)
    log(f"{N_BUCKETS} buckets ({time.time() - t0:.1f}s)")

    # --- Security groups ----------------------------------------------------
    vpc_id = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    world_v4 = [{"CidrIp": "0.0.0.0/0"}]
    world_v6 = [{"CidrIpv6": "::/0"}]
    sg_ids = []
    for i in range(N_SGS):
        name = f"{PREFIX}sg-{i:03d}"
        sg = ec2.create_security_group(GroupName=name, Description="bench", VpcId=vpc_id)["GroupId"]
        sg_ids.append(sg)
        seeded_ids.append(sg)
        seeded["security_groups"] += 1
        kind = rng.choices(
            ["ssh-world", "ssh-world-v6", "ssh-private", "https-world", "none"],
            weights=[4, 1, 2, 2, 1],
        )[0]
        perms = []
        if kind == "ssh-world":
            perms = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": world_v4}]
        elif kind == "ssh-world-v6":
            perms = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": world_v6}]
        elif kind == "ssh-private":
            perms = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]
        elif kind == "https-world":
            perms = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": world_v4}]
        if perms:
            ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=perms)
        if kind in ("ssh-world", "ssh-world-v6"):
            flag("sg-no-world-open-ssh", name)
    # One network interface per group, so every group is "in use": Prowler
    # skips unused groups unless run with --scan-unused-services.
    subnet_id = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"][0]["SubnetId"]
    for sg in sg_ids:
        ec2.create_network_interface(SubnetId=subnet_id, Groups=[sg], Description="bench")
    log(f"{N_SGS} security groups, each on a network interface ({time.time() - t0:.1f}s)")

    # --- EC2 instances ------------------------------------------------------
    images = ec2.describe_images(Owners=["amazon"])["Images"]
    image_id = sorted(img["ImageId"] for img in images)[0] if images else "ami-12c6146b"
    launched = 0
    batch_no = 0
    tag_variants = {
        "all": {"Environment": "prod", "Owner": "team-a", "CostCenter": "cc-100"},
        "no-costcenter": {"Environment": "dev", "Owner": "team-b"},
        "only-name": {"Name": "web"},
        "none": {},
    }
    while launched < N_INSTANCES:
        count = min(rng.randint(5, 25), N_INSTANCES - launched)
        itype = rng.choice(INSTANCE_TYPES)
        variant = rng.choices(list(tag_variants), weights=[5, 2, 2, 1])[0]
        tags = dict(tag_variants[variant])
        tags["BenchId"] = f"{PREFIX}batch-{batch_no:03d}"
        resp = ec2.run_instances(
            ImageId=image_id,
            InstanceType=itype,
            MinCount=count,
            MaxCount=count,
            SecurityGroupIds=[rng.choice(sg_ids)],
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
            ],
        )
        for inst in resp["Instances"]:
            iid = inst["InstanceId"]
            seeded_ids.append(iid)
            if not all(t in tags for t in REQUIRED_TAGS):
                flag("ec2-required-tags", iid)
            if itype not in APPROVED_TYPES:
                flag("ec2-instance-type-approved", iid)
        launched += len(resp["Instances"])
        batch_no += 1
    seeded["ec2_instances"] = launched
    log(f"{launched} instances in {batch_no} run_instances calls ({time.time() - t0:.1f}s)")

    # --- RDS ----------------------------------------------------------------
    for i in range(N_DBS):
        name = f"{PREFIX}db-{i:03d}"
        retention = rng.choice([0, 1, 7])
        encrypted = rng.random() < 0.6
        public = rng.random() < 0.3
        rds.create_db_instance(
            DBInstanceIdentifier=name,
            DBInstanceClass="db.t3.micro",
            Engine="postgres",
            MasterUsername="benchadmin",
            MasterUserPassword="bench-password-123",
            AllocatedStorage=20,
            BackupRetentionPeriod=retention,
            StorageEncrypted=encrypted,
            PubliclyAccessible=public,
        )
        seeded["rds_instances"] += 1
        if retention < 7:
            flag("rds-backup-enabled", name)
        if not encrypted:
            flag("rds-storage-encrypted", name)
        if public:
            flag("rds-not-public", name)
    log(f"{N_DBS} DB instances ({time.time() - t0:.1f}s)")

    # --- IAM ----------------------------------------------------------------
    policy_arns = []
    for i in range(N_POLICIES):
        name = f"{PREFIX}policy-{i:03d}"
        kind = rng.choices(["admin", "s3-read", "service-star", "star-on-bucket"], weights=[3, 3, 2, 2])[0]
        if kind == "admin":
            stmt = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
        elif kind == "s3-read":
            stmt = [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]
        elif kind == "service-star":
            stmt = [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]
        else:
            stmt = [{"Effect": "Allow", "Action": "*", "Resource": f"arn:aws:s3:::{PREFIX}bucket-{i:04d}"}]
        arn = iam.create_policy(
            PolicyName=name,
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": stmt}),
        )["Policy"]["Arn"]
        policy_arns.append(arn)
        seeded["iam_policies"] += 1
        if kind == "admin":
            flag("iam-no-admin-policy", name)

    for i in range(N_USERS):
        name = f"{PREFIX}user-{i:03d}"
        iam.create_user(UserName=name)
        seeded["iam_users"] += 1
        kind = rng.choices(["admin", "readonly", "customer", "none"], weights=[2, 3, 3, 2])[0]
        if kind == "admin":
            iam.attach_user_policy(UserName=name, PolicyArn=ADMIN_ARN)
            flag("iam-user-no-admin-attached", name)
        elif kind == "readonly":
            iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        elif kind == "customer":
            iam.attach_user_policy(UserName=name, PolicyArn=rng.choice(policy_arns))
    log(f"{N_POLICIES} policies, {N_USERS} users ({time.time() - t0:.1f}s)")

    seeded["total"] = sum(v for k, v in seeded.items())
    truth = {
        "seed": SEED,
        "region": REGION,
        "prefix": PREFIX,
        "seeded": dict(seeded),
        "violations": {c: violations[c] for c in CHECKS},
        "non_compliant": noncompliant,
        "seeded_ids": seeded_ids,
        "seconds": round(time.time() - t0, 1),
    }
    with open(out_path, "w") as f:
        json.dump(truth, f, indent=2)
    print(json.dumps({"seeded": truth["seeded"], "violations": truth["violations"]}, indent=2))


if __name__ == "__main__":
    main()
