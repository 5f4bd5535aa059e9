#!/usr/bin/env bash
# Time and API calls for `compliance remediate` to plan and apply fixes for
# 100 seeded violations on a moto server of its own: 60 buckets without
# versioning (s3-versioning-enabled, safe) and 40 security groups with SSH open
# to the world beside a private source (sg-no-world-open-ssh, disruptive).
#
#   bench/remediate.sh            # uses target/debug/compliance (COMPLIANCE_BIN to override)
#
# API calls are counted twice: moto's request log (one werkzeug line per
# request) and the tool's own count (`-v` prints "remediate: N API calls").
# Not part of CI; needs the test virtualenv (COMPLIANCE_TEST_VENV).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=${COMPLIANCE_TEST_VENV:-.venv-test}
BIN=${COMPLIANCE_BIN:-target/debug/compliance}
BUCKETS=${BENCH_BUCKETS:-60}
NGROUPS=${BENCH_GROUPS:-40}
work=$(mktemp -d)
port=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PYTHONUNBUFFERED=1 "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" > "$work/moto.log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/moto-api/" > /dev/null 2>&1 && break
  sleep 0.2
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
  AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true COMPLIANCE_STORE="$work/history.redb" NO_COLOR=1
"$VENV/bin/python" - "$BUCKETS" "$NGROUPS" <<'PY'
import sys, boto3
buckets, groups = int(sys.argv[1]), int(sys.argv[2])
s3 = boto3.client("s3")
ec2 = boto3.client("ec2")
for i in range(buckets):
    s3.create_bucket(Bucket=f"bench-rem-{i:03d}")
for i in range(groups):
    g = ec2.create_security_group(GroupName=f"bench-rem-{i:03d}", Description="bench")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=g, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    ])
PY
REQUEST_RE='\] "[^ "]*(GET|POST|PUT|DELETE|HEAD|PATCH|OPTIONS) [^"]* HTTP/[0-9.]+[^"]*" [0-9]{3} '
requests() { grep -cE "$REQUEST_RE" "$work/moto.log" || true; }
settle() { local a b; a=$(requests); while sleep 0.5; b=$(requests); [[ $a != "$b" ]]; do a=$b; done; echo "$b"; }
args=(remediate --rule s3-versioning-enabled --rule sg-no-world-open-ssh --max-changes 200 --format json -v)
measure() {
  local name=$1; shift
  local before after start end
  before=$(settle)
  start=$(date +%s.%N)
  "$BIN" "${args[@]}" "$@" > "$work/$name.json" 2> "$work/$name.err" || true
  end=$(date +%s.%N)
  after=$(settle)
  python3 - "$work/$name.json" "$name" "$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b-a}')" "$((after - before))" "$(grep -o 'remediate: [0-9]* API calls ([0-9]* to read targets)' "$work/$name.err" || true)" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:>6}: {sys.argv[3]} s, {sys.argv[4]} requests to moto ({sys.argv[5]}), summary {doc['summary']}")
PY
}
echo "compliance remediate on $BUCKETS buckets + $NGROUPS security groups ($BIN)"
measure plan
measure apply --yes --allow disruptive
