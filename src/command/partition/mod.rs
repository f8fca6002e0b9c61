//! `fdisk`, `sfdisk`, `parted`, `sgdisk`, `gdisk`, `cfdisk` argv → Operation: one file per
//! tool (its option table and what the options mean), the dispatch and the common ending here.
//!
//! Rewriting a partition table is [`Kind::Partition`] of the disk device (the target). Listing
//! is [`Kind::Read`] with the devices as sources. Interactive programs (`fdisk DEV`, `gdisk DEV`,
//! `cfdisk DEV`, `parted DEV` with no command) are Partition: what the person will type is not
//! known, and writing is one keystroke away. A dry run (`sfdisk -n`, `sgdisk -P`) only reads:
//! [`Operation::dry_run`]. Help and version (`-h`/`--help`; `-V`/`--version`, parted's and
//! sfdisk's `-v`; sgdisk's `-?`, `--usage`, `-L`) only print → [`Operation::prints_only`].

use super::{Kind, Operation};

mod fdisk;
mod parted;
mod sfdisk;
mod sgdisk;

#[cfg(test)]
pub(super) use {
    fdisk::{CFDISK_SPEC, FDISK_SPEC},
    parted::PARTED_SPEC,
    sfdisk::SFDISK_SPEC,
    sgdisk::SGDISK_SPEC,
};

pub(crate) fn parse(op: &mut Operation, args: &[String]) {
    match op.tool.as_str() {
        "fdisk" => fdisk::fdisk(op, args),
        "sfdisk" => sfdisk::parse(op, args),
        "parted" => parted::parse(op, args),
        "sgdisk" => sgdisk::sgdisk(op, args),
        "gdisk" => sgdisk::gdisk(op, args),
        _ => fdisk::cfdisk(op, args),
    }
}

/// The devices are read (`read`) or have their table rewritten.
fn finish(op: &mut Operation, read: bool, devices: Vec<String>) {
    if read {
        op.sources = devices;
        op.kind = Kind::Read;
    } else {
        op.targets = devices;
        op.kind = Kind::Partition;
    }
}
