//! The crate's error type and the `Problem` list that validation returns.

use std::fmt;
use std::path::PathBuf;

/// One thing wrong with a template, located by its field path
/// (`components[2].ports[0].port`), or by file for package problems.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every problem found in one template, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem::new(path, message));
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn iter(&self) -> std::slice::Iter<'_, Problem> {
        self.0.iter()
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// Why a template could not be read, packed or unpacked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The manifest is syntactically or semantically invalid; every problem is listed.
    #[error("invalid template ({} problem{})", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Invalid(Problems),
    /// The package breaks a limit or holds an unsafe entry; nothing was extracted.
    #[error("unsafe or oversized package: {0}")]
    UnsafePackage(String),
    /// The package is too large.
    #[error("package too large: {0}")]
    TooLarge(String),
    /// The `.tgz` is not a readable gzip'd tar.
    #[error("not a readable .tgz package: {0}")]
    Corrupt(String),
    /// No manifest in the folder or package.
    #[error("no `souk.yaml` found in `{0}`")]
    NoManifest(String),
    /// Reading a file failed.
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The problems, when the error is an invalid template.
    pub fn problems(&self) -> Option<&Problems> {
        match self {
            Error::Invalid(p) => Some(p),
            _ => None,
        }
    }
}
