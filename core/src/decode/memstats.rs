//! The `# runtime.MemStats` trailer Go writes after the records of a heap
//! profile served with `?debug=1` (`runtime/pprof.writeHeapInternal`):
//! one `# Name = value` line per field of `runtime.MemStats`, the
//! in-use/sys pairs on one line (`# Stack = 327680 / 327680`), and
//! `# MaxRSS` (recent Go, on Unix and Windows). `go tool pprof`
//! skips it; the memory triage (`crate::memory`) reads it.
//!
//! Fields are kept in the file's order under Go's field names, the pairs
//! split as Go names them (`StackInuse`/`StackSys`, `MSpanInuse`/
//! `MSpanSys`, `MCacheInuse`/`MCacheSys`). Names this parser does not
//! know (a future Go's) are kept with the value read by its shape, so
//! nothing printed is lost.

use serde::{Deserialize, Serialize};

/// The first line of the trailer.
pub const HEADER: &str = "# runtime.MemStats";

/// One field's value, typed as Go prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// `%d` of a uint64 (bytes, counts, nanoseconds since the epoch).
    Int(u64),
    /// `%v` of a float64 (`GCCPUFraction`).
    Float(f64),
    /// `%v` of a bool (`DebugGC`, `EnableGC`).
    Bool(bool),
    /// `%d` of a `[256]uint64` (`PauseNs`, `PauseEnd`): `[1 2 3]`.
    List(Vec<u64>),
    /// A field of a shape this parser does not know, as printed.
    Text(String),
}

/// The trailer's fields in the file's order, by Go's names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemStats {
    pub fields: Vec<(String, Value)>,
}

impl MemStats {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// An integer field (`HeapInuse`, `MaxRSS`, ...).
    pub fn int(&self, name: &str) -> Option<u64> {
        match self.get(name)? {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }

    pub fn float(&self, name: &str) -> Option<f64> {
        match self.get(name)? {
            Value::Float(v) => Some(*v),
            Value::Int(v) => Some(*v as f64),
            _ => None,
        }
    }
}

/// How Go prints a field it knows.
#[derive(Clone, Copy)]
enum Shape {
    Int,
    /// `in-use / sys`, split into `<prefix>Inuse` and `<prefix>Sys`.
    Pair,
    Float,
    Bool,
    List,
}

/// Every line `writeHeapInternal` has printed, in any Go release (older
/// ones print `EnableGC` and lack `LastGC`, `PauseEnd`, `NumForcedGC`,
/// `GCCPUFraction`; `MaxRSS` is only on some platforms).
const KNOWN: &[(&str, Shape)] = &[
    ("Alloc", Shape::Int),
    ("TotalAlloc", Shape::Int),
    ("Sys", Shape::Int),
    ("Lookups", Shape::Int),
    ("Mallocs", Shape::Int),
    ("Frees", Shape::Int),
    ("HeapAlloc", Shape::Int),
    ("HeapSys", Shape::Int),
    ("HeapIdle", Shape::Int),
    ("HeapInuse", Shape::Int),
    ("HeapReleased", Shape::Int),
    ("HeapObjects", Shape::Int),
    ("Stack", Shape::Pair),
    ("MSpan", Shape::Pair),
    ("MCache", Shape::Pair),
    ("BuckHashSys", Shape::Int),
    ("GCSys", Shape::Int),
    ("OtherSys", Shape::Int),
    ("NextGC", Shape::Int),
    ("LastGC", Shape::Int),
    ("PauseNs", Shape::List),
    ("PauseEnd", Shape::List),
    ("NumGC", Shape::Int),
    ("NumForcedGC", Shape::Int),
    ("GCCPUFraction", Shape::Float),
    ("EnableGC", Shape::Bool),
    ("DebugGC", Shape::Bool),
    ("MaxRSS", Shape::Int),
];

/// Lines every Go release prints: a trailer without one of them was cut
/// or edited. `DebugGC` is the last line before the optional `MaxRSS`,
/// so a file cut anywhere before it is caught.
const REQUIRED: &[&str] = &[
    "Alloc",
    "TotalAlloc",
    "Sys",
    "HeapAlloc",
    "HeapSys",
    "HeapIdle",
    "HeapInuse",
    "HeapReleased",
    "HeapObjects",
    "StackInuse",
    "StackSys",
    "MSpanInuse",
    "MSpanSys",
    "MCacheInuse",
    "MCacheSys",
    "BuckHashSys",
    "NextGC",
    "NumGC",
    "DebugGC",
];

/// A problem in the trailer: its 1-based line in the file and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailerError {
    pub line: usize,
    pub msg: String,
}

impl std::fmt::Display for TrailerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "runtime.MemStats trailer, line {}: {}",
            self.line, self.msg
        )
    }
}

/// Parses the trailer from the line after [`HEADER`] to the end of the
/// file. `lines` yields (0-based line index, text).
pub fn parse_trailer<'a>(
    lines: impl Iterator<Item = (usize, &'a str)>,
) -> Result<MemStats, TrailerError> {
    let mut out = MemStats::default();
    let mut last = 0;
    for (i, raw) in lines {
        let ln = i + 1;
        last = ln;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let err = |msg: String| TrailerError { line: ln, msg };
        let Some(body) = line.strip_prefix('#') else {
            return Err(err(format!(
                "expected `# Name = value`, found {:?}",
                clip(line)
            )));
        };
        let Some((name, value)) = body.split_once('=') else {
            return Err(err(format!(
                "expected `# Name = value`, found {:?}",
                clip(line)
            )));
        };
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(err(format!("{:?} is not a field name", clip(name))));
        }
        let shape = KNOWN.iter().find(|(n, _)| *n == name).map(|(_, s)| *s);
        let mut push = |n: String, v: Value| {
            if out.fields.iter().any(|(m, _)| *m == n) {
                return Err(err(format!("{n} is given twice")));
            }
            out.fields.push((n, v));
            Ok(())
        };
        let bad = |what: &str| err(format!("{name} should be {what}, found {:?}", clip(value)));
        match shape {
            Some(Shape::Int) => push(
                name.into(),
                Value::Int(int(value).ok_or_else(|| bad("an unsigned integer"))?),
            )?,
            Some(Shape::Pair) => {
                let (a, b) = value
                    .split_once('/')
                    .and_then(|(a, b)| Some((int(a.trim())?, int(b.trim())?)))
                    .ok_or_else(|| bad("`in-use / sys`, two unsigned integers"))?;
                push(format!("{name}Inuse"), Value::Int(a))?;
                push(format!("{name}Sys"), Value::Int(b))?;
            }
            Some(Shape::Float) => push(
                name.into(),
                Value::Float(float(value).ok_or_else(|| bad("a number"))?),
            )?,
            Some(Shape::Bool) => push(
                name.into(),
                Value::Bool(boolean(value).ok_or_else(|| bad("true or false"))?),
            )?,
            Some(Shape::List) => push(
                name.into(),
                Value::List(
                    list(value).ok_or_else(|| bad("a list `[n n ...]` of unsigned integers"))?,
                ),
            )?,
            None => {
                let v = if let Some(n) = int(value) {
                    Value::Int(n)
                } else if let Some(b) = boolean(value) {
                    Value::Bool(b)
                } else if let Some(f) = float(value) {
                    Value::Float(f)
                } else if let Some(l) = list(value) {
                    Value::List(l)
                } else {
                    Value::Text(value.to_string())
                };
                push(name.into(), v)?
            }
        }
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|n| out.get(n).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(TrailerError {
            line: last.max(1),
            msg: format!(
                "the trailer ends without {} (truncated file?)",
                missing.join(", ")
            ),
        });
    }
    Ok(out)
}

fn int(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn float(s: &str) -> Option<f64> {
    // Go's %v: `0`, `0.00086527234584944`, `5.937424150565279e-06`, `NaN`.
    let ok = s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if ok && !s.is_empty() {
        s.parse().ok()
    } else {
        match s {
            "NaN" => Some(f64::NAN),
            "+Inf" => Some(f64::INFINITY),
            _ => None,
        }
    }
}

fn boolean(s: &str) -> Option<bool> {
    match s {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn list(s: &str) -> Option<Vec<u64>> {
    let inner = s.strip_prefix('[')?.strip_suffix(']')?;
    inner.split_whitespace().map(int).collect()
}

fn clip(s: &str) -> String {
    let mut c: String = s.chars().take(60).collect();
    if c.len() < s.len() {
        c.push('…');
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<MemStats, TrailerError> {
        parse_trailer(text.lines().enumerate())
    }

    const MINIMAL: &str = "# Alloc = 1\n# TotalAlloc = 2\n# Sys = 3\n# HeapAlloc = 1\n# HeapSys = 4\n# HeapIdle = 2\n# HeapInuse = 2\n# HeapReleased = 1\n# HeapObjects = 5\n# Stack = 6 / 7\n# MSpan = 8 / 9\n# MCache = 10 / 11\n# BuckHashSys = 12\n# NextGC = 13\n# NumGC = 14\n# DebugGC = false\n";

    #[test]
    fn pairs_split_and_unknown_fields_kept() {
        let m = parse(&format!(
            "{MINIMAL}# GCCPUFraction = 5.9e-06\n# NewField = 7\n# Odd = a b\n"
        ))
        .unwrap();
        assert_eq!((m.int("StackInuse"), m.int("StackSys")), (Some(6), Some(7)));
        assert_eq!(m.float("GCCPUFraction"), Some(5.9e-06));
        assert_eq!(m.get("NewField"), Some(&Value::Int(7)));
        assert_eq!(m.get("Odd"), Some(&Value::Text("a b".into())));
    }

    #[test]
    fn refuses_what_go_never_prints() {
        let e = parse(&MINIMAL.replace("# Stack = 6 / 7", "# Stack = 6")).unwrap_err();
        assert_eq!(e.line, 10);
        assert!(e.msg.contains("Stack"), "{e}");
        let e = parse(&format!("{MINIMAL}# Sys = 3\n")).unwrap_err();
        assert!(e.msg.contains("twice"), "{e}");
        let e = parse(&MINIMAL.replace("# NumGC = 14\n# DebugGC = false\n", "")).unwrap_err();
        assert!(e.msg.contains("NumGC, DebugGC"), "{e}");
        let e = parse("# PauseNs = [1 2\n").unwrap_err();
        assert!(e.msg.contains("PauseNs"), "{e}");
        assert!(parse("garbage\n").is_err());
    }
}
