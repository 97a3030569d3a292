//! listassettransactions, getassettransaction: the transactions carrying one subscribed
//! asset, confirmed ones in chain order and then the mempool's in arrival order, each with
//! what it moved to and from each address (MultiChain's `ListAssetTransactions`).

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::*;
use super::streams::{count_param, start_param, verbose_flag, window};
use super::txjson::signers;
use super::wallettx::{chain_fields, item_or_data, verbose_fields};
use crate::chain::entities::Entity;
use crate::chain::metadata::{classify, coin_assets};
use crate::chain::state::StateView;
use crate::jsonfmt::double;
use crate::ledger::assets::AssetTxPlace;
use crate::node::mempool::MempoolEntry;
use crate::node::NodeState;
use crate::primitives::address::Address;
use crate::primitives::script;
use crate::wallet::history::sort_addresses;
use bitcoin::{OutPoint, Transaction, Txid};
use serde_json::{Map, Value};
use std::sync::Arc;

pub const METHODS: [(&str, Handler); 2] = [
    ("listassettransactions", listassettransactions),
    ("getassettransaction", getassettransaction),
];

/// Refuses an asset this node is not subscribed to, as MultiChain does.
fn require_subscribed(st: &NodeState, asset: &Entity) -> RpcResult<()> {
    if !st.streams.is_subscribed(&asset.short_id()) {
        return Err(RpcError::new(
            RPC_NOT_SUBSCRIBED,
            "Not subscribed to this asset",
        ));
    }
    Ok(())
}

/// Mempool transactions carrying the asset, in arrival order.
pub fn pending_asset_txs<'a>(
    st: &'a NodeState,
    asset: &'a [u8; 16],
) -> impl Iterator<Item = &'a Arc<MempoolEntry>> + 'a {
    st.mempool
        .entries()
        .iter()
        .filter(move |e| e.effects.assets.contains(asset))
}

fn listassettransactions(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 5)?;
    let st = ctx.node.state.read();
    let asset = super::assets::asset_param(&st, &args.values[0])?;
    // MultiChain reads the other arguments before it looks for the subscription.
    let verbose = verbose_flag(args, 1)?;
    let count = count_param(args, 2, 10)?;
    let start = start_param(args, 3)?;
    // Chain order and the order this node received them in are one order while every
    // block comes from this node's own miner, taking its mempool in order (P2P will change
    // that: roadmap 1).
    args.opt_bool(4, false)?;
    require_subscribed(&st, &asset)?;
    let id = asset.short_id();
    let confirmed = ctx.node.ledger.asset_tx_count(&id)?;
    let pending: Vec<&Arc<MempoolEntry>> = pending_asset_txs(&st, &id).collect();
    let (from, n) = window(start, count, confirmed + pending.len() as u64);
    let end = from + n;
    let mut out = Vec::with_capacity(n as usize);
    if from < confirmed {
        let places = ctx
            .node
            .ledger
            .asset_txs(&id, from, end.min(confirmed) - from)?;
        for p in places {
            let tx = ctx
                .node
                .ledger
                .transaction_at(p.height, p.index)?
                .ok_or(crate::ledger::LedgerError::Corrupt("asset_txs"))?;
            out.extend(entry_json(
                ctx,
                &st,
                &asset,
                &tx,
                &p.txid,
                Some(&p),
                verbose,
            )?);
        }
    }
    for e in pending
        .iter()
        .take(end.saturating_sub(confirmed) as usize)
        .skip(from.saturating_sub(confirmed) as usize)
    {
        out.extend(entry_json(
            ctx,
            &st,
            &asset,
            &e.tx(),
            &e.txid,
            None,
            verbose,
        )?);
    }
    Ok(Value::Array(out))
}

fn getassettransaction(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 3)?;
    let st = ctx.node.state.read();
    let asset = super::assets::asset_param(&st, &args.values[0])?;
    require_subscribed(&st, &asset)?;
    let txid = super::raw::parse_hash(args.str(1)?, "parameter 2")?;
    let verbose = verbose_flag(args, 2)?;
    let id = asset.short_id();
    let not_found = || {
        RpcError::new(
            RPC_TX_NOT_FOUND,
            "This transaction was not found for this asset",
        )
    };
    let entry = if let Some((_, place)) = ctx.node.ledger.asset_tx(&id, &txid)? {
        let tx = ctx
            .node
            .ledger
            .transaction_at(place.height, place.index)?
            .ok_or(crate::ledger::LedgerError::Corrupt("asset_txs"))?;
        entry_json(ctx, &st, &asset, &tx, &txid, Some(&place), verbose)?
    } else {
        match st.mempool.get(&txid) {
            Some(e) if e.effects.assets.contains(&id) => {
                entry_json(ctx, &st, &asset, &e.tx(), &txid, None, verbose)?
            }
            _ => None,
        }
    };
    entry.ok_or_else(not_found)
}

/// Raw quantity of `asset` an output holds (a genesis output's under the issuing txid; a
/// non-fungible asset's tokens together).
fn asset_quantity(
    st: &NodeState,
    asset: &[u8; 16],
    outpoint: &OutPoint,
    out: &bitcoin::TxOut,
) -> Option<i64> {
    let view = st.view();
    coin_assets(outpoint, &out.script_pubkey)
        .into_iter()
        .filter(|(id, _)| id == asset || view.token_asset(id) == Some(*asset))
        .map(|(_, q)| q)
        .reduce(|a, b| a.saturating_add(b))
}

/// The asset's quantity each address gave (negative) and received in `tx`, in MultiChain's
/// address order. Inputs count only where the spent output can be found (as MultiChain
/// counts them only when its wallet store has the transaction, which it has for any
/// transaction carrying a subscribed asset).
fn address_changes(
    ctx: &RpcContext,
    st: &NodeState,
    asset: &[u8; 16],
    tx: &Transaction,
    txid: &Txid,
) -> RpcResult<Vec<(Address, i64)>> {
    let mut changes: Vec<(Address, i64)> = Vec::new();
    let mut add = |address: Address, q: i64| match changes.iter_mut().find(|(a, _)| *a == address) {
        Some((_, total)) => *total = total.saturating_add(q),
        None => changes.push((address, q)),
    };
    if !tx.is_coinbase() {
        for input in &tx.input {
            let prev = input.previous_output;
            let Some((prev_tx, _)) = super::raw::find_transaction_in(ctx, st, &prev.txid)? else {
                continue;
            };
            let Some(out) = prev_tx.output.get(prev.vout as usize) else {
                continue;
            };
            if let Some(q) = asset_quantity(st, asset, &prev, out) {
                if let Some(a) = script::parse(&out.script_pubkey).and_then(|p| p.address()) {
                    add(a, -q);
                }
            }
        }
    }
    for (n, out) in tx.output.iter().enumerate() {
        let outpoint = OutPoint::new(*txid, n as u32);
        if let Some(q) = asset_quantity(st, asset, &outpoint, out) {
            if let Some(a) = script::parse(&out.script_pubkey).and_then(|p| p.address()) {
                add(a, q);
            }
        }
    }
    let mut addresses: Vec<Address> = changes.iter().map(|(a, _)| *a).collect();
    sort_addresses(&mut addresses);
    Ok(addresses
        .into_iter()
        .map(|a| *changes.iter().find(|(x, _)| *x == a).unwrap())
        .collect())
}

/// One entry, or None when `tx` neither moves the asset nor issues it.
fn entry_json(
    ctx: &RpcContext,
    st: &NodeState,
    asset: &Entity,
    tx: &Transaction,
    txid: &Txid,
    place: Option<&AssetTxPlace>,
    verbose: bool,
) -> RpcResult<Option<Value>> {
    let id = asset.short_id();
    let changes = address_changes(ctx, st, &id, tx, txid)?;
    if changes.is_empty() && asset.txid != *txid {
        return Ok(None);
    }
    let txid_text = txid.to_string();
    let multiple = asset.multiple().max(1) as f64;
    let mut addresses = Map::new();
    for (a, q) in &changes {
        addresses.insert(
            ctx.node.format.encode_address(a),
            double(*q as f64 / multiple),
        );
    }
    let view = st.view();
    let publishers = super::entities::addresses(ctx, &signers(tx));
    let mut items = Vec::new();
    let mut data = Vec::new();
    let mut per_output = vec![(None, None); tx.output.len()];
    for (n, out) in tx.output.iter().enumerate() {
        let Some(kind) = script::parse(&out.script_pubkey).and_then(|p| classify(&p).ok()) else {
            continue;
        };
        let (item, shown) = item_or_data(ctx, &view, &kind, n, &txid_text, &publishers);
        items.extend(item.clone());
        data.extend(shown.clone());
        per_output[n] = (item, shown);
    }
    let mut m = Map::new();
    m.insert("addresses".into(), Value::Object(addresses));
    m.insert("items".into(), Value::Array(items));
    m.insert("data".into(), Value::Array(data));
    let (location, time_received) = match place {
        Some(p) => (Some((p.height, p.index)), p.time_received),
        None => (None, st.mempool.get(txid).map_or(0, |e| e.time)),
    };
    chain_fields(
        &mut m,
        st,
        location,
        time_received,
        tx.is_coinbase(),
        &txid_text,
    );
    if verbose {
        verbose_fields(ctx, st, &mut m, tx, txid, &per_output)?;
    }
    Ok(Some(Value::Object(m)))
}
