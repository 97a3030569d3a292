//! Storage: RocksDB column families ([`tables`]) behind a small API. A block is committed with
//! one synced `WriteBatch` that also moves the tip, so a crash leaves either the old tip with
//! its state or the new one with its state, never a mix.

pub mod assets;
pub mod block_files;
pub mod journal;
mod mapped_append;
mod sorted_batch;
pub mod streams;
pub mod tables;

use crate::chain::block::{BlockEffects, BlockView};
use crate::chain::state::{ChainState, PermissionKey, PermissionRecord};
use crate::primitives::address::Address;
use bitcoin::hashes::Hash;
use bitcoin::{Block, BlockHash, Txid};
use foldhash::{HashMap, HashMapExt};
use rocksdb::{ColumnFamilyDescriptor, Options, WriteBatch, WriteOptions, DB};
use sorted_batch::{Rows, SortedBatch};
use std::path::Path;
use streams::*;
use tables::*;

/// Bumped whenever a stored layout changes; a node upgrades the versions it knows and refuses
/// others. 2: transactions by (height, index) plus a txid index, instead of by txid.
/// 3: each asset's transactions ([`assets`]). 4: a transaction's place and stream items in
/// one txid-keyed row ([`TxIndex`]). 5: that row may also hold the transaction's place in the
/// wallet history. 6: a block's transactions in the block files ([`block_files`]), not in
/// RocksDB rows.
pub const FORMAT_VERSION: u32 = 6;
const KEY_FORMAT: &str = "format_version";
const KEY_TIP: &str = "tip";

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("database error: {0}")]
    Db(#[from] rocksdb::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    #[error("corrupt record in {0}")]
    Corrupt(&'static str),
    #[error("this chain's database has format version {found}, but this node reads version {expected}; remove the chain's ledger directory and start again to rebuild it")]
    FormatVersion { found: u32, expected: u32 },
}

pub struct Ledger {
    db: DB,
    journal: journal::Journal,
    block_files: block_files::BlockFiles,
    /// Mempool transactions an earlier run left, until the node takes them to re-check.
    recovered_txs: parking_lot::Mutex<Vec<bitcoin::Transaction>>,
}

/// A block's rows, ready to write.
pub struct BlockBatch {
    batch: WriteBatch,
    /// Transactions whose wallet history place the batch stores in their txid index rows.
    wallet_seqs_in_tx_index: Vec<Txid>,
}

/// Everything the node keeps in memory, as stored.
pub struct LoadedState {
    pub tip: Option<(u32, BlockHash)>,
    pub blocks: Vec<BlockInfo>,
    pub state: ChainState,
    pub stream_stats: HashMap<[u8; 16], StreamStats>,
    pub subscriptions: Vec<[u8; 16]>,
}

/// A transaction read back from the block files.
fn decode_tx(bytes: &[u8]) -> Result<bitcoin::Transaction, LedgerError> {
    bitcoin::consensus::deserialize(bytes).map_err(|_| LedgerError::Corrupt("block files"))
}

fn sync_writes() -> WriteOptions {
    let mut w = unsynced_writes();
    w.set_sync(true);
    w
}

/// Large batches come in key order (`sorted_batch`): each memtable insert starts where the
/// previous one into that memtable ended.
fn unsynced_writes() -> WriteOptions {
    let mut w = WriteOptions::default();
    w.set_memtable_insert_hint_per_batch(true);
    w
}

/// Tables a block's rows reach in key order (keyed by height, position or item number):
/// written as they come, the rest sorted first (see `sorted_batch`).
const BLOCK_TABLES_IN_ORDER: &[&str] = &[
    Blocks::CF,
    BlockTxPlaces::CF,
    BlockIndex::CF,
    Undo::CF,
    Meta::CF,
    StreamItems::CF,
];

/// Bytes all memtables may hold together; past it RocksDB flushes one. A block's rows (about
/// 30 MB for 36,000 publishes) land on top of what the memtables hold already, so this budget
/// adds to the node's highest resident size: 32 → 16 MB took about 15 MB off that (three full
/// bench runs each), with no change in CPU per item.
const MEMTABLE_BUDGET: usize = 16 << 20;
/// Size at which one table's memtable is flushed: the largest tables get about this much from
/// a full block.
const MEMTABLE_SIZE: usize = 8 << 20;
/// Flushed files a table gathers before they are merged into the rest of it (every table).
/// Tables keyed by txid, key or publisher get rows all over their key range, so each merge
/// rewrites the whole table: merging every 8 flushes instead of RocksDB's 4 halves that work
/// (1,000,000 publishes: 2.3 → 0.9 s of compaction CPU), for up to 4 more filters a point
/// lookup checks. Tables keyed in chain order only move their files down, at either setting.
const L0_FILES_BEFORE_COMPACTION: i32 = 8;
/// Up to this many items a stream query looks its rows up by exact key; longer runs are
/// scanned.
const POINT_LOOKUP_LIMIT: u64 = 64;
/// Bytes of table data blocks kept in memory.
const BLOCK_CACHE: usize = 16 << 20;

/// How many table files RocksDB keeps open: all of them, as far as the process may open
/// files. The soft limit on open files is raised towards the hard one first (as bitcoind
/// does), and some are left for journals, logs and connections. Closing a file drops its index
/// and filter, and opening it again reads them whole.
fn open_files_allowed() -> i32 {
    const MOST: u64 = 1 << 20;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    let soft = unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 256;
        }
        // rlim_t is u64 here but not on every target.
        #[allow(clippy::unnecessary_cast)]
        let (soft, hard) = (limit.rlim_cur as u64, limit.rlim_max as u64);
        let wanted = hard.min(MOST);
        if wanted > soft {
            let raised = libc::rlimit {
                rlim_cur: wanted as libc::rlim_t,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                wanted
            } else {
                soft
            }
        } else {
            soft
        }
    };
    // A quarter of a small limit, at most 256, stays for other files.
    let usable = soft.min(MOST) - (soft.min(MOST) / 4).min(256);
    usable.max(16) as i32
}

impl Ledger {
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
        opts.set_max_open_files(open_files_allowed());
        opts.increase_parallelism(2);
        // Flushes and compactions are background work: they yield the CPU to the threads
        // answering clients.
        let mut env = rocksdb::Env::new()?;
        env.lower_thread_pool_cpu_priority();
        env.lower_high_priority_thread_pool_cpu_priority();
        opts.set_env(&env);
        // A block's batch is large; other writes that arrive meanwhile (keys, subscriptions)
        // go into the memtables beside it instead of queueing behind it (readers never see a block's
        // rows before the node applies it: see node::state_lock).
        opts.set_unordered_write(true);
        // All memtables together share one budget, and data blocks one cache; what grows with
        // the chain is the table files' indexes and filters (see the table options below).
        opts.set_db_write_buffer_size(MEMTABLE_BUDGET);
        // Data blocks, and the index and filter partitions of table files that earlier versions
        // wrote (until compactions rewrite those files). Four shards of 4 MB, as measured when
        // whole filters still went through this cache (a block larger than its shard is never
        // kept; it was read back on every lookup).
        let mut cache_options = rocksdb::LruCacheOptions::default();
        cache_options.set_capacity(BLOCK_CACHE);
        cache_options.set_num_shard_bits(2);
        let cache = rocksdb::Cache::new_lru_cache_opts(&cache_options);
        let cf_options = || {
            let mut o = Options::default();
            o.set_compression_type(rocksdb::DBCompressionType::Lz4);
            o.set_write_buffer_size(MEMTABLE_SIZE);
            o.set_max_write_buffer_number(2);
            o.set_level_zero_file_num_compaction_trigger(L0_FILES_BEFORE_COMPACTION);
            let mut table = rocksdb::BlockBasedOptions::default();
            table.set_block_cache(&cache);
            table.set_bloom_filter(10.0, false);
            // Each table file's index and bloom filter are read once, when it is opened, and
            // kept beside it (about 15 MB per million stream items; every file stays open):
            // a point lookup then searches them directly. Kept in the block cache instead, cut
            // into partitions, each lookup first had to find every partition it needed there:
            // about 20 of the 120 µs of CPU a key query (about 30 lookups) cost.
            table.set_cache_index_and_filter_blocks(false);
            o.set_block_based_table_factory(&table);
            o
        };
        let cfs = ALL_CFS
            .iter()
            .map(|name| ColumnFamilyDescriptor::new(*name, cf_options()));
        let db = DB::open_cf_descriptors(&opts, path, cfs)?;
        let last_block_places = {
            let cf = db.cf_handle(BlockTxPlaces::CF).expect("created at open");
            match db.iterator_cf(cf, rocksdb::IteratorMode::End).next() {
                Some(row) => Some(BlockTxPlaces::decode(&row?.1)?),
                None => None,
            }
        };
        let block_files = block_files::BlockFiles::open(path, last_block_places.as_ref())?;
        let (journal, recovered) = journal::Journal::open(path)?;
        let ledger = Ledger {
            db,
            journal,
            block_files,
            recovered_txs: Default::default(),
        };
        match ledger.get::<Meta>(&KEY_FORMAT)? {
            None => {
                let mut batch = WriteBatch::default();
                ledger.put::<Meta>(
                    &mut batch,
                    &KEY_FORMAT,
                    &FORMAT_VERSION.to_le_bytes().to_vec(),
                );
                ledger.db.write_opt(batch, &sync_writes())?;
            }
            Some(v) => {
                let found = v
                    .as_slice()
                    .try_into()
                    .map(u32::from_le_bytes)
                    .map_err(|_| LedgerError::Corrupt("meta"))?;
                if found == 1 {
                    ledger.upgrade_from_v1()?;
                }
                if (1..=2).contains(&found) {
                    ledger.upgrade_from_v2()?;
                }
                if (1..=3).contains(&found) {
                    ledger.upgrade_from_v3()?;
                }
                if (1..=4).contains(&found) {
                    ledger.upgrade_from_v4()?;
                }
                if (1..=5).contains(&found) {
                    ledger.upgrade_from_v5()?;
                } else if found != FORMAT_VERSION {
                    return Err(LedgerError::FormatVersion {
                        found,
                        expected: FORMAT_VERSION,
                    });
                }
            }
        }
        ledger.recover(recovered)?;
        Ok(ledger)
    }

    /// Format 5 → 6: moves each block's transactions from [`BlockTxs`] rows to the block
    /// files, a block at a time in chain order, in synced chunks: the files first, then the
    /// rows saying where they are together with the old rows' removal. An interrupted upgrade
    /// resumes with the blocks not yet moved (what it wrote past the last recorded block is
    /// cut when the files are opened); the version is recorded last.
    fn upgrade_from_v5(&self) -> Result<(), LedgerError> {
        let cf = self.cf(BlockTxs::CF);
        let mut batch = WriteBatch::default();
        let mut block: Option<(u32, Vec<Box<[u8]>>)> = None;
        let move_block = |batch: &mut WriteBatch, height: u32, txs: &[Box<[u8]>]| {
            let places = self.block_files.append_unsynced(txs.iter())?;
            self.put::<BlockTxPlaces>(batch, &height, &places);
            Ok::<_, LedgerError>(())
        };
        for row in self.db.iterator_cf(cf, rocksdb::IteratorMode::Start) {
            let (key, tx) = row?;
            let (height, index) = match (key.get(..4), key.get(4..8)) {
                (Some(h), Some(i)) => (
                    u32::from_be_bytes(h.try_into().expect("4 bytes")),
                    u32::from_be_bytes(i.try_into().expect("4 bytes")),
                ),
                _ => return Err(LedgerError::Corrupt(BlockTxs::CF)),
            };
            if let Some((h, txs)) = block.take_if(|(h, _)| *h != height) {
                move_block(&mut batch, h, &txs)?;
                if batch.len() >= 30_000 {
                    self.block_files.sync()?;
                    self.db
                        .write_opt(std::mem::take(&mut batch), &sync_writes())?;
                }
            }
            let txs = &mut block.get_or_insert_with(|| (height, Vec::new())).1;
            // A missing position keeps its place as no bytes, so the others keep theirs.
            txs.resize(index as usize, Box::default());
            txs.push(tx);
            batch.delete_cf(cf, key);
        }
        if let Some((h, txs)) = block {
            move_block(&mut batch, h, &txs)?;
        }
        self.block_files.sync()?;
        self.put::<Meta>(&mut batch, &KEY_FORMAT, &6u32.to_le_bytes().to_vec());
        self.db.write_opt(batch, &sync_writes())?;
        // The removed rows' space comes back now rather than at some later merge.
        self.db.compact_range_cf(cf, None::<&[u8]>, None::<&[u8]>);
        tracing::info!("ledger upgraded to format 6: transactions moved to the block files");
        Ok(())
    }

    /// Format 4 → 5: only the version changes. Format-4 rows of the txid index read as rows
    /// without a wallet place, and their wallet records keep their own index rows; the version
    /// keeps an older node from misreading the rows that do hold one.
    fn upgrade_from_v4(&self) -> Result<(), LedgerError> {
        let mut batch = WriteBatch::default();
        self.put::<Meta>(&mut batch, &KEY_FORMAT, &5u32.to_le_bytes().to_vec());
        self.db.write_opt(batch, &sync_writes())?;
        tracing::info!("ledger upgraded to format 5: txid index rows may hold a wallet place");
        Ok(())
    }

    /// Format 1 → 2: moves confirmed transactions from the txid-keyed table to the
    /// (height, index) table and its txid index, in synced chunks, and records the new version
    /// last (an interrupted upgrade resumes with the rows not yet moved).
    fn upgrade_from_v1(&self) -> Result<(), LedgerError> {
        let mut batch = WriteBatch::default();
        for item in self.scan::<Txs>() {
            let (key, (height, index, tx)) = item?;
            let txid = tx.compute_txid();
            self.put::<BlockTxs>(&mut batch, &(height, index), &tx);
            self.put::<TxLocations>(&mut batch, &txid, &(height, index));
            batch.delete_cf(self.cf(Txs::CF), key);
            if batch.len() >= 30_000 {
                self.db
                    .write_opt(std::mem::take(&mut batch), &sync_writes())?;
            }
        }
        self.put::<Meta>(&mut batch, &KEY_FORMAT, &2u32.to_le_bytes().to_vec());
        self.db.write_opt(batch, &sync_writes())?;
        Ok(())
    }

    /// Format 3 → 4: joins each transaction's place and its stream items (two tables keyed by
    /// txid, read side by side in key order) into one row, in synced chunks; then empties the
    /// two tables and records the new version in one write. An interrupted upgrade writes the
    /// same rows again.
    fn upgrade_from_v3(&self) -> Result<(), LedgerError> {
        tracing::info!("upgrading the ledger to format 4: one txid index row per transaction");
        let mut batch = WriteBatch::default();
        let mut items = self.scan::<TxItems>();
        let mut next_items = items.next().transpose()?;
        for place in self.scan::<TxLocations>() {
            let (key, (height, index)) = place?;
            // Items rows keyed before this place belong to no confirmed transaction.
            while next_items.as_ref().is_some_and(|(k, _)| *k < key) {
                next_items = items.next().transpose()?;
            }
            let tx_items = if next_items.as_ref().is_some_and(|(k, _)| *k == key) {
                let (_, found) = next_items.take().expect("checked above");
                next_items = items.next().transpose()?;
                found
            } else {
                Vec::new()
            };
            let entry = TxIndexEntry {
                height,
                index,
                wallet_seq: None,
                items: tx_items,
            };
            batch.put_cf(self.cf(TxIndex::CF), key, TxIndex::encode(&entry));
            if batch.len() >= 30_000 {
                self.db
                    .write_opt(std::mem::take(&mut batch), &sync_writes())?;
            }
        }
        // Done reading the old tables before they are emptied.
        drop(items);
        for cf in [TxLocations::CF, TxItems::CF] {
            // Past every 32-byte txid.
            batch.delete_range_cf(self.cf(cf), b"".as_slice(), [0xffu8; 33].as_slice());
        }
        self.put::<Meta>(&mut batch, &KEY_FORMAT, &4u32.to_le_bytes().to_vec());
        self.db.write_opt(batch, &sync_writes())?;
        for cf in [TxLocations::CF, TxItems::CF] {
            self.db
                .compact_range_cf(self.cf(cf), None::<&[u8]>, None::<&[u8]>);
        }
        tracing::info!("ledger upgraded to format 4");
        Ok(())
    }

    /// Stores the journal's wallet records and keeps its transactions for the node, after
    /// any a version that kept them in the `mempool` table left there.
    fn recover(&self, recovered: journal::Recovered) -> Result<(), LedgerError> {
        let mut batch = WriteBatch::default();
        for (seq, record) in &recovered.wallet {
            self.put_wallet_rows(&mut batch, *seq, record);
        }
        let mut legacy = Vec::new();
        for item in self.scan::<MempoolTxs>() {
            let (key, value) = item?;
            batch.delete_cf(self.cf(MempoolTxs::CF), key);
            legacy.push(value);
        }
        legacy.sort_by_key(|(seq, _)| *seq);
        let mut txs: Vec<_> = legacy.into_iter().map(|(_, tx)| tx).collect();
        txs.extend(recovered.txs);
        self.db.write_opt(batch, &sync_writes())?;
        *self.recovered_txs.lock() = txs;
        Ok(())
    }

    /// The mempool transactions earlier runs accepted, in order (once).
    pub fn take_recovered_txs(&self) -> Vec<bitcoin::Transaction> {
        std::mem::take(&mut *self.recovered_txs.lock())
    }

    fn cf(&self, name: &str) -> &rocksdb::ColumnFamily {
        self.db
            .cf_handle(name)
            .expect("every column family is created at open")
    }

    fn get<T: Table>(&self, key: &T::Key) -> Result<Option<T::Value>, LedgerError> {
        match self.db.get_pinned_cf(self.cf(T::CF), T::key(key))? {
            Some(bytes) => Ok(Some(T::decode(&bytes)?)),
            None => Ok(None),
        }
    }

    fn put<T: Table>(&self, batch: &mut impl Rows, key: &T::Key, value: &T::Value) {
        batch.put_row(self, T::CF, T::key(key), T::encode(value));
    }

    fn delete<T: Table>(&self, batch: &mut impl Rows, key: &T::Key) {
        batch.delete_row(self, T::CF, T::key(key));
    }

    fn scan<T: Table>(
        &self,
    ) -> impl Iterator<Item = Result<(Vec<u8>, T::Value), LedgerError>> + '_ {
        self.db
            .iterator_cf(self.cf(T::CF), rocksdb::IteratorMode::Start)
            .map(|item| {
                let (k, v) = item?;
                Ok((k.to_vec(), T::decode(&v)?))
            })
    }

    /// Loads tip, block index, coins and permissions.
    pub fn load(&self) -> Result<LoadedState, LedgerError> {
        let tip = match self.get::<Meta>(&KEY_TIP)? {
            Some(v) if v.len() == 36 => Some((
                u32::from_le_bytes(v[..4].try_into().unwrap()),
                BlockHash::from_byte_array(v[4..].try_into().unwrap()),
            )),
            Some(_) => return Err(LedgerError::Corrupt("meta")),
            None => None,
        };
        let mut blocks = Vec::new();
        if let Some((height, _)) = tip {
            for item in self.scan::<BlockIndex>() {
                let (_, info) = item?;
                blocks.push(info);
            }
            // Index entries above the tip cannot exist (same batch), but never trust that blindly.
            blocks.truncate(height as usize + 1);
            if blocks.len() != height as usize + 1 {
                return Err(LedgerError::Corrupt("block_index"));
            }
        }
        let mut state = ChainState::default();
        for item in self.scan::<Coins>() {
            let (k, coin) = item?;
            state.coins.insert(decode_outpoint(&k)?, coin);
        }
        for item in self.scan::<Permissions>() {
            let (k, rec) = item?;
            state.next_seq = state.next_seq.max(rec.seq + 1);
            state.permissions.insert(decode_permission_key(&k)?, rec);
        }
        for item in self.scan::<Entities>() {
            let (_, e) = item?;
            state.next_entity_seq = state.next_entity_seq.max(e.seq + 1);
            let name = e.name();
            if !name.is_empty() {
                state
                    .names
                    .insert(crate::chain::entities::name_key(&name), e.short_id());
            }
            state.entities.insert(e.short_id(), e);
        }
        state.index_tokens();
        let mut stream_stats = HashMap::new();
        for item in self.scan::<StreamStatsTable>() {
            let (k, v) = item?;
            let id: [u8; 16] = k
                .try_into()
                .map_err(|_| LedgerError::Corrupt("stream_stats"))?;
            stream_stats.insert(id, v);
        }
        let mut subscriptions: Vec<([u8; 16], u64)> = Vec::new();
        for item in self.scan::<Subscriptions>() {
            let (k, order) = item?;
            let id: [u8; 16] = k
                .try_into()
                .map_err(|_| LedgerError::Corrupt("subscriptions"))?;
            subscriptions.push((id, order));
        }
        subscriptions.sort_by_key(|(_, o)| *o);
        Ok(LoadedState {
            tip,
            blocks,
            state,
            stream_stats,
            subscriptions: subscriptions.into_iter().map(|(id, _)| id).collect(),
        })
    }

    /// Writes a prepared block batch without waiting for the disk (see `sync`).
    pub fn write_block_unsynced(&self, block: BlockBatch) -> Result<(), LedgerError> {
        self.db.write_opt(block.batch, &unsynced_writes())?;
        // Only once they are written may the journal's records go without their own rows.
        self.journal
            .note_wallet_seqs_in_tx_index(block.wallet_seqs_in_tx_index);
        Ok(())
    }

    /// Waits until everything written so far is on disk: once per block.
    pub fn sync(&self) -> Result<(), LedgerError> {
        self.db.flush_wal(true)?;
        Ok(())
    }

    /// Every row a block changes, in one batch: block, transactions, coins, permissions,
    /// entities, stream items and indexes, undo data and the new tip; with it, the new counts
    /// of the keys and publishers the block adds items to.
    pub fn block_batch(
        &self,
        height: u32,
        block: &BlockView,
        info: &BlockInfo,
        effects: &BlockEffects,
        stream_stats: &mut HashMap<[u8; 16], StreamStats>,
    ) -> Result<(BlockBatch, IndexStatsMap), LedgerError> {
        // Each table sorted gets room for a row per transaction, as the txid index has; all
        // rows take about three times the block's size, reserved at once.
        let mut batch = SortedBatch::new(
            BLOCK_TABLES_IN_ORDER,
            block.txdata.len() + 16,
            info.size as usize * 3 + (64 << 10),
        );
        let txids = &effects.txids;
        debug_assert_eq!(txids.len(), block.txdata.len());
        // A mined block's transactions are serialized already: stored as they are, and on
        // disk before any row that says where they are.
        let places = self
            .block_files
            .append(block.txdata.iter().map(|tx| tx.encoded()))?;
        self.put::<BlockTxPlaces>(&mut batch, &height, &places);
        let mut asset_txs = assets::AssetTxCounter::new(self);
        for (i, e) in effects.txs.iter().enumerate() {
            if e.assets.is_empty() {
                continue;
            }
            let place = assets::AssetTxPlace {
                txid: txids[i],
                height,
                index: i as u32,
                time_received: effects.times.get(i).copied().unwrap_or(block.header.time),
            };
            asset_txs.add(&mut batch, &e.assets, place)?;
        }
        self.put::<Blocks>(&mut batch, &height, &(block.header, txids.clone()));
        self.put::<BlockIndex>(&mut batch, &height, info);
        let mut undo = BlockUndo::default();
        for e in &effects.txs {
            // Coins created and spent inside the block never reached the ledger: nothing to
            // restore for them (the delta no longer mentions them).
            let from_before =
                |(op, _): &&(bitcoin::OutPoint, _)| effects.delta.coins.get(op) == Some(&None);
            undo.spent
                .extend(e.spent.iter().filter(from_before).cloned());
            for (k, prev, _) in &e.permissions {
                undo.permissions.push((*k, prev.clone()));
            }
        }
        for (op, coin) in &effects.delta.coins {
            match coin {
                Some(c) => self.put::<Coins>(&mut batch, op, c),
                None => self.delete::<Coins>(&mut batch, op),
            }
        }
        for (k, r) in &effects.delta.permissions {
            self.put::<Permissions>(&mut batch, k, r);
        }
        for (id, e) in &effects.delta.entities {
            self.put::<Entities>(&mut batch, id, e);
        }
        let (index_stats, placed) =
            self.write_items(&mut batch, height, block, txids, effects, stream_stats)?;
        // Wallet transactions accepted since the last journal rotation keep their history
        // place in this row rather than in one more txid-keyed row of their own.
        let wallet_seqs = self.journal.wallet_seqs(txids);
        let mut wallet_seqs_in_tx_index = Vec::new();
        for (i, ((txid, items), wallet_seq)) in
            txids.iter().zip(placed).zip(wallet_seqs).enumerate()
        {
            if wallet_seq.is_some() {
                wallet_seqs_in_tx_index.push(*txid);
            }
            let entry = TxIndexEntry {
                height,
                index: i as u32,
                wallet_seq,
                items,
            };
            self.put::<TxIndex>(&mut batch, txid, &entry);
        }
        self.put::<Undo>(&mut batch, &height, &undo);
        let mut tip = height.to_le_bytes().to_vec();
        tip.extend_from_slice(&info.hash.to_byte_array());
        self.put::<Meta>(&mut batch, &KEY_TIP, &tip);
        let block = BlockBatch {
            batch: batch.into_write_batch(self),
            wallet_seqs_in_tx_index,
        };
        Ok((block, index_stats))
    }

    /// Stream items of a block, with their sequence numbers and index entries; updates
    /// `stream_stats` (the caller's copy of the per-stream counts) and returns the new counts
    /// of the keys and publishers it adds items to, and each transaction's (stream, item
    /// number) pairs.
    fn write_items(
        &self,
        batch: &mut SortedBatch,
        height: u32,
        block: &BlockView,
        txids: &[Txid],
        effects: &BlockEffects,
        stream_stats: &mut HashMap<[u8; 16], StreamStats>,
    ) -> Result<(IndexStatsMap, Vec<ItemPlaces>), LedgerError> {
        let mut index_stats = IndexStatsMap::new();
        let mut placed_by_tx = vec![Vec::new(); txids.len()];
        let mut touched = Vec::new();
        for (i, e) in effects.txs.iter().enumerate() {
            if e.items.is_empty() {
                continue;
            }
            let txid = txids[i];
            let time = effects.times.get(i).copied().unwrap_or(block.header.time);
            let mut placed = Vec::with_capacity(e.items.len());
            for item in &e.items {
                let stats = stream_stats.entry(item.stream).or_default();
                let seq = stats.items;
                stats.items += 1;
                if !touched.contains(&item.stream) {
                    touched.push(item.stream);
                }
                let row = ItemRow {
                    txid: &txid,
                    vout: item.vout,
                    height,
                    tx_index: i as u32,
                    time,
                    publishers: &item.publishers,
                    keys: &item.keys,
                    format: item.format,
                    data: &item.data,
                };
                batch.put_row(
                    self,
                    StreamItems::CF,
                    StreamItems::key(&(item.stream, seq)),
                    row.encode(),
                );
                let mut seen_keys: Vec<&Vec<u8>> = Vec::new();
                let indexes = item
                    .keys
                    .iter()
                    .filter(|k| {
                        let new = !seen_keys.contains(k);
                        seen_keys.push(k);
                        new
                    })
                    .map(|k| IndexOf::Key(k.clone()))
                    .chain(item.publishers.iter().map(|p| IndexOf::Publisher(*p)));
                for of in indexes {
                    let key = (item.stream, of.clone());
                    let entry = match index_stats.get(&key) {
                        Some(s) => *s,
                        None => match self.get::<StreamIndexStats>(&key)? {
                            Some(s) => s,
                            None => {
                                let st =
                                    stream_stats.get_mut(&item.stream).expect("inserted above");
                                let (kind, counter) = match of {
                                    IndexOf::Key(_) => (b'k', &mut st.keys),
                                    IndexOf::Publisher(_) => (b'p', &mut st.publishers),
                                };
                                let order = *counter;
                                *counter += 1;
                                self.put::<StreamIndexOrder>(
                                    batch,
                                    &(item.stream, kind, order),
                                    &of,
                                );
                                IndexStats { order, items: 0 }
                            }
                        },
                    };
                    self.put::<StreamIndex>(batch, &(item.stream, of.clone(), entry.items), &seq);
                    index_stats.insert(
                        key,
                        IndexStats {
                            order: entry.order,
                            items: entry.items + 1,
                        },
                    );
                }
                placed.push((item.stream, seq));
            }
            placed_by_tx[i] = placed;
        }
        for (k, v) in &index_stats {
            self.put::<StreamIndexStats>(batch, k, v);
        }
        for id in touched {
            self.put::<StreamStatsTable>(batch, &id, &stream_stats[&id]);
        }
        Ok((index_stats, placed_by_tx))
    }

    /// Confirmed items `from..from+count` of a stream.
    pub fn stream_items(
        &self,
        stream: &[u8; 16],
        from: u64,
        count: u64,
    ) -> Result<Vec<StoredItem>, LedgerError> {
        if count <= POINT_LOOKUP_LIMIT {
            // Items are numbered densely: their keys are known, and exact lookups pass each
            // table file by its bloom filter instead of positioning in every one.
            let keys = (from..from.saturating_add(count)).map(|seq| (*stream, seq));
            return Ok(self
                .get_many::<StreamItems>(keys)?
                .into_iter()
                .map_while(|v| v)
                .collect());
        }
        let mut out = Vec::with_capacity(count.min(10_000) as usize);
        let start = StreamItems::key(&(*stream, from));
        let mut options = rocksdb::ReadOptions::default();
        options.set_iterate_upper_bound(StreamItems::key(&(*stream, from.saturating_add(count))));
        let mode = rocksdb::IteratorMode::From(&start, rocksdb::Direction::Forward);
        for item in self
            .db
            .iterator_cf_opt(self.cf(StreamItems::CF), options, mode)
        {
            let (k, v) = item?;
            if !k.starts_with(stream) || out.len() as u64 >= count {
                break;
            }
            out.push(StreamItems::decode(&v)?);
        }
        Ok(out)
    }

    /// Values of `keys` in one batched lookup, in the same order.
    fn get_many<T: Table>(
        &self,
        keys: impl Iterator<Item = T::Key>,
    ) -> Result<Vec<Option<T::Value>>, LedgerError> {
        let keys: Vec<Vec<u8>> = keys.map(|k| T::key(&k)).collect();
        self.db
            .batched_multi_get_cf(self.cf(T::CF), &keys, false)
            .into_iter()
            .map(|found| match found? {
                Some(bytes) => Ok(Some(T::decode(&bytes)?)),
                None => Ok(None),
            })
            .collect()
    }

    pub fn stream_item(
        &self,
        stream: &[u8; 16],
        seq: u64,
    ) -> Result<Option<StoredItem>, LedgerError> {
        self.get::<StreamItems>(&(*stream, seq))
    }

    /// Confirmed items `from..from+count` of one key or publisher of a stream.
    pub fn stream_index_items(
        &self,
        stream: &[u8; 16],
        of: &IndexOf,
        from: u64,
        count: u64,
    ) -> Result<Vec<StoredItem>, LedgerError> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let seqs: Vec<u64> = if count <= POINT_LOOKUP_LIMIT {
            // An index's entries are numbered densely too (see `stream_items`).
            let keys = (from..from.saturating_add(count)).map(|n| (*stream, of.clone(), n));
            self.get_many::<StreamIndex>(keys)?
                .into_iter()
                .map_while(|v| v)
                .collect()
        } else {
            self.index_scan(stream, of, from, count)?
        };
        let keys = seqs.into_iter().map(|seq| (*stream, seq));
        self.get_many::<StreamItems>(keys)?
            .into_iter()
            .map(|v| v.ok_or(LedgerError::Corrupt("stream_index")))
            .collect()
    }

    /// Item numbers `from..from+count` of one index, read in order.
    fn index_scan(
        &self,
        stream: &[u8; 16],
        of: &IndexOf,
        from: u64,
        count: u64,
    ) -> Result<Vec<u64>, LedgerError> {
        let prefix = StreamIndex::key(&(*stream, of.clone(), 0));
        let prefix = &prefix[..prefix.len() - 8];
        let start = StreamIndex::key(&(*stream, of.clone(), from));
        // The scan stops at the index's end without looking at the next key's entries.
        let end = StreamIndex::key(&(*stream, of.clone(), from.saturating_add(count)));
        let mut options = rocksdb::ReadOptions::default();
        options.set_iterate_upper_bound(end);
        let mode = rocksdb::IteratorMode::From(&start, rocksdb::Direction::Forward);
        let mut seqs = Vec::new();
        for entry in self
            .db
            .iterator_cf_opt(self.cf(StreamIndex::CF), options, mode)
        {
            let (k, v) = entry?;
            if !k.starts_with(prefix) || k.len() != prefix.len() + 8 {
                break;
            }
            seqs.push(StreamIndex::decode(&v)?);
        }
        Ok(seqs)
    }

    pub fn index_stats(
        &self,
        stream: &[u8; 16],
        of: &IndexOf,
    ) -> Result<Option<IndexStats>, LedgerError> {
        self.get::<StreamIndexStats>(&(*stream, of.clone()))
    }

    /// Keys (`b'k'`) or publishers (`b'p'`) of a stream in order of first appearance.
    pub fn index_order(
        &self,
        stream: &[u8; 16],
        kind: u8,
        from: u64,
        count: u64,
    ) -> Result<Vec<IndexOf>, LedgerError> {
        let mut out = Vec::new();
        if count == 0 {
            return Ok(out);
        }
        let mut prefix = stream.to_vec();
        prefix.push(kind);
        let start = StreamIndexOrder::key(&(*stream, kind, from));
        let mode = rocksdb::IteratorMode::From(&start, rocksdb::Direction::Forward);
        for entry in self.db.iterator_cf(self.cf(StreamIndexOrder::CF), mode) {
            let (k, v) = entry?;
            if !k.starts_with(&prefix) || out.len() as u64 >= count {
                break;
            }
            out.push(IndexOf::decode(&v)?);
        }
        Ok(out)
    }

    /// (stream, item number) of each item a confirmed transaction published.
    pub fn tx_items(&self, txid: &Txid) -> Result<ItemPlaces, LedgerError> {
        Ok(self
            .get::<TxIndex>(txid)?
            .map(|e| e.items)
            .unwrap_or_default())
    }

    pub fn put_subscription(&self, id: &[u8; 16], order: u64) -> Result<(), LedgerError> {
        let mut batch = WriteBatch::default();
        self.put::<Subscriptions>(&mut batch, id, &order);
        self.db.write_opt(batch, &sync_writes())?;
        Ok(())
    }

    pub fn remove_subscription(&self, id: &[u8; 16]) -> Result<(), LedgerError> {
        let mut batch = WriteBatch::default();
        self.delete::<Subscriptions>(&mut batch, id);
        self.db.write_opt(batch, &sync_writes())?;
        Ok(())
    }

    pub fn block(&self, height: u32) -> Result<Option<Block>, LedgerError> {
        let Some((header, txids)) = self.get::<Blocks>(&height)? else {
            return Ok(None);
        };
        let places = self
            .get::<BlockTxPlaces>(&height)?
            .ok_or(LedgerError::Corrupt(BlockTxPlaces::CF))?;
        if places.ends.len() != txids.len() {
            return Err(LedgerError::Corrupt(BlockTxPlaces::CF));
        }
        let txdata = self.block_files.read_block(&places, decode_tx)?;
        Ok(Some(Block { header, txdata }))
    }

    /// Block header and txids only.
    pub fn block_txids(&self, height: u32) -> Result<Option<Vec<Txid>>, LedgerError> {
        Ok(self.get::<Blocks>(&height)?.map(|(_, t)| t))
    }

    /// A confirmed transaction with its height and index in the block.
    pub fn transaction(
        &self,
        txid: &Txid,
    ) -> Result<Option<(u32, u32, bitcoin::Transaction)>, LedgerError> {
        let Some((height, index)) = self.tx_location(txid)? else {
            return Ok(None);
        };
        let tx = self
            .transaction_at(height, index)?
            .ok_or(LedgerError::Corrupt(BlockTxPlaces::CF))?;
        Ok(Some((height, index, tx)))
    }

    /// The transaction at `index` in the block at `height`.
    pub fn transaction_at(
        &self,
        height: u32,
        index: u32,
    ) -> Result<Option<bitcoin::Transaction>, LedgerError> {
        let cf = self.cf(BlockTxPlaces::CF);
        let Some(row) = self.db.get_pinned_cf(cf, BlockTxPlaces::key(&height))? else {
            return Ok(None);
        };
        let Some((file, offset, len)) =
            block_files::TxPlaces::one_in(&row, index, BlockTxPlaces::CF)?
        else {
            return Ok(None);
        };
        let tx = self.block_files.read(file, offset, len)?;
        decode_tx(&tx).map(Some)
    }

    pub fn tx_location(&self, txid: &Txid) -> Result<Option<(u32, u32)>, LedgerError> {
        Ok(self.get::<TxIndex>(txid)?.map(|e| (e.height, e.index)))
    }

    pub fn undo(&self, height: u32) -> Result<Option<BlockUndo>, LedgerError> {
        self.get::<Undo>(&height)
    }

    /// Stores a wallet key durably before the caller reports it.
    pub fn put_key(&self, address: &Address, key: &StoredKey) -> Result<(), LedgerError> {
        let mut batch = WriteBatch::default();
        self.put::<WalletKeys>(&mut batch, address, key);
        self.db.write_opt(batch, &sync_writes())?;
        Ok(())
    }

    pub fn keys(&self) -> Result<Vec<(Address, StoredKey)>, LedgerError> {
        let mut out = Vec::new();
        for item in self.scan::<WalletKeys>() {
            let (k, v) = item?;
            out.push((
                Address::from_key_bytes(&k).ok_or(LedgerError::Corrupt("wallet_keys"))?,
                v,
            ));
        }
        out.sort_by_key(|(_, k)| k.seq);
        Ok(out)
    }

    pub fn put_watch_only(&self, address: &Address, seq: u64) -> Result<(), LedgerError> {
        let mut batch = WriteBatch::default();
        self.put::<WatchOnly>(&mut batch, address, &seq);
        self.db.write_opt(batch, &sync_writes())?;
        Ok(())
    }

    pub fn watch_only(&self) -> Result<Vec<(Address, u64)>, LedgerError> {
        let mut out = Vec::new();
        for item in self.scan::<WatchOnly>() {
            let (k, v) = item?;
            out.push((
                Address::from_key_bytes(&k).ok_or(LedgerError::Corrupt("watch_only"))?,
                v,
            ));
        }
        out.sort_by_key(|(_, s)| *s);
        Ok(out)
    }

    /// Records an accepted mempool transaction and, when it involves the wallet, its history
    /// record: appended to the mempool journal, in the OS at once (a killed node keeps it) and
    /// on disk by the next rotation.
    pub fn put_accepted_tx(
        &self,
        mempool: Option<(u64, &Txid, &[u8])>,
        wallet: Option<(u64, crate::wallet::history::WalletTx)>,
    ) -> Result<(), LedgerError> {
        self.journal.append(mempool, wallet)
    }

    /// Starts rotating the mempool journal (after a block, or any change of the mempool
    /// other than additions): new arrivals go to a new file. Finish with
    /// [`Ledger::finish_journal_rotation`].
    pub fn begin_journal_rotation(&self) -> Result<journal::Rotation, LedgerError> {
        self.journal.begin_rotation()
    }

    /// Writes the transactions still waiting (the mempool, in order) to the new journal
    /// file, with their wallet records; stores the old file's other wallet records here,
    /// syncs the new file and removes the old ones.
    pub fn finish_journal_rotation<'a>(
        &self,
        rotation: journal::Rotation,
        waiting: impl Iterator<Item = (u64, &'a Txid, &'a [u8])>,
    ) -> Result<(), LedgerError> {
        self.journal
            .finish_rotation(rotation, waiting, |records, in_tx_index| {
                if records.is_empty() {
                    return Ok(());
                }
                // In sequence order; the txid index rows are sorted.
                let mut batch =
                    SortedBatch::new(&[WalletTxs::CF], records.len(), records.len() * 160);
                for (seq, record) in records {
                    if in_tx_index.contains(&record.txid) {
                        self.put::<WalletTxs>(&mut batch, seq, record);
                    } else {
                        self.put_wallet_rows(&mut batch, *seq, record);
                    }
                }
                self.db
                    .write_opt(batch.into_write_batch(self), &unsynced_writes())?;
                Ok(())
            })
    }

    /// Appends to the wallet history (unsynced, like mempool transactions).
    pub fn put_wallet_tx(
        &self,
        seq: u64,
        record: &crate::wallet::history::WalletTx,
    ) -> Result<(), LedgerError> {
        let mut batch = WriteBatch::default();
        self.put_wallet_rows(&mut batch, seq, record);
        self.db.write(batch)?;
        Ok(())
    }

    /// A wallet history record and its txid index entry.
    fn put_wallet_rows(
        &self,
        batch: &mut impl Rows,
        seq: u64,
        record: &crate::wallet::history::WalletTx,
    ) {
        self.put::<WalletTxs>(batch, &seq, record);
        self.put::<WalletTxIndex>(batch, &record.txid, &seq);
    }

    // Wallet records are looked for in the journal first: a rotation stores them here
    // before it lets the journal forget them. A record stored after its transaction was mined
    // has its place in the transaction's txid index row, any other a row of its own.
    pub fn wallet_tx_seq(&self, txid: &Txid) -> Result<Option<u64>, LedgerError> {
        if let Some(seq) = self.journal.wallet_seq(txid) {
            return Ok(Some(seq));
        }
        if let Some(seq) = self.get::<WalletTxIndex>(txid)? {
            return Ok(Some(seq));
        }
        Ok(self.get::<TxIndex>(txid)?.and_then(|e| e.wallet_seq))
    }

    pub fn wallet_tx(
        &self,
        seq: u64,
    ) -> Result<Option<crate::wallet::history::WalletTx>, LedgerError> {
        match self.journal.wallet_tx(seq) {
            Some(record) => Ok(Some(record)),
            None => self.get::<WalletTxs>(&seq),
        }
    }

    /// Number of history entries (the next sequence number).
    pub fn wallet_tx_count(&self) -> Result<u64, LedgerError> {
        let in_journal = self.journal.wallet_end();
        Ok(self.stored_wallet_tx_count()?.max(in_journal))
    }

    fn stored_wallet_tx_count(&self) -> Result<u64, LedgerError> {
        let mut it = self
            .db
            .iterator_cf(self.cf(WalletTxs::CF), rocksdb::IteratorMode::End);
        match it.next() {
            Some(item) => {
                let (k, _) = item?;
                let seq: [u8; 8] = k
                    .as_ref()
                    .try_into()
                    .map_err(|_| LedgerError::Corrupt("wallet_txs"))?;
                Ok(u64::from_be_bytes(seq) + 1)
            }
            None => Ok(0),
        }
    }

    /// A confirmed permission record (used by tests of persistence).
    pub fn permission(&self, key: &PermissionKey) -> Result<Option<PermissionRecord>, LedgerError> {
        self.get::<Permissions>(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_other_format_versions_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        {
            let l = Ledger::open(dir.path()).unwrap();
            let mut b = WriteBatch::default();
            l.put::<Meta>(&mut b, &KEY_FORMAT, &99u32.to_le_bytes().to_vec());
            l.db.write(b).unwrap();
        }
        let err = Ledger::open(dir.path()).err().unwrap();
        assert!(matches!(
            err,
            LedgerError::FormatVersion {
                found: 99,
                expected: FORMAT_VERSION
            }
        ));
        assert!(err.to_string().contains("format version 99"));
    }

    #[test]
    fn a_format_1_ledger_is_upgraded_with_its_transactions() {
        let dir = tempfile::tempdir().unwrap();
        let tx = bitcoin::Transaction {
            version: bitcoin::transaction::Version::ONE,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: vec![],
            output: vec![bitcoin::TxOut {
                value: bitcoin::Amount::from_sat(5),
                script_pubkey: bitcoin::ScriptBuf::new(),
            }],
        };
        let txid = tx.compute_txid();
        {
            // What version 1 wrote: the transaction keyed by txid, and its version number.
            let l = Ledger::open(dir.path()).unwrap();
            let mut b = WriteBatch::default();
            l.put::<Txs>(&mut b, &txid, &(7, 2, tx.clone()));
            l.put::<Meta>(&mut b, &KEY_FORMAT, &1u32.to_le_bytes().to_vec());
            l.db.write(b).unwrap();
            assert_eq!(l.transaction(&txid).unwrap(), None);
        }
        let l = Ledger::open(dir.path()).unwrap();
        assert_eq!(l.transaction(&txid).unwrap(), Some((7, 2, tx)));
        assert_eq!(l.tx_location(&txid).unwrap(), Some((7, 2)));
        assert_eq!(l.scan::<Txs>().count(), 0);
        let version = l.get::<Meta>(&KEY_FORMAT).unwrap().unwrap();
        assert_eq!(version, FORMAT_VERSION.to_le_bytes().to_vec());
    }

    /// A format-3 ledger's place and items rows become one row per transaction: with its
    /// items, without any, and none for an items row whose transaction has no place; the old
    /// tables end empty and the version is the current one.
    #[test]
    fn a_format_3_ledger_joins_places_and_items_by_txid() {
        let dir = tempfile::tempdir().unwrap();
        let (stray, with_items, stray_between, without, stray_after) = (
            Txid::from_byte_array([1; 32]),
            Txid::from_byte_array([5; 32]),
            Txid::from_byte_array([7; 32]),
            Txid::from_byte_array([9; 32]),
            Txid::from_byte_array([0xee; 32]),
        );
        let stream = [3u8; 16];
        {
            let l = Ledger::open(dir.path()).unwrap();
            let mut b = WriteBatch::default();
            l.put::<TxLocations>(&mut b, &with_items, &(4, 1));
            l.put::<TxLocations>(&mut b, &without, &(4, 2));
            l.put::<TxItems>(&mut b, &stray, &vec![(stream, 7)]);
            l.put::<TxItems>(&mut b, &with_items, &vec![(stream, 0), (stream, 1)]);
            l.put::<TxItems>(&mut b, &stray_between, &vec![(stream, 5)]);
            l.put::<TxItems>(&mut b, &stray_after, &vec![(stream, 8)]);
            l.put::<Meta>(&mut b, &KEY_FORMAT, &3u32.to_le_bytes().to_vec());
            l.db.write(b).unwrap();
        }
        let l = Ledger::open(dir.path()).unwrap();
        assert_eq!(l.tx_location(&with_items).unwrap(), Some((4, 1)));
        assert_eq!(
            l.tx_items(&with_items).unwrap(),
            vec![(stream, 0), (stream, 1)]
        );
        assert_eq!(l.tx_location(&without).unwrap(), Some((4, 2)));
        assert_eq!(l.tx_items(&without).unwrap(), vec![]);
        for txid in [stray, stray_between, stray_after] {
            assert_eq!(l.tx_location(&txid).unwrap(), None);
            assert_eq!(l.tx_items(&txid).unwrap(), vec![]);
        }
        assert_eq!(l.scan::<TxIndex>().count(), 2);
        assert_eq!(l.scan::<TxLocations>().count(), 0);
        assert_eq!(l.scan::<TxItems>().count(), 0);
        let version = l.get::<Meta>(&KEY_FORMAT).unwrap().unwrap();
        assert_eq!(version, FORMAT_VERSION.to_le_bytes().to_vec());
    }

    /// A wallet transaction mined before its record leaves the journal keeps its history
    /// place in its txid index row, with no row of its own; a record whose transaction left
    /// the mempool unmined gets its own row; one still waiting stays in the journal. All are
    /// found by txid, before and after reopening.
    #[test]
    fn mined_wallet_records_keep_their_place_in_the_txid_index() {
        use journal::tests::{record, tx};
        let (coinbase, mined, waiting, still) = (tx(0), tx(1), tx(2), tx(3));
        let check = |l: &Ledger| {
            let (m, w) = (mined.compute_txid(), waiting.compute_txid());
            assert_eq!(l.wallet_tx_seq(&m).unwrap(), Some(0));
            assert_eq!(l.wallet_tx_seq(&w).unwrap(), Some(1));
            assert_eq!(l.wallet_tx(0).unwrap().map(|r| r.txid), Some(m));
            assert_eq!(l.wallet_tx(1).unwrap().map(|r| r.txid), Some(w));
            assert_eq!(l.get::<TxIndex>(&m).unwrap().unwrap().wallet_seq, Some(0));
            assert_eq!(l.get::<WalletTxIndex>(&m).unwrap(), None);
            assert_eq!(l.get::<WalletTxIndex>(&w).unwrap(), Some(1));
            let s = still.compute_txid();
            assert_eq!(l.wallet_tx_seq(&s).unwrap(), Some(2));
            assert_eq!(l.wallet_tx(2).unwrap().map(|r| r.txid), Some(s));
            assert_eq!(l.wallet_tx_count().unwrap(), 3);
        };
        let dir = tempfile::tempdir().unwrap();
        {
            let l = Ledger::open(dir.path()).unwrap();
            l.put_accepted_tx(None, Some((0, record(&mined)))).unwrap();
            l.put_accepted_tx(None, Some((1, record(&waiting))))
                .unwrap();
            let still_bytes = bitcoin::consensus::serialize(&still);
            let still_id = still.compute_txid();
            l.put_accepted_tx(
                Some((5, &still_id, &still_bytes)),
                Some((2, record(&still))),
            )
            .unwrap();
            write_plain_block(&l, 0, &[&coinbase, &mined], 7);
            let rotation = l.begin_journal_rotation().unwrap();
            l.finish_journal_rotation(rotation, std::iter::once((5, &still_id, &still_bytes[..])))
                .unwrap();
            check(&l);
            assert_eq!(l.get::<WalletTxIndex>(&still_id).unwrap(), None);
        }
        // The waiting one's record was in the journal's new file: stored when it is reopened.
        let l = Ledger::open(dir.path()).unwrap();
        check(&l);
        assert_eq!(
            l.get::<WalletTxIndex>(&still.compute_txid()).unwrap(),
            Some(2)
        );
    }

    /// A format-4 ledger opens with its rows as they were.
    #[test]
    fn a_format_4_ledger_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let txid = Txid::from_byte_array([5; 32]);
        {
            let l = Ledger::open(dir.path()).unwrap();
            let mut b = WriteBatch::default();
            let mut row = 4u32.to_le_bytes().to_vec();
            row.extend_from_slice(&1u32.to_le_bytes());
            b.put_cf(l.cf(TxIndex::CF), txid.to_byte_array(), row);
            l.put::<WalletTxIndex>(&mut b, &txid, &3);
            l.put::<Meta>(&mut b, &KEY_FORMAT, &4u32.to_le_bytes().to_vec());
            l.db.write(b).unwrap();
        }
        let l = Ledger::open(dir.path()).unwrap();
        assert_eq!(l.tx_location(&txid).unwrap(), Some((4, 1)));
        assert_eq!(l.wallet_tx_seq(&txid).unwrap(), Some(3));
        let version = l.get::<Meta>(&KEY_FORMAT).unwrap().unwrap();
        assert_eq!(version, FORMAT_VERSION.to_le_bytes().to_vec());
    }

    /// Writes a block of `txs` with no effects beyond themselves at `height`.
    fn write_plain_block(l: &Ledger, height: u32, txs: &[&bitcoin::Transaction], time: u32) {
        use crate::chain::block::{BlockEffects, BlockView, TxRef};
        let view = BlockView {
            header: test_block(&[], time).header,
            txdata: txs.iter().map(|t| TxRef::Decoded(t)).collect(),
        };
        let effects = BlockEffects {
            txids: txs.iter().map(|t| t.compute_txid()).collect(),
            txs: vec![Default::default(); txs.len()],
            ..Default::default()
        };
        let info = BlockInfo {
            hash: view.block_hash(),
            time,
            miner: None,
            tx_count: txs.len() as u32,
            size: view.total_size() as u32,
        };
        let (batch, _) = l
            .block_batch(height, &view, &info, &effects, &mut HashMap::new())
            .unwrap();
        l.write_block_unsynced(batch).unwrap();
    }

    fn test_block(txs: &[&bitcoin::Transaction], time: u32) -> bitcoin::Block {
        bitcoin::Block {
            header: bitcoin::block::Header {
                version: bitcoin::block::Version::ONE,
                prev_blockhash: BlockHash::all_zeros(),
                merkle_root: bitcoin::TxMerkleNode::all_zeros(),
                time,
                bits: bitcoin::CompactTarget::from_consensus(0x207fffff),
                nonce: 0,
            },
            txdata: txs.iter().map(|t| (*t).clone()).collect(),
        }
    }

    /// A format-5 ledger's transactions move from their rows to the block files, where
    /// blocks and single transactions are read after the upgrade and after reopening, and
    /// the next block's follow them.
    #[test]
    fn a_format_5_ledger_moves_its_transactions_to_the_block_files() {
        use journal::tests::tx;
        let dir = tempfile::tempdir().unwrap();
        let blocks = [
            test_block(&[&tx(0), &tx(1), &tx(2)], 5),
            test_block(&[&tx(3)], 6),
        ];
        {
            let l = Ledger::open(dir.path()).unwrap();
            let mut b = WriteBatch::default();
            for (height, block) in blocks.iter().enumerate() {
                let txids = block.txdata.iter().map(|t| t.compute_txid()).collect();
                l.put::<Blocks>(&mut b, &(height as u32), &(block.header, txids));
                for (i, t) in block.txdata.iter().enumerate() {
                    l.put::<BlockTxs>(&mut b, &(height as u32, i as u32), t);
                }
            }
            l.put::<Meta>(&mut b, &KEY_FORMAT, &5u32.to_le_bytes().to_vec());
            l.db.write(b).unwrap();
        }
        let check = |l: &Ledger| {
            for (height, block) in blocks.iter().enumerate() {
                assert_eq!(l.block(height as u32).unwrap().as_ref(), Some(block));
                for (i, t) in block.txdata.iter().enumerate() {
                    let found = l.transaction_at(height as u32, i as u32).unwrap();
                    assert_eq!(found.as_ref(), Some(t));
                }
                let past = l.transaction_at(height as u32, block.txdata.len() as u32);
                assert_eq!(past.unwrap(), None);
            }
            assert_eq!(l.scan::<BlockTxs>().count(), 0);
            let version = l.get::<Meta>(&KEY_FORMAT).unwrap().unwrap();
            assert_eq!(version, FORMAT_VERSION.to_le_bytes().to_vec());
        };
        {
            let l = Ledger::open(dir.path()).unwrap();
            check(&l);
            write_plain_block(&l, 2, &[&tx(4)], 7);
            l.sync().unwrap();
        }
        let l = Ledger::open(dir.path()).unwrap();
        check(&l);
        assert_eq!(l.transaction_at(2, 0).unwrap(), Some(tx(4)));
        assert_eq!(l.block(2).unwrap().unwrap().txdata, vec![tx(4)]);
    }

    #[test]
    fn keys_persist_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let a = Address::PubKeyHash([7; 20]);
        let k = StoredKey {
            seq: 3,
            secret: [1; 32],
            compressed: true,
            created: 5,
            in_pool: false,
        };
        Ledger::open(dir.path()).unwrap().put_key(&a, &k).unwrap();
        let keys = Ledger::open(dir.path()).unwrap().keys().unwrap();
        assert_eq!(keys, vec![(a, k)]);
    }
}
