//! One file per verb (or family of verbs), each reading like a subcommand: what the verb does
//! with the pipeline's parts.

pub mod audit;
pub mod check;
pub mod explain;
pub mod facts;
pub mod install;
pub mod policy;
pub mod preflight;
pub mod run;
