//! Accepted, not yet mined transactions, in arrival order, with their combined effects (the
//! delta every query and every new transaction sees on top of the confirmed state).

use crate::chain::state::{Delta, TxEffects};
use bitcoin::{Transaction, Txid};
use foldhash::HashMap;
use std::sync::Arc;

pub struct MempoolEntry {
    /// Acceptance order, kept across rotations of the mempool journal.
    pub seq: u64,
    /// The transaction serialized: what the journal and the block write, and under half the
    /// memory of a decoded `Transaction` (its scripts each a separate allocation), which
    /// counts a block's worth of times while a block is written. [`MempoolEntry::tx`] decodes.
    pub raw: Vec<u8>,
    pub txid: Txid,
    pub effects: Arc<TxEffects>,
    pub fee: u64,
    pub time: u32,
}

impl MempoolEntry {
    /// Serialized size.
    pub fn size(&self) -> usize {
        self.raw.len()
    }

    /// The transaction, decoded.
    pub fn tx(&self) -> Transaction {
        bitcoin::consensus::deserialize(&self.raw)
            .expect("the mempool holds transactions it serialized itself")
    }
}

#[derive(Default)]
pub struct Mempool {
    // Shared so the miner can take a block's worth without copying under the lock.
    entries: Vec<Arc<MempoolEntry>>,
    index: HashMap<Txid, usize>,
    pub delta: Delta,
    bytes: usize,
}

impl Mempool {
    /// Adds an entry; returns it shared (for writing it to the ledger after the lock).
    pub fn add(&mut self, entry: MempoolEntry) -> Arc<MempoolEntry> {
        self.delta.apply(&entry.effects);
        self.bytes += entry.size();
        self.index.insert(entry.txid, self.entries.len());
        let entry = Arc::new(entry);
        self.entries.push(entry.clone());
        entry
    }

    pub fn contains(&self, txid: &Txid) -> bool {
        self.index.contains_key(txid)
    }

    pub fn get(&self, txid: &Txid) -> Option<&MempoolEntry> {
        self.index.get(txid).map(|i| &*self.entries[*i])
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn entries(&self) -> &[Arc<MempoolEntry>] {
        &self.entries
    }

    /// How many leading entries fit in `max_bytes`.
    pub fn prefix_fitting(&self, max_bytes: usize) -> usize {
        let mut total = 0;
        for (i, e) in self.entries.iter().enumerate() {
            total += e.size();
            if total > max_bytes {
                return i;
            }
        }
        self.entries.len()
    }

    /// Removes the first `n` entries (they were mined) and rebuilds the delta of the rest,
    /// which stays valid on top of the new confirmed state because the mined prefix came
    /// before them.
    pub fn remove_prefix(&mut self, n: usize) -> Vec<Arc<MempoolEntry>> {
        let removed: Vec<Arc<MempoolEntry>> = self.entries.drain(..n).collect();
        self.index.clear();
        self.delta = Delta::default();
        self.bytes = 0;
        for (i, e) in self.entries.iter().enumerate() {
            self.index.insert(e.txid, i);
            self.delta.apply(&e.effects);
            self.bytes += e.size();
        }
        removed
    }

    /// Empties the pool, returning what it held.
    pub fn take_all(&mut self) -> Vec<Arc<MempoolEntry>> {
        self.index.clear();
        self.delta = Delta::default();
        self.bytes = 0;
        std::mem::take(&mut self.entries)
    }
}
