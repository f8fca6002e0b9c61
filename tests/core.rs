//! The core contract through the built binary: verdicts, JSON, exit statuses, policy errors,
//! and that a refused command leaves its target byte-for-byte unchanged.

mod common;
use common::*;

#[test]
fn rm_rf_root_is_denied_by_check() {
    Test::new().args(["check", "--", "rm", "-rf", "/"]).go().status(4).stdout_has("deny").stdout_has("rm-recursive-root");
}
