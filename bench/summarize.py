#!/usr/bin/env python3
"""Build the comparison table of bench/peers.sh from what it left in bench/.cache.

Usage: summarize.py CACHE_DIR VERSIONS_LINE

Reads ground-truth.json (the seeder), runs.tsv (wall time, max RSS, requests,
exit code per tool), steps.tsv (setup timings), compliance.json,
custodian-out/<check>/resources.json and prowler-out/*.ocsf.json. Prints the
table and writes it to CACHE_DIR/results.md. Every count is restricted to the
seeded resources (moto adds a default VPC security group and the AWS managed
IAM policies of its own).
"""

import csv
import glob
import json
import os
import sys
from collections import Counter, defaultdict

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

# Prowler checks nearest to ours. None: Prowler has no such check.
# A list sums the FAIL findings of several checks (Prowler splits
# customer-managed policies into attached and unattached).
PROWLER_MAP = {
    "s3-default-encryption": ["s3_bucket_default_encryption"],
    "s3-versioning-enabled": ["s3_bucket_object_versioning"],
    "s3-public-access-blocked": ["s3_bucket_level_public_access_block"],
    "sg-no-world-open-ssh": ["ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22"],
    "ec2-required-tags": None,
    "ec2-instance-type-approved": None,
    "rds-backup-enabled": ["rds_instance_backup_enabled"],
    "rds-storage-encrypted": ["rds_instance_storage_encrypted"],
    "rds-not-public": ["rds_instance_no_public_access"],
    "iam-no-admin-policy": [
        "iam_customer_attached_policy_no_administrative_privileges",
        "iam_customer_unattached_policy_no_administrative_privileges",
    ],
    "iam-user-no-admin-attached": ["iam_user_administrator_access_policy"],
}
# Where Prowler's check means something else than ours; shown under the table.
PROWLER_SEMANTICS = {
    "rds-backup-enabled": "Prowler fails only retention 0 (ours and Custodian's: below 7 days)",
    "rds-not-public": "Prowler fails a public instance only if its security group is also open to the internet",
}


def seeded_matcher(truth):
    prefix = truth["prefix"]
    ids = set(truth.get("seeded_ids", []))

    def is_seeded(*values):
        for v in values:
            if not v or not isinstance(v, str):
                continue
            if v.startswith(prefix) or v in ids:
                return True
            # ARNs: the name or id is the last ':' or '/' segment.
            tail = v.replace("/", ":").rsplit(":", 1)[-1]
            if tail.startswith(prefix) or tail in ids:
                return True
        return False

    return is_seeded


def load_runs(cache):
    runs = {}
    path = os.path.join(cache, "runs.tsv")
    if os.path.exists(path):
        with open(path) as f:
            for row in csv.DictReader(f, delimiter="\t"):
                runs[row["tool"]] = row
    return runs


def count_compliance(cache, is_seeded, name="compliance.json"):
    path = os.path.join(cache, name)
    if not os.path.exists(path):
        return None, None, f"no {name}"
    with open(path) as f:
        doc = json.load(f)
    bad, errors = Counter(), Counter()
    for finding in doc.get("findings", []):
        rule = finding.get("rule_id")
        if rule not in CHECKS:
            continue
        if not is_seeded(finding.get("resource_id"), finding.get("resource_name"), finding.get("arn")):
            continue
        if finding.get("status") == "non_compliant":
            bad[rule] += 1
        elif finding.get("status") == "error":
            errors[rule] += 1
    note = ""
    if doc.get("errors"):
        note = f"{len(doc['errors'])} scan error(s), first: {doc['errors'][0].get('message', '')[:160]}"
    return bad, errors, note


def count_custodian(cache, is_seeded):
    out = os.path.join(cache, "custodian-out")
    if not os.path.isdir(out):
        return None
    counts = {}
    for check in CHECKS:
        path = os.path.join(out, check, "resources.json")
        if not os.path.exists(path):
            counts[check] = None
            continue
        with open(path) as f:
            resources = json.load(f)
        counts[check] = sum(
            1
            for r in resources
            if is_seeded(
                r.get("Name"),
                r.get("GroupName"),
                r.get("GroupId"),
                r.get("InstanceId"),
                r.get("DBInstanceIdentifier"),
                r.get("PolicyName"),
                r.get("UserName"),
                r.get("Arn"),
            )
        )
    return counts


def count_prowler(cache, is_seeded):
    files = glob.glob(os.path.join(cache, "prowler-out", "**", "*.ocsf.json"), recursive=True)
    if not files:
        return None, {}
    fails = Counter()
    seen_checks = Counter()
    for path in files:
        try:
            with open(path) as f:
                findings = json.load(f)
        except (OSError, ValueError):
            continue  # a run stopped by the timeout may leave a truncated file
        for finding in findings:
            check = finding.get("metadata", {}).get("event_code") or finding.get("finding_info", {}).get("title")
            seen_checks[check] += 1
            if finding.get("status_code") != "FAIL":
                continue
            resources = finding.get("resources") or [{}]
            if any(is_seeded(r.get("uid"), r.get("name")) for r in resources):
                fails[check] += 1
    counts = {}
    for ours, theirs in PROWLER_MAP.items():
        if theirs is None:
            counts[ours] = None
        elif not any(t in seen_checks for t in theirs):
            counts[ours] = "not run"
        else:
            counts[ours] = sum(fails[t] for t in theirs)
    return counts, seen_checks


def fmt_num(v):
    return "–" if v is None else str(v)


def main():
    cache, versions = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
    with open(os.path.join(cache, "ground-truth.json")) as f:
        truth = json.load(f)
    is_seeded = seeded_matcher(truth)
    n_resources = truth["seeded"]["total"]
    runs = load_runs(cache)

    ours, our_errors, our_note = count_compliance(cache, is_seeded)
    ours11, ours11_errors, _ = count_compliance(cache, is_seeded, "compliance-compared.json")
    custodian = count_custodian(cache, is_seeded)
    prowler, prowler_checks = count_prowler(cache, is_seeded)

    lines = []
    lines.append(f"Estate: {n_resources} seeded resources "
                 + ", ".join(f"{v} {k}" for k, v in truth["seeded"].items() if k != "total")
                 + f"; seed {truth['seed']}, region {truth['region']}.")
    lines.append(f"Versions: {versions}.")
    lines.append("")
    header = ["tool", "exit", "wall s", "peak RSS MB", "HTTP requests", "requests per resource"] + CHECKS
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join(["---"] * len(header)) + "|")
    lines.append("| ground truth (seeder) | | | | | | " + " | ".join(str(truth["violations"][c]) for c in CHECKS) + " |")

    def run_cells(tool):
        r = runs.get(tool)
        if not r:
            return ["not run"] + [""] * 4
        reqs = int(r["requests"])
        rc = r["rc"]
        if r.get("note", "").startswith("timeout") and rc in ("124", "137"):
            rc = f"{rc} (timed out)"
        return [rc, r["wall_s"], f"{int(r['max_rss_kb']) / 1024:.0f}", str(reqs), f"{reqs / n_resources:.2f}"]

    def check_cells(counts, errors=None):
        cells = []
        for c in CHECKS:
            if counts is None:
                cells.append("–")
                continue
            v = counts.get(c)
            cell = fmt_num(v)
            if errors and errors.get(c):
                cell += f" (+{errors[c]} error)"
            cells.append(cell)
        return cells

    lines.append("| compliance | " + " | ".join(run_cells("compliance") + check_cells(ours, our_errors)) + " |")
    if "compliance-compared" in runs:
        lines.append("| compliance, the 11 compared rules only | "
                     + " | ".join(run_cells("compliance-compared") + check_cells(ours11, ours11_errors)) + " |")
    lines.append("| Cloud Custodian | " + " | ".join(run_cells("custodian") + check_cells(custodian)) + " |")
    if "prowler" in runs:
        lines.append("| Prowler | " + " | ".join(run_cells("prowler") + check_cells(prowler)) + " |")
    lines.append("")
    lines.append("Counts are non-compliant resources among the seeded ones; – means the tool has no such check. "
                 "The first compliance row runs the whole catalogue (the targets below are judged on it); "
                 "the second runs only the eleven rules compared here, as Custodian does.")
    if our_note:
        lines.append(f"compliance: {our_note}")
    if "prowler" in runs:
        p = runs["prowler"]
        if p["rc"] in ("124", "137"):
            lines.append(f"Prowler was stopped after {p['note'][len('timeout '):]}; its counts cover only the checks it finished "
                         f"({len(prowler_checks)} checks wrote findings).")
        for c, why in PROWLER_SEMANTICS.items():
            lines.append(f"Prowler {c}: {why}.")
    lines.append("")

    lines.append("Agreement (compliance vs Custodian vs ground truth):")
    mismatches = 0
    for c in CHECKS:
        t = truth["violations"][c]
        o = ours.get(c) if ours is not None else None
        o11 = ours11.get(c) if ours11 is not None else o
        k = custodian.get(c) if custodian is not None else None
        ok = o == t and o11 == t and k == t
        mismatches += not ok
        extra = ""
        if our_errors and our_errors.get(c):
            extra = f" ({our_errors[c]} error findings)"
        if o11 != o:
            extra += f" (compared-rules run: {fmt_num(o11)})"
        lines.append(f"- {c}: compliance {fmt_num(o)}{extra}, Custodian {fmt_num(k)}, truth {t}: "
                     + ("MATCH" if ok else "MISMATCH"))
    lines.append("")

    lines.append("Targets:")

    def wall(tool):
        r = runs.get(tool)
        return float(r["wall_s"]) if r and r["wall_s"] else None

    ours_wall = wall("compliance")
    for tool, label, factor in (("custodian", "Cloud Custodian", 10), ("prowler", "Prowler", 20)):
        w = wall(tool)
        if ours_wall is None or w is None:
            lines.append(f"- ≥{factor}× faster than {label}: not measured")
            continue
        ratio = w / ours_wall
        bound = ""
        if tool == "prowler" and runs[tool]["rc"] in ("124", "137"):
            bound = " (lower bound: Prowler was stopped by the timeout)"
        lines.append(f"- ≥{factor}× faster than {label}: {ratio:.1f}×{bound}: " + ("met" if ratio >= factor else "NOT met"))
    r = runs.get("compliance")
    if r:
        rss = int(r["max_rss_kb"]) / 1024
        lines.append(f"- peak RSS ≤ 100 MB: {rss:.0f} MB: " + ("met" if rss <= 100 else "NOT met"))
        ours_rpr = int(r["requests"]) / n_resources
        peers = [(runs[t]["requests"], t) for t in ("custodian", "prowler") if t in runs]
        worse = [t for reqs, t in peers if ours_rpr > int(reqs) / n_resources]
        detail = ", ".join(f"{t} {int(q) / n_resources:.2f}" for q, t in peers)
        lines.append(f"- requests per resource no higher than either peer: {ours_rpr:.2f} vs {detail}: "
                     + ("met" if not worse else f"NOT met (higher than {', '.join(worse)})"))
    lines.append("")

    steps_path = os.path.join(cache, "steps.tsv")
    if os.path.exists(steps_path):
        lines.append("Setup steps (seconds):")
        with open(steps_path) as f:
            for row in f:
                name, secs = row.rstrip("\n").split("\t")
                lines.append(f"- {name}: {secs}")
        loads = ", ".join(f"{t} {r['load_before']}" for t, r in runs.items())
        lines.append(f"- 1-minute load average before each tool: {loads}")

    text = "\n".join(lines) + "\n"
    with open(os.path.join(cache, "results.md"), "w") as f:
        f.write(text)
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
