
use builtin;
use str;

set edit:completion:arg-completer[compliance] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'compliance'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'compliance'= {
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand setup 'Create (or repair) the continuous-monitoring stack in one account and region'
            cand status 'Show what setup created and whether it drifted'
            cand teardown 'Remove exactly what setup created (shows the plan; asks on a terminal, needs --yes elsewhere)'
            cand scan 'Evaluate resources against the rules and print findings'
            cand score 'Score a findings file or a stored scan, overall and by group'
            cand history 'Stored scans and the score trend, or one resource''s history'
            cand diff 'New, resolved and persisting violations between two stored scans'
            cand prune 'Delete stored scans older than a date from the local history store'
            cand report 'Render the latest stored scan, a stored scan or findings files as a report (table, json, markdown, csv, sarif, ocsf, asff, junit)'
            cand rules 'List, explain, validate and test rules'
            cand completions 'Print a shell completion script'
            cand iam-policy 'Print the least-privilege IAM policy a command needs'
            cand remediate 'Plan, apply, verify and roll back fixes for failing rules, with an audit trail (plan only without --yes)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'compliance;setup'= {
            cand --suffix 'Names every resource: compliance-{purpose}-{suffix} (1-15 of a-z, 0-9, -) [default: COMPLIANCE_SUFFIX, else [stack] suffix in compliance.toml]'
            cand --email 'Subscribe this address to alerts; repeatable'
            cand --frequency 'How often periodic Config rules run and snapshots are delivered: 1h, 3h, 6h, 12h, 24h'
            cand --sse 'Evidence bucket encryption'
            cand --regions 'Aggregate AWS Config data from these regions (creates a Config aggregator)'
            cand --accounts 'Make the aggregator collect from these accounts (all regions unless --regions)'
            cand --tag 'Extra tag on every resource (Owner=secops); repeatable; overrides [tags] in compliance.toml'
            cand --retain-days 'Expire history items after this many days (DynamoDB TTL)'
            cand --format 'format'
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand --organization 'Make the aggregator organisation-wide (from the management or delegated-admin account; all regions unless --regions)'
            cand --adopt-recorder 'Extend an existing AWS Config recorder (one not created by setup) with the resource types the rules need'
            cand --dry-run 'Print the plan (create / update / unchanged per resource) and change nothing'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;status'= {
            cand --suffix 'The stack [default: COMPLIANCE_SUFFIX, else [stack] suffix in compliance.toml, else the only stack in the account and region]'
            cand --format 'format'
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;teardown'= {
            cand --suffix 'The stack [default: COMPLIANCE_SUFFIX, else [stack] suffix in compliance.toml, else the only stack in the account and region]'
            cand --format 'format'
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand --yes 'Delete without asking (required when stdin is not a terminal)'
            cand --dry-run 'Print what would be deleted and change nothing'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;scan'= {
            cand --snapshot 'Read resources from an AWS Config snapshot or history file, notification, rule event or API response (JSON or JSON Lines) instead of the live account; repeatable'
            cand --regions 'Regions to scan (comma-separated, or `all` for every enabled region) [default: --region]'
            cand --concurrency 'Concurrent API calls per service and region'
            cand --timeout 'Give up on a live scan after this many seconds; what was read by then is still reported'
            cand --call-timeout 'Give up on one API call (retries included) after this many seconds'
            cand --max-attempts 'Attempts per API call, with adaptive backoff on throttling'
            cand --page-size 'Page size of list calls (tests of pagination only)'
            cand --resources 'Only these resource kinds: ec2 (instances, security groups and EBS volumes), sg (security groups), ebs (EBS volumes), s3 (buckets and the account''s public access block), rds (DB instances and clusters), iam (users, roles, groups, policies and the account''s password policy and summary), cfn (CloudFormation stacks)'
            cand --rule 'Only these rules (ids or globs); repeatable'
            cand --format 'Output format: any `report` format, written as the scan goes'
            cand --out 'Write the report to FILE instead of stdout'
            cand --fail-on 'Exit 1 when a non-compliant or error finding has this severity or higher'
            cand --suffix 'Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created'
            cand --store 'Local history store file [default: COMPLIANCE_STORE, else the user''s data directory]'
            cand --alert-on 'What sends an alert to the suffix''s topic (with --suffix); repeatable'
            cand --accounts 'Accounts to scan: `all` (the organisation''s active accounts, from the management or delegated-admin account) or ids, comma-separated [default: the caller''s account]'
            cand --role-name 'Role assumed in each member account'
            cand --external-id 'External id passed to AssumeRole'
            cand --role-session-name 'Session name of the assumed roles (shows in the member accounts'' CloudTrail)'
            cand --account-concurrency 'Account × region units read at once'
            cand --shard 'Read only shard K of N (K from 0) of the account × region units; `auto` or `auto/N` reads K (and N) from JOB_COMPLETION_INDEX + COMPLIANCE_SHARD_COUNT or AWS_BATCH_JOB_ARRAY_INDEX + AWS_BATCH_JOB_ARRAY_SIZE'
            cand --scan-id 'The scan id to record (shards of one run share it) [default: a new UUID v7]'
            cand --source 'Read live resources from the service APIs, or from what AWS Config recorded'
            cand --aggregator 'With --source config: read every account and region this Config aggregator covers'
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand --detect-drift 'Run CloudFormation drift detection on every stack and wait for it (within --timeout) instead of reporting the last result'
            cand --all 'In the table, also list compliant and not-applicable findings'
            cand --no-history 'Do not store this scan in history'
            cand --realert 'Announce violations again even if the previous scan already had them'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;score'= {
            cand --input 'A findings file written by `scan --format json`'
            cand --scan 'A stored scan instead of a file: its id, or `latest`'
            cand --suffix 'Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created'
            cand --store 'Local history store file [default: COMPLIANCE_STORE, else the user''s data directory]'
            cand --by 'Group the score: service, severity, category, framework, rule or account; repeatable'
            cand --threshold 'Score threshold [default: the one in the findings file, else compliance.toml]'
            cand --format 'format'
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;history'= {
            cand --suffix 'Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created'
            cand --store 'Local history store file [default: COMPLIANCE_STORE, else the user''s data directory]'
            cand --since 'Only scans since then: 7d, 24h, or a date (2026-11-01)'
            cand --resource 'One resource''s history (its id or ARN) instead of the list of scans'
            cand --format 'format'
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;diff'= {
            cand --suffix 'Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created'
            cand --store 'Local history store file [default: COMPLIANCE_STORE, else the user''s data directory]'
            cand --from 'The earlier scan [default: the one before --to]'
            cand --to 'The later scan [default: the latest]'
            cand --format 'format'
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;prune'= {
            cand --store 'Local history store file [default: COMPLIANCE_STORE, else the user''s data directory]'
            cand --older-than 'Delete scans older than this: 90d, 12h, or a date (2026-01-01)'
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;report'= {
            cand --input 'Findings files written by `scan --format json`; several merge into one report (findings de-duplicated by finding id) [default: the latest stored scan]'
            cand --scan 'A stored scan: its id, or `latest` [default: latest]'
            cand --since 'A period summary of the stored scans instead: 7d, 30d, or a date (2026-11-01); formats table, json, markdown, html'
            cand --suffix 'Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created'
            cand --store 'Local history store file [default: COMPLIANCE_STORE, else the user''s data directory]'
            cand --format 'Output format; repeatable with --out-dir to write several at once'
            cand --out 'Write the report to FILE instead of stdout'
            cand --out-dir 'Write one file per format into DIR (report.json, report.sarif, ...)'
            cand --to 'Also deliver the findings there: `securityhub` imports the ASFF documents (needs --format asff)'
            cand --upload 'Put every written file into S3 at s3://BUCKET/PREFIX/ and print the object URIs; alone, with --suffix, the stack''s evidence bucket under reports/YYYY/MM/DD/ [files are written to --out, --out-dir, else the current directory]'
            cand --presign 'With --upload: also print a presigned GET link valid this long (7d, 12h, 30m; at most 7d)'
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand --all 'In the table, also list compliant and not-applicable findings'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;rules'= {
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List the rules in force (built-in plus --rules)'
            cand explain 'Show a rule''s purpose, check, parameters, fix and AWS Config mapping'
            cand validate 'Check rule files for errors [default: the built-in rules]'
            cand test 'Run the rules'' inline tests; exit 1 when one fails [default: the built-in rules]'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'compliance;rules;list'= {
            cand --format 'format'
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;rules;explain'= {
            cand --format 'format'
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;rules;validate'= {
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;rules;test'= {
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;rules;help'= {
            cand list 'List the rules in force (built-in plus --rules)'
            cand explain 'Show a rule''s purpose, check, parameters, fix and AWS Config mapping'
            cand validate 'Check rule files for errors [default: the built-in rules]'
            cand test 'Run the rules'' inline tests; exit 1 when one fails [default: the built-in rules]'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'compliance;rules;help;list'= {
        }
        &'compliance;rules;help;explain'= {
        }
        &'compliance;rules;help;validate'= {
        }
        &'compliance;rules;help;test'= {
        }
        &'compliance;rules;help;help'= {
        }
        &'compliance;completions'= {
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;iam-policy'= {
            cand --for 'The command to grant'
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand --organization 'For `--for scan`: the management-account policy and the member-account role''s policy of an organisation scan'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;remediate'= {
            cand --rule 'Only these rules (ids or globs); repeatable'
            cand --resource 'Only this resource (ARN or id); repeatable'
            cand --resources 'Only these resource kinds: ec2 (instances, security groups and EBS volumes), sg (security groups), ebs (EBS volumes), s3 (buckets and the account''s public access block), rds (DB instances and clusters), iam (users, roles, groups, policies and the account''s password policy and summary), cfn (CloudFormation stacks)'
            cand --regions 'Regions to read targets in (comma-separated, or `all`) [default: --region]'
            cand --allow 'Also apply changes of this risk (with --yes)'
            cand --max-changes 'Refuse (exit 2) a plan with more changes than this, so a wrong filter cannot rewrite an account'
            cand --concurrency 'Changes applied at the same time (one resource''s changes always run in order)'
            cand --rollback 'Restore what this run changed, from its recorded before-states (plan only without --yes)'
            cand --from-scan 'Targets from a stored scan (its id, or `latest`) instead of a fresh read; each is re-read live first'
            cand --input 'Targets from a findings file (`scan --format json`); each is re-read live first'
            cand --since 'With --log: only runs since then: 30d, 24h, or a date (2026-11-01)'
            cand --store 'Local history store file that keeps the audit trail [default: COMPLIANCE_STORE, else the user''s data directory]'
            cand --suffix 'Use the stack `setup --suffix` created: the trail in its DynamoDB history table, one SNS message per applied run, the RemediationSucceeded/RemediationFailed metrics, and its KMS key for SSE-KMS when a rule names none'
            cand --max-attempts 'Attempts per API call'
            cand --call-timeout 'Give up on one API call (retries included) after this many seconds'
            cand --format 'format'
            cand --out 'Write the plan or result to FILE instead of stdout'
            cand --rules 'Extra rule directory; its rules are added, or replace built-in ones with the same id'
            cand --config 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]'
            cand --profile 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)'
            cand --region 'AWS region [default: the profile''s or AWS_REGION]'
            cand --endpoint-url 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)'
            cand --yes 'Apply the safe changes of the plan (and the disruptive ones with --allow disruptive), then verify each'
            cand --apply-immediately 'RDS: apply now instead of in the next maintenance window'
            cand --log 'Show the audit trail of remediation runs instead of planning'
            cand -v 'More log output on stderr (-v info, -vv debug)'
            cand --verbose 'More log output on stderr (-v info, -vv debug)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --no-progress 'Never draw progress bars (they are drawn only on a terminal anyway)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'compliance;help'= {
            cand setup 'Create (or repair) the continuous-monitoring stack in one account and region'
            cand status 'Show what setup created and whether it drifted'
            cand teardown 'Remove exactly what setup created (shows the plan; asks on a terminal, needs --yes elsewhere)'
            cand scan 'Evaluate resources against the rules and print findings'
            cand score 'Score a findings file or a stored scan, overall and by group'
            cand history 'Stored scans and the score trend, or one resource''s history'
            cand diff 'New, resolved and persisting violations between two stored scans'
            cand prune 'Delete stored scans older than a date from the local history store'
            cand report 'Render the latest stored scan, a stored scan or findings files as a report (table, json, markdown, csv, sarif, ocsf, asff, junit)'
            cand rules 'List, explain, validate and test rules'
            cand completions 'Print a shell completion script'
            cand iam-policy 'Print the least-privilege IAM policy a command needs'
            cand remediate 'Plan, apply, verify and roll back fixes for failing rules, with an audit trail (plan only without --yes)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'compliance;help;setup'= {
        }
        &'compliance;help;status'= {
        }
        &'compliance;help;teardown'= {
        }
        &'compliance;help;scan'= {
        }
        &'compliance;help;score'= {
        }
        &'compliance;help;history'= {
        }
        &'compliance;help;diff'= {
        }
        &'compliance;help;prune'= {
        }
        &'compliance;help;report'= {
        }
        &'compliance;help;rules'= {
            cand list 'List the rules in force (built-in plus --rules)'
            cand explain 'Show a rule''s purpose, check, parameters, fix and AWS Config mapping'
            cand validate 'Check rule files for errors [default: the built-in rules]'
            cand test 'Run the rules'' inline tests; exit 1 when one fails [default: the built-in rules]'
        }
        &'compliance;help;rules;list'= {
        }
        &'compliance;help;rules;explain'= {
        }
        &'compliance;help;rules;validate'= {
        }
        &'compliance;help;rules;test'= {
        }
        &'compliance;help;completions'= {
        }
        &'compliance;help;iam-policy'= {
        }
        &'compliance;help;remediate'= {
        }
        &'compliance;help;help'= {
        }
    ]
    $completions[$command]
}
