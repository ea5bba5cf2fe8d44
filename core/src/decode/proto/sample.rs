//! The hand-written `Sample` reader: samples are most of a profile, read
//! straight into the vectors they end in.

use super::messages::{LocationIds, PbLabel, PbSample};
use super::reader::{BadKey, Reader};
use crate::error::DecodeError;

/// A `Sample` message read into `s` (its vectors appended to), by hand:
/// millions of them, and prost's generic path costs a call per field and
/// per byte advanced in the page's size-optimized build. Accepts what
/// prost accepts (packed or not; unknown fields skipped) except groups,
/// which profile.proto never has.
pub(super) fn merge_sample(s: &mut PbSample, b: &[u8]) -> Result<(), DecodeError> {
    let bad = |what: &str| DecodeError::Protobuf(format!("Sample: {what}"));
    let cut = || bad("a field runs past the message");
    // A plain match: `ok_or_else` stays a call per id in the page's
    // size-optimized build.
    macro_rules! need {
        ($e:expr) => {
            match $e {
                Some(v) => v,
                None => return Err(cut()),
            }
        };
    }
    let mut r = Reader::new(b);
    while !r.done() {
        let (tag, wire) = match r.key() {
            Ok(k) => k,
            Err(BadKey::Cut) => return Err(cut()),
            Err(BadKey::Number) => return Err(bad("invalid field number")),
        };
        match (tag, wire) {
            (1, 2) => {
                let mut run = need!(r.delimited());
                let mut wide = None;
                if let LocationIds::Narrow(v) = &mut s.location_id {
                    // Sized once, exactly (as many ids as bytes ending a
                    // varint), then filled in place: no push per id.
                    let at = v.len();
                    v.resize(at + run.ends(), 0);
                    let ids = &mut v[at..];
                    let mut k = 0;
                    while k < ids.len() {
                        let id = need!(run.varint());
                        if id > u32::MAX as u64 {
                            wide = Some(id);
                            break;
                        }
                        ids[k] = id as u32;
                        k += 1;
                    }
                    v.truncate(at + k);
                }
                // An id past 32 bits widens them all, then the rest go one
                // by one.
                if let Some(id) = wide {
                    s.location_id.push(id);
                }
                while !run.done() {
                    s.location_id.push(need!(run.varint()));
                }
            }
            (1, 0) => s.location_id.push(need!(r.varint())),
            (2, 2) => {
                let mut run = need!(r.delimited());
                let at = s.value.len();
                s.value.resize(at + run.ends(), 0);
                let values = &mut s.value[at..];
                let mut k = 0;
                while !run.done() {
                    let v = need!(run.varint()) as i64;
                    // Never past the end: each varint read is counted.
                    if k < values.len() {
                        values[k] = v;
                    }
                    k += 1;
                }
            }
            (2, 0) => s.value.push(need!(r.varint()) as i64),
            (3, 2) => {
                let mut m = need!(r.delimited());
                let mut l = PbLabel::default();
                while !m.done() {
                    let (tag, wire) = match m.key() {
                        Ok(k) => k,
                        Err(BadKey::Cut) => return Err(cut()),
                        Err(BadKey::Number) => return Err(bad("invalid field number in a label")),
                    };
                    if wire == 0 {
                        let v = need!(m.varint()) as i64;
                        match tag {
                            1 => l.key = v,
                            2 => l.str = v,
                            3 => l.num = v,
                            4 => l.num_unit = v,
                            _ => {}
                        }
                    } else if (1..=4).contains(&tag) {
                        return Err(bad("a label field has the wrong wire type"));
                    } else if !matches!(wire, 1 | 2 | 5) {
                        return Err(bad("groups are not supported"));
                    } else {
                        need!(m.skip(wire));
                    }
                }
                s.label.push(l);
            }
            (1..=3, _) => return Err(bad("a field has the wrong wire type")),
            (_, 0 | 1 | 2 | 5) => need!(r.skip(wire)),
            _ => return Err(bad("groups are not supported")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `merge_sample` against prost's own decoding of the same bytes.
    fn both(b: &[u8]) -> (Result<PbSample, ()>, Result<PbSample, ()>) {
        use prost::Message;
        let mut ours = PbSample::default();
        let ours = merge_sample(&mut ours, b).map(|_| ours).map_err(|_| ());
        (ours, PbSample::decode(b).map_err(|_| ()))
    }

    #[test]
    fn hand_parsed_samples_equal_prost() {
        use prost::encoding::{encode_key, encode_varint, WireType};
        let mut b = Vec::new();
        prost::encoding::uint64::encode_packed(1, &[7, 300, 1 << 33], &mut b);
        // Unpacked ids and values, split runs: all append.
        encode_key(1, WireType::Varint, &mut b);
        encode_varint(9, &mut b);
        prost::encoding::int64::encode_packed(2, &[-5, 6], &mut b);
        encode_key(2, WireType::Varint, &mut b);
        encode_varint(-1i64 as u64, &mut b);
        let label = PbLabel {
            key: 1,
            str: 2,
            num: -3,
            num_unit: 4,
        };
        prost::encoding::message::encode(3, &label, &mut b);
        // A label with an unknown field, and unknown fields of each kind.
        let mut l = Vec::new();
        encode_key(9, WireType::ThirtyTwoBit, &mut l);
        l.extend([1, 2, 3, 4]);
        encode_key(1, WireType::Varint, &mut l);
        encode_varint(5, &mut l);
        encode_key(3, WireType::LengthDelimited, &mut b);
        encode_varint(l.len() as u64, &mut b);
        b.extend(&l);
        encode_key(15, WireType::SixtyFourBit, &mut b);
        b.extend([0; 8]);
        encode_key(16, WireType::LengthDelimited, &mut b);
        b.extend([2, 0xff, 0xff]);
        encode_key(17, WireType::Varint, &mut b);
        encode_varint(u64::MAX, &mut b);
        let (ours, theirs) = both(&b);
        assert_eq!(ours, theirs);
        let s = ours.unwrap();
        assert_eq!(s.location_id.to_u64(), [7, 300, 1 << 33, 9]);
        assert_eq!(s.value, [-5, 6, -1]);
        assert_eq!(s.label.len(), 2);
        // Every cut of it fails where prost fails, and agrees where not.
        for n in 0..b.len() {
            let (ours, theirs) = both(&b[..n]);
            assert_eq!(ours.is_ok(), theirs.is_ok(), "cut at {n}");
            if let (Ok(a), Ok(t)) = (ours, theirs) {
                assert_eq!(a, t, "cut at {n}");
            }
        }
        // Wrong wire types for known fields, and field number 0.
        for bad in [
            vec![0x0d, 0, 0, 0, 0],
            vec![0x1d, 0, 0, 0, 0],
            vec![0x00, 1],
        ] {
            let (ours, theirs) = both(&bad);
            assert!(ours.is_err() && theirs.is_err(), "{bad:x?}");
        }
    }

    #[test]
    fn packed_runs_with_a_wide_id_and_cut_runs() {
        let read = |b: &[u8]| {
            let mut s = PbSample::default();
            merge_sample(&mut s, b).map(|_| s)
        };
        // An id past 32 bits inside a run widens the ones read before it.
        let ids: Vec<u64> = vec![1, 300, u32::MAX as u64 + 7, 5];
        let values: Vec<i64> = vec![-1, 0, i64::MAX, 42];
        let mut b = Vec::new();
        prost::encoding::uint64::encode_packed(1, &ids, &mut b);
        prost::encoding::int64::encode_packed(2, &values, &mut b);
        let s = read(&b).unwrap();
        assert_eq!(s.location_id.to_u64(), ids);
        assert_eq!(s.value, values);
        // The last varint of a run cut inside the run is an error.
        let mut cut = Vec::new();
        prost::encoding::encode_key(2, prost::encoding::WireType::LengthDelimited, &mut cut);
        cut.extend([2, 0x05, 0x80]);
        assert!(read(&cut).is_err());
        cut[1] = 3; // longer than what follows
        assert!(read(&cut).is_err());
    }
}
