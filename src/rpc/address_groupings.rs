//! `listaddressgroupings`, as MultiChain 2.3's scalable wallet answers it: one group per
//! address of the wallet (watch-only ones too) holding spendable outputs, with their native
//! amount and label. It does not join addresses spent together, as Bitcoin's wallet did.

use super::args::Args;
use super::control::{funded_by_wallet, native};
use super::dispatch::{Handler, RpcContext};
use super::errors::RpcResult;
use crate::chain::StateView;
use crate::primitives::address::Address;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const METHODS: [(&str, Handler); 1] = [("listaddressgroupings", listaddressgroupings)];

/// MultiChain's order: key-hash addresses before script-hash ones, each by its hash read as
/// a little-endian number (the last byte first).
fn order(address: &Address) -> (u8, [u8; 20]) {
    let mut hash = *address.hash();
    hash.reverse();
    match address {
        Address::PubKeyHash(_) => (0, hash),
        Address::ScriptHash(_) => (1, hash),
    }
}

/// MultiChain checks no arguments here.
fn listaddressgroupings(ctx: &RpcContext, _: &Args) -> RpcResult<Value> {
    let st = ctx.node.state.read();
    let view = st.view();
    let tip = st.tip_height();
    let delay = ctx.node.rules.spendable_delay;
    let mut groups: BTreeMap<(u8, [u8; 20]), (Address, u64)> = BTreeMap::new();
    let addresses = st
        .wallet
        .addresses()
        .chain(st.wallet.watch_only_addresses());
    for address in addresses {
        for op in st.wallet.coins_of(address) {
            let Some(coin) = view.coin(op) else { continue };
            // Outputs the wallet counts on: confirmed, or of its own unconfirmed transactions;
            // a block reward once it may be spent.
            let trusted = coin.height.is_some() || funded_by_wallet(&st, &op.txid);
            let mature =
                !coin.coinbase || coin.height.is_some_and(|h| tip.saturating_sub(h) >= delay);
            if trusted && mature {
                let entry = groups.entry(order(address)).or_insert((*address, 0));
                entry.1 += coin.output.value.to_sat();
            }
        }
    }
    let rows: Vec<Value> = groups
        .values()
        .map(|(address, amount)| {
            json!([[ctx.node.address_string(address), native(ctx, *amount), ""]])
        })
        .collect();
    Ok(Value::Array(rows))
}
