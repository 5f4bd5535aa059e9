//! The one error type every layer above the core shares for "the user can fix
//! this": bad flags, unreadable files, a suffix that names no stack. It maps to
//! exit code 2 wherever it appears in an error chain.

/// A problem with the user's input (arguments, files): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);
