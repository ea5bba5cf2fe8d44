fn main() {
    let path = std::env::args().nth(1).unwrap();
    let p = leakscope_core::decode(&std::fs::read(&path).unwrap()).unwrap();
    let frames: usize = p.samples.iter().map(|s| s.locations.len()).sum();
    let lines: usize = p.locations.iter().map(|l| l.lines.len()).sum();
    let nl: usize = p.samples.iter().map(|s| s.labels.nums.len()).sum();
    let l: usize = p.samples.iter().map(|s| s.labels.strs.len()).sum();
    let fstr: usize = p.functions.iter().map(|f| f.name.len() + f.system_name.len() + f.filename.len()).sum();
    println!("samples {} frames {} values/sample {} locations {} lines {} functions {} fstrbytes {} labels {} numlabels {}", p.samples.len(), frames, p.sample_types.len(), p.locations.len(), lines, p.functions.len(), fstr, l, nl);
    println!("sizeof Sample {} Location {} Function {} Line {}", std::mem::size_of::<leakscope_core::profile::Sample>(), std::mem::size_of::<leakscope_core::profile::Location>(), std::mem::size_of::<leakscope_core::profile::Function>(), std::mem::size_of::<leakscope_core::profile::Line>());
}
