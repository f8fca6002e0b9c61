//! `partition` argv → Operation. (Parser to be written; until then the tool is judged not understood.)

use super::Operation;

pub(crate) fn parse(op: &mut Operation, _args: &[String]) {
    op.opaque("parser not written yet");
}
