//! `mkfs`, `mkfs.*`, `mke2fs`, `mkswap` argv → Operation. (Parser to be written.)

use super::Operation;

pub(crate) fn parse(op: &mut Operation, _program: &str, _args: &[String]) {
    op.opaque("parser not written yet");
}
