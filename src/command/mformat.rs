//! `mformat` (GNU mtools 4.0) argv → Operation: `mformat [-i IMAGE] [OPTIONS] DRIVE:` writes an
//! MS-DOS filesystem → [`Kind::Format`].
//!
//! With `-i IMAGE` the drive (`::`) is that image file or device: the target. Without it the
//! drive letter (`a:`) stands for whatever `/etc/mtools.conf` or `~/.mtoolsrc` maps it to, which
//! is not on the line: opaque. The option letters (getopt, from mtools' own table) that take a
//! value are `0 2 A B H I K L M N R S T c d f h i l m n r s t v`; `-V` only prints the version.

use super::options::GNU;
use super::{Arg, Getopt, Kind, Operation};

pub(super) const SPEC: Getopt = Getopt {
    short_arg: "02ABHIKLMNRSTcdfhilmnrstv",
    short_flag: "1348CFVXabkqu",
    long_flag: &["help", "version"],
    ..GNU
};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    let parsed = match SPEC.parse(args) {
        Ok(p) => p,
        Err(e) => return op.opaque(format!("mformat: {e}")),
    };
    let mut image = None;
    let mut drives = Vec::new();
    for a in parsed {
        match a {
            Arg::Operand(d) => drives.push(d),
            Arg::Opt(n, v) => match n.as_str() {
                "V" | "help" | "version" => return op.prints_only(),
                "i" => image = v,
                "v" => op.opt("label", &v.unwrap_or_default()),
                _ => {}
            },
        }
    }
    let drive = match drives.as_slice() {
        [d] => d.clone(),
        [] => return op.opaque("mformat: drive letter missing"),
        _ => return op.opaque("mformat: too many arguments"),
    };
    op.opt("fstype", "vfat");
    match image {
        Some(i) => {
            op.targets.push(i);
            op.kind = Kind::Format;
        }
        None => op.opaque(format!(
            "mformat `{drive}`: the drive is whatever mtools.conf maps it to, which the line does not say (`-i IMAGE` names it)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{parse_str, Kind};

    #[test]
    fn formats_the_image_it_names() {
        for line in [
            "mformat -i floppy.img ::",
            "mformat -i floppy.img -f 1440 ::",
            "mformat -v BOOT -i /dev/sdb1 ::",
            "mformat -ifloppy.img -C -f 1440 ::",
        ] {
            let op = parse_str(line);
            assert_eq!(op.kind, Kind::Format, "{line}: {:?}", op.note);
            assert_eq!(op.targets.len(), 1, "{line}");
        }
        assert_eq!(
            parse_str("mformat -v BOOT -i /dev/sdb1 ::").option("label"),
            Some("BOOT")
        );
        assert_eq!(parse_str("mformat a:").kind, Kind::Opaque);
        assert_eq!(parse_str("mformat -i x.img").kind, Kind::Opaque);
        assert_eq!(parse_str("mformat -V").kind, Kind::Read);
    }
}
