//! The node: chain state, mempool and wallet behind one lock, the ledger beneath, and the
//! operations the RPC layer calls. Start-up builds the genesis block on a new chain.

pub mod actions;
pub mod binary_cache;
pub mod mempool;
pub mod miner;
pub mod state_lock;
pub mod streams;
pub mod verify_chain;

use crate::chain::block::{
    self, check_block, coinbase_effects, BlockContext, BlockEffects, BlockView,
};
use crate::chain::entities::{Entity, Position};
use crate::chain::rules::{check_transaction_with_txid, RuleParams, TxContext};
use crate::chain::state::{
    ChainState, Delta, Overlay, PermissionKey, PermissionRecord, StateView, TxEffects,
};
use crate::chain::{BlockReject, TxReject};
use crate::ledger::tables::BlockInfo;
use crate::ledger::{Ledger, LedgerError};
use crate::params::runtime::Options;
use crate::params::{ChainParams, ParamsStatus};
use crate::primitives::address::{Address, AddressFormat};
use crate::primitives::permission;
use crate::primitives::script;
use crate::wallet::builder::BuildError;
use crate::wallet::Wallet;
use bitcoin::hashes::Hash;
use bitcoin::{Block, BlockHash, Transaction, Txid};
use foldhash::HashMap;
use mempool::{Mempool, MempoolEntry};
use state_lock::StateLock;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Rejected(#[from] TxReject),
    #[error("{0}")]
    Build(#[from] BuildError),
    #[error("block rejected: {0}")]
    Block(#[from] BlockReject),
    #[error("{0}")]
    Params(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Refused(#[from] actions::Refusal),
}

/// MultiChain's default `-maxshowndata`.
const MAX_SHOWN_DATA: i64 = 16384;
/// MultiChain's default `-maxqueryscanitems`.
const MAX_QUERY_SCAN_ITEMS: i64 = 5000;

/// Integer options a running node reads each time, which `setruntimeparam` may change.
pub const RUNTIME_SETTINGS: [&str; 3] = ["mineemptyrounds", "maxshowndata", "maxqueryscanitems"];

/// Addresses whose text `Node::address_string` keeps.
const ADDRESS_TEXT_CACHE: usize = 65536;

/// A block ready to be written: its summary, effects, ledger batch and the stream counts
/// after it.
struct PreparedBlock {
    height: u32,
    info: BlockInfo,
    effects: BlockEffects,
    batch: crate::ledger::BlockBatch,
    stats: HashMap<[u8; 16], crate::ledger::streams::StreamStats>,
    index_stats: crate::ledger::streams::IndexStatsMap,
}

/// What a block took out of the in-memory state, to be freed after the lock is released.
#[derive(Default)]
struct Leftovers {
    entries: Vec<std::sync::Arc<MempoolEntry>>,
    pending: HashMap<[u8; 16], streams::PendingStream>,
}

/// Ledger writes an accepted transaction still needs: its mempool copy and wallet record.
#[derive(Default)]
pub struct Unpersisted {
    mempool: Option<std::sync::Arc<MempoolEntry>>,
    wallet: Option<(u64, crate::wallet::history::WalletTx)>,
}

/// Where a transaction offered to the mempool comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Built and signed by this node's wallet just now.
    Wallet,
    /// From a client (`sendrawtransaction`) or a peer: checked in full.
    Outside,
    /// Re-checked from the stored mempool (already persisted).
    Reload,
}

pub fn unix_now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as u32)
        .unwrap_or(0)
}

/// Everything that changes, under one lock.
pub struct NodeState {
    pub chain: ChainState,
    pub blocks: Vec<BlockInfo>,
    pub mempool: Mempool,
    pub wallet: Wallet,
    mempool_seq: u64,
    /// Blocks mined in a row without transactions (`mine-empty-rounds`).
    pub empty_rounds: u32,
    /// Native currency created by block rewards so far (raw units).
    rewards: u64,
    pub streams: streams::StreamIndexes,
    /// Next position in the wallet history.
    wallet_seq: u64,
}

impl NodeState {
    /// Height the next block will have.
    pub fn next_height(&self) -> u32 {
        self.blocks.len() as u32
    }

    pub fn tip_height(&self) -> u32 {
        self.blocks.len().saturating_sub(1) as u32
    }

    pub fn chain_rewards(&self) -> u64 {
        self.rewards
    }

    pub fn tip(&self) -> &BlockInfo {
        self.blocks
            .last()
            .expect("a started node has its genesis block")
    }

    /// The state as queries see it: confirmed plus mempool.
    pub fn view(&self) -> Overlay<'_, ChainState> {
        Overlay {
            base: &self.chain,
            delta: &self.mempool.delta,
        }
    }

    /// Global permissions of an address at the next block, as the mempool sees them.
    pub fn has_permission(&self, node: &Node, address: &Address, bit: u32) -> bool {
        crate::chain::state::has_global(
            &self.view(),
            &node.rules.anyone,
            address,
            bit,
            self.next_height(),
        )
    }

    /// Every permission record (confirmed and pending in the mempool), in no particular order
    /// (`listpermissions` puts them in MultiChain's).
    pub fn permission_records(&self) -> Vec<(PermissionKey, PermissionRecord)> {
        let mut all: std::collections::HashMap<PermissionKey, PermissionRecord> = self
            .chain
            .permissions
            .iter()
            .map(|(k, r)| (*k, r.clone()))
            .collect();
        for (k, r) in &self.mempool.delta.permissions {
            all.insert(*k, r.clone());
        }
        all.into_iter().collect()
    }

    /// Transactions in the wallet history, confirmed and waiting.
    pub fn wallet_tx_count(&self) -> u64 {
        self.wallet_seq
    }

    fn track_wallet_coins(&mut self, effects: &TxEffects) {
        for (op, coin) in &effects.spent {
            if let Some(a) = script::parse(&coin.output.script_pubkey).and_then(|p| p.address()) {
                self.wallet.remove_coin(&a, op);
            }
        }
        for (op, coin) in &effects.created {
            if let Some(a) = script::parse(&coin.output.script_pubkey).and_then(|p| p.address()) {
                self.wallet.add_coin(a, *op);
            }
        }
    }

    /// Native and asset amounts in an address's unlocked outputs (mempool view).
    pub fn balances_of(&self, a: &Address) -> (u64, crate::chain::metadata::AssetAmounts) {
        let view = self.view();
        let mut native = 0u64;
        let mut assets = Vec::new();
        for op in self.wallet.coins_of(a) {
            if self.wallet.is_locked(op) {
                continue;
            }
            if let Some(c) = view.coin(op) {
                native += c.output.value.to_sat();
                for (id, q) in crate::chain::metadata::coin_assets(op, &c.output.script_pubkey) {
                    let _ = crate::chain::metadata::add_amount(&mut assets, id, q);
                }
            }
        }
        (native, assets)
    }

    /// Re-indexes the mempool's stream items (after a block took some of them).
    fn rebuild_pending_items(&mut self) {
        self.streams.pending.clear();
        for e in self.mempool.entries() {
            self.streams.add_pending(e);
        }
    }

    /// Rebuilds the wallet's coin index from the state (after loading or an import).
    pub fn rescan_wallet_coins(&mut self) {
        self.wallet.clear_coins();
        let mut found = Vec::new();
        for (op, coin) in &self.chain.coins {
            if let Some(a) = script::parse(&coin.output.script_pubkey).and_then(|p| p.address()) {
                found.push((a, *op));
            }
        }
        for (op, coin) in &self.mempool.delta.coins {
            match coin {
                Some(c) => {
                    if let Some(a) =
                        script::parse(&c.output.script_pubkey).and_then(|p| p.address())
                    {
                        found.push((a, *op));
                    }
                }
                None => found.retain(|(_, o)| o != op),
            }
        }
        for (a, op) in found {
            if self.view().coin(&op).is_some() {
                self.wallet.add_coin(a, op);
            }
        }
    }
}

pub struct Node {
    pub params: ChainParams,
    pub rules: RuleParams,
    pub format: AddressFormat,
    pub chain_dir: PathBuf,
    pub options: Options,
    pub ledger: Ledger,
    pub state: StateLock,
    /// Held by whoever connects a block (miner, incoming block, mempool clearing), so the
    /// mempool prefix a block is made from stays put until the block is applied.
    pub commit_lock: parking_lot::Mutex<()>,
    pub mining_paused: AtomicBool,
    /// `-gen`, which `setgenerate` changes: whether this node makes blocks at all.
    pub generate: AtomicBool,
    /// `-genproclimit`, as `setgenerate` last set it.
    pub gen_proc_limit: std::sync::atomic::AtomicI64,
    pub incoming_paused: AtomicBool,
    pub stopping: AtomicBool,
    pub burn_address: String,
    pub stats: parking_lot::Mutex<MiningStats>,
    /// Base58 text of addresses already shown: item listings show the same few publishers
    /// over and over, and encoding one costs more than the rest of the item.
    address_text: parking_lot::RwLock<crate::chain::state::UserKeyedMap<Address, String>>,
    /// The integer options `setruntimeparam` may change ([`RUNTIME_SETTINGS`]) as they stand:
    /// read from `options` at start, then as last set.
    settings: parking_lot::RwLock<std::collections::HashMap<&'static str, i64>>,
}

/// Figures `getmininginfo` reports about this node's mining.
#[derive(Clone, Debug, Default)]
pub struct MiningStats {
    pub last_block_size: u64,
    pub last_block_tx: u64,
    pub hashes_per_sec: u64,
}

impl MiningStats {
    /// Work of the last 120 blocks over the time they took (Bitcoin's `getnetworkhashps`).
    /// Hashes per second over the last `window` block intervals of `blocks` (getmininginfo,
    /// getnetworkhashps).
    pub fn hashps_over(blocks: &[BlockInfo], window: usize, pow_bits: u32) -> u64 {
        let n = blocks.len().saturating_sub(1).min(window);
        if n == 0 {
            return 0;
        }
        let window = &blocks[blocks.len() - 1 - n..];
        let min = window.iter().map(|b| b.time).min().unwrap_or(0);
        let max = window.iter().map(|b| b.time).max().unwrap_or(0);
        if max == min {
            return 0;
        }
        // Every block has the minimum-difficulty target: 2^bits hashes each on average.
        (n as u64 * (1u64 << pow_bits.min(63))) / (max - min) as u64
    }
}

/// What happened at start-up, for the console messages.
pub struct Startup {
    pub created_genesis: bool,
}

impl Node {
    /// Opens the chain in `chain_dir` (params.dat must exist), building the genesis block on
    /// first start.
    pub fn open(
        chain_dir: &Path,
        mut params: ChainParams,
        options: Options,
    ) -> Result<(Node, Startup), NodeError> {
        let ledger = Ledger::open(&chain_dir.join("ledger"))?;
        let wallet = Wallet::load(&ledger)?;
        let loaded = ledger.load()?;
        let mut created_genesis = false;
        let format = params.address_format();

        let root = root_stream(&params);
        let genesis = if loaded.tip.is_none() {
            let description = params.string("chain-description");
            let bits = block::pow_limit(params.int("pow-minimum-bits").clamp(1, 32) as u32);
            let block = if params.status() == ParamsStatus::Valid {
                // Params know the genesis: rebuild it and check it is the same block.
                let pubkey = params.hex("genesis-pubkey").unwrap_or_default().to_vec();
                let time = params.int("genesis-timestamp") as u32;
                let b = block::genesis_block(&description, &pubkey, time, bits, root.as_ref());
                let mut expected = params.hex("genesis-hash").unwrap_or_default().to_vec();
                expected.reverse();
                if b.block_hash().to_byte_array().as_slice() != expected.as_slice() {
                    return Err(NodeError::Params(
                        "The genesis block cannot be rebuilt from params.dat (genesis-hash mismatch)".into(),
                    ));
                }
                b
            } else {
                let key = wallet
                    .key(&wallet.default_address())
                    .copied()
                    .expect("default key");
                let pubkey = key.public_key_bytes();
                let b =
                    block::genesis_block(&description, &pubkey, unix_now(), bits, root.as_ref());
                let mut display_hash = b.block_hash().to_byte_array();
                display_hash.reverse();
                params.complete_genesis(
                    &pubkey,
                    block::GENESIS_VERSION as u32,
                    b.header.time,
                    b.header.bits.to_consensus(),
                    b.header.nonce,
                    &display_hash,
                );
                write_params(chain_dir, &params)?;
                created_genesis = true;
                b
            };
            Some(block)
        } else {
            None
        };

        let rules = RuleParams::from_params(&params);
        let settings = [
            (
                "mineemptyrounds",
                options.int(
                    "mineemptyrounds",
                    params.decimal("mine-empty-rounds").round() as i64,
                ),
            ),
            ("maxshowndata", options.int("maxshowndata", MAX_SHOWN_DATA)),
            (
                "maxqueryscanitems",
                options.int("maxqueryscanitems", MAX_QUERY_SCAN_ITEMS),
            ),
        ];
        let generate = options.flag("gen", true);
        let gen_proc_limit = options.int("genproclimit", 1);
        let node = Node {
            burn_address: format.burn_address(),
            format,
            rules,
            chain_dir: chain_dir.to_path_buf(),
            options,
            ledger,
            commit_lock: parking_lot::Mutex::new(()),
            state: StateLock::new(NodeState {
                chain: loaded.state,
                blocks: loaded.blocks,
                mempool: Mempool::default(),
                wallet,
                mempool_seq: 0,
                empty_rounds: 0,
                rewards: 0,
                streams: streams::StreamIndexes {
                    stats: loaded.stream_stats,
                    pending: Default::default(),
                    subscriptions: loaded.subscriptions,
                    index_stats: Default::default(),
                },
                wallet_seq: 0,
            }),
            stats: parking_lot::Mutex::new(MiningStats::default()),
            address_text: Default::default(),
            settings: parking_lot::RwLock::new(settings.into_iter().collect()),
            mining_paused: AtomicBool::new(false),
            generate: AtomicBool::new(generate),
            gen_proc_limit: std::sync::atomic::AtomicI64::new(gen_proc_limit),
            incoming_paused: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            params,
        };
        if let Some(g) = genesis {
            node.connect_genesis(&g)?;
        }
        {
            let mut st = node.state.write();
            st.wallet_seq = node.ledger.wallet_tx_count()?;
            st.rewards = (1..st.next_height())
                .map(|h| node.rules.block_reward(h))
                .sum();
            st.rescan_wallet_coins();
        }
        node.reload_mempool()?;
        Ok((node, Startup { created_genesis }))
    }

    /// The genesis coinbase output gives the genesis key every global permission.
    fn connect_genesis(&self, block: &Block) -> Result<(), NodeError> {
        let coinbase = &block.txdata[0];
        let mut effects = coinbase_effects(coinbase, 0);
        let pubkey = self.params.hex("genesis-pubkey").unwrap_or_default();
        let admin = Address::PubKeyHash(crate::primitives::address::hash160(pubkey));
        let order = [
            permission::MINE,
            permission::ADMIN,
            permission::ACTIVATE,
            permission::CONNECT,
            permission::SEND,
            permission::RECEIVE,
            permission::ISSUE,
            permission::CREATE,
        ];
        // A permission the genesis admin holds from the start, numbered in grant order.
        let grant = |entity: Option<[u8; 16]>, bit, seq: usize| {
            let key = PermissionKey {
                entity,
                address: admin,
                bit,
            };
            let record = PermissionRecord {
                start: 0,
                end: u32::MAX,
                timestamp: block.header.time,
                admins: vec![admin],
                seq: seq as u64,
            };
            (key, None, record)
        };
        for (seq, bit) in order.into_iter().enumerate() {
            effects.permissions.push(grant(None, bit, seq));
        }
        // The root stream, created by the genesis coinbase; the genesis admin owns it and
        // the node is subscribed to it.
        let mut root_id = None;
        if let Some(root) = root_stream(&self.params) {
            let e = Entity {
                txid: coinbase.compute_txid(),
                kind: crate::primitives::entity::KIND_STREAM,
                details: root.details(),
                position: Some(Position {
                    height: 0,
                    offset: 0,
                }),
                creators: vec![admin],
                seq: 0,
                issues: Default::default(),
            };
            let id = e.short_id();
            for (i, bit) in [permission::ADMIN, permission::ACTIVATE, permission::WRITE]
                .into_iter()
                .enumerate()
            {
                effects
                    .permissions
                    .push(grant(Some(id), bit, order.len() + i));
            }
            effects.entities.push((id, None, e));
            root_id = Some(id);
        }
        let mut delta = Delta::default();
        delta.apply(&effects);
        let block_effects = BlockEffects {
            miner: Some(admin),
            txids: vec![block.txdata[0].compute_txid()],
            txs: vec![std::sync::Arc::new(effects)],
            delta,
            times: vec![block.header.time],
        };
        {
            let _commit = self.commit_lock.lock();
            self.commit(block, block_effects, 0)?;
        }
        if let Some(id) = root_id {
            self.subscribe(&id)?;
        }
        Ok(())
    }

    /// Subscribes to a stream (idempotent).
    pub fn subscribe(&self, id: &[u8; 16]) -> Result<(), NodeError> {
        let mut st = self.state.write();
        if st.streams.is_subscribed(id) {
            return Ok(());
        }
        let order = st.streams.subscriptions.len() as u64;
        self.ledger.put_subscription(id, order)?;
        st.streams.subscriptions.push(*id);
        Ok(())
    }

    pub fn unsubscribe(&self, id: &[u8; 16]) -> Result<(), NodeError> {
        let mut st = self.state.write();
        self.ledger.remove_subscription(id)?;
        st.streams.subscriptions.retain(|s| s != id);
        Ok(())
    }

    /// Writes a checked block and applies it in memory; mined mempool entries leave the pool.
    /// The caller holds `commit_lock`.
    fn commit(
        &self,
        block: &Block,
        effects: BlockEffects,
        mined_from_pool: usize,
    ) -> Result<(), NodeError> {
        let (height, stats) = {
            let st = self.state.read();
            (st.next_height(), st.streams.stats.clone())
        };
        let block = BlockView::of(block);
        let prepared = self.prepare_commit(height, &block, effects, stats)?;
        self.finish_commit(&block, prepared, mined_from_pool)
    }

    /// Everything about writing a block that needs no lock: entity positions, the block's
    /// summary and its ledger batch (with the stream counts it leads to).
    fn prepare_commit(
        &self,
        height: u32,
        block: &BlockView,
        mut effects: BlockEffects,
        mut stats: HashMap<[u8; 16], crate::ledger::streams::StreamStats>,
    ) -> Result<PreparedBlock, NodeError> {
        Self::place_entities(block, height, &mut effects);
        let info = BlockInfo {
            hash: block.block_hash(),
            time: block.header.time,
            miner: effects.miner,
            tx_count: block.txdata.len() as u32,
            size: block.total_size() as u32,
        };
        let (batch, index_stats) = self
            .ledger
            .block_batch(height, block, &info, &effects, &mut stats)?;
        Ok(PreparedBlock {
            height,
            info,
            effects,
            batch,
            stats,
            index_stats,
        })
    }

    /// Writes the batch and applies the block in memory with readers held at the gate, then
    /// waits for the disk with no lock held: one fsync per block.
    fn finish_commit(
        &self,
        block: &BlockView,
        prepared: PreparedBlock,
        mined_from_pool: usize,
    ) -> Result<(), NodeError> {
        let PreparedBlock {
            height,
            info,
            effects,
            batch,
            stats,
            index_stats,
        } = prepared;
        {
            let _gate = self.state.close_gate();
            self.ledger.write_block_unsynced(batch)?;
            let mut st = self.state.write();
            st.streams.stats = stats;
            let full_counts = st.streams.confirm_index_stats(index_stats);
            let leftovers =
                self.apply_block(&mut st, height, block, info, &effects, mined_from_pool)?;
            drop(st);
            // Freeing a block's worth of entries takes milliseconds: not under the lock.
            drop(leftovers);
            drop(full_counts);
        }
        drop(effects);
        self.ledger.sync()?;
        self.rotate_journal()?;
        release_freed_memory();
        Ok(())
    }

    fn apply_block(
        &self,
        st: &mut NodeState,
        height: u32,
        block: &BlockView,
        info: BlockInfo,
        effects: &BlockEffects,
        mined_from_pool: usize,
    ) -> Result<Leftovers, NodeError> {
        st.chain.absorb(&effects.delta);
        if height > 0 {
            st.rewards += self.rules.block_reward(height);
        }
        st.blocks.push(info);
        let mut leftovers = Leftovers::default();
        if mined_from_pool > 0 {
            leftovers.entries = st.mempool.remove_prefix(mined_from_pool);
            leftovers.pending = std::mem::take(&mut st.streams.pending);
            st.rebuild_pending_items();
        }
        // Coinbase outputs are new to the wallet; the rest it saw at mempool acceptance.
        if let Some(cb) = effects.txs.first() {
            let cb = cb.clone();
            st.track_wallet_coins(&cb);
            if height > 0 {
                let txid = effects.txids[0];
                self.record_wallet_tx(
                    st,
                    &block.txdata[0].decoded(),
                    txid,
                    &cb,
                    block.header.time,
                )?;
            }
        }
        if mined_from_pool == 0 {
            let txs = block.txdata.iter().zip(&effects.txids).zip(&effects.txs);
            for ((tx, txid), e) in txs.skip(1) {
                self.record_wallet_tx(st, &tx.decoded(), *txid, e, block.header.time)?;
            }
        }
        if mined_from_pool == 0 && block.txdata.len() > 1 {
            st.rescan_wallet_coins();
        }
        Ok(leftovers)
    }

    /// Validates `tx` against chain + mempool and adds it to the mempool.
    pub fn accept_transaction(&self, tx: Transaction) -> Result<Txid, NodeError> {
        let (txid, unpersisted) = {
            let mut st = self.state.write();
            self.accept_locked(&mut st, tx, Origin::Outside)?
        };
        self.persist(unpersisted)?;
        Ok(txid)
    }

    /// Stores what acceptance left to write. Called after the state lock is released, so
    /// concurrent requests' writes are grouped by RocksDB instead of queueing on the lock;
    /// the caller answers its client only afterwards.
    pub(crate) fn persist(&self, u: Unpersisted) -> Result<(), NodeError> {
        self.ledger.put_accepted_tx(
            u.mempool.as_ref().map(|e| (e.seq, &e.txid, &e.raw[..])),
            u.wallet,
        )?;
        Ok(())
    }

    /// Checks `tx` and adds it to the in-memory mempool and wallet; returns what is still
    /// to be written to the ledger (see `persist`).
    pub(crate) fn accept_locked(
        &self,
        st: &mut NodeState,
        tx: Transaction,
        origin: Origin,
    ) -> Result<(Txid, Unpersisted), NodeError> {
        let txid = tx.compute_txid();
        if st.mempool.contains(&txid) {
            return Err(TxReject::duplicate("txn-already-in-mempool").into());
        }
        // A transaction our wallet just built spends unspent coins, so it cannot be in the chain.
        if origin != Origin::Wallet && self.ledger.tx_location(&txid)?.is_some() {
            return Err(TxReject::AlreadyInChain.into());
        }
        let ctx = TxContext {
            rules: &self.rules,
            height: st.next_height(),
            time: unix_now(),
            verify_signatures: origin != Origin::Wallet,
        };
        let checked = {
            let view = st.view();
            check_transaction_with_txid(&view, &ctx, &tx, txid)?
        };
        let size = tx.total_size();
        st.mempool_seq += 1;
        let now = unix_now();
        let record = self.wallet_record(
            st,
            &tx,
            txid,
            &checked.effects,
            now,
            origin != Origin::Wallet,
        )?;
        let wallet = record.map(|r| (st.wallet_seq, r));
        if wallet.is_some() {
            st.wallet_seq += 1;
        }
        st.track_wallet_coins(&checked.effects);
        // Exactly as long as the transaction: `serialize` grows its buffer by doubling, and
        // a block's worth of these lives in memory.
        let mut raw = Vec::with_capacity(size);
        bitcoin::consensus::Encodable::consensus_encode(&tx, &mut raw)
            .expect("writing to a Vec cannot fail");
        let entry = st.mempool.add(MempoolEntry {
            seq: st.mempool_seq,
            raw,
            txid,
            effects: std::sync::Arc::new(checked.effects),
            fee: checked.fee,
            time: now,
        });
        st.streams.add_pending(&entry);
        let unpersisted = Unpersisted {
            // A reloaded transaction is already stored.
            mempool: (origin != Origin::Reload).then_some(entry),
            wallet,
        };
        Ok((txid, unpersisted))
    }

    /// Adds a transaction to the wallet history if it involves the wallet and is new there.
    fn record_wallet_tx(
        &self,
        st: &mut NodeState,
        tx: &Transaction,
        txid: Txid,
        effects: &TxEffects,
        time: u32,
    ) -> Result<(), NodeError> {
        if let Some(rec) = self.wallet_record(st, tx, txid, effects, time, true)? {
            self.ledger.put_wallet_tx(st.wallet_seq, &rec)?;
            st.wallet_seq += 1;
        }
        Ok(())
    }

    /// The wallet history record of `tx` if it involves the wallet; with `check_known`, none
    /// when the history already has it (a fresh wallet transaction cannot be there).
    fn wallet_record(
        &self,
        st: &NodeState,
        tx: &Transaction,
        txid: Txid,
        effects: &TxEffects,
        time: u32,
        check_known: bool,
    ) -> Result<Option<crate::wallet::history::WalletTx>, NodeError> {
        let Some(rec) = crate::wallet::history::record(tx, txid, effects, time, |a| {
            st.wallet.is_mine(a) || st.wallet.is_watch_only(a)
        }) else {
            return Ok(None);
        };
        if check_known && self.ledger.wallet_tx_seq(&rec.txid)?.is_some() {
            return Ok(None);
        }
        Ok(Some(rec))
    }

    /// Re-validates the transactions a previous run accepted but did not mine.
    fn reload_mempool(&self) -> Result<(), NodeError> {
        let txs = self.ledger.take_recovered_txs();
        let mut st = self.state.write();
        for tx in txs {
            let txid = tx.compute_txid();
            match self.accept_locked(&mut st, tx, Origin::Reload) {
                Ok((_, u)) => self.persist(u)?,
                Err(e) => tracing::warn!("dropping stored mempool transaction {txid}: {e}"),
            }
        }
        drop(st);
        self.rotate_journal()
    }

    /// Starts a new mempool journal holding exactly the mempool: after a block, or when
    /// transactions left the mempool some other way.
    fn rotate_journal(&self) -> Result<(), NodeError> {
        let rotation = self.ledger.begin_journal_rotation()?;
        // Taken after the rotation began: a transaction accepted later goes to the new
        // file by itself.
        let waiting = self.state.read().mempool.entries().to_vec();
        self.ledger.finish_journal_rotation(
            rotation,
            waiting.iter().map(|e| (e.seq, &e.txid, &e.raw[..])),
        )?;
        Ok(())
    }

    /// Connects a block received from elsewhere (full validation).
    pub fn submit_block(&self, block: &Block) -> Result<(), NodeError> {
        let _commit = self.commit_lock.lock();
        let effects = {
            let st = self.state.read();
            let recent: Vec<Address> = st
                .blocks
                .iter()
                .rev()
                .take(64)
                .filter_map(|b| b.miner)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let ctx = BlockContext {
                rules: &self.rules,
                height: st.next_height(),
                prev_hash: st.tip().hash,
                prev_time: st.tip().time,
                active_miners: self.active_miners(&st),
                recent_miners: &recent,
            };
            let mut e = check_block(&st.chain, &ctx, block)?;
            e.times = vec![block.header.time; block.txdata.len()];
            e
        };
        // Transactions of this block leave the mempool; the rest are re-checked on top (or
        // where they were, should the block not be written).
        let pending = self.state.write().mempool.take_all();
        let committed = self.commit(block, effects, 0);
        let mut st = self.state.write();
        st.streams.pending.clear();
        // Every one is taken back before any error is reported.
        let mut persisted = Ok(());
        for e in pending {
            if let Ok((_, u)) = self.accept_locked(&mut st, e.tx(), Origin::Reload) {
                if let Err(err) = self.persist(u) {
                    persisted = persisted.and(Err(err));
                }
            }
        }
        st.rescan_wallet_coins();
        drop(st);
        committed?;
        persisted?;
        self.rotate_journal()
    }

    /// Gives confirmed positions to entities created in a block.
    fn place_entities(block: &BlockView, height: u32, effects: &mut BlockEffects) {
        let creates = |t: &std::sync::Arc<TxEffects>| !t.entities.is_empty();
        if !effects.txs.iter().any(creates) && effects.delta.entities.is_empty() {
            return;
        }
        let mut offset = block.first_tx_offset() as u32;
        let mut positions = std::collections::HashMap::new();
        for (tx, txid) in block.txdata.iter().zip(&effects.txids) {
            positions.insert(*txid, offset);
            offset += tx.size() as u32;
        }
        let place = |e: &mut Entity| {
            if e.position.is_none() {
                if let Some(off) = positions.get(&e.txid) {
                    e.position = Some(Position {
                        height,
                        offset: *off,
                    });
                }
            }
        };
        for t in effects.txs.iter_mut().filter(|t| !t.entities.is_empty()) {
            // Shared with the mempool entry: copied only here, for the rare entity creation.
            for (_, _, e) in std::sync::Arc::make_mut(t).entities.iter_mut() {
                place(e);
            }
        }
        for e in effects.delta.entities.values_mut() {
            place(e);
        }
    }

    /// Addresses holding `mine` now (for mining diversity).
    pub fn active_miners(&self, st: &NodeState) -> usize {
        let h = st.next_height();
        st.chain
            .permissions
            .iter()
            .filter(|(k, r)| k.entity.is_none() && k.bit == permission::MINE && r.active_at(h))
            .count()
            .max(1)
    }

    /// One of [`RUNTIME_SETTINGS`] as it stands now (0 for any other name).
    pub fn setting(&self, name: &str) -> i64 {
        self.settings.read().get(name).copied().unwrap_or(0)
    }

    /// Changes one of [`RUNTIME_SETTINGS`] (`setruntimeparam`); false for any other name.
    pub fn set_setting(&self, name: &str, value: i64) -> bool {
        let Some(key) = RUNTIME_SETTINGS.iter().find(|k| **k == name) else {
            return false;
        };
        self.settings.write().insert(key, value);
        true
    }

    /// Whether blocks reward their miners with a native currency (MultiChain: an initial or
    /// first-block reward); without one every native amount is 0.
    pub fn has_native_currency(&self) -> bool {
        self.params.int("initial-block-reward") > 0 || self.params.int("first-block-reward") > 0
    }

    /// The chain's binary cache (`cache/` in its directory).
    pub fn binary_cache(&self) -> binary_cache::BinaryCache {
        binary_cache::BinaryCache::new(&self.chain_dir)
    }

    /// `-maxshowndata`: item data larger than this is shown as a reference.
    pub fn max_shown_data(&self) -> i64 {
        self.setting("maxshowndata")
    }

    /// An address in this chain's Base58 form (memoised; bounded).
    pub fn address_string(&self, address: &Address) -> String {
        if let Some(text) = self.address_text.read().get(address) {
            return text.clone();
        }
        let text = self.format.encode_address(address);
        let mut cache = self.address_text.write();
        if cache.len() >= ADDRESS_TEXT_CACHE {
            cache.clear();
        }
        cache.insert(*address, text.clone());
        text
    }

    pub fn mining_stats(&self) -> MiningStats {
        self.stats.lock().clone()
    }

    /// Drops every mempool transaction (`clearmempool`).
    pub fn clear_mempool(&self) -> Result<(), NodeError> {
        let _commit = self.commit_lock.lock();
        let mut st = self.state.write();
        let gone = st.mempool.take_all();
        st.streams.pending.clear();
        st.rescan_wallet_coins();
        drop(st);
        // Freed with the lock released.
        drop(gone);
        self.rotate_journal()
    }

    pub fn block(&self, height: u32) -> Result<Option<Block>, NodeError> {
        Ok(self.ledger.block(height)?)
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    pub fn request_stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    pub fn block_hash_display(hash: &BlockHash) -> String {
        hash.to_string()
    }
}

/// The root stream a chain's genesis creates, if `root-stream-name` is not empty.
pub fn root_stream(params: &ChainParams) -> Option<block::RootStream> {
    let name = params.string("root-stream-name");
    (!name.is_empty()).then(|| block::RootStream {
        name,
        open: params.bool("root-stream-open"),
    })
}

/// Writes params.dat atomically (temp file + rename).
pub fn write_params(chain_dir: &Path, params: &ChainParams) -> Result<(), NodeError> {
    let tmp = chain_dir.join("params.dat.tmp");
    std::fs::write(&tmp, params.render())?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, chain_dir.join("params.dat"))?;
    Ok(())
}

/// A block's work allocates and frees tens of megabytes, some of it in RocksDB's glibc heap;
/// hand those freed pages back to the system so the resident size follows what is held.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}
