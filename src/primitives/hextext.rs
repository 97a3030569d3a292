//! Hex text for the hot paths of listings (item data, txids): the `hex` crate's `encode`
//! goes through a char iterator, which costs more than the rest of an item's JSON. And hex
//! read leniently, as MultiChain's `ParseHex` reads it.

use bitcoin::hashes::Hash;

/// Lower-case hex of `bytes`.
pub fn hex_text(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 2];
    hex::encode_to_slice(bytes, &mut out).expect("output is twice the input");
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// A txid as MultiChain shows it (byte-reversed hex).
pub fn txid_text(txid: &bitcoin::Txid) -> String {
    let mut bytes = txid.to_byte_array();
    bytes.reverse();
    hex_text(&bytes)
}

/// MultiChain's `IsHex`: at least one byte's worth of hex digits, and whole bytes.
pub fn is_hex(text: &str) -> bool {
    !text.is_empty() && text.len().is_multiple_of(2) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Bytes of a hex text read as MultiChain's `ParseHex` reads it: whitespace before each byte is
/// skipped, and reading stops at the first character (or lone last digit) that is not hex.
pub fn parse_hex_leniently(text: &str) -> Vec<u8> {
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut bytes = text.bytes().peekable();
    let mut out = Vec::with_capacity(text.len() / 2);
    loop {
        // C's isspace: ASCII whitespace and the vertical tab.
        while bytes
            .next_if(|c| c.is_ascii_whitespace() || *c == 0x0b)
            .is_some()
        {}
        let Some(high) = bytes.next().and_then(digit) else {
            return out;
        };
        let Some(low) = bytes.next().and_then(digit) else {
            return out;
        };
        out.push(high << 4 | low);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn matches_the_usual_forms() {
        let data = [0u8, 1, 0xab, 0xff, 0x10];
        assert_eq!(hex_text(&data), hex::encode(data));
        let txid = bitcoin::Txid::from_str(
            "bd400f18df07ebfcc6f94dcf646e6c2726cc0980f777a6b5e035bc1712b621d0",
        )
        .unwrap();
        assert_eq!(txid_text(&txid), txid.to_string());
    }

    #[test]
    fn hex_is_whole_bytes_of_hex_digits() {
        assert!(is_hex("0aFf"));
        assert!(!is_hex(""));
        assert!(!is_hex("0a0"));
        assert!(!is_hex("0g"));
        assert!(!is_hex(" 0a"));
    }

    #[test]
    fn hex_is_read_as_multichain_reads_it() {
        assert_eq!(parse_hex_leniently("0aFf"), [0x0a, 0xff]);
        assert_eq!(parse_hex_leniently(" 0a  ff\n10"), [0x0a, 0xff, 0x10]);
        assert_eq!(parse_hex_leniently("0a0"), [0x0a]);
        assert_eq!(parse_hex_leniently("0azz10"), [0x0a]);
        assert_eq!(parse_hex_leniently("0 a"), Vec::<u8>::new());
        assert!(parse_hex_leniently("").is_empty());
    }
}
