//! Typed errors. Every message is written for the person at the terminal or
//! in the page: it names the problem and, where it helps, the byte offset.

use thiserror::Error;

/// Why a file could not be turned into a [`crate::Profile`].
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DecodeError {
    #[error("empty file")]
    Empty,
    #[error("corrupt gzip: {0}")]
    Gzip(String),
    #[error("gzip stream is truncated: the file ends before the compressed data does (at byte {offset})")]
    GzipTruncated { offset: usize },
    #[error("gzip checksum mismatch: the file is corrupt (crc32 {found:#010x}, expected {expected:#010x})")]
    GzipChecksum { found: u32, expected: u32 },
    #[error(
        "decompressed size exceeds the limit of {limit} bytes (a gzip bomb, or raise the limit)"
    )]
    TooLarge { limit: usize },
    #[error("invalid protobuf: {0}")]
    Protobuf(String),
    #[error("invalid profile: {0}")]
    Invalid(String),
    #[error("goroutine dump, line {line}: {msg}")]
    GoroutineText { line: usize, msg: String },
    /// A `debug=1` count profile: goroutine, threadcreate, goroutineleak.
    #[error("{kind} profile (debug=1 text), line {line}: {msg}")]
    CountText {
        kind: String,
        line: usize,
        msg: String,
    },
    #[error("legacy profile text, line {line}: {msg}")]
    LegacyText { line: usize, msg: String },
    #[error("not a profile I can read: {0}")]
    Unrecognized(String),
}

/// Errors raised while building a report from a decoded profile.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ReportError {
    #[error("unknown sample type {name:?}; this profile has: {available}")]
    UnknownSampleType { name: String, available: String },
    #[error("invalid regular expression {pattern:?}: {msg}")]
    Regex { pattern: String, msg: String },
    #[error("no matches found for regexp: {0}")]
    NoMatches(String),
    #[error("the profile has no sample types")]
    NoSampleTypes,
}
