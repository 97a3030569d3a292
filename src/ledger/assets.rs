//! Each asset's confirmed transactions, in chain order: what `listassettransactions` pages
//! through and `getassettransaction` finds. Every asset is indexed, subscribed or not, so a
//! subscription needs no rescan (MultiChain rescans the chain when one starts).
//!
//! Both kinds of row live in the `asset_txs` column family, told apart by their first byte:
//! `n` ‖ asset ‖ number (big-endian, so an asset's rows follow each other in order) → where
//! the transaction is, and `t` ‖ asset ‖ txid → its number.

use super::sorted_batch::Rows;
use super::tables::{BlockTxs, Blocks, Reader, Table};
use super::{Ledger, LedgerError};
use crate::chain::metadata::{output_assets, readable_output_kinds};
use bitcoin::hashes::Hash;
use bitcoin::Txid;
use foldhash::{HashMap, HashMapExt};

const CF_NAME: &str = "asset_txs";
const TAG_BY_NUMBER: u8 = b'n';
const TAG_BY_TXID: u8 = b't';

/// Where one of an asset's transactions is, and when this node received it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssetTxPlace {
    pub txid: Txid,
    pub height: u32,
    pub index: u32,
    pub time_received: u32,
}

/// (asset, number) → the number-th transaction carrying the asset.
pub struct AssetTxs;
impl Table for AssetTxs {
    const CF: &'static str = CF_NAME;
    type Key = ([u8; 16], u64);
    type Value = AssetTxPlace;
    fn key(k: &Self::Key) -> Vec<u8> {
        let mut out = Vec::with_capacity(25);
        out.push(TAG_BY_NUMBER);
        out.extend_from_slice(&k.0);
        out.extend_from_slice(&k.1.to_be_bytes());
        out
    }
    fn encode(v: &AssetTxPlace) -> Vec<u8> {
        let mut out = v.txid.to_byte_array().to_vec();
        out.extend_from_slice(&v.height.to_le_bytes());
        out.extend_from_slice(&v.index.to_le_bytes());
        out.extend_from_slice(&v.time_received.to_le_bytes());
        out
    }
    fn decode(bytes: &[u8]) -> Result<AssetTxPlace, LedgerError> {
        let mut r = Reader::new(bytes, Self::CF);
        Ok(AssetTxPlace {
            txid: Txid::from_byte_array(r.take(32)?.try_into().unwrap()),
            height: r.u32()?,
            index: r.u32()?,
            time_received: r.u32()?,
        })
    }
}

/// (asset, txid) → the transaction's number among the asset's.
pub struct AssetTxNumbers;
impl Table for AssetTxNumbers {
    const CF: &'static str = CF_NAME;
    type Key = ([u8; 16], Txid);
    type Value = u64;
    fn key(k: &Self::Key) -> Vec<u8> {
        let mut out = Vec::with_capacity(49);
        out.push(TAG_BY_TXID);
        out.extend_from_slice(&k.0);
        out.extend_from_slice(&k.1.to_byte_array());
        out
    }
    fn encode(v: &u64) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }
    fn decode(bytes: &[u8]) -> Result<u64, LedgerError> {
        Reader::new(bytes, Self::CF).u64()
    }
}

/// Numbers the transactions of a run of blocks per asset, continuing each asset's count.
pub(super) struct AssetTxCounter<'a> {
    ledger: &'a Ledger,
    next: HashMap<[u8; 16], u64>,
}

impl<'a> AssetTxCounter<'a> {
    pub fn new(ledger: &'a Ledger) -> Self {
        AssetTxCounter {
            ledger,
            next: HashMap::new(),
        }
    }

    /// Adds the rows of one transaction carrying `assets`.
    pub fn add(
        &mut self,
        batch: &mut impl Rows,
        assets: &[[u8; 16]],
        place: AssetTxPlace,
    ) -> Result<(), LedgerError> {
        for id in assets {
            let n = match self.next.get(id) {
                Some(n) => *n,
                None => self.ledger.asset_tx_count(id)?,
            };
            self.ledger.put::<AssetTxs>(batch, &(*id, n), &place);
            self.ledger
                .put::<AssetTxNumbers>(batch, &(*id, place.txid), &n);
            self.next.insert(*id, n + 1);
        }
        Ok(())
    }
}

impl Ledger {
    /// How many confirmed transactions carry the asset.
    pub fn asset_tx_count(&self, asset: &[u8; 16]) -> Result<u64, LedgerError> {
        let last = AssetTxs::key(&(*asset, u64::MAX));
        let mut it = self.db.iterator_cf(
            self.cf(CF_NAME),
            rocksdb::IteratorMode::From(&last, rocksdb::Direction::Reverse),
        );
        match it.next() {
            Some(item) => {
                let (k, _) = item?;
                if k.len() != 25 || !k.starts_with(&last[..17]) {
                    return Ok(0);
                }
                let n: [u8; 8] = k[17..].try_into().unwrap();
                Ok(u64::from_be_bytes(n) + 1)
            }
            None => Ok(0),
        }
    }

    /// The asset's confirmed transactions numbered `from..from+count`.
    pub fn asset_txs(
        &self,
        asset: &[u8; 16],
        from: u64,
        count: u64,
    ) -> Result<Vec<AssetTxPlace>, LedgerError> {
        let keys = (from..from.saturating_add(count)).map(|n| (*asset, n));
        Ok(self
            .get_many::<AssetTxs>(keys)?
            .into_iter()
            .map_while(|v| v)
            .collect())
    }

    /// The number and place of a confirmed transaction among the asset's, if it carries it.
    pub fn asset_tx(
        &self,
        asset: &[u8; 16],
        txid: &Txid,
    ) -> Result<Option<(u64, AssetTxPlace)>, LedgerError> {
        let Some(n) = self.get::<AssetTxNumbers>(&(*asset, *txid))? else {
            return Ok(None);
        };
        let place = self
            .get::<AssetTxs>(&(*asset, n))?
            .ok_or(LedgerError::Corrupt(CF_NAME))?;
        Ok(Some((n, place)))
    }

    /// Format 2 → 3: indexes the asset transactions already in the chain, in synced chunks,
    /// and records the new version last. Their time received is their block's time (format 2
    /// kept no other). An interrupted upgrade starts again from an empty index.
    pub(super) fn upgrade_from_v2(&self) -> Result<(), LedgerError> {
        // One pass over every confirmed transaction: long on a long chain.
        tracing::info!("upgrading the ledger to format 3: indexing asset transactions");
        let mut batch = rocksdb::WriteBatch::default();
        batch.delete_range_cf(self.cf(CF_NAME), [0u8], [0xffu8]);
        self.db
            .write_opt(std::mem::take(&mut batch), &super::sync_writes())?;
        let mut counter = AssetTxCounter::new(self);
        let mut block_time: Option<(u32, u32)> = None;
        for item in self.scan::<BlockTxs>() {
            let (key, tx) = item?;
            let (height, index) = match (key.get(..4), key.get(4..8)) {
                (Some(h), Some(i)) => (
                    u32::from_be_bytes(h.try_into().unwrap()),
                    u32::from_be_bytes(i.try_into().unwrap()),
                ),
                _ => return Err(LedgerError::Corrupt(BlockTxs::CF)),
            };
            if tx.is_coinbase() {
                continue;
            }
            let txid = tx.compute_txid();
            let assets = output_assets(&txid, &readable_output_kinds(&tx));
            if assets.is_empty() {
                continue;
            }
            let time = match block_time {
                Some((h, t)) if h == height => t,
                _ => {
                    let t = self.get::<Blocks>(&height)?.map_or(0, |(h, _)| h.time);
                    block_time = Some((height, t));
                    t
                }
            };
            let place = AssetTxPlace {
                txid,
                height,
                index,
                time_received: time,
            };
            counter.add(&mut batch, &assets, place)?;
            if batch.len() >= 30_000 {
                // The counter reads counts back from the ledger for assets it has not seen;
                // the ones it has seen it keeps, so writing part way is safe.
                self.db
                    .write_opt(std::mem::take(&mut batch), &super::sync_writes())?;
            }
        }
        self.put::<super::tables::Meta>(
            &mut batch,
            &super::KEY_FORMAT,
            &3u32.to_le_bytes().to_vec(),
        );
        self.db.write_opt(batch, &super::sync_writes())?;
        tracing::info!("ledger upgraded to format 3");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::entities::short_id;
    use crate::primitives::address::Address;
    use crate::primitives::script::{self, Element};
    use bitcoin::hashes::Hash;

    fn tx_paying(metadata: &[Vec<u8>], salt: u8) -> bitcoin::Transaction {
        bitcoin::Transaction {
            version: bitcoin::transaction::Version::ONE,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: vec![bitcoin::TxIn {
                previous_output: bitcoin::OutPoint::new(Txid::from_byte_array([salt; 32]), 0),
                ..Default::default()
            }],
            output: vec![bitcoin::TxOut {
                value: bitcoin::Amount::ZERO,
                script_pubkey: script::pay_to(&Address::PubKeyHash([salt; 20]), metadata),
            }],
        }
    }

    fn header(time: u32) -> bitcoin::block::Header {
        bitcoin::block::Header {
            version: bitcoin::block::Version::ONE,
            prev_blockhash: bitcoin::BlockHash::all_zeros(),
            merkle_root: bitcoin::TxMerkleNode::all_zeros(),
            time,
            bits: bitcoin::CompactTarget::from_consensus(0),
            nonce: 0,
        }
    }

    /// A format-2 chain holding an issue, a transfer of that asset and another, and a
    /// transaction without assets is indexed when opened: the asset's two transactions in chain order, with
    /// their block's time, found by txid too; a stale row an interrupted upgrade could have
    /// left is gone, and the version is the current one.
    #[test]
    fn upgrade_from_v2_indexes_the_chain_asset_transactions() {
        let dir = tempfile::tempdir().unwrap();
        let issue = tx_paying(&[Element::Genesis(500).encode()], 1);
        let asset = short_id(&issue.compute_txid());
        let other_asset = [7; 16];
        let transfer = tx_paying(
            &[Element::Quantities(vec![(asset, 20), (other_asset, 3)]).encode()],
            2,
        );
        let plain = tx_paying(&[], 3);
        {
            let l = Ledger::open(dir.path()).unwrap();
            let mut b = rocksdb::WriteBatch::default();
            l.put::<Blocks>(&mut b, &4, &(header(1000), vec![]));
            l.put::<Blocks>(&mut b, &6, &(header(2000), vec![]));
            l.put::<BlockTxs>(&mut b, &(4, 1), &issue);
            l.put::<BlockTxs>(&mut b, &(6, 1), &plain);
            l.put::<BlockTxs>(&mut b, &(6, 2), &transfer);
            let stale = AssetTxPlace {
                txid: plain.compute_txid(),
                height: 9,
                index: 9,
                time_received: 9,
            };
            l.put::<AssetTxs>(&mut b, &(asset, 7), &stale);
            l.put::<super::super::tables::Meta>(
                &mut b,
                &super::super::KEY_FORMAT,
                &2u32.to_le_bytes().to_vec(),
            );
            l.db.write(b).unwrap();
        }
        let l = Ledger::open(dir.path()).unwrap();
        assert_eq!(l.asset_tx_count(&asset).unwrap(), 2);
        let places = l.asset_txs(&asset, 0, 10).unwrap();
        let expected = vec![
            AssetTxPlace {
                txid: issue.compute_txid(),
                height: 4,
                index: 1,
                time_received: 1000,
            },
            AssetTxPlace {
                txid: transfer.compute_txid(),
                height: 6,
                index: 2,
                time_received: 2000,
            },
        ];
        assert_eq!(places, expected);
        assert_eq!(
            l.asset_tx(&asset, &transfer.compute_txid()).unwrap(),
            Some((1, expected[1]))
        );
        assert_eq!(l.asset_tx(&asset, &plain.compute_txid()).unwrap(), None);
        assert_eq!(l.asset_tx_count(&[9; 16]).unwrap(), 0);
        // A transaction carrying two assets is one of each one's.
        assert_eq!(l.asset_txs(&other_asset, 0, 10).unwrap(), vec![expected[1]]);
        let version = l
            .get::<super::super::tables::Meta>(&super::super::KEY_FORMAT)
            .unwrap()
            .unwrap();
        assert_eq!(version, super::super::FORMAT_VERSION.to_le_bytes().to_vec());
    }
}
