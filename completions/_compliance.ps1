
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
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars (they are drawn only on a terminal anyway)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Evaluate resources against the rules and print findings')
            [CompletionResult]::new('score', 'score', [CompletionResultType]::ParameterValue, 'Score a findings file, overall and by group')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Render a findings file as a report')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'List, explain, validate and test rules')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'compliance;scan' {
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'AWS Config snapshot or history file, notification, rule event or API response (JSON or JSON Lines); repeatable')
            [CompletionResult]::new('--resources', '--resources', [CompletionResultType]::ParameterName, 'Only these resource kinds: ec2 (with sg and ebs), sg, ebs, s3, rds, iam, cfn')
            [CompletionResult]::new('--rule', '--rule', [CompletionResultType]::ParameterName, 'Only these rules (ids or globs); repeatable')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a non-compliant or error finding has this severity or higher')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'In the table, also list compliant and not-applicable findings')
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
        'compliance;score' {
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'A findings file written by `scan --format json`')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Group the score: service, severity, category, framework or rule; repeatable')
            [CompletionResult]::new('--threshold', '--threshold', [CompletionResultType]::ParameterName, 'Score threshold [default: the one in the findings file, else compliance.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
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
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'A findings file written by `scan --format json`')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of stdout')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'In the table, also list compliant and not-applicable findings')
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
        'compliance;rules' {
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Extra rule directory; its rules are added, or replace built-in ones with the same id')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Parameters, exemptions and scoring settings [default: ./compliance.toml when present]')
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
        'compliance;help' {
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Evaluate resources against the rules and print findings')
            [CompletionResult]::new('score', 'score', [CompletionResultType]::ParameterValue, 'Score a findings file, overall and by group')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Render a findings file as a report')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'List, explain, validate and test rules')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'compliance;help;scan' {
            break
        }
        'compliance;help;score' {
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
        'compliance;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
