//! Hex text for the hot paths of listings (item data, txids): the `hex` crate's `encode`
//! goes through a char iterator, which costs more than the rest of an item's JSON.

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
}
