//! What a decoded profile's model holds, part by part (payload bytes, not
//! counting allocator overhead): where the worker's memory goes.
use leakscope_core::profile::{Function, Line, Location};
use std::collections::HashSet;
use std::mem::size_of;

fn main() {
    let path = std::env::args().nth(1).expect("usage: model_size PROFILE");
    let p = leakscope_core::decode(&std::fs::read(&path).unwrap()).unwrap();
    let frames: usize = p.samples.iter().map(|s| s.locations.len()).sum();
    let values: usize = p.samples.iter().map(|s| s.values.len()).sum();
    let lines: usize = p.locations.iter().map(|l| l.lines.len()).sum();
    let sets: HashSet<*const _> = p
        .samples
        .iter()
        .map(|s| std::sync::Arc::as_ptr(s.labels))
        .collect();
    // Names are shared (`Arc<str>`): each distinct allocation once.
    let names: HashSet<*const u8> = p
        .functions
        .iter()
        .flat_map(|f| [&f.name, &f.system_name, &f.filename])
        .filter(|s| !s.is_empty())
        .map(|s| s.as_ptr())
        .collect();
    let mut seen = HashSet::new();
    let strs: usize = p
        .functions
        .iter()
        .flat_map(|f| [&f.name, &f.system_name, &f.filename])
        .filter(|s| !s.is_empty() && seen.insert(s.as_ptr()))
        .map(|s| s.len() + 2 * size_of::<usize>())
        .sum();
    let mb = |b: usize| format!("{:6.1} MB", b as f64 / 1e6);
    println!("{path}: {} samples, {frames} frames, {} locations, {lines} lines, {} functions, {} label sets", p.samples.len(), p.locations.len(), p.functions.len(), sets.len());
    // By column: a frame end and a label-set handle per sample.
    println!(
        "  sample records      {}",
        mb(p.samples.len() * (size_of::<u32>() + size_of::<std::sync::Arc<()>>()))
    );
    // Packed 3 bytes each while every location index fits in 24 bits.
    let width = if p.locations.len() <= 1 << 24 { 3 } else { 4 };
    println!("  frames ({width} B each)   {}", mb(frames * width));
    println!("  values              {}", mb(values * 8));
    println!(
        "  locations + lines   {}",
        mb(p.locations.len() * size_of::<Location>() + lines * size_of::<Line>())
    );
    println!(
        "  functions + names   {}",
        mb(p.functions.len() * size_of::<Function>() + strs)
    );
    println!(
        "  allocations         {} (samples: one per column; one per location's lines, per distinct name)",
        4 + p.locations.len() + names.len()
    );
}
