//! Stream items as queries see them: confirmed items from the ledger (dense per-stream
//! sequence numbers) followed by the mempool's items, which are indexed here in memory.

use crate::chain::state::ItemEffect;
use crate::ledger::streams::{IndexOf, StoredItem, StreamStats};
use crate::ledger::{Ledger, LedgerError};
use crate::primitives::address::Address;
use bitcoin::Txid;
use std::collections::HashMap;

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

/// Items of one stream waiting in the mempool.
#[derive(Default)]
pub struct PendingStream {
    pub items: Vec<Item>,
    by: HashMap<IndexOf, Vec<usize>>,
    /// Keys (`k`) and publishers (`p`) in order of first appearance in the mempool.
    order: HashMap<u8, Vec<IndexOf>>,
}

impl PendingStream {
    fn add(&mut self, item: Item) {
        let n = self.items.len();
        let mut seen: Vec<IndexOf> = Vec::new();
        for of in item
            .keys
            .iter()
            .map(|k| IndexOf::Key(k.clone()))
            .chain(item.publishers.iter().map(|p| IndexOf::Publisher(*p)))
        {
            if seen.contains(&of) {
                continue;
            }
            seen.push(of.clone());
            let list = self.by.entry(of.clone()).or_default();
            if list.is_empty() {
                let kind = match of {
                    IndexOf::Key(_) => b'k',
                    IndexOf::Publisher(_) => b'p',
                };
                self.order.entry(kind).or_default().push(of.clone());
            }
            list.push(n);
        }
        self.items.push(item);
    }

    pub fn count_of(&self, of: &IndexOf) -> usize {
        self.by.get(of).map_or(0, Vec::len)
    }

    pub fn items_of(&self, of: &IndexOf) -> impl Iterator<Item = &Item> {
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
}

impl StreamIndexes {
    pub fn add_pending(&mut self, txid: Txid, time: u32, items: &[ItemEffect]) {
        for i in items {
            self.pending.entry(i.stream).or_default().add(Item {
                txid,
                vout: i.vout,
                block: None,
                time,
                publishers: i.publishers.clone(),
                keys: i.keys.clone(),
                format: i.format,
                data: i.data.clone(),
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
        let confirmed = ledger.index_stats(id, of)?.map_or(0, |s| s.items);
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
    pending: Option<impl Iterator<Item = &'a Item>>,
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
                .cloned(),
        );
    }
    Ok(out)
}
