//! Bad input never panics, hangs or eats memory: each class of damage gets
//! a typed error that says what is wrong.

use leakscope_core::decode::proto::{
    encode_proto, PbFunction, PbLabel, PbLocation, PbProfile, PbSample, PbValueType,
};
use leakscope_core::{decode, decode_with, DecodeError, Limits};
use std::path::Path;

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    v.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    v.extend(crc32fast_hash(data).to_le_bytes());
    v.extend((data.len() as u32).to_le_bytes());
    v
}

fn crc32fast_hash(data: &[u8]) -> u32 {
    // Bitwise CRC-32 (IEEE), independent of the decoder's implementation.
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn pb(p: &PbProfile) -> Vec<u8> {
    prost::Message::encode_to_vec(p)
}

fn minimal() -> PbProfile {
    PbProfile {
        sample_type: vec![PbValueType { r#type: 1, unit: 2 }],
        string_table: vec![b"".to_vec(), b"goroutine".to_vec(), b"count".to_vec()],
        ..Default::default()
    }
}

#[test]
fn empty_and_random_bytes() {
    assert_eq!(decode(b""), Err(DecodeError::Empty));
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for len in [1usize, 7, 100, 5000] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        assert!(decode(&bytes).is_err(), "random {len} bytes decoded");
    }
}

#[test]
fn truncated_gzip_names_the_problem() {
    let data = fixture("go/a2-chanrecv-leak-n500/goroutine-3.pb.gz");
    let e = decode(&data[..data.len() / 2]).unwrap_err();
    assert!(matches!(e, DecodeError::GzipTruncated { .. }), "{e}");
    assert!(e.to_string().contains("truncated"), "{e}");
}

#[test]
fn corrupt_gzip() {
    let mut data = fixture("go/a2-chanrecv-leak-n500/goroutine-3.pb.gz");
    let n = data.len();
    data[n / 2] ^= 0x55;
    let e = decode(&data).unwrap_err();
    assert!(
        matches!(
            e,
            DecodeError::Gzip(_)
                | DecodeError::GzipChecksum { .. }
                | DecodeError::GzipTruncated { .. }
        ),
        "{e}"
    );
}

#[test]
fn every_truncation_and_bit_flip_is_handled() {
    // No panic on any prefix or any single flipped byte of a real profile.
    let data = fixture("go/j-cpu-profile/cpu.pb.gz");
    let raw = miniz_oxide::inflate::decompress_to_vec(&data[10..data.len() - 8]).unwrap();
    for cut in (0..raw.len()).step_by(97) {
        let _ = decode(&raw[..cut]);
    }
    for i in (0..raw.len()).step_by(89) {
        let mut r = raw.clone();
        r[i] ^= 0xa5;
        let _ = decode(&r);
    }
    let text = fixture("go/a3-chanrecv-leak-longwait/goroutine-3.debug2.txt");
    for cut in (0..text.len()).step_by(331) {
        let _ = decode(&text[..cut]);
    }
}

#[test]
fn gzip_bomb_is_capped() {
    let bomb = gzip(&vec![b'a'; 64 << 20]);
    assert!(bomb.len() < 1 << 20);
    let e = decode_with(
        &bomb,
        Limits {
            max_decompressed: 8 << 20,
        },
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(e, DecodeError::TooLarge { limit: 8 << 20 });
    assert!(e.to_string().contains("gzip bomb"));
}

#[test]
fn invalid_protobuf() {
    // Field 2 (sample), length 100, but only 3 bytes follow.
    let e = decode(&[0x12, 100, 1, 2, 3]).unwrap_err();
    assert!(matches!(e, DecodeError::Protobuf(_)), "{e}");
    // An absurd length prefix (2^62) must not allocate.
    let e = decode(&[0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f]).unwrap_err();
    assert!(matches!(e, DecodeError::Protobuf(_)), "{e}");
}

#[test]
fn dangling_ids() {
    let mut p = minimal();
    p.sample.push(PbSample {
        location_id: [42u64].into_iter().collect(),
        value: vec![1],
        label: vec![],
    });
    let e = decode(&pb(&p)).unwrap_err();
    assert!(
        e.to_string()
            .contains("location id 42, which does not exist"),
        "{e}"
    );

    let mut p = minimal();
    p.location.push(PbLocation {
        id: 1,
        mapping_id: 0,
        address: 0,
        line: vec![leakscope_core::decode::proto::PbLine {
            function_id: 7,
            line: 1,
            column: 0,
        }],
        is_folded: false,
    });
    let e = decode(&pb(&p)).unwrap_err();
    assert!(e.to_string().contains("function id 7"), "{e}");

    let mut p = minimal();
    p.location.push(PbLocation {
        id: 1,
        mapping_id: 3,
        ..Default::default()
    });
    let e = decode(&pb(&p)).unwrap_err();
    assert!(e.to_string().contains("mapping id 3"), "{e}");
}

#[test]
fn string_index_out_of_range() {
    let mut p = minimal();
    p.sample_type[0].unit = 99;
    let e = decode(&pb(&p)).unwrap_err();
    assert!(e.to_string().contains("string index 99"), "{e}");
    let mut p = minimal();
    p.sample.push(PbSample {
        location_id: Default::default(),
        value: vec![1],
        label: vec![PbLabel {
            key: -5,
            str: 1,
            num: 0,
            num_unit: 0,
        }],
    });
    let e = decode(&pb(&p)).unwrap_err();
    assert!(e.to_string().contains("string index -5"), "{e}");
    // A function's names are shared among the functions that use them:
    // an index 2^32 past a shared one is still out of range.
    let mut p = minimal();
    for (id, name) in [(1, 1), (2, 1), (3, 1 + (1 << 32))] {
        p.function.push(PbFunction {
            id,
            name,
            system_name: name,
            filename: 2,
            start_line: 0,
        });
    }
    let e = decode(&pb(&p)).unwrap_err();
    assert!(e.to_string().contains("string index 4294967297"), "{e}");
}

#[test]
fn value_count_mismatch() {
    let mut p = minimal();
    p.sample.push(PbSample {
        location_id: Default::default(),
        value: vec![1, 2, 3],
        label: vec![],
    });
    let e = decode(&pb(&p)).unwrap_err();
    assert!(
        e.to_string()
            .contains("3 values but the profile has 1 sample types"),
        "{e}"
    );
}

#[test]
fn pprof_fuzz_crasher_and_other_files() {
    let e = decode(&fixture(
        "external/google-pprof/fuzz/testdata/7e3c92482f6f39fc502b822ded792c589849cca8",
    ))
    .unwrap_err();
    assert!(
        matches!(
            e,
            DecodeError::LegacyText { .. } | DecodeError::Unrecognized(_)
        ),
        "{e}"
    );
    let e = decode(&fixture("external/maruel-panicparse/static_panic_race.txt")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("not a profile I can read: this is a race detector report"),
        "{e}"
    );
    let e = decode(b"<!DOCTYPE html><html><body>/debug/pprof/</body></html>").unwrap_err();
    assert!(e.to_string().contains("HTML page"), "{e}");
}

#[test]
fn round_trip_through_encoder() {
    let p = decode(&fixture("go/j-cpu-profile/cpu.pb.gz")).unwrap();
    let again = decode(&encode_proto(&p)).unwrap();
    assert_eq!(again.samples, p.samples);
    assert_eq!(again.functions.len(), p.functions.len());
    assert_eq!(again.time_nanos, p.time_nanos);
}

#[test]
fn sparse_ids_are_mapped() {
    use leakscope_core::decode::proto::{PbFunction, PbLine};
    let mut p = minimal();
    p.string_table.push(b"main.f".to_vec());
    p.function.push(PbFunction {
        id: 70,
        name: 3,
        ..Default::default()
    });
    p.location.push(PbLocation {
        id: 20,
        line: vec![PbLine {
            function_id: 70,
            line: 5,
            column: 0,
        }],
        ..Default::default()
    });
    p.location.push(PbLocation {
        id: 10,
        line: vec![PbLine {
            function_id: 70,
            line: 6,
            column: 0,
        }],
        ..Default::default()
    });
    p.sample.push(PbSample {
        location_id: [10u64, 20].into_iter().collect(),
        value: vec![4],
        label: vec![],
    });
    let d = decode(&pb(&p)).unwrap();
    let s = &d.samples.get(0);
    assert_eq!(
        s.locations
            .iter()
            .map(|l| d.locations[l as usize].lines[0].line)
            .collect::<Vec<_>>(),
        vec![6, 5]
    );
    // id 0 and duplicates are still refused.
    let mut bad = p.clone();
    bad.location[1].id = 20;
    assert!(decode(&pb(&bad))
        .unwrap_err()
        .to_string()
        .contains("duplicate location id 20"));
}

/// Location ids beyond 32 bits are legal in profile.proto: they decode
/// (through the wide form) like small ones.
#[test]
fn location_ids_wider_than_32_bits_decode() {
    use leakscope_core::decode::proto::PbLine;
    let mut p = minimal();
    p.string_table.push(b"main.f".to_vec());
    p.function.push(leakscope_core::decode::proto::PbFunction {
        id: 1,
        name: 3,
        system_name: 0,
        filename: 0,
        start_line: 0,
    });
    let big = 1u64 << 40;
    for id in [big, 5] {
        p.location.push(PbLocation {
            id,
            mapping_id: 0,
            address: 0,
            line: vec![PbLine {
                function_id: 1,
                line: 3,
                column: 0,
            }],
            is_folded: false,
        });
    }
    p.sample.push(PbSample {
        location_id: [big, 5].into_iter().collect(),
        value: vec![2],
        label: vec![],
    });
    let prof = decode(&pb(&p)).unwrap();
    assert_eq!(prof.samples.len(), 1);
    assert_eq!(prof.samples.get(0).locations.len(), 2);
    assert_eq!(
        prof.locations[prof.samples.get(0).locations.get(0) as usize].id,
        big
    );
}

#[test]
fn a_lying_gzip_trailer_is_caught_not_trusted() {
    let data = pb(&minimal());
    // The trailer claims far more than the input could inflate to (the
    // output is not sized from it) and more than was inflated: refused.
    let mut gz = gzip(&data);
    let n = gz.len();
    gz[n - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = decode(&gz).unwrap_err().to_string();
    assert!(e.contains("length mismatch"), "{e}");
    // Within the trusted ratio but still wrong: refused the same way.
    gz[n - 4..].copy_from_slice(&((data.len() as u32) + 1).to_le_bytes());
    let e = decode(&gz).unwrap_err().to_string();
    assert!(e.contains("length mismatch"), "{e}");
    gz[n - 4..].copy_from_slice(&(data.len() as u32).to_le_bytes());
    assert!(decode(&gz).is_ok());
}

#[test]
fn samples_share_one_label_set_per_distinct_set() {
    use leakscope_core::decode::proto::PbLine;
    let mut p = minimal();
    for s in ["main.f", "k", "a", "x", "y"] {
        p.string_table.push(s.as_bytes().to_vec());
    }
    p.function.push(leakscope_core::decode::proto::PbFunction {
        id: 1,
        name: 3,
        system_name: 0,
        filename: 0,
        start_line: 0,
    });
    for id in [1, 2] {
        p.location.push(PbLocation {
            id,
            mapping_id: 0,
            address: id,
            line: vec![PbLine {
                function_id: 1,
                line: id as i64,
                column: 0,
            }],
            is_folded: false,
        });
    }
    let l = |key, str| PbLabel {
        key,
        str,
        num: 0,
        num_unit: 0,
    };
    // k=x, a=y written in two orders, and k with two values in two orders.
    let sets = [
        vec![l(4, 6), l(5, 7)],
        vec![l(5, 7), l(4, 6)],
        vec![l(4, 6), l(4, 7)],
        vec![l(4, 7), l(4, 6)],
    ];
    for (i, labels) in sets.iter().enumerate() {
        p.sample.push(PbSample {
            location_id: [1 + (i as u64 % 2)].into_iter().collect(),
            value: vec![1],
            label: labels.clone(),
        });
    }
    let prof = decode(&pb(&p)).unwrap();
    let s = &prof.samples;
    assert_eq!(s.len(), 4, "different stacks: nothing merges");
    let pairs = |i: usize| {
        s.get(i)
            .labels
            .strs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    // Keys sorted, one shared set for one set of labels.
    assert_eq!(pairs(0), "a=y,k=x");
    assert!(std::sync::Arc::ptr_eq(s.get(0).labels, s.get(1).labels));
    // A key's values keep the file's order (pprof's sample identity does).
    assert_eq!(pairs(2), "k=x,k=y");
    assert_eq!(pairs(3), "k=y,k=x");
    assert!(!std::sync::Arc::ptr_eq(s.get(2).labels, s.get(3).labels));
}
