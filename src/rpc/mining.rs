//! Mining commands.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::{
    RpcError, RpcResult, RPC_DESERIALIZATION_ERROR, RPC_NOT_SUPPORTED, RPC_TYPE_ERROR,
};
use crate::jsonfmt::double;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

pub const METHODS: [(&str, Handler); 11] = [
    ("getmininginfo", getmininginfo),
    ("getgenerate", getgenerate),
    ("gethashespersec", gethashespersec),
    ("setgenerate", setgenerate),
    ("getnetworkhashps", getnetworkhashps),
    ("prioritisetransaction", prioritisetransaction),
    ("estimatefee", no_estimate),
    ("estimatepriority", no_estimate),
    ("setmocktime", setmocktime),
    ("getblocktemplate", getblocktemplate),
    ("submitblock", submitblock),
];

/// `submitblock "hexdata" ( "jsonparametersobject" )`: connects a block made elsewhere on top
/// of the chain. MultiChain 2.3 answers "duplicate" whether the block was connected or
/// rejected (it marks the block as already present before processing it), and
/// "duplicate-inconclusive" for a block it stored without connecting; so does this node, which
/// does not keep a block that is not on its tip. Why a block was rejected goes to the log.
fn submitblock(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    use crate::chain::BlockReject;
    use crate::node::NodeError;
    args.arity(1, 2)?;
    let decode_failed = || RpcError::new(RPC_DESERIALIZATION_ERROR, "Block decode failed");
    let bytes = hex::decode(args.str(0)?).map_err(|_| decode_failed())?;
    // Bytes after the block are ignored, as MultiChain reads only what it needs.
    let (block, _): (bitcoin::Block, usize) =
        bitcoin::consensus::encode::deserialize_partial(&bytes).map_err(|_| decode_failed())?;
    let hash = block.block_hash();
    if ctx.node.state.read().blocks.iter().any(|b| b.hash == hash) {
        return Ok(json!("duplicate"));
    }
    match ctx.node.submit_block(&block) {
        Ok(()) => Ok(json!("duplicate")),
        Err(NodeError::Block(BlockReject::NotOnTip)) => Ok(json!("duplicate-inconclusive")),
        Err(e) => {
            tracing::info!("submitblock: block {hash} rejected: {e}");
            Ok(json!("duplicate"))
        }
    }
}

/// MultiChain 2.3 has no block templates (its miners sign their blocks themselves).
fn getblocktemplate(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 1)?;
    Err(RpcError::new(
        RPC_NOT_SUPPORTED,
        "getblocktemplate is not supported in this version of MultiChain",
    ))
}

/// MultiChain's answer outside regression-test mode, which this node does not have.
fn setmocktime(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    Err(RpcError::misc(
        "setmocktime for regression testing (-regtest mode) only",
    ))
}

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
        "genproclimit": node.gen_proc_limit.load(Ordering::SeqCst),
        "networkhashps": crate::node::MiningStats::hashps_over(&st.blocks, 120, node.rules.pow_bits),
        "pooledtx": st.mempool.len(),
        "testnet": node.params.bool("chain-is-testnet"),
        "chain": "main",
        "generate": node.generate.load(Ordering::SeqCst) && !node.mining_paused.load(Ordering::SeqCst),
        "hashespersec": stats.hashes_per_sec,
    }))
}

fn getgenerate(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    Ok(json!(ctx.node.generate.load(Ordering::SeqCst)))
}

fn gethashespersec(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    Ok(json!(ctx.node.mining_stats().hashes_per_sec))
}

/// `setgenerate generate ( genproclimit )`: starts or stops this node's block making, as
/// MultiChain's sets `-gen` (a `genproclimit` of 0 stops it too).
fn setgenerate(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    let mut generate = match &args.values[0] {
        Value::Bool(b) => *b,
        _ => {
            return Err(RpcError::invalid_parameter(
                "Invalid value for 'generate' field, should be boolean",
            ))
        }
    };
    if let Some(v) = args.get(1) {
        let limit = super::args::int_of(v)?;
        if limit == 0 {
            generate = false;
        }
        ctx.node.gen_proc_limit.store(limit, Ordering::SeqCst);
    }
    ctx.node.generate.store(generate, Ordering::SeqCst);
    Ok(Value::Null)
}

/// `getnetworkhashps ( blocks height )`: hashes per second over the last `blocks` blocks
/// (120; -1 or 0 for all since the last difficulty change, which here is all) up to `height`
/// (-1 for the tip).
fn getnetworkhashps(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 2)?;
    let blocks = args.opt_int(0, 120)?;
    let height = args.opt_int(1, -1)?;
    let st = ctx.node.state.read();
    let tip = st.blocks.len() as i64 - 1;
    let height = if height < 0 || height > tip {
        tip
    } else {
        height
    };
    let upto = &st.blocks[..=height as usize];
    let window = if blocks <= 0 {
        upto.len()
    } else {
        blocks as usize
    };
    Ok(json!(crate::node::MiningStats::hashps_over(
        upto,
        window,
        ctx.node.rules.pow_bits
    )))
}

/// `prioritisetransaction txid priority fee`: MultiChain refuses it after its argument count.
fn prioritisetransaction(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 3)?;
    Err(RpcError::new(
        RPC_NOT_SUPPORTED,
        "Transaction prioritization is not supported in this version of MultiChain",
    ))
}

/// `estimatefee blocks` / `estimatepriority blocks`: no transaction here has paid a fee or
/// waited for priority, so, as MultiChain without those, there is no estimate: -1.
fn no_estimate(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    match &args.values[0] {
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(double(-1.0)),
        other => Err(RpcError::new(
            RPC_TYPE_ERROR,
            format!("Expected type int, got {}", super::args::type_name(other)),
        )),
    }
}
