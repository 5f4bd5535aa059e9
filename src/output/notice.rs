//! Messages for the operator on stderr (data goes to stdout): one place, so
//! commands never print for themselves and every message looks the same.

use std::fmt::Display;

/// An error line: `error: …`.
pub fn error(message: impl Display) {
    eprintln!("error: {message}");
}

/// A plain line of information that is not data (plans, counts, hints).
pub fn note(message: impl Display) {
    eprintln!("{message}");
}
