//! Stream items and their indexes, written with the block that confirms them.
//!
//! Every confirmed item of a stream has a dense sequence number (its position in the stream,
//! in chain order), so "the n-th item" is one seek. Key and publisher indexes map
//! (stream, key/publisher, n-th for that key/publisher) to the stream sequence number.

use super::tables::{put_bytes_with_len, Reader, Table};
use super::LedgerError;
use crate::primitives::address::Address;
use bitcoin::hashes::Hash;
use bitcoin::Txid;

/// A confirmed stream item as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredItem {
    pub txid: Txid,
    pub vout: u32,
    pub height: u32,
    pub tx_index: u32,
    /// When this node first saw the transaction.
    pub time: u32,
    pub publishers: Vec<Address>,
    pub keys: Vec<Vec<u8>>,
    pub format: u8,
    pub data: Vec<u8>,
}

/// A stream item's stored form built from borrowed parts, so a block's items are written
/// without being copied first.
pub struct ItemRow<'a> {
    pub txid: &'a Txid,
    pub vout: u32,
    pub height: u32,
    pub tx_index: u32,
    pub time: u32,
    pub publishers: &'a [Address],
    pub keys: &'a [Vec<u8>],
    pub format: u8,
    pub data: &'a [u8],
}

impl ItemRow<'_> {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(96 + self.data.len());
        out.extend_from_slice(&self.txid.to_byte_array());
        out.extend_from_slice(&self.vout.to_le_bytes());
        out.extend_from_slice(&self.height.to_le_bytes());
        out.extend_from_slice(&self.tx_index.to_le_bytes());
        out.extend_from_slice(&self.time.to_le_bytes());
        out.extend_from_slice(&(self.publishers.len() as u32).to_le_bytes());
        for p in self.publishers {
            out.extend_from_slice(&p.to_key_bytes());
        }
        out.extend_from_slice(&(self.keys.len() as u32).to_le_bytes());
        for k in self.keys {
            put_bytes_with_len(&mut out, k);
        }
        out.push(self.format);
        put_bytes_with_len(&mut out, self.data);
        out
    }
}

pub fn encode_item(v: &StoredItem) -> Vec<u8> {
    ItemRow {
        txid: &v.txid,
        vout: v.vout,
        height: v.height,
        tx_index: v.tx_index,
        time: v.time,
        publishers: &v.publishers,
        keys: &v.keys,
        format: v.format,
        data: &v.data,
    }
    .encode()
}

pub fn decode_item(bytes: &[u8]) -> Result<StoredItem, LedgerError> {
    let mut r = Reader::new(bytes, StreamItems::CF);
    let txid = Txid::from_byte_array(r.take(32)?.try_into().unwrap());
    let vout = r.u32()?;
    let height = r.u32()?;
    let tx_index = r.u32()?;
    let time = r.u32()?;
    let np = r.u32()? as usize;
    let mut publishers = Vec::with_capacity(np.min(16));
    for _ in 0..np {
        publishers.push(r.address()?);
    }
    let nk = r.u32()? as usize;
    let mut keys = Vec::with_capacity(nk.min(16));
    for _ in 0..nk {
        keys.push(r.bytes_with_len()?.to_vec());
    }
    let format = r.u8()?;
    let data = r.bytes_with_len()?.to_vec();
    Ok(StoredItem {
        txid,
        vout,
        height,
        tx_index,
        time,
        publishers,
        keys,
        format,
        data,
    })
}

/// (stream, seq) → item.
pub struct StreamItems;
impl Table for StreamItems {
    const CF: &'static str = "stream_items";
    type Key = ([u8; 16], u64);
    type Value = StoredItem;
    fn key(k: &Self::Key) -> Vec<u8> {
        let mut out = k.0.to_vec();
        out.extend_from_slice(&k.1.to_be_bytes());
        out
    }
    fn encode(v: &StoredItem) -> Vec<u8> {
        encode_item(v)
    }
    fn decode(bytes: &[u8]) -> Result<StoredItem, LedgerError> {
        decode_item(bytes)
    }
}

/// A key or a publisher: what the two secondary indexes are keyed by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IndexOf {
    Key(Vec<u8>),
    Publisher(Address),
}

impl IndexOf {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            IndexOf::Key(k) => {
                out.push(b'k');
                out.extend_from_slice(&(k.len() as u16).to_be_bytes());
                out.extend_from_slice(k);
            }
            IndexOf::Publisher(a) => {
                out.push(b'p');
                out.extend_from_slice(&a.to_key_bytes());
            }
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<IndexOf, LedgerError> {
        let mut r = Reader::new(bytes, "stream_index");
        match r.u8()? {
            b'k' => {
                let n = u16::from_be_bytes(r.take(2)?.try_into().unwrap()) as usize;
                Ok(IndexOf::Key(r.take(n)?.to_vec()))
            }
            b'p' => Ok(IndexOf::Publisher(r.address()?)),
            _ => Err(LedgerError::Corrupt("stream_index")),
        }
    }
}

/// (stream, key or publisher, n) → stream seq of its n-th item.
pub struct StreamIndex;
impl Table for StreamIndex {
    const CF: &'static str = "stream_index";
    type Key = ([u8; 16], IndexOf, u64);
    type Value = u64;
    fn key(k: &Self::Key) -> Vec<u8> {
        let mut out = k.0.to_vec();
        k.1.encode(&mut out);
        out.extend_from_slice(&k.2.to_be_bytes());
        out
    }
    fn encode(v: &u64) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }
    fn decode(bytes: &[u8]) -> Result<u64, LedgerError> {
        Reader::new(bytes, Self::CF).u64()
    }
}

/// Per key or publisher of a stream: order of first appearance and confirmed item count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IndexStats {
    pub order: u64,
    pub items: u64,
}

/// Counts of keys and publishers by (stream, key or publisher).
pub type IndexStatsMap = crate::chain::state::UserKeyedMap<([u8; 16], IndexOf), IndexStats>;

pub struct StreamIndexStats;
impl Table for StreamIndexStats {
    const CF: &'static str = "stream_index_stats";
    type Key = ([u8; 16], IndexOf);
    type Value = IndexStats;
    fn key(k: &Self::Key) -> Vec<u8> {
        let mut out = k.0.to_vec();
        k.1.encode(&mut out);
        out
    }
    fn encode(v: &IndexStats) -> Vec<u8> {
        let mut out = v.order.to_le_bytes().to_vec();
        out.extend_from_slice(&v.items.to_le_bytes());
        out
    }
    fn decode(bytes: &[u8]) -> Result<IndexStats, LedgerError> {
        let mut r = Reader::new(bytes, Self::CF);
        Ok(IndexStats {
            order: r.u64()?,
            items: r.u64()?,
        })
    }
}

/// (stream, 'k' or 'p', order) → the key or publisher first seen at that position.
pub struct StreamIndexOrder;
impl Table for StreamIndexOrder {
    const CF: &'static str = "stream_index_order";
    type Key = ([u8; 16], u8, u64);
    type Value = IndexOf;
    fn key(k: &Self::Key) -> Vec<u8> {
        let mut out = k.0.to_vec();
        out.push(k.1);
        out.extend_from_slice(&k.2.to_be_bytes());
        out
    }
    fn encode(v: &IndexOf) -> Vec<u8> {
        let mut out = Vec::new();
        v.encode(&mut out);
        out
    }
    fn decode(bytes: &[u8]) -> Result<IndexOf, LedgerError> {
        IndexOf::decode(bytes)
    }
}

/// Per stream: confirmed items, distinct keys, distinct publishers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamStats {
    pub items: u64,
    pub keys: u64,
    pub publishers: u64,
}

pub struct StreamStatsTable;
impl Table for StreamStatsTable {
    const CF: &'static str = "stream_stats";
    type Key = [u8; 16];
    type Value = StreamStats;
    fn key(k: &[u8; 16]) -> Vec<u8> {
        k.to_vec()
    }
    fn encode(v: &StreamStats) -> Vec<u8> {
        let mut out = v.items.to_le_bytes().to_vec();
        out.extend_from_slice(&v.keys.to_le_bytes());
        out.extend_from_slice(&v.publishers.to_le_bytes());
        out
    }
    fn decode(bytes: &[u8]) -> Result<StreamStats, LedgerError> {
        let mut r = Reader::new(bytes, Self::CF);
        Ok(StreamStats {
            items: r.u64()?,
            keys: r.u64()?,
            publishers: r.u64()?,
        })
    }
}

/// Where a transaction's stream items are: (stream, item number in the stream) of each, in
/// output order.
pub type ItemPlaces = Vec<([u8; 16], u64)>;

/// (stream, item number) pairs laid end to end, 24 bytes each.
pub fn put_item_places(out: &mut Vec<u8>, places: &[([u8; 16], u64)]) {
    for (stream, seq) in places {
        out.extend_from_slice(stream);
        out.extend_from_slice(&seq.to_le_bytes());
    }
}

/// The pairs [`put_item_places`] wrote.
pub fn decode_item_places(bytes: &[u8], table: &'static str) -> Result<ItemPlaces, LedgerError> {
    if !bytes.len().is_multiple_of(24) {
        return Err(LedgerError::Corrupt(table));
    }
    Ok(bytes
        .chunks(24)
        .map(|c| {
            (
                c[..16].try_into().unwrap(),
                u64::from_le_bytes(c[16..].try_into().unwrap()),
            )
        })
        .collect())
}

/// txid → the (stream, seq) of each item it published, as formats 1 to 3 kept them. Read
/// once by the upgrade to format 4 (which keeps them in `tx_index`) and emptied.
pub struct TxItems;
impl Table for TxItems {
    const CF: &'static str = "tx_items";
    type Key = Txid;
    type Value = ItemPlaces;
    fn key(k: &Txid) -> Vec<u8> {
        k.to_byte_array().to_vec()
    }
    fn encode(v: &Self::Value) -> Vec<u8> {
        let mut out = Vec::with_capacity(v.len() * 24);
        put_item_places(&mut out, v);
        out
    }
    fn decode(bytes: &[u8]) -> Result<Self::Value, LedgerError> {
        decode_item_places(bytes, Self::CF)
    }
}

/// Streams this node is subscribed to: id → subscription order.
pub struct Subscriptions;
impl Table for Subscriptions {
    const CF: &'static str = "subscriptions";
    type Key = [u8; 16];
    type Value = u64;
    fn key(k: &[u8; 16]) -> Vec<u8> {
        k.to_vec()
    }
    fn encode(v: &u64) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }
    fn decode(bytes: &[u8]) -> Result<u64, LedgerError> {
        Reader::new(bytes, Self::CF).u64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_round_trip_and_truncation() {
        let item = StoredItem {
            txid: Txid::from_byte_array([7; 32]),
            vout: 2,
            height: 9,
            tx_index: 3,
            time: 1234,
            publishers: vec![Address::PubKeyHash([1; 20])],
            keys: vec![b"k1".to_vec(), Vec::new()],
            format: 2,
            data: vec![0x7b, 0x7d],
        };
        let bytes = encode_item(&item);
        assert_eq!(decode_item(&bytes).unwrap(), item);
        for cut in 0..bytes.len() {
            assert!(decode_item(&bytes[..cut]).is_err());
        }
    }

    #[test]
    fn index_keys_sort_by_sequence() {
        let s = [1u8; 16];
        let a = StreamIndex::key(&(s, IndexOf::Key(b"k".to_vec()), 2));
        let b = StreamIndex::key(&(s, IndexOf::Key(b"k".to_vec()), 10));
        assert!(a < b);
        assert!(StreamItems::key(&(s, 255)) < StreamItems::key(&(s, 256)));
    }
}
