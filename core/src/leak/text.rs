//! The leak report in words: the headline the page and the CLI share,
//! `leakscope leaks` text and `--explain`.

use super::*;

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// One sentence for the whole report; counts real findings only (low and
/// above), never healthy notes.
pub fn headline(r: &LeakReport) -> String {
    let by = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    let snaps = plural(r.snapshots, "snapshot");
    match r.verdict {
        Verdict::Leak => {
            let parts: Vec<String> = [Severity::High, Severity::Medium, Severity::Low]
                .iter()
                .filter(|s| by(**s) > 0)
                .map(|s| format!("{} {}", by(*s), s.as_str()))
                .collect();
            format!("Leak found in {snaps}: {}.", parts.join(", "))
        }
        Verdict::Suspect => format!(
            "No leak proven in {snaps}: {} to confirm or clear.",
            plural(by(Severity::Low), "low suspicion")
        ),
        Verdict::Clean => format!("No leak found in {snaps}."),
        Verdict::NotChecked => {
            "Leak checks did not run: they need goroutine or in-use heap snapshots.".into()
        }
    }
}

/// The report `leakscope leaks` prints.
pub fn format_text(r: &LeakReport) -> String {
    let mut out = headline(r);
    out.push('\n');
    for f in &r.findings {
        out.push_str(&format!(
            "\n[{}] {} ({}) at {} {}:{}\n",
            f.severity.as_str().to_uppercase(),
            f.rule.as_str(),
            f.kind.as_str(),
            f.function,
            f.file,
            f.line
        ));
        if let Some(l) = &f.blocking_line {
            out.push_str(&format!("  line:       {l}\n"));
        }
        match (&f.created_by, &f.created_at) {
            (Some(c), Some(at)) => out.push_str(&format!("  created by: {c} at {at}\n")),
            (Some(c), None) => out.push_str(&format!("  created by: {c}\n")),
            _ => {
                if let Some(e) = &f.entry_function {
                    out.push_str(&format!(
                        "  entry:      {e} (the goroutine's entry function; this form does not record its creator)\n"
                    ));
                }
            }
        }
        out.push_str(&format!("  evidence:   {}\n", f.evidence));
        if !f.fix.is_empty() {
            out.push_str(&format!("  fix:        {}\n", f.fix));
        }
        if !f.next_step.is_empty() {
            out.push_str(&format!("  next:       {}\n", f.next_step));
        }
    }
    out.push_str("\nChecked: ");
    out.push_str(&r.checked.join("; "));
    out.push('\n');
    if !r.healthy.is_empty() {
        out.push_str("Judged healthy (largest first):\n");
        for h in &r.healthy {
            out.push_str(&format!(
                "  {} {}:{}: {}\n",
                h.function, h.file, h.line, h.why
            ));
        }
    }
    if !r.next_step.is_empty() {
        out.push_str(&format!("Next: {}\n", r.next_step));
    }
    out
}

/// `--explain`: every examined site, flagged or not, and why.
pub fn format_explain(r: &LeakReport) -> String {
    let mut out = String::from("\nWhy each site was or was not flagged (largest first):\n");
    if r.explain.is_empty() {
        out.push_str("  (no site: nothing leak checks could examine)\n");
    }
    for s in &r.explain {
        out.push_str(&format!(
            "  [{}] {} {} {}:{} ({}): {}\n",
            s.severity.map(|s| s.as_str()).unwrap_or("ok"),
            s.kind.as_str(),
            s.function,
            s.file,
            s.line,
            s.unit.label(s.count),
            s.why
        ));
    }
    out
}
