//! Go's legacy text profiles that `go tool pprof` also reads: heap
//! (`heap profile: ...` from `?debug=1`), contention (`--- contention:` /
//! `--- mutex:`) and threadcreate (shared with the debug=1 goroutine form).
//! Values are unsampled exactly as the runtime does for its protobuf form,
//! so both forms of one moment agree.

use super::builder::{locations_from_pcs, parse_hex, parse_pc_comment, Builder};
use crate::error::DecodeError;
use crate::profile::*;

pub fn is_heap(text: &str) -> bool {
    text.trim_start().starts_with("heap profile:")
}

pub fn is_contention(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("--- contention") || t.starts_with("--- mutex")
}

fn err(line: usize, msg: impl Into<String>) -> DecodeError {
    DecodeError::LegacyText {
        line,
        msg: msg.into(),
    }
}

/// `N: M [N2: M2] @ pcs...` -> (N, M, N2, M2, pcs)
fn parse_heap_record(line: &str) -> Option<(i64, i64, i64, i64, &str)> {
    let (vals, pcs) = line.split_once('@')?;
    let (inuse, alloc) = vals.split_once('[')?;
    let alloc = alloc.trim().strip_suffix(']')?;
    let pair = |s: &str| -> Option<(i64, i64)> {
        let (a, b) = s.split_once(':')?;
        Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
    };
    let (n, m) = pair(inuse)?;
    let (n2, m2) = pair(alloc)?;
    Some((n, m, n2, m2, pcs))
}

/// The runtime's unsampling of heap records (runtime/pprof scaleHeapSample).
fn scale_heap(count: i64, size: i64, rate: i64) -> (i64, i64) {
    if count == 0 || size == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (count, size);
    }
    let avg = size as f64 / count as f64;
    let scale = 1.0 / (1.0 - (-avg / rate as f64).exp());
    ((count as f64 * scale) as i64, (size as f64 * scale) as i64)
}

fn collect_frames<'a>(
    lines: &mut std::iter::Peekable<impl Iterator<Item = (usize, &'a str)>>,
) -> Vec<(u64, String, String, i64)> {
    let mut frames = Vec::new();
    while let Some((_, l)) = lines.peek() {
        // `#\t0xPC\tFUNC+0xOFF\tFILE:LINE`, tabs or (edited) spaces;
        // other comments end the record's frames.
        let Some(f) = parse_pc_comment(l.trim()) else {
            break;
        };
        frames.push(f);
        lines.next();
    }
    frames
}

fn parse_pcs(s: &str, line: usize) -> Result<Vec<u64>, DecodeError> {
    s.split_whitespace()
        .map(|p| parse_hex(p).ok_or_else(|| err(line, format!("bad PC {p:?}"))))
        .collect()
}

pub fn decode_heap(text: &str) -> Result<Profile, DecodeError> {
    let mut lines = text.lines().enumerate().peekable();
    let (_, header) = lines.next().ok_or(DecodeError::Empty)?;
    let (n, m, n2, m2, tail) = parse_heap_record(
        header.trim_start().trim_start_matches("heap profile:"),
    )
    .ok_or_else(|| {
        err(
            1,
            "header should read `heap profile: N: M [N: M] @ heap/RATE`",
        )
    })?;
    // pprof keeps alloc_* only when the header's totals differ from in-use.
    let has_alloc = (n2 != n && n2 != 0) || (m2 != m && m2 != 0);
    let tail = tail.trim();
    let (kind, rate) = tail.split_once('/').unwrap_or((tail, "0"));
    let rate: i64 = rate
        .trim()
        .parse()
        .map_err(|_| err(1, format!("bad sampling rate {rate:?}")))?;
    let rate = match kind {
        "heap" => rate / 2, // Go writes 2*MemProfileRate here
        "heap_v2" | "heapz_v2" => rate,
        "heapprofile" | "growthz" => 0,
        other => return Err(err(1, format!("unknown heap profile kind {other:?}"))),
    };
    let types: &[(&str, &str)] = if has_alloc {
        &[
            ("alloc_objects", "count"),
            ("alloc_space", "bytes"),
            ("inuse_objects", "count"),
            ("inuse_space", "bytes"),
        ]
    } else {
        &[("objects", "count"), ("space", "bytes")]
    };
    let mut b = Builder::new(types, SourceFormat::LegacyHeap);
    if has_alloc {
        b.profile.default_sample_type = "inuse_space".into();
    }
    b.profile.period_type = Some(ValueType {
        r#type: "space".into(),
        unit: "bytes".into(),
    });
    b.profile.period = rate;
    while let Some((ln, line)) = lines.next() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        // pprof skips every comment line and stops at the C++ memory map;
        // the runtime.MemStats trailer, a block of comments, is read aside.
        if line.starts_with('#') {
            if line == super::memstats::HEADER && b.profile.memstats.is_none() {
                let trailer = super::memstats::parse_trailer(&mut lines);
                b.profile.memstats = Some(trailer.map_err(|e| e.to_string()));
            }
            continue;
        }
        if line.starts_with("MAPPED_LIBRARIES") || line.starts_with("--- Memory map") {
            break;
        }
        let (n, m, n2, m2, pcs) = parse_heap_record(line).ok_or_else(|| {
            err(
                ln + 1,
                format!(
                    "expected `N: M [N: M] @ PCs`, found {:?}",
                    line.chars().take(80).collect::<String>()
                ),
            )
        })?;
        if [n, m, n2, m2].iter().any(|v| *v < 0) {
            return Err(err(ln + 1, "negative heap record values"));
        }
        let pcs = parse_pcs(pcs, ln + 1)?;
        let frames = collect_frames(&mut lines);
        let locs = locations_from_pcs(&mut b, &pcs, &frames);
        let (io, is) = scale_heap(n, m, rate);
        let (ao, as_) = scale_heap(n2, m2, rate);
        if (n == 0 && m != 0) || (has_alloc && n2 == 0 && m2 != 0) {
            return Err(err(ln + 1, "a count of 0 objects with a non-zero size"));
        }
        // pprof's legacy parser: the block size of the last non-empty pair.
        let block = if n > 0 {
            m / n
        } else if has_alloc && n2 > 0 {
            m2 / n2
        } else {
            0
        };
        let labels = vec![NumLabel {
            key: "bytes".into(),
            value: block,
            unit: String::new(),
        }];
        let values = if has_alloc {
            vec![ao, as_, io, is]
        } else {
            vec![io, is]
        };
        b.push_sample(locs, values, labels);
    }
    Ok(b.finish())
}

pub fn decode_contention(text: &str) -> Result<Profile, DecodeError> {
    let mut lines = text.lines().enumerate().peekable();
    let (_, header) = lines.next().ok_or(DecodeError::Empty)?;
    let mutex = header.trim().starts_with("--- mutex");
    let mut b = Builder::new(
        &[("contentions", "count"), ("delay", "nanoseconds")],
        SourceFormat::LegacyContention,
    );
    b.profile.period_type = Some(ValueType {
        r#type: "contentions".into(),
        unit: "count".into(),
    });
    b.profile.period = 1;
    b.profile.kind_hint = if mutex {
        "mutex".into()
    } else {
        "block".into()
    };
    let (mut cpu_hz, mut period) = (0i64, 1i64);
    while let Some((ln, line)) = lines.peek().copied() {
        let Some((k, v)) = line.split_once('=') else {
            break;
        };
        let v: i64 = v
            .trim()
            .parse()
            .map_err(|_| err(ln + 1, format!("bad value in {line:?}")))?;
        match k.trim() {
            "cycles/second" => cpu_hz = v,
            "sampling period" => period = v,
            _ => {}
        }
        lines.next();
    }
    b.profile.period = period;
    while let Some((ln, line)) = lines.next() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if line.starts_with("--- Memory map") || line.starts_with("MAPPED_LIBRARIES") {
            break;
        }
        let (vals, pcs) = line.split_once('@').ok_or_else(|| {
            err(
                ln + 1,
                format!(
                    "expected `CYCLES COUNT @ PCs`, found {:?}",
                    line.chars().take(80).collect::<String>()
                ),
            )
        })?;
        let mut it = vals.split_whitespace().map(|x| x.parse::<i64>());
        let (Some(Ok(mut cycles)), Some(Ok(mut count))) = (it.next(), it.next()) else {
            return Err(err(ln + 1, "expected two integers before `@`"));
        };
        if period > 0 {
            if cpu_hz > 0 {
                let ghz = cpu_hz as f64 / 1e9;
                cycles = (cycles as f64 * period as f64 / ghz) as i64;
            }
            count = count.saturating_mul(period);
        }
        let pcs = parse_pcs(pcs, ln + 1)?;
        let frames = collect_frames(&mut lines);
        let locs = locations_from_pcs(&mut b, &pcs, &frames);
        b.push_sample(locs, vec![count, cycles], vec![]);
    }
    Ok(b.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_scaling_matches_runtime() {
        // rate 512 KiB: a single 1 KiB object stands for ~512 of them.
        let (c, s) = scale_heap(1, 1024, 524288);
        assert_eq!((c, s), (512, 524800));
        assert_eq!(scale_heap(3, 300, 1), (3, 300));
    }

    #[test]
    fn contention_units() {
        let p = decode_contention("--- contention:\ncycles/second=2000000000\n4000 2 @ 0x10 0x20\n#\t0xf\tmain.a+0x1\ta.go:1\n").unwrap();
        assert_eq!(p.samples.get(0).values, [2, 2000]);
        assert_eq!(p.kind(), "block");
    }
}
