//! The one error type of the loaders: every variant says which file (and line) is at fault.

use std::fmt;

/// Result alias used by every reader.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A problem reading a release file. `file` is the path as the user gave it (plus the member
/// name inside an archive); `line` is 1-based where the problem belongs to one line.
#[derive(Debug, thiserror::Error)]
pub struct Error {
    /// File (and archive member) the problem was found in.
    pub file: String,
    /// 1-based line number, when the problem is on one line.
    pub line: Option<u64>,
    /// What is wrong, in words a release manager understands.
    pub message: String,
}

impl Error {
    /// An error tied to a whole file.
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            file: file.into(),
            line: None,
            message: message.into(),
        }
    }

    /// An error tied to one line of a file.
    pub fn line(file: impl Into<String>, line: u64, message: impl Into<String>) -> Self {
        Error {
            file: file.into(),
            line: Some(line),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}
