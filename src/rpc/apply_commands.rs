//! `applycommands "hex"`: MultiChain 2.x's batch of commands in one call. The argument is a
//! UBJSON array of JSON-RPC requests (`{"method", "params", "id"}`, optionally
//! `"defaultaddress"`: run only on the node whose default address that is); the answer is a
//! UBJSON array of their replies, in order, as hex. Every request runs, whatever the ones
//! before answered (MultiChain's `ignoreerror` has no effect there either), each checked
//! against `-rpcallowmethod` as a request of its own. A batch with an element that is not an
//! object is refused before any of it runs (MultiChain runs the elements before it first).

use super::args::{type_error, Args};
use super::dispatch::{run_command, Handler, RpcContext};
use super::errors::{
    RpcError, RpcResult, RPC_INTERNAL_ERROR, RPC_INVALID_REQUEST, RPC_WALLET_ADDRESS_NOT_FOUND,
};
use crate::primitives::hextext::{hex_text, parse_hex_leniently};
use crate::primitives::ubjson;
use serde_json::{json, Map, Value};

pub const METHODS: [(&str, Handler); 1] = [("applycommands", applycommands)];

fn applycommands(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    let bytes = parse_hex_leniently(args.str(0)?);
    let decoded = ubjson::decode(&bytes)
        .map_err(|_| RpcError::new(RPC_INTERNAL_ERROR, "Error decoding UBJSON"))?;
    let Value::Array(requests) = &decoded else {
        return Err(type_error(&decoded, "array"));
    };
    let requests: Vec<&Map<String, Value>> = requests
        .iter()
        .map(|r| r.as_object().ok_or_else(|| type_error(r, "obj")))
        .collect::<RpcResult<_>>()?;
    let own = ctx
        .node
        .format
        .encode_address(&ctx.node.state.read().wallet.default_address());
    let replies: Vec<Value> = requests
        .into_iter()
        .map(|request| {
            let id = request.get("id").cloned().unwrap_or(Value::Null);
            let reply = match request.get("defaultaddress").and_then(Value::as_str) {
                Some(a) if !a.is_empty() && a != own => Err(RpcError::new(
                    RPC_WALLET_ADDRESS_NOT_FOUND,
                    "Ignored for this default address",
                )),
                _ => run_request(ctx, request),
            };
            match reply {
                Ok(result) => json!({"result": result, "error": null, "id": id}),
                Err(e) => json!({
                    "result": null,
                    "error": {"code": e.code, "message": e.message},
                    "id": id
                }),
            }
        })
        .collect();
    let bytes = ubjson::encode(&Value::Array(replies)).map_err(|_| {
        RpcError::new(
            RPC_INTERNAL_ERROR,
            "Couldn't transfer JSON object to internal UBJSON format",
        )
    })?;
    Ok(json!(hex_text(&bytes)))
}

/// One request of the batch, read as a JSON-RPC request is (Bitcoin's words for a malformed
/// one).
fn run_request(ctx: &RpcContext, request: &Map<String, Value>) -> RpcResult<Value> {
    let method = match request.get("method") {
        None | Some(Value::Null) => {
            return Err(RpcError::new(RPC_INVALID_REQUEST, "Missing method"))
        }
        Some(Value::String(m)) => m,
        Some(_) => {
            return Err(RpcError::new(
                RPC_INVALID_REQUEST,
                "Method must be a string",
            ))
        }
    };
    let values = match request.get("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            return Err(RpcError::new(
                RPC_INVALID_REQUEST,
                "Params must be an array",
            ))
        }
    };
    super::server::check_method_allowed(&ctx.allowed_methods, method)?;
    run_command(ctx, method, values)
}
