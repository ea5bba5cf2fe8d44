//! Arbitrary bytes through every decoder (profile.proto, gzip, goroutine
//! dumps, legacy text; and, read as text, a permalink), then every report
//! on what decodes (top, traces, list, the flame graph both ways), the
//! leak analysis, the goroutine explorer (both similarity levels) and the
//! memory triage: nothing may panic, hang or run out of memory.
#![no_main]
use leakscope_core::report::list::{self, DroppedSources};
use leakscope_core::report::{flame, top, traces, View};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(link) = std::str::from_utf8(data) {
        let _ = leakscope_core::permalink::decode(link);
    }
    let limits = leakscope_core::Limits {
        max_decompressed: 16 << 20,
    };
    if let Ok(p) = leakscope_core::decode_with(data, limits, &mut |_| {}) {
        for i in 0..p.sample_types.len() {
            let v = View::new(&p, i);
            let _ = top::top(&v, &Default::default());
            let _ = traces::traces(&v);
            let _ = flame::flame(&v, false);
            let _ = flame::flame(&v, true);
            let mut none = DroppedSources { files: Vec::new() };
            let _ = list::list(&v, ".", &mut none);
        }
        let _ = leakscope_core::leak::analyze(&[("fuzz", &p)]);
        use leakscope_core::goroutines::{explore, Similarity, Sort};
        for sim in [Similarity::Exact, Similarity::AnyLine] {
            if let Ok(ex) = explore(&[("a", &p), ("b", &p)], sim) {
                let _ = ex.view(1, Sort::Growth, "main", 10);
                let _ = leakscope_core::goroutines::format_text(&ex);
            }
        }
        let r = leakscope_core::memory::triage(&[("heap-1", &p)]);
        let _ = leakscope_core::memory::format_text(&r);
    }
});
