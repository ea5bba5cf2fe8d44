//! Permalinks: exact round trips, size limits, and broken links.

use base64::Engine;
use leakscope_core::leak::{
    analyze, Basis, Finding, Kind, Noise, Rule, Severity, SiteNote, Survival, Trend, Unit, Verdict,
    WaitGrowth,
};
use leakscope_core::permalink::{self, decode, encode, link, LinkError, Summary, MAX_LINK};
use leakscope_core::{decode as decode_profile, Profile};
use std::path::Path;

fn load(rel: &str) -> Profile {
    decode_profile(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/go")
                .join(rel),
        )
        .unwrap(),
    )
    .unwrap()
}

fn summary_of(files: &[String]) -> Summary {
    let profiles: Vec<Profile> = files.iter().map(|f| load(f)).collect();
    let series: Vec<(&str, &Profile)> = files
        .iter()
        .map(String::as_str)
        .zip(profiles.iter())
        .collect();
    let report = analyze(&series);
    permalink::summarize(&series, &report, &permalink::LINK_SIZES).unwrap()
}

const BASE: &str = "https://example.test/leakscope/";

#[test]
fn every_fixture_round_trips_and_fits() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/go");
    let mut n = 0;
    for sc in std::fs::read_dir(&dir).unwrap() {
        let sc = sc.unwrap().path();
        for f in std::fs::read_dir(&sc).unwrap() {
            let f = f.unwrap().path();
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            if !(name.ends_with(".pb.gz")
                || name.ends_with(".debug2.txt")
                || name.ends_with(".debug1.txt"))
            {
                continue;
            }
            let rel = format!("{}/{name}", sc.file_name().unwrap().to_string_lossy());
            let s = summary_of(std::slice::from_ref(&rel));
            let (url, kept) = link(BASE, s);
            assert!(url.len() <= MAX_LINK, "{rel}: {} chars", url.len());
            let back = decode(&url).unwrap_or_else(|e| panic!("{rel}: {e}"));
            assert_eq!(back, kept, "{rel}");
            assert_eq!(encode(&back), encode(&kept), "deterministic");
            assert!(kept.rows.len() >= 20.min(back.rows.len()));
            n += 1;
        }
    }
    assert!(n > 100, "{n}");
}

#[test]
fn goroutine_leak_series_fits_in_2000_chars() {
    let files: Vec<String> = (0..4)
        .map(|k| format!("a2-chanrecv-leak-n500/goroutine-{k}.pb.gz"))
        .collect();
    let s = summary_of(&files);
    assert!(s.rows.len() >= 20, "at least 20 top rows: {}", s.rows.len());
    let (url, kept) = link(BASE, s);
    assert!(url.len() <= 2000, "{} chars", url.len());
    assert!(kept.omitted.is_empty(), "{:?}", kept.omitted);
    let back = decode(&url).unwrap();
    assert_eq!(back.files.len(), 4);
    let f = &back.findings[0];
    assert_eq!(
        (f.function.as_str(), f.line, f.severity),
        ("main.searchHandler.func1", 28, Severity::High)
    );
    assert_eq!(f.counts, vec![0, 167, 334, 500]);
    assert!(back.flame.len() > 3);
}

#[test]
fn big_profiles_are_pruned_to_fit_and_say_so() {
    let s = summary_of(&["j-cpu-profile/cpu.pb.gz".to_string()]);
    let before = (s.flame.len(), s.rows.len());
    let (url, kept) = link(BASE, s);
    assert!(url.len() <= MAX_LINK);
    if kept.flame.len() < before.0 {
        assert!(
            kept.omitted.iter().any(|o| o.starts_with("flame frames")),
            "{:?}",
            kept.omitted
        );
    }
    // The pruned tree is still a tree: parents first, sizes consistent.
    let t = kept.flame_tree();
    for n in &t.nodes {
        let kids: i64 = n.children.iter().map(|&c| t.nodes[c as usize].total).sum();
        assert!(kids <= n.total);
    }
    // A summary far too big for a link is cut down to fit.
    let mut huge = summary_of(&["j-cpu-profile/cpu.pb.gz".to_string()]);
    for i in 0..3000 {
        huge.names.push(format!(
            "github.com/very/long/package/path/number{i}.(*Type{i}).Method{i}"
        ));
        huge.rows.push(permalink::Row {
            name: huge.names.len() as u32 - 1,
            flat: i,
            cum: i * 3,
            inline: String::new(),
        });
    }
    let (url, kept) = link(BASE, huge);
    assert!(url.len() <= MAX_LINK, "{}", url.len());
    assert!(kept.rows.len() >= 20);
    assert!(
        kept.omitted.iter().any(|o| o.starts_with("top rows")),
        "{:?}",
        kept.omitted
    );
}

/// xorshift for the property test.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn string(&mut self) -> String {
        let alphabet = [
            "a",
            "Z",
            "/",
            ".",
            "(*T)",
            "<img src=x>",
            "é",
            "日本",
            "\"",
            "\n",
            "🙂",
            " ",
        ];
        (0..self.next() % 12)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize])
            .collect()
    }
    fn int(&mut self) -> i64 {
        match self.next() % 4 {
            0 => 0,
            1 => -(self.next() as i64 >> 3),
            2 => i64::MAX - (self.next() % 3) as i64,
            _ => (self.next() % 100_000) as i64,
        }
    }
}

#[test]
fn property_random_summaries_round_trip() {
    let mut r = Rng(0x1234_5678_9abc_def1);
    for _ in 0..300 {
        let names: Vec<String> = (0..1 + r.next() % 30).map(|_| r.string()).collect();
        let nn = names.len() as u64;
        let mut flame = vec![permalink::Frame {
            parent: 0,
            name: 0,
            total: r.int(),
            self_value: r.int(),
        }];
        for i in 1..(r.next() % 40) as usize {
            flame.push(permalink::Frame {
                parent: (r.next() % i as u64) as u32,
                name: (r.next() % nn) as u32,
                total: r.int(),
                self_value: r.int(),
            });
        }
        let findings = (0..r.next() % 3)
            .map(|_| {
                let counts: Vec<i64> = (0..r.next() % 6).map(|_| r.int()).collect();
                let opt = |r: &mut Rng| (r.next().is_multiple_of(2)).then(|| r.string());
                Finding {
                    rule: [Rule::ChanRecvNoSender, Rule::NilChan, Rule::UnboundedCache]
                        [(r.next() % 3) as usize],
                    severity: [
                        Severity::Info,
                        Severity::Low,
                        Severity::Medium,
                        Severity::High,
                    ][(r.next() % 4) as usize],
                    kind: if r.next().is_multiple_of(2) {
                        Kind::Heap
                    } else {
                        Kind::Goroutine
                    },
                    function: r.string(),
                    file: r.string(),
                    line: r.int(),
                    created_by: opt(&mut r),
                    created_at: opt(&mut r),
                    entry_function: opt(&mut r),
                    wait: r.string(),
                    wait_minutes: if r.next().is_multiple_of(2) {
                        None
                    } else {
                        Some(r.next())
                    },
                    times: counts.iter().map(|_| r.int()).collect(),
                    counts: counts.clone(),
                    unit: Unit::Bytes,
                    basis: Basis::GoroutineIds,
                    trend: Trend::WarmUp,
                    survival: (r.next().is_multiple_of(2)).then(|| Survival {
                        still_here: counts.iter().map(|_| r.next() % 1000).collect(),
                        left: counts.iter().skip(1).map(|_| r.next() % 1000).collect(),
                        snapshots_ago: (r.next() % 5) as usize,
                        first_id: Some(r.next()),
                        last_id: None,
                    }),
                    wait_growth: (r.next().is_multiple_of(2)).then(|| WaitGrowth {
                        minutes: counts
                            .iter()
                            .map(|_| (r.next().is_multiple_of(2)).then(|| r.next() % 90))
                            .collect(),
                        grew: r.next() % 100,
                    }),
                    noise: (r.next().is_multiple_of(2)).then(|| Noise {
                        sample_rate: r.int(),
                        assumed: r.next().is_multiple_of(2),
                        sigma: counts.iter().map(|_| r.int()).collect(),
                        step_sigma: counts.iter().skip(1).map(|_| r.int()).collect(),
                        samples: counts.iter().map(|_| r.next() % 100).collect(),
                        threshold: r.int(),
                    }),
                    evidence: r.string(),
                    fix: r.string(),
                    next_step: r.string(),
                    blocking_line: opt(&mut r),
                    stack: (0..r.next() % 3).map(|_| r.string()).collect(),
                }
            })
            .collect();
        let s = Summary {
            kind: r.string(),
            sample_type: r.string(),
            unit: r.string(),
            total: r.int(),
            output_unit: r.string(),
            time_nanos: r.int(),
            duration_nanos: r.int(),
            files: (0..r.next() % 5).map(|_| r.string()).collect(),
            rows: (0..r.next() % 25)
                .map(|_| permalink::Row {
                    name: (r.next() % nn) as u32,
                    flat: r.int(),
                    cum: r.int(),
                    inline: r.string(),
                })
                .collect(),
            names,
            flame,
            findings,
            snapshots: (r.next() % 10) as usize,
            checked: vec![r.string()],
            verdict: [Verdict::Leak, Verdict::Clean, Verdict::NotChecked][(r.next() % 3) as usize],
            healthy: (0..r.next() % 3)
                .map(|_| SiteNote {
                    kind: Kind::Goroutine,
                    function: r.string(),
                    file: r.string(),
                    line: r.int(),
                    count: r.int(),
                    unit: Unit::Goroutines,
                    severity: None,
                    why: r.string(),
                })
                .collect(),
            next_step: r.string(),
            omitted: vec![],
        };
        let e = encode(&s);
        assert_eq!(decode(&format!("#s={e}")).unwrap(), s);
        assert_eq!(encode(&s), e);
    }
}

#[test]
fn broken_links_give_clear_errors() {
    let s = summary_of(&["a1-chanrecv-leak-n3/goroutine-3.pb.gz".to_string()]);
    let (url, _) = link(BASE, s);
    assert_eq!(decode(BASE), Err(LinkError::Missing));
    assert_eq!(decode("#s=9.abc"), Err(LinkError::Version("9".into())));
    assert_eq!(decode("#s=2.!!!*"), Err(LinkError::Base64));
    // Truncated anywhere: an error, never a panic.
    for cut in (url.find("#s=2.").unwrap() + 6..url.len()).step_by(7) {
        assert!(decode(&url[..cut]).is_err(), "cut at {cut}");
    }
    // Tampered: flip characters of the data.
    let data_start = url.find("#s=2.").unwrap() + 5;
    for i in (data_start..url.len()).step_by(5) {
        let mut b = url.clone().into_bytes();
        b[i] = if b[i] == b'A' { b'B' } else { b'A' };
        let _ = decode(std::str::from_utf8(&b).unwrap()); // must not panic
    }
    // A crafted link that inflates to something huge is refused.
    let bomb = miniz_oxide::deflate::compress_to_vec(&vec![0u8; 64 << 20], 10);
    let evil = format!(
        "#s=1.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bomb)
    );
    assert!(evil.len() < 200_000);
    assert_eq!(decode(&evil), Err(LinkError::TooLarge));
    // Valid compression of garbage.
    let junk = miniz_oxide::deflate::compress_to_vec(b"\xff\xff\xff\xff not postcard", 6);
    let e = decode(&format!(
        "#s=1.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&junk)
    ))
    .unwrap_err();
    assert!(matches!(e, LinkError::Corrupt(_)), "{e}");
}

/// Links made before findings carried survival, wait growth and noise
/// (version 1, committed in tests/fixtures/permalink) still open: the
/// version tag was bumped to 2 and version 1 is read through its own types.
#[test]
fn version_1_links_still_open() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/permalink/v1-links.txt"),
    )
    .unwrap();
    let links: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(links.len(), 2);
    // b-chansend-unbuffered, debug=2, 4 snapshots.
    let s = decode(links[0]).unwrap();
    assert_eq!(s.files.len(), 4);
    assert_eq!(s.verdict, Verdict::Leak);
    let f = &s.findings[0];
    assert_eq!(
        (f.rule, f.severity, f.kind, f.unit),
        (
            Rule::ChanSendNoReceiver,
            Severity::High,
            Kind::Goroutine,
            Unit::Goroutines
        )
    );
    assert_eq!((f.function.as_str(), f.line), ("main.audit", 30));
    assert_eq!(f.counts, vec![10, 20, 30, 40]);
    assert_eq!(f.trend, Trend::Growing);
    // Version 1 could not tell a recorded creator from an inferred one.
    assert_eq!(f.created_by, None);
    assert!(!s.rows.is_empty() && !s.flame.is_empty());
    // a2-chanrecv-leak-n500, .pb.gz, 4 snapshots.
    let s = decode(links[1]).unwrap();
    assert_eq!(s.findings[0].counts, vec![0, 167, 334, 500]);
    assert_eq!(s.findings[0].function, "main.searchHandler.func1");
    // What a version-2 link of the same files carries now.
    let files: Vec<String> = (0..4)
        .map(|k| format!("a2-chanrecv-leak-n500/goroutine-{k}.pb.gz"))
        .collect();
    let (url, _) = link(BASE, summary_of(&files));
    assert!(url.contains("#s=2."), "{url}");
    let v2 = decode(&url).unwrap();
    assert_eq!(v2.findings[0].basis, Basis::Counts);
    assert_eq!(
        v2.findings[0].entry_function.as_deref(),
        Some("main.searchHandler.func1")
    );
}
