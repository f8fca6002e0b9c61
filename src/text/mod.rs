//! Small shared pieces with no pipeline knowledge. Nothing here probes the machine, reads a
//! policy or knows a tool: globs, how values read, the YAML reader, bytes of paths.

pub mod bytes;
pub mod glob;
pub mod show;
pub mod suggest;
pub mod yaml;
