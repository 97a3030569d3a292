//! Statistics of the unspent-output set as `gettxoutsetinfo` reports them: MultiChain keeps
//! Bitcoin Core 0.10's, computed over its coins database, where a transaction's unspent
//! outputs are one record (keyed by txid) in a compressed form. The record sizes and the
//! hash are reproduced from that format so the figures mean what they mean there.

use super::state::Coin;
use bitcoin::consensus::Encodable;
use bitcoin::hashes::{sha256d, Hash, HashEngine};
use bitcoin::{BlockHash, OutPoint, TxOut, Txid};
use std::collections::BTreeMap;

/// What `gettxoutsetinfo` shows besides the height and best block.
#[derive(Debug, Clone, PartialEq)]
pub struct UtxoStats {
    /// Transactions with at least one unspent output.
    pub transactions: u64,
    pub txouts: u64,
    /// Sum over records of 32 (the key's txid) and the compressed record.
    pub bytes_serialized: u64,
    pub hash_serialized: sha256d::Hash,
    /// Sum of the outputs' native amounts, in raw units.
    pub total_amount: u64,
}

/// The unspent outputs of one transaction, by output index.
struct Record<'a> {
    version: i32,
    coinbase: bool,
    height: u32,
    outputs: BTreeMap<u32, &'a TxOut>,
}

/// Computes the statistics at `best` over `coins`; `version_of` gives a transaction's version
/// (it is part of each record, and coins do not keep it).
pub fn utxo_stats<'a>(
    best: &BlockHash,
    coins: impl IntoIterator<Item = (&'a OutPoint, &'a Coin)>,
    version_of: impl Fn(&Txid) -> i32,
) -> UtxoStats {
    // The coins database's key order: the txid's internal bytes.
    let mut records: BTreeMap<[u8; 32], Record<'a>> = BTreeMap::new();
    for (op, coin) in coins {
        let record = records
            .entry(op.txid.to_byte_array())
            .or_insert_with(|| Record {
                version: version_of(&op.txid),
                coinbase: coin.coinbase,
                height: coin.height.unwrap_or(0),
                outputs: BTreeMap::new(),
            });
        record.outputs.insert(op.vout, &coin.output);
    }
    let mut hash = sha256d::Hash::engine();
    hash.input(best.as_byte_array());
    let mut stats = UtxoStats {
        transactions: 0,
        txouts: 0,
        bytes_serialized: 0,
        hash_serialized: sha256d::Hash::all_zeros(),
        total_amount: 0,
    };
    for (txid, record) in &records {
        hash.input(txid);
        let mut part = Vec::new();
        write_varint(&mut part, record.version as u32 as u64);
        part.push(if record.coinbase { b'c' } else { b'n' });
        write_varint(&mut part, record.height as u64);
        for (&vout, out) in &record.outputs {
            write_varint(&mut part, vout as u64 + 1);
            out.consensus_encode(&mut part)
                .expect("writing to a Vec cannot fail");
            stats.txouts += 1;
            stats.total_amount = stats.total_amount.saturating_add(out.value.to_sat());
        }
        write_varint(&mut part, 0);
        hash.input(&part);
        stats.transactions += 1;
        stats.bytes_serialized += 32 + compressed_record(record).len() as u64;
    }
    stats.hash_serialized = sha256d::Hash::from_engine(hash);
    stats
}

/// Bitcoin's VARINT: base 128, most significant group first, each continued group one less.
fn write_varint(out: &mut Vec<u8>, mut n: u64) {
    let mut groups = Vec::with_capacity(10);
    loop {
        groups.push((n & 0x7f) as u8 | if groups.is_empty() { 0 } else { 0x80 });
        if n <= 0x7f {
            break;
        }
        n = (n >> 7) - 1;
    }
    out.extend(groups.iter().rev());
}

/// Bitcoin's amount compression: trailing decimal zeros folded into the low digit.
fn compress_amount(mut n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let mut e = 0;
    while n.is_multiple_of(10) && e < 9 {
        n /= 10;
        e += 1;
    }
    if e < 9 {
        let d = n % 10;
        n /= 10;
        1 + (n * 9 + d - 1) * 10 + e
    } else {
        1 + (n - 1) * 10 + 9
    }
}

/// Bitcoin's script compression: the usual forms as a tag and 20 or 32 bytes, any other
/// script (MultiChain's with metadata among them) as its length plus 6, then the script.
fn compress_script(out: &mut Vec<u8>, script: &[u8]) {
    use bitcoin::opcodes::all::*;
    let (dup, hash160, equalverify, checksig, equal) = (
        OP_DUP.to_u8(),
        OP_HASH160.to_u8(),
        OP_EQUALVERIFY.to_u8(),
        OP_CHECKSIG.to_u8(),
        OP_EQUAL.to_u8(),
    );
    match script {
        [d, h, 20, hash @ .., ev, cs]
            if hash.len() == 20
                && *d == dup
                && *h == hash160
                && *ev == equalverify
                && *cs == checksig =>
        {
            out.push(0x00);
            out.extend_from_slice(hash);
        }
        [h, 20, hash @ .., e] if hash.len() == 20 && *h == hash160 && *e == equal => {
            out.push(0x01);
            out.extend_from_slice(hash);
        }
        [33, key @ .., cs]
            if key.len() == 33 && (key[0] == 2 || key[0] == 3) && *cs == checksig =>
        {
            out.extend_from_slice(key);
        }
        [65, key @ .., cs]
            if key.len() == 65
                && key[0] == 4
                && *cs == checksig
                && bitcoin::secp256k1::PublicKey::from_slice(key).is_ok() =>
        {
            out.push(0x04 | (key[64] & 1));
            out.extend_from_slice(&key[1..33]);
        }
        _ => {
            write_varint(out, script.len() as u64 + 6);
            out.extend_from_slice(script);
        }
    }
}

/// A record as Bitcoin 0.10's coins database stores it: version, a header code saying which
/// of the first two outputs are unspent and how many bitmask bytes follow, the bitmask of the
/// outputs after those two, the unspent outputs compressed, and the height.
fn compressed_record(record: &Record) -> Vec<u8> {
    let last = *record
        .outputs
        .keys()
        .next_back()
        .expect("a record has an output") as usize;
    let unspent = |i: usize| record.outputs.contains_key(&(i as u32));
    let mask: Vec<u8> = (2..=last.max(1))
        .step_by(8)
        .map(|base| {
            (0..8)
                .filter(|i| base + i <= last && unspent(base + i))
                .fold(0u8, |byte, i| byte | (1 << i))
        })
        .collect();
    // Bytes up to the last non-zero one are written; the code counts the non-zero ones.
    let mask_size = mask.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    let mask_code = mask.iter().filter(|&&b| b != 0).count() as u64;
    let (first, second) = (unspent(0), unspent(1));
    let code = 8 * (mask_code - u64::from(!(first || second)))
        + u64::from(record.coinbase)
        + 2 * u64::from(first)
        + 4 * u64::from(second);
    let mut out = Vec::new();
    write_varint(&mut out, record.version as u32 as u64);
    write_varint(&mut out, code);
    out.extend_from_slice(&mask[..mask_size]);
    for out_txo in record.outputs.values() {
        write_varint(&mut out, compress_amount(out_txo.value.to_sat()));
        compress_script(&mut out, out_txo.script_pubkey.as_bytes());
    }
    write_varint(&mut out, record.height as u64);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::{Amount, ScriptBuf};

    fn varint(n: u64) -> Vec<u8> {
        let mut v = Vec::new();
        write_varint(&mut v, n);
        v
    }

    #[test]
    fn varints_and_amounts_encode_as_bitcoin_does() {
        assert_eq!(varint(0), [0x00]);
        assert_eq!(varint(127), [0x7f]);
        assert_eq!(varint(128), [0x80, 0x00]);
        assert_eq!(varint(255), [0x80, 0x7f]);
        assert_eq!(varint(16383), [0xfe, 0x7f]);
        assert_eq!(varint(16384), [0xff, 0x00]);
        assert_eq!(varint(16511), [0xff, 0x7f]);
        assert_eq!(varint(16512), [0x80, 0x80, 0x00]);
        let coin = 100_000_000;
        assert_eq!(compress_amount(0), 0);
        assert_eq!(compress_amount(1), 1);
        assert_eq!(compress_amount(1_000_000), 7);
        assert_eq!(compress_amount(coin), 9);
        assert_eq!(compress_amount(50 * coin), 0x32);
        assert_eq!(compress_amount(21_000_000 * coin), 0x1406f40);
    }

    fn coin(script: ScriptBuf, value: u64, height: u32) -> Coin {
        Coin {
            output: TxOut {
                value: Amount::from_sat(value),
                script_pubkey: script,
            },
            height: Some(height),
            coinbase: false,
        }
    }

    fn p2pkh() -> ScriptBuf {
        ScriptBuf::new_p2pkh(&bitcoin::PubkeyHash::from_byte_array([7; 20]))
    }

    /// A record's compressed form: a pay-to-key-hash output is a tag and its hash; outputs
    /// past the second show in the bitmask and the header code.
    #[test]
    fn records_compress_as_bitcoin_0_10_stores_them() {
        let txid = Txid::from_byte_array([1; 32]);
        let only_first = coin(p2pkh(), 0, 5);
        let stats = utxo_stats(
            &BlockHash::all_zeros(),
            [(&OutPoint { txid, vout: 0 }, &only_first)],
            |_| 1,
        );
        // version 1, code 2 (first unspent), amount 0, tag 0 and the hash, height 5.
        assert_eq!(stats.bytes_serialized, 32 + 1 + 1 + 1 + 21 + 1);
        assert_eq!((stats.transactions, stats.txouts), (1, 1));

        // Outputs 1 and 10 unspent: code 8·1 + 4, two mask bytes (outputs 2–9 none, 10 set)
        // of which one is non-zero. With a script of another form: its length + 6 first.
        let metadata = ScriptBuf::from_bytes(vec![0x51; 30]);
        let a = coin(metadata, 250, 9);
        let b = coin(p2pkh(), 0, 9);
        let (op1, op10) = (OutPoint { txid, vout: 1 }, OutPoint { txid, vout: 10 });
        let record = Record {
            version: 1,
            coinbase: false,
            height: 9,
            outputs: [(1, &a.output), (10, &b.output)].into_iter().collect(),
        };
        let bytes = compressed_record(&record);
        assert_eq!(bytes[..4], [0x01, 12, 0x00, 0x01]);
        let amount = varint(compress_amount(250));
        assert_eq!(bytes[4..4 + amount.len()], amount[..]);
        assert_eq!(bytes[4 + amount.len()], 36);
        assert_eq!(*bytes.last().unwrap(), 9);
        let stats = utxo_stats(&BlockHash::all_zeros(), [(&op10, &b), (&op1, &a)], |_| 1);
        assert_eq!(stats.bytes_serialized, 32 + bytes.len() as u64);
        assert_eq!(
            (stats.transactions, stats.txouts, stats.total_amount),
            (1, 2, 250)
        );
    }

    /// The hash covers the best block and every record in txid order: the same set gives the
    /// same hash in any order, another block or a spent output another one. An empty set
    /// hashes the best block alone.
    #[test]
    fn the_hash_follows_the_set_not_its_order() {
        let best = BlockHash::from_byte_array([9; 32]);
        let empty = utxo_stats(&best, [], |_| 1);
        assert_eq!(empty.hash_serialized, sha256d::Hash::hash(&[9; 32]));
        assert_eq!((empty.transactions, empty.bytes_serialized), (0, 0));
        let c = coin(p2pkh(), 5, 3);
        let ops: Vec<OutPoint> = (0..3u8)
            .map(|i| OutPoint {
                txid: Txid::from_byte_array([i; 32]),
                vout: i as u32,
            })
            .collect();
        let forward = utxo_stats(&best, ops.iter().map(|o| (o, &c)), |_| 1);
        let backward = utxo_stats(&best, ops.iter().rev().map(|o| (o, &c)), |_| 1);
        assert_eq!(forward, backward);
        let fewer = utxo_stats(&best, ops[..2].iter().map(|o| (o, &c)), |_| 1);
        assert_ne!(fewer.hash_serialized, forward.hash_serialized);
        let other_block = utxo_stats(&BlockHash::all_zeros(), ops.iter().map(|o| (o, &c)), |_| 1);
        assert_ne!(other_block.hash_serialized, forward.hash_serialized);
        let version_two = utxo_stats(&best, ops.iter().map(|o| (o, &c)), |_| 2);
        assert_ne!(version_two.hash_serialized, forward.hash_serialized);
    }
}
