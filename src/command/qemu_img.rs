//! `qemu-img` argv → Operation (qemu-img 7.x–10.x).
//!
//! `qemu-img [-T TRACE] [-h|-V] COMMAND [options] operands`: the global options stop at the first
//! non-option (getopt `+`), each command then reads its own options with getopt_long and
//! permutation, so options may come before or after file names. options["subcommand"] = COMMAND.
//! `-o` values keep their commas (`-o preallocation=full,cluster_size=64k`); several `-o` are
//! joined with `,` as qemu-img does, into options["options"]. `-o help` / `-o ?` only lists → Read.
//!
//! Kinds (target = the image written):
//! - `create FILE [SIZE]` → Overwrite of FILE (qemu-img replaces an existing file); the backing
//!   file (`-b`, or `backing_file=` inside `-o`) is a source.
//! - `convert SRC… DST` → Overwrite of DST; `-n` → flag `no_create` (DST must exist and is written
//!   over in place). With `--target-image-opts` / `--image-opts` the `file.filename=`/`filename=`
//!   key of the spec is used when present.
//! - `resize FILE SIZE` → Resize; flag `shrink` with `--shrink` or a size starting with `-`. As in
//!   qemu-img before 10.0, a last argument that is a negative size (`-1G`) is the size even
//!   without `--` (10.x refuses the line instead: reading it as a shrink is the cautious side).
//! - `commit FILE` → Overwrite with target FILE and flag `writes_backing` (the data goes into the
//!   backing chain; FILE is emptied unless `-d`); `-b BASE` → options["base"].
//! - `rebase FILE` → Overwrite of FILE (`-u` → flag `unsafe`; the new backing file is a source).
//! - `amend FILE` → Overwrite of FILE (`--force` → flag `force`).
//! - `snapshot`: `-l` (default) → Read, `-c NAME` → Overwrite, `-a NAME` → Overwrite (the image
//!   reverts to the snapshot), `-d NAME` → Delete; options["snapshot"] = NAME, target = FILE.
//! - `dd if=… of=…` → Overwrite of `of=`.
//! - `bitmap … FILE BITMAP` → Overwrite of FILE (persistent bitmap metadata).
//! - `bench` → Read, but `bench -w` writes into the image → Overwrite with flag `write`.
//! - `check` → Read; `check -r leaks|all` → Overwrite with flag `repair`.
//! - `info`, `map`, `measure`, `compare` → Read (files are sources).
//!
//! `-U`/`--force-share` → flag `force_share` everywhere. Formats: `-f` → options["format"],
//! `-O` → options["output_format"], `-F` → options["backing_format"].
//!
//! File names are read as qemu reads them, not as strings: a name whose first `:` comes before
//! any `/` carries a protocol prefix. `file:P`, `host_device:P` and `host_cdrom:P` open the path
//! `P` (so `convert x host_device:/dev/vda` writes `/dev/vda`, and the device rules see it);
//! `--image-opts` / `--target-image-opts` specs open their `file.filename=` / `filename=` when
//! the protocol driver is a file driver (or not named). `-o data_file=F` on `create`/`convert`
//! is written too: a second target. Any other prefix (`nbd:`, `json:{…}`, `ssh://`, `iscsi://`,
//! or `a:b.img`, which qemu refuses as protocol `a`) and image options naming no file or another
//! driver are not files safeop can look at: on a target the operation is [`Kind::Opaque`] with
//! a note saying why (the targets stay as written); on a source the name stays as written.

use super::options::{split_command, GNU};
use super::{Arg, Getopt, Kind, Operation};

const OBJECT: &str = "object";

pub(super) fn spec(command: &str) -> Option<Getopt<'static>> {
    let g = |short_arg, short_flag, long_arg, long_flag| Getopt {
        short_arg,
        short_flag,
        long_arg,
        long_opt: &[],
        long_flag,
        ..GNU
    };
    Some(match command {
        "create" => g(
            "Fbfo",
            "hqu",
            &["format", "options", "backing", "backing-format", OBJECT],
            &["help", "quiet", "backing-unsafe"],
        ),
        "convert" => g(
            "fOoBFlsSrmtT",
            "hcCpqnWU",
            &[
                "source-format",
                "target-format",
                "target-options",
                "backing",
                "backing-format",
                "source-snapshot",
                "sparse-size",
                "rate",
                "parallel",
                "target-cache",
                "source-cache",
                OBJECT,
            ],
            &[
                "help",
                "quiet",
                "progress",
                "compress",
                "copy-range-offloading",
                "no-create",
                "oob-writes",
                "force-share",
                "image-opts",
                "source-image-opts",
                "target-image-opts",
                "target-is-zero",
                "bitmaps",
                "skip-broken-bitmaps",
                "salvage",
            ],
        ),
        "resize" => g(
            "f",
            "hq",
            &["format", "preallocation", OBJECT],
            &["help", "quiet", "shrink", "image-opts"],
        ),
        "commit" => g(
            "fbtr",
            "hdpq",
            &["format", "base", "cache", "rate", OBJECT],
            &["help", "quiet", "progress", "drop", "image-opts"],
        ),
        "rebase" => g(
            "fbFtT",
            "hqUpuc",
            &[
                "format",
                "backing",
                "backing-format",
                "cache",
                "backing-cache",
                OBJECT,
            ],
            &[
                "help",
                "quiet",
                "progress",
                "backing-unsafe",
                "compress",
                "force-share",
                "image-opts",
            ],
        ),
        "amend" => g(
            "oft",
            "hpq",
            &["options", "format", "cache", OBJECT],
            &["help", "quiet", "progress", "force", "image-opts"],
        ),
        "snapshot" => g(
            "facd",
            "hlqU",
            &["format", "apply", "create", "delete", OBJECT],
            &["help", "quiet", "list", "force-share", "image-opts"],
        ),
        "dd" => g(
            "fO",
            "hU",
            &["format", "output-format", OBJECT],
            &["help", "force-share", "image-opts"],
        ),
        "info" => g(
            "f",
            "hbU",
            &["format", "output", OBJECT],
            &[
                "help",
                "backing-chain",
                "force-share",
                "image-opts",
                "limits",
            ],
        ),
        "check" => g(
            "fTr",
            "hqU",
            &["format", "cache", "repair", "output", OBJECT],
            &["help", "quiet", "force-share", "image-opts"],
        ),
        "map" => g(
            "f",
            "hU",
            &["format", "output", "start-offset", "max-length", OBJECT],
            &["help", "force-share", "image-opts"],
        ),
        "measure" => g(
            "fOosl",
            "hU",
            &[
                "format",
                "target-format",
                "options",
                "size",
                "snapshot",
                "output",
                OBJECT,
            ],
            &["help", "force-share", "image-opts"],
        ),
        "compare" => g(
            "fFT",
            "hpqsU",
            &["a-format", "b-format", "cache", OBJECT],
            &[
                "help",
                "quiet",
                "progress",
                "strict",
                "force-share",
                "image-opts",
            ],
        ),
        "bench" => g(
            "cdfiosSt",
            "hnqUw",
            &[
                "count",
                "depth",
                "format",
                "aio",
                "offset",
                "buffer-size",
                "step-size",
                "cache",
                "pattern",
                "flush-interval",
                OBJECT,
            ],
            &[
                "help",
                "quiet",
                "no-drain",
                "force-share",
                "image-opts",
                "write",
            ],
        ),
        "bitmap" => g(
            "fbFg",
            "hq",
            &[
                "format",
                "source-file",
                "source-format",
                "granularity",
                "merge",
                OBJECT,
            ],
            &[
                "help",
                "quiet",
                "image-opts",
                "add",
                "remove",
                "clear",
                "enable",
                "disable",
            ],
        ),
        _ => return None,
    })
}

/// The protocol drivers that open a local file or device by its path.
const FILE_DRIVERS: &[&str] = &["file", "host_device", "host_cdrom"];

/// The path qemu opens for a file name given on the command line, or why safeop cannot follow
/// it. As qemu's `bdrv_find_protocol` reads it: a name whose first `:` comes before any `/` has
/// a protocol prefix (`nbd:host:10809`, `json:{…}`; any characters, `A.B:x` is protocol `A.B`,
/// which qemu refuses). `file:`, `host_device:` and `host_cdrom:` are stripped once (the rest is
/// the path, `file:a:b.img` is `a:b.img`); every other prefix is not a file here. A name with a
/// colon is a plain file only with a `/` before the colon (`./a:b.img`).
fn follow_name(name: &str) -> Result<String, String> {
    let Some(colon) = name
        .find([':', '/'])
        .filter(|&i| name[i..].starts_with(':'))
    else {
        return Ok(name.to_string());
    };
    let (protocol, rest) = (&name[..colon], &name[colon + 1..]);
    if FILE_DRIVERS.contains(&protocol) && !rest.is_empty() {
        return Ok(rest.to_string());
    }
    Err(match protocol {
        "json" => format!("`{name}` is a `json:` block-device spec, which safeop does not follow"),
        p if FILE_DRIVERS.contains(&p) => format!("`{name}` names no path"),
        _ => format!(
            "qemu reads `{name}` as protocol `{protocol}:`, not as a file safeop can look at (a file name with a colon needs a `/` before it: `./{name}`)"
        ),
    })
}

/// The path an `--image-opts` spec opens (`driver=qcow2,file.filename=/x.qcow2`, or
/// `driver=file,filename=/x`), or why safeop cannot follow it. These names are taken literally
/// (qemu parses no prefix in them); the protocol layer must be a file driver or not named
/// (then it is `file`). `,,` is an escaped comma in QEMU option strings.
fn follow_image_opts(spec: &str) -> Result<String, String> {
    let pairs = split_opts(spec);
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let (driver, file) = match (get("file.filename"), get("filename")) {
        (Some(f), _) => (get("file.driver"), f),
        (None, Some(f)) => (get("driver"), f),
        (None, None) => {
            // The protocol layer: `file.driver`, else the top driver when nothing is nested.
            let nested = pairs
                .iter()
                .any(|(k, _)| k == "file" || k.starts_with("file."));
            let protocol = get("file.driver").or(get("driver").filter(|_| !nested));
            return Err(match protocol {
                Some(d) if !FILE_DRIVERS.contains(&d) => format!(
                    "image options `{spec}` open something through the `{d}` driver, not a file safeop can look at"
                ),
                _ => format!(
                    "image options `{spec}` name no `filename`, so safeop cannot see what they open"
                ),
            });
        }
    };
    match driver {
        None if !file.is_empty() => Ok(file.to_string()),
        Some(d) if FILE_DRIVERS.contains(&d) && !file.is_empty() => Ok(file.to_string()),
        Some(d) => Err(format!(
            "image options `{spec}` open `{file}` through the `{d}` driver, not as a file safeop can look at"
        )),
        None => Err(format!("image options `{spec}` name no path")),
    }
}

/// [`follow_name`] or [`follow_image_opts`].
fn follow(name: &str, image_opts: bool) -> Result<String, String> {
    if image_opts {
        follow_image_opts(name)
    } else {
        follow_name(name)
    }
}

/// Splits a QEMU option string on single commas (`,,` stays a comma) into key=value pairs.
fn split_opts(s: &str) -> Vec<(String, String)> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ',' {
            if chars.peek() == Some(&',') {
                chars.next();
                cur.push(',');
            } else {
                parts.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (p, String::new()),
        })
        .collect()
}

/// `qemu-img [-T TRACE] [-h] [-V] COMMAND …`: getopt_long with `+`, the command word ends them.
const GLOBAL: Getopt = Getopt {
    short_arg: "T",
    short_flag: "hV",
    long_arg: &["trace"],
    long_flag: &["help", "version"],
    permute: false,
    ..GNU
};

fn push_opts(op: &mut Operation, v: &str) {
    match op.options.get_mut("options") {
        Some(o) => {
            o.push(',');
            o.push_str(v);
        }
        None => op.opt("options", v),
    }
}

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let (before, command) = match split_command(&[GLOBAL], args) {
        Ok(x) => x,
        Err(e) => return op.opaque(format!("qemu-img: {e}")),
    };
    if before
        .iter()
        .any(|a| matches!(a, Arg::Opt(n, _) if n != "T" && n != "trace"))
    {
        op.kind = Kind::Read;
        return;
    }
    let Some((command, rest)) = command else {
        return op.opaque("qemu-img: Not enough arguments");
    };
    let command = &command;
    let Some(spec) = spec(command) else {
        return op.opaque(format!("qemu-img: Command not found: {command}"));
    };
    op.opt("subcommand", command);
    let mut rest: Vec<String> = rest.to_vec();
    // Older qemu-img takes the size of `resize` off the end before reading options, so that
    // `resize img -1G` shrinks; see the module comment.
    let mut resize_size = None;
    if command == "resize" {
        if let Some(last) = rest.last() {
            if last.starts_with('-') && last[1..].starts_with(|c: char| c.is_ascii_digit()) {
                resize_size = rest.pop();
            }
        }
    }
    let parsed = match spec.parse(&rest) {
        Ok(p) => p,
        Err(e) => {
            op.options.clear();
            return op.opaque(format!("qemu-img {command}: {e}"));
        }
    };
    let mut operands = Vec::new();
    let mut backing: Option<String> = None;
    let mut image_opts = false;
    let mut target_image_opts = false;
    let mut snapshot_ops: Vec<(char, String)> = Vec::new();
    let mut lists_help = false;
    for a in parsed {
        let (name, value) = match a {
            Arg::Operand(o) => {
                operands.push(o);
                continue;
            }
            Arg::Opt(n, v) => (n, v.unwrap_or_default()),
        };
        match (command.as_str(), name.as_str()) {
            (_, "h" | "help") => {
                op.kind = Kind::Read;
                return;
            }
            (_, "U" | "force-share") => op.flag("force_share"),
            (_, "image-opts" | "source-image-opts") => image_opts = true,
            (_, "target-image-opts") => target_image_opts = true,
            (_, "object") => {}
            ("compare", "f" | "a-format") => op.opt("format", &value),
            ("compare", "F" | "b-format") => op.opt("format_b", &value),
            ("compare", "s") => {}
            (_, "f" | "format" | "source-format") => op.opt("format", &value),
            ("dd" | "convert" | "measure", "O" | "output-format" | "target-format") => {
                op.opt("output_format", &value)
            }
            ("create" | "convert" | "amend" | "measure", "o" | "options" | "target-options") => {
                if value == "help" || value == "?" {
                    lists_help = true;
                }
                push_opts(op, &value);
            }
            ("create" | "rebase", "b" | "backing") | ("convert", "B" | "backing") => {
                backing = Some(value)
            }
            ("create" | "convert" | "rebase", "F" | "backing-format") => {
                op.opt("backing_format", &value)
            }
            ("create" | "rebase", "u" | "backing-unsafe") => op.flag("unsafe"),
            ("convert", "n" | "no-create") => op.flag("no_create"),
            ("convert", "l" | "s" | "source-snapshot") => op.opt("snapshot", &value),
            ("convert", "c" | "compress") | ("rebase", "c" | "compress") => op.flag("compress"),
            ("convert", "S" | "sparse-size") => op.opt("sparse_size", &value),
            ("convert", "t" | "target-cache") => op.opt("cache", &value),
            ("convert", "T" | "source-cache") => op.opt("source_cache", &value),
            ("convert" | "commit", "r" | "rate") => op.opt("rate", &value),
            ("convert", "m" | "parallel") => op.opt("parallel", &value),
            ("convert", "W" | "oob-writes") => op.flag("oob_writes"),
            ("convert", "target-is-zero") => op.flag("target_is_zero"),
            ("resize", "shrink") => op.flag("shrink"),
            ("resize", "preallocation") => op.opt("preallocation", &value),
            ("commit", "b" | "base") => op.opt("base", &value),
            ("commit", "d" | "drop") => op.flag("drop"),
            ("commit" | "rebase" | "amend" | "check" | "bench", "t" | "T" | "cache") => {
                op.opt("cache", &value)
            }
            ("amend", "force") => op.flag("force"),
            ("snapshot", "l" | "list") => snapshot_ops.push(('l', String::new())),
            ("snapshot", "a" | "apply") => snapshot_ops.push(('a', value)),
            ("snapshot", "c" | "create") => snapshot_ops.push(('c', value)),
            ("snapshot", "d" | "delete") => snapshot_ops.push(('d', value)),
            ("check", "r" | "repair") => {
                op.flag("repair");
                op.opt("repair", &value);
            }
            ("bench", "w" | "write") => op.flag("write"),
            ("bitmap", "b" | "source-file") => backing = Some(value),
            ("bitmap", "merge") => op.opt("merge", &value),
            _ => {}
        }
    }
    if lists_help {
        op.kind = Kind::Read;
        return;
    }
    if let Some(s) = resize_size {
        operands.push(s);
    }
    if let Err(e) = finish(op, command, operands, backing, snapshot_ops) {
        op.targets.clear();
        op.sources.clear();
        return op.opaque(format!("qemu-img: {e}"));
    }
    follow_names(op, command, image_opts, target_image_opts);
}

/// Reads the file names of a parsed command as qemu opens them (see [`follow_name`]): targets
/// and sources become the paths inside `file:`/`host_device:`/`host_cdrom:` and image options;
/// an external `data_file=` of `create`/`convert` `-o` is a target too. A target safeop cannot
/// follow makes the operation opaque (the targets stay as written); a source it cannot follow
/// stays as written (nothing here is written through it).
fn follow_names(op: &mut Operation, command: &str, image_opts: bool, target_image_opts: bool) {
    // Which names `--image-opts` / `--target-image-opts` apply to: `convert` has its own switch
    // for the target, `create` has none, `dd` applies it to `if=` only; the backing files of
    // `create`, `rebase` and `bitmap` are plain names.
    let target_opts = match command {
        "convert" => target_image_opts,
        "create" | "dd" => false,
        _ => image_opts,
    };
    let source_opts = match command {
        "create" | "rebase" | "bitmap" => false,
        _ => image_opts,
    };
    let mut why = Vec::new();
    for t in &mut op.targets {
        match follow(t, target_opts) {
            Ok(p) => *t = p,
            Err(e) => why.push(e),
        }
    }
    if matches!(command, "create" | "convert") {
        let data_file = op
            .option("options")
            .map(split_opts)
            .unwrap_or_default()
            .into_iter()
            .rev()
            .find(|(k, v)| k == "data_file" && !v.is_empty());
        if let Some((_, f)) = data_file {
            match follow_name(&f) {
                Ok(p) => op.targets.push(p),
                Err(e) => {
                    op.targets.push(f);
                    why.push(e);
                }
            }
        }
    }
    for s in &mut op.sources {
        if let Ok(p) = follow(s, source_opts) {
            *s = p;
        }
    }
    if !why.is_empty() {
        op.opaque(format!("qemu-img: {}", why.join("; ")));
    }
}

fn one_file(operands: &[String]) -> Result<String, String> {
    match operands {
        [f] => Ok(f.clone()),
        [] => Err("Expecting one image file name".into()),
        [_, extra, ..] => Err(format!("Expecting one image file name (extra '{extra}')")),
    }
}

fn finish(
    op: &mut Operation,
    command: &str,
    operands: Vec<String>,
    backing: Option<String>,
    snapshot_ops: Vec<(char, String)>,
) -> Result<(), String> {
    let file_of = String::clone;
    match command {
        "create" => {
            let (file, size) = match operands.as_slice() {
                [f] => (f.clone(), None),
                [f, s] => (f.clone(), Some(s.clone())),
                [] => return Err("Expecting image file name".into()),
                [_, _, extra, ..] => return Err(format!("Unexpected argument: {extra}")),
            };
            if let Some(s) = size {
                op.opt("size", &s);
            }
            let from_o = op
                .options
                .get("options")
                .map(|o| split_opts(o))
                .unwrap_or_default()
                .into_iter()
                .find(|(k, _)| k == "backing_file")
                .map(|(_, v)| v);
            if let Some(b) = backing.or(from_o).filter(|b| !b.is_empty()) {
                op.opt("backing", &b);
                op.sources.push(b);
            }
            op.targets.push(file);
            op.kind = Kind::Overwrite;
        }
        "convert" => {
            if operands.len() < 2 {
                return Err("Expecting a source and a target image file name".into());
            }
            let mut files = operands;
            let dst = files.pop().unwrap_or_default();
            op.targets.push(dst);
            op.sources = files.iter().map(file_of).collect();
            if let Some(b) = backing {
                op.opt("backing", &b);
            }
            op.kind = Kind::Overwrite;
        }
        "resize" => {
            let [file, size] = operands.as_slice() else {
                return Err("Expecting image file name and size".into());
            };
            if size.starts_with('-') {
                op.flag("shrink");
            }
            if size.starts_with('-') || size.starts_with('+') {
                op.flag("relative");
            }
            op.opt("size", size);
            op.targets.push(file_of(file));
            op.kind = Kind::Resize;
        }
        "commit" => {
            op.targets.push(one_file(&operands)?);
            op.flag("writes_backing");
            op.kind = Kind::Overwrite;
        }
        "rebase" => {
            op.targets.push(one_file(&operands)?);
            if let Some(b) = backing {
                op.opt("backing", &b);
                if !b.is_empty() {
                    op.sources.push(b);
                }
            }
            op.kind = Kind::Overwrite;
        }
        "amend" => {
            if !op.options.contains_key("options") {
                return Err("Must specify options (-o)".into());
            }
            op.targets.push(one_file(&operands)?);
            op.kind = Kind::Overwrite;
        }
        "snapshot" => {
            if snapshot_ops.len() > 1 {
                return Err("Cannot mix '-l', '-a', '-c', '-d'".into());
            }
            let file = one_file(&operands)?;
            let (action, name) = snapshot_ops
                .into_iter()
                .next()
                .unwrap_or(('l', String::new()));
            if action == 'l' {
                op.sources.push(file);
                op.opt("action", "list");
                op.kind = Kind::Read;
                return Ok(());
            }
            op.opt("snapshot", &name);
            let (what, kind) = match action {
                'a' => ("apply", Kind::Overwrite),
                'c' => ("create", Kind::Overwrite),
                _ => ("delete", Kind::Delete),
            };
            op.opt("action", what);
            op.targets.push(file);
            op.kind = kind;
        }
        "dd" => {
            let mut input = None;
            let mut output = None;
            for o in &operands {
                let Some((k, v)) = o.split_once('=') else {
                    return Err(format!("unrecognized operand {o}"));
                };
                match k {
                    "if" => input = Some(v.to_string()),
                    "of" => output = Some(v.to_string()),
                    "bs" | "count" | "skip" => op.opt(k, v),
                    _ => return Err(format!("unrecognized operand {o}")),
                }
            }
            let (Some(i), Some(o)) = (input, output) else {
                return Err("Must specify both input and output files".into());
            };
            op.sources.push(file_of(&i));
            op.targets.push(o);
            op.kind = Kind::Overwrite;
        }
        "bitmap" => {
            let [file, bitmap] = operands.as_slice() else {
                return Err("Expecting filename and bitmap name".into());
            };
            op.opt("bitmap", bitmap);
            if let Some(b) = backing {
                op.sources.push(b);
            }
            op.targets.push(file_of(file));
            op.kind = Kind::Overwrite;
        }
        "check" | "bench" => {
            let file = one_file(&operands)?;
            if op.has("repair") || op.has("write") {
                op.targets.push(file);
                op.kind = Kind::Overwrite;
            } else {
                op.sources.push(file);
                op.kind = Kind::Read;
            }
        }
        "info" | "map" => {
            op.sources.push(one_file(&operands)?);
            op.kind = Kind::Read;
        }
        "measure" => {
            op.sources = operands.iter().map(file_of).collect();
            op.kind = Kind::Read;
        }
        "compare" => {
            if operands.len() != 2 {
                return Err("Expecting two image file names".into());
            }
            op.sources = operands.iter().map(file_of).collect();
            op.kind = Kind::Read;
        }
        _ => return Err(format!("Command not found: {command}")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn convert() {
        for line in [
            "qemu-img convert -f raw -O qcow2 a.raw b.qcow2",
            "qemu-img convert a.raw -f raw b.qcow2 -O qcow2",
            "qemu-img convert --source-format=raw --target-format qcow2 a.raw b.qcow2",
            "qemu-img convert -fraw -Oqcow2 a.raw b.qcow2",
            "qemu-img convert -p -f raw -O qcow2 -- a.raw b.qcow2",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Overwrite, "{line}: {:?}", op.note);
            assert_eq!(op.sources, vec!["a.raw"], "{line}");
            assert_eq!(op.targets, vec!["b.qcow2"], "{line}");
            assert_eq!(op.option("format"), Some("raw"), "{line}");
            assert_eq!(op.option("output_format"), Some("qcow2"), "{line}");
            assert_eq!(op.option("subcommand"), Some("convert"), "{line}");
        }
    }

    #[test]
    fn convert_options() {
        let op = parse_str(
            "qemu-img convert -n -o cluster_size=64k,preallocation=full -o compat=1.1 -B base.qcow2 -F qcow2 -l snap1 -t none -T writeback -m 16 -W -c -p -q -U -S 4k -r 10M a b c",
        );
        assert_eq!(op.kind, Kind::Overwrite, "{:?}", op.note);
        assert_eq!(op.sources, vec!["a", "b"]);
        assert_eq!(op.targets, vec!["c"]);
        assert!(op.has("no_create") && op.has("force_share") && op.has("compress"));
        assert_eq!(
            op.option("options"),
            Some("cluster_size=64k,preallocation=full,compat=1.1")
        );
        assert_eq!(op.option("backing"), Some("base.qcow2"));
        assert_eq!(op.option("snapshot"), Some("snap1"));
        assert_eq!(op.option("sparse_size"), Some("4k"));
        assert_eq!(op.option("rate"), Some("10M"));
        let op = parse_str(
            "qemu-img convert --target-image-opts -n a.raw driver=raw,file.filename=/dev/vg/lv",
        );
        assert_eq!(op.targets, vec!["/dev/vg/lv"]);
        let op = parse_str(
            "qemu-img convert --image-opts driver=qcow2,file.filename=/a,,b.qcow2 out.raw",
        );
        assert_eq!(op.sources, vec!["/a,b.qcow2"]);
        assert_eq!(parse_str("qemu-img convert a").kind, Kind::Opaque);
        assert_eq!(parse_str("qemu-img convert -o help a b").kind, Kind::Read);
    }

    #[test]
    fn create() {
        for line in [
            "qemu-img create -f qcow2 /srv/a.qcow2 10G",
            "qemu-img create /srv/a.qcow2 -f qcow2 10G",
            "qemu-img create /srv/a.qcow2 10G --format=qcow2",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Overwrite, "{line}");
            assert_eq!(op.targets, vec!["/srv/a.qcow2"], "{line}");
            assert_eq!(op.option("size"), Some("10G"), "{line}");
            assert_eq!(op.option("format"), Some("qcow2"), "{line}");
        }
        let op = parse_str("qemu-img create -f qcow2 -b base.img -F raw -u top.qcow2");
        assert_eq!(op.sources, vec!["base.img"]);
        assert_eq!(op.targets, vec!["top.qcow2"]);
        assert_eq!(op.option("backing_format"), Some("raw"));
        assert!(op.has("unsafe"));
        let op =
            parse_str("qemu-img create -f qcow2 -o backing_file=b.img,backing_fmt=raw t.qcow2");
        assert_eq!(op.sources, vec!["b.img"]);
        assert_eq!(
            parse_str("qemu-img create -f qcow2 -o ? x").kind,
            Kind::Read
        );
        assert_eq!(parse_str("qemu-img create").kind, Kind::Opaque);
        assert_eq!(parse_str("qemu-img create a 1G extra").kind, Kind::Opaque);
    }

    #[test]
    fn resize() {
        let op = parse_str("qemu-img resize vm.qcow2 +10G");
        assert_eq!(op.kind, Kind::Resize);
        assert_eq!(op.targets, vec!["vm.qcow2"]);
        assert_eq!(op.option("size"), Some("+10G"));
        assert!(!op.has("shrink"));
        for line in [
            "qemu-img resize --shrink x.qcow2 -- -1G",
            "qemu-img resize --shrink x.qcow2 -1G",
            "qemu-img resize x.qcow2 -1G",
            "qemu-img resize -f qcow2 x.qcow2 -- -1G",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Resize, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec!["x.qcow2"], "{line}");
            assert_eq!(op.option("size"), Some("-1G"), "{line}");
            assert!(op.has("shrink"), "{line}");
        }
        let op = parse_str("qemu-img resize --shrink -q --preallocation=full x.img 5G");
        assert!(op.has("shrink"));
        assert_eq!(op.option("size"), Some("5G"));
        assert_eq!(op.option("preallocation"), Some("full"));
        assert_eq!(parse_str("qemu-img resize x.img").kind, Kind::Opaque);
        assert_eq!(parse_str("qemu-img resize -U x.img 1G").kind, Kind::Opaque);
    }

    #[test]
    fn commit_rebase_amend() {
        let op = parse_str("qemu-img commit -b base.qcow2 -d top.qcow2");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.targets, vec!["top.qcow2"]);
        assert!(op.has("writes_backing") && op.has("drop"));
        assert_eq!(op.option("base"), Some("base.qcow2"));
        let op = parse_str("qemu-img rebase -u -b new.qcow2 -F qcow2 top.qcow2");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.targets, vec!["top.qcow2"]);
        assert_eq!(op.sources, vec!["new.qcow2"]);
        assert!(op.has("unsafe"));
        let op = parse_str("qemu-img rebase -b '' top.qcow2");
        assert!(op.sources.is_empty());
        let op = parse_str("qemu-img amend -f qcow2 -o compat=0.10 --force x.qcow2");
        assert_eq!(op.kind, Kind::Overwrite);
        assert!(op.has("force"));
        assert_eq!(parse_str("qemu-img amend x.qcow2").kind, Kind::Opaque);
    }

    #[test]
    fn snapshot() {
        let op = parse_str("qemu-img snapshot -l x.qcow2");
        assert_eq!(op.kind, Kind::Read);
        assert_eq!(parse_str("qemu-img snapshot x.qcow2").kind, Kind::Read);
        let op = parse_str("qemu-img snapshot -a before x.qcow2");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.option("snapshot"), Some("before"));
        assert_eq!(op.targets, vec!["x.qcow2"]);
        let op = parse_str("qemu-img snapshot x.qcow2 --delete=old");
        assert_eq!(op.kind, Kind::Delete);
        assert_eq!(op.option("snapshot"), Some("old"));
        assert_eq!(
            parse_str("qemu-img snapshot -c s1 x.qcow2").kind,
            Kind::Overwrite
        );
        assert_eq!(
            parse_str("qemu-img snapshot -l -c s x.qcow2").kind,
            Kind::Opaque
        );
    }

    #[test]
    fn dd() {
        let op = parse_str("qemu-img dd -f qcow2 -O raw bs=1M if=a.qcow2 of=/dev/sdb count=10");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.targets, vec!["/dev/sdb"]);
        assert_eq!(op.sources, vec!["a.qcow2"]);
        assert_eq!(op.option("output_format"), Some("raw"));
        assert_eq!(parse_str("qemu-img dd if=a").kind, Kind::Opaque);
        assert_eq!(parse_str("qemu-img dd if=a 0f=b").kind, Kind::Opaque);
    }

    #[test]
    fn reading_commands() {
        for line in [
            "qemu-img info x.qcow2",
            "qemu-img info -U --output=json x.qcow2",
            "qemu-img info --force-share --backing-chain x.qcow2",
            "qemu-img check x.qcow2",
            "qemu-img map --output json x.qcow2",
            "qemu-img measure -O qcow2 x.raw",
            "qemu-img measure --size 10G -O qcow2",
            "qemu-img compare -f raw -F qcow2 a b",
            "qemu-img bench -c 100 x.qcow2",
            "qemu-img --help",
            "qemu-img -V",
            "qemu-img info --help",
            "qemu-img -T 'enable=*' info x",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Read, "{line}: {:?}", op.note);
            assert!(op.targets.is_empty(), "{line}");
        }
        assert!(parse_str("qemu-img info -U x").has("force_share"));
    }

    #[test]
    fn writing_variants_of_reading_commands() {
        let op = parse_str("qemu-img check -r all x.qcow2");
        assert_eq!(op.kind, Kind::Overwrite);
        assert!(op.has("repair"));
        assert_eq!(op.targets, vec!["x.qcow2"]);
        let op = parse_str("qemu-img check x.qcow2 --repair=leaks");
        assert_eq!(op.option("repair"), Some("leaks"));
        let op = parse_str("qemu-img bench -w x.qcow2");
        assert_eq!(op.kind, Kind::Overwrite);
        let op = parse_str("qemu-img bitmap --add x.qcow2 bm0");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.option("bitmap"), Some("bm0"));
    }

    #[test]
    fn errors_are_opaque() {
        for line in [
            "qemu-img",
            "qemu-img frobnicate x",
            "qemu-img -x info a",
            "qemu-img info -z x",
            "qemu-img info a b",
            "qemu-img convert -O",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Opaque, "{line}");
            assert!(
                op.note.as_deref().unwrap_or("").starts_with("qemu-img"),
                "{line}"
            );
        }
    }

    #[test]
    fn file_protocol_prefixes_open_the_path_inside() {
        for (line, target) in [
            ("qemu-img convert -O raw x.qcow2 host_device:/dev/vda", "/dev/vda"),
            ("qemu-img convert -O raw -- x.qcow2 host_device:/dev/vda", "/dev/vda"),
            ("qemu-img convert x.qcow2 file:/srv/a:b.raw -O raw", "/srv/a:b.raw"),
            ("qemu-img convert x.qcow2 file:out.raw", "out.raw"),
            ("qemu-img convert x.qcow2 ./a:b.img", "./a:b.img"),
            ("qemu-img convert x.qcow2 /srv/c:d.img", "/srv/c:d.img"),
            ("qemu-img dd -O raw if=x.qcow2 of=host_device:/dev/sdb", "/dev/sdb"),
            ("qemu-img create -f raw host_cdrom:/dev/sr0 1M", "/dev/sr0"),
            ("qemu-img resize file:file:x.img +1G", "file:x.img"),
            ("qemu-img commit host_device:/dev/vg/top", "/dev/vg/top"),
            ("qemu-img snapshot -c s1 file:x.qcow2", "x.qcow2"),
            ("qemu-img check -r all host_device:/dev/sdc", "/dev/sdc"),
            (
                "qemu-img convert --target-image-opts -n x driver=raw,file.driver=host_device,file.filename=/dev/vda",
                "/dev/vda",
            ),
            ("qemu-img convert --target-im -n x driver=file,filename=/dev/vdb", "/dev/vdb"),
            (
                "qemu-img convert --target-image-opts -n x driver=raw,file.filename=file:a",
                "file:a",
            ),
            (
                "qemu-img resize --image-opts driver=qcow2,file.filename=/srv/x.qcow2 +1G",
                "/srv/x.qcow2",
            ),
        ] {
            let op = parse_str(line);
            assert_ne!(op.kind, Kind::Opaque, "{line}: {:?}", op.note);
            assert_eq!(op.targets, vec![target], "{line}");
        }
        let op = parse_str("qemu-img convert -O raw file:x.qcow2 host_device:/dev/vda");
        assert_eq!(op.sources, vec!["x.qcow2"]);
        let op = parse_str("qemu-img info file:a:b.img");
        assert_eq!(
            (op.kind, op.sources),
            (Kind::Read, vec!["a:b.img".to_string()])
        );
        let op = parse_str("qemu-img create -f qcow2 -b file:base.img -F raw top.qcow2");
        assert_eq!(op.sources, vec!["base.img"]);
        let op =
            parse_str("qemu-img info --image-opts driver=raw,file.driver=file,file.filename=/x");
        assert_eq!(op.sources, vec!["/x"]);
        // An external data file is written as well.
        let op = parse_str(
            "qemu-img create -f qcow2 -o data_file=host_device:/dev/sdb,data_file_raw=on x.qcow2 1G",
        );
        assert_eq!(op.targets, vec!["x.qcow2", "/dev/sdb"]);
        let op = parse_str("qemu-img convert -O qcow2 -o data_file=/srv/d.raw a.raw x.qcow2");
        assert_eq!(op.targets, vec!["x.qcow2", "/srv/d.raw"]);
    }

    #[test]
    fn targets_qemu_reaches_another_way_are_opaque() {
        for (line, says) in [
            (
                "qemu-img convert -O raw x nbd:host:10809",
                "protocol `nbd:`",
            ),
            (
                "qemu-img convert -O raw x nbd+unix:///vda?socket=/s",
                "protocol `nbd+unix:`",
            ),
            (
                r#"qemu-img convert x 'json:{"file":{"driver":"file","filename":"/dev/vda"}}'"#,
                "`json:` block-device spec",
            ),
            (
                "qemu-img convert x a:b.img",
                "needs a `/` before it: `./a:b.img`",
            ),
            ("qemu-img convert x A.B:c", "protocol `A.B:`"),
            ("qemu-img resize ssh://host/x.img +1G", "protocol `ssh:`"),
            ("qemu-img dd if=x of=iscsi://h/iqn.x/0", "protocol `iscsi:`"),
            ("qemu-img create -f raw host_device: 1G", "names no path"),
            (
                "qemu-img create -f qcow2 -o data_file=nbd:h:1 x.qcow2 1G",
                "protocol `nbd:`",
            ),
            (
                "qemu-img convert --target-image-opts -n x driver=raw,file.driver=nbd,file.host=h",
                "through the `nbd` driver",
            ),
            (
                "qemu-img commit --image-opts driver=nbd,server.host=h,export=vda",
                "through the `nbd` driver",
            ),
            (
                "qemu-img commit --image-opts driver=qcow2,file=node0",
                "name no `filename`",
            ),
            (
                "qemu-img amend --image-opts -o compat=1.1 driver=ssh,filename=x",
                "`ssh` driver",
            ),
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Opaque, "{line}");
            let note = op.note.as_deref().unwrap_or("");
            assert!(
                note.starts_with("qemu-img: ") && note.contains(says),
                "{line}: {note}"
            );
            assert!(!op.targets.is_empty(), "{line}: the targets stay");
        }
        // Read from somewhere else, written here: the source stays as written.
        let op = parse_str("qemu-img convert -O raw nbd:host:10809 out.raw");
        assert_eq!(op.kind, Kind::Overwrite);
        assert_eq!(op.sources, vec!["nbd:host:10809"]);
        assert_eq!(op.targets, vec!["out.raw"]);
        assert_eq!(parse_str("qemu-img info nbd:h:1").kind, Kind::Read);
        assert_eq!(
            parse_str("qemu-img info --image-opts driver=nbd,server.host=h").kind,
            Kind::Read
        );
    }

    /// `create` and `resize` readings checked against qemu-img itself on a scratch image.
    #[test]
    fn agrees_with_qemu_img() {
        use std::process::Command;
        if Command::new("qemu-img").arg("--version").output().is_err() {
            eprintln!("SKIP agrees_with_qemu_img: qemu-img not installed");
            return;
        }
        let base = std::env::temp_dir().join(format!("safeop-qemu-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).expect("mkdir");
        let run = |line: &str| {
            let argv = shell_words::split(line).expect("split");
            Command::new(&argv[0])
                .args(&argv[1..])
                .current_dir(&base)
                .output()
                .expect("qemu-img")
        };
        let line = "qemu-img create x.qcow2 -f qcow2 1G";
        assert!(run(line).status.success());
        assert_eq!(parse_str(line).targets, vec!["x.qcow2"]);
        assert!(base.join("x.qcow2").is_file());
        let line = "qemu-img resize --shrink x.qcow2 -- -512M";
        assert!(run(line).status.success());
        assert!(parse_str(line).has("shrink"));
        let info = run("qemu-img info --output=json x.qcow2");
        assert!(String::from_utf8_lossy(&info.stdout).contains("536870912"));
        let line = "qemu-img convert x.qcow2 -O raw y.raw";
        assert!(run(line).status.success());
        assert_eq!(parse_str(line).targets, vec!["y.raw"]);
        assert!(base.join("y.raw").is_file());
        // `file:` opens the path inside; a colon without a `/` before it is a protocol.
        let line = "qemu-img convert x.qcow2 -O raw file:a:b.raw";
        assert!(run(line).status.success());
        assert_eq!(parse_str(line).targets, vec!["a:b.raw"]);
        assert!(base.join("a:b.raw").is_file());
        assert!(!run("qemu-img info a:b.raw").status.success());
        assert_eq!(parse_str("qemu-img resize a:b.raw +1M").kind, Kind::Opaque);
        assert!(run("qemu-img info ./a:b.raw").status.success());
        let _ = std::fs::remove_dir_all(&base);
    }
}
