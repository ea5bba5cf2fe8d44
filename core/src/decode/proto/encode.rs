//! The encoder: a model written back as profile.proto (tests and the
//! benchmark generator).

use super::messages::*;
use crate::profile::*;
use std::collections::HashMap;

/// Encodes a model back into profile.proto bytes (used by tests and the
/// benchmark generator; ids are written as index + 1).
pub fn encode_proto(p: &Profile) -> Vec<u8> {
    let mut table: Vec<Vec<u8>> = vec![Vec::new()];
    let mut ix: HashMap<String, i64> = HashMap::new();
    ix.insert(String::new(), 0);
    let mut s = |v: &str| -> i64 {
        if let Some(&i) = ix.get(v) {
            return i;
        }
        let i = table.len() as i64;
        table.push(crate::text::to_bytes(v).into_owned());
        ix.insert(v.to_string(), i);
        i
    };
    let mut pb = PbProfile {
        sample_type: p
            .sample_types
            .iter()
            .map(|v| PbValueType {
                r#type: s(&v.r#type),
                unit: s(&v.unit),
            })
            .collect(),
        ..Default::default()
    };
    for m in &p.mappings {
        pb.mapping.push(PbMapping {
            id: m.id,
            memory_start: m.start,
            memory_limit: m.limit,
            file_offset: m.offset,
            filename: s(&m.file),
            build_id: s(&m.build_id),
            has_functions: m.has_functions,
            has_filenames: m.has_filenames,
            has_line_numbers: m.has_line_numbers,
            has_inline_frames: m.has_inline_frames,
        });
    }
    for (i, f) in p.functions.iter().enumerate() {
        pb.function.push(PbFunction {
            id: i as u64 + 1,
            name: s(&f.name),
            system_name: s(&f.system_name),
            filename: s(&f.filename),
            start_line: f.start_line,
        });
    }
    for (i, l) in p.locations.iter().enumerate() {
        pb.location.push(PbLocation {
            id: i as u64 + 1,
            mapping_id: l.mapping.map(|m| p.mappings[m as usize].id).unwrap_or(0),
            address: l.address,
            line: l
                .lines
                .iter()
                .map(|ln| PbLine {
                    function_id: ln.function as u64 + 1,
                    line: ln.line,
                    column: ln.column.into(),
                })
                .collect(),
            is_folded: l.is_folded,
        });
    }
    for smp in &p.samples {
        let mut label: Vec<PbLabel> = smp
            .labels
            .strs
            .iter()
            .map(|(k, v)| PbLabel {
                key: s(k),
                str: s(v),
                num: 0,
                num_unit: 0,
            })
            .collect();
        label.extend(smp.labels.nums.iter().map(|n| PbLabel {
            key: s(&n.key),
            str: 0,
            num: n.value,
            num_unit: s(&n.unit),
        }));
        pb.sample.push(PbSample {
            location_id: smp.locations.iter().map(|l| l as u64 + 1).collect(),
            value: smp.values.to_vec(),
            label,
        });
    }
    pb.drop_frames = s(&p.drop_frames);
    pb.keep_frames = s(&p.keep_frames);
    pb.time_nanos = p.time_nanos;
    pb.duration_nanos = p.duration_nanos;
    pb.period_type = p.period_type.as_ref().map(|v| PbValueType {
        r#type: s(&v.r#type),
        unit: s(&v.unit),
    });
    pb.period = p.period;
    pb.comment = p.comments.iter().map(|c| s(c)).collect();
    pb.default_sample_type = s(&p.default_sample_type);
    pb.string_table = table;
    prost::Message::encode_to_vec(&pb)
}
