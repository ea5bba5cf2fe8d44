//! Conversion into the model: every id and string index checked, ids made
//! dense indexes, function strings shared.

use super::messages::*;
use super::store::{RawLocations, RawSamples};
use crate::error::DecodeError;
use crate::profile::*;
use std::collections::HashMap;
use std::sync::Arc;

/// The string table, read whole (entries are moved out into functions).
pub(super) struct Strings(pub Vec<String>);

impl Strings {
    /// A function's string, shared: the first use moves it out of the
    /// table, and a string that more fields use (a file name, a system
    /// name equal to the name) is kept once in `shared` and cloned from
    /// there.
    fn take_shared(
        &mut self,
        idx: i64,
        what: &str,
        uses: &[u32],
        shared: &mut HashMap<usize, Arc<str>>,
    ) -> Result<Arc<str>, DecodeError> {
        let empty = self.get_ref(idx, what)?.is_empty(); // checks idx
        let i = idx as usize;
        // Shared ones first: the table's entry is empty once moved out.
        if let Some(s) = shared.get(&i) {
            return Ok(s.clone());
        }
        if empty {
            return Ok(Arc::default()); // allocation-free
        }
        let s: Arc<str> = Arc::from(std::mem::take(&mut self.0[i]));
        if uses[i] > 1 {
            shared.insert(i, s.clone());
        }
        Ok(s)
    }

    fn get_ref(&self, idx: i64, what: &str) -> Result<&String, DecodeError> {
        usize::try_from(idx)
            .ok()
            .and_then(|i| self.0.get(i))
            .ok_or_else(|| {
                DecodeError::Invalid(format!(
                    "{what} refers to string index {idx}, but the string table has {} entries",
                    self.0.len()
                ))
            })
    }

    fn get(&self, idx: i64, what: &str) -> Result<String, DecodeError> {
        self.get_ref(idx, what).cloned()
    }
}

/// File ids to dense indexes. Writers almost always number 1..=n in order:
/// then the index is `id - 1` and no map is built (a map lookup per frame
/// is a large share of converting a big profile).
enum Ids {
    Dense(usize),
    Map(HashMap<u64, u32>),
}

impl Ids {
    #[inline(always)]
    fn get(&self, id: u64) -> Option<u32> {
        match self {
            Ids::Dense(n) => {
                if id != 0 && id as usize <= *n {
                    Some((id - 1) as u32)
                } else {
                    None
                }
            }
            Ids::Map(m) => m.get(&id).copied(),
        }
    }
}

/// Maps file ids to dense indexes; rejects 0 and duplicates.
fn index_ids(ids: impl Iterator<Item = u64>, what: &str) -> Result<Ids, DecodeError> {
    let ids: Vec<u64> = ids.collect();
    if ids.iter().enumerate().all(|(i, &id)| id == i as u64 + 1) {
        return Ok(Ids::Dense(ids.len()));
    }
    let mut m = HashMap::new();
    for (i, id) in ids.into_iter().enumerate() {
        if id == 0 {
            return Err(DecodeError::Invalid(format!("{what} #{i} has id 0")));
        }
        if m.insert(id, i as u32).is_some() {
            return Err(DecodeError::Invalid(format!("duplicate {what} id {id}")));
        }
    }
    Ok(Ids::Map(m))
}

/// The profile as read, checked and resolved into the model.
pub(super) fn convert(
    pb: PbProfile,
    strings: Strings,
    locs: RawLocations,
    raw: RawSamples,
) -> Result<Profile, DecodeError> {
    if let Some(first) = strings.0.first() {
        if !first.is_empty() {
            return Err(DecodeError::Invalid(
                "string table must start with the empty string".into(),
            ));
        }
    } else if !(raw.samples.is_empty() && pb.sample_type.is_empty()) {
        return Err(DecodeError::Invalid("the string table is empty".into()));
    }
    let vt = |v: &PbValueType, what: &str| -> Result<ValueType, DecodeError> {
        Ok(ValueType {
            r#type: strings.get(v.r#type, what)?,
            unit: strings.get(v.unit, what)?,
        })
    };
    let sample_types = pb
        .sample_type
        .iter()
        .map(|v| vt(v, "a sample type"))
        .collect::<Result<Vec<_>, _>>()?;

    let mapping_ix = index_ids(pb.mapping.iter().map(|m| m.id), "mapping")?;
    let mappings = pb
        .mapping
        .iter()
        .map(|m| {
            Ok(Mapping {
                id: m.id,
                start: m.memory_start,
                limit: m.memory_limit,
                offset: m.file_offset,
                file: strings.get(m.filename, "a mapping's file name")?,
                build_id: strings.get(m.build_id, "a mapping's build id")?,
                has_functions: m.has_functions,
                has_filenames: m.has_filenames,
                has_line_numbers: m.has_line_numbers,
                has_inline_frames: m.has_inline_frames,
            })
        })
        .collect::<Result<Vec<_>, DecodeError>>()?;

    let function_ix = index_ids(pb.function.iter().map(|f| f.id), "function")?;

    let location_ix = index_ids(locs.locations.iter().map(|l| l.id), "location")?;
    // The locations become the model's in place: ids mapped to indexes.
    let mut locations = locs.locations;
    let mut wide = locs.wide_functions.into_iter().peekable();
    for (li, (l, &mapping_id)) in locations.iter_mut().zip(&locs.mapping_ids).enumerate() {
        l.mapping = match mapping_id {
            0 => None,
            id => Some(mapping_ix.get(id).ok_or_else(|| {
                DecodeError::Invalid(format!(
                    "location {} refers to mapping id {id}, which does not exist",
                    l.id
                ))
            })?),
        };
        for (i, ln) in l.lines.iter_mut().enumerate() {
            let id = match wide.peek() {
                Some(&(wl, wi, id)) if wl as usize == li && wi as usize == i => {
                    wide.next();
                    id
                }
                _ => ln.function as u64,
            };
            ln.function = function_ix.get(id).ok_or_else(|| {
                DecodeError::Invalid(format!(
                    "location {} refers to function id {id}, which does not exist",
                    l.id
                ))
            })?;
        }
    }
    drop(locs.mapping_ids);

    let mut interned = raw.interned;
    let mut sets = Vec::with_capacity(raw.sets.len());
    for set in &raw.sets {
        let mut labels = Vec::new();
        let mut num_labels = Vec::new();
        for l in set {
            let key = strings.get(l.key, "a label key")?;
            if l.str != 0 {
                labels.push((key, strings.get(l.str, "a label value")?));
            } else if l.num != 0 || l.num_unit != 0 {
                num_labels.push(NumLabel {
                    key,
                    value: l.num,
                    unit: strings.get(l.num_unit, "a label unit")?,
                });
            }
        }
        sets.push(interned.intern(LabelSet::new(labels, num_labels)));
    }
    // The samples become the model's in place: ids mapped to indexes.
    let mut samples = raw.samples;
    let mut wide = raw.wide.into_iter().peekable();
    for (si, &set) in raw.label_sets.iter().enumerate() {
        let missing = |id: u64| {
            DecodeError::Invalid(format!(
                "sample #{si} refers to location id {id}, which does not exist"
            ))
        };
        if wide.peek().is_some_and(|(i, _)| *i == si) {
            let (_, w) = wide.next().unwrap_or_default();
            samples.map_locations(si, |k, _| {
                let id = w[k];
                location_ix.get(id).ok_or_else(|| missing(id))
            })?;
        } else {
            samples.map_locations(si, |_, id| match location_ix.get(id as u64) {
                Some(ix) => Ok(ix),
                None => Err(missing(id as u64)),
            })?;
        }
        if let Some(l) = sets.get(set as usize) {
            samples.set_labels(si, l.clone());
        }
    }
    // File ids past 2^24 made every frame 4 bytes; indexes rarely need it.
    samples.narrow();

    let comments = pb
        .comment
        .iter()
        .map(|&c| strings.get(c, "a comment"))
        .collect::<Result<Vec<_>, _>>()?;
    let default_sample_type = strings.get(pb.default_sample_type, "the default sample type")?;
    let drop_frames = strings.get(pb.drop_frames, "drop_frames")?;
    let keep_frames = strings.get(pb.keep_frames, "keep_frames")?;
    let period_type = pb
        .period_type
        .as_ref()
        .map(|v| vt(v, "the period type"))
        .transpose()?;
    // Functions last, the table's last readers: a string is moved out
    // of the table into the first function that names it and shared by
    // the others (no name is copied while the table still holds it).
    let mut uses = vec![0u32; strings.0.len()];
    for f in &pb.function {
        for i in [f.name, f.system_name, f.filename] {
            if let Some(u) = usize::try_from(i).ok().and_then(|i| uses.get_mut(i)) {
                *u += 1;
            }
        }
    }
    let mut strings = strings;
    let mut shared = HashMap::default();
    let mut functions = Vec::with_capacity(pb.function.len());
    for f in &pb.function {
        let mut take = |i, what| strings.take_shared(i, what, &uses, &mut shared);
        functions.push(Function {
            id: f.id,
            name: take(f.name, "a function name")?,
            system_name: take(f.system_name, "a function's system name")?,
            filename: take(f.filename, "a function's file name")?,
            start_line: f.start_line,
        });
    }
    drop(strings);
    drop(shared);
    Ok(Profile {
        sample_types,
        default_sample_type,
        samples,
        locations,
        functions,
        mappings,
        drop_frames,
        keep_frames,
        time_nanos: pb.time_nanos,
        duration_nanos: pb.duration_nanos,
        period_type,
        period: pb.period,
        comments,
        goroutines: Vec::new(),
        format: Some(SourceFormat::Proto),
        kind_hint: String::new(),
        memstats: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::proto::encode_proto;

    #[test]
    fn function_strings_are_shared_not_copied() {
        let f = |name: &str, system_name: &str, filename: &str| Function {
            id: 0,
            name: name.into(),
            system_name: system_name.into(),
            filename: filename.into(),
            start_line: 0,
        };
        let p = Profile {
            functions: vec![
                f("main.a", "main.a", "x.go"),
                f("main.b", "", "x.go"),
                f("x.go", "main.c", "y.go"), // a file's name used as a name
                f("main.c", "main.c", "x.go"),
            ],
            ..Default::default()
        };
        // encode_proto writes each distinct string once, as Go does.
        let got = crate::decode::decode(&encode_proto(&p)).unwrap().functions;
        let text = |f: &Function| [&f.name, &f.system_name, &f.filename].map(|s| s.to_string());
        assert_eq!(
            got.iter().map(text).collect::<Vec<_>>(),
            p.functions.iter().map(text).collect::<Vec<_>>()
        );
        // One allocation per distinct string, whichever field reads it.
        assert!(Arc::ptr_eq(&got[0].name, &got[0].system_name));
        assert!(Arc::ptr_eq(&got[0].filename, &got[1].filename));
        assert!(Arc::ptr_eq(&got[0].filename, &got[2].name));
        assert!(Arc::ptr_eq(&got[0].filename, &got[3].filename));
        assert!(Arc::ptr_eq(&got[2].system_name, &got[3].name));
        assert!(Arc::ptr_eq(&got[3].name, &got[3].system_name));
    }

    #[test]
    fn a_real_profile_shares_each_function_name_with_its_system_name() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/go/h1-substring-retention/heap-3.pb.gz"
        ))
        .unwrap();
        let p = crate::decode::decode(&bytes).unwrap();
        assert!(p.functions.len() > 10);
        for f in &p.functions {
            assert_eq!(f.name, f.system_name);
            assert!(Arc::ptr_eq(&f.name, &f.system_name), "{}", f.name);
        }
    }
}
