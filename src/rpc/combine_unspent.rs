//! `combineunspent ( "address(es)" minconf maxcombines mininputs maxinputs maxtime )`: gathers
//! each wallet address's unspent outputs into fewer (`Node::combine_unspent`), with
//! MultiChain's defaults, checks and words. The txids made; none when nothing had enough.

use super::args::{pubkeyhash_list, type_error, Args};
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult};
use crate::wallet::builder::Combine;
use serde_json::{json, Value};

pub const METHODS: [(&str, Handler); 1] = [("combineunspent", combineunspent)];

fn combineunspent(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 6)?;
    let min_conf = args.opt_int(1, 1)?;
    let min_inputs = args.opt_int(3, 2)?;
    if !(2..=1000).contains(&min_inputs) {
        return Err(RpcError::invalid_parameter(
            "Invalid mininputs. Valid Range [2 - 1000].",
        ));
    }
    let max_inputs = args.opt_int(4, 100)?;
    if !(2..=1000).contains(&max_inputs) {
        return Err(RpcError::invalid_parameter(
            "Invalid maxinputs. Valid Range [2 - 1000].",
        ));
    }
    if max_inputs < min_inputs {
        // MultiChain's words, spelling included.
        return Err(RpcError::invalid_parameter("maxinputs below mininouts."));
    }
    let max_txs = args.opt_int(2, 100)?;
    if !(1..=100).contains(&max_txs) {
        return Err(RpcError::invalid_parameter(
            "Invalid maximum-transactions. Valid Range [1 - 100].",
        ));
    }
    let max_time = args.opt_int(5, 30)?;
    let addresses = match args.get(0) {
        None => None,
        Some(Value::String(s)) if s == "*" => None,
        Some(Value::String(s)) => Some(pubkeyhash_list(&ctx.node.format, s)?),
        Some(other) => return Err(type_error(other, "str")),
    };
    let addresses = addresses.unwrap_or_else(|| {
        let st = ctx.node.state.read();
        st.wallet
            .addresses()
            .filter(|a| !a.is_script())
            .copied()
            .collect()
    });
    let combine = Combine {
        min_conf: min_conf.max(0) as u32,
        min_inputs: min_inputs as usize,
        max_inputs: max_inputs as usize,
    };
    let time = std::time::Duration::from_secs(max_time.max(0) as u64);
    let made = ctx
        .node
        .combine_unspent(&addresses, combine, max_txs as usize, time)?;
    Ok(json!(made
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()))
}
