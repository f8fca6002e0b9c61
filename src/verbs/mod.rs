//! One file per verb (or family of verbs), each reading like a subcommand: what the verb does
//! with the pipeline's parts. `run` and `check`, which are the pipeline itself, stay in `app.rs`.

pub mod audit;
pub mod explain;
pub mod facts;
pub mod install;
pub mod policy;
