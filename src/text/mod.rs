//! Small shared pieces with no pipeline knowledge. They know nothing of operations, facts or
//! policies: callers hand them plain strings.

pub mod suggest;
