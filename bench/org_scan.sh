#!/usr/bin/env bash
# Organisation-scan benchmark on moto (not CI): ACCOUNTS member accounts (20) ×
# 2 regions × PER_REGION S3 buckets (50), scanned
#   1. by one process:            scan --accounts all --regions us-east-1,eu-west-1
#   2. by 4 shards in parallel:   the same with --shard K/4
#   3. through AWS Config:        the same with --source config
# printing wall time, peak RSS (/usr/bin/time -v) and moto's request count per
# resource (one werkzeug log line per request). The management account's own
# resources are excluded with --accounts listing the members only.
#
#   bench/org_scan.sh            # uses target/release/compliance if built, else target/debug
#   COMPLIANCE_BIN=... MOTO_SERVER=... bench/org_scan.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CACHE=bench/.cache/org
mkdir -p "$CACHE"
BIN=${COMPLIANCE_BIN:-}
if [[ -z $BIN ]]; then
  if [[ -x target/release/compliance ]]; then BIN=target/release/compliance; else BIN=target/debug/compliance; fi
fi
MOTO_SERVER=${MOTO_SERVER:-${COMPLIANCE_TEST_VENV:-.venv-test}/bin/moto_server}
PY=$(dirname "$MOTO_SERVER")/python
export ACCOUNTS=${ACCOUNTS:-20} PER_REGION=${PER_REGION:-50} REGIONS=us-east-1,eu-west-1
RESOURCES=$((ACCOUNTS * 2 * PER_REGION))

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LOG=$CACHE/moto.log
"$MOTO_SERVER" -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 &
MOTO_PID=$!
trap 'kill $MOTO_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/moto-api/" >/dev/null && break; sleep 0.2; done

echo "seeding $RESOURCES buckets in $ACCOUNTS accounts × 2 regions"
"$PY" bench/org_seed.py "http://127.0.0.1:$PORT" >"$CACHE/accounts.txt"
MEMBERS=$(paste -sd, "$CACHE/accounts.txt")

export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
requests() { grep -c '" [0-9][0-9][0-9] ' "$LOG" || true; }
settle() { local a b; a=$(requests); sleep 0.5; b=$(requests); while [[ $a != "$b" ]]; do a=$b; sleep 0.5; b=$(requests); done; echo "$b"; }
scan() { "$BIN" scan --accounts "$MEMBERS" --regions us-east-1,eu-west-1 --resources s3 \
  --format json --no-history --fail-on none --no-progress "$@"; }
rss_of() { awk -F: '/Maximum resident/ {gsub(/ /,"",$2); printf "%.1f", $2/1024}' "$1"; }
wall_of() { awk -F': ' '/Elapsed \(wall/ {print $2}' "$1"; }

printf '\n%-28s %10s %12s %14s\n' run wall "peak RSS MB" "requests/res"
before=$(settle)
/usr/bin/time -v -o "$CACHE/one.time" bash -c "$(declare -f scan); BIN=$BIN MEMBERS=$MEMBERS; scan --out $CACHE/one.json"
after=$(settle)
printf '%-28s %10s %12s %14s\n' "one process (api)" "$(wall_of "$CACHE/one.time")" "$(rss_of "$CACHE/one.time")" \
  "$(awk -v r=$((after - before)) -v n=$RESOURCES 'BEGIN{printf "%.2f", r/n}')"

before=$(settle)
start=$(date +%s.%N)
pids=()
for k in 0 1 2 3; do
  /usr/bin/time -v -o "$CACHE/shard-$k.time" bash -c "$(declare -f scan); BIN=$BIN MEMBERS=$MEMBERS; scan --shard $k/4 --scan-id bench --out $CACHE/shard-$k.json" &
  pids+=($!)
done
# Only the shards: a bare `wait` would wait for moto too.
wait "${pids[@]}"
end=$(date +%s.%N)
after=$(settle)
max_rss=$(for k in 0 1 2 3; do rss_of "$CACHE/shard-$k.time"; echo; done | sort -n | tail -1)
printf '%-28s %10s %12s %14s\n' "4 shards in parallel (api)" "$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2fs", b-a}')" "$max_rss (each)" \
  "$(awk -v r=$((after - before)) -v n=$RESOURCES 'BEGIN{printf "%.2f", r/n}')"

before=$(settle)
/usr/bin/time -v -o "$CACHE/config.time" bash -c "$(declare -f scan); BIN=$BIN MEMBERS=$MEMBERS; scan --source config --out $CACHE/config.json"
after=$(settle)
printf '%-28s %10s %12s %14s\n' "one process (config)" "$(wall_of "$CACHE/config.time")" "$(rss_of "$CACHE/config.time")" \
  "$(awk -v r=$((after - before)) -v n=$RESOURCES 'BEGIN{printf "%.2f", r/n}')"

"$PY" - "$CACHE" "$RESOURCES" <<'PY'
import json, sys
cache, n = sys.argv[1], int(sys.argv[2])
def buckets(path):
    d = json.load(open(path))
    return {(f["account"], f["resource_id"]) for f in d["findings"] if f["resource_id"] != "*"}
one = buckets(f"{cache}/one.json")
shards = set().union(*(buckets(f"{cache}/shard-{k}.json") for k in range(4)))
config = buckets(f"{cache}/config.json")
print(f"\nbuckets judged: one process {len(one)}, 4 shards {len(shards)}, config {len(config)} (seeded {n})")
PY
