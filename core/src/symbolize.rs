//! What pprof's symbolizer does to function names when it loads a
//! profile (`internal/symbolizer`: `Demangle` with the default mode), so
//! that every report names functions as `go tool pprof` does.
//!
//! pprof first asks a C++/Rust demangler; a Go name is not mangled, so it
//! goes on to a heuristic meant for names demangled already: a name
//! holding `<`, `>`, `[`, `]` or `::` "looks like demangled C++" (unless it
//! holds `.<`, as Java's `class.<init>`, or `]).`, as Go's
//! `pkg.(*T[...]).M`), and then loses every balanced `(...)` (parameters)
//! and `<...>` (template arguments). For Go generics this removes the
//! parentheses inside the instantiation:
//! `loser.New[go.shape.interface { At() T; Err() error }]` is printed as
//! `loser.New[go.shape.interface { At T; Err error }]`, and
//! `duckdb.(*vector).init.initNumeric[go.shape.int64].func14` as
//! `duckdb..init.initNumeric[go.shape.int64].func14`. The brackets stay.
//! This holds in every report (top, traces, list, filters): pprof renames
//! the functions before building any of them.
//!
//! Not done: demangling mangled C++ or Rust symbols (`_ZN...`), which
//! needs a full demangler; such names are kept as written.

use crate::profile::Profile;
use std::sync::Arc;

/// pprof's `Demangle(prof, false, "")` over every function: a function
/// whose name differs from its system name is left alone (demangled
/// already); the others take their system name, cleaned.
pub fn demangle(p: &mut Profile) {
    for f in &mut p.functions {
        if !f.name.is_empty() && f.system_name != f.name {
            continue;
        }
        let cleaned = clean_name(&f.system_name);
        if *cleaned != *f.name {
            f.name = match cleaned {
                std::borrow::Cow::Borrowed(_) => f.system_name.clone(),
                std::borrow::Cow::Owned(s) => Arc::from(s),
            };
        }
    }
}

/// pprof's heuristic for a name that could not be demangled.
pub fn clean_name(name: &str) -> std::borrow::Cow<'_, str> {
    if !looks_like_demangled_cplusplus(name) {
        return std::borrow::Cow::Borrowed(name);
    }
    let s = remove_matching(name.as_bytes().to_vec(), b'(', b')');
    let s = remove_matching(s, b'<', b'>');
    if s == name.as_bytes() {
        return std::borrow::Cow::Borrowed(name);
    }
    // Only ASCII ranges were cut: still UTF-8 (and stand-ins stay whole).
    std::borrow::Cow::Owned(String::from_utf8(s).unwrap_or_else(|_| name.to_string()))
}

/// `looksLikeDemangledCPlusPlus`.
fn looks_like_demangled_cplusplus(name: &str) -> bool {
    if name.contains(".<") || name.contains("]).") {
        return false;
    }
    name.contains(['<', '>', '[', ']']) || name.contains("::")
}

/// `removeMatching`: cuts every outermost balanced `start..end` run; a
/// closing byte with nothing open leaves the name as it was.
fn remove_matching(mut name: Vec<u8>, start: u8, end: u8) -> Vec<u8> {
    let (mut nesting, mut first, mut current) = (0i64, 0usize, 0usize);
    while let Some(index) = name[current..].iter().position(|&b| b == start || b == end) {
        current += index;
        if name[current] == start {
            nesting += 1;
            if nesting == 1 {
                first = current;
            }
        } else {
            nesting -= 1;
            if nesting < 0 {
                return name;
            }
            if nesting == 0 {
                name.drain(first..=current);
                current = first;
                continue;
            }
        }
        current += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_like_pprofs_symbolizer() {
        for (name, want) in [
            // Go names without brackets are never touched.
            ("main.(*Server).handle", "main.(*Server).handle"),
            ("main.main.func1", "main.main.func1"),
            // Methods of generic types keep everything (`]).`).
            ("pkg.(*List[...]).Push", "pkg.(*List[...]).Push"),
            // Instantiations lose their parenthesized parts only.
            (
                "loser.New[go.shape.uint64,go.shape.interface { At() uint64; Err() error }]",
                "loser.New[go.shape.uint64,go.shape.interface { At uint64; Err error }]",
            ),
            (
                "d.filter[go.shape.interface { Receive() (*v1.Req, error); Send(*v1.Resp) error }]",
                "d.filter[go.shape.interface { Receive ; Send error }]",
            ),
            (
                "go-duckdb.(*vector).init.initNumeric[go.shape.int64].func14",
                "go-duckdb..init.initNumeric[go.shape.int64].func14",
            ),
            ("slices.Sort[...]", "slices.Sort[...]"),
            // C++ as the runtime prints it, templates and parameters cut.
            (
                "std::vector<int>::push_back(int const&)",
                "std::vector::push_back",
            ),
            // An unbalanced `)` aborts that pass; a `<` left open stays.
            ("f[a)b(c]", "f[a)b(c]"),
            ("f[chan<- int](x)", "f[chan<- int]"),
            // Java's `class.<init>` is not C++.
            ("java.util.HashMap.<init>", "java.util.HashMap.<init>"),
        ] {
            assert_eq!(clean_name(name), want, "{name}");
        }
    }
}
