//! Generates large, realistic, deterministic inputs for the benchmarks:
//! a CPU profile.proto with ~200k distinct stacks, a heap profile with 4
//! sample types and ~300k samples, and a goroutine dump of 100k goroutines
//! (debug=2 and debug=1 text with labels, and profile.proto).

use leakscope_core::profile::*;

/// xorshift64*: deterministic, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    v.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    v.extend(crc32fast::hash(data).to_le_bytes());
    v.extend((data.len() as u32).to_le_bytes());
    v
}

/// A CPU profile: `stacks` distinct stacks of depth 20..60 over `locations`
/// locations (about 1 in 8 holds 2-3 inlined lines), with a `phase` label.
pub fn cpu_profile(stacks: usize, locations: usize, seed: u64) -> Profile {
    let mut r = Rng::new(seed);
    let nfunc = locations / 4;
    let functions: Vec<Function> = (0..nfunc)
        .map(|i| Function {
            id: i as u64 + 1,
            name: format!(
                "github.com/acme/service/pkg{}.(*Type{}).Method{}",
                i % 97,
                i % 13,
                i
            )
            .into(),
            system_name: "".into(),
            filename: format!("github.com/acme/service/pkg{}/file{}.go", i % 97, i % 7).into(),
            start_line: 0,
        })
        .collect();
    let locs: Vec<Location> = (0..locations)
        .map(|i| {
            let inl = if r.below(8) == 0 {
                1 + r.below(2) as usize
            } else {
                0
            };
            let lines = (0..=inl)
                .map(|_| Line {
                    function: r.below(nfunc as u64) as u32,
                    line: 1 + r.below(2000) as i64,
                    column: 0,
                })
                .collect();
            Location {
                id: i as u64 + 1,
                mapping: Some(0),
                address: 0x400000 + 16 * i as u64,
                lines,
                is_folded: false,
            }
        })
        .collect();
    // Stacks share prefixes like real programs: a few hundred entry paths.
    let trunks: Vec<Vec<u32>> = (0..400)
        .map(|_| (0..12).map(|_| r.below(locations as u64) as u32).collect())
        .collect();
    let phases = ["fib", "sort", "json", "gc", "io"];
    let mut sets = LabelSets::default();
    let samples = (0..stacks)
        .map(|_| {
            let depth = 20 + r.below(41) as usize;
            let trunk = &trunks[r.below(trunks.len() as u64) as usize];
            let mut st: Vec<u32> = (0..depth - trunk.len())
                .map(|_| r.below(locations as u64) as u32)
                .collect();
            st.extend(trunk.iter().rev()); // leaf first, trunk at the root end
            let n = 1 + r.below(5) as i64;
            Sample {
                locations: st,
                values: vec![n, n * 10_000_000],
                labels: sets.intern(LabelSet::new(
                    vec![("phase".into(), phases[r.below(5) as usize].into())],
                    vec![],
                )),
            }
        })
        .collect();
    Profile {
        sample_types: vec![
            ValueType {
                r#type: "samples".into(),
                unit: "count".into(),
            },
            ValueType {
                r#type: "cpu".into(),
                unit: "nanoseconds".into(),
            },
        ],
        samples,
        locations: locs,
        functions,
        mappings: vec![Mapping {
            id: 1,
            start: 0x400000,
            limit: 0x4000000,
            file: "/usr/local/bin/service".into(),
            has_functions: true,
            has_filenames: true,
            has_line_numbers: true,
            has_inline_frames: true,
            ..Default::default()
        }],
        time_nanos: 1_795_704_120_000_000_000,
        duration_nanos: 30_000_000_000,
        period_type: Some(ValueType {
            r#type: "cpu".into(),
            unit: "nanoseconds".into(),
        }),
        period: 10_000_000,
        ..Default::default()
    }
}

/// A heap profile as `/debug/pprof/heap` writes it: alloc_objects,
/// alloc_space, inuse_objects, inuse_space over `n` samples of depth
/// 10..40 sharing prefixes, with sampled sizes like the runtime's.
pub fn heap_profile(n: usize, locations: usize, seed: u64) -> Profile {
    let mut p = cpu_profile(0, locations, seed);
    let mut r = Rng::new(seed ^ 0x5eed);
    let trunks: Vec<Vec<u32>> = (0..600)
        .map(|_| (0..8).map(|_| r.below(locations as u64) as u32).collect())
        .collect();
    let mut sets = LabelSets::default();
    p.samples = (0..n)
        .map(|_| {
            let depth = 10 + r.below(31) as usize;
            let trunk = &trunks[r.below(trunks.len() as u64) as usize];
            let mut st: Vec<u32> = (0..depth - trunk.len())
                .map(|_| r.below(locations as u64) as u32)
                .collect();
            st.extend(trunk.iter().rev());
            let size = [16, 32, 64, 128, 512, 4096, 32768][r.below(7) as usize];
            let objects = 1 + r.below(200) as i64;
            let live = if r.below(4) == 0 {
                objects / (1 + r.below(4) as i64)
            } else {
                0
            };
            Sample {
                locations: st,
                values: vec![objects, objects * size, live, live * size],
                labels: sets.intern(LabelSet::new(
                    vec![],
                    vec![NumLabel {
                        key: "bytes".into(),
                        value: size,
                        unit: String::new(),
                    }],
                )),
            }
        })
        .collect();
    p.sample_types = [
        "alloc_objects/count",
        "alloc_space/bytes",
        "inuse_objects/count",
        "inuse_space/bytes",
    ]
    .iter()
    .map(|t| {
        let (a, b) = t.split_once('/').unwrap();
        ValueType {
            r#type: a.into(),
            unit: b.into(),
        }
    })
    .collect();
    p.period_type = Some(ValueType {
        r#type: "space".into(),
        unit: "bytes".into(),
    });
    p.period = 524_288;
    p.duration_nanos = 0;
    p.default_sample_type = "inuse_space".into();
    p
}

/// A `?debug=1` goroutine dump of `n` goroutines at ~50 blocking sites,
/// carrying pprof labels (handler, tenant) as servers using
/// `pprof.Do` do: records are grouped by (stack, labels).
pub fn goroutine_debug1(n: usize, seed: u64) -> String {
    let mut r = Rng::new(seed);
    let mut groups: std::collections::BTreeMap<(usize, usize), i64> = Default::default();
    for _ in 0..n {
        let site = (r.below(50) as usize * r.below(50) as usize) / 50;
        let tenant = r.below(600) as usize;
        *groups.entry((site, tenant)).or_default() += 1;
    }
    let mut recs: Vec<((usize, usize), i64)> = groups.into_iter().collect();
    leakscope_core::order::sort_by_key(&mut recs, |&(k, c)| (-c, k));
    let mut out = format!("goroutine profile: total {n}\n");
    for ((site, tenant), count) in recs {
        let depth = 1 + site % 3;
        let pc = |i: usize| 0x6a0000 + site * 0x400 + i * 0x20;
        let pcs: Vec<String> = (0..depth + 4)
            .map(|i| format!("{:#x}", pc(i) + 1))
            .collect();
        out.push_str(&format!("{count} @ {}\n", pcs.join(" ")));
        out.push_str(&format!(
            "# labels: {{\"handler\":\"/api/v1/site{site}\", \"tenant\":\"tenant-{tenant:04}\"}}\n"
        ));
        out.push_str(&format!(
            "#\t{:#x}\truntime.gopark+0xce\t\t\t\truntime/proc.go:398\n",
            pc(0)
        ));
        out.push_str(&format!(
            "#\t{:#x}\truntime.chanrecv+0x2a5\t\t\truntime/chan.go:583\n",
            pc(1)
        ));
        out.push_str(&format!("#\t{:#x}\tgithub.com/acme/service/handlers.site{site}.func1+0x4a\tgithub.com/acme/service/handlers/site{site}.go:{}\n", pc(2), 20 + site));
        for d in 0..depth {
            out.push_str(&format!("#\t{:#x}\tgithub.com/acme/service/mw.layer{d}+0x3f\t\tgithub.com/acme/service/mw/mw.go:{}\n", pc(3 + d), 100 + d * 7));
        }
        out.push_str(&format!(
            "#\t{:#x}\tnet/http.HandlerFunc.ServeHTTP+0x2e\t\tnet/http/server.go:2109\n\n",
            pc(3 + depth)
        ));
    }
    out
}

/// A debug=2 dump of `n` goroutines parked at ~50 sites, shaped like a
/// real server's (handlers, pools, HTTP connections).
pub fn goroutine_dump(n: usize, seed: u64) -> String {
    let mut r = Rng::new(seed);
    let states = [
        "chan receive",
        "chan send",
        "select",
        "IO wait",
        "semacquire",
        "sync.WaitGroup.Wait",
        "sleep",
    ];
    let mut out = String::with_capacity(n * 560);
    for id in 0..n {
        let site = (r.below(50) as usize * r.below(50) as usize) / 50; // skewed
        let state = states[site % states.len()];
        let mins = if r.below(3) == 0 {
            format!(", {} minutes", 1 + r.below(90))
        } else {
            String::new()
        };
        out.push_str(&format!("goroutine {} [{state}{mins}]:\n", id + 1));
        out.push_str(&format!("github.com/acme/service/handlers.site{site}.func1(0xc000{:06x}, 0x{:x})\n\tgithub.com/acme/service/handlers/site{site}.go:{} +0x{:x}\n", r.below(1 << 24), r.below(1 << 16), 20 + site, 0x30 + site));
        for d in 0..(1 + site % 3) {
            out.push_str(&format!("github.com/acme/service/mw.layer{d}(0xc000{:06x}, {{0x{:x}, 0xc000{:06x}}})\n\tgithub.com/acme/service/mw/mw.go:{} +0x{:x}\n", r.below(1 << 24), r.below(1 << 20), r.below(1 << 24), 100 + d * 7, 0x40 + d));
        }
        out.push_str("net/http.HandlerFunc.ServeHTTP(0xc0001a2b40?, {0x8a3ee8?, 0xc000242000?}, 0x0?)\n\tnet/http/server.go:2109 +0x2f\n");
        out.push_str(&format!("created by github.com/acme/service/handlers.site{site}\n\tgithub.com/acme/service/handlers/site{site}.go:{} +0x1d\n\n", 18 + site));
    }
    out
}

/// A global allocator that counts live heap bytes and their peak, for the
/// examples that report memory: the peak is what the worker's wasm memory
/// (which never shrinks) must hold at least.
pub mod heap {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    pub struct Counting;
    static LIVE: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);

    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, l: Layout) -> *mut u8 {
            let n = LIVE.fetch_add(l.size(), Relaxed) + l.size();
            PEAK.fetch_max(n, Relaxed);
            unsafe { System.alloc(l) }
        }
        unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
            LIVE.fetch_sub(l.size(), Relaxed);
            unsafe { System.dealloc(p, l) }
        }
        unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
            // Old and new blocks may both be live while the bytes move.
            let n = LIVE.fetch_add(new, Relaxed) + new;
            PEAK.fetch_max(n, Relaxed);
            LIVE.fetch_sub(l.size(), Relaxed);
            unsafe { System.realloc(p, l, new) }
        }
    }

    /// Starts a step: its peak is measured from what is live now.
    pub fn step() {
        PEAK.store(LIVE.load(Relaxed), Relaxed);
    }

    /// Live heap bytes now and at their peak since [`step`], in MB.
    pub fn report() -> String {
        format!(
            "live {:.0} MB, peak {:.0} MB",
            LIVE.load(Relaxed) as f64 / 1e6,
            PEAK.load(Relaxed) as f64 / 1e6
        )
    }
}
