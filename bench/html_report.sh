#!/usr/bin/env bash
# The HTML report at scale, in headless Chromium: file size, time to
# interactive and the latency of every filter, at 100,000 findings or more.
#
#   bench/html_report.sh [FINDINGS]      default 100000; e.g. 250000 for headroom
#   bench/html_report.sh --screenshot    regenerate docs/report.png
#
# The measurement is tests/html_report.rs (which also runs in scripts/test at
# 100,000 findings); this script runs it at the size asked, keeps the page and
# the figures in bench/.cache/html/, and prints them. The screenshot mode builds
# a small history (six scans of examples/estate-snapshot.json with resources
# left out, so the trend moves) and photographs the report of the last one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[[ -n "$CHROMIUM" ]] || { echo "bench/html_report.sh: no chromium (apt-get install chromium)" >&2; exit 1; }
CACHE=bench/.cache/html
mkdir -p "$CACHE"

if [[ "${1:-}" == "--screenshot" ]]; then
  cargo build --quiet
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  export COMPLIANCE_STORE="$work/history.redb"
  # Each earlier scan leaves out some resources (their violations look fixed or new).
  for drop in 20 14 9 12 5; do
    python3 - "$drop" "$work/s$drop.json" <<'PY'
import json, sys
drop, out = int(sys.argv[1]), sys.argv[2]
d = json.load(open("examples/estate-snapshot.json"))
items = d["configurationItems"]
d["configurationItems"] = [c for i, c in enumerate(items) if i % 35 >= drop or i % 3]
json.dump(d, open(out, "w"))
PY
    ./target/debug/compliance --config examples/compliance.toml scan --snapshot "$work/s$drop.json" \
      --format json --out /dev/null --fail-on none
  done
  ./target/debug/compliance --config examples/compliance.toml scan --snapshot examples/estate-snapshot.json --format html \
    --out "$CACHE/example.html" --fail-on none
  python3 tests/browser/drive_report.py --screenshot docs/report.png "$CHROMIUM" "$CACHE/example.html" >/dev/null
  echo "docs/report.png written from $CACHE/example.html"
  exit 0
fi

FINDINGS=${1:-100000}
COMPLIANCE_HTML_FINDINGS=$FINDINGS COMPLIANCE_HTML_KEEP="$PWD/$CACHE" CHROMIUM=$CHROMIUM \
  cargo test --quiet --test integration html_report::a_100k -- --nocapture
python3 - "$CACHE/figures.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = r["page"]
print(f"findings            {p['rows']:,}")
print(f"file size           {r['bytes'] / 1e6:.1f} MB (limit 60 MB)")
print(f"scan + render       {r['scan_and_render_secs']:.1f} s (debug build)")
print(f"time to interactive {p['ready_ms']:.0f} ms from navigation (limit 3000); wall {r['wall_ready_ms']:.0f} ms")
for k, v in r["steps"].items():
    print(f"  {k:<18}{v['ms']:6.0f} ms to the next frame ({v.get('matches', '-')} matches)")
print(f"requests            {r['requests']}")
print(f"CSP violations      {r['csp_violations']}")
PY
