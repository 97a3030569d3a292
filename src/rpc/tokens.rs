//! Non-fungible assets' tokens (MultiChain 2.2 and later): `issuetoken`/`issuetokenfrom`
//! issue units of a new token under its own id, `gettokeninfo` shows one, `gettokenbalances`
//! counts them. A token is the issue of its asset that the rules recorded for it, its details
//! carrying the token's id (`chain::entities::AssetIssue::token`), and moves in quantity rows
//! under its reference (`chain::entities::token_ref`).

use super::args::{from_address, lenient_bool, Args};
use super::assets::{asset_param, check_can_receive, follow_ons_allowed, opt_native, to_address};
use super::dispatch::{Handler, RpcContext};
use super::entities;
use super::entity_options::custom_fields;
use super::errors::*;
use crate::chain::entities::{token_ref, AssetIssue, Entity};
use crate::chain::metadata::AssetAmounts;
use crate::chain::state::StateView;
use crate::jsonfmt::double;
use crate::node::NodeState;
use crate::primitives::address::Address;
use crate::primitives::entity::{self as ent, Details};
use bitcoin::hashes::Hash;
use serde_json::{json, Map, Value};

pub const METHODS: [(&str, Handler); 4] = [
    ("issuetoken", issuetoken),
    ("issuetokenfrom", issuetokenfrom),
    ("gettokeninfo", gettokeninfo),
    ("gettokenbalances", gettokenbalances),
];

fn check_protocol(ctx: &RpcContext) -> RpcResult<()> {
    if !ctx.node.rules.tokens {
        return Err(RpcError::new(
            RPC_NOT_SUPPORTED,
            "API is not supported with this protocol version.",
        ));
    }
    Ok(())
}

fn issuetoken(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(4, 6)?;
    issue_token_common(ctx, args, None)
}

fn issuetokenfrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(5, 7)?;
    let from = from_address(ctx, args.get(0))?;
    issue_token_common(ctx, args, Some(from))
}

/// What MultiChain's token object gives (`ParseRawTokenInfo`): the token's id, its quantity,
/// and where the caller allows them its asset and details, the details' fields in the
/// object's order.
#[derive(Default)]
struct TokenObject {
    asset: Option<Entity>,
    token: Option<Vec<u8>>,
    qty: Option<i64>,
    details: Details,
}

/// Which fields a token object may have where it is read.
#[derive(Clone, Copy)]
struct TokenFields {
    asset: bool,
    details: bool,
}

/// Reads a token object as MultiChain does: a problem found replaces the one found before,
/// and the last is reported (-8); details are read only while there is none.
fn parse_token_object(
    st: &NodeState,
    obj: &Map<String, Value>,
    allowed: TokenFields,
) -> RpcResult<TokenObject> {
    let mut t = TokenObject::default();
    let mut error: Option<String> = None;
    for (k, val) in obj {
        match k.as_str() {
            "asset" if allowed.asset => match val {
                Value::String(_) => {
                    let e = asset_param(st, val)?;
                    t.details
                        .set(ent::FIELD_PARENT_ENTITY, e.txid.to_byte_array().to_vec());
                    t.asset = Some(e);
                }
                _ => error = Some("Invalid asset".into()),
            },
            "token" => match val.as_str() {
                Some("" | "*") => error = Some("Invalid token name".into()),
                Some(id) => {
                    t.details.set(ent::FIELD_TOKEN_ID, id.as_bytes().to_vec());
                    t.token = Some(id.as_bytes().to_vec());
                }
                None => error = Some("Invalid token".into()),
            },
            "qty" | "raw" => match val.as_i64().filter(|_| val.is_i64()) {
                Some(q) if q > 0 => t.qty = Some(q),
                Some(_) => error = Some("Invalid quantity - should be positive".into()),
                None => error = Some("Invalid quantity - should be integer".into()),
            },
            "details" if !allowed.details => {
                error = Some("details field is not allowed in this object".into())
            }
            "details" if error.is_none() => {
                t.details.set(ent::FIELD_JSON_DETAILS, custom_fields(val)?);
            }
            "details" => {}
            other => error = Some(format!("Invalid field: {other}")),
        }
    }
    match error {
        Some(message) => Err(RpcError::invalid_parameter(message)),
        None => Ok(t),
    }
}

impl TokenObject {
    fn token(&self) -> RpcResult<&[u8]> {
        self.token
            .as_deref()
            .ok_or_else(|| RpcError::invalid_parameter("Missing token"))
    }

    fn qty(&self) -> RpcResult<i64> {
        self.qty
            .ok_or_else(|| RpcError::invalid_parameter("Missing quantity"))
    }
}

fn issue_token_common(
    ctx: &RpcContext,
    args: &Args,
    from: Option<Option<Address>>,
) -> RpcResult<Value> {
    check_protocol(ctx)?;
    let off = from.is_some() as usize;
    let to = to_address(ctx, &args.values[off])?;
    let native = opt_native(ctx, args.given(off + 4))?;
    let asset = asset_param(&ctx.node.state.read(), &args.values[off + 1])?;
    if !asset.non_fungible() {
        return Err(RpcError::new(
            RPC_NOT_ALLOWED,
            "Issuing tokens not supported for this asset",
        ));
    }
    // MultiChain reads the arguments as the token object of a raw issue.
    let mut obj = Map::new();
    obj.insert("token".into(), args.values[off + 2].clone());
    obj.insert("qty".into(), args.values[off + 3].clone());
    if let Some(d) = args.given(off + 5) {
        obj.insert("details".into(), d.clone());
    }
    let fields = TokenFields {
        asset: false,
        details: true,
    };
    let parsed = parse_token_object(&ctx.node.state.read(), &obj, fields)?;
    let (token_id, qty) = (parsed.token()?.to_vec(), parsed.qty()?);
    let details = parsed
        .details
        .get(ent::FIELD_JSON_DETAILS)
        .map(<[u8]>::to_vec);
    let over_total = asset
        .total_limit()
        .is_some_and(|limit| asset.issued_raw().saturating_add(qty) > limit);
    if over_total {
        return Err(RpcError::new(
            RPC_NOT_ALLOWED,
            "Invalid quantity, over the total limit for this asset",
        ));
    }
    if asset.issue_limit().is_some_and(|limit| qty > limit) {
        return Err(RpcError::new(
            RPC_NOT_ALLOWED,
            "Invalid quantity, over the issuance limit for this asset",
        ));
    }
    {
        let st = ctx.node.state.read();
        let reference = token_ref(&asset.txid, &token_id);
        if st.view().token_asset(&reference).is_some() {
            return Err(RpcError::new(
                RPC_NOT_ALLOWED,
                "Token with this ID already exists in this asset",
            ));
        }
        check_can_receive(ctx, &st, &to)?;
        if let Some(Some(a)) = &from {
            if !st.wallet.is_mine(a) {
                return Err(RpcError::new(
                    RPC_WALLET_ADDRESS_NOT_FOUND,
                    "Private key for from-address is not found in this wallet",
                ));
            }
        }
        if !follow_ons_allowed(&st, &asset) {
            let given = args.values[off + 1].as_str().unwrap_or_default();
            return Err(RpcError::new(
                RPC_NOT_ALLOWED,
                format!("Issuing more units not allowed for this asset: {given}"),
            ));
        }
    }
    let explicit = from.flatten().is_some();
    let txid = ctx
        .node
        .issue_token(from.flatten(), &to, &asset, &token_id, qty, native, details)
        .map_err(|e| match RpcError::from(e) {
            e if e.code == RPC_INSUFFICIENT_PERMISSIONS => RpcError::new(
                e.code,
                if explicit {
                    "Issuing more units for this asset is not allowed from this address"
                } else {
                    "Issuing more units for this asset is not allowed from this wallet"
                },
            ),
            e => e,
        })?;
    Ok(json!(txid.to_string()))
}

/// The issue that created token `token_id` of `asset`.
pub(super) fn token_issue<'a>(asset: &'a Entity, token_id: &[u8]) -> Option<&'a AssetIssue> {
    asset.issues.iter().find(|i| i.token() == Some(token_id))
}

/// `gettokeninfo "asset-identifier" "token-identifier" ( verbose )`: the token's issue.
fn gettokeninfo(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 3)?;
    check_protocol(ctx)?;
    let asset = asset_param(&ctx.node.state.read(), &args.values[0])?;
    if !asset.non_fungible() {
        return Err(RpcError::new(
            RPC_NOT_ALLOWED,
            "Token details are only available for non-fungible assets",
        ));
    }
    let token = args.str(1)?;
    let verbose = args.get(2).is_some_and(lenient_bool);
    let issue = token_issue(&asset, token.as_bytes()).ok_or_else(|| {
        RpcError::new(
            RPC_ENTITY_NOT_FOUND,
            format!("Token {token} not found in this asset"),
        )
    })?;
    let mut m = Map::new();
    m.insert("txid".into(), json!(issue.txid.to_string()));
    m.insert("qty".into(), double(issue.raw as f64));
    m.insert("raw".into(), json!(issue.raw));
    m.insert("token".into(), json!(token));
    m.insert("details".into(), issue.details.json());
    if verbose {
        m.insert("issuers".into(), entities::addresses(ctx, &issue.issuers));
    }
    Ok(Value::Object(m))
}

/// Amounts of tokens of a non-fungible asset in an outputs parameter: `{"token", "qty"}` or
/// an array of them, as MultiChain reads them (the last problem of an item reported); each
/// token must exist. (Reference, quantity) rows in order.
pub(super) fn token_amounts(st: &NodeState, asset: &Entity, v: &Value) -> RpcResult<AssetAmounts> {
    let not_amounts = || {
        RpcError::invalid_parameter("Invalid token quantity, should be object or array of objects")
    };
    let items: Vec<&Map<String, Value>> = match v {
        Value::Object(o) => vec![o],
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_object().ok_or_else(not_amounts))
            .collect::<RpcResult<_>>()?,
        _ => return Err(not_amounts()),
    };
    let view = st.view();
    let mut rows = Vec::with_capacity(items.len());
    for item in items {
        // "Any token" is the wallet's choice, which this node does not make.
        if item.get("token").and_then(Value::as_str) == Some("*") {
            return Err(RpcError::new(
                RPC_NOT_SUPPORTED,
                "Sending any token (\"*\") is not supported by this node yet: name each token",
            ));
        }
        let fields = TokenFields {
            asset: false,
            details: false,
        };
        let parsed = parse_token_object(st, item, fields)?;
        let (token, qty) = (parsed.token()?, parsed.qty()?);
        if asset.issue_limit().is_some_and(|limit| qty > limit) {
            return Err(RpcError::new(
                RPC_NOT_ALLOWED,
                "Invalid quantity, above issuance limit for this asset",
            ));
        }
        let reference = token_ref(&asset.txid, token);
        if view.token_asset(&reference) != Some(asset.short_id()) {
            return Err(RpcError::new(
                RPC_ENTITY_NOT_FOUND,
                format!(
                    "Token {} not found in this asset",
                    String::from_utf8_lossy(token)
                ),
            ));
        }
        rows.push((reference, qty));
    }
    Ok(rows)
}

/// The non-fungible assets `gettokenbalances` asks about: all (`None`), or those named.
fn token_assets_param(st: &NodeState, v: Option<&Value>) -> RpcResult<Option<Vec<Entity>>> {
    let names: Vec<Value> = match v {
        None => return Ok(None),
        Some(Value::String(s)) if s == "*" => return Ok(None),
        Some(Value::Array(a)) => a.clone(),
        Some(other) => vec![other.clone()],
    };
    let mut assets: Vec<Entity> = Vec::new();
    for name in &names {
        let e = asset_param(st, name)?;
        if !e.non_fungible() {
            return Err(RpcError::new(
                RPC_NOT_ALLOWED,
                "Token balances are only available for non-fungible assets",
            ));
        }
        if assets.iter().any(|a| a.txid == e.txid) {
            let shown = name.as_str().unwrap_or_default();
            return Err(RpcError::invalid_parameter(format!(
                "Invalid parameter, duplicate asset: {shown}"
            )));
        }
        assets.push(e);
    }
    Ok(Some(assets))
}

/// `gettokenbalances ( address(es) assets minconf includeWatchonly includeLocked )`: the
/// tokens each wallet address holds, then `"total"`, each token on its own row.
fn gettokenbalances(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 5)?;
    check_protocol(ctx)?;
    let st = ctx.node.state.read();
    let addresses: Option<Vec<Address>> = match args.given(0) {
        None => None,
        Some(Value::String(s)) if s == "*" => None,
        Some(Value::String(s)) if s.is_empty() => return Ok(json!({})),
        Some(v) => Some(super::assets::multibalance_addresses(ctx, &st, v)?),
    };
    if matches!(args.given(1), Some(Value::String(s)) if s.is_empty())
        || matches!(args.given(1), Some(Value::Array(a)) if a.is_empty())
    {
        return Ok(json!({}));
    }
    let assets = token_assets_param(&st, args.given(1))?;
    let minconf = super::assets::minconf_param(args, 2)?;
    let watch_only = args.opt_bool(3, false)? || addresses.is_some();
    let include_locked = args.opt_bool(4, false)?;
    let view = st.view();
    let wanted = |token: &[u8; 16]| match view.token_asset(token) {
        Some(asset) => assets
            .as_ref()
            .is_none_or(|list| list.iter().any(|a| a.short_id() == asset)),
        None => false,
    };
    let mut per: Vec<(Address, AssetAmounts)> = Vec::new();
    let mut total: AssetAmounts = Vec::new();
    for (address, native, held) in
        super::assets::counted_holdings(ctx, &st, include_locked, minconf)
    {
        let listed = match &addresses {
            Some(list) => list.contains(&address),
            None => st.wallet.is_mine(&address) || watch_only && st.wallet.is_watch_only(&address),
        };
        // As MultiChain: an output counts for its address with native currency or a token
        // asked about; others (a permission's, a change of nothing) do not list it.
        let held: AssetAmounts = held
            .into_iter()
            .filter(|(t, q)| *q != 0 && wanted(t))
            .collect();
        if !listed || (native == 0 && held.is_empty()) {
            continue;
        }
        let entry = match per.iter().position(|(a, _)| *a == address) {
            Some(i) => &mut per[i].1,
            None => {
                per.push((address, Vec::new()));
                &mut per.last_mut().expect("just pushed").1
            }
        };
        for (token, q) in held {
            crate::chain::metadata::add_amount(entry, token, q);
            crate::chain::metadata::add_amount(&mut total, token, q);
        }
    }
    // Addresses asked for by name are listed even with nothing to show.
    for a in addresses.iter().flatten() {
        if !per.iter().any(|(x, _)| x == a) {
            per.push((*a, Vec::new()));
        }
    }
    // Asked about named assets, each address shows every token of theirs that some address
    // holds, at 0 where it holds none (those after its own, in the order of their hashes).
    if assets.is_some() {
        let mut seen: Vec<[u8; 16]> = total.iter().map(|(token, _)| *token).collect();
        seen.sort_by_key(|token| {
            let mut hash = *token;
            hash.reverse();
            hash
        });
        for (_, amounts) in &mut per {
            for token in &seen {
                if !amounts.iter().any(|(t, _)| t == token) {
                    amounts.push((*token, 0));
                }
            }
        }
    }
    let rows = |amounts: &AssetAmounts| -> Value {
        Value::Array(
            amounts
                .iter()
                .filter_map(|(token, q)| {
                    let (asset, id) = entities::amount_asset(&view, token)?;
                    let mut m = Map::new();
                    let name = asset.name();
                    if !name.is_empty() {
                        m.insert("asset".into(), json!(name));
                    }
                    m.insert("assetref".into(), entities::reference_json(&asset));
                    m.insert("token".into(), json!(id));
                    m.insert("qty".into(), double(*q as f64));
                    Some(Value::Object(m))
                })
                .collect(),
        )
    };
    let mut out = Map::new();
    for (address, amounts) in &per {
        out.insert(ctx.node.address_string(address), rows(amounts));
    }
    out.insert("total".into(), rows(&total));
    Ok(Value::Object(out))
}

/// The elements of `{"issuetoken": {"asset", "token", "qty", "details"?}}` in a raw output:
/// the new token's units and its details, the details' fields in the object's order, as
/// MultiChain writes them.
pub(super) fn raw_token_issue(st: &NodeState, v: &Value) -> RpcResult<Vec<Vec<u8>>> {
    let obj = v
        .as_object()
        .ok_or_else(|| RpcError::invalid_parameter("Invalid issuetoken object"))?;
    let fields = TokenFields {
        asset: true,
        details: true,
    };
    let parsed = parse_token_object(st, obj, fields)?;
    let (token, qty) = (parsed.token()?, parsed.qty()?);
    let asset = parsed
        .asset
        .as_ref()
        .ok_or_else(|| RpcError::invalid_parameter("Missing asset"))?;
    if asset.issue_limit().is_some_and(|limit| qty > limit) {
        return Err(RpcError::new(
            RPC_NOT_ALLOWED,
            "Invalid quantity, above issuance limit for this asset",
        ));
    }
    if !asset.non_fungible() {
        return Err(RpcError::invalid_parameter(
            "Issuing tokens for fungible assets is not allowed",
        ));
    }
    let reference = token_ref(&asset.txid, token);
    if st.view().token_asset(&reference).is_some() {
        return Err(RpcError::new(
            RPC_NOT_ALLOWED,
            "Token with this ID already exists in this asset",
        ));
    }
    Ok(crate::node::actions::token_issue_elements(reference, qty, &parsed.details).to_vec())
}
