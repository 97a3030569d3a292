//! encodehexubjson, decodehexubjson: JSON to and from MultiChain's UBJSON, as hex.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult, RPC_INTERNAL_ERROR};
use crate::primitives::hextext::{hex_text, parse_hex_leniently};
use crate::primitives::ubjson;
use serde_json::{json, Value};

pub const METHODS: [(&str, Handler); 2] = [
    ("encodehexubjson", encodehexubjson),
    ("decodehexubjson", decodehexubjson),
];

fn encodehexubjson(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    let bytes = ubjson::encode(&args.values[0]).map_err(|_| {
        RpcError::new(
            RPC_INTERNAL_ERROR,
            "Couldn't transfer JSON object to internal UBJSON format",
        )
    })?;
    Ok(json!(hex_text(&bytes)))
}

fn decodehexubjson(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    let bytes = parse_hex_leniently(args.str(0)?);
    ubjson::decode(&bytes).map_err(|_| RpcError::new(RPC_INTERNAL_ERROR, "Error decoding UBJSON"))
}
