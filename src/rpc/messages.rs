//! Signed messages: signmessage, verifymessage (`primitives::signed_message`).

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult, RPC_INVALID_ADDRESS_OR_KEY};
use crate::primitives::address::Address;
use crate::primitives::keys::PrivateKey;
use crate::primitives::signed_message::{self, MULTICHAIN_MAGIC};
use serde_json::{json, Value};

pub const METHODS: [(&str, Handler); 2] = [
    ("signmessage", signmessage),
    ("verifymessage", verifymessage),
];

fn key_error(message: &str) -> RpcError {
    RpcError::new(RPC_INVALID_ADDRESS_OR_KEY, message)
}

/// `signmessage "address"|"privkey" "message"`: with a wallet address's key, or with the
/// private key given (WIF) when the text is no address.
fn signmessage(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 2)?;
    let signer = args.str(0)?;
    let message = args.str(1)?;
    let format = &ctx.node.format;
    let key = match format.decode_address(signer) {
        Ok(Address::PubKeyHash(h)) => *ctx
            .node
            .state
            .read()
            .wallet
            .key(&Address::PubKeyHash(h))
            .ok_or_else(|| key_error("Private key not available"))?,
        Ok(Address::ScriptHash(_)) => return Err(key_error("Address does not refer to key")),
        Err(_) => PrivateKey::from_wif(signer, format)
            .map_err(|_| key_error("Invalid address or private key"))?,
    };
    Ok(json!(signed_message::sign(MULTICHAIN_MAGIC, message, &key)))
}

/// `verifymessage "address" "signature" "message"`: whether the address's key signed it.
fn verifymessage(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 3)?;
    let address = args.str(0)?;
    let signature = args.str(1)?;
    let message = args.str(2)?;
    let address = match ctx.node.format.decode_address(address) {
        Ok(a @ Address::PubKeyHash(_)) => a,
        Ok(Address::ScriptHash(_)) => return Err(key_error("Address does not refer to key")),
        Err(_) => return Err(key_error("Invalid address")),
    };
    let signer = signed_message::signer(MULTICHAIN_MAGIC, message, signature)?;
    Ok(json!(signer == Some(address)))
}
