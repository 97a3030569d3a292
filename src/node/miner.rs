//! Block production: a node whose wallet holds an address with `mine` permission makes a
//! block every `target-block-time` seconds from the front of its mempool, pausing after
//! `mine-empty-rounds` empty blocks until transactions arrive.

use super::{unix_now, Node, NodeError, NodeState};
use crate::chain::block::{self, coinbase_effects, BlockEffects, BlockView, TxRef};
use crate::chain::state::Delta;
use crate::primitives::address::Address;
use crate::primitives::permission;
use bitcoin::BlockHash;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Room left in a block for the coinbase and header.
const COINBASE_ALLOWANCE: usize = 1000;

impl Node {
    /// The wallet address that may mine the next block, if any.
    pub(crate) fn miner_address(&self, st: &NodeState) -> Option<Address> {
        let height = st.next_height();
        let spacing = self.rules.diversity_spacing(height, self.active_miners(st));
        let recent: Vec<Address> = st
            .blocks
            .iter()
            .rev()
            .take(spacing.saturating_sub(1))
            .filter_map(|b| b.miner)
            .collect();
        st.wallet
            .addresses()
            .find(|a| {
                !recent.contains(a)
                    && crate::chain::state::has_global(
                        &st.chain,
                        &self.rules.anyone,
                        a,
                        permission::MINE,
                        height,
                    )
            })
            .copied()
    }

    /// Makes and connects one block now, if this node may mine. Returns its hash.
    ///
    /// Publishers keep going meanwhile: the block's transactions are taken (shared, not
    /// copied) under a short read lock, the block is signed and its ledger batch prepared
    /// with no lock, and only writing the batch and applying it hold the state.
    pub fn mine_block(&self) -> Result<Option<BlockHash>, NodeError> {
        let _commit = self.commit_lock.lock();
        let (miner, key, height, tip, entries, stats) = {
            let st = self.state.read();
            let Some(miner) = self.miner_address(&st) else {
                return Ok(None);
            };
            let key = *st
                .wallet
                .key(&miner)
                .expect("miner address is in the wallet");
            let count = st
                .mempool
                .prefix_fitting(self.rules.max_block_size.saturating_sub(COINBASE_ALLOWANCE));
            (
                miner,
                key,
                st.next_height(),
                st.tip().clone(),
                st.mempool.entries()[..count].to_vec(),
                st.streams.stats.clone(),
            )
        };
        let count = entries.len();
        let fees: u64 = entries.iter().map(|e| e.fee).sum();
        let txids = entries.iter().map(|e| e.txid).collect();
        let mut delta = Delta::default();
        let mut tx_effects = Vec::with_capacity(count + 1);
        for e in &entries {
            delta.apply(&e.effects);
            tx_effects.push(e.effects.clone());
        }
        // Coins the mempool created have no height yet; in the block they get this one.
        for coin in delta.coins.values_mut().flatten() {
            coin.height.get_or_insert(height);
        }
        let coinbase =
            block::unsigned_coinbase(height, &miner, self.rules.block_reward(height) + fees);
        let time = unix_now().max(tip.time);
        let started = std::time::Instant::now();
        let mined = block::assemble_header(
            tip.hash,
            time,
            block::pow_limit(self.rules.pow_bits),
            coinbase,
            txids,
            &key,
            self.rules.skip_pow,
        );
        // The block's transactions are read where they are, serialized in the mempool
        // entries, which this thread keeps until the block is written.
        let b = BlockView {
            header: mined.header,
            txdata: std::iter::once(TxRef::Decoded(&mined.coinbase))
                .chain(entries.iter().map(|e| TxRef::Encoded(&e.raw)))
                .collect(),
        };
        {
            let secs = started.elapsed().as_secs_f64().max(1e-6);
            let mut stats = self.stats.lock();
            stats.hashes_per_sec = ((b.header.nonce as f64 + 1.0) / secs) as u64;
            stats.last_block_size = b.total_size() as u64;
            stats.last_block_tx = count as u64;
        }
        let cb_effects = coinbase_effects(&mined.coinbase, height);
        delta.apply(&cb_effects);
        tx_effects.insert(0, std::sync::Arc::new(cb_effects));
        let mut times: Vec<u32> = vec![b.header.time];
        times.extend(entries.iter().map(|e| e.time));
        let effects = BlockEffects {
            miner: Some(miner),
            txids: mined.txids,
            txs: tx_effects,
            delta,
            times,
        };
        let hash = b.block_hash();
        let prepared = self.prepare_commit(height, &b, effects, stats)?;
        self.finish_commit(&b, prepared, count)?;
        drop(b);
        // The mempool let go of these entries when the block was applied: freed here, with
        // no lock held.
        drop(entries);
        {
            let mut st = self.state.write();
            st.empty_rounds = if count == 0 { st.empty_rounds + 1 } else { 0 };
        }
        tracing::debug!(height, txs = count, "mined block {hash}");
        Ok(Some(hash))
    }

    /// Whether a block should be made now.
    fn block_due(&self) -> bool {
        if self.mining_paused.load(Ordering::SeqCst) {
            return false;
        }
        let st = self.state.read();
        if unix_now() < st.tip().time + self.params.target_block_time() as u32 {
            return false;
        }
        !self.waiting_for_transactions(&st)
    }

    /// Whether mining waits for a transaction: `mine-empty-rounds` empty blocks in a row
    /// made, and the mempool empty.
    pub(crate) fn waiting_for_transactions(&self, st: &NodeState) -> bool {
        let empty_rounds = self.setting("mineemptyrounds");
        st.mempool.is_empty() && empty_rounds >= 0 && st.empty_rounds as i64 >= empty_rounds
    }
}

/// Runs the mining loop on its own thread until the node stops.
pub fn spawn(node: Arc<Node>) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("miner".into())
        .spawn(move || {
            while !node.is_stopping() {
                if node.generate.load(Ordering::SeqCst) && node.block_due() {
                    if let Err(e) = node.mine_block() {
                        tracing::error!("mining failed: {e}");
                    }
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
        .expect("spawn miner thread")
}
