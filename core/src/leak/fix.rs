//! Fixes that follow from the wait, and, when the sources are at hand,
//! from the blocking line itself: `<-ctx.Done()` is a context nobody
//! cancels, `range ch` a channel nobody closes, `cond.Wait()` a condition
//! nobody signals, `mu.Lock()` a holder that never unlocks, and a `select`
//! is a list of cases none of which can fire.

use super::{Finding, Kind, Rule};
use crate::report::list::SourceProvider;

const SOURCE_HINT: &str = " (Give the sources, `--source-path` or the page's source folder, for a fix read from the blocking line.)";

/// The fix from the wait state alone (no source at hand).
pub fn for_wait(rule: Rule, wait: &str) -> String {
    let text = match rule {
        Rule::UnclosedResponseBody => "Close every HTTP response body (`defer resp.Body.Close()`), even when you do not read it; an open body keeps its connection's readLoop and writeLoop goroutines alive.",
        Rule::NilChan => "The channel is nil: it was declared (`var ch chan T`) but never made. A nil channel blocks forever; initialise it with `make(chan T)` before use, or remove the operation.",
        Rule::SelectForever if wait.starts_with("select (no cases)") => "`select {}` never returns. Wait on something that ends instead: a `case <-ctx.Done(): return` with a context that is cancelled, or a done channel that is closed.",
        Rule::SelectForever => "None of the select's cases can fire: every channel it waits on needs a send or a close on every path, and a `case <-ctx.Done()` only helps if that context is cancelled (call cancel on every path).",
        Rule::ChanSendNoReceiver => "Nobody receives from this channel any more (the receiver returned, e.g. after a timeout). Give the channel a buffer of 1 for a single result, or send inside a `select` with `case <-ctx.Done(): return`.",
        Rule::ChanRecvNoSender => "Nothing sends on or closes the channel it receives from. If it is `<-ctx.Done()`, that context is never cancelled: call cancel on every path. Otherwise have the producer send or close on every path, early returns and errors included.",
        Rule::WaitgroupOrLock => match wait {
            w if w.contains("Cond") => "Nobody signals this sync.Cond: call `Signal` or `Broadcast` after every change to the condition (shutdown included), and wait in a loop that re-checks it.",
            w if w.contains("WaitGroup") => "A `wg.Done()` never comes: start each goroutine with `defer wg.Done()`, error paths included, and call `wg.Add` once per goroutine started.",
            w if w.contains("Mutex") => "A holder of this lock never unlocks it: put `defer mu.Unlock()` right after every `Lock()`, and look for returns or panics between Lock and Unlock.",
            _ => "A semaphore, WaitGroup or lock is never released: pair every acquire with a deferred release (`defer wg.Done()`, `defer mu.Unlock()`), error paths included.",
        },
        _ => "Goroutines pile up at this line. Give the blocking call a way out: a `context.WithTimeout` and a `select` on `ctx.Done()`, or close the channel it waits on when the work is over.",
    };
    let hint = matches!(
        rule,
        Rule::SelectForever
            | Rule::ChanRecvNoSender
            | Rule::ChanSendNoReceiver
            | Rule::GoroutineGrowth
    ) && !wait.starts_with("select (no cases)");
    format!("{text}{}", if hint { SOURCE_HINT } else { "" })
}

/// What the blocking line says.
#[derive(Debug, PartialEq)]
pub enum Line {
    ContextDone,
    Range(String),
    Recv(String),
    Send(String),
    CondWait,
    WaitGroupWait,
    Lock,
    Select(Vec<String>),
    SelectNoCases,
    Other,
}

/// Reads the blocking line (and, for a `select`, the cases after it).
pub fn classify(lines: &[String], line: usize) -> Line {
    let Some(text) = line.checked_sub(1).and_then(|i| lines.get(i)) else {
        return Line::Other;
    };
    let t = strip_comment(text).trim();
    if t.starts_with("select {}") || t == "select{}" {
        return Line::SelectNoCases;
    }
    if t.starts_with("select") && t.ends_with('{') {
        return Line::Select(select_cases(lines, line - 1));
    }
    if t.contains(".Done()") && t.contains("<-") {
        return Line::ContextDone;
    }
    if t.starts_with("for ") {
        if let Some(r) = t.split("range ").nth(1) {
            return Line::Range(r.trim_end_matches('{').trim().to_string());
        }
    }
    if t.contains(".Wait()") {
        return if t.contains("wg") || t.contains("Group") {
            Line::WaitGroupWait
        } else {
            Line::CondWait
        };
    }
    if t.contains(".Lock()") || t.contains(".RLock()") {
        return Line::Lock;
    }
    if let Some(i) = t.find("<-") {
        let before = t[..i].trim();
        let after = t[i + 2..].trim();
        let is_recv = before.is_empty()
            || before.ends_with('=')
            || before.ends_with("case")
            || before.ends_with('(')
            || before.ends_with(',')
            || before.ends_with("return");
        if is_recv {
            let ch: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || "_.[]()".contains(*c))
                .collect();
            return Line::Recv(ch.trim_end_matches(')').to_string());
        }
        let ch = before.trim_start_matches("case ").trim();
        return Line::Send(ch.to_string());
    }
    Line::Other
}

fn strip_comment(s: &str) -> &str {
    s.split("//").next().unwrap_or(s)
}

/// The `case` lines of the select statement opening at index `start`.
fn select_cases(lines: &[String], start: usize) -> Vec<String> {
    let indent = |s: &str| s.len() - s.trim_start().len();
    let base = indent(&lines[start]);
    let mut out = Vec::new();
    // gofmt puts the cases at the select's indentation; nested selects sit
    // deeper and are not this one's.
    let mut case_indent = None;
    for l in lines.iter().skip(start + 1).take(200) {
        let t = strip_comment(l).trim();
        if t.starts_with('}') && indent(l) <= base {
            break;
        }
        if t.starts_with("case ") || t.starts_with("default") {
            let i = indent(l);
            if *case_indent.get_or_insert(i) != i {
                continue;
            }
            match t.strip_prefix("case ") {
                Some(c) => out.push(c.trim_end_matches(':').trim().to_string()),
                None => out.push("default".into()),
            }
        }
    }
    out
}

/// The fix for a classified line, or `None` when the line says nothing
/// more than the wait.
pub fn for_line(l: &Line) -> Option<String> {
    Some(match l {
        Line::ContextDone => "`<-ctx.Done()` waits for a context that is never cancelled. Call its cancel function on every path (`ctx, cancel := context.WithCancel(parent)` then `defer cancel()`), or derive it from a context that ends, such as the request's `r.Context()`.".into(),
        Line::Range(ch) => format!("`range {ch}` ends only when `{ch}` is closed, and nothing closes it. Close it where the producer is done (`defer close({ch})` in the sending goroutine), or give the loop a `ctx.Done()` way out."),
        Line::Recv(ch) => format!("Nothing sends on or closes `{ch}` any more. Send or close on every path of the producer, early returns and errors included, or receive in a `select` with `case <-ctx.Done(): return`."),
        Line::Send(ch) => format!("Nobody receives from `{ch}` any more (the receiver returned, e.g. after a timeout). Make it buffered (`make(chan T, 1)`) for a single result, or send in a `select` with `case <-ctx.Done(): return`."),
        Line::CondWait => "Nobody signals this sync.Cond: call `Signal` or `Broadcast` after every change to the condition (shutdown included), and wait in a `for !condition { c.Wait() }` loop.".into(),
        Line::WaitGroupWait => "A `wg.Done()` never comes: start each goroutine with `defer wg.Done()`, error paths included, and call `wg.Add` once per goroutine started.".into(),
        Line::Lock => "A holder of this lock never unlocks it: put `defer mu.Unlock()` right after every `Lock()`, and look for returns or panics between Lock and Unlock.".into(),
        Line::SelectNoCases => "`select {}` never returns. Wait on something that ends instead: a `case <-ctx.Done(): return` with a context that is cancelled, or a done channel that is closed.".into(),
        Line::Select(cases) if cases.iter().any(|c| c == "default") => return None,
        Line::Select(cases) if cases.is_empty() => return None,
        Line::Select(cases) => {
            let listed = cases.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
            if cases.iter().any(|c| c.contains(".Done()")) {
                format!("None of this select's cases can fire: {listed}. Its `Done()` case never fires because that context is never cancelled: call cancel on every path (`defer cancel()`), and make sure every other channel gets a send or a close.")
            } else {
                format!("None of this select's cases can fire: {listed}. Make sure each channel gets a send or a close on every path, and add `case <-ctx.Done(): return` with a context that is cancelled.")
            }
        }
        Line::Other => return None,
    })
}

/// Reads the blocking line of a goroutine finding from the sources and
/// replaces the wait's fix with the line's own.
pub fn tailor(f: &mut Finding, src: &mut dyn SourceProvider) {
    if f.kind != Kind::Goroutine || f.line <= 0 {
        return;
    }
    let Ok(lines) = src.lines(&f.file) else {
        return;
    };
    if let Some(t) = lines.get(f.line as usize - 1) {
        f.blocking_line = Some(t.trim().to_string());
    }
    if f.fix.is_empty() {
        return;
    }
    if let Some(fix) = for_line(&classify(&lines, f.line as usize)) {
        f.fix = fix;
    } else {
        f.fix = f.fix.replace(SOURCE_HINT, "");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> Vec<String> {
        text.lines().map(String::from).collect()
    }

    #[test]
    fn lines_are_read_like_go() {
        let s = src("func f() {\n\t<-ctx.Done()\n\tfor j := range jobs {\n\tv := <-reply\n\tout <- v\n\tc.cond.Wait()\n\twg.Wait()\n\tmu.Lock()\n\tselect {\n\tcase r := <-results:\n\t\t_ = r\n\tcase <-ctx.Done():\n\t}\n\tselect {}\n}");
        assert_eq!(classify(&s, 2), Line::ContextDone);
        assert_eq!(classify(&s, 3), Line::Range("jobs".into()));
        assert_eq!(classify(&s, 4), Line::Recv("reply".into()));
        assert_eq!(classify(&s, 5), Line::Send("out".into()));
        assert_eq!(classify(&s, 6), Line::CondWait);
        assert_eq!(classify(&s, 7), Line::WaitGroupWait);
        assert_eq!(classify(&s, 8), Line::Lock);
        assert_eq!(
            classify(&s, 9),
            Line::Select(vec!["r := <-results".into(), "<-ctx.Done()".into()])
        );
        assert_eq!(classify(&s, 14), Line::SelectNoCases);
        assert!(for_line(&classify(&s, 9))
            .unwrap()
            .contains("never cancelled"));
        assert!(for_line(&classify(&s, 3))
            .unwrap()
            .contains("`jobs` is closed"));
    }
}
