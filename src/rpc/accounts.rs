//! Bitcoin's account-based wallet commands. MultiChain 2.3's default "scalable" wallet has no
//! accounts, so it refuses them with -702 and a message naming what to run instead; this node's
//! wallet is of that kind and answers the same, after the same argument checks.
//! `getaddressesbyaccount ""` (the one account there is) lists the wallet's addresses.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult, RPC_NOT_SUPPORTED, RPC_WALLET_INVALID_ACCOUNT_NAME};
use crate::primitives::address::Address;
use serde_json::{json, Value};

pub const METHODS: [(&str, Handler); 13] = [
    ("getaccountaddress", getaccountaddress),
    ("setaccount", setaccount),
    ("getaccount", getaccount),
    ("getaddressesbyaccount", getaddressesbyaccount),
    ("getreceivedbyaddress", getreceivedbyaddress),
    ("getreceivedbyaccount", getreceivedbyaccount),
    ("move", move_between_accounts),
    ("sendfromaccount", sendfromaccount),
    ("sendmany", sendmany),
    ("listreceivedbyaddress", listreceivedbyaddress),
    ("listreceivedbyaccount", listreceivedbyaccount),
    ("listaccounts", listaccounts),
    ("listtransactions", listtransactions),
];

/// MultiChain's refusal; `need` names what the user was after.
pub fn no_accounts(need: &str) -> RpcError {
    RpcError::new(
        RPC_NOT_SUPPORTED,
        format!("Accounts are not supported with scalable wallet - if you need {need}, run multichaind -walletdbversion=1 -rescan, but the wallet will perform worse"),
    )
}

/// The same refusal in the words of the commands that are not about accounts by name.
fn not_supported(need: &str) -> RpcError {
    RpcError::new(
        RPC_NOT_SUPPORTED,
        format!("Not supported with scalable wallet - if you need {need}, run multichaind -walletdbversion=1 -rescan, but the wallet will perform worse"),
    )
}

fn getaccountaddress(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    Err(no_accounts("accounts"))
}

fn setaccount(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    Err(no_accounts("accounts"))
}

fn getaccount(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    Err(no_accounts("accounts"))
}

fn getreceivedbyaddress(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    Err(not_supported("accounts"))
}

fn getreceivedbyaccount(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    Err(no_accounts("accounts"))
}

fn move_between_accounts(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 5)?;
    Err(no_accounts("move"))
}

fn sendfromaccount(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 6)?;
    Err(no_accounts("sendfrom"))
}

fn sendmany(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 4)?;
    Err(no_accounts("sendmany"))
}

fn listreceivedbyaddress(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 3)?;
    Err(not_supported("accounts"))
}

fn listreceivedbyaccount(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 3)?;
    Err(no_accounts("accounts"))
}

fn listaccounts(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 2)?;
    Err(no_accounts("listaccounts"))
}

/// `listtransactions ( "account" count from includeWatchonly )`: MultiChain reads and checks
/// the arguments before refusing.
fn listtransactions(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 4)?;
    args.opt_str(0)?;
    let count = args.opt_int(1, 10)?;
    let from = args.opt_int(2, 0)?;
    args.opt_bool(3, false)?;
    if count < 0 {
        return Err(RpcError::invalid_parameter("Negative count"));
    }
    if from < 0 {
        return Err(RpcError::invalid_parameter("Negative from"));
    }
    Err(not_supported("listtransactions"))
}

/// Only the account "" exists: its addresses are every address in the wallet's address book
/// (its own and watch-only), in MultiChain's order (that of its address map: key hashes before
/// script hashes, each read as a little-endian number).
fn getaddressesbyaccount(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    let account = args.str(0)?;
    if account == "*" {
        return Err(RpcError::new(
            RPC_WALLET_INVALID_ACCOUNT_NAME,
            "Invalid account name",
        ));
    }
    if !account.is_empty() {
        return Err(no_accounts("accounts"));
    }
    let st = ctx.node.state.read();
    let mut addresses: Vec<Address> = st.wallet.addresses().copied().collect();
    addresses.extend(st.wallet.watch_only_addresses().iter().copied());
    addresses.sort_by_key(address_map_order);
    addresses.dedup();
    Ok(json!(addresses
        .iter()
        .map(|a| ctx.node.format.encode_address(a))
        .collect::<Vec<_>>()))
}

/// The order of MultiChain's address map: the kind of destination, then the 20-byte hash as a
/// little-endian number (most significant byte last).
fn address_map_order(a: &Address) -> (u8, [u8; 20]) {
    let (kind, hash) = match a {
        Address::PubKeyHash(h) => (0, *h),
        Address::ScriptHash(h) => (1, *h),
    };
    let mut reversed = hash;
    reversed.reverse();
    (kind, reversed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_map_orders_hashes_from_their_last_byte() {
        let mut first = [0u8; 20];
        first[0] = 0xff;
        let mut second = [0u8; 20];
        second[19] = 0x01;
        let mut addresses = vec![
            Address::ScriptHash([0; 20]),
            Address::PubKeyHash(second),
            Address::PubKeyHash(first),
        ];
        addresses.sort_by_key(address_map_order);
        assert_eq!(
            addresses,
            [
                Address::PubKeyHash(first),
                Address::PubKeyHash(second),
                Address::ScriptHash([0; 20])
            ]
        );
    }
}
