//! The binary cache commands: `createbinarycache`, `appendbinarycache`, `deletebinarycache`
//! and `txouttobinarycache`, over the chain's cache directory (`node::binary_cache`). An item
//! is published with `{"cache": id}` as data (`streams::parse_data`).

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult, RPC_NOT_SUPPORTED};
use super::streams::output_slice;
use crate::primitives::script::FORMAT_RAW;
use serde_json::{json, Value};

pub const METHODS: [(&str, Handler); 4] = [
    ("createbinarycache", createbinarycache),
    ("appendbinarycache", appendbinarycache),
    ("deletebinarycache", deletebinarycache),
    ("txouttobinarycache", txouttobinarycache),
];

fn createbinarycache(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    Ok(json!(ctx.node.binary_cache().create()?))
}

/// The identifier argument, which must be a string (-8, not json_spirit's type error).
fn identifier(args: &Args) -> RpcResult<&str> {
    args.values[0]
        .as_str()
        .ok_or_else(|| RpcError::invalid_parameter("cache identifier should be string"))
}

fn appendbinarycache(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 2)?;
    let id = identifier(args)?;
    let bytes = args.values[1]
        .as_str()
        .and_then(|h| hex::decode(h).ok())
        .ok_or_else(|| RpcError::invalid_parameter("data should be hexadecimal string"))?;
    Ok(json!(ctx.node.binary_cache().append(id, &bytes)?))
}

fn deletebinarycache(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    ctx.node.binary_cache().delete(identifier(args)?)?;
    Ok(Value::Null)
}

/// Copies an output's data (or the part `count start` pick, as `gettxoutdata` reads them)
/// into an empty cache item; the number of bytes written.
fn txouttobinarycache(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 5)?;
    let id = args.str(0)?;
    let cache = ctx.node.binary_cache();
    cache.check_empty(id)?;
    let slice = output_slice(ctx, args, 1)?;
    if slice.format != FORMAT_RAW {
        return Err(RpcError::new(
            RPC_NOT_SUPPORTED,
            "This API is not supported for text and JSON data",
        ));
    }
    Ok(json!(cache.fill(id, slice.bytes())?))
}
