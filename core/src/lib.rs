//! leakscope-core: everything leakscope computes, for the CLI and the page.
//!
//! Bytes go in through [`decode()`], which detects the format (gzip,
//! profile.proto, goroutine dumps `debug=1`/`debug=2`, legacy heap and
//! contention text) and returns one [`Profile`] model. Reports read it
//! through a [`report::View`] (one sample type):
//!
//! ```
//! let bytes = std::fs::read("tests/fixtures/go/a1-chanrecv-leak-n3/goroutine-3.pb.gz").unwrap();
//! let profile = leakscope_core::decode(&bytes).unwrap();
//! let view = leakscope_core::report::View::new(&profile, profile.default_sample_index());
//! let top = leakscope_core::report::top::top(&view, &Default::default());
//! assert_eq!(top.total, 6);
//! ```
//!
//! Invariants: no I/O outside [`report::list::DirSources`], no DOM, no
//! panics on any input; every number the page shows comes from here.

mod chains;
pub mod decode;
pub mod diff;
pub mod error;
pub mod export;
pub mod filter;
pub mod goroutines;
pub mod graph;
pub mod leak;
pub mod measurement;
pub mod memory;
pub mod order;
pub mod page_url;
pub mod permalink;
pub mod profile;
pub mod report;
mod samples;
pub mod session;
pub mod symbolize;
pub mod text;

pub use decode::{decode, decode_with, Limits};
pub use error::{DecodeError, ReportError};
pub use profile::*;
