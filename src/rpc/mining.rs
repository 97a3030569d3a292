//! Mining commands.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::RpcResult;
use crate::jsonfmt::double;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

pub const METHODS: [(&str, Handler); 3] = [
    ("getmininginfo", getmininginfo),
    ("getgenerate", getgenerate),
    ("gethashespersec", gethashespersec),
];

fn getmininginfo(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    let node = &ctx.node;
    let st = node.state.read();
    let stats = node.mining_stats();
    Ok(json!({
        "blocks": st.tip_height(),
        "currentblocksize": stats.last_block_size,
        "currentblocktx": stats.last_block_tx,
        "difficulty": double(super::blockchain::difficulty(ctx)),
        "errors": "",
        "genproclimit": node.options.int("genproclimit", 1),
        "networkhashps": stats.network_hashps(&st.blocks, node.rules.pow_bits),
        "pooledtx": st.mempool.len(),
        "testnet": node.params.bool("chain-is-testnet"),
        "chain": "main",
        "generate": node.options.flag("gen", true) && !node.mining_paused.load(Ordering::SeqCst),
        "hashespersec": stats.hashes_per_sec,
    }))
}

fn getgenerate(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    Ok(json!(ctx.node.options.flag("gen", true)))
}

fn gethashespersec(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    Ok(json!(ctx.node.mining_stats().hashes_per_sec))
}
