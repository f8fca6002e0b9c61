//! `setfacl` argv → Operation (acl 2.3 setfacl: getopt_long, options and files in any order).
//!
//! [`Kind::Permissions`] of every file operand; `-R`/`--recursive` → flag `recursive`. The ACL
//! given with `-m`/`--modify`, `-x`/`--remove` or `--set` is kept in option `acl` (several joined
//! by `;`, in order); `-b`/`--remove-all` → flag `remove_all`, `-k`/`--remove-default` →
//! `remove_default`, `-d`/`--default` → `default`. A file the ACL is read from (`-M`, `-X`,
//! `--set-file`) is a source (`-` is standard input). `--test` only prints what would change: a
//! dry run. `--restore=FILE` applies the ACLs a `getfacl -R` dump names, to the paths written
//! inside it: safeop cannot see those, so the line is opaque.

use super::{options::GNU, Arg, Getopt, Kind, Operation};

pub(super) const SPEC: Getopt = Getopt {
    short_arg: "mMxX",
    short_flag: "bkndvhRLP",
    long_arg: &[
        "set",
        "set-file",
        "modify",
        "modify-file",
        "remove",
        "remove-file",
        "restore",
    ],
    long_opt: &[],
    long_flag: &[
        "mask",
        "recursive",
        "logical",
        "physical",
        "test",
        "default",
        "no-mask",
        "remove-all",
        "remove-default",
        "version",
        "help",
    ],
    ..GNU
};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("setfacl: {e}")),
    };
    let mut acls: Vec<String> = Vec::new();
    let mut test = false;
    let mut changes = false;
    for a in parsed {
        let (name, value) = match a {
            Arg::Operand(p) => {
                op.targets.push(p);
                continue;
            }
            Arg::Opt(n, v) => (n, v.unwrap_or_default()),
        };
        match name.as_str() {
            "help" | "version" | "h" | "v" => return op.prints_only(),
            "R" | "recursive" => op.flag("recursive"),
            "m" | "modify" | "x" | "remove" | "set" => {
                changes = true;
                acls.push(value);
            }
            "M" | "modify-file" | "X" | "remove-file" | "set-file" => {
                changes = true;
                op.sources.push(value);
            }
            "b" | "remove-all" => {
                changes = true;
                op.flag("remove_all")
            }
            "k" | "remove-default" => {
                changes = true;
                op.flag("remove_default")
            }
            "d" | "default" => op.flag("default"),
            "test" => test = true,
            "restore" => {
                op.targets.clear();
                op.sources.clear();
                return op.opaque(format!(
                    "setfacl --restore={value}: the paths it changes are written inside `{value}`"
                ));
            }
            _ => {}
        }
    }
    if !changes {
        op.targets.clear();
        op.sources.clear();
        return op.opaque("setfacl: no ACL change given (-m, -x, -M, -X, --set, -b, -k)");
    }
    if op.targets.is_empty() {
        op.sources.clear();
        return op.opaque("setfacl: no file operand");
    }
    if !acls.is_empty() {
        op.opt("acl", &acls.join(";"));
    }
    op.kind = Kind::Permissions;
    if test {
        op.dry_run();
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn acl_and_files_in_any_order() {
        for line in [
            "setfacl -R -m u:www:rwX /srv/www",
            "setfacl -m u:www:rwX -R /srv/www",
            "setfacl --modify=u:www:rwX --recursive /srv/www",
            "setfacl -Rm u:www:rwX /srv/www",
            "setfacl /srv/www -R --modify u:www:rwX",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Permissions, "{line}: {:?}", op.note);
            assert!(op.has("recursive"), "{line}");
            assert_eq!(op.option("acl"), Some("u:www:rwX"), "{line}");
            assert_eq!(op.targets, ["/srv/www"], "{line}");
        }
        let op = parse_str("setfacl -x u:bob -m g:adm:r f");
        assert_eq!(op.option("acl"), Some("u:bob;g:adm:r"));
        assert!(!op.has("recursive"));
    }

    #[test]
    fn acl_files_are_read() {
        let op = parse_str("setfacl -R -M acl.txt /srv/www");
        assert_eq!(op.sources, ["acl.txt"]);
        assert_eq!(op.targets, ["/srv/www"]);
        let op = parse_str("setfacl -b -k d");
        assert!(op.has("remove_all") && op.has("remove_default"));
    }

    #[test]
    fn test_only_reads_restore_is_opaque() {
        let op = parse_str("setfacl --test -R -m u:x:r /etc");
        assert_eq!(op.kind, Kind::Read);
        assert!(op.has("dry_run") && op.targets.is_empty());
        assert_eq!(op.sources, ["/etc"]);
        let op = parse_str("setfacl --restore=acls.dump");
        assert_eq!(op.kind, Kind::Opaque);
        assert!(op.note.as_deref().unwrap_or("").contains("acls.dump"));
    }

    #[test]
    fn mistakes_are_opaque() {
        for line in [
            "setfacl f",
            "setfacl -m u:x:r",
            "setfacl -q -m a f",
            "setfacl -m",
            "setfacl --mod a f",
        ] {
            assert_eq!(parse_str(line).kind, Kind::Opaque, "{line}");
        }
        assert_eq!(parse_str("setfacl --help").kind, Kind::Read);
        assert_eq!(parse_str("setfacl -v").kind, Kind::Read);
    }
}
