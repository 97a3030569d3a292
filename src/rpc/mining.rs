//! Mining commands.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult, RPC_NOT_SUPPORTED, RPC_TYPE_ERROR};
use crate::jsonfmt::double;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

pub const METHODS: [(&str, Handler); 9] = [
    ("getmininginfo", getmininginfo),
    ("getgenerate", getgenerate),
    ("gethashespersec", gethashespersec),
    ("setgenerate", setgenerate),
    ("getnetworkhashps", getnetworkhashps),
    ("prioritisetransaction", prioritisetransaction),
    ("estimatefee", no_estimate),
    ("estimatepriority", no_estimate),
    ("setmocktime", setmocktime),
];

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
