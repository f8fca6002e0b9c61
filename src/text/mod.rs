//! Small shared pieces with no pipeline knowledge. Nothing here probes the machine, reads a
//! policy or knows a tool.

pub mod bytes;
pub mod suggest;
