//! Wallet history: listwallettransactions, getwallettransaction, listaddresstransactions,
//! getaddresstransaction.

use super::args::{address_list, Args};
use super::dispatch::{Handler, RpcContext};
use super::entities;
use super::errors::*;
use super::txjson::{grant_json, shown_grant, signers};
use crate::chain::entities::{short_id, Entity};
use crate::chain::metadata::{classify, OutputKind};
use crate::chain::state::StateView;
use crate::jsonfmt::double;
use crate::node::NodeState;
use crate::primitives::address::Address;
use crate::primitives::script;
use crate::wallet::history::{sort_addresses, WalletTx};
use bitcoin::Txid;
use serde_json::{json, Map, Value};

pub const METHODS: [(&str, Handler); 4] = [
    ("listwallettransactions", listwallettransactions),
    ("getwallettransaction", getwallettransaction),
    ("listaddresstransactions", listaddresstransactions),
    ("getaddresstransaction", getaddresstransaction),
];

fn invalid(msg: &str) -> RpcError {
    RpcError::invalid_parameter(msg)
}

/// The transaction and where it is.
fn locate(ctx: &RpcContext, txid: &Txid) -> RpcResult<Option<super::raw::Located>> {
    super::raw::find_transaction(ctx, txid)
}

/// One history entry, seen from all wallet addresses or from one (`only`).
fn entry_json(
    ctx: &RpcContext,
    st: &NodeState,
    rec: &WalletTx,
    only: Option<&Address>,
    verbose: bool,
) -> RpcResult<Option<Value>> {
    let Some((tx, place)) = locate(ctx, &rec.txid)? else {
        return Ok(None);
    };
    let txid_text = rec.txid.to_string();
    let view = st.view();
    let (mine, others): (Vec<Address>, Vec<Address>) = match only {
        Some(a) => {
            if !rec.involves(a) {
                return Ok(None);
            }
            let mut others: Vec<Address> = rec
                .mine
                .iter()
                .chain(&rec.others)
                .filter(|x| *x != a)
                .copied()
                .collect();
            sort_addresses(&mut others);
            (vec![*a], others)
        }
        None => (rec.mine.clone(), rec.others.clone()),
    };
    let mut m = Map::new();
    let asset_rows: Vec<Value> = rec
        .assets
        .iter()
        .filter_map(|(id, q)| super::assets::amount_row(&view, id, *q))
        .collect();
    m.insert(
        "balance".into(),
        json!({"amount": super::control::native_signed(ctx, rec.native), "assets": asset_rows}),
    );
    m.insert("myaddresses".into(), entities::addresses(ctx, &mine));
    m.insert("addresses".into(), entities::addresses(ctx, &others));
    let txid = tx.compute_txid();
    let mut permissions = Vec::new();
    let mut items = Vec::new();
    let mut data = Vec::new();
    let mut create: Option<Value> = None;
    let mut issue: Option<Value> = None;
    let publishers = entities::addresses(ctx, &signers(&tx));
    // What each output adds to the verbose `vout` entries: its item and its data.
    let mut per_output: Vec<(Option<Value>, Option<Value>)> = vec![(None, None); tx.output.len()];
    for (n, out) in tx.output.iter().enumerate() {
        let Some(parsed) = script::parse(&out.script_pubkey) else {
            continue;
        };
        let Ok(kind) = classify(&parsed) else {
            continue;
        };
        match kind {
            OutputKind::Payment {
                address,
                grants,
                genesis,
                follow_ons,
                token_issue,
                ..
            } => {
                for (entity, g) in grants.iter().filter(|(_, g)| shown_grant(g)) {
                    let mut p = match grant_for(st, entity.as_ref(), g) {
                        Value::Object(o) => o,
                        _ => Map::new(),
                    };
                    p.insert(
                        "addresses".into(),
                        json!([ctx.node.format.encode_address(&address)]),
                    );
                    permissions.push(Value::Object(p));
                }
                let issued: Option<(Entity, i64, bool)> = if let Some(g) = genesis {
                    view.entity(&short_id(&txid)).map(|e| (e, g, true))
                } else {
                    follow_ons
                        .first()
                        .and_then(|(id, q)| view.entity(id).map(|e| (e, *q, false)))
                };
                if let Some((e, raw, first)) = issued {
                    let mut i = entities::asset_ident(&e, false);
                    if first {
                        if let Value::Object(d) = super::assets::issue_details_json(
                            &e,
                            "issuefirst",
                            super::assets::follow_ons_allowed(st, &e),
                        ) {
                            for (k, v) in d {
                                if k != "type" && k != "name" {
                                    if k == "open" {
                                        i.insert("units".into(), double(1.0 / e.multiple() as f64));
                                    }
                                    i.insert(k, v);
                                }
                            }
                        }
                    }
                    i.insert("qty".into(), double(raw as f64 / e.multiple() as f64));
                    i.insert("raw".into(), json!(raw));
                    i.insert(
                        "addresses".into(),
                        json!([ctx.node.format.encode_address(&address)]),
                    );
                    issue = Some(Value::Object(i));
                }
                // A new token: its asset, id and details, and how many units it has.
                let token = token_issue.as_ref().and_then(|t| {
                    super::txjson::token_issue_fields(st, t, false, |m| {
                        m.insert("details".into(), t.details.json());
                    })
                });
                if let Some(mut i) = token {
                    i.insert(
                        "addresses".into(),
                        json!([ctx.node.format.encode_address(&address)]),
                    );
                    issue = Some(Value::Object(i));
                }
            }
            OutputKind::NewEntity { kind, .. }
                if kind == crate::primitives::entity::KIND_STREAM =>
            {
                if let Some(e) = view.entity(&short_id(&txid)) {
                    let mut c = Map::new();
                    c.insert("type".into(), json!("stream"));
                    let name = e.name();
                    if !name.is_empty() {
                        c.insert("name".into(), json!(name));
                    }
                    c.insert("streamref".into(), entities::reference_json(&e));
                    c.insert("restrict".into(), entities::stream_restrict(&e));
                    c.insert("details".into(), e.details.json());
                    create = Some(Value::Object(c));
                }
            }
            other => {
                let (item, shown) = item_or_data(ctx, &view, &other, n, &txid_text, &publishers);
                if let Some(item) = &item {
                    items.push(item.clone());
                }
                if let Some(shown) = &shown {
                    data.push(shown.clone());
                }
                per_output[n] = (item, shown);
            }
        }
    }
    m.insert("permissions".into(), Value::Array(permissions));
    if let Some(i) = issue {
        m.insert("issue".into(), i);
    }
    if let Some(c) = create {
        m.insert("create".into(), c);
    }
    m.insert("items".into(), Value::Array(items));
    m.insert("data".into(), Value::Array(data));
    chain_fields(&mut m, st, place, rec.time, rec.coinbase, &txid_text);
    if verbose {
        verbose_fields(ctx, st, &mut m, &tx, &txid, &per_output)?;
    }
    Ok(Some(Value::Object(m)))
}

/// What an output that is neither a payment nor a new entity adds to an entry: its stream
/// item (`DataItemEntry`), or its data (`OpReturnFormatEntry`).
pub(super) fn item_or_data(
    ctx: &RpcContext,
    view: &impl StateView,
    kind: &OutputKind,
    n: usize,
    txid_text: &str,
    publishers: &Value,
) -> (Option<Value>, Option<Value>) {
    match kind {
        OutputKind::Item {
            stream,
            keys,
            format,
            data,
        } => {
            let mut it = Map::new();
            it.insert("type".into(), json!("stream"));
            if let Some(e) = view.entity(stream) {
                let name = e.name();
                if !name.is_empty() {
                    it.insert("name".into(), json!(name));
                }
                it.insert("streamref".into(), entities::reference_json(&e));
            }
            it.insert("publishers".into(), publishers.clone());
            it.insert(
                "keys".into(),
                Value::Array(
                    keys.iter()
                        .map(|k| json!(String::from_utf8_lossy(k)))
                        .collect(),
                ),
            );
            it.insert("offchain".into(), json!(false));
            it.insert("available".into(), json!(true));
            it.insert(
                "data".into(),
                super::streams::shown_data(ctx, txid_text, n as u32, *format, data),
            );
            (Some(Value::Object(it)), None)
        }
        OutputKind::Data(Some(d)) => {
            let shown = super::streams::shown_data(ctx, txid_text, n as u32, script::FORMAT_RAW, d);
            (None, Some(shown))
        }
        OutputKind::Formatted { format, data } => {
            let shown = super::streams::shown_data(ctx, txid_text, n as u32, *format, data);
            (None, Some(shown))
        }
        _ => (None, None),
    }
}

/// The fields MultiChain's `WalletTxToJSON` adds: confirmations and the block, txid,
/// validity and times (`time` is the earlier of the block's time and the time received).
pub(super) fn chain_fields(
    m: &mut Map<String, Value>,
    st: &NodeState,
    place: Option<(u32, u32)>,
    time_received: u32,
    coinbase: bool,
    txid_text: &str,
) {
    let tip = st.tip_height();
    let block = place.and_then(|(h, i)| st.blocks.get(h as usize).map(|b| (h, i, b)));
    m.insert(
        "confirmations".into(),
        json!(block.map_or(0, |(h, _, _)| tip - h + 1)),
    );
    if coinbase {
        m.insert("generated".into(), json!(true));
    }
    if let Some((h, i, b)) = block {
        m.insert("blockhash".into(), json!(b.hash.to_string()));
        m.insert("blockheight".into(), json!(h));
        m.insert("blockindex".into(), json!(i));
        m.insert("blocktime".into(), json!(b.time));
    }
    m.insert("txid".into(), json!(txid_text));
    m.insert("valid".into(), json!(true));
    let time = block.map_or(time_received, |(_, _, b)| time_received.min(b.time));
    m.insert("time".into(), json!(time));
    m.insert("timereceived".into(), json!(time_received));
}

/// Whether MultiChain's wallet transaction store holds `txid`: a transaction of the wallet's
/// history, or one carrying a subscribed asset or publishing to a subscribed stream.
pub(super) fn wallet_store_has(ctx: &RpcContext, st: &NodeState, txid: &Txid) -> RpcResult<bool> {
    if ctx.node.ledger.wallet_tx_seq(txid)?.is_some() {
        return Ok(true);
    }
    let Some((tx, _)) = super::raw::find_transaction_in(ctx, st, txid)? else {
        return Ok(false);
    };
    let kinds = crate::chain::metadata::readable_output_kinds(&tx);
    let streams = kinds.iter().filter_map(|k| match k {
        OutputKind::Item { stream, .. } => Some(*stream),
        _ => None,
    });
    let assets = crate::chain::metadata::output_assets(txid, &kinds);
    Ok(streams
        .chain(assets)
        .any(|id| st.streams.is_subscribed(&id)))
}

/// A verbose entry's `vin`, `vout` and `hex`. An input shows the output it spends when the
/// wallet's transaction store has it ([`wallet_store_has`]), as in MultiChain; `per_output`
/// holds each output's item and data.
pub(super) fn verbose_fields(
    ctx: &RpcContext,
    st: &NodeState,
    m: &mut Map<String, Value>,
    tx: &bitcoin::Transaction,
    txid: &Txid,
    per_output: &[(Option<Value>, Option<Value>)],
) -> RpcResult<()> {
    let multiple = ctx.node.params.int("native-currency-multiple").max(1) as f64;
    let vin: Vec<Value> = if tx.is_coinbase() {
        // MultiChain shows a coinbase input as an empty output numbered -1 (an unset
        // Bitcoin output holds -1 units).
        vec![
            json!({"n": -1, "addresses": [], "type": "nonstandard", "ismine": false,
            "iswatchonly": false, "amount": double(-1.0 / multiple)}),
        ]
    } else {
        tx.input
            .iter()
            .enumerate()
            .map(|(i, input)| -> RpcResult<Value> {
                let prev = &input.previous_output;
                let spent = if wallet_store_has(ctx, st, &prev.txid)? {
                    super::raw::find_transaction_in(ctx, st, &prev.txid)?
                        .and_then(|(t, _)| t.output.get(prev.vout as usize).cloned())
                } else {
                    None
                };
                let mut e = Map::new();
                e.insert("txid".into(), json!(prev.txid.to_string()));
                e.insert("vout".into(), json!(prev.vout));
                let side = match &spent {
                    Some(out) => Side::Spent(out),
                    None => Side::Unknown(super::txjson::input_signer(tx, i)),
                };
                side_json(ctx, st, &mut e, side, &prev.txid);
                Ok(Value::Object(e))
            })
            .collect::<RpcResult<_>>()?
    };
    let vout: Vec<Value> = tx
        .output
        .iter()
        .enumerate()
        .map(|(n, out)| {
            let mut e = Map::new();
            e.insert("n".into(), json!(n));
            side_json(ctx, st, &mut e, Side::Output(out), txid);
            if let Some((item, data)) = per_output.get(n) {
                if let Some(item) = item {
                    e.insert("items".into(), json!([item]));
                }
                if let Some(data) = data {
                    e.insert("data".into(), json!([data]));
                }
            }
            Value::Object(e)
        })
        .collect();
    m.insert("vin".into(), Value::Array(vin));
    m.insert("vout".into(), Value::Array(vout));
    m.insert("hex".into(), json!(crate::primitives::tx::encode_hex(tx)));
    Ok(())
}

/// A grant as wallet history shows it: global, or for a stream or asset.
fn grant_for(st: &NodeState, entity: Option<&[u8; 16]>, g: &script::PermissionGrant) -> Value {
    match entity {
        None => grant_json(g),
        Some(id) => super::txjson::entity_grant_json(st, id, g),
    }
}

/// What a verbose wallet entry shows of one input or output (MultiChain's `TxOutEntry`).
enum Side<'a> {
    Output(&'a bitcoin::TxOut),
    /// An input whose spent output the wallet has.
    Spent(&'a bitcoin::TxOut),
    /// An input whose spent output the wallet does not have: only its signer is known.
    Unknown(Option<Address>),
}

/// Addresses, type, whether the wallet holds it, and for a known output its amount, assets
/// (without zero rows; an input's without their kind) and, for an output, grants.
/// `created_by` is the transaction that made the output (for a new asset's id).
fn side_json(
    ctx: &RpcContext,
    st: &NodeState,
    e: &mut Map<String, Value>,
    side: Side,
    created_by: &Txid,
) {
    let out = match side {
        Side::Output(o) | Side::Spent(o) => Some(o),
        Side::Unknown(_) => None,
    };
    let parsed = out.and_then(|o| script::parse(&o.script_pubkey));
    let address = match &side {
        Side::Unknown(signer) => *signer,
        _ => parsed.as_ref().and_then(|p| p.address()),
    };
    e.insert(
        "addresses".into(),
        entities::addresses(ctx, &address.into_iter().collect::<Vec<_>>()),
    );
    let kind = match (out, address) {
        (Some(_), _) => super::txjson::destination_type(parsed.as_ref()),
        (None, Some(_)) => "pubkeyhash",
        (None, None) => "nonstandard",
    };
    e.insert("type".into(), json!(kind));
    // An output not known is nobody's, as far as the wallet can tell.
    let held = address.filter(|_| out.is_some());
    e.insert(
        "ismine".into(),
        json!(held.is_some_and(|a| st.wallet.is_mine(&a))),
    );
    e.insert(
        "iswatchonly".into(),
        json!(held.is_some_and(|a| st.wallet.is_watch_only(&a))),
    );
    let Some(out) = out else {
        return;
    };
    e.insert(
        "amount".into(),
        super::control::native(ctx, out.value.to_sat()),
    );
    let Some(OutputKind::Payment {
        assets,
        genesis,
        follow_ons,
        grants,
        ..
    }) = parsed.as_ref().and_then(|p| classify(p).ok())
    else {
        return;
    };
    let is_output = matches!(side, Side::Output(_));
    let genesis = genesis.map(|g| (short_id(created_by), g, "issuefirst"));
    let rows: Vec<Value> = genesis
        .into_iter()
        .chain(follow_ons.iter().map(|(id, q)| (*id, *q, "issuemore")))
        .chain(assets.iter().map(|(id, q)| (*id, *q, "transfer")))
        .filter(|(_, q, _)| *q != 0)
        .filter_map(|(id, q, kind)| {
            let mut row = super::txjson::asset_row(ctx, st, &id, q, kind)?;
            if !is_output {
                if let Value::Object(m) = &mut row {
                    m.remove("type");
                }
            }
            Some(row)
        })
        .collect();
    if !rows.is_empty() {
        e.insert("assets".into(), Value::Array(rows));
    }
    if is_output {
        let grants: Vec<Value> = grants
            .iter()
            .filter(|(_, g)| shown_grant(g))
            .map(|(entity, g)| grant_for(st, entity.as_ref(), g))
            .collect();
        if !grants.is_empty() {
            e.insert("permissions".into(), Value::Array(grants));
        }
    }
}

/// Which of `n` entries (0 the newest) a `count`/`skip` window takes, as MultiChain's lists
/// do: one reaching past the oldest keeps its size and ends at the oldest; one starting past
/// it is empty.
fn newest_first_window(n: i64, skip: i64, count: i64) -> std::ops::Range<i64> {
    if n <= skip {
        0..0
    } else if n < skip.saturating_add(count) {
        (n - count).max(0)..n
    } else {
        skip..skip + count
    }
}

/// `count` entries, `skip` back from the newest, oldest first: all wallet entries, or those
/// involving `only`. As in MultiChain, a window reaching past the oldest entry keeps its size
/// and ends at the oldest one; one starting past it is empty.
fn window_entries(
    ctx: &RpcContext,
    st: &NodeState,
    count: i64,
    skip: i64,
    only: Option<&Address>,
    verbose: bool,
) -> RpcResult<Value> {
    let total = ctx.node.ledger.wallet_tx_count()? as i64;
    let wanted = skip.saturating_add(count);
    // Newest first, the entries that count: all of them by position, or those involving
    // `only` as far back as the window can reach.
    let mut found: Vec<WalletTx> = Vec::new();
    match only {
        None => {
            let window = newest_first_window(total, skip, count);
            for j in window {
                if let Some(rec) = ctx.node.ledger.wallet_tx((total - 1 - j) as u64)? {
                    found.push(rec);
                }
            }
        }
        Some(a) => {
            let mut seq = total - 1;
            while seq >= 0 && (found.len() as i64) < wanted {
                if let Some(rec) = ctx.node.ledger.wallet_tx(seq as u64)? {
                    if rec.involves(a) {
                        found.push(rec);
                    }
                }
                seq -= 1;
            }
            let window = newest_first_window(found.len() as i64, skip, count);
            found = found
                .drain(window.start as usize..window.end as usize)
                .collect();
        }
    }
    let mut out = Vec::new();
    for rec in &found {
        if let Some(e) = entry_json(ctx, st, rec, only, verbose)? {
            out.push(e);
        }
    }
    out.reverse();
    Ok(Value::Array(out))
}

fn listwallettransactions(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 4)?;
    let count = args.opt_int(0, 10)?;
    let skip = args.opt_int(1, 0)?;
    args.opt_bool(2, false)?;
    let verbose = args.opt_bool(3, false)?;
    if count < 0 {
        return Err(invalid("Negative count"));
    }
    if skip < 0 {
        return Err(invalid("Negative from"));
    }
    let st = ctx.node.state.read();
    window_entries(ctx, &st, count, skip, None, verbose)
}

fn single_address(ctx: &RpcContext, v: &Value) -> RpcResult<Address> {
    let list = address_list(v, &ctx.node.format)?;
    if list.len() != 1 {
        return Err(invalid("Single address should be specified"));
    }
    Ok(list[0])
}

fn listaddresstransactions(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 5)?;
    let count = args.opt_int(1, 10)?;
    let skip = args.opt_int(2, 0)?;
    let verbose = args.opt_bool(3, false)?;
    if count < 0 {
        return Err(invalid("Negative count"));
    }
    if skip < 0 {
        return Err(invalid("Negative from"));
    }
    let address = single_address(ctx, &args.values[0])?;
    let st = ctx.node.state.read();
    window_entries(ctx, &st, count, skip, Some(&address), verbose)
}

/// The wallet history record of the transaction named, or MultiChain's -710.
pub(super) fn wallet_record(ctx: &RpcContext, txid_text: &str) -> RpcResult<WalletTx> {
    let not_found = || RpcError::new(RPC_TX_NOT_FOUND, "Invalid or non-wallet transaction id");
    let txid: Txid = txid_text.parse().map_err(|_| not_found())?;
    let seq = ctx
        .node
        .ledger
        .wallet_tx_seq(&txid)?
        .ok_or_else(not_found)?;
    ctx.node.ledger.wallet_tx(seq)?.ok_or_else(not_found)
}

fn getwallettransaction(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 3)?;
    let rec = wallet_record(ctx, args.str(0)?)?;
    args.opt_bool(1, false)?;
    let verbose = args.opt_bool(2, false)?;
    let st = ctx.node.state.read();
    entry_json(ctx, &st, &rec, None, verbose)?.ok_or_else(|| {
        RpcError::new(
            RPC_TX_NOT_FOUND,
            "Wallet addresses with specified criteria are not involved in transaction",
        )
    })
}

fn getaddresstransaction(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 3)?;
    let rec = wallet_record(ctx, args.str(1)?)?;
    let address = single_address(ctx, &args.values[0])?;
    let verbose = args.opt_bool(2, false)?;
    let st = ctx.node.state.read();
    entry_json(ctx, &st, &rec, Some(&address), verbose)?.ok_or_else(|| {
        RpcError::new(
            RPC_TX_NOT_FOUND,
            "This transaction was not found for this address",
        )
    })
}
