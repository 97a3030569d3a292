//! Naming assets and streams in parameters (name, creation txid, or `height-offset-prefix`
//! reference) and describing them in results.

use super::dispatch::RpcContext;
use super::errors::{RpcError, RpcResult, RPC_ENTITY_NOT_FOUND};
use crate::chain::entities::Entity;
use crate::chain::state::StateView;
use crate::node::NodeState;
use bitcoin::Txid;
use serde_json::{json, Map, Value};
use std::str::FromStr;

/// Which kind of entity a parameter must name, for lookup and error text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Stream,
    Asset,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Stream => "Stream",
            Kind::Asset => "Asset",
        }
    }

    fn matches(self, e: &Entity) -> bool {
        match self {
            Kind::Stream => e.is_stream(),
            Kind::Asset => e.is_asset(),
        }
    }
}

/// Finds an entity by name, txid or reference (mempool view included).
pub fn resolve(st: &NodeState, text: &str, kind: Kind) -> RpcResult<Entity> {
    let view = st.view();
    let not_found = |how: &str| {
        RpcError::new(
            RPC_ENTITY_NOT_FOUND,
            format!("{} with this {how} not found: {text}", kind.word()),
        )
    };
    let found = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        let txid = Txid::from_str(text).map_err(|_| not_found("txid"))?;
        let e = view
            .entity(&crate::chain::entities::short_id(&txid))
            .filter(|e| e.txid == txid);
        e.ok_or_else(|| not_found("txid"))?
    } else if is_reference(text) {
        find_by_reference(st, text).ok_or_else(|| not_found("reference"))?
    } else {
        let id = view.entity_by_name(text).ok_or_else(|| not_found("name"))?;
        view.entity(&id).ok_or_else(|| not_found("name"))?
    };
    if !kind.matches(&found) {
        return Err(not_found("name"));
    }
    Ok(found)
}

fn is_reference(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn find_by_reference(st: &NodeState, text: &str) -> Option<Entity> {
    let view = st.view();
    st.chain
        .entities
        .values()
        .find(|e| e.reference().as_deref() == Some(text))
        .and_then(|e| view.entity(&e.short_id()))
}

pub fn reference_json(e: &Entity) -> Value {
    e.reference().map(Value::String).unwrap_or(Value::Null)
}

/// `restrict` object of a stream.
pub fn stream_restrict(e: &Entity) -> Value {
    use crate::primitives::entity::{RESTRICT_OFFCHAIN, RESTRICT_ONCHAIN};
    use crate::primitives::permission::{READ, WRITE};
    let p = e.restricted_permissions() as u32;
    let r = e.restrictions();
    json!({
        "write": p & WRITE != 0,
        "read": p & READ != 0,
        "onchain": r & RESTRICT_ONCHAIN != 0,
        "offchain": r & RESTRICT_OFFCHAIN != 0,
    })
}

/// Addresses as text.
pub fn addresses(ctx: &RpcContext, list: &[crate::primitives::address::Address]) -> Value {
    Value::Array(
        list.iter()
            .map(|a| json!(ctx.node.address_string(a)))
            .collect(),
    )
}

/// The `details` object (custom fields) of an entity.
pub fn details(e: &Entity) -> Value {
    e.details.json()
}

pub fn object(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}

/// The `for` object naming an entity: `{"type", "name", "issuetxid"|"createtxid"?,
/// "assetref"|"streamref"}`; decoded transactions show the txid, permission listings do not.
pub fn for_json(e: &Entity, with_txid: bool) -> Value {
    let mut m = serde_json::Map::new();
    m.insert(
        "type".into(),
        json!(if e.is_asset() { "asset" } else { "stream" }),
    );
    let name = e.name();
    if !name.is_empty() {
        m.insert("name".into(), json!(name));
    }
    let (txid_key, ref_key) = if e.is_asset() {
        ("issuetxid", "assetref")
    } else {
        ("createtxid", "streamref")
    };
    if with_txid {
        m.insert(txid_key.into(), json!(e.txid.to_string()));
    }
    m.insert(ref_key.into(), reference_json(e));
    Value::Object(m)
}

/// How results name an asset: `{"name"?, "issuetxid"?, "assetref"}`; callers add the
/// amounts or details after these members.
pub fn asset_ident(e: &Entity, with_issuetxid: bool) -> Map<String, Value> {
    let mut m = Map::new();
    let name = e.name();
    if !name.is_empty() {
        m.insert("name".into(), json!(name));
    }
    if with_issuetxid {
        m.insert("issuetxid".into(), json!(e.txid.to_string()));
    }
    m.insert("assetref".into(), reference_json(e));
    m
}

/// The asset an amount of `id` is of: the asset itself, or for a token (by its reference) its
/// non-fungible asset and the token's id.
pub fn amount_asset<V: StateView + ?Sized>(
    view: &V,
    id: &[u8; 16],
) -> Option<(Entity, Option<String>)> {
    if let Some(e) = view.entity(id).filter(|e| e.is_asset()) {
        return Some((e, None));
    }
    let asset = view.entity(&view.token_asset(id)?)?;
    let token = asset
        .tokens()
        .find(|(_, r)| r == id)
        .and_then(|(issue, _)| issue.token())
        .map(|t| String::from_utf8_lossy(t).into_owned());
    Some((asset, token))
}

/// [`asset_ident`], with `"token"` after the reference for an amount of a token.
pub fn amount_ident(e: &Entity, token: Option<&str>, with_issuetxid: bool) -> Map<String, Value> {
    let mut m = asset_ident(e, with_issuetxid);
    if let Some(t) = token {
        m.insert("token".into(), json!(t));
    }
    m
}

/// Every asset or stream, confirmed or pending, in creation order.
pub fn all_of(st: &NodeState, kind: Kind) -> Vec<Entity> {
    let view = st.view();
    let mut ids: Vec<(u64, [u8; 16])> = st
        .chain
        .entities
        .values()
        .chain(st.mempool.delta.entities.values())
        .filter(|e| match kind {
            Kind::Asset => e.is_asset(),
            Kind::Stream => e.is_stream(),
        })
        .map(|e| (e.seq, e.short_id()))
        .collect();
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .filter_map(|(_, id)| view.entity(&id))
        .collect()
}

/// How many assets and streams exist, the ones waiting in the mempool included (as `getinfo`
/// and `getchaintotals` count them): what `listassets` and `liststreams` list.
pub fn entity_counts(st: &NodeState) -> (usize, usize) {
    (
        all_of(st, Kind::Asset).len(),
        all_of(st, Kind::Stream).len(),
    )
}

/// The entities a listing's first parameter names, as `listassets` and `liststreams` read it:
/// every one of `kind` for nothing, null or `"*"`, none for `""`, one for an identifier, and
/// those of an array of identifiers in the order they were created. `one` resolves an
/// identifier with the listing's own error messages.
pub fn listed(
    st: &NodeState,
    kind: Kind,
    selector: Option<&Value>,
    one: impl Fn(&NodeState, &Value) -> RpcResult<Entity>,
) -> RpcResult<Vec<Entity>> {
    match selector {
        None | Some(Value::Null) => Ok(all_of(st, kind)),
        Some(Value::String(s)) if s == "*" => Ok(all_of(st, kind)),
        Some(Value::String(s)) if s.is_empty() => Ok(Vec::new()),
        Some(v @ Value::String(_)) => Ok(vec![one(st, v)?]),
        Some(v @ Value::Array(_)) => {
            let mut found = super::args::string_list(v)?
                .into_iter()
                .map(|s| one(st, &Value::String(s)))
                .collect::<RpcResult<Vec<_>>>()?;
            found.sort_by_key(|e| {
                e.position
                    .map_or((u32::MAX, u32::MAX), |p| (p.height, p.offset))
            });
            Ok(found)
        }
        Some(_) => Err(RpcError::invalid_parameter(
            "Invalid value, expected string or array",
        )),
    }
}
