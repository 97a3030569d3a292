//! One type per column family: its name, key and value, and their byte layout. Nothing else
//! in the node knows how records are laid out on disk.

use super::block_files::TxPlaces;
use super::LedgerError;
use crate::chain::entities::{AssetIssue, Entity, Position};
use crate::chain::state::{Coin, PermissionKey, PermissionRecord};
use crate::primitives::address::Address;
use crate::primitives::entity::Details;
use crate::wallet::history::WalletTx;
use bitcoin::consensus::encode::{deserialize, serialize};
use bitcoin::hashes::Hash;
use bitcoin::{BlockHash, OutPoint, TxOut, Txid};

pub trait Table {
    const CF: &'static str;
    type Key;
    type Value;
    fn key(k: &Self::Key) -> Vec<u8>;
    fn encode(v: &Self::Value) -> Vec<u8>;
    fn decode(bytes: &[u8]) -> Result<Self::Value, LedgerError>;
}

/// A cursor over bytes that reports truncation as corruption.
pub struct Reader<'a> {
    bytes: &'a [u8],
    table: &'static str,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8], table: &'static str) -> Self {
        Reader { bytes, table }
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], LedgerError> {
        if self.bytes.len() < n {
            return Err(LedgerError::Corrupt(self.table));
        }
        let (a, b) = self.bytes.split_at(n);
        self.bytes = b;
        Ok(a)
    }

    pub fn u8(&mut self) -> Result<u8, LedgerError> {
        Ok(self.take(1)?[0])
    }

    pub fn u32(&mut self) -> Result<u32, LedgerError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }

    pub fn u64(&mut self) -> Result<u64, LedgerError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }

    pub fn address(&mut self) -> Result<Address, LedgerError> {
        Address::from_key_bytes(self.take(21)?).ok_or(LedgerError::Corrupt(self.table))
    }

    pub fn bytes_with_len(&mut self) -> Result<&'a [u8], LedgerError> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.bytes)
    }
}

pub fn put_bytes_with_len(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

/// Meta values: format version, tip.
pub struct Meta;
impl Table for Meta {
    const CF: &'static str = "meta";
    type Key = &'static str;
    type Value = Vec<u8>;
    fn key(k: &Self::Key) -> Vec<u8> {
        k.as_bytes().to_vec()
    }
    fn encode(v: &Self::Value) -> Vec<u8> {
        v.clone()
    }
    fn decode(bytes: &[u8]) -> Result<Self::Value, LedgerError> {
        Ok(bytes.to_vec())
    }
}

/// Block headers and their transaction ids, by height (transactions live in [`BlockTxs`]).
pub struct Blocks;
impl Table for Blocks {
    const CF: &'static str = "blocks";
    type Key = u32;
    type Value = (bitcoin::block::Header, Vec<Txid>);
    fn key(k: &u32) -> Vec<u8> {
        k.to_be_bytes().to_vec()
    }
    fn encode(v: &Self::Value) -> Vec<u8> {
        let mut out = serialize(&v.0);
        out.extend_from_slice(&(v.1.len() as u32).to_le_bytes());
        for t in &v.1 {
            out.extend_from_slice(&t.to_byte_array());
        }
        out
    }
    fn decode(bytes: &[u8]) -> Result<Self::Value, LedgerError> {
        let mut r = Reader::new(bytes, Self::CF);
        let header = deserialize(r.take(80)?).map_err(|_| LedgerError::Corrupt(Self::CF))?;
        let n = r.u32()? as usize;
        let mut txids = Vec::with_capacity(n.min(100_000));
        for _ in 0..n {
            txids.push(Txid::from_byte_array(r.take(32)?.try_into().unwrap()));
        }
        Ok((header, txids))
    }
}

/// Confirmed transactions as formats 2 to 5 kept them: (height, index in block) → raw
/// transaction. Emptied by the upgrade to format 6, which moves them to the block files
/// ([`super::block_files`]).
pub struct BlockTxs;
impl Table for BlockTxs {
    const CF: &'static str = "block_txs";
    type Key = (u32, u32);
    type Value = bitcoin::Transaction;
    fn key(k: &(u32, u32)) -> Vec<u8> {
        let mut out = k.0.to_be_bytes().to_vec();
        out.extend_from_slice(&k.1.to_be_bytes());
        out
    }
    fn encode(v: &bitcoin::Transaction) -> Vec<u8> {
        serialize(v)
    }
    fn decode(bytes: &[u8]) -> Result<bitcoin::Transaction, LedgerError> {
        deserialize(bytes).map_err(|_| LedgerError::Corrupt(Self::CF))
    }
}

/// Where each confirmed transaction is, the stream items it published and, for a wallet
/// transaction, its place in the wallet history: txid → entry. One row per transaction:
/// formats 2 and 3 kept the place and the items in two tables, and format 4 the wallet
/// history's place in a third ([`WalletTxIndex`]): rows to write, flush and compact (keyed by
/// txid, every compaction rewrites them whole).
pub struct TxIndex;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TxIndexEntry {
    pub height: u32,
    /// Position in its block.
    pub index: u32,
    /// Its sequence in the wallet history, when the block stored it here (a wallet record
    /// stored before its transaction was mined is found through [`WalletTxIndex`]).
    pub wallet_seq: Option<u64>,
    pub items: super::streams::ItemPlaces,
}

/// Set in a row's position field when a wallet sequence follows it. No block holds 2^31
/// transactions, and rows of format 4 never have it set.
const WALLET_SEQ_FOLLOWS: u32 = 1 << 31;

impl Table for TxIndex {
    const CF: &'static str = "tx_index";
    type Key = Txid;
    type Value = TxIndexEntry;
    fn key(k: &Txid) -> Vec<u8> {
        k.to_byte_array().to_vec()
    }
    fn encode(v: &TxIndexEntry) -> Vec<u8> {
        debug_assert!(v.index < WALLET_SEQ_FOLLOWS);
        let mut out = Vec::with_capacity(16 + v.items.len() * 24);
        out.extend_from_slice(&v.height.to_le_bytes());
        match v.wallet_seq {
            Some(seq) => {
                out.extend_from_slice(&(v.index | WALLET_SEQ_FOLLOWS).to_le_bytes());
                out.extend_from_slice(&seq.to_le_bytes());
            }
            None => out.extend_from_slice(&v.index.to_le_bytes()),
        }
        super::streams::put_item_places(&mut out, &v.items);
        out
    }
    fn decode(bytes: &[u8]) -> Result<TxIndexEntry, LedgerError> {
        let mut r = Reader::new(bytes, Self::CF);
        let height = r.u32()?;
        let index = r.u32()?;
        let wallet_seq = if index & WALLET_SEQ_FOLLOWS != 0 {
            Some(r.u64()?)
        } else {
            None
        };
        let items = super::streams::decode_item_places(r.rest(), Self::CF)?;
        Ok(TxIndexEntry {
            height,
            index: index & !WALLET_SEQ_FOLLOWS,
            wallet_seq,
            items,
        })
    }
}

/// Where each block's transactions are in the block files: height → [`TxPlaces`] (format 6).
pub struct BlockTxPlaces;
impl Table for BlockTxPlaces {
    const CF: &'static str = "block_tx_places";
    type Key = u32;
    type Value = TxPlaces;
    fn key(k: &u32) -> Vec<u8> {
        k.to_be_bytes().to_vec()
    }
    fn encode(v: &TxPlaces) -> Vec<u8> {
        v.encode()
    }
    fn decode(bytes: &[u8]) -> Result<TxPlaces, LedgerError> {
        TxPlaces::decode(bytes, Self::CF)
    }
}

/// Where each confirmed transaction is, as formats 2 and 3 kept it: txid → (height, index in
/// block). Read once by the upgrade to format 4 and emptied.
pub struct TxLocations;
impl Table for TxLocations {
    const CF: &'static str = "tx_locations";
    type Key = Txid;
    type Value = (u32, u32);
    fn key(k: &Txid) -> Vec<u8> {
        k.to_byte_array().to_vec()
    }
    fn encode(v: &(u32, u32)) -> Vec<u8> {
        let mut out = v.0.to_le_bytes().to_vec();
        out.extend_from_slice(&v.1.to_le_bytes());
        out
    }
    fn decode(bytes: &[u8]) -> Result<(u32, u32), LedgerError> {
        let mut r = Reader::new(bytes, Self::CF);
        Ok((r.u32()?, r.u32()?))
    }
}

/// Confirmed transactions as format version 1 kept them: txid → (height, index in block, raw
/// transaction). Read once by the upgrade to version 2 and emptied.
pub struct Txs;
impl Table for Txs {
    const CF: &'static str = "txs";
    type Key = Txid;
    type Value = (u32, u32, bitcoin::Transaction);
    fn key(k: &Txid) -> Vec<u8> {
        k.to_byte_array().to_vec()
    }
    fn encode(v: &Self::Value) -> Vec<u8> {
        let mut out = v.0.to_le_bytes().to_vec();
        out.extend_from_slice(&v.1.to_le_bytes());
        out.extend_from_slice(&serialize(&v.2));
        out
    }
    fn decode(bytes: &[u8]) -> Result<Self::Value, LedgerError> {
        let mut r = Reader::new(bytes, Self::CF);
        let h = r.u32()?;
        let i = r.u32()?;
        let tx = deserialize(r.rest()).map_err(|_| LedgerError::Corrupt(Self::CF))?;
        Ok((h, i, tx))
    }
}

/// Per-block summary kept in memory: what `listblocks` shows without reading blocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockInfo {
    pub hash: BlockHash,
    pub time: u32,
    pub miner: Option<Address>,
    pub tx_count: u32,
    pub size: u32,
}

pub struct BlockIndex;
impl Table for BlockIndex {
    const CF: &'static str = "block_index";
    type Key = u32;
    type Value = BlockInfo;
    fn key(k: &u32) -> Vec<u8> {
        k.to_be_bytes().to_vec()
    }
    fn encode(v: &BlockInfo) -> Vec<u8> {
        let mut out = v.hash.to_byte_array().to_vec();
        out.extend_from_slice(&v.time.to_le_bytes());
        match v.miner {
            Some(a) => {
                out.push(1);
                out.extend_from_slice(&a.to_key_bytes());
            }
            None => out.push(0),
        }
        out.extend_from_slice(&v.tx_count.to_le_bytes());
        out.extend_from_slice(&v.size.to_le_bytes());
        out
    }
    fn decode(bytes: &[u8]) -> Result<BlockInfo, LedgerError> {
        let mut r = Reader::new(bytes, Self::CF);
        let hash = BlockHash::from_byte_array(r.take(32)?.try_into().unwrap());
        let time = r.u32()?;
        let miner = match r.u8()? {
            1 => Some(r.address()?),
            _ => None,
        };
        Ok(BlockInfo {
            hash,
            time,
            miner,
            tx_count: r.u32()?,
            size: r.u32()?,
        })
    }
}

pub fn encode_outpoint(op: &OutPoint) -> Vec<u8> {
    let mut out = op.txid.to_byte_array().to_vec();
    out.extend_from_slice(&op.vout.to_le_bytes());
    out
}

pub fn decode_outpoint(bytes: &[u8]) -> Result<OutPoint, LedgerError> {
    let mut r = Reader::new(bytes, "coins");
    let txid = Txid::from_byte_array(r.take(32)?.try_into().unwrap());
    Ok(OutPoint {
        txid,
        vout: r.u32()?,
    })
}

fn encode_coin(c: &Coin) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&c.height.unwrap_or(u32::MAX).to_le_bytes());
    out.push(c.coinbase as u8);
    out.extend_from_slice(&serialize(&c.output));
    out
}

fn decode_coin(bytes: &[u8], table: &'static str) -> Result<Coin, LedgerError> {
    let mut r = Reader::new(bytes, table);
    let height = r.u32()?;
    let coinbase = r.u8()? != 0;
    let output: TxOut = deserialize(r.rest()).map_err(|_| LedgerError::Corrupt(table))?;
    Ok(Coin {
        output,
        height: (height != u32::MAX).then_some(height),
        coinbase,
    })
}

/// Unspent outputs.
pub struct Coins;
impl Table for Coins {
    const CF: &'static str = "coins";
    type Key = OutPoint;
    type Value = Coin;
    fn key(k: &OutPoint) -> Vec<u8> {
        encode_outpoint(k)
    }
    fn encode(v: &Coin) -> Vec<u8> {
        encode_coin(v)
    }
    fn decode(bytes: &[u8]) -> Result<Coin, LedgerError> {
        decode_coin(bytes, Self::CF)
    }
}

pub fn encode_permission_key(k: &PermissionKey) -> Vec<u8> {
    let mut out = Vec::with_capacity(42);
    out.extend_from_slice(&k.entity.unwrap_or([0; 16]));
    out.extend_from_slice(&k.address.to_key_bytes());
    out.extend_from_slice(&k.bit.to_be_bytes());
    out
}

pub fn decode_permission_key(bytes: &[u8]) -> Result<PermissionKey, LedgerError> {
    let mut r = Reader::new(bytes, Permissions::CF);
    let entity: [u8; 16] = r.take(16)?.try_into().unwrap();
    let address = r.address()?;
    let bit = u32::from_be_bytes(r.take(4)?.try_into().unwrap());
    Ok(PermissionKey {
        entity: (entity != [0; 16]).then_some(entity),
        address,
        bit,
    })
}

fn encode_record(v: &PermissionRecord) -> Vec<u8> {
    let mut out = Vec::with_capacity(32);
    out.extend_from_slice(&v.start.to_le_bytes());
    out.extend_from_slice(&v.end.to_le_bytes());
    out.extend_from_slice(&v.timestamp.to_le_bytes());
    out.extend_from_slice(&v.seq.to_le_bytes());
    out.extend_from_slice(&(v.admins.len() as u32).to_le_bytes());
    for a in &v.admins {
        out.extend_from_slice(&a.to_key_bytes());
    }
    out
}

fn decode_record(bytes: &[u8]) -> Result<PermissionRecord, LedgerError> {
    let mut r = Reader::new(bytes, Permissions::CF);
    let start = r.u32()?;
    let end = r.u32()?;
    let timestamp = r.u32()?;
    let seq = r.u64()?;
    let n = r.u32()? as usize;
    let mut admins = Vec::with_capacity(n.min(64));
    for _ in 0..n {
        admins.push(r.address()?);
    }
    Ok(PermissionRecord {
        start,
        end,
        timestamp,
        admins,
        seq,
    })
}

/// Permission records, confirmed.
pub struct Permissions;
impl Table for Permissions {
    const CF: &'static str = "permissions";
    type Key = PermissionKey;
    type Value = PermissionRecord;
    fn key(k: &PermissionKey) -> Vec<u8> {
        encode_permission_key(k)
    }
    fn encode(v: &PermissionRecord) -> Vec<u8> {
        encode_record(v)
    }
    fn decode(bytes: &[u8]) -> Result<PermissionRecord, LedgerError> {
        decode_record(bytes)
    }
}

/// What is needed to disconnect a block: the coins it spent and the permission records it
/// replaced (None = the record did not exist).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockUndo {
    pub spent: Vec<(OutPoint, Coin)>,
    pub permissions: Vec<(PermissionKey, Option<PermissionRecord>)>,
}

pub struct Undo;
impl Table for Undo {
    const CF: &'static str = "undo";
    type Key = u32;
    type Value = BlockUndo;
    fn key(k: &u32) -> Vec<u8> {
        k.to_be_bytes().to_vec()
    }
    fn encode(v: &BlockUndo) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&(v.spent.len() as u32).to_le_bytes());
        for (op, c) in &v.spent {
            out.extend_from_slice(&encode_outpoint(op));
            put_bytes_with_len(&mut out, &encode_coin(c));
        }
        out.extend_from_slice(&(v.permissions.len() as u32).to_le_bytes());
        for (k, r) in &v.permissions {
            out.extend_from_slice(&encode_permission_key(k));
            match r {
                Some(r) => put_bytes_with_len(&mut out, &encode_record(r)),
                None => out.extend_from_slice(&u32::MAX.to_le_bytes()),
            }
        }
        out
    }
    fn decode(bytes: &[u8]) -> Result<BlockUndo, LedgerError> {
        let mut r = Reader::new(bytes, Self::CF);
        let mut undo = BlockUndo::default();
        for _ in 0..r.u32()? {
            let op = decode_outpoint(r.take(36)?)?;
            let coin = decode_coin(r.bytes_with_len()?, Self::CF)?;
            undo.spent.push((op, coin));
        }
        for _ in 0..r.u32()? {
            let k = decode_permission_key(r.take(41)?)?;
            let n = r.u32()?;
            let rec = if n == u32::MAX {
                None
            } else {
                Some(decode_record(r.take(n as usize)?)?)
            };
            undo.permissions.push((k, rec));
        }
        Ok(undo)
    }
}

/// Wallet keys: address → (order of creation, secret, compressed flag, creation time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredKey {
    pub seq: u64,
    pub secret: [u8; 32],
    pub compressed: bool,
    pub created: u32,
    /// Still in the key pool (not handed out by getnewaddress yet).
    pub in_pool: bool,
}

pub struct WalletKeys;
impl Table for WalletKeys {
    const CF: &'static str = "wallet_keys";
    type Key = Address;
    type Value = StoredKey;
    fn key(k: &Address) -> Vec<u8> {
        k.to_key_bytes().to_vec()
    }
    fn encode(v: &StoredKey) -> Vec<u8> {
        let mut out = v.seq.to_le_bytes().to_vec();
        out.extend_from_slice(&v.secret);
        out.push(v.compressed as u8);
        out.extend_from_slice(&v.created.to_le_bytes());
        out.push(v.in_pool as u8);
        out
    }
    fn decode(bytes: &[u8]) -> Result<StoredKey, LedgerError> {
        let mut r = Reader::new(bytes, Self::CF);
        Ok(StoredKey {
            seq: r.u64()?,
            secret: r.take(32)?.try_into().unwrap(),
            compressed: r.u8()? != 0,
            created: r.u32()?,
            in_pool: r.u8()? != 0,
        })
    }
}

/// Watch-only addresses (importaddress): address → seq.
pub struct WatchOnly;
impl Table for WatchOnly {
    const CF: &'static str = "watch_only";
    type Key = Address;
    type Value = u64;
    fn key(k: &Address) -> Vec<u8> {
        k.to_key_bytes().to_vec()
    }
    fn encode(v: &u64) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }
    fn decode(bytes: &[u8]) -> Result<u64, LedgerError> {
        Reader::new(bytes, Self::CF).u64()
    }
}

/// Mempool transactions as an earlier layout kept them: txid → (arrival order, raw
/// transaction). Now only read once at open and emptied; the mempool journal holds them.
pub struct MempoolTxs;
impl Table for MempoolTxs {
    const CF: &'static str = "mempool";
    type Key = Txid;
    type Value = (u64, bitcoin::Transaction);
    fn key(k: &Txid) -> Vec<u8> {
        k.to_byte_array().to_vec()
    }
    fn encode(v: &(u64, bitcoin::Transaction)) -> Vec<u8> {
        let mut out = v.0.to_le_bytes().to_vec();
        out.extend_from_slice(&serialize(&v.1));
        out
    }
    fn decode(bytes: &[u8]) -> Result<(u64, bitcoin::Transaction), LedgerError> {
        let mut r = Reader::new(bytes, Self::CF);
        let seq = r.u64()?;
        let tx = deserialize(r.rest()).map_err(|_| LedgerError::Corrupt(Self::CF))?;
        Ok((seq, tx))
    }
}

/// Assets and streams: short id → entity.
pub struct Entities;
impl Table for Entities {
    const CF: &'static str = "entities";
    type Key = [u8; 16];
    type Value = Entity;
    fn key(k: &[u8; 16]) -> Vec<u8> {
        k.to_vec()
    }
    fn encode(e: &Entity) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(&e.txid.to_byte_array());
        out.push(e.kind);
        put_bytes_with_len(&mut out, &e.details.encode());
        match e.position {
            Some(p) => {
                out.push(1);
                out.extend_from_slice(&p.height.to_le_bytes());
                out.extend_from_slice(&p.offset.to_le_bytes());
            }
            None => out.push(0),
        }
        put_addresses(&mut out, &e.creators);
        out.extend_from_slice(&e.seq.to_le_bytes());
        out.extend_from_slice(&(e.issues.len() as u32).to_le_bytes());
        for i in e.issues.iter() {
            out.extend_from_slice(&i.txid.to_byte_array());
            out.extend_from_slice(&i.raw.to_le_bytes());
            put_bytes_with_len(&mut out, &i.details.encode());
            put_addresses(&mut out, &i.issuers);
        }
        out
    }
    fn decode(bytes: &[u8]) -> Result<Entity, LedgerError> {
        let mut r = Reader::new(bytes, Self::CF);
        let txid = Txid::from_byte_array(r.take(32)?.try_into().unwrap());
        let kind = r.u8()?;
        let details = Details::decode(r.bytes_with_len()?).ok_or(LedgerError::Corrupt(Self::CF))?;
        let position = match r.u8()? {
            1 => Some(Position {
                height: r.u32()?,
                offset: r.u32()?,
            }),
            _ => None,
        };
        let creators = read_addresses(&mut r)?;
        let seq = r.u64()?;
        let n = r.u32()? as usize;
        let mut issues = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            let txid = Txid::from_byte_array(r.take(32)?.try_into().unwrap());
            let raw = r.u64()? as i64;
            let details =
                Details::decode(r.bytes_with_len()?).ok_or(LedgerError::Corrupt(Self::CF))?;
            let issuers = read_addresses(&mut r)?;
            issues.push(AssetIssue {
                txid,
                raw,
                details,
                issuers,
            });
        }
        Ok(Entity {
            txid,
            kind,
            details,
            position,
            creators,
            seq,
            issues: std::sync::Arc::new(issues),
        })
    }
}

fn put_addresses(out: &mut Vec<u8>, list: &[Address]) {
    out.extend_from_slice(&(list.len() as u32).to_le_bytes());
    for a in list {
        out.extend_from_slice(&a.to_key_bytes());
    }
}

fn read_addresses(r: &mut Reader) -> Result<Vec<Address>, LedgerError> {
    let n = r.u32()? as usize;
    let mut v = Vec::with_capacity(n.min(64));
    for _ in 0..n {
        v.push(r.address()?);
    }
    Ok(v)
}

/// The wallet's history, in the order transactions were seen: seq → record.
pub struct WalletTxs;
impl Table for WalletTxs {
    const CF: &'static str = "wallet_txs";
    type Key = u64;
    type Value = WalletTx;
    fn key(k: &u64) -> Vec<u8> {
        k.to_be_bytes().to_vec()
    }
    fn encode(v: &WalletTx) -> Vec<u8> {
        let mut out = v.txid.to_byte_array().to_vec();
        out.extend_from_slice(&v.time.to_le_bytes());
        out.extend_from_slice(&v.native.to_le_bytes());
        out.extend_from_slice(&(v.assets.len() as u32).to_le_bytes());
        for (id, q) in &v.assets {
            out.extend_from_slice(id);
            out.extend_from_slice(&q.to_le_bytes());
        }
        put_addresses(&mut out, &v.mine);
        put_addresses(&mut out, &v.others);
        out.push(v.coinbase as u8);
        out
    }
    fn decode(bytes: &[u8]) -> Result<WalletTx, LedgerError> {
        let mut r = Reader::new(bytes, Self::CF);
        let txid = Txid::from_byte_array(r.take(32)?.try_into().unwrap());
        let time = r.u32()?;
        let native = r.u64()? as i64;
        let n = r.u32()? as usize;
        let mut assets = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            let id: [u8; 16] = r.take(16)?.try_into().unwrap();
            assets.push((id, r.u64()? as i64));
        }
        let mine = read_addresses(&mut r)?;
        let others = read_addresses(&mut r)?;
        let coinbase = r.u8()? != 0;
        Ok(WalletTx {
            txid,
            time,
            native,
            assets,
            mine,
            others,
            coinbase,
        })
    }
}

/// txid → position in the wallet history, for records whose transaction's txid index row
/// does not hold it (stored before the transaction was mined, never mined, or coinbases).
pub struct WalletTxIndex;
impl Table for WalletTxIndex {
    const CF: &'static str = "wallet_tx_index";
    type Key = Txid;
    type Value = u64;
    fn key(k: &Txid) -> Vec<u8> {
        k.to_byte_array().to_vec()
    }
    fn encode(v: &u64) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }
    fn decode(bytes: &[u8]) -> Result<u64, LedgerError> {
        Reader::new(bytes, Self::CF).u64()
    }
}

pub const ALL_CFS: &[&str] = &[
    Meta::CF,
    Blocks::CF,
    BlockIndex::CF,
    Txs::CF,
    BlockTxs::CF,
    BlockTxPlaces::CF,
    TxLocations::CF,
    TxIndex::CF,
    Coins::CF,
    Permissions::CF,
    Undo::CF,
    WalletKeys::CF,
    WatchOnly::CF,
    MempoolTxs::CF,
    Entities::CF,
    WalletTxs::CF,
    WalletTxIndex::CF,
    super::streams::StreamItems::CF,
    super::streams::StreamIndex::CF,
    super::streams::StreamIndexStats::CF,
    super::streams::StreamIndexOrder::CF,
    super::streams::StreamStatsTable::CF,
    super::streams::TxItems::CF,
    super::streams::Subscriptions::CF,
    super::assets::AssetTxs::CF,
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn addr(b: u8) -> Address {
        Address::PubKeyHash([b; 20])
    }

    proptest! {
        #[test]
        fn tx_index_entry_round_trip(height in any::<u32>(), index in 0..WALLET_SEQ_FOLLOWS, wallet_seq in proptest::option::of(any::<u64>()), items in proptest::collection::vec((proptest::array::uniform16(any::<u8>()), any::<u64>()), 0..4)) {
            let e = TxIndexEntry { height, index, wallet_seq, items };
            let bytes = TxIndex::encode(&e);
            prop_assert_eq!(TxIndex::decode(&bytes).unwrap(), e);
            // Cut anywhere but at an item's end, the row is corrupt, not misread.
            let head = if wallet_seq.is_some() { 16 } else { 8 };
            for cut in (0..bytes.len()).filter(|c| *c < head || (c - head) % 24 != 0) {
                prop_assert!(TxIndex::decode(&bytes[..cut]).is_err());
            }
        }

        /// A format-4 row (no wallet sequence) reads as it did.
        #[test]
        fn a_format_4_tx_index_row_has_no_wallet_seq(height in any::<u32>(), index in 0..WALLET_SEQ_FOLLOWS) {
            let mut bytes = height.to_le_bytes().to_vec();
            bytes.extend_from_slice(&index.to_le_bytes());
            let e = TxIndex::decode(&bytes).unwrap();
            prop_assert_eq!(e, TxIndexEntry { height, index, wallet_seq: None, items: Vec::new() });
        }

        #[test]
        fn permission_record_round_trip(start in any::<u32>(), end in any::<u32>(), ts in any::<u32>(), seq in any::<u64>(), n in 0usize..4) {
            let r = PermissionRecord { start, end, timestamp: ts, seq, admins: (0..n).map(|i| addr(i as u8)).collect() };
            prop_assert_eq!(Permissions::decode(&Permissions::encode(&r)).unwrap(), r);
        }

        #[test]
        fn undo_round_trip(v in any::<u64>(), h in proptest::option::of(any::<u32>().prop_filter("not sentinel", |h| *h != u32::MAX)), bit in any::<u32>(), entity in proptest::option::of(proptest::array::uniform16(1u8..))) {
            let coin = Coin { output: TxOut { value: bitcoin::Amount::from_sat(v), script_pubkey: bitcoin::ScriptBuf::from_bytes(vec![0x51]) }, height: h, coinbase: v % 2 == 0 };
            let key = PermissionKey { entity, address: addr(3), bit };
            let undo = BlockUndo {
                spent: vec![(OutPoint { txid: Txid::all_zeros(), vout: 7 }, coin)],
                permissions: vec![(key, None), (key, Some(PermissionRecord { start: 1, end: 2, timestamp: 3, seq: 4, admins: vec![addr(9)] }))],
            };
            prop_assert_eq!(Undo::decode(&Undo::encode(&undo)).unwrap(), undo);
        }
    }

    #[test]
    fn truncated_records_are_corruption_not_panics() {
        let r = PermissionRecord {
            start: 1,
            end: 2,
            timestamp: 3,
            seq: 4,
            admins: vec![addr(1)],
        };
        let bytes = Permissions::encode(&r);
        for cut in 0..bytes.len() {
            assert!(Permissions::decode(&bytes[..cut]).is_err());
        }
    }
}
