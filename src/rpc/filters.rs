//! listtxfilters and liststreamfilters. This node has no smart filters yet (roadmap), so the
//! lists are empty, and naming a filter gets MultiChain's answer for one that does not exist.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::*;
use serde_json::{json, Value};

pub const METHODS: [(&str, Handler); 2] = [
    ("listtxfilters", listtxfilters),
    ("liststreamfilters", liststreamfilters),
];

fn listtxfilters(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 2)?;
    list(ctx, args)
}

fn liststreamfilters(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 3)?;
    list(ctx, args)
}

/// `filter-identifier(s)` (all for none, null or `*`, nothing for `""`), then `verbose`.
fn list(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    let names = match args.get(0) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if s.is_empty() => return Ok(json!([])),
        Some(Value::String(s)) if s == "*" => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(v) => super::args::string_list(v)?,
    };
    // Identifiers are checked before the verbose flag, as MultiChain does.
    let st = ctx.node.state.read();
    let unknown = names
        .first()
        .map(|name| super::streams::any_entity(&st, name));
    if let Some(v) = args.get(1) {
        if unknown.is_none() && !v.is_boolean() {
            return Err(RpcError::invalid_parameter(
                "Invalid parameter value type, should be boolean",
            ));
        }
    }
    match unknown {
        None => Ok(json!([])),
        Some(found) => Err(match found {
            Ok(_) => RpcError::new(
                RPC_ENTITY_NOT_FOUND,
                "Invalid filter identifier, not filter",
            ),
            Err(e) if e.code == RPC_ENTITY_NOT_FOUND => {
                RpcError::new(e.code, e.message.replacen("Entity", "Filter", 1))
            }
            Err(e) => RpcError::new(e.code, e.message.replacen("entity", "filter", 1)),
        }),
    }
}
