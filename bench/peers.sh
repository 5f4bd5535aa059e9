#!/usr/bin/env bash
# Compare `compliance scan` with Cloud Custodian and Prowler on one seeded moto
# server: wall time, peak RSS, HTTP requests (counted in moto's request log)
# and non-compliant counts per check. Not run by CI; see bench/README.md.
#
#   bench/peers.sh [--skip-prowler] [--skip-build]
#
# Environment knobs:
#   PROWLER_TIMEOUT   seconds Prowler may run before it is stopped (default 1800)
#   PYTHON            interpreter for the virtualenvs (default python3)
#
# Everything it creates lives in bench/.cache: the three virtualenvs (reused
# when their pinned versions match), the moto request log, each tool's output,
# log and /usr/bin/time report, ground-truth.json and results.md.
set -euo pipefail

MOTO_VERSION=5.2.5
C7N_VERSION=0.9.53
PROWLER_VERSION=5.46.0
PROWLER_TIMEOUT=${PROWLER_TIMEOUT:-1800}
PYTHON=${PYTHON:-python3}

skip_prowler=0
skip_build=0
for arg in "$@"; do
  case "$arg" in
    --skip-prowler) skip_prowler=1 ;;
    --skip-build) skip_build=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "peers.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
BENCH=$ROOT/bench
CACHE=$BENCH/.cache
mkdir -p "$CACHE"
STEPS=$CACHE/steps.tsv      # setup step timings, read by summarize.py
RUNS=$CACHE/runs.tsv        # one line per tool, read by summarize.py
: > "$STEPS"
printf 'tool\trc\twall_s\tmax_rss_kb\trequests\tload_before\tnote\n' > "$RUNS"

log() { printf '\n==> %s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
step_done() { printf '%s\t%s\n' "$1" "$(since "$2")" >> "$STEPS"; }

# --- /usr/bin/time ----------------------------------------------------------
t=$(now)
if ! /usr/bin/time -v true >/dev/null 2>&1; then
  log "installing Debian's time package"
  apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi
step_done "time(1) present" "$t"

# --- virtualenvs --------------------------------------------------------------
# venv NAME PIP_SPEC...: create bench/.cache/venv-NAME once; reinstall only
# when the pinned specs change.
venv() {
  local name=$1; shift
  local dir=$CACHE/venv-$name want="$*" t
  t=$(now)
  if [[ -x $dir/bin/python && -f $dir/.specs && "$(cat "$dir/.specs")" == "$want" ]]; then
    echo "venv-$name: reusing ($want)" >&2
  else
    log "creating venv-$name: pip install $want"
    rm -rf "$dir"
    "$PYTHON" -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check "$@" > "$CACHE/venv-$name.log" 2>&1 || {
      tail -n 30 "$CACHE/venv-$name.log" >&2
      echo "peers.sh: pip install $want failed (log: $CACHE/venv-$name.log)" >&2
      exit 1
    }
    echo "$want" > "$dir/.specs"
  fi
  step_done "venv-$name ($want)" "$t"
}
venv moto "moto[server]==$MOTO_VERSION" boto3
venv c7n "c7n==$C7N_VERSION"
if [[ $skip_prowler == 0 ]]; then
  venv prowler "prowler==$PROWLER_VERSION"
fi

# --- the tool under test --------------------------------------------------------
t=$(now)
if [[ $skip_build == 0 ]]; then
  log "cargo build --release (15-25 minutes on a clean 2-core machine; waits for any cargo holding the lock)"
  cargo build --release
fi
BIN=$ROOT/target/release/compliance
[[ -x $BIN ]] || { echo "peers.sh: $BIN is missing (run without --skip-build)" >&2; exit 1; }
step_done "cargo build --release" "$t"

# --- moto ---------------------------------------------------------------------
MOTO_LOG=$CACHE/moto.log
MOTO_PID=
stop_moto() {
  if [[ -n $MOTO_PID ]] && kill -0 "$MOTO_PID" 2>/dev/null; then
    kill "$MOTO_PID" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$MOTO_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  fi
  MOTO_PID=
}
trap stop_moto EXIT
trap 'exit 130' INT TERM

# werkzeug writes one line per HTTP request, after answering it:
#   127.0.0.1 - - [22/Nov/2026 01:28:46] "GET /moto-api/ HTTP/1.1" 200 -
# and wraps the request of a non-200 answer in ANSI colour codes:
#   127.0.0.1 - - [...] "\e[33mGET /bucket?tagging HTTP/1.1\e[0m" 404 -
REQUEST_RE='\] "[^ "]*(GET|POST|PUT|DELETE|HEAD|PATCH|OPTIONS) [^"]* HTTP/[0-9.]+[^"]*" [0-9]{3} '
requests() { grep -cE "$REQUEST_RE" "$MOTO_LOG" || true; }
# Settle: werkzeug logs a request after answering it, so wait until the count
# stops moving before reading it.
settled_requests() {
  local a b
  a=$(requests)
  while sleep 0.5; b=$(requests); [[ $a != "$b" ]]; do a=$b; done
  echo "$b"
}

t=$(now)
PORT=$("$CACHE/venv-moto/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ENDPOINT=http://127.0.0.1:$PORT
log "starting moto $MOTO_VERSION on $ENDPOINT (request log: $MOTO_LOG)"
MOTO_IAM_LOAD_MANAGED_POLICIES=true PYTHONUNBUFFERED=1 \
  "$CACHE/venv-moto/bin/moto_server" -H 127.0.0.1 -p "$PORT" > "$MOTO_LOG" 2>&1 &
MOTO_PID=$!
for _ in $(seq 1 120); do
  if "$CACHE/venv-moto/bin/python" -c "import urllib.request, sys; urllib.request.urlopen('$ENDPOINT/moto-api/', timeout=2)" 2>/dev/null; then
    break
  fi
  kill -0 "$MOTO_PID" 2>/dev/null || { cat "$MOTO_LOG" >&2; echo "peers.sh: moto exited" >&2; exit 1; }
  sleep 0.25
done
if [[ $(settled_requests) -lt 1 ]]; then
  cat "$MOTO_LOG" >&2
  echo "peers.sh: moto's log shows no request lines matching the pattern; cannot count requests" >&2
  exit 1
fi
step_done "moto server up" "$t"

# Dummy credentials only; nothing of the caller's AWS setup leaks in.
for v in $(env | sed -n 's/^\(AWS_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export AWS_ENDPOINT_URL=$ENDPOINT
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=$CACHE/no-such-aws-config AWS_SHARED_CREDENTIALS_FILE=$CACHE/no-such-aws-credentials

# --- seed -----------------------------------------------------------------------
t=$(now)
log "seeding the estate (fixed seed)"
"$CACHE/venv-moto/bin/python" "$BENCH/seed_estate.py" "$CACHE/ground-truth.json"
step_done "seed estate ($(settled_requests) requests)" "$t"

# --- the tools ---------------------------------------------------------------------
# run_tool NAME NOTE CMD...: time CMD with /usr/bin/time -v, count moto requests
# around it, keep its output in NAME.log and the time report in NAME.time.
run_tool() {
  local name=$1 note=$2; shift 2
  local before after rc load
  before=$(settled_requests)
  load=$(cut -d' ' -f1 /proc/loadavg)
  log "$name: $*"
  set +e
  /usr/bin/time -v -o "$CACHE/$name.time" "$@" > "$CACHE/$name.log" 2>&1
  rc=$?
  set -e
  after=$(settled_requests)
  # This tool's own request lines, for a look at what it asked for.
  : > "$CACHE/$name.requests"
  if (( after > before )); then
    grep -E "$REQUEST_RE" "$MOTO_LOG" | sed -n "$((before + 1)),${after}p" > "$CACHE/$name.requests" || true
  fi
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
      n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$CACHE/$name.time")
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$CACHE/$name.time")
  echo "$name: exit $rc, ${wall}s, max RSS ${rss} kB, $((after - before)) requests (log: $CACHE/$name.log)" >&2
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rc" "$wall" "$rss" "$((after - before))" "$load" "$note" >> "$RUNS"
}

rm -f "$CACHE/compliance.json"
run_tool compliance "" \
  "$BIN" scan --regions us-east-1 --format json --fail-on none --no-progress --out "$CACHE/compliance.json"

# The same scan limited to the eleven rules the peers are compared on: the
# like-for-like amount of work (Custodian runs only those eleven policies).
compared=()
for rule in s3-default-encryption s3-versioning-enabled s3-public-access-blocked sg-no-world-open-ssh \
  ec2-required-tags ec2-instance-type-approved rds-backup-enabled rds-storage-encrypted rds-not-public \
  iam-no-admin-policy iam-user-no-admin-attached; do
  compared+=(--rule "$rule")
done
rm -f "$CACHE/compliance-compared.json"
run_tool compliance-compared "" \
  "$BIN" scan --regions us-east-1 "${compared[@]}" --format json --fail-on none --no-progress \
  --out "$CACHE/compliance-compared.json"

rm -rf "$CACHE/custodian-out" "$CACHE/custodian.cache"
run_tool custodian "" \
  "$CACHE/venv-c7n/bin/custodian" run --cache "$CACHE/custodian.cache" \
  -s "$CACHE/custodian-out" -r us-east-1 "$BENCH/custodian-policy.yml"

if [[ $skip_prowler == 0 ]]; then
  rm -rf "$CACHE/prowler-out"
  # Prowler runs every check of the four services; operations moto lacks answer
  # HTTP 500 and are retried, so cap its time and record what happened.
  run_tool prowler "timeout ${PROWLER_TIMEOUT}s" \
    timeout --kill-after=30 "$PROWLER_TIMEOUT" \
    "$CACHE/venv-prowler/bin/prowler" aws --services s3 ec2 rds iam --region us-east-1 \
    --output-formats json-ocsf --output-directory "$CACHE/prowler-out" --no-banner
fi

stop_moto

# --- the table ----------------------------------------------------------------------
"$CACHE/venv-moto/bin/python" "$BENCH/summarize.py" "$CACHE" \
  "moto $MOTO_VERSION, c7n $C7N_VERSION, prowler $PROWLER_VERSION, $("$BIN" --version 2>/dev/null || echo compliance)"
