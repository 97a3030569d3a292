//! createmultisig: the pay-to-script-hash address of an m-of-n multi-signature script, from
//! hex public keys or wallet addresses, with MultiChain's checks and words; addmultisigaddress:
//! the same address, added to the wallet to watch.

use super::args::{int_of, type_error, Args};
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult, RPC_NOT_ALLOWED};
use crate::primitives::address::{hash160, Address};
use crate::primitives::hextext::is_hex;
use bitcoin::opcodes::all::OP_CHECKMULTISIG;
use bitcoin::script::{Builder, PushBytesBuf};
use bitcoin::secp256k1::PublicKey;
use serde_json::{json, Value};

pub const METHODS: [(&str, Handler); 2] = [
    ("createmultisig", createmultisig),
    ("addmultisigaddress", addmultisigaddress),
];

/// Most keys a multi-signature script may name (OP_16).
const MOST_KEYS: usize = 16;
/// Most bytes of a redeem script (a script element's limit).
const MOST_SCRIPT_BYTES: usize = 520;

fn createmultisig(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 2)?;
    let rules = &ctx.node.rules;
    if !rules.allow_arbitrary && !rules.allow_p2sh {
        return Err(RpcError::new(
            RPC_NOT_ALLOWED,
            "P2SH outputs are not allowed for this blockchain",
        ));
    }
    let script = redeem_script(ctx, args)?;
    let address = Address::ScriptHash(hash160(&script));
    Ok(json!({
        "address": ctx.node.format.encode_address(&address),
        "redeemScript": hex::encode(&script),
    }))
}

/// `addmultisigaddress nrequired keys`: the address createmultisig gives, which the wallet
/// then watches (its outputs are listed and counted as watch-only; the redeem script is not
/// kept, so spending from it takes the script, as with any P2SH address here).
fn addmultisigaddress(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 3)?;
    if args.len() > 2 {
        return Err(super::accounts::no_accounts("accounts"));
    }
    let script = redeem_script(ctx, args)?;
    let address = Address::ScriptHash(hash160(&script));
    let mut st = ctx.node.state.write();
    if st.wallet.import_watch_only(&ctx.node.ledger, address)? {
        st.rescan_wallet_coins();
    }
    Ok(json!(ctx.node.format.encode_address(&address)))
}

/// The script `OP_m <key>… OP_n OP_CHECKMULTISIG`, checked in MultiChain's order.
fn redeem_script(ctx: &RpcContext, args: &Args) -> RpcResult<Vec<u8>> {
    let required = int_of(&args.values[0])?;
    let keys = match &args.values[1] {
        Value::Array(keys) => keys,
        other => return Err(type_error(other, "array")),
    };
    if required < 1 {
        return Err(RpcError::misc(
            "a multisignature address must require at least one key to redeem",
        ));
    }
    if (keys.len() as i64) < required {
        return Err(RpcError::misc(format!(
            "not enough keys supplied (got {} keys, but need at least {required} to redeem)",
            keys.len()
        )));
    }
    if keys.len() > MOST_KEYS {
        return Err(RpcError::misc(
            "Number of addresses involved in the multisignature address creation > 16\nReduce the number",
        ));
    }
    let mut builder = Builder::new().push_int(required);
    for key in keys {
        let text = key.as_str().ok_or_else(|| type_error(key, "str"))?;
        let bytes = public_key_bytes(ctx, text)?;
        let push = PushBytesBuf::try_from(bytes).expect("a public key fits a push");
        builder = builder.push_slice(push);
    }
    let script = builder
        .push_int(keys.len() as i64)
        .push_opcode(OP_CHECKMULTISIG)
        .into_script()
        .into_bytes();
    if script.len() > MOST_SCRIPT_BYTES {
        return Err(RpcError::misc(format!(
            "redeemScript exceeds size limit: {} > {MOST_SCRIPT_BYTES}",
            script.len()
        )));
    }
    Ok(script)
}

/// A key given as a wallet address whose key the wallet holds, or as hex.
fn public_key_bytes(ctx: &RpcContext, text: &str) -> RpcResult<Vec<u8>> {
    let invalid = || RpcError::misc(format!(" Invalid public key: {text}"));
    match ctx.node.format.decode_address(text) {
        Ok(Address::ScriptHash(_)) => {
            Err(RpcError::misc(format!("{text} does not refer to a key")))
        }
        Ok(address) => {
            let st = ctx.node.state.read();
            let key = st
                .wallet
                .key(&address)
                .ok_or_else(|| RpcError::misc(format!("no full public key for address {text}")))?;
            Ok(key.public_key_bytes())
        }
        Err(_) => {
            if !is_hex(text) {
                return Err(invalid());
            }
            let bytes = hex::decode(text).map_err(|_| invalid())?;
            // A full key: 33 bytes compressed or 65 uncompressed, on the curve.
            if !matches!(bytes.len(), 33 | 65) || PublicKey::from_slice(&bytes).is_err() {
                return Err(invalid());
            }
            Ok(bytes)
        }
    }
}
