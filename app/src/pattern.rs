//! Regular expressions on the main thread, through the browser's own
//! engine (bundling a regex crate in the page would cost ~150 KB; the
//! worker, which applies pprof's filters, uses the Rust one). Go's `(?i)`
//! prefix is honoured; the rest of the syntax people type (`main\.`,
//! `^net/http`, `a|b`) means the same in both.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = RegExp)]
    type JsRegExp;
    // `catch`: a bad pattern throws a SyntaxError, returned as Err.
    #[wasm_bindgen(catch, constructor, js_class = "RegExp")]
    fn new(pattern: &str, flags: &str) -> Result<JsRegExp, JsValue>;
    #[wasm_bindgen(method)]
    fn test(this: &JsRegExp, s: &str) -> bool;
}

pub struct Pattern(JsRegExp);

impl Pattern {
    /// `Ok(None)` for an empty pattern (matches everything).
    pub fn parse(text: &str) -> Result<Option<Pattern>, String> {
        if text.is_empty() {
            return Ok(None);
        }
        let (body, flags) = match text.strip_prefix("(?i)") {
            Some(rest) => (rest, "i"),
            None => (text, ""),
        };
        JsRegExp::new(body, flags).map(|r| Some(Pattern(r))).map_err(|e| {
            js_sys::Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_else(|| "invalid regex".into())
        })
    }

    pub fn is_match(&self, s: &str) -> bool {
        self.0.test(s)
    }
}

/// A literal as a pattern, escaped like Go's `regexp.QuoteMeta` (valid
/// for the browser's engine and the worker's alike).
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
