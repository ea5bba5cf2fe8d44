//! Every decoder and every report on arbitrary bytes: nothing may panic.
#![no_main]
use leakscope_core::report::{flame, top, traces, View};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = leakscope_core::Limits { max_decompressed: 16 << 20 };
    if let Ok(p) = leakscope_core::decode_with(data, limits, &mut |_| {}) {
        for i in 0..p.sample_types.len() {
            let v = View::new(&p, i);
            let _ = top::top(&v, &Default::default());
            let _ = traces::traces(&v);
            let _ = flame::flame(&v, true);
        }
        let _ = leakscope_core::leak::analyze(&[("fuzz", &p)]);
    }
});
