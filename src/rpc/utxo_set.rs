//! `gettxoutsetinfo`: statistics of the confirmed unspent outputs (`chain::utxo_stats`).

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::RpcResult;
use crate::chain::utxo_stats::utxo_stats;
use crate::jsonfmt::double;
use serde_json::{json, Value};

pub const METHODS: [(&str, Handler); 1] = [("gettxoutsetinfo", gettxoutsetinfo)];

fn gettxoutsetinfo(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    // Copied out under the lock, so blocks keep connecting while the versions are read.
    let (height, best, coins) = {
        let st = ctx.node.state.read();
        let tip = st.tip();
        // As in MultiChain, the genesis block's outputs are not part of the set.
        let coins: Vec<_> = st
            .chain
            .coins
            .iter()
            .filter(|(_, coin)| coin.height != Some(0))
            .map(|(op, coin)| (*op, coin.clone()))
            .collect();
        (st.tip_height(), tip.hash, coins)
    };
    let version_of = |txid: &bitcoin::Txid| {
        ctx.node
            .ledger
            .transaction(txid)
            .ok()
            .flatten()
            .map_or(1, |(_, _, tx)| tx.version.0)
    };
    let stats = utxo_stats(&best, coins.iter().map(|(op, c)| (op, c)), version_of);
    let total = if ctx.node.has_native_currency() {
        super::control::native(ctx, stats.total_amount)
    } else {
        // MultiChain's unit is 0 then, and it shows the raw sum.
        double(stats.total_amount as f64)
    };
    Ok(json!({
        "height": height,
        "bestblock": best.to_string(),
        "transactions": stats.transactions,
        "txouts": stats.txouts,
        "bytes_serialized": stats.bytes_serialized,
        "hash_serialized": stats.hash_serialized.to_string(),
        "total_amount": total,
    }))
}
