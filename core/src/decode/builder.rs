//! Builds a [`Profile`] from text formats: interns functions and locations
//! so that the same frame printed twice becomes one Location, as in a
//! protobuf profile of the same moment.

use crate::profile::*;
use std::collections::HashMap;
use std::sync::Arc;

/// A sample as the builder dedups it: its location indexes and labels.
type SampleKey = (Vec<u32>, Vec<(String, String)>);

#[derive(Default)]
pub struct Builder {
    pub profile: Profile,
    functions: HashMap<(Arc<str>, Arc<str>), u32>,
    locations: HashMap<(u64, Vec<Line>), u32>,
    samples: HashMap<SampleKey, u32>,
    label_sets: LabelSets,
}

impl Builder {
    pub fn new(sample_types: &[(&str, &str)], format: SourceFormat) -> Self {
        let mut b = Builder::default();
        b.profile.sample_types = sample_types
            .iter()
            .map(|(t, u)| ValueType {
                r#type: t.to_string(),
                unit: u.to_string(),
            })
            .collect();
        b.profile.format = Some(format);
        b
    }

    pub fn function(&mut self, name: &str, file: &str) -> u32 {
        let key: (Arc<str>, Arc<str>) = (name.into(), file.into());
        if let Some(&i) = self.functions.get(&key) {
            return i;
        }
        let i = self.profile.functions.len() as u32;
        self.profile.functions.push(Function {
            id: i as u64 + 1,
            name: key.0.clone(),
            system_name: key.0.clone(),
            filename: key.1.clone(),
            start_line: 0,
        });
        self.functions.insert(key, i);
        i
    }

    /// `frames` is innermost first, as in a Location's lines.
    pub fn location(&mut self, address: u64, frames: &[(String, String, i64)]) -> u32 {
        let lines: Vec<Line> = frames
            .iter()
            .map(|(f, file, line)| Line {
                function: self.function(f, file),
                line: *line,
                column: 0,
            })
            .collect();
        let key = (address, lines);
        if let Some(&i) = self.locations.get(&key) {
            return i;
        }
        let i = self.profile.locations.len() as u32;
        self.profile.locations.push(Location {
            id: i as u64 + 1,
            mapping: None,
            address,
            lines: key.1.as_slice().into(),
            is_folded: false,
        });
        self.locations.insert(key, i);
        i
    }

    /// Adds `values` to the sample with this stack and these labels,
    /// creating it if new; returns the sample index.
    pub fn add_sample(
        &mut self,
        locations: Vec<u32>,
        labels: Vec<(String, String)>,
        values: &[i64],
    ) -> u32 {
        let key = (locations, labels);
        if let Some(&i) = self.samples.get(&key) {
            for (a, b) in self
                .profile
                .samples
                .values_mut(i as usize)
                .iter_mut()
                .zip(values)
            {
                *a += b;
            }
            return i;
        }
        let i = self.profile.samples.len() as u32;
        let labels = self.label_sets.intern(LabelSet::new(key.1.clone(), vec![]));
        self.profile.samples.push(&key.0, values, labels);
        self.samples.insert(key, i);
        i
    }

    /// Adds a sample that is never merged with another (legacy formats list
    /// each record once, and pprof keeps them apart).
    pub fn push_sample(
        &mut self,
        locations: Vec<u32>,
        values: Vec<i64>,
        num_labels: Vec<NumLabel>,
    ) {
        let labels = self.label_sets.intern(LabelSet::new(vec![], num_labels));
        self.profile.samples.push(&locations, &values, labels);
    }

    pub fn finish(self) -> Profile {
        self.profile
    }
}

/// Parses `#\t0xADDR\tFUNC+0xOFF\tFILE:LINE` (debug=1 stack comment lines).
/// Returns (address, function, file, line); function is empty when the
/// runtime could not symbolize the PC. Tabs that became spaces (a profile
/// pasted through an editor or a chat) read the same: the address is the
/// first word, `FILE:LINE` the last, the function what lies between
/// (generic instantiations hold spaces). `None` for any other comment.
pub fn parse_pc_comment(line: &str) -> Option<(u64, String, String, i64)> {
    let rest = line.strip_prefix('#')?.trim();
    let (addr, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let addr = parse_hex(addr)?;
    let rest = rest.trim();
    if rest.is_empty() {
        return Some((addr, String::new(), String::new(), 0));
    }
    let (func, file_line) = if rest.contains('\t') {
        let mut parts = rest.split('\t').map(str::trim).filter(|s| !s.is_empty());
        (parts.next().unwrap_or(""), parts.next())
    } else {
        match rest.rsplit_once(char::is_whitespace) {
            Some((f, fl)) if split_file_line(fl).1 != 0 => (f.trim(), Some(fl)),
            _ => (rest, None),
        }
    };
    let func = match func.rfind("+0x") {
        Some(i) => &func[..i],
        None => func,
    };
    let (file, line) = match file_line {
        Some(fl) => split_file_line(fl.trim()),
        None => (String::new(), 0),
    };
    Some((addr, func.trim().to_string(), file, line))
}

pub fn parse_hex(s: &str) -> Option<u64> {
    u64::from_str_radix(s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?, 16).ok()
}

/// `path/file.go:123` -> (path/file.go, 123). A path without a line keeps 0.
pub fn split_file_line(s: &str) -> (String, i64) {
    match s.rfind(':') {
        Some(i) => match s[i + 1..].parse::<i64>() {
            Ok(n) => (s[..i].to_string(), n),
            Err(_) => (s.to_string(), 0),
        },
        None => (s.to_string(), 0),
    }
}

/// Groups the `#` frame lines of one debug=1 record onto the record's PCs.
/// Frames share a PC when the runtime expanded inlined calls; PCs with no
/// frame line (runtime frames Go hides at the top of the stack, and
/// runtime.goexit at the bottom) are left out, as they carry no name.
pub fn locations_from_pcs(
    b: &mut Builder,
    pcs: &[u64],
    frames: &[(u64, String, String, i64)],
) -> Vec<u32> {
    if frames.is_empty() {
        // An unsymbolized record (older Go, C++): keep every PC as an
        // address-only location, like pprof, at pc-1 (the call itself).
        return pcs
            .iter()
            .map(|&pc| b.location(pc.wrapping_sub(1), &[]))
            .collect();
    }
    let mut locs = Vec::new();
    let mut fi = 0;
    for &pc in pcs {
        // The `@` list holds return addresses; the frame lines print pc-1.
        let mut group = Vec::new();
        while fi < frames.len() && (frames[fi].0 == pc.wrapping_sub(1) || frames[fi].0 == pc) {
            let (_, f, file, line) = &frames[fi];
            group.push((f.clone(), file.clone(), *line));
            fi += 1;
        }
        if group.is_empty() {
            continue;
        }
        if group.iter().all(|g| g.0.is_empty()) {
            locs.push(b.location(pc.wrapping_sub(1), &[]));
        } else {
            locs.push(b.location(pc.wrapping_sub(1), &group));
        }
    }
    locs
}
