//! safeop: a guardrail for destructive operations.
//!
//! ```text
//! argv ──► operation ──► facts ──► policy ──► verdict ──► challenge ──► exec ──► audit
//!         (command/)    (facts/)  (policy/)  (engine)    (confirm)     (exec)   (audit)
//! ```
//! `command/` is pure (argv in, [`command::Operation`] out); `facts/` is the only part that looks
//! at the machine; `engine` is the only place verdicts combine; `report` is the only place that
//! formats decisions for people.

pub mod app;
pub mod audit;
pub mod audit_copy;
pub mod audit_show;
pub mod cli;
pub mod command;
pub mod confirm;
pub mod context;
pub mod engine;
pub mod error;
pub mod exec;
pub mod facts;
pub mod policy;
pub mod report;
pub mod shell;
pub mod shims;
pub mod text;
pub mod verbs;

pub use app::main;
