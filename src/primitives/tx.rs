//! Transaction bytes as MultiChain writes them: always the legacy (non-segwit) layout, also
//! for transactions without inputs, which the `bitcoin` crate would write in segwit form.

use bitcoin::consensus::encode::{deserialize_partial, Decodable, Encodable};
use bitcoin::{absolute::LockTime, transaction::Version, Transaction, TxIn, TxOut};

pub fn encode(tx: &Transaction) -> Vec<u8> {
    if !tx.input.is_empty() {
        return bitcoin::consensus::encode::serialize(tx);
    }
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = tx.version.consensus_encode(&mut out);
    let _ = tx.input.consensus_encode(&mut out);
    let _ = tx.output.consensus_encode(&mut out);
    let _ = tx.lock_time.consensus_encode(&mut out);
    out
}

/// Decodes a legacy-layout transaction; trailing bytes are ignored, as MultiChain does.
pub fn decode(bytes: &[u8]) -> Option<Transaction> {
    let mut cur = std::io::Cursor::new(bytes);
    let version = Version::consensus_decode(&mut cur).ok()?;
    let input = Vec::<TxIn>::consensus_decode(&mut cur).ok()?;
    let output = Vec::<TxOut>::consensus_decode(&mut cur).ok()?;
    let lock_time = LockTime::consensus_decode(&mut cur).ok()?;
    let tx = Transaction {
        version,
        lock_time,
        input,
        output,
    };
    // A transaction with inputs must also read the same way through the bitcoin crate.
    if !tx.input.is_empty() {
        let (_, used): (Transaction, usize) = deserialize_partial(bytes).ok()?;
        let _ = used;
    }
    Some(tx)
}

pub fn decode_hex(text: &str) -> Option<Transaction> {
    if text.is_empty() {
        return None;
    }
    decode(&hex::decode(text).ok()?)
}

pub fn encode_hex(tx: &Transaction) -> String {
    hex::encode(encode(tx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::{Amount, ScriptBuf};

    #[test]
    fn transactions_without_inputs_round_trip_in_legacy_form() {
        let tx = Transaction {
            version: Version::ONE,
            lock_time: LockTime::ZERO,
            input: vec![],
            output: vec![TxOut {
                value: Amount::ZERO,
                script_pubkey: ScriptBuf::from_bytes(vec![0x6a]),
            }],
        };
        let bytes = encode(&tx);
        assert_eq!(
            hex::encode(&bytes),
            "0100000000010000000000000000016a00000000"
        );
        assert_eq!(decode(&bytes), Some(tx));
        assert!(decode(&bytes[..bytes.len() - 1]).is_none());
        assert!(decode_hex("zz").is_none());
    }
}
