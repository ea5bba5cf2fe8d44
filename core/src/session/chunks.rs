//! The output chunker: a [`Response`]'s postcard bytes handed on a chunk
//! at a time, so a big reply is never whole in wasm memory beside the
//! report it encodes.

use super::wire::Response;

impl Response {
    /// The postcard bytes, in a buffer of exactly their size (a buffer
    /// grown by doubling holds up to twice the reply while it moves, and
    /// wasm memory keeps its peak).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.write_chunks(&mut |c| out.extend_from_slice(c));
        out
    }

    /// The size of [`Response::to_bytes`].
    pub fn encoded_len(&self) -> usize {
        postcard::experimental::serialized_size(self).unwrap_or(0)
    }

    /// The postcard bytes handed to `sink` a 64 KiB chunk at a time (the
    /// worker copies each into a JavaScript buffer of
    /// [`Response::encoded_len`] bytes: the reply is never whole in wasm
    /// memory, beside the report it encodes).
    pub fn write_chunks(&self, sink: &mut dyn FnMut(&[u8])) {
        let chunks = Chunks {
            buf: Vec::with_capacity(CHUNK),
            sink,
        };
        if let Ok(mut c) = postcard::serialize_with_flavor::<Self, Chunks, Chunks>(self, chunks) {
            c.flush();
        }
    }
}

/// The size of the pieces handed to the sink.
const CHUNK: usize = 64 * 1024;

/// A postcard output that passes on its bytes a chunk at a time.
struct Chunks<'a> {
    buf: Vec<u8>,
    sink: &'a mut dyn FnMut(&[u8]),
}

impl Chunks<'_> {
    fn flush(&mut self) {
        if !self.buf.is_empty() {
            (self.sink)(&self.buf);
            self.buf.clear();
        }
    }
}

impl<'a> postcard::ser_flavors::Flavor for Chunks<'a> {
    type Output = Chunks<'a>;

    fn try_push(&mut self, b: u8) -> postcard::Result<()> {
        if self.buf.len() == CHUNK {
            self.flush();
        }
        self.buf.push(b);
        Ok(())
    }

    fn try_extend(&mut self, mut data: &[u8]) -> postcard::Result<()> {
        while !data.is_empty() {
            if self.buf.len() == CHUNK {
                self.flush();
            }
            let n = (CHUNK - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
        }
        Ok(())
    }

    fn finalize(self) -> postcard::Result<Self::Output> {
        Ok(self)
    }
}
