//! Assets and sending: issue*, listassets, getassetinfo, balances, sendasset*, send*,
//! sendwithdata*, listunspent, lockunspent, listlockunspent, gettxout.

use super::args::{address_list, from_address, type_name, Args};
use super::dispatch::{Handler, RpcContext};
use super::entities::{self, resolve, Kind};
use super::entity_options::{
    custom_fields, looks_like_reference, parse_asset_restrict, AssetGrowth, BadLimit,
};
use super::errors::*;
use crate::chain::entities::{AssetIssue, Entity};
use crate::chain::metadata::{self, AssetAmounts};
use crate::chain::state::{asset_switched_open, Coin, StateView};
use crate::jsonfmt::double;
use crate::node::NodeState;
use crate::primitives::address::Address;
use crate::primitives::entity::{self as ent, Details};
use crate::primitives::permission;
use bitcoin::OutPoint;
use serde_json::{json, Map, Value};

pub const METHODS: [(&str, Handler); 27] = [
    ("issue", issue),
    ("issuefrom", issuefrom),
    ("issuemore", issuemore),
    ("issuemorefrom", issuemorefrom),
    ("listassets", listassets),
    ("getassetinfo", getassetinfo),
    ("listassetissues", listassetissues),
    ("getaddressbalances", getaddressbalances),
    ("gettotalbalances", gettotalbalances),
    ("getassetbalances", getassetbalances),
    ("getmultibalances", getmultibalances),
    ("sendasset", sendasset),
    ("sendassetfrom", sendassetfrom),
    ("sendassettoaddress", sendasset),
    ("send", send),
    ("sendtoaddress", send),
    ("sendfrom", sendfrom),
    ("sendfromaddress", sendfrom),
    ("sendwithdata", sendwithdata),
    ("sendwithmetadata", sendwithdata),
    ("sendwithdatafrom", sendwithdatafrom),
    ("sendwithmetadatafrom", sendwithdatafrom),
    ("listunspent", listunspent),
    ("lockunspent", lockunspent),
    ("listlockunspent", listlockunspent),
    ("gettxout", gettxout),
    ("getbalance", getbalance),
];

fn invalid(msg: &str) -> RpcError {
    RpcError::invalid_parameter(msg)
}

/// json_spirit `get_real`: a JSON number, else its type error.
pub(super) fn number(v: &Value) -> RpcResult<f64> {
    match v {
        Value::Number(n) => Ok(n.as_f64().unwrap_or(0.0)),
        other => Err(RpcError::misc(format!(
            "value is type {}, expected real",
            type_name(other)
        ))),
    }
}

/// Native amount in display units → raw (`AmountFromValue`).
pub fn native_amount(ctx: &RpcContext, v: &Value) -> RpcResult<u64> {
    let x = number(v)?;
    let multiple = ctx.node.params.int("native-currency-multiple").max(0) as f64;
    if x < 0.0 || !x.is_finite() || (multiple == 0.0 && x != 0.0) {
        return Err(invalid("Invalid amount"));
    }
    let raw = (x * multiple).round();
    if raw > 2.1e15 * multiple.max(1.0) {
        return Err(invalid("Invalid amount"));
    }
    Ok(raw as u64)
}

pub(super) fn opt_native(ctx: &RpcContext, v: Option<&Value>) -> RpcResult<u64> {
    match v {
        None | Some(Value::Null) => Ok(ctx.node.params.int("minimum-per-output").max(0) as u64),
        Some(v) => native_amount(ctx, v),
    }
}

pub(super) fn to_address(ctx: &RpcContext, v: &Value) -> RpcResult<Address> {
    let s = v
        .as_str()
        .ok_or_else(|| RpcError::misc(format!("value is type {}, expected str", type_name(v))))?;
    ctx.node
        .format
        .decode_address(s)
        .map_err(|_| RpcError::new(RPC_INVALID_ADDRESS_OR_KEY, "Invalid address"))
}

pub(super) fn check_can_receive(ctx: &RpcContext, st: &NodeState, a: &Address) -> RpcResult<()> {
    if !st.has_permission(&ctx.node, a, permission::RECEIVE) {
        return Err(RpcError::new(
            RPC_INSUFFICIENT_PERMISSIONS,
            "Destination address doesn't have receive permission",
        ));
    }
    Ok(())
}

// ----------------------------------------------------------------------------------------
// Describing assets

pub fn asset_restrict(e: &Entity) -> Value {
    let p = e.asset_restrictions();
    json!({
        "send": p & permission::SEND != 0,
        "receive": p & permission::RECEIVE != 0,
        "issue": !e.anyone_can_issue_more(),
    })
}

/// Whether an asset takes more units now (its open switch counted).
pub(super) fn follow_ons_allowed(st: &NodeState, e: &Entity) -> bool {
    let switched_open = asset_switched_open(&st.view(), &e.short_id(), st.next_height());
    e.follow_ons_allowed(switched_open)
}

/// `open` … `issuelimit`: how an asset may grow, alike in listassets (`open` as it is now)
/// and decoded issues (`open` as issued).
fn growth_fields(m: &mut Map<String, Value>, e: &Entity, open: bool) {
    m.insert("open".into(), json!(open));
    m.insert("restrict".into(), asset_restrict(e));
    m.insert("fungible".into(), json!(!e.non_fungible()));
    m.insert("canopen".into(), json!(e.can_open()));
    m.insert("canclose".into(), json!(e.can_close()));
    // MultiChain multiplies by the units rather than dividing by the multiple.
    let units = 1.0 / e.multiple() as f64;
    let shown = |limit: Option<i64>| limit.map_or(Value::Null, |l| double(l as f64 * units));
    m.insert("totallimit".into(), shown(e.total_limit()));
    m.insert("issuelimit".into(), shown(e.issue_limit()));
}

fn qty(e: &Entity, raw: i64) -> Value {
    double(raw as f64 / e.multiple() as f64)
}

/// `{"name"?, "assetref", "qty"}`: an amount of an asset in balances and history.
pub(super) fn asset_qty_row(e: &Entity, raw: i64) -> Value {
    let mut m = entities::asset_ident(e, false);
    m.insert("qty".into(), qty(e, raw));
    Value::Object(m)
}

/// The genesis details of an asset as decoderawtransaction shows them.
/// `open` is as issued in a decoded transaction, as it is now in a wallet entry.
pub fn issue_details_json(e: &Entity, kind: &str, open: bool) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!(kind));
    let name = e.name();
    if !name.is_empty() {
        m.insert("name".into(), json!(name));
    }
    m.insert("multiple".into(), json!(e.multiple()));
    growth_fields(&mut m, e, open);
    m.insert("details".into(), e.details.json());
    Value::Object(m)
}

/// The listassets / getassetinfo object.
fn asset_json(
    ctx: &RpcContext,
    st: &NodeState,
    e: &Entity,
    verbose: bool,
    listing: bool,
) -> RpcResult<Value> {
    let mut m = Map::new();
    let name = e.name();
    if !name.is_empty() {
        m.insert("name".into(), json!(name));
    }
    m.insert("issuetxid".into(), json!(e.txid.to_string()));
    m.insert("assetref".into(), entities::reference_json(e));
    m.insert("multiple".into(), json!(e.multiple()));
    m.insert("units".into(), double(1.0 / e.multiple() as f64));
    growth_fields(&mut m, e, follow_ons_allowed(st, e));
    m.insert("details".into(), e.details.json());
    m.insert("issuecount".into(), json!(e.issues.len()));
    m.insert("issueqty".into(), qty(e, e.issued_raw()));
    m.insert("issueraw".into(), json!(e.issued_raw()));
    if listing {
        let id = e.short_id();
        let subscribed = st.streams.is_subscribed(&id);
        m.insert("subscribed".into(), json!(subscribed));
        if subscribed {
            let confirmed = ctx.node.ledger.asset_tx_count(&id)?;
            let pending = super::asset_txs::pending_asset_txs(st, &id).count() as u64;
            m.insert("synchronized".into(), json!(true));
            m.insert("transactions".into(), json!(confirmed + pending));
            m.insert("confirmed".into(), json!(confirmed));
        }
    }
    if verbose {
        let issues = e.issues.iter().map(|i| issue_json(ctx, e, i, true));
        m.insert("issues".into(), Value::Array(issues.collect()));
    }
    Ok(Value::Object(m))
}

/// One issue of an asset, the first or a later one, as listassets (verbose) and
/// listassetissues show it: the details and issuers only when verbose.
fn issue_json(ctx: &RpcContext, e: &Entity, i: &AssetIssue, verbose: bool) -> Value {
    let mut m = Map::new();
    m.insert("txid".into(), json!(i.txid.to_string()));
    m.insert("qty".into(), qty(e, i.raw));
    m.insert("raw".into(), json!(i.raw));
    if e.non_fungible() {
        let token = i.token().map(|t| String::from_utf8_lossy(t).into_owned());
        m.insert("token".into(), json!(token));
    }
    if verbose {
        m.insert("details".into(), i.details.json());
        m.insert("issuers".into(), entities::addresses(ctx, &i.issuers));
    }
    Value::Object(m)
}

/// `{"name"?, "assetref", "token"?, "qty"}`: an amount of an asset, or of one of its tokens.
pub(super) fn amount_row<V: StateView + ?Sized>(
    view: &V,
    id: &[u8; 16],
    raw: i64,
) -> Option<Value> {
    let (e, token) = entities::amount_asset(view, id)?;
    let mut m = entities::amount_ident(&e, token.as_deref(), false);
    m.insert("qty".into(), qty(&e, raw));
    Some(Value::Object(m))
}

/// `{"name","assetref","qty"}` rows for amounts.
fn balance_rows(st: &NodeState, amounts: &AssetAmounts) -> Value {
    let view = st.view();
    let mut rows: Vec<(u64, Value)> = amounts
        .iter()
        .filter_map(|(id, q)| {
            let e = view.entity(id)?;
            Some((e.seq, asset_qty_row(&e, *q)))
        })
        .collect();
    rows.sort_by_key(|(s, _)| *s);
    Value::Array(rows.into_iter().map(|(_, v)| v).collect())
}

// ----------------------------------------------------------------------------------------
// issue / issuemore

/// smallest-unit → multiple, MultiChain's arithmetic.
fn multiple_of(units: f64) -> RpcResult<i64> {
    if units <= 0.0 || units > 1.0 {
        return Err(invalid(
            "Invalid smallest unit. Valid Range [0.00000001 - 1].",
        ));
    }
    let multiple = ((1.0 + 0.1 * units) / units) as i64;
    if (multiple as f64 * units - 1.0).abs() > 0.0001 {
        return Err(invalid(
            "Invalid smallest unit. 1 should be divisible by this number.",
        ));
    }
    Ok(multiple)
}

/// The quantity of `issue`/`issuemore`: a number (an object would be a token issue, which
/// MultiChain refuses here too).
fn quantity_param(v: &Value) -> RpcResult<f64> {
    if v.is_object() {
        return Err(RpcError::new(
            RPC_NOT_SUPPORTED,
            "Invalid quantity, should be numeric",
        ));
    }
    number(v)
}

fn issue(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, usize::MAX)?;
    issue_common(ctx, args, None)
}

fn issuefrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(4, usize::MAX)?;
    let from = from_address_checked(ctx, args.get(0))?;
    issue_common(ctx, args, Some(from))
}

fn from_address_checked(ctx: &RpcContext, v: Option<&Value>) -> RpcResult<Option<Address>> {
    from_address(ctx, v)
}

fn issue_common(ctx: &RpcContext, args: &Args, from: Option<Option<Address>>) -> RpcResult<Value> {
    let off = from.is_some() as usize;
    let to = to_address(ctx, &args.values[off])?;
    let native = opt_native(ctx, args.given(off + 4))?;
    let quantity = quantity_param(&args.values[off + 2])?;
    let units = match args.given(off + 3) {
        Some(v) => number(v)?,
        None => 1.0,
    };
    if quantity < 0.0 {
        return Err(invalid("Invalid quantity. Should be positive."));
    }
    let multiple = multiple_of(units)?;
    let raw = (quantity * multiple as f64 + 0.1) as i64;
    if raw < 0 {
        return Err(invalid("Invalid quantity or smallest unit. "));
    }
    if (quantity / units - raw as f64).abs() > 1e-14 * (raw.max(1) as f64) {
        return Err(invalid("Quantity should be divisible by smallest unit."));
    }
    {
        let st = ctx.node.state.read();
        check_can_receive(ctx, &st, &to)?;
    }
    let mut details = Details::default();
    let mut name = String::new();
    let mut growth = AssetGrowth::default();
    let mut restrict = 0u8;
    match args.given(off + 1) {
        None => {}
        Some(Value::String(s)) => name = s.clone(),
        Some(Value::Object(o)) => {
            let mut name_seen = false;
            for (k, v) in o {
                super::entity_options::check_growth_field(ctx.node.rules.tokens, k)?;
                match k.as_str() {
                    "name" => {
                        if !name_seen {
                            name = v
                                .as_str()
                                .ok_or_else(|| {
                                    RpcError::misc(format!(
                                        "value is type {}, expected str",
                                        type_name(v)
                                    ))
                                })?
                                .to_string();
                            name_seen = true;
                        }
                    }
                    "open" => {
                        growth.open = v.as_bool().ok_or_else(|| {
                            invalid("Invalid value for 'open' field, should be boolean")
                        })?
                    }
                    "totallimit" | "issuelimit" => {
                        let limit = AssetGrowth::limit(v)
                            .and_then(|l| match AssetGrowth::raw_limit(l, multiple) {
                                Some(raw) if raw > 0 => Ok(l),
                                _ => Err(BadLimit::NotPositive),
                            })
                            .map_err(|e| {
                                let should = match e {
                                    BadLimit::NotNumeric => "numeric",
                                    BadLimit::NotPositive => "positive",
                                };
                                invalid(&format!(
                                    "Invalid value for '{k}' field, should be {should}"
                                ))
                            })?;
                        growth.set_limit(k, limit);
                    }
                    "unrestrict" => {
                        if !growth.unrestrict(v) {
                            return Err(invalid("Invalid value for 'unrestrict' field"));
                        }
                    }
                    // MultiChain passes over a restrict that is not a string.
                    "restrict" if restrict == 0 && v.is_string() => {
                        restrict = parse_asset_restrict(v)
                            .ok_or_else(|| invalid("Invalid value for restrict field"))?;
                    }
                    "restrict" => {}
                    "fungible" => {
                        let fungible = v.as_bool().ok_or_else(|| {
                            invalid("Invalid value for 'fungible' field, should be boolean")
                        })?;
                        growth.non_fungible = !fungible;
                    }
                    "canopen" | "canclose" => {
                        let b = v.as_bool().ok_or_else(|| {
                            invalid(&format!("Invalid value for '{k}' field, should be boolean"))
                        })?;
                        growth.set_switchable(k, b);
                    }
                    other => {
                        return Err(RpcError::new(
                            RPC_NOT_SUPPORTED,
                            format!("Invalid field: {other}"),
                        ))
                    }
                }
            }
        }
        Some(other) => {
            return Err(RpcError::misc(format!(
                "value is type {}, expected str",
                type_name(other)
            )))
        }
    }
    if name == "*" {
        return Err(invalid("Invalid asset name: *"));
    }
    if looks_like_reference(&name) {
        return Err(invalid("Invalid asset name, looks like an asset reference"));
    }
    if !name.is_empty() {
        let st = ctx.node.state.read();
        if st.view().entity_by_name(&name).is_some() {
            return Err(RpcError::new(
                RPC_DUPLICATE_NAME,
                "Entity with this name already exists",
            ));
        }
        if name.len() == 64 || name.len() > 32 || !crate::chain::entities::valid_name(&name) {
            return Err(invalid("Invalid asset name"));
        }
        details.set(ent::FIELD_NAME, name.as_bytes().to_vec());
    }
    growth.check()?;
    if growth.non_fungible {
        growth.check_multiple(multiple)?;
        if raw != 0 {
            // MultiChain's words, trailing space included.
            return Err(RpcError::new(
                RPC_NOT_SUPPORTED,
                "Quantity should be 0 for non-fungible token asset ",
            ));
        }
    }
    for (limit, which) in [
        (growth.total_limit, "totallimit"),
        (growth.issue_limit, "issuelimit"),
    ] {
        let raw_limit = limit.and_then(|l| AssetGrowth::raw_limit(l, multiple));
        if raw_limit.is_some_and(|l| raw > l) {
            return Err(RpcError::new(
                RPC_NOT_ALLOWED,
                format!("Invalid quantity, over the {which} for this asset"),
            ));
        }
    }
    details.set(
        ent::FIELD_ASSET_MULTIPLE,
        (multiple as i32).to_le_bytes().to_vec(),
    );
    // In MultiChain's order: follow-on mode, limits, then per-asset permissions.
    growth.write_follow_ons(&mut details);
    growth.write_limits(multiple, &mut details)?;
    if restrict != 0 {
        details.set(ent::FIELD_PERMISSIONS, vec![restrict]);
    }
    if let Some(fields) = args.get(off + 5) {
        details.set(ent::FIELD_JSON_DETAILS, custom_fields(fields)?);
    }
    let txid = ctx.node.issue(from.flatten(), &to, details, raw, native)?;
    Ok(json!(txid.to_string()))
}

fn issuemore(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 5)?;
    issuemore_common(ctx, args, None)
}

fn issuemorefrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(4, 6)?;
    let from = from_address(ctx, args.get(0))?;
    issuemore_common(ctx, args, Some(from))
}

pub(super) fn asset_param(st: &NodeState, v: &Value) -> RpcResult<Entity> {
    match v {
        Value::Null => Err(invalid("Invalid asset identifier")),
        Value::String(s) if s.is_empty() => Err(invalid("Invalid asset identifier")),
        Value::String(s) => {
            if s.len() != 64 && s.len() > 32 {
                return Err(invalid(&format!("Could not parse asset key: {s}")));
            }
            resolve(st, s, Kind::Asset)
        }
        other => Err(RpcError::misc(format!(
            "value is type {}, expected str",
            type_name(other)
        ))),
    }
}

/// An asset named in a raw output or an amounts object: as [`asset_param`], its errors in
/// the words MultiChain uses there ("Issue transaction with this name not found: …").
pub(super) fn issue_transaction_param(st: &NodeState, v: &Value) -> RpcResult<Entity> {
    asset_param(st, v).map_err(|e| {
        RpcError::new(
            e.code,
            e.message
                .replace("Asset with this", "Issue transaction with this"),
        )
    })
}

fn issuemore_common(
    ctx: &RpcContext,
    args: &Args,
    from: Option<Option<Address>>,
) -> RpcResult<Value> {
    let off = from.is_some() as usize;
    let to = to_address(ctx, &args.values[off])?;
    let native = opt_native(ctx, args.given(off + 3))?;
    let asset = {
        let st = ctx.node.state.read();
        asset_param(&st, &args.values[off + 1])?
    };
    let q = quantity_param(&args.values[off + 2])?;
    let raw = (q * asset.multiple() as f64 + 0.499999) as i64;
    if raw < 0 {
        return Err(invalid("Invalid asset quantity"));
    }
    // A non-fungible asset grows by tokens (`issuetoken`); here only its details change.
    if asset.non_fungible() {
        if raw != 0 {
            return Err(RpcError::new(
                RPC_NOT_SUPPORTED,
                "Invalid quantity, must be 0 if adding custom fields to non-fungible assets",
            ));
        }
        if args.get(off + 4).is_none() {
            return Err(invalid("Custom fields required for non-fungible assets"));
        }
    }
    {
        let st = ctx.node.state.read();
        check_can_receive(ctx, &st, &to)?;
    }
    let details = match args.get(off + 4) {
        Some(v) => {
            let mut d = Details::default();
            d.set(ent::FIELD_JSON_DETAILS, custom_fields(v)?);
            Some(d)
        }
        None => None,
    };
    if let Some(Some(a)) = &from {
        if !ctx.node.state.read().wallet.is_mine(a) {
            return Err(RpcError::new(
                RPC_WALLET_ADDRESS_NOT_FOUND,
                "Private key for from-address is not found in this wallet",
            ));
        }
    }
    if !follow_ons_allowed(&ctx.node.state.read(), &asset) {
        let given = args.values[off + 1].as_str().unwrap_or_default();
        return Err(RpcError::new(
            RPC_NOT_ALLOWED,
            format!("Issuing more units not allowed for this asset: {given}"),
        ));
    }
    let txid = ctx
        .node
        .issue_more(from.flatten(), &to, &asset, raw, native, details)
        .map_err(|e| match RpcError::from(e) {
            e if e.code == RPC_INSUFFICIENT_PERMISSIONS && from.flatten().is_some() => {
                RpcError::new(
                    e.code,
                    "Issuing more units for this asset is not allowed from this address",
                )
            }
            e if e.code == RPC_INSUFFICIENT_PERMISSIONS => RpcError::new(
                e.code,
                "Issuing more units for this asset is not allowed from this wallet",
            ),
            e => e,
        })?;
    Ok(json!(txid.to_string()))
}

// ----------------------------------------------------------------------------------------
// listassets / getassetinfo

fn strict_verbose(args: &Args, i: usize) -> RpcResult<bool> {
    match args.get(i) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid("Invalid parameter value type, should be boolean")),
    }
}

/// The `count` argument at `i` and the `start` after it, integers as MultiChain's
/// `paramtoint` takes them; `start` is `-count` when left out (the last `count`).
pub(super) fn count_and_start(args: &Args, i: usize, all: i64) -> RpcResult<(i64, i64)> {
    let int = |v: &Value| v.as_i64().filter(|_| v.is_i64() || v.is_u64());
    let count = match args.get(i) {
        None => all,
        Some(v) => int(v)
            .filter(|c| *c >= 0)
            .ok_or_else(|| invalid("Invalid count"))?,
    };
    let start = match args.get(i + 1) {
        None => -count,
        Some(v) => int(v).ok_or_else(|| invalid("Invalid start"))?,
    };
    Ok((count, start))
}

fn listassets(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 4)?;
    let (count, start) = count_and_start(args, 2, i64::MAX)?;
    let st = ctx.node.state.read();
    let list = entities::listed(&st, entities::Kind::Asset, args.get(0), asset_param)?;
    let verbose = strict_verbose(args, 1)?;
    let (s, c) = super::args::adjust_start_and_count(start, count, list.len() as i64);
    Ok(Value::Array(
        list[s..s + c]
            .iter()
            .map(|e| asset_json(ctx, &st, e, verbose, true))
            .collect::<RpcResult<_>>()?,
    ))
}

/// `listassetissues asset ( verbose count start )`: the asset's issues, oldest first, in
/// MultiChain's order of checks (count and start, then the asset, then verbose).
fn listassetissues(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 4)?;
    let (count, start) = count_and_start(args, 2, i32::MAX as i64)?;
    let st = ctx.node.state.read();
    let e = asset_param(&st, &args.values[0]).map_err(|error| {
        // A later issue's txid names an issue, not an asset: MultiChain says so.
        let later_issue = args.values[0].as_str().is_some_and(|txid| {
            entities::all_of(&st, Kind::Asset)
                .iter()
                .any(|a| a.issues.iter().skip(1).any(|i| i.txid.to_string() == txid))
        });
        if later_issue {
            RpcError::new(RPC_ENTITY_NOT_FOUND, "Asset with this issue txid not found")
        } else {
            error
        }
    })?;
    let verbose = args.get(1).is_some_and(super::args::lenient_bool);
    let (s, c) = super::args::adjust_start_and_count(start, count, e.issues.len() as i64);
    Ok(Value::Array(
        e.issues[s..s + c]
            .iter()
            .map(|i| issue_json(ctx, &e, i, verbose))
            .collect(),
    ))
}

fn getassetinfo(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    if !args.values[0].is_string() {
        return Err(invalid("Invalid asset identifier, expected string"));
    }
    let st = ctx.node.state.read();
    let e = asset_param(&st, &args.values[0])?;
    let verbose = strict_verbose(args, 1)?;
    asset_json(ctx, &st, &e, verbose, false)
}

// ----------------------------------------------------------------------------------------
// Balances

/// An unspent output of the wallet, with its confirmations and what it holds.
struct WalletOutput {
    address: Address,
    outpoint: OutPoint,
    coin: Coin,
    confirmations: i64,
    assets: AssetAmounts,
}

/// Unspent outputs of the wallet with what they hold, optionally one address only.
fn wallet_outputs(
    st: &NodeState,
    address: Option<&Address>,
    include_locked: bool,
) -> Vec<WalletOutput> {
    let view = st.view();
    let tip = st.tip_height() as i64;
    let mut out = Vec::new();
    let mut coins: Vec<(&Address, &OutPoint)> = st.wallet.all_coins().collect();
    coins.sort();
    for (a, op) in coins {
        if address.is_some_and(|x| x != a) {
            continue;
        }
        if !include_locked && st.wallet.is_locked(op) {
            continue;
        }
        if let Some(coin) = view.coin(op) {
            out.push(WalletOutput {
                address: *a,
                outpoint: *op,
                confirmations: coin.height.map_or(0, |h| tip - h as i64 + 1),
                assets: metadata::coin_assets(op, &coin.output.script_pubkey),
                coin,
            });
        }
    }
    out
}

/// The wallet's outputs a balance asked with `minconf` counts. MultiChain counts an output
/// with at least `minconf` confirmations, and at once one whose transaction spent only this
/// wallet's outputs (its own change and transfers between its addresses).
fn balance_outputs(
    ctx: &RpcContext,
    st: &NodeState,
    address: Option<&Address>,
    include_locked: bool,
    minconf: i64,
) -> Vec<WalletOutput> {
    let mut rows = counted_outputs(ctx, st, address, include_locked, minconf);
    // Balances count a non-fungible asset's tokens as units of the asset, as MultiChain's do.
    let view = st.view();
    for row in &mut rows {
        if row
            .assets
            .iter()
            .any(|(id, _)| view.token_asset(id).is_some())
        {
            let mut by_asset: AssetAmounts = Vec::new();
            for (id, q) in &row.assets {
                let asset = view.token_asset(id).unwrap_or(*id);
                metadata::add_amount(&mut by_asset, asset, *q);
            }
            row.assets = by_asset;
        }
    }
    rows
}

/// Each counted wallet output's address, native value and what it holds, tokens one by one
/// (`gettokenbalances`).
pub(super) fn counted_holdings(
    ctx: &RpcContext,
    st: &NodeState,
    include_locked: bool,
    minconf: i64,
) -> Vec<(Address, u64, AssetAmounts)> {
    counted_outputs(ctx, st, None, include_locked, minconf)
        .into_iter()
        .map(|row| (row.address, row.coin.output.value.to_sat(), row.assets))
        .collect()
}

/// [`wallet_outputs`] that a balance with `minconf` counts.
fn counted_outputs(
    ctx: &RpcContext,
    st: &NodeState,
    address: Option<&Address>,
    include_locked: bool,
    minconf: i64,
) -> Vec<WalletOutput> {
    let mut trusted: std::collections::HashMap<bitcoin::Txid, bool> = Default::default();
    let mut rows = wallet_outputs(st, address, include_locked);
    rows.retain(|row| {
        let txid = row.outpoint.txid;
        row.confirmations >= minconf
            || *trusted
                .entry(txid)
                .or_insert_with(|| spends_only_wallet_outputs(ctx, st, &txid))
    });
    rows
}

/// Whether every input of `txid` (in the mempool or the chain) spent an output of this
/// wallet; never for a coinbase.
fn spends_only_wallet_outputs(ctx: &RpcContext, st: &NodeState, txid: &bitcoin::Txid) -> bool {
    let mine = |script: &bitcoin::Script| {
        crate::primitives::script::parse(script)
            .and_then(|p| p.address())
            .is_some_and(|a| st.wallet.is_mine(&a))
    };
    if let Some(entry) = st.mempool.get(txid) {
        let spent = &entry.effects.spent;
        return !spent.is_empty() && spent.iter().all(|(_, c)| mine(&c.output.script_pubkey));
    }
    let ledger = &ctx.node.ledger;
    let Ok(Some((_, _, tx))) = ledger.transaction(txid) else {
        return false;
    };
    !tx.is_coinbase()
        && tx.input.iter().all(|input| {
            let prev = input.previous_output;
            super::raw::find_transaction_in(ctx, st, &prev.txid)
                .ok()
                .flatten()
                .and_then(|(t, _)| t.output.get(prev.vout as usize).cloned())
                .is_some_and(|o| mine(&o.script_pubkey))
        })
}

/// The `minconf` argument at `i` (default 1).
pub(super) fn minconf_param(args: &Args, i: usize) -> RpcResult<i64> {
    args.get(i).map_or(Ok(1), super::args::int_of)
}

fn sum_assets(rows: &[WalletOutput]) -> (u64, AssetAmounts) {
    let mut total = Vec::new();
    let mut native = 0;
    for row in rows {
        native += row.coin.output.value.to_sat();
        for (id, q) in &row.assets {
            let _ = metadata::add_amount(&mut total, *id, *q);
        }
    }
    (native, total)
}

fn getaddressbalances(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 3)?;
    let list = address_list(&args.values[0], &ctx.node.format)?;
    if list.len() != 1 {
        return Err(invalid("Single from-address should be specified"));
    }
    let minconf = minconf_param(args, 1)?;
    let include_locked = args.opt_bool(2, false)?;
    let st = ctx.node.state.read();
    let rows = balance_outputs(ctx, &st, Some(&list[0]), include_locked, minconf);
    let (native, assets) = sum_assets(&rows);
    let mut out = balance_rows(&st, &assets);
    if ctx.node.has_native_currency() {
        if let Value::Array(a) = &mut out {
            let multiple = ctx.node.params.int("native-currency-multiple").max(1) as f64;
            a.push(json!({"assetref": "", "qty": double(native as f64 / multiple), "raw": native}));
        }
    }
    Ok(out)
}

fn gettotalbalances(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 3)?;
    let minconf = minconf_param(args, 0)?;
    let watch_only = args.opt_bool(1, false)?;
    let include_locked = args.opt_bool(2, false)?;
    let st = ctx.node.state.read();
    let rows: Vec<_> = balance_outputs(ctx, &st, None, include_locked, minconf)
        .into_iter()
        .filter(|row| {
            st.wallet.is_mine(&row.address) || watch_only && st.wallet.is_watch_only(&row.address)
        })
        .collect();
    Ok(balance_rows(&st, &sum_assets(&rows).1))
}

fn getassetbalances(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 4)?;
    if let Some(Value::String(a)) = args.get(0) {
        if !a.is_empty() && a != "*" {
            return Err(RpcError::new(RPC_NOT_SUPPORTED, "Accounts are not supported with scalable wallet - if you need getassetbalances, run multichaind -walletdbversion=1 -rescan, but the wallet will perform worse"));
        }
    }
    let rest = Args {
        method: "gettotalbalances",
        values: args.values.iter().skip(1).cloned().collect(),
    };
    gettotalbalances(ctx, &rest)
}

/// getmultibalances' addresses, with MultiChain's messages: an array is read item by item
/// (its own wording), a comma-separated string like other address lists.
pub(super) fn multibalance_addresses(
    ctx: &RpcContext,
    st: &NodeState,
    v: &Value,
) -> RpcResult<Vec<Address>> {
    let in_wallet = |a: &Address| st.wallet.is_mine(a) || st.wallet.is_watch_only(a);
    let Value::Array(items) = v else {
        let list = address_list(v, &ctx.node.format)?;
        if let Some(a) = list.iter().find(|a| !in_wallet(a)) {
            return Err(RpcError::new(
                RPC_WALLET_ADDRESS_NOT_FOUND,
                format!("Non-wallet address: {}", ctx.node.format.encode_address(a)),
            ));
        }
        return Ok(list);
    };
    let mut list: Vec<Address> = Vec::with_capacity(items.len());
    for item in items {
        let tok = item.as_str().ok_or_else(|| {
            RpcError::new(
                RPC_INVALID_ADDRESS_OR_KEY,
                "Invalid address, expected string",
            )
        })?;
        let a = ctx.node.format.decode_address(tok).map_err(|_| {
            RpcError::new(
                RPC_INVALID_ADDRESS_OR_KEY,
                format!("Invalid address: {tok}"),
            )
        })?;
        if list.contains(&a) {
            return Err(invalid(&format!(
                "Invalid parameter, duplicate address: {tok}"
            )));
        }
        if !in_wallet(&a) {
            return Err(RpcError::new(
                RPC_WALLET_ADDRESS_NOT_FOUND,
                format!("Non-wallet address : {tok}"),
            ));
        }
        list.push(a);
    }
    Ok(list)
}

fn getmultibalances(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 5)?;
    let st = ctx.node.state.read();
    let addresses: Option<Vec<Address>> = match args.given(0) {
        None => None,
        Some(Value::String(s)) if s == "*" => None,
        Some(Value::String(s)) if s.is_empty() => return Ok(json!({})),
        Some(v) => {
            let list = multibalance_addresses(ctx, &st, v)?;
            if list.is_empty() {
                // MultiChain answers an empty address list with an empty object.
                return Ok(json!({}));
            }
            Some(list)
        }
    };
    let assets: Option<Vec<[u8; 16]>> = match args.given(1) {
        None => None,
        Some(Value::String(s)) if s == "*" => None,
        Some(Value::String(s)) if s.is_empty() => return Ok(json!({})),
        Some(v @ Value::String(_)) => Some(vec![asset_param(&st, v)?.short_id()]),
        Some(v) => Some(
            super::args::string_list(v)?
                .iter()
                .map(|s| asset_param(&st, &json!(s)).map(|e| e.short_id()))
                .collect::<RpcResult<_>>()?,
        ),
    };
    let minconf = minconf_param(args, 2)?;
    // Watch-only addresses count when asked for, or when the addresses are named.
    let watch_only = args.opt_bool(3, false)? || addresses.is_some();
    let include_locked = args.opt_bool(4, false)?;
    let rows = balance_outputs(ctx, &st, None, include_locked, minconf);
    let keep = |id: &[u8; 16]| assets.as_ref().is_none_or(|l| l.contains(id));
    // As MultiChain: an address is listed when it holds native currency or a chosen asset;
    // with chosen assets, each listed address shows every one of them that some address
    // holds, at zero where it holds none.
    let mut per: Vec<(Address, AssetAmounts)> = Vec::new();
    let mut total: AssetAmounts = Vec::new();
    for row in &rows {
        let a = &row.address;
        if addresses.as_ref().is_some_and(|l| !l.contains(a))
            || !(st.wallet.is_mine(a) || watch_only && st.wallet.is_watch_only(a))
        {
            continue;
        }
        let held: AssetAmounts = row
            .assets
            .iter()
            .filter(|(id, _)| keep(id))
            .copied()
            .collect();
        if held.is_empty() && row.coin.output.value.to_sat() == 0 {
            continue;
        }
        let entry = match per.iter_mut().position(|(x, _)| x == a) {
            Some(i) => &mut per[i].1,
            None => {
                per.push((*a, Vec::new()));
                &mut per.last_mut().unwrap().1
            }
        };
        for (id, q) in held {
            let _ = metadata::add_amount(entry, id, q);
            let _ = metadata::add_amount(&mut total, id, q);
        }
    }
    // What an address holds, then (MultiChain appends them) zero rows of the chosen assets
    // others hold.
    let with_zeros = |amounts: &AssetAmounts| {
        let mut rows = match balance_rows(&st, amounts) {
            Value::Array(rows) => rows,
            _ => Vec::new(),
        };
        if assets.is_some() {
            let zeros: AssetAmounts = total
                .iter()
                .filter(|(id, _)| !amounts.iter().any(|(held, _)| held == id))
                .map(|(id, _)| (*id, 0))
                .collect();
            if let Value::Array(more) = balance_rows(&st, &zeros) {
                rows.extend(more);
            }
        }
        Value::Array(rows)
    };
    let mut out = Map::new();
    for (a, amounts) in &per {
        out.insert(ctx.node.format.encode_address(a), with_zeros(amounts));
    }
    if let Some(list) = &addresses {
        for a in list {
            out.entry(ctx.node.format.encode_address(a))
                .or_insert_with(|| with_zeros(&Vec::new()));
        }
    }
    out.insert("total".into(), balance_rows(&st, &total));
    Ok(Value::Object(out))
}

/// `getbalance ( "account" minconf includeWatchonly )`: of the accounts only "*", all of them,
/// exists in a scalable wallet.
fn getbalance(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 3)?;
    if !args.is_empty() {
        args.opt_int(1, 1)?;
        args.opt_bool(2, false)?;
        if args.str(0)? != "*" {
            return Err(super::accounts::no_accounts("getbalance"));
        }
    }
    let st = ctx.node.state.read();
    let (native, _) = sum_assets(&wallet_outputs(&st, None, false));
    Ok(super::control::native(ctx, native))
}

// ----------------------------------------------------------------------------------------
// Sending

/// `{"asset":qty,…,"":native}` or a plain native amount.
pub fn amounts_param(
    ctx: &RpcContext,
    st: &NodeState,
    v: &Value,
) -> RpcResult<(u64, AssetAmounts)> {
    match v {
        Value::Object(o) => {
            let mut native = 0u64;
            let mut assets: AssetAmounts = Vec::new();
            for (k, val) in o {
                if k.is_empty() {
                    native += native_amount(ctx, val)?;
                    continue;
                }
                if val.is_object() || val.is_array() {
                    let e = issue_transaction_param(st, &json!(k))?;
                    if !e.non_fungible() && val.is_object() {
                        return Err(invalid(&format!("Invalid object: {k}")));
                    }
                    if e.non_fungible() {
                        for (token, q) in super::tokens::token_amounts(st, &e, val)? {
                            metadata::add_amount(&mut assets, token, q)
                                .ok_or_else(|| invalid("Invalid asset quantity"))?;
                        }
                        continue;
                    }
                }
                let q = number(val)?;
                let e = issue_transaction_param(st, &json!(k))?;
                if e.non_fungible() {
                    return Err(invalid(
                        "Invalid token quantity, should be object or array of objects",
                    ));
                }
                let raw = (q * e.multiple() as f64 + 0.499999) as i64;
                if raw < 0 {
                    return Err(invalid("Negative asset quantity"));
                }
                metadata::add_amount(&mut assets, e.short_id(), raw)
                    .ok_or_else(|| invalid("Invalid asset quantity"))?;
            }
            assets.retain(|(_, q)| *q > 0);
            Ok((native, assets))
        }
        other => Ok((native_amount(ctx, other)?, Vec::new())),
    }
}

fn sendasset(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 6)?;
    sendasset_common(ctx, args, None)
}

fn sendassetfrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(4, 7)?;
    let from = from_address(ctx, args.get(0))?;
    sendasset_common(ctx, args, Some(from))
}

fn sendasset_common(
    ctx: &RpcContext,
    args: &Args,
    from: Option<Option<Address>>,
) -> RpcResult<Value> {
    let off = from.is_some() as usize;
    let to = to_address(ctx, &args.values[off])?;
    let native = opt_native(ctx, args.given(off + 3))?;
    let st = ctx.node.state.read();
    check_can_receive(ctx, &st, &to)?;
    let asset = match &args.values[off + 1] {
        Value::Null => return Err(invalid("Invalid asset reference")),
        Value::String(s) if s.is_empty() => return Err(invalid("Invalid asset reference")),
        v => asset_param(&st, v)?,
    };
    if asset.non_fungible() {
        // MultiChain's words, its spelling included.
        return Err(RpcError::new(
            RPC_NOT_SUPPORTED,
            "This API is not supported for nun-fungible assets",
        ));
    }
    let q = number(&args.values[off + 2])?;
    let raw = (q * asset.multiple() as f64 + 0.499999) as i64;
    if raw < 0 {
        return Err(invalid("Invalid asset quantity"));
    }
    drop(st);
    let assets = if raw > 0 {
        vec![(asset.short_id(), raw)]
    } else {
        Vec::new()
    };
    let txid = ctx
        .node
        .send(from.flatten(), &to, native, assets, Vec::new())?;
    Ok(json!(txid.to_string()))
}

fn send(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 4)?;
    send_common(ctx, args, None, None)
}

fn sendfrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 5)?;
    let from = from_address(ctx, args.get(0))?;
    send_common(ctx, args, Some(from), None)
}

fn sendwithdata(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 3)?;
    send_common(ctx, args, None, Some(&args.values[2]))
}

fn sendwithdatafrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(4, 4)?;
    let from = from_address(ctx, args.get(0))?;
    send_common(ctx, args, Some(from), Some(&args.values[3]))
}

fn send_common(
    ctx: &RpcContext,
    args: &Args,
    from: Option<Option<Address>>,
    data: Option<&Value>,
) -> RpcResult<Value> {
    let off = from.is_some() as usize;
    let to = to_address(ctx, &args.values[off])?;
    let (native, assets, extra) = {
        let st = ctx.node.state.read();
        check_can_receive(ctx, &st, &to)?;
        let (native, assets) = amounts_param(ctx, &st, &args.values[off + 1])?;
        let extra = match data {
            Some(d) => super::raw::data_outputs(ctx, &st, d, super::raw::DataKinds::SEND)?,
            None => Vec::new(),
        };
        (native, assets, extra)
    };
    let txid = ctx.node.send(from.flatten(), &to, native, assets, extra)?;
    Ok(json!(txid.to_string()))
}

// ----------------------------------------------------------------------------------------
// Outputs

fn permissions_of(script: &bitcoin::Script) -> Vec<Value> {
    crate::primitives::script::parse(script)
        .map(|p| {
            p.permission_grants()
                .filter(|(e, _)| e.is_none())
                .map(|(_, g)| super::txjson::grant_json(&g))
                .collect()
        })
        .unwrap_or_default()
}

fn asset_rows_full(st: &NodeState, amounts: &AssetAmounts) -> Vec<Value> {
    let view = st.view();
    amounts
        .iter()
        .filter_map(|(id, q)| amount_row(&view, id, *q))
        .collect()
}

fn listunspent(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 3)?;
    let int_or = |i: usize, default: i64| match args.get(i) {
        None => Ok(default),
        Some(v) => super::args::int_of(v).map_err(|_| {
            RpcError::new(
                RPC_TYPE_ERROR,
                format!("Expected type int, got {}", type_name(v)),
            )
        }),
    };
    let minconf = int_or(0, 1)?;
    let maxconf = int_or(1, 9_999_999)?;
    let filter = match args.get(2) {
        None => None,
        Some(v @ Value::Array(_)) => Some(address_list(v, &ctx.node.format)?),
        Some(v) => {
            return Err(RpcError::new(
                RPC_TYPE_ERROR,
                format!("Expected type array, got {}", type_name(v)),
            ))
        }
    };
    let st = ctx.node.state.read();
    let mut out = Vec::new();
    for row in wallet_outputs(&st, None, false) {
        let WalletOutput {
            address: a,
            outpoint: op,
            coin,
            confirmations,
            assets,
        } = row;
        if filter.as_ref().is_some_and(|f| !f.contains(&a)) {
            continue;
        }
        if confirmations < minconf || confirmations > maxconf {
            continue;
        }
        let cansend = st.has_permission(&ctx.node, &a, permission::SEND);
        let mut m = Map::new();
        m.insert("txid".into(), json!(op.txid.to_string()));
        m.insert("vout".into(), json!(op.vout));
        m.insert("address".into(), json!(ctx.node.format.encode_address(&a)));
        m.insert("account".into(), json!(""));
        m.insert(
            "scriptPubKey".into(),
            json!(hex::encode(coin.output.script_pubkey.as_bytes())),
        );
        m.insert(
            "amount".into(),
            super::control::native(ctx, coin.output.value.to_sat()),
        );
        m.insert("confirmations".into(), json!(confirmations));
        m.insert("cansend".into(), json!(cansend));
        m.insert("spendable".into(), json!(cansend && st.wallet.is_mine(&a)));
        m.insert("assets".into(), Value::Array(asset_rows_full(&st, &assets)));
        m.insert(
            "permissions".into(),
            Value::Array(permissions_of(&coin.output.script_pubkey)),
        );
        out.push(Value::Object(m));
    }
    Ok(Value::Array(out))
}

fn lockunspent(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    let unlock = match &args.values[0] {
        Value::Bool(b) => *b,
        v => {
            return Err(RpcError::new(
                RPC_TYPE_ERROR,
                format!("Expected type bool, got {}", type_name(v)),
            ))
        }
    };
    let mut st = ctx.node.state.write();
    let Some(list) = args.get(1) else {
        if unlock {
            st.wallet.unlock_all();
        }
        return Ok(json!(true));
    };
    let items = list.as_array().ok_or_else(|| {
        RpcError::new(
            RPC_TYPE_ERROR,
            format!("Expected type array, got {}", type_name(list)),
        )
    })?;
    let mut outpoints = Vec::new();
    for item in items {
        let o = item
            .as_object()
            .ok_or_else(|| invalid("Invalid parameter, expected object"))?;
        let txid = match o.get("txid") {
            Some(Value::String(s)) => s,
            Some(v) => {
                return Err(RpcError::new(
                    RPC_TYPE_ERROR,
                    format!("Expected type str for txid, got {}", type_name(v)),
                ))
            }
            None => return Err(RpcError::new(RPC_TYPE_ERROR, "Missing txid")),
        };
        let vout = match o.get("vout") {
            Some(v @ Value::Number(_)) => v.as_i64().ok_or_else(|| {
                RpcError::new(RPC_TYPE_ERROR, "Expected type int for vout, got real")
            })?,
            Some(v) => {
                return Err(RpcError::new(
                    RPC_TYPE_ERROR,
                    format!("Expected type int for vout, got {}", type_name(v)),
                ))
            }
            None => return Err(RpcError::new(RPC_TYPE_ERROR, "Missing vout")),
        };
        let txid: bitcoin::Txid = txid
            .parse()
            .map_err(|_| invalid("Invalid parameter, expected hex txid"))?;
        if vout < 0 {
            return Err(invalid("Invalid parameter, vout must be positive"));
        }
        outpoints.push(OutPoint {
            txid,
            vout: vout as u32,
        });
    }
    for op in outpoints {
        if unlock {
            st.wallet.unlock(&op);
        } else {
            st.wallet.lock(op);
        }
    }
    Ok(json!(true))
}

fn listlockunspent(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    let st = ctx.node.state.read();
    Ok(Value::Array(
        st.wallet
            .locked()
            .map(|op| json!({"txid": op.txid.to_string(), "vout": op.vout}))
            .collect(),
    ))
}

fn gettxout(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 3)?;
    let txid: bitcoin::Txid = match args.str(0)?.parse() {
        Ok(t) => t,
        Err(_) => return Ok(Value::Null),
    };
    let n = super::args::int_of(&args.values[1])?;
    let include_mempool = args.opt_bool(2, true)?;
    if n < 0 {
        return Ok(Value::Null);
    }
    let op = OutPoint {
        txid,
        vout: n as u32,
    };
    let st = ctx.node.state.read();
    let coin = if include_mempool {
        st.view().coin(&op)
    } else {
        st.chain.coins.get(&op).cloned()
    };
    let Some(coin) = coin else {
        return Ok(Value::Null);
    };
    let tip = st.tip_height() as i64;
    let parsed = crate::primitives::script::parse(&coin.output.script_pubkey);
    let mut m = Map::new();
    m.insert("bestblock".into(), json!(st.tip().hash.to_string()));
    m.insert(
        "confirmations".into(),
        json!(coin.height.map_or(0, |h| tip - h as i64 + 1)),
    );
    m.insert(
        "value".into(),
        super::control::native(ctx, coin.output.value.to_sat()),
    );
    m.insert(
        "scriptPubKey".into(),
        super::txjson::script_pubkey_json(ctx, &coin.output.script_pubkey, parsed.as_ref()),
    );
    m.insert("version".into(), json!(1));
    m.insert("coinbase".into(), json!(coin.coinbase));
    let assets = metadata::coin_assets(&op, &coin.output.script_pubkey);
    if !assets.is_empty() {
        let view = st.view();
        let rows: Vec<Value> = assets
            .iter()
            .filter_map(|(id, q)| {
                let (e, token) = entities::amount_asset(&view, id)?;
                let mut r = entities::amount_ident(&e, token.as_deref(), true);
                r.insert("qty".into(), qty(&e, *q));
                r.insert("raw".into(), json!(q));
                if e.txid == txid {
                    r.insert("issue".into(), json!(true));
                }
                Some(Value::Object(r))
            })
            .collect();
        m.insert("assets".into(), Value::Array(rows));
    }
    let perms = permissions_of(&coin.output.script_pubkey);
    if !perms.is_empty() {
        m.insert("permissions".into(), Value::Array(perms));
    }
    Ok(Value::Object(m))
}
