
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'compliance' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'compliance'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'compliance' {
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Create (or repair) the continuous-monitoring stack in one account and region')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show what setup created and whether it drifted')
            [CompletionResult]::new('teardown', 'teardown', [CompletionResultType]::ParameterValue, 'Remove exactly what setup created (shows the plan; asks on a terminal, needs --yes elsewhere)')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Evaluate resources against the rules and print findings')
            [CompletionResult]::new('score', 'score', [CompletionResultType]::ParameterValue, 'Score a findings file or a stored scan, overall and by group')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Stored scans and the score trend, or one resource''s history')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'New, resolved and persisting violations between two stored scans')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete stored scans older than a date from the local history store')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Render the latest stored scan, a stored scan or findings files as a report (table, json, markdown, csv, sarif, ocsf, asff, junit)')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'List, explain, validate and test rules')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('iam-policy', 'iam-policy', [CompletionResultType]::ParameterValue, 'Print the least-privilege IAM policy a command needs')
            [CompletionResult]::new('remediate', 'remediate', [CompletionResultType]::ParameterValue, 'Plan, apply, verify and roll back fixes for failing rules, with an audit trail (plan only without --yes)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'compliance;setup' {
            [CompletionResult]::new('--suffix', '--suffix', [CompletionResultType]::ParameterName, 'Names every resource: compliance-{purpose}-{suffix} (1-15 of a-z, 0-9, -) [default: COMPLIANCE_SUFFIX, else [stack] suffix in compliance.toml]')
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'Subscribe this address to alerts; repeatable')
            [CompletionResult]::new('--frequency', '--frequency', [CompletionResultType]::ParameterName, 'How often periodic Config rules run and snapshots are delivered: 1h, 3h, 6h, 12h, 24h')
            [CompletionResult]::new('--sse', '--sse', [CompletionResultType]::ParameterName, 'Evidence bucket encryption')
            [CompletionResult]::new('--regions', '--regions', [CompletionResultType]::ParameterName, 'Aggregate AWS Config data from these regions (creates a Config aggregator)')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Make the aggregator collect from these accounts (all regions unless --regions)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Extra tag on every resource (Owner=secops); repeatable; overrides [tags] in compliance.toml')
            [CompletionResult]::new('--retain-days', '--retain-days', [CompletionResultType]::ParameterName, 'Expire history items after this many days (DynamoDB TTL)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'Make the aggregator organisation-wide (from the management or delegated-admin account; all regions unless --regions)')
            [CompletionResult]::new('--adopt-recorder', '--adopt-recorder', [CompletionResultType]::ParameterName, 'Extend an existing AWS Config recorder (one not created by setup) with the resource types the rules need')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (create / update / unchanged per resource) and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;status' {
            [CompletionResult]::new('--suffix', '--suffix', [CompletionResultType]::ParameterName, 'The stack [default: COMPLIANCE_SUFFIX, else [stack] suffix in compliance.toml, else the only stack in the account and region]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;teardown' {
            [CompletionResult]::new('--suffix', '--suffix', [CompletionResultType]::ParameterName, 'The stack [default: COMPLIANCE_SUFFIX, else [stack] suffix in compliance.toml, else the only stack in the account and region]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Delete without asking (required when stdin is not a terminal)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be deleted and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;scan' {
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'Read resources from an AWS Config snapshot or history file, notification, rule event or API response (JSON or JSON Lines) instead of the live account; repeatable')
            [CompletionResult]::new('--regions', '--regions', [CompletionResultType]::ParameterName, 'Regions to scan (comma-separated, or `all` for every enabled region) [default: --region]')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Concurrent API calls per service and region')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a live scan after this many seconds; what was read by then is still reported')
            [CompletionResult]::new('--call-timeout', '--call-timeout', [CompletionResultType]::ParameterName, 'Give up on one API call (retries included) after this many seconds')
            [CompletionResult]::new('--max-attempts', '--max-attempts', [CompletionResultType]::ParameterName, 'Attempts per API call, with adaptive backoff on throttling')
            [CompletionResult]::new('--page-size', '--page-size', [CompletionResultType]::ParameterName, 'Page size of list calls (tests of pagination only)')
            [CompletionResult]::new('--resources', '--resources', [CompletionResultType]::ParameterName, 'Only these resource kinds: ec2 (instances, security groups and EBS volumes), sg (security groups), ebs (EBS volumes), s3 (buckets and the account''s public access block), rds (DB instances and clusters), iam (users, roles, groups, policies and the account''s password policy and summary), cfn (CloudFormation stacks)')
            [CompletionResult]::new('--rule', '--rule', [CompletionResultType]::ParameterName, 'Only these rules (ids or globs); repeatable')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: any `report` format, written as the scan goes')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a non-compliant or error finding has this severity or higher')
            [CompletionResult]::new('--suffix', '--suffix', [CompletionResultType]::ParameterName, 'Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Local history store file [default: COMPLIANCE_STORE, else the user''s data directory]')
            [CompletionResult]::new('--alert-on', '--alert-on', [CompletionResultType]::ParameterName, 'What sends an alert to the suffix''s topic (with --suffix); repeatable')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Accounts to scan: `all` (the organisation''s active accounts, from the management or delegated-admin account) or ids, comma-separated [default: the caller''s account]')
            [CompletionResult]::new('--role-name', '--role-name', [CompletionResultType]::ParameterName, 'Role assumed in each member account')
            [CompletionResult]::new('--external-id', '--external-id', [CompletionResultType]::ParameterName, 'External id passed to AssumeRole')
            [CompletionResult]::new('--role-session-name', '--role-session-name', [CompletionResultType]::ParameterName, 'Session name of the assumed roles (shows in the member accounts'' CloudTrail)')
            [CompletionResult]::new('--account-concurrency', '--account-concurrency', [CompletionResultType]::ParameterName, 'Account × region units read at once')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Read only shard K of N (K from 0) of the account × region units; `auto` or `auto/N` reads K (and N) from JOB_COMPLETION_INDEX + COMPLIANCE_SHARD_COUNT or AWS_BATCH_JOB_ARRAY_INDEX + AWS_BATCH_JOB_ARRAY_SIZE')
            [CompletionResult]::new('--scan-id', '--scan-id', [CompletionResultType]::ParameterName, 'The scan id to record (shards of one run share it) [default: a new UUID v7]')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Read live resources from the service APIs, or from what AWS Config recorded')
            [CompletionResult]::new('--aggregator', '--aggregator', [CompletionResultType]::ParameterName, 'With --source config: read every account and region this Config aggregator covers')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('--detect-drift', '--detect-drift', [CompletionResultType]::ParameterName, 'Run CloudFormation drift detection on every stack and wait for it (within --timeout) instead of reporting the last result')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'In the table, also list compliant and not-applicable findings')
            [CompletionResult]::new('--no-history', '--no-history', [CompletionResultType]::ParameterName, 'Do not store this scan in history')
            [CompletionResult]::new('--realert', '--realert', [CompletionResultType]::ParameterName, 'Announce violations again even if the previous scan already had them')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;score' {
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'A findings file written by `scan --format json`')
            [CompletionResult]::new('--scan', '--scan', [CompletionResultType]::ParameterName, 'A stored scan instead of a file: its id, or `latest`')
            [CompletionResult]::new('--suffix', '--suffix', [CompletionResultType]::ParameterName, 'Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Local history store file [default: COMPLIANCE_STORE, else the user''s data directory]')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Group the score: service, severity, category, framework, rule or account; repeatable')
            [CompletionResult]::new('--threshold', '--threshold', [CompletionResultType]::ParameterName, 'Score threshold [default: the one in the findings file, else compliance.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;history' {
            [CompletionResult]::new('--suffix', '--suffix', [CompletionResultType]::ParameterName, 'Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Local history store file [default: COMPLIANCE_STORE, else the user''s data directory]')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only scans since then: 7d, 24h, or a date (2026-11-01)')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'One resource''s history (its id or ARN) instead of the list of scans')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;diff' {
            [CompletionResult]::new('--suffix', '--suffix', [CompletionResultType]::ParameterName, 'Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Local history store file [default: COMPLIANCE_STORE, else the user''s data directory]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The earlier scan [default: the one before --to]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The later scan [default: the latest]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;prune' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Local history store file [default: COMPLIANCE_STORE, else the user''s data directory]')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Delete scans older than this: 90d, 12h, or a date (2026-01-01)')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;report' {
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'Findings files written by `scan --format json`; several merge into one report (findings de-duplicated by finding id) [default: the latest stored scan]')
            [CompletionResult]::new('--scan', '--scan', [CompletionResultType]::ParameterName, 'A stored scan: its id, or `latest` [default: latest]')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'A period summary of the stored scans instead: 7d, 30d, or a date (2026-11-01); formats table, json, markdown, html')
            [CompletionResult]::new('--suffix', '--suffix', [CompletionResultType]::ParameterName, 'Use the DynamoDB history table (and alert topic, metrics) that `setup --suffix` created')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Local history store file [default: COMPLIANCE_STORE, else the user''s data directory]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; repeatable with --out-dir to write several at once')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout')
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Write one file per format into DIR (report.json, report.sarif, ...)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Also deliver the findings there: `securityhub` imports the ASFF documents (needs --format asff)')
            [CompletionResult]::new('--upload', '--upload', [CompletionResultType]::ParameterName, 'Put every written file into S3 at s3://BUCKET/PREFIX/ and print the object URIs; alone, with --suffix, the stack''s evidence bucket under reports/YYYY/MM/DD/ [files are written to --out, --out-dir, else the current directory]')
            [CompletionResult]::new('--presign', '--presign', [CompletionResultType]::ParameterName, 'With --upload: also print a presigned GET link valid this long (7d, 12h, 30m; at most 7d)')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'In the table, also list compliant and not-applicable findings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;rules' {
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the rules in force (built-in plus --rules)')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show a rule''s purpose, check, parameters, fix and AWS Config mapping')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check rule files for errors [default: the built-in rules]')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run the rules'' inline tests; exit 1 when one fails [default: the built-in rules]')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'compliance;rules;list' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;rules;explain' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;rules;validate' {
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;rules;test' {
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;rules;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the rules in force (built-in plus --rules)')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show a rule''s purpose, check, parameters, fix and AWS Config mapping')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check rule files for errors [default: the built-in rules]')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run the rules'' inline tests; exit 1 when one fails [default: the built-in rules]')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'compliance;rules;help;list' {
            break
        }
        'compliance;rules;help;explain' {
            break
        }
        'compliance;rules;help;validate' {
            break
        }
        'compliance;rules;help;test' {
            break
        }
        'compliance;rules;help;help' {
            break
        }
        'compliance;completions' {
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;iam-policy' {
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'The command to grant')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'For `--for scan`: the management-account policy and the member-account role''s policy of an organisation scan')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;remediate' {
            [CompletionResult]::new('--rule', '--rule', [CompletionResultType]::ParameterName, 'Only these rules (ids or globs); repeatable')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'Only this resource (ARN or id); repeatable')
            [CompletionResult]::new('--resources', '--resources', [CompletionResultType]::ParameterName, 'Only these resource kinds: ec2 (instances, security groups and EBS volumes), sg (security groups), ebs (EBS volumes), s3 (buckets and the account''s public access block), rds (DB instances and clusters), iam (users, roles, groups, policies and the account''s password policy and summary), cfn (CloudFormation stacks)')
            [CompletionResult]::new('--regions', '--regions', [CompletionResultType]::ParameterName, 'Regions to read targets in (comma-separated, or `all`) [default: --region]')
            [CompletionResult]::new('--allow', '--allow', [CompletionResultType]::ParameterName, 'Also apply changes of this risk (with --yes)')
            [CompletionResult]::new('--max-changes', '--max-changes', [CompletionResultType]::ParameterName, 'Refuse (exit 2) a plan with more changes than this, so a wrong filter cannot rewrite an account')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Changes applied at the same time (one resource''s changes always run in order)')
            [CompletionResult]::new('--rollback', '--rollback', [CompletionResultType]::ParameterName, 'Restore what this run changed, from its recorded before-states (plan only without --yes)')
            [CompletionResult]::new('--from-scan', '--from-scan', [CompletionResultType]::ParameterName, 'Targets from a stored scan (its id, or `latest`) instead of a fresh read; each is re-read live first')
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'Targets from a findings file (`scan --format json`); each is re-read live first')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'With --log: only runs since then: 30d, 24h, or a date (2026-11-01)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Local history store file that keeps the audit trail [default: COMPLIANCE_STORE, else the user''s data directory]')
            [CompletionResult]::new('--suffix', '--suffix', [CompletionResultType]::ParameterName, 'Use the stack `setup --suffix` created: the trail in its DynamoDB history table, one SNS message per applied run, the RemediationSucceeded/RemediationFailed metrics, and its KMS key for SSE-KMS when a rule names none')
            [CompletionResult]::new('--max-attempts', '--max-attempts', [CompletionResultType]::ParameterName, 'Attempts per API call')
            [CompletionResult]::new('--call-timeout', '--call-timeout', [CompletionResultType]::ParameterName, 'Give up on one API call (retries included) after this many seconds')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the plan or result to FILE instead of stdout')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile (default: the SDK''s credential chain: environment, profile, SSO, IMDS)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the profile''s or AWS_REGION]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call to this endpoint (an AWS-compatible API such as moto)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply the safe changes of the plan (and the disruptive ones with --allow disruptive), then verify each')
            [CompletionResult]::new('--apply-immediately', '--apply-immediately', [CompletionResultType]::ParameterName, 'RDS: apply now instead of in the next maintenance window')
            [CompletionResult]::new('--log', '--log', [CompletionResultType]::ParameterName, 'Show the audit trail of remediation runs instead of planning')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'compliance;help' {
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Create (or repair) the continuous-monitoring stack in one account and region')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show what setup created and whether it drifted')
            [CompletionResult]::new('teardown', 'teardown', [CompletionResultType]::ParameterValue, 'Remove exactly what setup created (shows the plan; asks on a terminal, needs --yes elsewhere)')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Evaluate resources against the rules and print findings')
            [CompletionResult]::new('score', 'score', [CompletionResultType]::ParameterValue, 'Score a findings file or a stored scan, overall and by group')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Stored scans and the score trend, or one resource''s history')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'New, resolved and persisting violations between two stored scans')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete stored scans older than a date from the local history store')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Render the latest stored scan, a stored scan or findings files as a report (table, json, markdown, csv, sarif, ocsf, asff, junit)')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'List, explain, validate and test rules')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('iam-policy', 'iam-policy', [CompletionResultType]::ParameterValue, 'Print the least-privilege IAM policy a command needs')
            [CompletionResult]::new('remediate', 'remediate', [CompletionResultType]::ParameterValue, 'Plan, apply, verify and roll back fixes for failing rules, with an audit trail (plan only without --yes)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'compliance;help;setup' {
            break
        }
        'compliance;help;status' {
            break
        }
        'compliance;help;teardown' {
            break
        }
        'compliance;help;scan' {
            break
        }
        'compliance;help;score' {
            break
        }
        'compliance;help;history' {
            break
        }
        'compliance;help;diff' {
            break
        }
        'compliance;help;prune' {
            break
        }
        'compliance;help;report' {
            break
        }
        'compliance;help;rules' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the rules in force (built-in plus --rules)')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show a rule''s purpose, check, parameters, fix and AWS Config mapping')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check rule files for errors [default: the built-in rules]')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run the rules'' inline tests; exit 1 when one fails [default: the built-in rules]')
            break
        }
        'compliance;help;rules;list' {
            break
        }
        'compliance;help;rules;explain' {
            break
        }
        'compliance;help;rules;validate' {
            break
        }
        'compliance;help;rules;test' {
            break
        }
        'compliance;help;completions' {
            break
        }
        'compliance;help;iam-policy' {
            break
        }
        'compliance;help;remediate' {
            break
        }
        'compliance;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
