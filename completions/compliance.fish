# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_compliance_global_optspecs
    string join \n rules= config= v/verbose q/quiet no-progress profile= region= endpoint-url= h/help V/version
end

function __fish_compliance_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_compliance_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_compliance_using_subcommand
    set -l cmd (__fish_compliance_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c compliance -n "__fish_compliance_needs_command" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_needs_command" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_needs_command" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_needs_command" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_needs_command" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_needs_command" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_needs_command" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c compliance -n "__fish_compliance_needs_command" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_needs_command" -f -a "setup" -d 'Create (or repair) the continuous-monitoring stack in one account and region'
complete -c compliance -n "__fish_compliance_needs_command" -f -a "status" -d 'Show what setup created and whether it drifted'
complete -c compliance -n "__fish_compliance_needs_command" -f -a "teardown" -d 'Remove exactly what setup created (shows the plan; asks on a terminal, needs --yes elsewhere)'
complete -c compliance -n "__fish_compliance_needs_command" -f -a "scan" -d 'Evaluate resources against the rules and print findings'
complete -c compliance -n "__fish_compliance_needs_command" -f -a "score" -d 'Score a findings file or a stored scan, overall and by group'
complete -c compliance -n "__fish_compliance_needs_command" -f -a "history" -d 'Stored scans and the score trend, or one resource\'s history'
complete -c compliance -n "__fish_compliance_needs_command" -f -a "diff" -d 'New, resolved and persisting violations between two stored scans'
complete -c compliance -n "__fish_compliance_needs_command" -f -a "prune" -d 'Delete stored scans older than a date from the local history store'
complete -c compliance -n "__fish_compliance_needs_command" -f -a "report" -d 'Render the latest stored scan, a stored scan or findings files as a report (table, json, markdown, csv, sarif, ocsf, asff, junit)'
complete -c compliance -n "__fish_compliance_needs_command" -f -a "rules" -d 'List, explain, validate and test rules'
complete -c compliance -n "__fish_compliance_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c compliance -n "__fish_compliance_needs_command" -f -a "iam-policy" -d 'Print the least-privilege IAM policy a command needs'
complete -c compliance -n "__fish_compliance_needs_command" -f -a "remediate" -d 'Plan, apply, verify and roll back fixes for failing rules, with an audit trail (plan only without --yes)'
complete -c compliance -n "__fish_compliance_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l suffix -d 'Names every resource: compliance-{purpose}-{suffix} (1-15 of a-z, 0-9, -) [default: COMPLIANCE_SUFFIX, else [stack] suffix in compliance.toml]' -r
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l email -d 'Subscribe this address to alerts; repeatable' -r
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l frequency -d 'How often periodic Config rules run and snapshots are delivered: 1h, 3h, 6h, 12h, 24h' -r
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l sse -d 'Evidence bucket encryption' -r -f -a "kms\t'SSE-KMS with the key setup creates'
aes256\t'SSE-S3 (AES256)'"
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l regions -d 'Aggregate AWS Config data from these regions (creates a Config aggregator)' -r
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l accounts -d 'Make the aggregator collect from these accounts (all regions unless --regions)' -r
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l tag -d 'Extra tag on every resource (Owner=secops); repeatable; overrides [tags] in compliance.toml' -r
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l retain-days -d 'Expire history items after this many days (DynamoDB TTL)' -r
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l format -r -f -a "table\t''
json\t''"
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l organization -d 'Make the aggregator organisation-wide (from the management or delegated-admin account; all regions unless --regions)'
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l adopt-recorder -d 'Extend an existing AWS Config recorder (one not created by setup) with the resource types the rules need'
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l dry-run -d 'Print the plan (create / update / unchanged per resource) and change nothing'
complete -c compliance -n "__fish_compliance_using_subcommand setup" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand setup" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand setup" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand setup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c compliance -n "__fish_compliance_using_subcommand setup" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand status" -l suffix -d 'The stack [default: COMPLIANCE_SUFFIX, else [stack] suffix in compliance.toml, else the only stack in the account and region]' -r
complete -c compliance -n "__fish_compliance_using_subcommand status" -l format -r -f -a "table\t''
json\t''"
complete -c compliance -n "__fish_compliance_using_subcommand status" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand status" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand status" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand status" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand status" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand status" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand status" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand status" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand status" -s h -l help -d 'Print help'
complete -c compliance -n "__fish_compliance_using_subcommand status" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand teardown" -l suffix -d 'The stack [default: COMPLIANCE_SUFFIX, else [stack] suffix in compliance.toml, else the only stack in the account and region]' -r
complete -c compliance -n "__fish_compliance_using_subcommand teardown" -l format -r -f -a "table\t''
json\t''"
complete -c compliance -n "__fish_compliance_using_subcommand teardown" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand teardown" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand teardown" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand teardown" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand teardown" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand teardown" -l yes -d 'Delete without asking (required when stdin is not a terminal)'
complete -c compliance -n "__fish_compliance_using_subcommand teardown" -l dry-run -d 'Print what would be deleted and change nothing'
complete -c compliance -n "__fish_compliance_using_subcommand teardown" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand teardown" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand teardown" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand teardown" -s h -l help -d 'Print help'
complete -c compliance -n "__fish_compliance_using_subcommand teardown" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l snapshot -d 'Read resources from an AWS Config snapshot or history file, notification, rule event or API response (JSON or JSON Lines) instead of the live account; repeatable' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l regions -d 'Regions to scan (comma-separated, or `all` for every enabled region) [default: --region]' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l concurrency -d 'Concurrent API calls per service and region' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l timeout -d 'Give up on a live scan after this many seconds; what was read by then is still reported' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l call-timeout -d 'Give up on one API call (retries included) after this many seconds' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l max-attempts -d 'Attempts per API call, with adaptive backoff on throttling' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l page-size -d 'Page size of list calls (tests of pagination only)' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l resources -d 'Only these resource kinds: ec2 (instances, security groups and EBS volumes), sg (security groups), ebs (EBS volumes), s3 (buckets and the account\'s public access block), rds (DB instances and clusters), iam (users, roles, groups, policies and the account\'s password policy and summary), cfn (CloudFormation stacks)' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l rule -d 'Only these rules (ids or globs); repeatable' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l format -d 'Output format: any `report` format, written as the scan goes' -r -f -a "table\t'Summary tables for a terminal'
json\t'The compliance.findings/v1 document'
markdown\t'The executive summary, for tickets, pull requests and wikis'
csv\t'One row per finding (RFC 4180, header row, JSON fields flattened)'
sarif\t'SARIF 2.1.0, for code-scanning tools (GitHub, Azure DevOps)'
ocsf\t'OCSF Compliance Finding events (class_uid 2003), one JSON array'
asff\t'AWS Security Finding Format, ready for Security Hub\'s BatchImportFindings'
junit\t'JUnit XML: one testsuite per rule, one testcase per resource'
html\t'One self-contained page (no request leaves it), for browsers and auditors'"
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l out -d 'Write the report to FILE instead of stdout' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l fail-on -d 'Exit 1 when a non-compliant or error finding has this severity or higher' -r -f -a "critical\t''
high\t''
medium\t''
low\t''
info\t''
none\t''"
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l suffix -d 'Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l store -d 'Local history store file [default: COMPLIANCE_STORE, else the user\'s data directory]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l alert-on -d 'What sends an alert to the suffix\'s topic (with --suffix); repeatable' -r -f -a "critical\t'New critical violations'
high\t'New violations of high severity or worse'
score\t'The score falling below the threshold'"
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l accounts -d 'Accounts to scan: `all` (the organisation\'s active accounts, from the management or delegated-admin account) or ids, comma-separated [default: the caller\'s account]' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l role-name -d 'Role assumed in each member account' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l external-id -d 'External id passed to AssumeRole' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l role-session-name -d 'Session name of the assumed roles (shows in the member accounts\' CloudTrail)' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l account-concurrency -d 'Account × region units read at once' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l shard -d 'Read only shard K of N (K from 0) of the account × region units; `auto` or `auto/N` reads K (and N) from JOB_COMPLETION_INDEX + COMPLIANCE_SHARD_COUNT or AWS_BATCH_JOB_ARRAY_INDEX + AWS_BATCH_JOB_ARRAY_SIZE' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l scan-id -d 'The scan id to record (shards of one run share it) [default: a new UUID v7]' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l source -d 'Read live resources from the service APIs, or from what AWS Config recorded' -r -f -a "api\t'Each service\'s API (one collector per service)'
config\t'The AWS Config inventory (ListDiscoveredResources + BatchGetResourceConfig)'"
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l aggregator -d 'With --source config: read every account and region this Config aggregator covers' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l detect-drift -d 'Run CloudFormation drift detection on every stack and wait for it (within --timeout) instead of reporting the last result'
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l all -d 'In the table, also list compliant and not-applicable findings'
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l no-history -d 'Do not store this scan in history'
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l realert -d 'Announce violations again even if the previous scan already had them'
complete -c compliance -n "__fish_compliance_using_subcommand scan" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand scan" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand scan" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c compliance -n "__fish_compliance_using_subcommand scan" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand score" -l input -d 'A findings file written by `scan --format json`' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand score" -l scan -d 'A stored scan instead of a file: its id, or `latest`' -r
complete -c compliance -n "__fish_compliance_using_subcommand score" -l suffix -d 'Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created' -r
complete -c compliance -n "__fish_compliance_using_subcommand score" -l store -d 'Local history store file [default: COMPLIANCE_STORE, else the user\'s data directory]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand score" -l by -d 'Group the score: service, severity, category, framework, rule or account; repeatable' -r
complete -c compliance -n "__fish_compliance_using_subcommand score" -l threshold -d 'Score threshold [default: the one in the findings file, else compliance.toml]' -r
complete -c compliance -n "__fish_compliance_using_subcommand score" -l format -r -f -a "table\t''
json\t''"
complete -c compliance -n "__fish_compliance_using_subcommand score" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand score" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand score" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand score" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand score" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand score" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand score" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand score" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand score" -s h -l help -d 'Print help'
complete -c compliance -n "__fish_compliance_using_subcommand score" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand history" -l suffix -d 'Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created' -r
complete -c compliance -n "__fish_compliance_using_subcommand history" -l store -d 'Local history store file [default: COMPLIANCE_STORE, else the user\'s data directory]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand history" -l since -d 'Only scans since then: 7d, 24h, or a date (2026-11-01)' -r
complete -c compliance -n "__fish_compliance_using_subcommand history" -l resource -d 'One resource\'s history (its id or ARN) instead of the list of scans' -r
complete -c compliance -n "__fish_compliance_using_subcommand history" -l format -r -f -a "table\t''
json\t''"
complete -c compliance -n "__fish_compliance_using_subcommand history" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand history" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand history" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand history" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand history" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand history" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand history" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand history" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand history" -s h -l help -d 'Print help'
complete -c compliance -n "__fish_compliance_using_subcommand history" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand diff" -l suffix -d 'Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created' -r
complete -c compliance -n "__fish_compliance_using_subcommand diff" -l store -d 'Local history store file [default: COMPLIANCE_STORE, else the user\'s data directory]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand diff" -l from -d 'The earlier scan [default: the one before --to]' -r
complete -c compliance -n "__fish_compliance_using_subcommand diff" -l to -d 'The later scan [default: the latest]' -r
complete -c compliance -n "__fish_compliance_using_subcommand diff" -l format -r -f -a "table\t''
json\t''"
complete -c compliance -n "__fish_compliance_using_subcommand diff" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand diff" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand diff" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand diff" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand diff" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand diff" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand diff" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand diff" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand diff" -s h -l help -d 'Print help'
complete -c compliance -n "__fish_compliance_using_subcommand diff" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand prune" -l store -d 'Local history store file [default: COMPLIANCE_STORE, else the user\'s data directory]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand prune" -l older-than -d 'Delete scans older than this: 90d, 12h, or a date (2026-01-01)' -r
complete -c compliance -n "__fish_compliance_using_subcommand prune" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand prune" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand prune" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand prune" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand prune" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand prune" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand prune" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand prune" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand prune" -s h -l help -d 'Print help'
complete -c compliance -n "__fish_compliance_using_subcommand prune" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand report" -l input -d 'Findings files written by `scan --format json`; several merge into one report (findings de-duplicated by finding id) [default: the latest stored scan]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand report" -l scan -d 'A stored scan: its id, or `latest` [default: latest]' -r
complete -c compliance -n "__fish_compliance_using_subcommand report" -l since -d 'A period summary of the stored scans instead: 7d, 30d, or a date (2026-11-01); formats table, json, markdown, html' -r
complete -c compliance -n "__fish_compliance_using_subcommand report" -l suffix -d 'Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created' -r
complete -c compliance -n "__fish_compliance_using_subcommand report" -l store -d 'Local history store file [default: COMPLIANCE_STORE, else the user\'s data directory]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand report" -l format -d 'Output format; repeatable with --out-dir to write several at once' -r -f -a "table\t'Summary tables for a terminal'
json\t'The compliance.findings/v1 document'
markdown\t'The executive summary, for tickets, pull requests and wikis'
csv\t'One row per finding (RFC 4180, header row, JSON fields flattened)'
sarif\t'SARIF 2.1.0, for code-scanning tools (GitHub, Azure DevOps)'
ocsf\t'OCSF Compliance Finding events (class_uid 2003), one JSON array'
asff\t'AWS Security Finding Format, ready for Security Hub\'s BatchImportFindings'
junit\t'JUnit XML: one testsuite per rule, one testcase per resource'
html\t'One self-contained page (no request leaves it), for browsers and auditors'"
complete -c compliance -n "__fish_compliance_using_subcommand report" -l out -d 'Write the report to FILE instead of stdout' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand report" -l out-dir -d 'Write one file per format into DIR (report.json, report.sarif, ...)' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand report" -l to -d 'Also deliver the findings there: `securityhub` imports the ASFF documents (needs --format asff)' -r -f -a "securityhub\t'AWS Security Hub in --region: BatchImportFindings, 100 per call'"
complete -c compliance -n "__fish_compliance_using_subcommand report" -l upload -d 'Put every written file into S3 at s3://BUCKET/PREFIX/ and print the object URIs; alone, with --suffix, the stack\'s evidence bucket under reports/YYYY/MM/DD/ [files are written to --out, --out-dir, else the current directory]' -r
complete -c compliance -n "__fish_compliance_using_subcommand report" -l presign -d 'With --upload: also print a presigned GET link valid this long (7d, 12h, 30m; at most 7d)' -r
complete -c compliance -n "__fish_compliance_using_subcommand report" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand report" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand report" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand report" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand report" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand report" -l all -d 'In the table, also list compliant and not-applicable findings'
complete -c compliance -n "__fish_compliance_using_subcommand report" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand report" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand report" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c compliance -n "__fish_compliance_using_subcommand report" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and not __fish_seen_subcommand_from list explain validate test help" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand rules; and not __fish_seen_subcommand_from list explain validate test help" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand rules; and not __fish_seen_subcommand_from list explain validate test help" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand rules; and not __fish_seen_subcommand_from list explain validate test help" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand rules; and not __fish_seen_subcommand_from list explain validate test help" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand rules; and not __fish_seen_subcommand_from list explain validate test help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and not __fish_seen_subcommand_from list explain validate test help" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and not __fish_seen_subcommand_from list explain validate test help" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and not __fish_seen_subcommand_from list explain validate test help" -s h -l help -d 'Print help'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and not __fish_seen_subcommand_from list explain validate test help" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and not __fish_seen_subcommand_from list explain validate test help" -f -a "list" -d 'List the rules in force (built-in plus --rules)'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and not __fish_seen_subcommand_from list explain validate test help" -f -a "explain" -d 'Show a rule\'s purpose, check, parameters, fix and AWS Config mapping'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and not __fish_seen_subcommand_from list explain validate test help" -f -a "validate" -d 'Check rule files for errors [default: the built-in rules]'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and not __fish_seen_subcommand_from list explain validate test help" -f -a "test" -d 'Run the rules\' inline tests; exit 1 when one fails [default: the built-in rules]'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and not __fish_seen_subcommand_from list explain validate test help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from list" -l format -r -f -a "table\t''
json\t''"
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from list" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from list" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from list" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from list" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from list" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from list" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from explain" -l format -r -f -a "table\t''
json\t''"
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from explain" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from explain" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from explain" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from explain" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from explain" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from explain" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from explain" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from explain" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from explain" -s h -l help -d 'Print help'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from explain" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from validate" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from validate" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from validate" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from validate" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from validate" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from validate" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from validate" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from validate" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from validate" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from test" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from test" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from test" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from test" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from test" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from test" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from test" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from test" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from test" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the rules in force (built-in plus --rules)'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "explain" -d 'Show a rule\'s purpose, check, parameters, fix and AWS Config mapping'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "validate" -d 'Check rule files for errors [default: the built-in rules]'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "test" -d 'Run the rules\' inline tests; exit 1 when one fails [default: the built-in rules]'
complete -c compliance -n "__fish_compliance_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c compliance -n "__fish_compliance_using_subcommand completions" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand completions" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand completions" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand completions" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand completions" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand completions" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand completions" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand completions" -s h -l help -d 'Print help'
complete -c compliance -n "__fish_compliance_using_subcommand completions" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand iam-policy" -l for -d 'The command to grant' -r -f -a "scan\t'`scan`, with history, alerts and metrics of `--suffix` and SSM rule parameters'
setup\t'What `setup`, `status` and `teardown` call'
status\t'Read-only: what `status` calls'
teardown\t'What `teardown` calls (reads and deletes)'
remediate\t'What `remediate` calls: the collectors for its targets and every action\'s writes'"
complete -c compliance -n "__fish_compliance_using_subcommand iam-policy" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand iam-policy" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand iam-policy" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand iam-policy" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand iam-policy" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand iam-policy" -l organization -d 'For `--for scan`: the management-account policy and the member-account role\'s policy of an organisation scan'
complete -c compliance -n "__fish_compliance_using_subcommand iam-policy" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand iam-policy" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand iam-policy" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand iam-policy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c compliance -n "__fish_compliance_using_subcommand iam-policy" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l rule -d 'Only these rules (ids or globs); repeatable' -r
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l resource -d 'Only this resource (ARN or id); repeatable' -r
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l resources -d 'Only these resource kinds: ec2 (instances, security groups and EBS volumes), sg (security groups), ebs (EBS volumes), s3 (buckets and the account\'s public access block), rds (DB instances and clusters), iam (users, roles, groups, policies and the account\'s password policy and summary), cfn (CloudFormation stacks)' -r
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l regions -d 'Regions to read targets in (comma-separated, or `all`) [default: --region]' -r
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l allow -d 'Also apply changes of this risk (with --yes)' -r -f -a "disruptive\t'Changes that may cut off access or restart something'"
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l max-changes -d 'Refuse (exit 2) a plan with more changes than this, so a wrong filter cannot rewrite an account' -r
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l concurrency -d 'Changes applied at the same time (one resource\'s changes always run in order)' -r
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l rollback -d 'Restore what this run changed, from its recorded before-states (plan only without --yes)' -r
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l from-scan -d 'Targets from a stored scan (its id, or `latest`) instead of a fresh read; each is re-read live first' -r
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l input -d 'Targets from a findings file (`scan --format json`); each is re-read live first' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l since -d 'With --log: only runs since then: 30d, 24h, or a date (2026-11-01)' -r
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l store -d 'Local history store file that keeps the audit trail [default: COMPLIANCE_STORE, else the user\'s data directory]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l suffix -d 'Use the stack `setup --suffix` created: the trail in its DynamoDB history table, one SNS message per applied run, the RemediationSucceeded/RemediationFailed metrics, and its KMS key for SSE-KMS when a rule names none' -r
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l max-attempts -d 'Attempts per API call' -r
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l call-timeout -d 'Give up on one API call (retries included) after this many seconds' -r
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l format -r -f -a "table\t''
json\t''"
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l out -d 'Write the plan or result to FILE instead of stdout' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l rules -d 'Extra rule directory; its rules are added, or replace built-in ones with the same id' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l config -d 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]' -r -F
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l profile -d 'AWS profile (default: the SDK\'s credential chain: environment, profile, SSO, IMDS)' -r
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l region -d 'AWS region [default: the profile\'s or AWS_REGION]' -r
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l endpoint-url -d 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)' -r
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l yes -d 'Apply the safe changes of the plan (and the disruptive ones with --allow disruptive), then verify each'
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l apply-immediately -d 'RDS: apply now instead of in the next maintenance window'
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l log -d 'Show the audit trail of remediation runs instead of planning'
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug)'
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -s q -l quiet -d 'Only errors on stderr'
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -l no-progress -d 'Never draw progress bars (they are drawn only on a terminal anyway)'
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c compliance -n "__fish_compliance_using_subcommand remediate" -s V -l version -d 'Print version'
complete -c compliance -n "__fish_compliance_using_subcommand help; and not __fish_seen_subcommand_from setup status teardown scan score history diff prune report rules completions iam-policy remediate help" -f -a "setup" -d 'Create (or repair) the continuous-monitoring stack in one account and region'
complete -c compliance -n "__fish_compliance_using_subcommand help; and not __fish_seen_subcommand_from setup status teardown scan score history diff prune report rules completions iam-policy remediate help" -f -a "status" -d 'Show what setup created and whether it drifted'
complete -c compliance -n "__fish_compliance_using_subcommand help; and not __fish_seen_subcommand_from setup status teardown scan score history diff prune report rules completions iam-policy remediate help" -f -a "teardown" -d 'Remove exactly what setup created (shows the plan; asks on a terminal, needs --yes elsewhere)'
complete -c compliance -n "__fish_compliance_using_subcommand help; and not __fish_seen_subcommand_from setup status teardown scan score history diff prune report rules completions iam-policy remediate help" -f -a "scan" -d 'Evaluate resources against the rules and print findings'
complete -c compliance -n "__fish_compliance_using_subcommand help; and not __fish_seen_subcommand_from setup status teardown scan score history diff prune report rules completions iam-policy remediate help" -f -a "score" -d 'Score a findings file or a stored scan, overall and by group'
complete -c compliance -n "__fish_compliance_using_subcommand help; and not __fish_seen_subcommand_from setup status teardown scan score history diff prune report rules completions iam-policy remediate help" -f -a "history" -d 'Stored scans and the score trend, or one resource\'s history'
complete -c compliance -n "__fish_compliance_using_subcommand help; and not __fish_seen_subcommand_from setup status teardown scan score history diff prune report rules completions iam-policy remediate help" -f -a "diff" -d 'New, resolved and persisting violations between two stored scans'
complete -c compliance -n "__fish_compliance_using_subcommand help; and not __fish_seen_subcommand_from setup status teardown scan score history diff prune report rules completions iam-policy remediate help" -f -a "prune" -d 'Delete stored scans older than a date from the local history store'
complete -c compliance -n "__fish_compliance_using_subcommand help; and not __fish_seen_subcommand_from setup status teardown scan score history diff prune report rules completions iam-policy remediate help" -f -a "report" -d 'Render the latest stored scan, a stored scan or findings files as a report (table, json, markdown, csv, sarif, ocsf, asff, junit)'
complete -c compliance -n "__fish_compliance_using_subcommand help; and not __fish_seen_subcommand_from setup status teardown scan score history diff prune report rules completions iam-policy remediate help" -f -a "rules" -d 'List, explain, validate and test rules'
complete -c compliance -n "__fish_compliance_using_subcommand help; and not __fish_seen_subcommand_from setup status teardown scan score history diff prune report rules completions iam-policy remediate help" -f -a "completions" -d 'Print a shell completion script'
complete -c compliance -n "__fish_compliance_using_subcommand help; and not __fish_seen_subcommand_from setup status teardown scan score history diff prune report rules completions iam-policy remediate help" -f -a "iam-policy" -d 'Print the least-privilege IAM policy a command needs'
complete -c compliance -n "__fish_compliance_using_subcommand help; and not __fish_seen_subcommand_from setup status teardown scan score history diff prune report rules completions iam-policy remediate help" -f -a "remediate" -d 'Plan, apply, verify and roll back fixes for failing rules, with an audit trail (plan only without --yes)'
complete -c compliance -n "__fish_compliance_using_subcommand help; and not __fish_seen_subcommand_from setup status teardown scan score history diff prune report rules completions iam-policy remediate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c compliance -n "__fish_compliance_using_subcommand help; and __fish_seen_subcommand_from rules" -f -a "list" -d 'List the rules in force (built-in plus --rules)'
complete -c compliance -n "__fish_compliance_using_subcommand help; and __fish_seen_subcommand_from rules" -f -a "explain" -d 'Show a rule\'s purpose, check, parameters, fix and AWS Config mapping'
complete -c compliance -n "__fish_compliance_using_subcommand help; and __fish_seen_subcommand_from rules" -f -a "validate" -d 'Check rule files for errors [default: the built-in rules]'
complete -c compliance -n "__fish_compliance_using_subcommand help; and __fish_seen_subcommand_from rules" -f -a "test" -d 'Run the rules\' inline tests; exit 1 when one fails [default: the built-in rules]'
