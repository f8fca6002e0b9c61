//! The one getopt_long-style reader. Every parser under `command/` reads its options here: a
//! parser is its option table (a [`Getopt`]) plus what the options mean. The reader turns argv
//! into [`Arg`]s the way the tool's own option library would, and the table says which library
//! that is where tools differ (GNU getopt_long is the default; popt, Go's pflag, Python's
//! argparse and the shells each have a preset, and single quirks are fields of their own).
//!
//! What every table reads: bundled short options (`-rfv`), a short value attached or in the next
//! word (`-CDIR`, `-C DIR`), `--name=value` and `--name value`, `--` ends the options, `-` alone
//! is an operand. What a table says:
//!
//! | entry | reading | tools |
//! |---|---|---|
//! | `short_arg` / `long_arg` | a value is required | all |
//! | `short_opt` | the value is optional and attached (`-cdos`, getopt's `c::`; `-v=2` under `short_equals`) | fdisk, cfdisk, sudo `-h`, restic `-v` |
//! | `long_opt` | the value is optional and follows `=` (`--preserve-root=all`; the next word too under `optional_next`) | rm, cp, tar, env, sudo, borg `--recompress` |
//! | `pairs` | a short letter spells a long option (`('e', "rsh")`): it takes a value as the long one does, and is reported by the long name | rsync, borg, restic, sgdisk, sudo |
//! | `negatable` | `--no-NAME` takes NAME back (rsync's own list: `--no-perms`, `--no-p`), reported as `no-NAME` | rsync |
//! | `repeated` | every value counts, one a line, when [`keep`] records them (`-o k=v -o k2=v2`) | restic, borg, rsync, sgdisk |
//! | `permute` | options may follow operands (GNU); `false`: the first operand ends them (`+` in getopt's optstring) | wrappers, qemu-img's global options, shells |
//! | `abbrev` | unambiguous prefixes of long names (`--no-pres`); an ambiguous one is refused | getopt_long, argparse; not popt, pflag, bash |
//! | `short_equals` | `-x=VALUE` gives `VALUE` | popt, pflag, argparse |
//! | `bool_values` | a flag may be written `--name=false` (reported as `no-NAME`) or `=true` | pflag |
//! | `dashed_values` | a value in the next word may start with `-`; argparse refuses it (a negative number aside) | not argparse |
//! | `optional_next` | an optional value may be the next word when that is no option (argparse's `nargs='?'`) | borg |
//! | `digits` | `-NUM` (`-10`, `--10`, `-+5`) is an option of its own, reported under this name | nice |
//! | `old_style` | a first word without a dash is a bundle of letters whose values are the next words in order (`tar xzfC a.tgz d`) | tar |
//! | `plus` | `+x` and `+o NAME` are options too, reported like `-x` | shells |
//! | `values_next_word` | a value letter takes the next word even inside a bundle, and the bundle goes on (`bash -co posix CMD`) | bash, dash, ksh |
//! | `lone_dash_ends` | `-` ends the options like `--` | shells |
//! | `unknown` | an option not in the table is refused ([`Unknown::Refuse`]), ends the options ([`Unknown::Stop`]) or is passed over ([`Unknown::Skip`]) | mkfs's front end stops; a subcommand whose options are not modelled skips |
//! | `dialect` | the wording of errors: getopt's, popt's (as rsync prints it), pflag's or argparse's | — |
//!
//! A parser may read several tables at once (`borg delete`: borg's common options and
//! delete's own; the first table's reading rules apply), and [`split_command`] reads the global
//! options of `TOOL [GLOBAL] COMMAND [ARGS]`.
//!
//! Pure: no environment is read (POSIXLY_CORRECT included: a table says whether its tool
//! permutes).

use super::Operation;
pub(crate) use wording::Dialect;
use wording::Problem;

mod wording;

/// What to do with an option the table does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unknown {
    /// Refuse the line, as getopt does (`invalid option -- 'q'`).
    Refuse,
    /// End the options there: the word and every one after it are operands (the `mkfs` front
    /// end hands them to the builder).
    Stop,
    /// Pass over it as an option without a value, exact long names only (a subcommand whose
    /// own options are not modelled: `restic backup`, `borg list`).
    Skip,
}

/// A tool's option table and how its option library reads a line. Build one from a preset:
/// `Getopt { short_flag: "rf", long_flag: &["force"], ..GNU }`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Getopt<'a> {
    /// Short letters that take a value (`-C DIR`, `-CDIR`).
    pub short_arg: &'a str,
    /// Short letters whose value is optional and attached only (`-cdos`; with `short_equals`
    /// only after `=`: `-v=2`).
    pub short_opt: &'a str,
    /// Short letters without a value; they bundle (`-rf`).
    pub short_flag: &'a str,
    /// Long names that take a value (`--directory DIR`, `--directory=DIR`).
    pub long_arg: &'a [&'a str],
    /// Long names whose value is optional and only given with `=` (`--preserve-root[=all]`).
    pub long_opt: &'a [&'a str],
    /// Long names without a value.
    pub long_flag: &'a [&'a str],
    /// Short letters that are another spelling of a long name: read as the long name is (a
    /// value or not) unless the short lists say otherwise, and reported by the long name.
    pub pairs: &'a [(char, &'a str)],
    /// Names (long, or a short letter) that `--no-NAME` takes back; reported as `no-LONGNAME`.
    pub negatable: &'a [&'a str],
    /// Long names whose every value counts, when [`keep`] records them.
    pub repeated: &'a [&'a str],
    /// Options may follow operands (GNU); `false`: the first operand ends the options.
    pub permute: bool,
    /// Unambiguous prefixes of long names are accepted.
    pub abbrev: bool,
    /// `-x=VALUE` gives `VALUE`.
    pub short_equals: bool,
    /// A flag may be written `--name=true` / `--name=false` (pflag's booleans).
    pub bool_values: bool,
    /// A value in the next word may start with `-`.
    pub dashed_values: bool,
    /// An optional value may be the next word when that does not start with `-`.
    pub optional_next: bool,
    /// `-NUM` is an option of its own, reported under this name with the number as its value.
    pub digits: Option<&'a str>,
    /// A first word without a dash is a bundle of option letters (tar's old style).
    pub old_style: bool,
    /// `+x` is an option too.
    pub plus: bool,
    /// A value letter takes the next word even inside a bundle; the bundle goes on.
    pub values_next_word: bool,
    /// `-` ends the options like `--`.
    pub lone_dash_ends: bool,
    /// What an option not in the table does.
    pub unknown: Unknown,
    /// The wording of errors.
    pub dialect: Dialect,
}

/// GNU getopt_long as coreutils and util-linux use it: permuting, long prefixes.
pub(crate) const GNU: Getopt<'static> = Getopt {
    short_arg: "",
    short_opt: "",
    short_flag: "",
    long_arg: &[],
    long_opt: &[],
    long_flag: &[],
    pairs: &[],
    negatable: &[],
    repeated: &[],
    permute: true,
    abbrev: true,
    short_equals: false,
    bool_values: false,
    dashed_values: true,
    optional_next: false,
    digits: None,
    old_style: false,
    plus: false,
    values_next_word: false,
    lone_dash_ends: false,
    unknown: Unknown::Refuse,
    dialect: Dialect::Getopt,
};

/// getopt_long with `+` in its optstring (POSIXLY_CORRECT): the first operand ends the options.
/// The wrappers read theirs so: what follows is the command's.
pub(crate) const POSIX: Getopt<'static> = Getopt {
    permute: false,
    ..GNU
};

/// popt (rsync, sgdisk): no abbreviations, `-e=ssh`.
pub(crate) const POPT: Getopt<'static> = Getopt {
    abbrev: false,
    short_equals: true,
    dialect: Dialect::Popt,
    ..GNU
};

/// Go's pflag under cobra (restic): no abbreviations, `-t=DIR`, `--flag=false`.
pub(crate) const PFLAG: Getopt<'static> = Getopt {
    abbrev: false,
    short_equals: true,
    bool_values: true,
    dialect: Dialect::Pflag,
    ..GNU
};

/// Python's argparse (borg): prefixes, `-e=PAT`, no value that looks like an option,
/// `--opt [VALUE]`.
pub(crate) const ARGPARSE: Getopt<'static> = Getopt {
    short_equals: true,
    dashed_values: false,
    optional_next: true,
    dialect: Dialect::Argparse,
    ..GNU
};

/// A shell's own invocation options (`sh -c`, `bash -lc`, `sh +e -o posix -c`).
pub(crate) const SHELL: Getopt<'static> = Getopt {
    permute: false,
    abbrev: false,
    plus: true,
    values_next_word: true,
    lone_dash_ends: true,
    ..GNU
};

/// One parsed piece of a command line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    /// An option by its name (a short letter, or the long name: full, after a prefix or a pair),
    /// with its value.
    Opt(String, Option<String>),
    Operand(String),
}

/// How an option takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Takes {
    No,
    Required,
    Optional,
}

impl<'a> Getopt<'a> {
    /// Reads `args` by this table alone (see [`Reader`]).
    pub(crate) fn parse(&self, args: &[String]) -> Result<Vec<Arg>, String> {
        Reader::new(std::slice::from_ref(self), args).collect()
    }

    fn short(&self, c: char) -> Option<Takes> {
        if self.short_arg.contains(c) {
            Some(Takes::Required)
        } else if self.short_opt.contains(c) {
            Some(Takes::Optional)
        } else if self.short_flag.contains(c) {
            Some(Takes::No)
        } else {
            None
        }
    }

    fn long(&self, name: &str) -> Option<Takes> {
        if self.long_arg.contains(&name) {
            Some(Takes::Required)
        } else if self.long_opt.contains(&name) {
            Some(Takes::Optional)
        } else if self.long_flag.contains(&name) {
            Some(Takes::No)
        } else {
            None
        }
    }

    fn paired(&self, c: char) -> Option<&'a str> {
        self.pairs.iter().find(|(s, _)| *s == c).map(|(_, l)| *l)
    }

    fn longs(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.long_arg
            .iter()
            .chain(self.long_opt)
            .chain(self.long_flag)
            .copied()
    }
}

/// Reads a command line by one or more tables, one [`Arg`] at a time; collect it for all of
/// them. The first table's reading rules apply; an option is looked up in every table.
pub(crate) struct Reader<'t, 'a> {
    tables: &'t [Getopt<'t>],
    rules: Getopt<'t>,
    args: &'a [String],
    /// The next word to read.
    next: usize,
    /// Inside a short bundle: the word and the byte offset of its next letter.
    bundle: Option<(usize, usize)>,
    /// Options read from an old-style first word, still to hand out (in reverse).
    pending: Vec<Arg>,
    operands_only: bool,
    failed: bool,
}

impl<'t, 'a> Reader<'t, 'a> {
    pub(crate) fn new(tables: &'t [Getopt<'t>], args: &'a [String]) -> Reader<'t, 'a> {
        Reader {
            tables,
            rules: tables.first().copied().unwrap_or(GNU),
            args,
            next: 0,
            bundle: None,
            pending: Vec::new(),
            operands_only: false,
            failed: false,
        }
    }

    /// The first operand ends the options, whatever the table says.
    pub(crate) fn stop_at_operand(mut self) -> Self {
        self.rules.permute = false;
        self
    }

    /// The words not read yet (all of the rest once an option's value or an operand was just
    /// returned; inside a bundle, the words after it).
    pub(crate) fn rest(&self) -> &'a [String] {
        let from = match self.bundle {
            Some((w, _)) => w + 1,
            None => self.next,
        };
        self.args.get(from..).unwrap_or(&[])
    }

    fn step(&mut self) -> Result<Option<Arg>, String> {
        if let Some(a) = self.pending.pop() {
            return Ok(Some(a));
        }
        if self.next == 0 && self.rules.old_style && self.bundle.is_none() {
            if let Some(first) = self.args.first().filter(|a| !a.starts_with('-')) {
                self.old_style(first)?;
                return self.step();
            }
        }
        loop {
            if let Some((w, at)) = self.bundle.take() {
                match self.letter(w, at)? {
                    Some(a) => return Ok(Some(a)),
                    None => continue,
                }
            }
            let args = self.args;
            let Some(a) = args.get(self.next) else {
                return Ok(None);
            };
            self.next += 1;
            if self.operands_only {
                return Ok(Some(Arg::Operand(a.clone())));
            }
            if a == "--" || (self.rules.lone_dash_ends && a == "-") {
                self.operands_only = true;
                continue;
            }
            if let Some(name) = self.rules.digits {
                if let Some(n) = number_option(a) {
                    return Ok(Some(Arg::Opt(name.to_string(), Some(n.to_string()))));
                }
            }
            if let Some(body) = a.strip_prefix("--").filter(|b| !b.is_empty()) {
                match self.long_option(a, body)? {
                    Some(arg) => return Ok(Some(arg)),
                    None => continue,
                }
            }
            let signed = a.starts_with('-') || (self.rules.plus && a.starts_with('+'));
            if signed && a.len() > 1 {
                self.bundle = Some((self.next - 1, 1));
                continue;
            }
            if !self.rules.permute {
                self.operands_only = true;
            }
            return Ok(Some(Arg::Operand(a.clone())));
        }
    }

    /// tar's `xzfC a.tgz d`: every letter an option, the values the following words in order.
    fn old_style(&mut self, first: &'a str) -> Result<(), String> {
        let mut value_at = 1;
        let mut out = Vec::new();
        for c in first.chars() {
            let Some((takes, name)) = self.find_short(c) else {
                return Err(self.say(Problem::UnknownShort(c, first)));
            };
            let value = match takes {
                Takes::Required => match self.args.get(value_at) {
                    Some(v) => {
                        value_at += 1;
                        Some(v.clone())
                    }
                    None => return Err(self.say(Problem::MissingShort(c, first))),
                },
                _ => None,
            };
            out.push(Arg::Opt(name, value));
        }
        out.reverse();
        self.pending = out;
        self.next = value_at;
        Ok(())
    }

    /// A short letter: from a table's letters, or a pair (read as its long name is).
    fn find_short(&self, c: char) -> Option<(Takes, String)> {
        let tables = self.tables;
        tables.iter().find_map(|t| {
            let paired = t.paired(c);
            let long = |l| tables.iter().find_map(|t| t.long(l));
            let takes = t.short(c).or_else(|| paired.and_then(long))?;
            Some((takes, paired.map_or_else(|| c.to_string(), str::to_string)))
        })
    }

    /// The long option `name` (as written) stands for: exact, negated, or a unique prefix.
    fn find_long<'w>(&self, name: &'w str) -> Result<Option<(Takes, String)>, Problem<'w>> {
        let tables = self.tables;
        if let Some(hit) = tables
            .iter()
            .find_map(|t| t.long(name).map(|k| (k, name.to_string())))
        {
            return Ok(Some(hit));
        }
        if let Some(base) = name.strip_prefix("no-") {
            for t in tables {
                if t.negatable.contains(&base) {
                    let long = match base.chars().collect::<Vec<_>>().as_slice() {
                        [c] => t.paired(*c).unwrap_or(base),
                        _ => base,
                    };
                    return Ok(Some((Takes::No, format!("no-{long}"))));
                }
            }
        }
        if !self.rules.abbrev || self.rules.unknown == Unknown::Skip {
            return Ok(None);
        }
        let mut hits: Vec<String> = Vec::new();
        for t in tables {
            for l in t.longs() {
                if l.starts_with(name) && !hits.iter().any(|h| h == l) {
                    hits.push(l.to_string());
                }
            }
        }
        match hits.as_slice() {
            [] => Ok(None),
            [one] => {
                let takes = tables.iter().find_map(|t| t.long(one)).unwrap_or(Takes::No);
                Ok(Some((takes, one.clone())))
            }
            _ => Err(Problem::Ambiguous(name, hits)),
        }
    }

    /// `--name`, `--name=value`, `--name value`. `None`: passed over or the options stopped.
    fn long_option(&mut self, word: &'a str, body: &'a str) -> Result<Option<Arg>, String> {
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        let (takes, full) = match self.find_long(name) {
            Ok(Some(hit)) => hit,
            Ok(None) => return self.unknown(self.next - 1, Problem::UnknownLong(word)),
            Err(p) => return Err(self.say(p)),
        };
        let value = match (takes, value) {
            (Takes::Required, Some(v)) => Some(v.to_string()),
            (Takes::Required, None) => match self.value_word() {
                Some(v) => Some(v),
                None => return Err(self.say(Problem::MissingLong(full, word))),
            },
            (Takes::Optional, Some(v)) => Some(v.to_string()),
            (Takes::Optional, None) => self.optional_word(),
            (Takes::No, None) => None,
            (Takes::No, Some(v)) => return self.flag_value(full, v, word).map(Some),
        };
        Ok(Some(Arg::Opt(full, value)))
    }

    /// A flag written with `=VALUE`: pflag's booleans, refused elsewhere.
    fn flag_value(&self, full: String, v: &str, word: &'a str) -> Result<Arg, String> {
        if !self.rules.bool_values {
            return Err(self.say(Problem::Unwanted(full, word)));
        }
        match v {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(Arg::Opt(full, None)),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => {
                Ok(Arg::Opt(format!("no-{full}"), None))
            }
            _ => Err(self.say(Problem::NotBool(full, word))),
        }
    }

    /// The next word as a required value, if there is one the table lets be a value.
    fn value_word(&mut self) -> Option<String> {
        let v = self.args.get(self.next)?;
        if !self.rules.dashed_values && v.starts_with('-') && v.len() > 1 && !is_negative(v) {
            return None;
        }
        self.next += 1;
        Some(v.clone())
    }

    /// The next word as an optional value (argparse's `nargs='?'`).
    fn optional_word(&mut self) -> Option<String> {
        if !self.rules.optional_next {
            return None;
        }
        let v = self.args.get(self.next).filter(|v| !v.starts_with('-'))?;
        self.next += 1;
        Some(v.clone())
    }

    /// The letter at byte `at` of word `w`. `None`: passed over or the options stopped.
    fn letter(&mut self, w: usize, at: usize) -> Result<Option<Arg>, String> {
        let args = self.args;
        let word = args[w].as_str();
        let Some(c) = word[at..].chars().next() else {
            return Ok(None);
        };
        let after = at + c.len_utf8();
        let rest = &word[after..];
        let Some((takes, name)) = self.find_short(c) else {
            return self.unknown_letter(w, c);
        };
        let go_on = |r: &mut Self| {
            if !rest.is_empty() {
                r.bundle = Some((w, after));
            }
        };
        let eq = self.rules.short_equals;
        let value = match takes {
            Takes::Required if self.rules.values_next_word => {
                go_on(self);
                match self.args.get(self.next) {
                    Some(v) => {
                        self.next += 1;
                        Some(v.clone())
                    }
                    None => return Err(self.say(Problem::MissingShort(c, word))),
                }
            }
            Takes::Required if !rest.is_empty() => Some(
                rest.strip_prefix('=')
                    .filter(|_| eq)
                    .unwrap_or(rest)
                    .to_string(),
            ),
            Takes::Required => match self.value_word() {
                Some(v) => Some(v),
                None => return Err(self.say(Problem::MissingShort(c, word))),
            },
            Takes::Optional if eq => match rest.strip_prefix('=') {
                Some(v) => Some(v.to_string()),
                None => {
                    go_on(self);
                    None
                }
            },
            Takes::Optional if !rest.is_empty() => Some(rest.to_string()),
            Takes::Optional => self.optional_word(),
            Takes::No => match rest.strip_prefix('=').filter(|_| eq) {
                Some(v) => return self.flag_value(name, v, word).map(Some),
                None => {
                    go_on(self);
                    None
                }
            },
        };
        Ok(Some(Arg::Opt(name, value)))
    }

    fn unknown_letter(&mut self, w: usize, c: char) -> Result<Option<Arg>, String> {
        let args = self.args;
        // Passed over, what follows the letter goes with it (it may be its value).
        self.unknown(w, Problem::UnknownShort(c, &args[w]))
    }

    /// An option the table lacks, in word `w`: refused, the end of the options (the word is the
    /// first operand), or passed over.
    fn unknown(&mut self, w: usize, p: Problem) -> Result<Option<Arg>, String> {
        match self.rules.unknown {
            Unknown::Refuse => Err(self.say(p)),
            Unknown::Skip => Ok(None),
            Unknown::Stop => {
                self.next = w;
                self.bundle = None;
                self.operands_only = true;
                Ok(None)
            }
        }
    }

    fn say(&self, p: Problem) -> String {
        wording::say(self.rules.dialect, self.tables, p)
    }
}

impl Iterator for Reader<'_, '_> {
    type Item = Result<Arg, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let got = self.step();
        if got.is_err() {
            self.failed = true;
        }
        got.transpose()
    }
}

/// Reads `args` by several tables at once (see [`Reader`]).
pub(crate) fn read<'t>(tables: &'t [Getopt<'t>], args: &[String]) -> Result<Vec<Arg>, String> {
    Reader::new(tables, args).collect()
}

/// A command word and the words after it.
pub(crate) type Command<'a> = (String, &'a [String]);

/// [`split_command`] for a `TOOL [GLOBAL] GROUP [ARGS]` tool whose global options are only
/// `--help`/`--version` and such (btrfs, ceph-volume): the group and what follows it, or `None`
/// when the line only prints (`--help`, `--version`, no group) or its options cannot be read
/// (then the operation is opaque, naming the tool).
pub(crate) fn tool_group<'a>(
    op: &mut Operation,
    tool: &str,
    global: &Getopt,
    args: &'a [String],
) -> Option<Command<'a>> {
    let (before, command) = match split_command(std::slice::from_ref(global), args) {
        Ok(x) => x,
        Err(e) => {
            op.opaque(format!("{tool}: {e}"));
            return None;
        }
    };
    let prints = before
        .iter()
        .any(|a| matches!(a, Arg::Opt(n, _) if n == "help" || n == "version"));
    match command {
        Some(c) if !prints => Some(c),
        _ => {
            op.prints_only();
            None
        }
    }
}

/// `TOOL [GLOBAL OPTIONS] COMMAND [ARGS…]` (borg, restic, qemu-img): the global options, read by
/// `global` up to the first operand, and that operand (the command) with the words after it,
/// for the command's own table. No command: `None`.
pub(crate) fn split_command<'a>(
    global: &[Getopt],
    args: &'a [String],
) -> Result<(Vec<Arg>, Option<Command<'a>>), String> {
    let mut reader = Reader::new(global, args).stop_at_operand();
    let mut before = Vec::new();
    while let Some(a) = reader.next() {
        match a? {
            Arg::Operand(command) => return Ok((before, Some((command, reader.rest())))),
            opt => before.push(opt),
        }
    }
    Ok((before, None))
}

/// Records an option in `op` under its long name with `_` for `-`: a flag, or a value (which
/// replaces an earlier one, unless a table lists the name as `repeated`: then every value is
/// kept, one a line). A `no-NAME` from `negatable` or a `=false` removes the flag NAME.
pub(crate) fn keep(tables: &[Getopt], op: &mut Operation, name: &str, value: Option<&str>) {
    let key = name.replace('-', "_");
    let Some(v) = value else {
        match key.strip_prefix("no_") {
            Some(base) if !tables.iter().any(|t| t.longs().any(|l| l == name)) => {
                op.flags.remove(base);
            }
            _ => op.flag(&key),
        }
        return;
    };
    if tables.iter().any(|t| t.repeated.contains(&name)) {
        if let Some(old) = op.options.get_mut(&key) {
            old.push('\n');
            old.push_str(v);
            return;
        }
    }
    op.opt(&key, v);
}

/// `-10`, `--10`, `-+10` (nice's old spelling): the number with its sign.
fn number_option(a: &str) -> Option<&str> {
    let n = a.strip_prefix('-')?;
    let digits = n.strip_prefix(['-', '+']).unwrap_or(n);
    digits
        .starts_with(|c: char| c.is_ascii_digit())
        .then_some(n)
}

/// argparse lets `-1` and `-0.5` be values.
fn is_negative(v: &str) -> bool {
    v[1..].parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests;
