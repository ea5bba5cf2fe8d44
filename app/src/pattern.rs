//! Regular expressions typed on the main thread (the quick filter, a
//! link's search): the same engine as the worker's pprof filters and the
//! CLI (`regex-lite`, already in this module for the worker), so a pattern
//! means the same everywhere: Go's RE2 syntax, `(?i)` included.

pub struct Pattern(regex_lite::Regex);

impl Pattern {
    /// `Ok(None)` for an empty pattern (matches everything).
    pub fn parse(text: &str) -> Result<Option<Pattern>, String> {
        if text.is_empty() {
            return Ok(None);
        }
        regex_lite::Regex::new(text)
            .map(|r| Some(Pattern(r)))
            .map_err(|e| {
                e.to_string()
                    .lines()
                    .last()
                    .unwrap_or("invalid regex")
                    .trim()
                    .to_string()
            })
    }

    pub fn is_match(&self, s: &str) -> bool {
        self.0.is_match(s)
    }
}

/// A literal as a pattern, escaped exactly like Go's `regexp.QuoteMeta`
/// (the pattern is shown in the filter box, and a Go user reads it).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
