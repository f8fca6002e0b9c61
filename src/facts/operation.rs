//! Facts read straight off the parsed command line: no probing, always available, also when
//! facts come from a snapshot.

use super::{FactDef, Facts, Probe, ProbeFn, ProbeResult, Scope};
use serde_json::{Map, Value};

static ARGV: Probe = Probe {
    id: "operation",
    run: ProbeFn::Whole(probe),
    pure: true,
};

fn probe(f: &Facts) -> ProbeResult {
    let op = f.op;
    let mut m = Map::new();
    m.insert("operation.kind".into(), op.kind.name().into());
    m.insert("operation.tool".into(), op.tool.clone().into());
    m.insert(
        "operation.flags".into(),
        op.flags.iter().cloned().collect::<Vec<_>>().into(),
    );
    m.insert("operation.wrappers".into(), op.wrappers.clone().into());
    m.insert("operation.targets".into(), op.targets.clone().into());
    m.insert("operation.sources".into(), op.sources.clone().into());
    m.insert(
        "operation.note".into(),
        op.note.clone().map(Value::from).unwrap_or(Value::Null),
    );
    m.insert(
        "operation.cwd".into(),
        crate::text::bytes::encode_path(&f.cwd).into(),
    );
    for (k, v) in &op.options {
        m.insert(format!("operation.option.{k}"), v.clone().into());
    }
    for (k, v) in &op.env {
        m.insert(format!("operation.env.{k}"), v.clone().into());
    }
    Ok(m)
}

pub(crate) static FACTS: &[FactDef] = &[
    FactDef {
        name: "operation.kind",
        scope: Scope::Operation,
        probe: &ARGV,
        ty: "string",
        doc: "## What it tells\nWhat the command does: overwrite, delete, move, restore, format, partition, resize, reboot, destroy-backup (borg delete/prune/compact, restic forget/prune), read, opaque (a guarded tool whose arguments were not understood) or unknown.\n## How it is found\nFrom the argv, parsed the way the tool parses it, after wrappers (sudo, env, nice …) are peeled.\n## When it is unknown\nNever.\n## Example\n`dd if=/dev/zero of=disk.img` → `overwrite`.",
    },
    FactDef {
        name: "operation.tool",
        scope: Scope::Operation,
        probe: &ARGV,
        ty: "string",
        doc: "## What it tells\nThe tool's name without its directory (`/usr/sbin/mkfs.ext4` → `mkfs`).\n## How it is found\nFrom argv[0] after wrappers are peeled.\n## When it is unknown\nNever.\n## Example\n`sudo /bin/rm -rf x` → `rm`.",
    },
    FactDef {
        name: "operation.flags",
        scope: Scope::Operation,
        probe: &ARGV,
        ty: "list",
        doc: "## What it tells\nThe flags that matter, normalized: `recursive`, `force`, `no_preserve_root`, `one_file_system`, `delete`, `dry_run`, `notrunc`, `shrink` …\n## How it is found\nFrom the argv; `-rf`, `-r -f`, `--recursive --force` all give the same list.\n## When it is unknown\nNever.\n## Example\n`operation.flags: { contains: recursive }`.",
    },
    FactDef {
        name: "operation.wrappers",
        scope: Scope::Operation,
        probe: &ARGV,
        ty: "list",
        doc: "## What it tells\nThe wrappers peeled off the command, outermost first (`sudo`, `env`, `nice`, `sh` …).\n## How it is found\nFrom the argv.\n## When it is unknown\nNever.\n## Example\n`sudo nice rm x` → `[sudo, nice]`.",
    },
    FactDef {
        name: "operation.targets",
        scope: Scope::Operation,
        probe: &ARGV,
        ty: "list",
        doc: "## What it tells\nThe paths the command writes, deletes, formats or restores into, as written.\n## How it is found\nFrom the argv.\n## When it is unknown\nNever (empty when there are none).\n## Example\n`rm a b` → `[a, b]`.",
    },
    FactDef {
        name: "operation.sources",
        scope: Scope::Operation,
        probe: &ARGV,
        ty: "list",
        doc: "## What it tells\nThe paths the command reads from (dd's if=, an archive, copy sources), as written.\n## How it is found\nFrom the argv.\n## When it is unknown\nNever (empty when there are none).\n## Example\n`tar -xf a.tar` → `[a.tar]`.",
    },
    FactDef {
        name: "operation.note",
        scope: Scope::Operation,
        probe: &ARGV,
        ty: "string",
        doc: "## What it tells\nWhy a command was judged `opaque`: the construct safeop could not follow.\n## How it is found\nFrom the parser.\n## When it is unknown\n`null` when the command was understood.\n## Example\n`sh -c 'rm -rf $DIR'` → `shell content not understood (a `$` expansion): …`.",
    },
    FactDef {
        name: "operation.cwd",
        scope: Scope::Operation,
        probe: &ARGV,
        ty: "path",
        doc: "## What it tells\nThe directory the command runs in: the caller's, joined with `env -C`/`sudo -D`.\n## How it is found\nFrom the process and the argv.\n## When it is unknown\nNever.\n## Example\n`/srv`.",
    },
    FactDef {
        name: "operation.option",
        scope: Scope::Operation,
        probe: &ARGV,
        ty: "string",
        doc: "## What it tells\n`operation.option.NAME`: a valued option of the command (`subcommand`, `fstype`, `repo`, `strip_components` …).\n## How it is found\nFrom the argv.\n## When it is unknown\n`null` when the command does not set it.\n## Example\n`qemu-img convert …` → `operation.option.subcommand` = `convert`.",
    },
    FactDef {
        name: "operation.env",
        scope: Scope::Operation,
        probe: &ARGV,
        ty: "string",
        doc: "## What it tells\n`operation.env.NAME`: an environment variable set by a wrapper on the command line (`env X=1`, `sudo X=1`).\n## How it is found\nFrom the argv.\n## When it is unknown\n`null` when the command line does not set it.\n## Example\n`env RESTIC_REPOSITORY=/r restic restore …` → `operation.env.RESTIC_REPOSITORY` = `/r`.",
    },
];
