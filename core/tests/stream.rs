//! A profile is inflated and parsed as a stream, read from its file a chunk
//! at a time: the result must not depend on where chunks, gzip members or
//! the parser's window happen to cut the bytes.

use leakscope_core::decode::input::Input;
use leakscope_core::decode::proto::{encode_proto, PbProfile};
use leakscope_core::decode::{decode_input, decode_raw};
use leakscope_core::{DecodeError, Limits, Profile};
use std::cell::Cell;
use std::path::Path;

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

fn member(data: &[u8]) -> Vec<u8> {
    let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    v.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    v.extend(crc32fast::hash(data).to_le_bytes());
    v.extend((data.len() as u32).to_le_bytes());
    v
}

/// A profile of several MB: a real one's samples repeated with other
/// values, so fields straddle every buffer boundary.
fn big_profile() -> (Profile, Vec<u8>) {
    let mut p = decode_raw(
        &fixture("go/h1-substring-retention/heap-3.pb.gz"),
        Limits::default(),
        &mut |_| {},
    )
    .unwrap();
    let base: Vec<_> = p.samples.iter().map(|s| s.to_owned()).collect();
    for k in 1..200 {
        for s in &base {
            let mut s = s.clone();
            s.values.iter_mut().for_each(|v| *v += k);
            p.samples.push_sample(s);
        }
    }
    // A comment longer than the parser's 256 KiB window.
    p.comments.push("x".repeat(700_000));
    // Ids as written are index + 1 once round-tripped: decode what we
    // encode, so the reference is what the file says.
    let raw = encode_proto(&p);
    let p = decode_raw(&raw, Limits::default(), &mut |_| {}).unwrap();
    let raw = encode_proto(&p);
    assert!(raw.len() > 2 << 20, "{}", raw.len());
    (p, raw)
}

/// Counts what decoding reads, and the largest single read.
struct Watched<'a> {
    bytes: &'a [u8],
    largest: Cell<usize>,
    total: Cell<usize>,
}

impl Input for Watched<'_> {
    fn len(&self) -> usize {
        self.bytes.len()
    }

    fn read_at(&self, pos: usize, buf: &mut [u8]) -> usize {
        let n = (&self.bytes).read_at(pos, buf);
        self.largest.set(self.largest.get().max(n));
        self.total.set(self.total.get() + n);
        n
    }
}

#[test]
fn members_cut_anywhere_decode_the_same() {
    let (p, raw) = big_profile();
    // Members end inside varints, inside samples and on the window's size.
    let cuts = [
        1,
        2,
        7,
        4093,
        65_536,
        65_537,
        262_144,
        262_151,
        1_000_003,
        raw.len() - 1,
    ];
    let mut gz = Vec::new();
    let mut at = 0;
    for &c in &cuts {
        gz.extend(member(&raw[at..c]));
        at = c;
    }
    gz.extend(member(&raw[at..]));
    gz.extend([0u8; 10]); // trailing padding
    let got = decode_raw(&gz, Limits::default(), &mut |_| {}).unwrap();
    assert_eq!(got, p);
    let plain = decode_raw(&raw, Limits::default(), &mut |_| {}).unwrap();
    assert_eq!(plain, p);
}

#[test]
fn the_file_is_read_in_chunks_never_whole() {
    let (p, raw) = big_profile();
    for bytes in [member(&raw), raw.clone()] {
        let w = Watched {
            bytes: &bytes,
            largest: Cell::new(0),
            total: Cell::new(0),
        };
        let mut seen = Vec::new();
        let got = decode_input(&w, Limits::default(), &mut |f| seen.push(f)).unwrap();
        assert_eq!(got, p);
        // The window grows to the largest field (the comment), no further.
        assert!(
            w.largest.get() <= 1 << 20,
            "a read of {} bytes",
            w.largest.get()
        );
        // Two passes (count, then store) and the format sniffing.
        assert!(
            w.total.get() <= 3 * bytes.len(),
            "read {} of {}",
            w.total.get(),
            bytes.len()
        );
        assert!(
            seen.windows(2).all(|x| x[0] <= x[1]),
            "progress went back: {seen:?}"
        );
        assert!(seen.len() > 2 && *seen.last().unwrap() > 0.9, "{seen:?}");
    }
}

#[test]
fn cuts_and_damage_in_a_stream_are_errors() {
    let (_, raw) = big_profile();
    let gz = member(&raw);
    for cut in [20, gz.len() / 3, gz.len() - 9, gz.len() - 1] {
        let e = decode_raw(&gz[..cut], Limits::default(), &mut |_| {}).unwrap_err();
        assert!(
            matches!(e, DecodeError::GzipTruncated { .. } | DecodeError::Gzip(_)),
            "{cut}: {e}"
        );
    }
    // Uncompressed and cut inside a field: the field is named.
    let e = decode_raw(&raw[..raw.len() / 2], Limits::default(), &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("cut short"), "{e}");
    // A limit below the inflated size stops the stream.
    let e = decode_raw(
        &gz,
        Limits {
            max_decompressed: 1 << 20,
        },
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(e, DecodeError::TooLarge { limit: 1 << 20 });
    // A field announcing more than the limit.
    let mut huge = vec![0x32]; // field 6 (a string), length-delimited
    huge.extend([0xff, 0xff, 0xff, 0xff, 0x0f]);
    let e = decode_raw(
        &huge,
        Limits {
            max_decompressed: 1 << 20,
        },
        &mut |_| {},
    )
    .unwrap_err();
    assert!(e.to_string().contains("more than the limit"), "{e}");
}

/// Decodes through the stream with a stated inflated size; returns the
/// profile and how many passes the progress said it took.
fn decode_passes(raw: &[u8], inflated_size: usize) -> (Profile, u32) {
    use leakscope_core::decode::input::Plain;
    let mut passes = 0;
    let p = leakscope_core::decode::proto::decode_stream(
        &mut |_| Ok(Box::new(Plain::new(&raw))),
        usize::MAX,
        inflated_size,
        &mut |_, n, _| passes = passes.max(n),
    )
    .unwrap();
    (p, passes)
}

/// A profile's fields regrouped: `parts` picks, per part, what to keep.
fn regroup(raw: &[u8], parts: &[&dyn Fn(&mut PbProfile)]) -> Vec<u8> {
    use prost::Message;
    let pb = PbProfile::decode(raw).unwrap();
    parts
        .iter()
        .flat_map(|keep| {
            let mut p = pb.clone();
            keep(&mut p);
            p.encode_to_vec()
        })
        .collect()
}

#[test]
fn one_pass_when_the_guess_holds_two_when_it_does_not() {
    let (p, raw) = big_profile();
    // Go's order: one pass, sized from the first samples.
    let (got, passes) = decode_passes(&raw, raw.len());
    assert_eq!((&got, passes), (&p, 1));
    // A stated size far too small: the guess falls short, counted and read again.
    let (got, passes) = decode_passes(&raw, 1000);
    assert_eq!((&got, passes), (&p, 2));
}

#[test]
fn unusual_field_orders_are_counted_first_and_decode_the_same() {
    let (p, raw) = big_profile();
    let half = p.samples.len() / 2;
    let only_types = |q: &mut PbProfile| {
        *q = PbProfile {
            sample_type: q.sample_type.clone(),
            ..Default::default()
        }
    };
    let all_but_types = |q: &mut PbProfile| q.sample_type.clear();
    // Sample types after the samples.
    let types_last = regroup(&raw, &[&all_but_types, &only_types]);
    // Samples, then locations and the rest, then more samples.
    let first_half = |q: &mut PbProfile| {
        *q = PbProfile {
            sample_type: q.sample_type.clone(),
            sample: q.sample[..half].to_vec(),
            ..Default::default()
        }
    };
    let the_rest = |q: &mut PbProfile| {
        q.sample.clear();
        q.sample_type.clear();
    };
    let second_half = |q: &mut PbProfile| {
        *q = PbProfile {
            sample: q.sample[half..].to_vec(),
            ..Default::default()
        }
    };
    let split = regroup(&raw, &[&first_half, &the_rest, &second_half]);
    for bytes in [types_last, split] {
        let (got, passes) = decode_passes(&bytes, bytes.len());
        assert_eq!(passes, 2);
        assert_eq!(got, p);
    }
    // Shallow stacks first, deep ones after the guess: it falls short.
    let mut q = p.clone();
    let all: Vec<_> = q.samples.iter().map(|s| s.to_owned()).collect();
    let (shallow, deep): (Vec<_>, Vec<_>) = all.into_iter().partition(|s| s.locations.len() <= 2);
    assert!(
        shallow.len() > 600 && !deep.is_empty(),
        "{} {}",
        shallow.len(),
        deep.len()
    );
    q.samples = shallow.into_iter().chain(deep).collect();
    let reordered = encode_proto(&q);
    let (got, passes) = decode_passes(&reordered, reordered.len());
    assert_eq!(passes, 2);
    assert_eq!(
        got,
        decode_raw(&reordered, Limits::default(), &mut |_| {}).unwrap()
    );
    assert_eq!(got.samples.len(), q.samples.len());
}

#[test]
fn location_ids_past_24_bits_widen_then_narrow_back() {
    use leakscope_core::decode::proto::LocationIds;
    use prost::Message;
    let (p, raw) = big_profile();
    // Ids far past 2^24 (as a writer numbering by address might): frames
    // are stored 4 bytes wide while read, 3 again once they are indexes.
    // Past 2^24 but within 32 bits (stored wide, then narrowed), and past
    // 32 bits (kept aside while read).
    let bigs: [fn(u64) -> u64; 2] = [|id| id + (1 << 25), |id| (id << 33) | 5];
    for big in bigs {
        let mut pb = PbProfile::decode(&raw[..]).unwrap();
        for l in &mut pb.location {
            l.id = big(l.id);
        }
        for s in &mut pb.sample {
            let ids: Vec<u64> = s.location_id.to_u64().into_iter().map(big).collect();
            s.location_id = ids.into_iter().collect::<LocationIds>();
        }
        let got = decode_raw(&pb.encode_to_vec(), Limits::default(), &mut |_| {}).unwrap();
        assert_eq!(got.samples, p.samples);
        assert_eq!(
            got.locations.iter().map(|l| l.id).collect::<Vec<_>>(),
            p.locations.iter().map(|l| big(l.id)).collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_field_announcing_more_than_the_file_holds_allocates_nothing_for_it() {
    // 2^40 bytes announced, a few present: an error naming the cut, not a
    // buffer of the announced size (which would fail, or eat the memory).
    let mut f = vec![0x32]; // field 6 (a string), length-delimited
    f.extend([0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    f.extend(b"only a few bytes");
    let e = leakscope_core::decode::proto::decode_proto(&f).unwrap_err();
    assert!(e.to_string().contains("cut short"), "{e}");
}
