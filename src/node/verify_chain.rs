//! `verifychain`: the stored blocks read back and checked against the chain the node holds.

use super::{Node, NodeError};

/// What `verifychain` checks by default: MultiChain's `-checklevel` and `-checkblocks`.
pub const DEFAULT_LEVEL: i64 = 3;
pub const DEFAULT_BLOCKS: i64 = 288;

impl Node {
    /// Reads back the last `blocks` blocks (all for 0 or less) and checks each: it is stored,
    /// its hash is the chain's at that height, it follows the block before, and its merkle
    /// root matches its transactions; from `level` 1, the transaction index places each of
    /// its transactions there; from `level` 2, its undo data is stored. Whether all held.
    pub fn verify_blocks(&self, level: i64, blocks: i64) -> Result<bool, NodeError> {
        let (hashes, tip) = {
            let st = self.state.read();
            let hashes: Vec<_> = st.blocks.iter().map(|b| b.hash).collect();
            (hashes, st.tip_height())
        };
        let depth = if blocks <= 0 {
            tip as i64 + 1
        } else {
            blocks.min(tip as i64 + 1)
        };
        let first = (tip as i64 + 1 - depth) as u32;
        for height in first..=tip {
            let Some(block) = self.ledger.block(height)? else {
                return Ok(false);
            };
            let hash = block.block_hash();
            if hash != hashes[height as usize] || !block.check_merkle_root() {
                return Ok(false);
            }
            if height > 0 && block.header.prev_blockhash != hashes[height as usize - 1] {
                return Ok(false);
            }
            if level >= 1 {
                for (index, tx) in block.txdata.iter().enumerate() {
                    let place = self.ledger.tx_location(&tx.compute_txid())?;
                    if place != Some((height, index as u32)) {
                        return Ok(false);
                    }
                }
            }
            if level >= 2 && height > 0 && self.ledger.undo(height)?.is_none() {
                return Ok(false);
            }
        }
        Ok(true)
    }
}
