//! Goroutine text dumps: `/debug/pprof/goroutine?debug=1` (stacks grouped
//! with counts) and `?debug=2` (every goroutine, traceback style).

use super::builder::{locations_from_pcs, parse_hex, parse_pc_comment, split_file_line, Builder};
use crate::error::DecodeError;
use crate::profile::*;

/// `goroutine profile: total N` (or `goroutineleak profile: ...`).
pub fn is_debug1(text: &str) -> bool {
    let first = text.lines().next().unwrap_or("");
    ["goroutine", "goroutineleak", "threadcreate"]
        .iter()
        .any(|k| first.starts_with(&format!("{k} profile: total ")))
}

/// A traceback-style dump: some line reads `goroutine N [...]:`.
pub fn is_debug2(text: &str) -> bool {
    text.lines().take(200).any(|l| parse_header(l).is_some())
}

fn err(line: usize, msg: impl Into<String>) -> DecodeError {
    DecodeError::GoroutineText {
        line,
        msg: msg.into(),
    }
}

pub fn decode_debug1(text: &str) -> Result<Profile, DecodeError> {
    decode_debug1_with(text, &mut |_| {})
}

/// [`decode_debug1`] with the fraction of the text read so far. The same
/// form serves every count profile (`goroutine`, `threadcreate`,
/// `goroutineleak`); errors name the kind. A record without PCs (`5 @`,
/// as older runtimes write threadcreate's unknown stacks) is a sample with
/// an empty stack: counted in the total, in no function (`go tool pprof`
/// 1.27 refuses such a file as "malformed"; Go 1.27 itself writes `0x0`
/// PCs there, which both read).
pub fn decode_debug1_with(
    text: &str,
    progress: &mut dyn FnMut(f32),
) -> Result<Profile, DecodeError> {
    let n_lines = text.len().max(1) as f32 / 40.0; // an estimate: only for the bar
    let mut lines = text.lines().enumerate().peekable();
    let (_, first) = lines.next().ok_or(DecodeError::Empty)?;
    let kind = first.split_whitespace().next().unwrap_or("goroutine");
    let err = |line: usize, msg: String| DecodeError::CountText {
        kind: kind.to_string(),
        line,
        msg,
    };
    let total: i64 = first
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| err(1, format!("header should read `{kind} profile: total N`")))?;
    let mut b = Builder::new(&[(kind, "count")], SourceFormat::GoroutineDebug1);
    b.profile.period_type = Some(ValueType {
        r#type: kind.into(),
        unit: "count".into(),
    });
    b.profile.period = 1;
    if kind != "goroutine" {
        b.profile.kind_hint = kind.to_string();
    }
    let mut sum = 0i64;
    while let Some((ln, line)) = lines.next() {
        if ln % 8192 == 0 {
            progress((ln as f32 / n_lines).min(1.0));
        }
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            // pprof skips comment lines wherever they are.
            continue;
        }
        let Some((count, pcs)) = line
            .split_once(" @")
            .filter(|(_, r)| r.is_empty() || r.starts_with(char::is_whitespace))
        else {
            return Err(err(
                ln + 1,
                format!("expected `COUNT @ PC ...`, found {:?}", clip(line)),
            ));
        };
        let count: i64 = count
            .trim()
            .parse()
            .map_err(|_| err(ln + 1, format!("bad count {:?}", clip(count))))?;
        if count < 0 {
            return Err(err(ln + 1, format!("negative {kind} count")));
        }
        let pcs = pcs
            .split_whitespace()
            .map(|p| parse_hex(p).ok_or_else(|| err(ln + 1, format!("bad PC {:?}", clip(p)))))
            .collect::<Result<Vec<_>, _>>()?;
        let mut labels = Vec::new();
        let mut frames = Vec::new();
        while let Some((_, next)) = lines.peek() {
            let next = next.trim();
            if let Some(l) = next.strip_prefix("# labels: ") {
                labels = parse_label_map(l);
            } else if next.starts_with('#') {
                if let Some(f) = parse_pc_comment(next) {
                    frames.push(f);
                }
            } else {
                break;
            }
            lines.next();
        }
        let locs = locations_from_pcs(&mut b, &pcs, &frames);
        crate::order::sort_by(&mut labels, |a, b| a.cmp(b));
        sum = sum.saturating_add(count);
        b.add_sample(locs, labels, &[count]);
    }
    if sum != total {
        // Go writes the header from the same records; a mismatch means the
        // file was cut or edited.
        return Err(err(
            1,
            format!("header says total {total} but the records add up to {sum} (truncated file?)"),
        ));
    }
    Ok(b.finish())
}

/// `{"k":"v", "k2":"v2"}` (debug=1) or `{k: v, k2: v2}` (debug=2 headers).
fn parse_label_map(s: &str) -> Vec<(String, String)> {
    let inner = s.trim().trim_start_matches('{').trim_end_matches('}');
    let mut out = Vec::new();
    for pair in split_top(inner) {
        let Some((k, v)) = pair.split_once(':') else {
            continue;
        };
        let unq = |x: &str| {
            let x = x.trim();
            x.strip_prefix('"')
                .and_then(|y| y.strip_suffix('"'))
                .unwrap_or(x)
                .replace("\\\"", "\"")
        };
        out.push((unq(k), unq(v)));
    }
    out
}

/// Splits on commas that are not inside double quotes.
fn split_top(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut esc) = (0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            '\\' if quoted => esc = !esc,
            '"' if !esc => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => esc = false,
        }
        if c != '\\' {
            esc = false;
        }
    }
    if !s[start..].trim().is_empty() {
        parts.push(&s[start..]);
    }
    parts
}

struct Header {
    id: u64,
    bracket: String,
    labels: Vec<(String, String)>,
}

/// `goroutine 25 [chan receive, 5 minutes, locked to thread]:` with an
/// optional `gp=.. m=..` part (GOTRACEBACK=system) and optional labels.
fn parse_header(line: &str) -> Option<Header> {
    let rest = line.strip_prefix("goroutine ")?;
    let (id, rest) = rest.split_once(' ')?;
    let id: u64 = id.parse().ok()?;
    let open = rest.find('[')?;
    let close = rest.rfind(']')?;
    if close < open {
        return None;
    }
    let tail = rest[close + 1..]
        .trim()
        .trim_start_matches(':')
        .trim_end_matches(':')
        .trim();
    let labels = if tail.starts_with('{') {
        parse_label_map(tail)
    } else {
        Vec::new()
    };
    if !rest.trim_end().ends_with(':') && labels.is_empty() {
        return None;
    }
    Some(Header {
        id,
        bracket: rest[open + 1..close].to_string(),
        labels,
    })
}

struct State {
    state: String,
    minutes: Option<u64>,
    locked: bool,
    leaked: bool,
    durable: bool,
}

fn parse_state(bracket: &str) -> State {
    let mut st = State {
        state: String::new(),
        minutes: None,
        locked: false,
        leaked: false,
        durable: false,
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in bracket.split(", ") {
        if p == "locked to thread" {
            st.locked = true;
        } else if let Some(m) = p
            .strip_suffix(" minutes")
            .or_else(|| p.strip_suffix(" minute"))
        {
            match m.trim().parse() {
                Ok(n) => st.minutes = Some(n),
                Err(_) => parts.push(p),
            }
        } else {
            parts.push(p);
        }
    }
    let mut state = parts.join(", ");
    for (mark, flag) in [
        (" (leaked)", &mut st.leaked),
        (" (durable)", &mut st.durable),
    ] {
        if state.contains(mark) {
            *flag = true;
            state = state.replace(mark, "");
        }
    }
    st.state = state.trim().to_string();
    st
}

/// Function name from a traceback line `pkg.F(args)` / `pkg.(*T).M(...)`.
fn function_name(line: &str) -> &str {
    let l = line.trim_end();
    if l.ends_with(')') {
        if let Some(i) = l.rfind('(') {
            return &l[..i];
        }
    }
    l
}

pub fn decode_debug2(text: &str) -> Result<Profile, DecodeError> {
    decode_debug2_with(text, &mut |_| {})
}

/// [`decode_debug2`] with the fraction of the text read so far.
pub fn decode_debug2_with(
    text: &str,
    progress: &mut dyn FnMut(f32),
) -> Result<Profile, DecodeError> {
    let mut b = Builder::new(&[("goroutine", "count")], SourceFormat::GoroutineDebug2);
    b.profile.period_type = Some(ValueType {
        r#type: "goroutine".into(),
        unit: "count".into(),
    });
    b.profile.period = 1;
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    let mut goroutines = Vec::new();
    let mut any_leaked = false;
    let mut reported = 0;
    while i < lines.len() {
        if i >= reported + 8192 {
            reported = i;
            progress(i as f32 / lines.len() as f32);
        }
        let Some(h) = parse_header(lines[i].trim_end()) else {
            // Preamble (panic message, `exit status`, ...) or blank; but
            // stack lines here belong to a goroutine whose header is
            // missing or damaged: never drop them in silence.
            if is_location_line(lines[i]) {
                return Err(err(
                    i + 1,
                    format!(
                        "stack line outside any goroutine (is a `goroutine N [state]:` header missing or damaged above it?): {:?}",
                        clip(lines[i].trim())
                    ),
                ));
            }
            i += 1;
            continue;
        };
        let header_line = i + 1;
        i += 1;
        let st = parse_state(&h.bracket);
        any_leaked |= st.leaked;
        // Frames: a function line then a `\tFILE:LINE [+0xOFF]` line.
        // A frame without `+0x` is an inlined call: it shares the Location
        // of the next frame, as in a protobuf profile.
        let mut locs = Vec::new();
        let mut pending_inline: Vec<(String, String, i64)> = Vec::new();
        let mut g = Goroutine {
            id: h.id,
            state: st.state,
            wait_minutes: st.minutes,
            locked_to_thread: st.locked,
            leaked: st.leaked,
            durable: st.durable,
            labels: h.labels.clone(),
            ..Default::default()
        };
        let mut in_ancestor = false;
        while i < lines.len() {
            let l = lines[i].trim_end();
            if l.is_empty() || parse_header(l).is_some() {
                break;
            }
            if let Some(rest) = l.strip_prefix("[originating from goroutine ") {
                g.originating_goroutine = rest
                    .trim_end_matches("]:")
                    .trim_end_matches(']')
                    .parse()
                    .ok();
                in_ancestor = true; // ancestor stacks are not this goroutine's stack
                i += 1;
                continue;
            }
            if let Some(n) = l
                .trim()
                .strip_prefix("...")
                .and_then(|r| r.strip_suffix("frames elided..."))
            {
                // Go before 1.21 prints `...additional frames elided...`: some.
                g.frames_elided += n.trim().parse::<u64>().unwrap_or(1);
                i += 1;
                continue;
            }
            if let Some(rest) = l.strip_prefix("created by ") {
                let (func, parent) = match rest.split_once(" in goroutine ") {
                    Some((f, p)) => (f, p.trim().parse().ok()),
                    None => (rest, None),
                };
                let (file, line) = lines
                    .get(i + 1)
                    .filter(|n| is_indented(n))
                    .map(|n| file_line(n))
                    .unwrap_or_default();
                g.created_by = Some(Frame {
                    function: func.trim().to_string(),
                    file,
                    line,
                });
                g.creator_goroutine = parent;
                i += if lines.get(i + 1).is_some_and(|n| is_indented(n)) {
                    2
                } else {
                    1
                };
                continue;
            }
            if l.starts_with('\t') || l.starts_with(' ') {
                return Err(err(
                    i + 1,
                    format!("expected a function line, found {:?}", clip(l.trim())),
                ));
            }
            let func = function_name(l).to_string();
            let Some(loc_line) = lines.get(i + 1).filter(|n| is_indented(n)) else {
                return Err(err(
                    i + 1,
                    format!(
                        "function {:?} has no file:line after it (truncated dump?)",
                        clip(&func)
                    ),
                ));
            };
            let (file, line) = file_line(loc_line);
            let inlined = !loc_line.contains(" +0x");
            i += 2;
            if in_ancestor {
                continue;
            }
            pending_inline.push((func, file, line));
            if !inlined {
                locs.push(b.location(0, &pending_inline));
                pending_inline.clear();
            }
        }
        if !pending_inline.is_empty() {
            locs.push(b.location(0, &pending_inline));
        }
        if locs.is_empty() && g.created_by.is_none() {
            return Err(err(
                header_line,
                format!("goroutine {} has no stack (truncated dump?)", g.id),
            ));
        }
        let mut labels = h.labels;
        crate::order::sort_by(&mut labels, |a, b| a.cmp(b));
        g.sample = b.add_sample(locs, labels, &[1]);
        goroutines.push(g);
    }
    if goroutines.is_empty() {
        return Err(DecodeError::Unrecognized(
            "no `goroutine N [state]:` block found".into(),
        ));
    }
    let mut p = b.finish();
    p.goroutines = goroutines;
    if any_leaked {
        p.kind_hint = "goroutineleak".into();
    }
    Ok(p)
}

/// A frame's `\tFILE:LINE` line; spaces stand for the tab when a dump
/// went through an editor or a chat.
fn is_indented(l: &str) -> bool {
    l.starts_with(['\t', ' '])
}

/// An indented `FILE:LINE [+0xOFF]` line.
fn is_location_line(l: &str) -> bool {
    is_indented(l) && file_line(l).1 != 0
}

fn file_line(l: &str) -> (String, i64) {
    let t = l.trim();
    let t = match t.find(" +0x") {
        Some(i) => &t[..i],
        None => t,
    };
    // Newer Go prints ` fp=0x.. sp=0x.. pc=0x..` after the offset with
    // GOTRACEBACK=system; the offset cut above removes those too.
    let t = t.split(" fp=").next().unwrap_or(t);
    split_file_line(t)
}

fn clip(s: &str) -> String {
    let mut c: String = s.chars().take(80).collect();
    if c.len() < s.len() {
        c.push('…');
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_variants() {
        let h = parse_header("goroutine 25 [chan receive (leaked), 5 minutes, locked to thread]:")
            .unwrap();
        let s = parse_state(&h.bracket);
        assert_eq!(
            (h.id, s.state.as_str(), s.minutes, s.locked, s.leaked),
            (25, "chan receive", Some(5), true, true)
        );
        let h = parse_header("goroutine 7 gp=0xc000007a40 m=nil [select (no cases)]:").unwrap();
        assert_eq!(parse_state(&h.bracket).state, "select (no cases)");
        let h =
            parse_header("goroutine 9 [sync.WaitGroup.Wait, 1 minutes]: {request: abc, user: x}")
                .unwrap();
        assert_eq!(
            h.labels,
            vec![
                ("request".into(), "abc".into()),
                ("user".into(), "x".into())
            ]
        );
        assert!(parse_header("Goroutine 8 (running) created at:").is_none());
    }

    #[test]
    fn debug2_frames_inline_elided_creator() {
        let text = "goroutine 1 [IO wait, 3 minutes]:\n\
internal/poll.runtime_pollWait(0x7f, 0x72)\n\truntime/netpoll.go:305 +0x89\n\
internal/poll.(*pollDesc).waitRead(...)\n\tinternal/poll/fd_poll_runtime.go:89\n\
internal/poll.(*FD).Accept(0xc0000bac80)\n\tinternal/poll/fd_unix.go:614 +0x234\n\
...5 frames elided...\n\
created by main.start in goroutine 3\n\tmain.go:10 +0x1d\n\n\
goroutine 2 [IO wait]:\n\
internal/poll.runtime_pollWait(0x7f, 0x72)\n\truntime/netpoll.go:305 +0x89\n\
internal/poll.(*pollDesc).waitRead(...)\n\tinternal/poll/fd_poll_runtime.go:89\n\
internal/poll.(*FD).Accept(0xc0000bac80)\n\tinternal/poll/fd_unix.go:614 +0x234\n";
        let p = decode_debug2(text).unwrap();
        assert_eq!(p.samples.len(), 1, "identical stacks share one sample");
        assert_eq!(p.samples.get(0).values, [2]);
        assert_eq!(p.samples.get(0).locations.len(), 2);
        let loc = &p.locations[p.samples.get(0).locations.get(1) as usize];
        assert_eq!(
            loc.lines.len(),
            2,
            "inlined waitRead joins Accept's location"
        );
        let g = &p.goroutines[0];
        assert_eq!(
            (g.wait_minutes, g.frames_elided, g.creator_goroutine),
            (Some(3), 5, Some(3))
        );
        assert_eq!(g.created_by.as_ref().unwrap().function, "main.start");
        assert_eq!(g.created_by.as_ref().unwrap().line, 10);
    }

    #[test]
    fn truncated_debug2_is_an_error() {
        let e = decode_debug2("goroutine 1 [running]:\nmain.main()\n").unwrap_err();
        assert!(e.to_string().contains("no file:line"), "{e}");
    }

    #[test]
    fn debug1_total_mismatch() {
        let e = decode_debug1(
            "goroutine profile: total 5\n3 @ 0x1 0x2\n#\t0x0\tmain.f+0x1\tmain.go:3\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("add up to 3"), "{e}");
    }
}
