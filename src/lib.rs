//! safeop: a guardrail for destructive operations.
//!
//! ```text
//! argv ──► operation ──► facts ──► policy ──► verdict ──► challenge ──► exec ──► audit
//!         (command/)    (facts/)  (policy/)  (engine)    (confirm)     (exec)   (audit)
//! ```

pub mod command;
