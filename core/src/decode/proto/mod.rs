//! profile.proto (github.com/google/pprof/proto/profile.proto), read as a
//! stream and validated into the model. One file per job:
//!
//! - `messages`: the messages as prost structs (what tests and the
//!   encoder build; the decoder reads most of them through prost),
//! - `reader`: `Reader`, the one varint reader every hand-read
//!   byte goes through,
//! - `sample`: the hand-written `Sample` reader,
//! - `fields`: the window that holds one top-level field of the stream,
//! - `sizing`: how the storing pass sizes its vectors (guessed: one pass;
//!   counted: two),
//! - `store`: the pass that stores,
//! - `convert`: ids and string indexes checked and resolved into the model,
//! - `encode`: the model written back as profile.proto.

mod convert;
mod encode;
mod fields;
mod messages;
mod reader;
mod sample;
mod sizing;
mod store;

pub use encode::encode_proto;
pub use messages::*;

use super::input::{Plain, Stream};
use crate::error::DecodeError;
use crate::profile::Profile;
use sizing::{Guess, Sizing};

/// Heuristic used by format detection: does this look like a protobuf
/// message whose first field is one profile.proto can start with?
pub fn looks_like_proto(data: &[u8]) -> bool {
    // Field numbers 1..14 with wire type 0 (varint) or 2 (length-delimited).
    matches!(data.first(), Some(&b) if {
        let field = b >> 3;
        let wt = b & 7;
        (1..=14).contains(&field) && (wt == 0 || wt == 2)
    })
}

/// Decodes raw (already decompressed) profile.proto bytes.
pub fn decode_proto(data: &[u8]) -> Result<Profile, DecodeError> {
    decode_stream(
        &mut |_| Ok(Box::new(Plain::new(&data))),
        usize::MAX,
        data.len(),
        &mut |_, _, _| {},
    )
}

/// Decodes profile.proto from a stream that `open` starts anew: once when
/// the sizes guessed from the first samples hold, else twice, first to
/// count, then to store (`open(checked)`: a counting pass asks for no
/// integrity checks, e.g. gzip's CRCs; a pass that stores does).
///
/// Samples, most of a profile, are read field by field straight into the
/// model's shape (exact-size vectors, label sets interned as they come),
/// and locations become the model's as they are read: never a vector of
/// decoded messages beside the model. `inflated_size`: the size the
/// stream will have, for sizing (a guess: gzip's trailer). `progress`
/// gets the pass, how many passes there are, and the position in the file.
pub fn decode_stream<'a>(
    open: &mut dyn FnMut(bool) -> Result<Box<dyn Stream + 'a>, DecodeError>,
    limit: usize,
    inflated_size: usize,
    progress: &mut dyn FnMut(u32, u32, usize),
) -> Result<Profile, DecodeError> {
    // One pass when it can: inflating twice costs the page a noticeable
    // share of opening a big profile.
    let guess = Sizing::Guess(Guess { inflated_size });
    if let Some(p) = store::decode_pass(open, limit, &mut |pos| progress(0, 1, pos), guess)? {
        return Ok(p);
    }
    // The guess fell short (or samples came before their types): count,
    // then store into exactly sized vectors.
    let exact = sizing::count(&mut *open, limit, &mut |pos| progress(0, 2, pos))?;
    let p = store::decode_pass(open, limit, &mut |pos| progress(1, 2, pos), exact)?;
    p.ok_or_else(|| DecodeError::Invalid("the profile's samples do not fit in memory".into()))
}
