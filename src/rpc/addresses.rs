//! Addresses and keys: getnewaddress, getaddresses, listaddresses, validateaddress,
//! dumpprivkey, importprivkey, importaddress, createkeypairs.

use super::args::{lenient_bool, Args};
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult, RPC_INVALID_ADDRESS_OR_KEY, RPC_WALLET_ERROR};
use crate::node::NodeState;
use crate::primitives::address::Address;
use crate::primitives::keys::{address_of_pubkey, PrivateKey};
use serde_json::{json, Map, Value};

pub const METHODS: [(&str, Handler); 10] = [
    ("getnewaddress", getnewaddress),
    ("getrawchangeaddress", getrawchangeaddress),
    ("getaddresses", getaddresses),
    ("listaddresses", listaddresses),
    ("validateaddress", validateaddress),
    ("dumpprivkey", dumpprivkey),
    ("importprivkey", importprivkey),
    ("importaddress", importaddress),
    ("createkeypairs", createkeypairs),
    ("keypoolrefill", keypoolrefill),
];

/// Most keys `keypoolrefill` adds at once (each is written to the ledger first).
const MOST_POOL_KEYS: i64 = 10_000;

/// `keypoolrefill ( size )`: the key pool topped up to `size` keys beside the one MultiChain
/// always keeps in hand (`-keypool`, 1, when 0 or left out).
fn keypoolrefill(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 1)?;
    let size = args.opt_int(0, 0)?;
    if size < 0 {
        return Err(RpcError::invalid_parameter(
            "Invalid parameter, expected valid size.",
        ));
    }
    if size > MOST_POOL_KEYS {
        return Err(RpcError::invalid_parameter(format!(
            "Invalid parameter, a key pool of at most {MOST_POOL_KEYS} keys"
        )));
    }
    let target = if size > 0 {
        size
    } else {
        ctx.node.options.int("keypool", 1).max(0)
    };
    let mut st = ctx.node.state.write();
    st.wallet
        .top_up_pool(&ctx.node.ledger, target as usize + 1)?;
    Ok(Value::Null)
}

fn getnewaddress(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 1)?;
    // Any account, even "", as MultiChain's scalable wallet.
    if !args.is_empty() {
        return Err(super::accounts::no_accounts("accounts"));
    }
    let a = ctx.node.new_address()?;
    Ok(json!(ctx.node.format.encode_address(&a)))
}

fn getrawchangeaddress(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    getnewaddress(ctx, args)
}

/// MultiChain's address entry: `address`, `ismine`, and with `verbose` the wallet details.
fn address_entry(
    ctx: &RpcContext,
    st: &NodeState,
    a: &Address,
    verbose: bool,
) -> Map<String, Value> {
    let mine = st.wallet.is_mine(a);
    let watch = st.wallet.is_watch_only(a);
    let mut m = Map::new();
    m.insert("address".into(), json!(ctx.node.format.encode_address(a)));
    m.insert("ismine".into(), json!(mine));
    if verbose && (mine || watch) {
        m.insert("iswatchonly".into(), json!(watch && !mine));
        m.insert("isscript".into(), json!(a.is_script()));
        if let Some(k) = st.wallet.key(a) {
            m.insert("pubkey".into(), json!(hex::encode(k.public_key_bytes())));
            m.insert("iscompressed".into(), json!(k.compressed));
        }
        m.insert("account".into(), json!(""));
        m.insert("synchronized".into(), json!(true));
    }
    m
}

fn getaddresses(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 1)?;
    let verbose = match args.get(0) {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(RpcError::invalid_parameter(
                "Invalid value for 'verbose' parameter, should be boolean",
            ))
        }
    };
    let st = ctx.node.state.read();
    let out: Vec<Value> = st
        .wallet
        .addresses()
        .map(|a| {
            if verbose {
                Value::Object(address_entry(ctx, &st, a, true))
            } else {
                json!(ctx.node.format.encode_address(a))
            }
        })
        .collect();
    Ok(Value::Array(out))
}

fn listaddresses(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 4)?;
    let st = ctx.node.state.read();
    let mut all: Vec<Address> = st.wallet.addresses().copied().collect();
    all.extend(st.wallet.watch_only_addresses().iter().copied());
    let selected: Vec<Address> = match args.given(0) {
        None => all,
        Some(Value::String(s)) if s == "*" => all,
        Some(v) => {
            let wanted = super::args::address_list(v, &ctx.node.format)?;
            for w in &wanted {
                if !all.contains(w) {
                    return Err(RpcError::new(
                        RPC_INVALID_ADDRESS_OR_KEY,
                        format!(
                            "Address {} not found in this wallet",
                            ctx.node.format.encode_address(w)
                        ),
                    ));
                }
            }
            wanted
        }
    };
    let verbose = args.get(1).map(lenient_bool).unwrap_or(false);
    let (start, count) = super::args::page(args, 2, selected.len(), selected.len())?;
    let out: Vec<Value> = selected[start..start + count]
        .iter()
        .map(|a| Value::Object(address_entry(ctx, &st, a, verbose)))
        .collect();
    Ok(Value::Array(out))
}

fn validateaddress(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    let text = args.str(0)?;
    let format = &ctx.node.format;
    let address = format
        .decode_address(text)
        .ok()
        .or_else(|| PrivateKey::from_wif(text, format).ok().map(|k| k.address()))
        .or_else(|| hex::decode(text).ok().and_then(|b| address_of_pubkey(&b)));
    let Some(address) = address else {
        return Ok(json!({"isvalid": false}));
    };
    let st = ctx.node.state.read();
    let mut m = Map::new();
    m.insert("isvalid".into(), json!(true));
    m.extend(address_entry(ctx, &st, &address, true));
    Ok(Value::Object(m))
}

fn dumpprivkey(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    let text = args.str(0)?;
    let a = ctx
        .node
        .format
        .decode_address(text)
        .map_err(|_| RpcError::new(RPC_INVALID_ADDRESS_OR_KEY, "Invalid address"))?;
    let st = ctx.node.state.read();
    let key = st.wallet.key(&a).ok_or_else(|| {
        RpcError::new(
            RPC_WALLET_ERROR,
            format!("Private key for address {text} is not known"),
        )
    })?;
    Ok(json!(key.to_wif(&ctx.node.format)))
}

/// A comma list or JSON array of strings.
fn string_list(v: &Value) -> RpcResult<Vec<String>> {
    match v {
        Value::String(s) => Ok(s.split(',').map(str::to_string).collect()),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str().map(str::to_string).ok_or_else(|| {
                    RpcError::invalid_parameter("Invalid parameter, expected string")
                })
            })
            .collect(),
        other => Err(RpcError::misc(format!(
            "value is type {}, expected str",
            super::args::type_name(other)
        ))),
    }
}

fn importprivkey(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 3)?;
    let keys = string_list(&args.values[0])?
        .iter()
        .map(|k| {
            PrivateKey::from_wif(k, &ctx.node.format).map_err(|_| {
                RpcError::new(RPC_INVALID_ADDRESS_OR_KEY, "Invalid private key encoding")
            })
        })
        .collect::<RpcResult<Vec<_>>>()?;
    let mut st = ctx.node.state.write();
    for k in keys {
        st.wallet.import_key(&ctx.node.ledger, k, None)?;
    }
    st.rescan_wallet_coins();
    Ok(Value::Null)
}

fn importaddress(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 3)?;
    let addresses = string_list(&args.values[0])?
        .iter()
        .map(|a| {
            ctx.node.format.decode_address(a).map_err(|_| {
                RpcError::new(
                    RPC_INVALID_ADDRESS_OR_KEY,
                    "Invalid MultiChain address or script",
                )
            })
        })
        .collect::<RpcResult<Vec<_>>>()?;
    let mut st = ctx.node.state.write();
    for a in addresses {
        st.wallet.import_watch_only(&ctx.node.ledger, a)?;
    }
    st.rescan_wallet_coins();
    Ok(Value::Null)
}

fn createkeypairs(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 1)?;
    let count = args.opt_int(0, 1)?;
    if count <= 0 {
        return Err(RpcError::invalid_parameter("Invalid count"));
    }
    if count > 10_000 {
        return Err(RpcError::invalid_parameter("Count is too large"));
    }
    let out: Vec<Value> = (0..count)
        .map(|_| {
            let k = PrivateKey::generate();
            json!({
                "address": ctx.node.format.encode_address(&k.address()),
                "pubkey": hex::encode(k.public_key_bytes()),
                "privkey": k.to_wif(&ctx.node.format),
            })
        })
        .collect();
    Ok(Value::Array(out))
}
