"""Seeds a moto server as an organisation for bench/org_scan.sh: ACCOUNTS member
accounts, each with PER_REGION S3 buckets in each of REGIONS (so ACCOUNTS ×
len(REGIONS) × PER_REGION resources) and an AWS Config recorder in each region
recording S3 buckets, so `--source api` and `--source config` see the same
estate. Prints the member account ids, one a line."""
import os
import sys

import boto3

endpoint = sys.argv[1]
accounts = int(os.environ.get("ACCOUNTS", "20"))
per_region = int(os.environ.get("PER_REGION", "50"))
regions = os.environ.get("REGIONS", "us-east-1,eu-west-1").split(",")
creds = dict(aws_access_key_id="testing", aws_secret_access_key="testing")


def client(service, region="us-east-1", **kw):
    return boto3.client(service, endpoint_url=endpoint, region_name=region, **(kw or creds))


org = client("organizations")
org.create_organization(FeatureSet="ALL")
ids = []
for i in range(accounts):
    out = org.create_account(Email=f"bench{i}@example.com", AccountName=f"bench{i}")
    ids.append(out["CreateAccountStatus"]["AccountId"])
sts = client("sts")
for account in ids:
    c = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
        RoleSessionName="seed",
    )["Credentials"]
    member = dict(
        aws_access_key_id=c["AccessKeyId"],
        aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c["SessionToken"],
    )
    for region in regions:
        s3 = client("s3", region, **member)
        for n in range(per_region):
            name = f"b-{account}-{region}-{n}"
            if region == "us-east-1":
                s3.create_bucket(Bucket=name)
            else:
                s3.create_bucket(
                    Bucket=name,
                    CreateBucketConfiguration={"LocationConstraint": region},
                )
        client("config", region, **member).put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": f"arn:aws:iam::{account}:role/config",
                "recordingGroup": {
                    "allSupported": False,
                    "includeGlobalResourceTypes": False,
                    "resourceTypes": ["AWS::S3::Bucket"],
                },
            }
        )
print("\n".join(ids))
