//! The command line, as clap definitions only. What each verb does lives in `verbs/`, one file each.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const ABOUT: &str = "A guardrail for destructive operations.

safeop works out what a command will do (dd, qemu-img, rm, tar -x, rsync, cp -a, restic, borg,
mkfs, wipefs, partitioning, reboot …), finds out what is true on this machine (is the target
mounted, loop-attached, a running VM's disk?), holds that against YAML rules, and then runs it,
asks for a real confirmation on the terminal, or refuses. Every decision goes to an audit log.";

const AFTER: &str = "Examples:
  safeop check -- dd if=/dev/zero of=/dev/sda      what would happen, and why (exit 0/3/4)
  safeop run -- rm -rf ./build                      decide, ask if needed, then run
  safeop rm -rf ./build                             the same, short form
  safeop check --format json -- mkfs.ext4 /dev/sdb1
  safeop policy lint site.yaml
  safeop explain rm-recursive-system-dir
  safeop explain target.device.mounted

Exit status of `run`: the command's own; 126 refused; 125 safeop failed; 127 not found.
Exit status of `check`: 0 allowed (or warn); 3 needs confirmation; 4 denied; 2 usage; 125 other.

Policy layers: the embedded default, then /etc/safeop/policy.yaml and /etc/safeop/policy.d/*.yaml,
then --policy FILE or SAFEOP_POLICY=FILE, else ~/.config/safeop/policy.yaml and policy.d/*.yaml.
A layer that is not a root-owned file in /etc/safeop may only tighten (`safeop policy show`).

Audit log: /var/log/safeop/audit.jsonl as root, else $XDG_STATE_HOME/safeop/audit.jsonl
(~/.local/state/safeop/audit.jsonl); SAFEOP_AUDIT_LOG=FILE moves it.
Under sudo SAFEOP_POLICY, --policy and SAFEOP_AUDIT_LOG are ignored.";

#[derive(Parser, Debug)]
#[command(name = "safeop", version, about = ABOUT, after_help = AFTER, disable_help_subcommand = true)]
pub struct Cli {
    /// Policy file to stack on top of the embedded default and /etc/safeop (instead of
    /// ~/.config/safeop); it may only tighten.
    #[arg(long, global = true, value_name = "FILE", value_parser = file_path)]
    pub policy: Option<PathBuf>,

    #[command(subcommand)]
    pub verb: Verb,
}

#[derive(Subcommand, Debug)]
pub enum Verb {
    /// Decide, ask for confirmation if the policy wants it, then run the command.
    #[command(
        after_help = "Examples:\n  safeop run -- dd if=disk.img of=/dev/sdb bs=4M\n  safeop run --override \"restoring from backup, ticket 4711\" -- wipefs -a /dev/sdc\n\nA confirmation is asked on the terminal (/dev/tty), never read from piped input.\nWithout a terminal a command that needs confirmation is refused (exit 126)."
    )]
    Run(RunArgs),
    /// Decide only: print the verdict, each finding and the way out. Runs nothing.
    #[command(
        after_help = "Examples:\n  safeop check -- rm -rf /srv/data\n  safeop check --format json -- qemu-img resize --shrink vm.qcow2 10G\n  safeop check --facts host-facts.json -- dd of=/srv/xen/web1.img\n\nExit status: 0 allowed or warn, 3 needs confirmation, 4 denied, 2 usage error, 125 other failure."
    )]
    Check(CheckArgs),
    /// Judge every command in shell scripts and Markdown runbooks without running any of them
    /// (a CI pre-flight): text, JSON, SARIF or JUnit, exit status by the worst verdict.
    #[command(after_help = PREFLIGHT_AFTER)]
    Preflight(PreflightArgs),
    /// Validate policy files, or run policy test cases.
    #[command(subcommand)]
    Policy(PolicyVerb),
    /// Show the documentation of a rule or a fact.
    #[command(
        after_help = "Examples:\n  safeop explain --list\n  safeop explain vm-disk-in-use\n  safeop explain target.loop.attached"
    )]
    Explain(ExplainArgs),
    /// Check or read the audit log.
    #[command(subcommand)]
    Audit(AuditVerb),
    /// Show what the probes see on this machine, or write it as a snapshot for `check --facts`.
    #[command(
        after_help = "Examples:\n  safeop facts /dev/sdb /srv/xen/web1.img\n  safeop facts --json /srv > host-facts.json     # then, elsewhere: safeop check --facts host-facts.json -- …"
    )]
    Facts {
        /// Print a facts snapshot (JSON) instead of text.
        #[arg(long)]
        json: bool,
        /// Paths to probe (as targets of a write).
        paths: Vec<String>,
    },
    /// Make, list or remove multi-call shims: links named after the guarded tools, for what shell
    /// aliases never see (cron, scripts, `ssh host reboot`).
    #[command(subcommand)]
    Shims(ShimsVerb),
    /// Print a shell completion script for safeop's own verbs and options.
    #[command(
        after_help = "Examples:\n  safeop completions bash > /usr/share/bash-completion/completions/safeop\n  safeop completions zsh > /usr/share/zsh/vendor-completions/_safeop\n  safeop completions fish > /usr/share/fish/vendor_completions.d/safeop.fish"
    )]
    Completions {
        #[arg(value_parser = ["bash", "zsh", "fish"])]
        shell: String,
    },
    /// Write the manual pages (safeop.1 and one page per verb, safeop-run.1 …) into DIR.
    #[command(after_help = "Example:\n  safeop man /usr/local/share/man/man1 && man safeop")]
    Man {
        #[arg(value_name = "DIR", value_parser = file_path)]
        dir: PathBuf,
    },
    /// Print shell aliases that route the guarded commands through safeop.
    #[command(
        after_help = "Examples:\n  eval \"$(safeop init bash)\"      # in ~/.bashrc\n  safeop init fish | source        # in ~/.config/fish/config.fish"
    )]
    Init {
        #[arg(value_parser = ["bash", "zsh", "fish"])]
        shell: String,
    },
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Lift a deny that is not final: the host name must be typed and REASON is logged. REASON
    /// is a few words, at least 8 characters that are not blank; a shorter one is a usage error
    /// (exit 125) and nothing runs.
    #[arg(long, value_name = "REASON", value_parser = crate::confirm::override_reason)]
    pub r#override: Option<String>,

    /// The command and its arguments.
    #[arg(required = true, trailing_var_arg = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Decide with facts from a snapshot (`safeop facts --json` on the target host) instead of probing.
    #[arg(long, value_name = "SNAPSHOT", value_parser = file_path)]
    pub facts: Option<PathBuf>,

    /// Evaluate every rule, even after a deny is certain (by default `check`, like `run`, stops
    /// at the first deny and names the rules it did not evaluate).
    #[arg(long)]
    pub all_findings: bool,

    /// The command and its arguments.
    #[arg(required = true, trailing_var_arg = true, value_name = "CMD")]
    pub command: Vec<String>,
}

const PREFLIGHT_AFTER: &str = "Examples:
  safeop preflight deploy.sh docs/runbooks/            every *.sh, *.bash, *.md, *.markdown and
                                                       shell-#! file below the directory
  safeop preflight --facts web1.json restore.md        judged with the facts of the target host
  safeop preflight --facts web1.json --facts db1=db1.json runbook.md
                                                       `ssh db1 '…'` steps with db1's facts
  safeop preflight --format sarif runbooks/ > preflight.sarif      GitHub code scanning
  safeop preflight --format junit runbooks/ > preflight.xml        GitLab test reports

Nothing is run and nothing of this machine is probed: a runbook is for another host. Take that
host's facts there with `safeop facts --json PATH…` (or `safeop check --format json -- CMD`,
whose `facts` is a snapshot) and give them with --facts. Without a snapshot, rules that read only
the command line decide as `check` does (`rm -rf /` is denied), and a rule that needs the host's
facts says \"needs facts from the target host\" at the policy's `preflight_without_facts`
(warn unless a layer raises it).

Markdown: fenced blocks tagged sh, bash, shell, zsh, console or shell-session, also inside lists
and blockquotes; in console blocks `$ ` and `# ` are prompts and the lines after a command its
output (a console block with no prompt at all is all commands). Shell: pipelines, lists, loops,
substitutions, `eval`, here-documents fed to a shell, `ssh HOST '…'` (judged with HOST's facts
from --facts HOST=SNAPSHOT) are each judged; text that only mentions a command (`echo \"rm -rf
/\"`, comments, here-document data) is not. What the shell expands is read from the script:
`rm -rf \"$DIR/\"*` with DIR possibly empty is `rm -rf /*` (safeop explain
rm-empty-variable-reaches-system-dir). Text the parser cannot read is a finding at its place.

Exit status: 0 nothing worse than warn, 3 something needs confirmation, 4 something is denied,
2 usage error (a FILE that does not exist), 125 other failure (a binary, huge or unreadable file).";

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum PreflightFormat {
    Text,
    Json,
    Sarif,
    Junit,
}

#[derive(Args, Debug)]
pub struct PreflightArgs {
    #[arg(long, value_enum, default_value_t = PreflightFormat::Text)]
    pub format: PreflightFormat,

    /// A facts snapshot (`safeop facts --json` on the target host) for the steps run here; as
    /// HOST=SNAPSHOT, for the steps run as `ssh HOST …`. May be given once per host.
    #[arg(long, value_name = "[HOST=]SNAPSHOT")]
    pub facts: Vec<String>,

    /// Scripts, runbooks, and directories to look through.
    #[arg(required = true, value_name = "FILE|DIR", value_parser = file_path)]
    pub paths: Vec<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum PolicyVerb {
    /// Check policy files: YAML, keys, types, fact names, operators, inline examples.
    #[command(
        after_help = "Examples:\n  safeop policy lint                                  # the layers in effect here\n  safeop policy lint site.yaml                        # one file, trusted as where it lies\n\nEach file is read on top of the embedded default, as safeop would read it where it lies:\na file that is not root's in /etc/safeop/ may only tighten (no `defaults: false`, no\n`disable:` or replacement of a final rule, no milder settings)."
    )]
    Lint {
        /// Policy files (default: every layer in effect).
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Show the effective policy: every rule with the file and line it came from, the rules
    /// switched off and the exceptions, with their reasons and expiry.
    #[command(
        after_help = "Examples:\n  safeop policy show\n  safeop --policy site.yaml policy show"
    )]
    Show,
    /// Run policy test cases: argv plus facts → expected verdict and rule ids.
    #[command(
        after_help = "A case file:\n\n  cases:\n    - name: dd onto a loop-attached image\n      argv: [dd, if=/dev/zero, of=/srv/web1.img]\n      facts: { target.loop.attached: true, target.loop.devices: [/dev/loop3] }\n      expect: { verdict: deny, rules: [loop-backing-file-in-use] }\n    - name: SMART that cannot be read warns before a mass delete\n      argv: [rm, -rf, /srv/spool]\n      facts: { scale.entries: 48213, target.disk.smart.degraded: { $unknown: \"smartctl timed out\" } }\n      expect: { verdict: warn, rules: [degraded-disk-bulk-delete] }\n\nFacts a case does not give are not applicable (null), so a case names only what it is about;\n`{ $unknown: WHY }` is a fact whose probe failed (the rule's `unknown:` decides). With\n`check --facts SNAPSHOT` a missing fact is unknown instead, as on a host that cannot answer.\nThe policy is the embedded default plus --policy (or the usual search)."
    )]
    Test {
        #[arg(required = true, value_name = "FILE", value_parser = file_path)]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ShimsVerb {
    /// Link each guarded tool's name in DIR to safeop. Put DIR first on PATH (cron: `PATH=`
    /// at the top of the crontab); called as `rm`, safeop acts as `safeop run -- rm` and runs
    /// the real `rm` found on PATH after DIR.
    #[command(
        after_help = "Examples:\n  safeop shims install /usr/local/lib/safeop/shims\n  safeop shims install shims --tools rm,dd,reboot\n  safeop shims list shims\n\nAn existing file that is not a safeop shim is never replaced."
    )]
    Install {
        #[arg(value_name = "DIR", value_parser = file_path)]
        dir: PathBuf,
        /// Only these tools (comma-separated; default: every tool `safeop init` aliases).
        #[arg(long, value_delimiter = ',', value_name = "TOOL,…")]
        tools: Option<Vec<String>>,
    },
    /// List the shims in DIR.
    List {
        #[arg(value_name = "DIR", value_parser = file_path)]
        dir: PathBuf,
    },
    /// Remove the shims in DIR (and nothing else).
    Remove {
        #[arg(value_name = "DIR", value_parser = file_path)]
        dir: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// A rule id or a fact name.
    #[arg(required_unless_present = "list")]
    pub name: Option<String>,
    /// List every rule and fact.
    #[arg(long)]
    pub list: bool,
}

#[derive(Subcommand, Debug)]
pub enum AuditVerb {
    /// Check that the hash chain of the log is whole and that its end is the one its head names.
    #[command(
        after_help = "Each record names the hash of the one before it; the chain head beside the log (LOG.head)\nnames the last record, so records cut off the end are found too. The first broken line is named.\n\nWarnings (the chain is intact, exit 0): damage that a later append recorded (the bytes of a\nwrite cut off by a full disk or a crash, checked against their `damage` record), a torn last\nline the next append will record, a log with no head (its end cannot be proven), records the\nhead does not cover yet.\n\nExit status: 0 the chain is intact (warnings may be printed); 1 it is broken (a line edited,\nremoved, reordered, the end cut off or replaced, a torn tail the head does not vouch for, a\ndamaged head, a rotated file that does not continue the one before it); 125 the log cannot be
read.\n\nRotation: logrotate renames the log to LOG.1 and makes an empty LOG; the first record of the
new LOG links the last of LOG.1 (`continues`), so `safeop audit verify LOG.1 LOG` checks both as
one chain. An empty LOG whose LOG.1 does not end where the head says is records cut off."
    )]
    Verify {
        /// The log (default: the one safeop writes to); several, oldest first, for a log and its
        /// rotated predecessors (`audit.jsonl.1 audit.jsonl`): each must continue the one before.
        #[arg(value_parser = file_path, value_name = "LOG")]
        logs: Vec<PathBuf>,
    },
    /// Print the last records of the log, one line each (a refusal with why), filtered.
    #[command(
        after_help = "Examples:\n  safeop audit show --refused --since 7d\n  safeop audit show --user alice --rule vm-disk-in-use --json\n  safeop audit show -n 100 --verdict deny --since 2026-11-01 --until 2026-12-01\n\nTimes: 2026-12-01, 2026-12-01T09:00:00Z, or an age (30m, 12h, 7d)."
    )]
    Show(ShowArgs),
}

/// `audit show`'s options.
#[derive(Args, Debug)]
pub struct ShowArgs {
    /// How many of the matching records (the newest).
    #[arg(short = 'n', default_value_t = 20)]
    pub count: usize,
    /// Records at or after this time.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Records before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Records with this verdict.
    #[arg(long, value_parser = ["allow", "warn", "confirm", "deny"])]
    pub verdict: Option<String>,
    /// Records of this user (or made through sudo by them).
    #[arg(long)]
    pub user: Option<String>,
    /// Records with a finding of this rule.
    #[arg(long, value_name = "RULE")]
    pub rule: Option<String>,
    /// Refusals only.
    #[arg(long)]
    pub refused: bool,
    /// One JSON record per line instead of text.
    #[arg(long)]
    pub json: bool,
    #[arg(value_parser = file_path)]
    pub log: Option<PathBuf>,
}

/// A file named on safeop's own command line, by its exact bytes (the arguments arrive encoded:
/// `text::bytes`).
fn file_path(s: &str) -> Result<PathBuf, std::convert::Infallible> {
    Ok(crate::text::bytes::path(s).into_owned())
}

/// Verbs safeop itself understands; anything else in first place is a command to run.
pub const VERBS: &[&str] = &[
    "run",
    "check",
    "policy",
    "explain",
    "audit",
    "help",
    "facts",
    "preflight",
    "init",
    "shims",
    "completions",
    "man",
];
