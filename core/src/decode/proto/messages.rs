//! profile.proto's messages (github.com/google/pprof/proto/profile.proto)
//! as prost structs. `PbSample` implements prost's `Message` by hand, to
//! hold its location ids narrow; the decoder reads samples with
//! `sample::merge_sample` and checks it against this
//! implementation.

/// `Profile`: the top-level message.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PbProfile {
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<PbValueType>,
    #[prost(message, repeated, tag = "2")]
    pub sample: Vec<PbSample>,
    #[prost(message, repeated, tag = "3")]
    pub mapping: Vec<PbMapping>,
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<PbLocation>,
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<PbFunction>,
    // bytes, not string: a profile with a stray invalid UTF-8 name should
    // still open (pprof's Go decoder does not check either).
    #[prost(bytes = "vec", repeated, tag = "6")]
    pub string_table: Vec<Vec<u8>>,
    #[prost(int64, tag = "7")]
    pub drop_frames: i64,
    #[prost(int64, tag = "8")]
    pub keep_frames: i64,
    #[prost(int64, tag = "9")]
    pub time_nanos: i64,
    #[prost(int64, tag = "10")]
    pub duration_nanos: i64,
    #[prost(message, optional, tag = "11")]
    pub period_type: Option<PbValueType>,
    #[prost(int64, tag = "12")]
    pub period: i64,
    #[prost(int64, repeated, tag = "13")]
    pub comment: Vec<i64>,
    #[prost(int64, tag = "14")]
    pub default_sample_type: i64,
}

/// `ValueType`: a sample type or the period type (string indexes).
#[derive(Clone, PartialEq, prost::Message)]
pub struct PbValueType {
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    #[prost(int64, tag = "2")]
    pub unit: i64,
}

/// A sample's location ids: 4 bytes each while every id fits in u32 (as
/// writers number them 1..n), else 8. Half the memory of the decoded
/// messages is these ids; the narrow vector then becomes the model's.
#[derive(Clone, PartialEq, Debug)]
pub enum LocationIds {
    Narrow(Vec<u32>),
    Wide(Vec<u64>),
}

impl Default for LocationIds {
    fn default() -> Self {
        LocationIds::Narrow(Vec::new())
    }
}

impl LocationIds {
    #[inline(always)]
    pub fn push(&mut self, id: u64) {
        match self {
            LocationIds::Narrow(v) => match u32::try_from(id) {
                Ok(n) => v.push(n),
                Err(_) => {
                    let mut w: Vec<u64> = v.iter().map(|&x| x as u64).collect();
                    w.push(id);
                    *self = LocationIds::Wide(w);
                }
            },
            LocationIds::Wide(w) => w.push(id),
        }
    }

    pub fn to_u64(&self) -> Vec<u64> {
        match self {
            LocationIds::Narrow(v) => v.iter().map(|&x| x as u64).collect(),
            LocationIds::Wide(w) => w.clone(),
        }
    }
}

impl FromIterator<u64> for LocationIds {
    fn from_iter<I: IntoIterator<Item = u64>>(it: I) -> Self {
        let mut out = LocationIds::default();
        for id in it {
            out.push(id);
        }
        out
    }
}

/// `Sample`: a stack (location ids, leaf first), its values and labels.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct PbSample {
    /// Field 1, `repeated uint64 location_id`.
    pub location_id: LocationIds,
    /// Field 2.
    pub value: Vec<i64>,
    /// Field 3.
    pub label: Vec<PbLabel>,
}

// By hand rather than derived, for the narrow ids; the wire format is
// prost's own (it decodes and checks every field).
impl prost::Message for PbSample {
    fn encode_raw(&self, buf: &mut impl prost::bytes::BufMut) {
        prost::encoding::uint64::encode_packed(1, &self.location_id.to_u64(), buf);
        prost::encoding::int64::encode_packed(2, &self.value, buf);
        prost::encoding::message::encode_repeated(3, &self.label, buf);
    }

    // Decoding reads samples with `merge_sample`; this is prost's own
    // decoding, kept plain: it is what the tests hold that reader to.
    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: prost::encoding::WireType,
        buf: &mut impl prost::bytes::Buf,
        ctx: prost::encoding::DecodeContext,
    ) -> Result<(), prost::DecodeError> {
        match tag {
            1 => {
                let mut ids = Vec::new();
                prost::encoding::uint64::merge_repeated(wire_type, &mut ids, buf, ctx)?;
                ids.into_iter().for_each(|id| self.location_id.push(id));
                Ok(())
            }
            2 => prost::encoding::int64::merge_repeated(wire_type, &mut self.value, buf, ctx),
            3 => prost::encoding::message::merge_repeated(wire_type, &mut self.label, buf, ctx),
            _ => prost::encoding::skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        prost::encoding::uint64::encoded_len_packed(1, &self.location_id.to_u64())
            + prost::encoding::int64::encoded_len_packed(2, &self.value)
            + prost::encoding::message::encoded_len_repeated(3, &self.label)
    }

    fn clear(&mut self) {
        *self = PbSample::default();
    }
}

/// `Label`: a string (`str`) or numeric (`num`, `num_unit`) label.
#[derive(Clone, PartialEq, Eq, Hash, prost::Message)]
pub struct PbLabel {
    #[prost(int64, tag = "1")]
    pub key: i64,
    #[prost(int64, tag = "2")]
    pub str: i64,
    #[prost(int64, tag = "3")]
    pub num: i64,
    #[prost(int64, tag = "4")]
    pub num_unit: i64,
}

/// `Mapping`: a mapped binary.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PbMapping {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(uint64, tag = "2")]
    pub memory_start: u64,
    #[prost(uint64, tag = "3")]
    pub memory_limit: u64,
    #[prost(uint64, tag = "4")]
    pub file_offset: u64,
    #[prost(int64, tag = "5")]
    pub filename: i64,
    #[prost(int64, tag = "6")]
    pub build_id: i64,
    #[prost(bool, tag = "7")]
    pub has_functions: bool,
    #[prost(bool, tag = "8")]
    pub has_filenames: bool,
    #[prost(bool, tag = "9")]
    pub has_line_numbers: bool,
    #[prost(bool, tag = "10")]
    pub has_inline_frames: bool,
}

/// `Location`: an address and its lines (inlined calls, innermost first).
#[derive(Clone, PartialEq, prost::Message)]
pub struct PbLocation {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(uint64, tag = "2")]
    pub mapping_id: u64,
    #[prost(uint64, tag = "3")]
    pub address: u64,
    #[prost(message, repeated, tag = "4")]
    pub line: Vec<PbLine>,
    #[prost(bool, tag = "5")]
    pub is_folded: bool,
}

/// `Line`: a function and a line in it.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PbLine {
    #[prost(uint64, tag = "1")]
    pub function_id: u64,
    #[prost(int64, tag = "2")]
    pub line: i64,
    #[prost(int64, tag = "3")]
    pub column: i64,
}

/// `Function`: names and file as string indexes.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PbFunction {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(int64, tag = "2")]
    pub name: i64,
    #[prost(int64, tag = "3")]
    pub system_name: i64,
    #[prost(int64, tag = "4")]
    pub filename: i64,
    #[prost(int64, tag = "5")]
    pub start_line: i64,
}
