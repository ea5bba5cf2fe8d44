//! Bytes that are not valid UTF-8, kept losslessly in Rust strings.
//!
//! pprof's Go strings are bytes: a function name with a stray invalid byte
//! is printed by `go tool pprof` byte for byte. A Rust `String` cannot hold
//! such a byte, so the decoders map each byte of an invalid sequence to a
//! private-use code point (U+10FC80..U+10FCFF, [`from_bytes`]); the CLI
//! writes them back as the raw bytes ([`to_bytes`]), and the page shows
//! them as `\xNN` text ([`for_display`]), never as raw bytes.
//!
//! Architecture invariant: text read from a profile goes through
//! [`from_bytes`]; nothing else produces code points in that range except
//! a profile that contains them literally (supplementary private use
//! area B, plane 16: it would be written out as bytes too).

use std::borrow::Cow;

/// Byte `b` (0x80..=0xFF) is held as `BASE + b`.
const BASE: u32 = 0x10_FC00;

/// The byte a char stands for, if it stands for one.
#[inline]
fn raw_byte(c: char) -> Option<u8> {
    let v = c as u32;
    (BASE + 0x80..=BASE + 0xFF)
        .contains(&v)
        .then(|| (v - BASE) as u8)
}

/// `bytes` as text: valid UTF-8 borrowed as it is, each byte of an
/// invalid sequence mapped to its private-use stand-in.
pub fn from_bytes(bytes: &[u8]) -> Cow<'_, str> {
    let mut rest = match std::str::from_utf8(bytes) {
        Ok(s) => return Cow::Borrowed(s),
        Err(_) => bytes,
    };
    let mut out = String::with_capacity(bytes.len() + 8);
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return Cow::Owned(out);
            }
            Err(e) => {
                let good = e.valid_up_to();
                // Valid by construction: from_utf8 checked this prefix.
                out.push_str(std::str::from_utf8(&rest[..good]).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len() - good);
                for &b in &rest[good..good + bad] {
                    out.push(char::from_u32(BASE + b as u32).unwrap_or('\u{FFFD}'));
                }
                rest = &rest[good + bad..];
            }
        }
    }
}

/// Whether `s` holds a stand-in for a raw byte.
pub fn has_raw_bytes(s: &str) -> bool {
    s.chars().any(|c| raw_byte(c).is_some())
}

/// The bytes `s` was read from: stand-ins back to their raw bytes.
pub fn to_bytes(s: &str) -> Cow<'_, [u8]> {
    if !has_raw_bytes(s) {
        return Cow::Borrowed(s.as_bytes());
    }
    let mut out = Vec::with_capacity(s.len());
    let mut buf = [0u8; 4];
    for c in s.chars() {
        match raw_byte(c) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
    Cow::Owned(out)
}

/// [`to_bytes`] over UTF-8 bytes (a piece of text output); anything else
/// is passed through as it is.
pub fn to_bytes_of(piece: &[u8]) -> Cow<'_, [u8]> {
    match std::str::from_utf8(piece) {
        Ok(s) => to_bytes(s),
        Err(_) => Cow::Borrowed(piece),
    }
}

/// `s` for a person to read: each raw byte as `\xNN` (the page shows
/// names as text; a raw byte there would be U+FFFD at best).
pub fn for_display(s: &str) -> Cow<'_, str> {
    if !has_raw_bytes(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match raw_byte(c) {
            Some(b) => out.push_str(&format!("\\x{b:02x}")),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_bytes_round_trip() {
        for bytes in [
            &b"main.f\xff"[..],
            b"\xc0\xafx",
            b"caf\xc3",
            b"\xe2\x82",
            b"ok \xe2\x82\xac euro",
            b"",
        ] {
            let s = from_bytes(bytes);
            assert_eq!(&*to_bytes(&s), bytes, "{bytes:?}");
        }
        assert!(matches!(from_bytes(b"plain"), Cow::Borrowed("plain")));
        assert_eq!(
            for_display(&from_bytes(b"main.f\xff\xfe")),
            "main.f\\xff\\xfe"
        );
        assert_eq!(for_display("€ stays"), "€ stays");
        assert!(!has_raw_bytes(&from_bytes("€".as_bytes())));
    }
}
