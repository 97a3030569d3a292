//! Stream items as queries see them: confirmed items from the ledger (dense per-stream
//! sequence numbers) followed by the mempool's items, which are indexed here in memory.

use crate::chain::state::ItemEffect;
use crate::ledger::streams::{IndexOf, IndexStats, IndexStatsMap, StoredItem, StreamStats};
use crate::ledger::{Ledger, LedgerError};
use crate::node::mempool::MempoolEntry;
use crate::primitives::address::Address;
use bitcoin::Txid;
use foldhash::HashMap;
use std::sync::Arc;

/// A stream item, confirmed or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub txid: Txid,
    pub vout: u32,
    /// (height, index in block) once confirmed.
    pub block: Option<(u32, u32)>,
    pub time: u32,
    pub publishers: Vec<Address>,
    pub keys: Vec<Vec<u8>>,
    pub format: u8,
    pub data: Vec<u8>,
}

impl From<StoredItem> for Item {
    fn from(s: StoredItem) -> Item {
        Item {
            txid: s.txid,
            vout: s.vout,
            block: Some((s.height, s.tx_index)),
            time: s.time,
            publishers: s.publishers,
            keys: s.keys,
            format: s.format,
            data: s.data,
        }
    }
}

/// A stream item waiting in the mempool: its transaction's mempool entry holds the fields,
/// so the index costs a few bytes per item instead of a copy of keys, data and publishers.
#[derive(Clone)]
pub struct PendingItem {
    entry: Arc<MempoolEntry>,
    /// Position in the entry's `effects.items`.
    index: usize,
}

impl PendingItem {
    fn effect(&self) -> &ItemEffect {
        &self.entry.effects.items[self.index]
    }

    pub fn txid(&self) -> &Txid {
        &self.entry.txid
    }

    /// The item as queries return it (copied only for the items a query answers with).
    pub fn item(&self) -> Item {
        let e = self.effect();
        Item {
            txid: self.entry.txid,
            vout: e.vout,
            block: None,
            time: self.entry.time,
            publishers: e.publishers.clone(),
            keys: e.keys.clone(),
            format: e.format,
            data: e.data.clone(),
        }
    }
}

/// Items of one stream waiting in the mempool.
#[derive(Default)]
pub struct PendingStream {
    pub items: Vec<PendingItem>,
    by: crate::chain::state::UserKeyedMap<IndexOf, Vec<usize>>,
    /// Keys (`k`) and publishers (`p`) in order of first appearance in the mempool.
    order: HashMap<u8, Vec<IndexOf>>,
}

impl PendingStream {
    fn add(&mut self, item: PendingItem) {
        let n = self.items.len();
        let effect = item.effect();
        let keys = effect.keys.iter().map(|k| IndexOf::Key(k.clone()));
        let publishers = effect.publishers.iter().map(|p| IndexOf::Publisher(*p));
        for of in keys.chain(publishers) {
            match self.by.get_mut(&of) {
                // A key given twice (or a publisher signing twice) lists the item once.
                Some(list) if list.last() == Some(&n) => {}
                Some(list) => list.push(n),
                None => {
                    let kind = match of {
                        IndexOf::Key(_) => b'k',
                        IndexOf::Publisher(_) => b'p',
                    };
                    self.order.entry(kind).or_default().push(of.clone());
                    self.by.insert(of, vec![n]);
                }
            }
        }
        self.items.push(item);
    }

    pub fn count_of(&self, of: &IndexOf) -> usize {
        self.by.get(of).map_or(0, Vec::len)
    }

    pub fn items_of(&self, of: &IndexOf) -> impl Iterator<Item = &PendingItem> {
        self.by
            .get(of)
            .into_iter()
            .flatten()
            .map(|i| &self.items[*i])
    }

    pub fn order(&self, kind: u8) -> &[IndexOf] {
        self.order.get(&kind).map_or(&[], Vec::as_slice)
    }
}

/// Per-stream confirmed counts (mirrors the ledger), pending items, and subscriptions.
#[derive(Default)]
pub struct StreamIndexes {
    pub stats: HashMap<[u8; 16], StreamStats>,
    pub pending: HashMap<[u8; 16], PendingStream>,
    pub subscriptions: Vec<[u8; 16]>,
    /// Confirmed counts of recently asked or changed keys and publishers, as the ledger
    /// holds them: a key query's own lookup of them cost as much as reading its ten items'
    /// index entries. Changed only with the ledger, under the state's write lock; filled
    /// by readers, hence the mutex.
    pub index_stats: parking_lot::Mutex<IndexStatsMap>,
}

/// The most keys and publishers whose counts are kept (about 100 bytes each); the map is
/// emptied when full, the simplest bound that keeps the common keys in.
const INDEX_STATS_KEPT: usize = 65_536;

impl StreamIndexes {
    /// Indexes the stream items of a transaction the mempool accepted.
    pub fn add_pending(&mut self, entry: &Arc<MempoolEntry>) {
        for (index, i) in entry.effects.items.iter().enumerate() {
            self.pending.entry(i.stream).or_default().add(PendingItem {
                entry: entry.clone(),
                index,
            });
        }
    }

    pub fn is_subscribed(&self, id: &[u8; 16]) -> bool {
        self.subscriptions.contains(id)
    }

    pub fn confirmed(&self, id: &[u8; 16]) -> StreamStats {
        self.stats.get(id).copied().unwrap_or_default()
    }

    /// Items `start..start+count` of a stream (confirmed first, then pending).
    pub fn items(
        &self,
        ledger: &Ledger,
        id: &[u8; 16],
        start: u64,
        count: u64,
    ) -> Result<Vec<Item>, LedgerError> {
        let pending = self.pending.get(id).map(|p| p.items.iter());
        window(
            self.confirmed(id).items,
            start,
            count,
            pending,
            |from, n| ledger.stream_items(id, from, n),
        )
    }

    /// A block's new counts, written to the ledger with it. Returns the maps to free once the
    /// state's lock is released.
    pub fn confirm_index_stats(&mut self, changed: IndexStatsMap) -> Vec<IndexStatsMap> {
        let kept = self.index_stats.get_mut();
        let mut full = Vec::new();
        for (key, stats) in changed {
            full.extend(keep_index_stats(kept, key, stats));
        }
        full
    }

    pub fn total(&self, id: &[u8; 16]) -> u64 {
        self.confirmed(id).items + self.pending.get(id).map_or(0, |p| p.items.len() as u64)
    }

    /// (confirmed, pending) items of one key or publisher.
    pub fn index_counts(
        &self,
        ledger: &Ledger,
        id: &[u8; 16],
        of: &IndexOf,
    ) -> Result<(u64, u64), LedgerError> {
        let key = (*id, of.clone());
        let kept = self.index_stats.lock().get(&key).copied();
        let stats = match kept {
            Some(s) => Some(s),
            None => {
                let stored = ledger.index_stats(id, of)?;
                if let Some(s) = stored {
                    let full = keep_index_stats(&mut self.index_stats.lock(), key, s);
                    // Freed after the mutex is released.
                    drop(full);
                }
                stored
            }
        };
        let confirmed = stats.map_or(0, |s| s.items);
        let pending = self.pending.get(id).map_or(0, |p| p.count_of(of) as u64);
        Ok((confirmed, pending))
    }

    /// Items `start..start+count` of one key or publisher, which has `confirmed` items in
    /// the chain (from [`StreamIndexes::index_counts`], which the caller has asked already).
    pub fn index_items(
        &self,
        ledger: &Ledger,
        id: &[u8; 16],
        of: &IndexOf,
        confirmed: u64,
        (start, count): (u64, u64),
    ) -> Result<Vec<Item>, LedgerError> {
        let pending = self.pending.get(id).map(|p| p.items_of(of));
        window(confirmed, start, count, pending, |from, n| {
            ledger.stream_index_items(id, of, from, n)
        })
    }

    /// Keys or publishers of a stream in order of first appearance: confirmed ones, then the
    /// mempool's new ones.
    pub fn index_list(
        &self,
        ledger: &Ledger,
        id: &[u8; 16],
        kind: u8,
    ) -> Result<Vec<IndexOf>, LedgerError> {
        let stats = self.confirmed(id);
        let n = if kind == b'k' {
            stats.keys
        } else {
            stats.publishers
        };
        let mut all = ledger.index_order(id, kind, 0, n)?;
        if let Some(p) = self.pending.get(id) {
            for of in p.order(kind) {
                if ledger.index_stats(id, of)?.is_none() {
                    all.push(of.clone());
                }
            }
        }
        Ok(all)
    }
}

/// Items `start..start+count` of a sequence made of `confirmed` items in the ledger (read by
/// `load(from, n)`) followed by `pending` ones in memory.
fn window<'a>(
    confirmed: u64,
    start: u64,
    count: u64,
    pending: Option<impl Iterator<Item = &'a PendingItem>>,
    load: impl FnOnce(u64, u64) -> Result<Vec<StoredItem>, LedgerError>,
) -> Result<Vec<Item>, LedgerError> {
    let mut out: Vec<Item> = Vec::new();
    if start < confirmed {
        out.extend(
            load(start, count.min(confirmed - start))?
                .into_iter()
                .map(Item::from),
        );
    }
    let taken = out.len() as u64;
    if let (true, Some(pending)) = (taken < count, pending) {
        let from = start.max(confirmed) - confirmed;
        out.extend(
            pending
                .skip(from as usize)
                .take((count - taken) as usize)
                .map(PendingItem::item),
        );
    }
    Ok(out)
}

/// Keeps one count; when the map is full it starts again empty, and the full map is handed
/// back for the caller to free outside its locks.
fn keep_index_stats(
    kept: &mut IndexStatsMap,
    key: ([u8; 16], IndexOf),
    stats: IndexStats,
) -> Option<IndexStatsMap> {
    let full =
        (kept.len() >= INDEX_STATS_KEPT && !kept.contains_key(&key)).then(|| std::mem::take(kept));
    kept.insert(key, stats);
    full
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::state::TxEffects;
    use bitcoin::{absolute::LockTime, transaction::Version, Transaction};

    fn entry(lock_time: u32, items: Vec<ItemEffect>) -> Arc<MempoolEntry> {
        let tx = Transaction {
            version: Version::ONE,
            lock_time: LockTime::from_consensus(lock_time),
            input: vec![],
            output: vec![],
        };
        Arc::new(MempoolEntry {
            seq: lock_time as u64,
            txid: tx.compute_txid(),
            raw: bitcoin::consensus::encode::serialize(&tx),
            effects: Arc::new(TxEffects {
                items,
                ..Default::default()
            }),
            fee: 0,
            time: 1000 + lock_time,
        })
    }

    fn item(stream: u8, vout: u32, keys: &[&str], publishers: &[Address]) -> ItemEffect {
        ItemEffect {
            stream: [stream; 16],
            vout,
            keys: keys.iter().map(|k| k.as_bytes().to_vec()).collect(),
            format: 0,
            data: vec![stream, vout as u8],
            publishers: publishers.to_vec(),
        }
    }

    #[test]
    fn pending_items_are_indexed_once_per_key_and_publisher_in_order_of_appearance() {
        let (alice, bob) = (Address::PubKeyHash([1; 20]), Address::PubKeyHash([2; 20]));
        let key = |k: &str| IndexOf::Key(k.as_bytes().to_vec());
        let mut indexes = StreamIndexes::default();
        let first = entry(
            1,
            vec![
                item(7, 0, &["b", "a", "b"], &[alice]),
                item(8, 1, &["a"], &[alice]),
            ],
        );
        let second = entry(2, vec![item(7, 0, &["a", "c"], &[bob, alice])]);
        indexes.add_pending(&first);
        indexes.add_pending(&second);

        let pending = &indexes.pending[&[7; 16]];
        assert_eq!(pending.items.len(), 2);
        assert_eq!(
            pending.count_of(&key("b")),
            1,
            "a key given twice lists once"
        );
        assert_eq!(pending.count_of(&key("a")), 2);
        assert_eq!(pending.count_of(&IndexOf::Publisher(alice)), 2);
        assert_eq!(pending.count_of(&IndexOf::Publisher(bob)), 1);
        assert_eq!(pending.order(b'k'), &[key("b"), key("a"), key("c")]);
        assert_eq!(
            pending.order(b'p'),
            &[IndexOf::Publisher(alice), IndexOf::Publisher(bob)]
        );
        let of_c: Vec<Item> = pending.items_of(&key("c")).map(PendingItem::item).collect();
        assert_eq!(
            of_c,
            vec![Item {
                txid: second.txid,
                vout: 0,
                block: None,
                time: 1002,
                publishers: vec![bob, alice],
                keys: vec![b"a".to_vec(), b"c".to_vec()],
                format: 0,
                data: vec![7, 0],
            }]
        );
        assert_eq!(indexes.pending[&[8; 16]].items[0].txid(), &first.txid);
    }
}
