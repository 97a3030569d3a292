//! Raw transactions and atomic exchanges.

use super::args::{from_address, type_name, Args};
use super::assets::{amounts_param, native_amount};
use super::dispatch::{Handler, RpcContext};
use super::entities::{resolve, Kind};
use super::entity_options::{
    custom_fields, parse_asset_restrict, AssetGrowth, BadLimit, StreamFlags,
};
use super::errors::*;
use super::streams::{item_object, parse_data};
use super::txjson::tx_to_json;
use crate::chain::entities::Entity;
use crate::chain::metadata::{self, AssetAmounts};
use crate::chain::state::StateView;
use crate::chain::verify::{sign_input_with, verify_input};
use crate::chain::TxReject;
use crate::node::actions::{creation_output, item_output};
use crate::node::{NodeError, NodeState};
use crate::primitives::address::Address;
use crate::primitives::entity::{self as ent, Details};
use crate::primitives::keys::PrivateKey;
use crate::primitives::permission;
use crate::primitives::script::{self, Element, PermissionGrant};
use crate::primitives::tx as txcodec;
use crate::wallet::builder::{build_unsigned, BuildError, Spend};
use bitcoin::sighash::EcdsaSighashType;
use bitcoin::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness};
use serde_json::{json, Map, Value};

pub const METHODS: [(&str, Handler); 18] = [
    ("decoderawtransaction", decoderawtransaction),
    ("getrawtransaction", getrawtransaction),
    ("sendrawtransaction", sendrawtransaction),
    ("createrawtransaction", createrawtransaction),
    ("appendrawtransaction", appendrawtransaction),
    ("createrawsendfrom", createrawsendfrom),
    ("appendrawdata", appendrawdata),
    ("appendrawmetadata", appendrawdata),
    ("appendrawchange", appendrawchange),
    ("signrawtransaction", signrawtransaction),
    ("preparelockunspent", preparelockunspent),
    ("preparelockunspentfrom", preparelockunspentfrom),
    ("createrawexchange", createrawexchange),
    ("appendrawexchange", appendrawexchange),
    ("completerawexchange", completerawexchange),
    ("decoderawexchange", decoderawexchange),
    ("disablerawtransaction", disablerawtransaction),
    ("decodescript", decodescript),
];

fn invalid(msg: &str) -> RpcError {
    RpcError::invalid_parameter(msg)
}

fn decode_failed() -> RpcError {
    RpcError::new(RPC_DESERIALIZATION_ERROR, "TX decode failed")
}

fn hex_param(args: &Args, i: usize) -> RpcResult<Transaction> {
    let v = &args.values[i];
    let s = v.as_str().ok_or_else(|| {
        RpcError::new(
            RPC_TYPE_ERROR,
            format!("Expected type str, got {}", type_name(v)),
        )
    })?;
    txcodec::decode_hex(s).ok_or_else(decode_failed)
}

/// A transaction and, once confirmed, its (height, index in block).
pub type Located = (Transaction, Option<(u32, u32)>);

/// A transaction from the mempool or the chain.
pub fn find_transaction(ctx: &RpcContext, txid: &Txid) -> RpcResult<Option<Located>> {
    let in_mempool = ctx.node.state.read().mempool.get(txid).map(|e| e.tx());
    match in_mempool {
        Some(tx) => Ok(Some((tx, None))),
        None => find_confirmed(ctx, txid),
    }
}

/// [`find_transaction`] for a caller already reading the state.
pub fn find_transaction_in(
    ctx: &RpcContext,
    st: &NodeState,
    txid: &Txid,
) -> RpcResult<Option<Located>> {
    match st.mempool.get(txid) {
        Some(e) => Ok(Some((e.tx(), None))),
        None => find_confirmed(ctx, txid),
    }
}

fn find_confirmed(ctx: &RpcContext, txid: &Txid) -> RpcResult<Option<Located>> {
    Ok(ctx
        .node
        .ledger
        .transaction(txid)?
        .map(|(h, i, tx)| (tx, Some((h, i)))))
}

fn decoderawtransaction(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    let tx = hex_param(args, 0)?;
    let st = ctx.node.state.read();
    Ok(tx_to_json(ctx, &st, &tx))
}

fn getrawtransaction(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    let s = args.str(0)?;
    let txid: Txid = parse_hash(s, "parameter 1")?;
    let verbose = match args.get(1) {
        None => false,
        Some(v @ (Value::Bool(_) | Value::Number(_) | Value::String(_))) => {
            super::args::lenient_bool(v)
        }
        Some(_) => return Err(invalid("Invalid parameter value type, should be boolean")),
    };
    let (tx, place) = find_transaction(ctx, &txid)?.ok_or_else(|| {
        RpcError::new(
            RPC_TX_NOT_FOUND,
            "No information available about transaction",
        )
    })?;
    let hex_text = txcodec::encode_hex(&tx);
    if !verbose {
        return Ok(json!(hex_text));
    }
    let st = ctx.node.state.read();
    let mut m = Map::new();
    m.insert("hex".into(), json!(hex_text));
    if let Value::Object(o) = tx_to_json(ctx, &st, &tx) {
        m.extend(o);
    }
    if let Some((h, _)) = place {
        if let Some(b) = st.blocks.get(h as usize) {
            m.insert("blockhash".into(), json!(b.hash.to_string()));
            m.insert("confirmations".into(), json!(st.tip_height() - h + 1));
            m.insert("time".into(), json!(b.time));
            m.insert("blocktime".into(), json!(b.time));
        }
    }
    Ok(Value::Object(m))
}

/// A transaction hash parameter, with Bitcoin's `ParseHashV` messages.
pub fn parse_hash(s: &str, name: &str) -> RpcResult<Txid> {
    if !crate::primitives::hextext::is_hex(s) {
        return Err(invalid(&format!(
            "{name} must be hexadecimal string (not '{s}')"
        )));
    }
    if s.len() != 64 {
        return Err(invalid(&format!(
            "{name} must be of length 64 (not {})",
            s.len()
        )));
    }
    s.parse()
        .map_err(|_| invalid(&format!("{name} must be hexadecimal string (not '{s}')")))
}

/// Submits a transaction; errors in sendrawtransaction's words.
fn submit(ctx: &RpcContext, tx: Transaction) -> RpcResult<Txid> {
    let txid = tx.compute_txid();
    match ctx.node.accept_transaction(tx) {
        Ok(t) => Ok(t),
        Err(NodeError::Rejected(TxReject::Rejected { reason, .. }))
            if reason == "txn-already-in-mempool" =>
        {
            Ok(txid)
        }
        Err(NodeError::Rejected(TxReject::MissingInputs)) => Err(RpcError::new(
            RPC_TRANSACTION_ALREADY_IN_CHAIN,
            "missing inputs",
        )),
        Err(NodeError::Rejected(TxReject::Rejected { code, reason }))
            if reason.contains("inputs-spent") || reason.contains("conflict") =>
        {
            Err(RpcError::new(
                RPC_TRANSACTION_REJECTED,
                format!("{code}: {reason}"),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

fn sendrawtransaction(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    let tx = hex_param(args, 0)?;
    if let Some(v) = args.get(1) {
        if !v.is_boolean() {
            return Err(RpcError::new(
                RPC_TYPE_ERROR,
                format!("Expected type bool, got {}", type_name(v)),
            ));
        }
    }
    let txid = submit(ctx, tx.clone())?;
    let mut st = ctx.node.state.write();
    for i in &tx.input {
        st.wallet.unlock(&i.previous_output);
    }
    Ok(json!(txid.to_string()))
}

// ----------------------------------------------------------------------------------------
// Data objects (ParseRawMetadata)

/// Which data forms a command accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DataKinds {
    pub entities: bool,
}

impl DataKinds {
    pub const SEND: DataKinds = DataKinds { entities: false };
    pub const ALL: DataKinds = DataKinds { entities: true };
}

/// One data parameter (or an array of them) as OP_RETURN outputs.
pub fn data_outputs(
    ctx: &RpcContext,
    st: &NodeState,
    v: &Value,
    kinds: DataKinds,
) -> RpcResult<Vec<TxOut>> {
    match v {
        Value::String(s) if s.is_empty() => Ok(Vec::new()),
        _ => Ok(vec![data_output(ctx, st, v, kinds)?]),
    }
}

fn data_output(ctx: &RpcContext, st: &NodeState, v: &Value, kinds: DataKinds) -> RpcResult<TxOut> {
    let out = |script: ScriptBuf| TxOut {
        value: Amount::ZERO,
        script_pubkey: script,
    };
    let obj = match v {
        Value::String(_) => {
            let (_, data) = parse_data(ctx, v)?;
            return Ok(out(script::null_data(&[], Some(&data))));
        }
        Value::Object(o) => o,
        _ => {
            return Err(invalid(
                "Invalid parameter type, should be object or string",
            ))
        }
    };
    let keywords: Vec<&str> = ["create", "update", "for", "json", "text", "cache"]
        .into_iter()
        .filter(|k| obj.contains_key(*k))
        .collect();
    if keywords.len() > 1 {
        return Err(invalid(
            "Only one of the following keywords can appear in the object: create, update, for, json, text",
        ));
    }
    match keywords.first().copied() {
        Some("json") | Some("text") | Some("cache") => {
            if obj.len() != 1 {
                return Err(invalid("data object should have single key - json or text"));
            }
            let (format, data) = parse_data(ctx, v)?;
            Ok(out(script::null_data(
                &[Element::Format(format).encode()],
                Some(&data),
            )))
        }
        Some("for") => {
            let stream = match obj.get("for") {
                Some(Value::String(s)) => resolve(st, s, Kind::Stream).map_err(|e| {
                    RpcError::new(e.code, e.message.replace("Stream with", "Entity with"))
                })?,
                _ => return Err(invalid("Invalid stream identifier")),
            };
            Ok(item_output(stream.short_id(), &item_object(ctx, obj)?))
        }
        Some("create") if kinds.entities => {
            let details = match obj.get("create").and_then(Value::as_str) {
                Some("stream") => create_stream_details(obj)?,
                Some("asset") => create_asset_details(obj, ctx.node.rules.tokens)?,
                Some(_) => return Err(invalid("Invalid new entity type")),
                None => return Err(invalid("Invalid new entity type")),
            };
            let kind = if obj.get("create").and_then(Value::as_str) == Some("asset") {
                ent::KIND_ASSET
            } else {
                ent::KIND_STREAM
            };
            Ok(creation_output(kind, &details))
        }
        Some("update") if kinds.entities => {
            let asset = match obj.get("update") {
                Some(Value::String(s)) => resolve(st, s, Kind::Asset).map_err(|e| {
                    RpcError::new(e.code, e.message.replace("Asset with", "Entity with"))
                })?,
                _ => return Err(invalid("Invalid entity identifier")),
            };
            let mut details = Details::default();
            for (k, val) in obj {
                match k.as_str() {
                    "update" => {}
                    "details" => details.set(ent::FIELD_JSON_DETAILS, custom_fields(val)?),
                    other => return Err(invalid(&format!("Invalid field: {other}"))),
                }
            }
            Ok(out(script::null_data(
                &[
                    Element::Entity(asset.short_id()).encode(),
                    Element::Update {
                        kind: ent::KIND_ASSET,
                        details: details.encode(),
                    }
                    .encode(),
                ],
                None,
            )))
        }
        Some(_) => Err(RpcError::new(
            RPC_NOT_ALLOWED,
            "Keyword not allowed in this API",
        )),
        None => Err(invalid("Unrecognized parameter format")),
    }
}

/// The `name` of a `{"create": …}` object: a non-empty string.
fn creation_name(v: &Value, too_long: &str) -> RpcResult<String> {
    let name = match v {
        Value::Null => return Err(invalid("Invalid name")),
        Value::String(s) => s,
        other => {
            return Err(RpcError::misc(format!(
                "value is type {}, expected str",
                type_name(other)
            )))
        }
    };
    if name.is_empty() {
        return Err(invalid("Invalid name"));
    }
    if name.len() > 32 {
        return Err(invalid(too_long));
    }
    Ok(name.clone())
}

/// `{"create": "stream", "name"?, "open"? | "restrict"?, "salted"?, "details"?}`. Fields go
/// into the details in the order given, then the permission and restriction bytes, as
/// MultiChain writes them; a stream is closed unless the object opens it.
fn create_stream_details(obj: &Map<String, Value>) -> RpcResult<Details> {
    let mut d = Details::default();
    let mut flags = StreamFlags::open(false);
    let mut seen_open = false;
    for (k, v) in obj {
        match k.as_str() {
            "create" => {}
            "name" => {
                let name = creation_name(v, "Invalid stream name - too long")?;
                d.set(ent::FIELD_NAME, name.into_bytes());
            }
            "open" | "restrict" => {
                if seen_open {
                    return Err(invalid(
                        "open/restrict field can appear only once in the object",
                    ));
                }
                seen_open = true;
                if k == "open" {
                    flags.set_open(v.as_bool().ok_or_else(|| invalid("Invalid open"))?);
                } else {
                    flags.restrict(v)?;
                }
            }
            "salted" => flags.salted(v.as_bool().ok_or_else(|| invalid("Invalid salted"))?),
            "details" => d.set(ent::FIELD_JSON_DETAILS, custom_fields(v)?),
            other => return Err(invalid(&format!("Invalid field: {other}"))),
        }
    }
    let (permissions, restrictions) = flags.finish()?;
    d.set(ent::FIELD_PERMISSIONS, vec![permissions]);
    if restrictions != 0 {
        d.set(ent::FIELD_RESTRICTIONS, vec![restrictions]);
    }
    Ok(d)
}

/// `{"create": "asset", "name"?, "multiple"?, "open"?, "canopen"?, "canclose"?,
/// "unrestrict"?, "totallimit"?, "issuelimit"?, "restrict"?, "details"?}`, in the order
/// MultiChain writes them: fields as given, then the limits (in raw units of the final
/// multiple), then the follow-on mode.
fn create_asset_details(obj: &Map<String, Value>, tokens: bool) -> RpcResult<Details> {
    let mut d = Details::default();
    let mut growth = AssetGrowth::default();
    let mut multiple = 1;
    // A field given twice reaches here once (the last), as JSON objects are read.
    for (k, v) in obj {
        super::entity_options::check_growth_field(tokens, k)?;
        match k.as_str() {
            "create" => {}
            "name" => {
                let name = creation_name(v, "Invalid asset name - too long")?;
                if name == "*" || !crate::chain::entities::valid_name(&name) {
                    return Err(invalid("Invalid asset name"));
                }
                d.set(ent::FIELD_NAME, name.into_bytes());
            }
            "multiple" => {
                multiple = v
                    .as_i64()
                    .filter(|m| v.is_i64() && *m <= i32::MAX as i64)
                    .ok_or_else(|| invalid("Invalid multiple"))?;
                if multiple <= 0 {
                    return Err(invalid("Invalid multiple - should be positive"));
                }
                d.set(
                    ent::FIELD_ASSET_MULTIPLE,
                    (multiple as i32).to_le_bytes().to_vec(),
                );
            }
            "open" => growth.open = v.as_bool().ok_or_else(|| invalid("Invalid open"))?,
            "unrestrict" => {
                if !growth.unrestrict(v) {
                    return Err(invalid("Invalid unrestrict field"));
                }
            }
            "totallimit" | "issuelimit" => {
                let limit = AssetGrowth::limit(v).map_err(|e| {
                    invalid(&match e {
                        BadLimit::NotNumeric => format!("Invalid {k} - should be numeric"),
                        BadLimit::NotPositive => format!("Invalid {k} - should be positive"),
                    })
                })?;
                growth.set_limit(k, limit);
            }
            "restrict" => {
                let bits = parse_asset_restrict(v).ok_or_else(|| invalid("Invalid restrict"))?;
                d.set(ent::FIELD_PERMISSIONS, vec![bits]);
            }
            "fungible" => {
                growth.non_fungible = !v.as_bool().ok_or_else(|| invalid("Invalid fungible"))?;
            }
            "details" => d.set(ent::FIELD_JSON_DETAILS, custom_fields(v)?),
            "canopen" | "canclose" => {
                let b = v
                    .as_bool()
                    .ok_or_else(|| invalid(&format!("Invalid {k}")))?;
                growth.set_switchable(k, b);
            }
            other => return Err(invalid(&format!("Invalid field: {other}"))),
        }
    }
    growth.write_limits(multiple, &mut d)?;
    growth.check()?;
    growth.check_multiple(multiple)?;
    growth.write_follow_ons(&mut d);
    Ok(d)
}

// ----------------------------------------------------------------------------------------
// Outputs parameter (ParseRawOutputMultiObject)

/// `{"type": "send,receive" | "s1.write", "for"?, "startblock"?, "endblock"?, "timestamp"?}`:
/// the grant element, preceded by the entity reference for a per-entity grant.
fn permission_elements(st: &NodeState, obj: &Map<String, Value>) -> RpcResult<Vec<Vec<u8>>> {
    let mut entity: Option<Entity> = None;
    let mut type_text = "";
    let mut grant = PermissionGrant {
        bits: 0,
        start: 0,
        end: u32::MAX,
        timestamp: crate::node::unix_now(),
    };
    let block = |field: &str, v: &Value| -> RpcResult<u32> {
        let n = v
            .as_i64()
            .ok_or_else(|| invalid(&format!("Invalid value for permissions {field}")))?;
        if n < 0 {
            return Err(invalid(&format!("Negative value for permissions {field}")));
        }
        u32::try_from(n).map_err(|_| invalid("Invalid value for permissions endblock"))
    };
    for (k, val) in obj {
        match k.as_str() {
            "for" => {
                if let Some(id) = val.as_str().filter(|s| !s.is_empty()) {
                    entity = Some(
                        resolve(st, id, Kind::Stream)
                            .or_else(|_| resolve(st, id, Kind::Asset))
                            .map_err(|_| {
                                RpcError::new(
                                    RPC_ENTITY_NOT_FOUND,
                                    format!("Entity with this identifier not found: {id}"),
                                )
                            })?,
                    );
                }
            }
            "type" => {
                type_text = val
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| invalid("Invalid value for permission type"))?;
            }
            "startblock" => grant.start = block("startblock", val)?,
            "endblock" => grant.end = block("endblock", val)?,
            "timestamp" => {
                grant.timestamp = val
                    .as_u64()
                    .ok_or_else(|| invalid("Invalid value for permissions timestamp"))?
                    as u32
            }
            other => {
                return Err(invalid(&format!(
                    "Invalid field for object permissions: {other}"
                )))
            }
        }
    }
    if type_text.is_empty() {
        return Err(invalid("Permission type not specified"));
    }
    let allowed = match &entity {
        None => permission::GLOBAL_ALL,
        Some(e) if e.is_stream() => {
            permission::WRITE | permission::READ | permission::ADMIN | permission::ACTIVATE
        }
        Some(_) => {
            permission::ISSUE
                | permission::ADMIN
                | permission::ACTIVATE
                | permission::SEND
                | permission::RECEIVE
        }
    };
    grant.bits = permission::parse_list(type_text, allowed)
        .filter(|b| *b != 0)
        .ok_or_else(|| invalid(&format!("Invalid value for permission type: {type_text}")))?;
    let mut elements = Vec::new();
    if let Some(e) = entity {
        elements.push(Element::Entity(e.short_id()).encode());
    }
    elements.push(Element::Permission(grant).encode());
    Ok(elements)
}

/// Payments from `{"address": amount | {asset: qty, "": native, "issue": {"raw"}, "issuemore": {"asset","raw"}}}`.
/// Returns the outputs and the asset quantities they transfer (to be covered by inputs).
fn address_outputs(
    ctx: &RpcContext,
    st: &NodeState,
    v: &Value,
) -> RpcResult<(Vec<TxOut>, AssetAmounts)> {
    let objects: Vec<&Map<String, Value>> = match v {
        Value::Object(o) => vec![o],
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_object().ok_or_else(|| {
                    invalid("Invalid addresses, should be either object or array of objects")
                })
            })
            .collect::<RpcResult<_>>()?,
        other => {
            return Err(RpcError::misc(format!(
                "value is type {}, expected obj",
                type_name(other)
            )))
        }
    };
    let mut outputs = Vec::new();
    let mut transfers: AssetAmounts = Vec::new();
    for o in objects {
        for (addr, amount) in o {
            let decoded = ctx.node.format.decode_address(addr);
            // Not an address but an asset's name: `{"open": bool}` opens or closes it.
            if decoded.is_err() {
                if let Ok(asset) = resolve(st, addr, Kind::Asset) {
                    let open = super::permissions::asset_switch_request(&asset, amount)?;
                    outputs.push(asset_switch_output(&asset, open));
                    continue;
                }
            }
            let a = decoded.map_err(|_| RpcError::misc(format!(" Invalid public key: {addr}")))?;
            let mut elements = Vec::new();
            let native;
            match amount {
                Value::Object(fields) => {
                    let mut plain = Map::new();
                    // Only an object is read as an issue, issuemore or permissions field;
                    // any other value is a quantity of an asset by that name, as MultiChain
                    // reads it.
                    for (k, val) in fields {
                        match (k.as_str(), val) {
                            ("issue", Value::Object(o)) => {
                                let raw = super::issue_fields::issue_raw(o)?;
                                elements.push(Element::Genesis(raw).encode());
                            }
                            ("issuemore", Value::Object(o)) => {
                                let (asset, raw) = super::issue_fields::issuemore(o, |v| {
                                    super::assets::issue_transaction_param(st, v)
                                })?;
                                if asset.non_fungible() {
                                    return Err(invalid(
                                        "Issuing more units for non-fungible assets is not allowed",
                                    ));
                                }
                                elements.push(
                                    Element::FollowOn(vec![(asset.short_id(), raw)]).encode(),
                                );
                            }
                            ("permissions", Value::Object(o)) => {
                                elements.extend(permission_elements(st, o)?);
                            }
                            ("issuetoken", _) => {
                                elements.extend(super::tokens::raw_token_issue(st, val)?);
                            }
                            ("data", _) => {
                                return Err(RpcError::new(
                                    RPC_NOT_SUPPORTED,
                                    format!("Output field {k} is not supported by this node yet"),
                                ))
                            }
                            // An object naming a token and no asset is an amount of it.
                            (_, Value::Object(o))
                                if !o.contains_key("token") || o.contains_key("asset") =>
                            {
                                return Err(invalid(&format!("Invalid object: {k}")))
                            }
                            _ => {
                                plain.insert(k.clone(), val.clone());
                            }
                        }
                    }
                    let (n, assets) = amounts_param(ctx, st, &Value::Object(plain))?;
                    native = n;
                    if !assets.is_empty() {
                        for (id, q) in &assets {
                            let _ = metadata::add_amount(&mut transfers, *id, *q);
                        }
                        elements.insert(0, Element::Quantities(assets).encode());
                    }
                }
                other => native = native_amount(ctx, other)?,
            }
            outputs.push(TxOut {
                value: Amount::from_sat(native),
                script_pubkey: script::pay_to(&a, &elements),
            });
        }
    }
    Ok((outputs, transfers))
}

fn data_array(ctx: &RpcContext, st: &NodeState, v: Option<&Value>) -> RpcResult<Vec<TxOut>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => {
            let mut out = Vec::new();
            for d in a {
                out.extend(data_outputs(ctx, st, d, DataKinds::ALL)?);
            }
            Ok(out)
        }
        Some(other) => Err(RpcError::misc(format!(
            "value is type {}, expected array",
            type_name(other)
        ))),
    }
}

/// The output that sets an asset's open switch: a grant of it to its pseudo-address.
fn asset_switch_output(asset: &Entity, open: bool) -> TxOut {
    let grant = PermissionGrant {
        bits: permission::DETAILS,
        start: 0,
        end: if open { u32::MAX } else { 0 },
        timestamp: crate::node::unix_now(),
    };
    TxOut {
        value: Amount::ZERO,
        script_pubkey: script::pay_to(
            &permission::details_address(permission::DETAILS_ASSET_OPEN),
            &[Element::Entity(asset.short_id()).encode(), grant.encode()],
        ),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    None,
    Lock,
    Sign,
    LockSign,
    Send,
}

fn action_param(v: Option<&Value>) -> RpcResult<Action> {
    match v {
        None | Some(Value::Null) => Ok(Action::None),
        Some(Value::String(s)) => match s.as_str() {
            "" => Ok(Action::None),
            "lock" => Ok(Action::Lock),
            "sign" => Ok(Action::Sign),
            "lock,sign" | "sign,lock" => Ok(Action::LockSign),
            "send" => Ok(Action::Send),
            _ => Err(invalid("Invalid action")),
        },
        Some(other) => Err(RpcError::misc(format!(
            "value is type {}, expected str",
            type_name(other)
        ))),
    }
}

/// Finishes a raw transaction according to `action`.
fn finish(
    ctx: &RpcContext,
    mut tx: Transaction,
    action: Action,
    keys: Option<&Value>,
    hash_type: Option<&Value>,
) -> RpcResult<Value> {
    if matches!(action, Action::Lock | Action::LockSign) {
        let mut st = ctx.node.state.write();
        for i in &tx.input {
            st.wallet.lock(i.previous_output);
        }
    }
    match action {
        Action::None | Action::Lock => Ok(json!(txcodec::encode_hex(&tx))),
        Action::Sign | Action::LockSign => {
            let complete = sign_tx(ctx, &mut tx, &[], keys, hash_type)?;
            Ok(json!({"hex": txcodec::encode_hex(&tx), "complete": complete}))
        }
        Action::Send => {
            if !sign_tx(ctx, &mut tx, &[], keys, hash_type)? {
                return Err(RpcError::new(
                    RPC_TRANSACTION_ERROR,
                    "Transaction was not signed properly",
                ));
            }
            Ok(json!(submit(ctx, tx)?.to_string()))
        }
    }
}

fn createrawsendfrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 6)?;
    let from = from_address(ctx, args.get(0))?
        .ok_or_else(|| invalid("Single from-address should be specified"))?;
    let st = ctx.node.state.read();
    if !st.wallet.is_mine(&from) && !st.wallet.is_watch_only(&from) {
        return Err(RpcError::new(
            RPC_WALLET_ADDRESS_NOT_FOUND,
            "from-address is not found in this wallet",
        ));
    }
    let (mut outputs, transfers) = address_outputs(ctx, &st, &args.values[1])?;
    let data = data_array(ctx, &st, args.get(2))?;
    let action = action_param(args.get(3))?;
    if outputs.is_empty() && data.is_empty() {
        return Err(invalid(
            "Either addresses object or data array should not be empty",
        ));
    }
    outputs.extend(data);
    let built = {
        let view = st.view();
        build_unsigned(
            &view,
            &st.wallet,
            &from,
            Spend {
                outputs,
                assets: transfers,
            },
            st.next_height(),
            ctx.node.rules.spendable_delay,
        )
    };
    drop(st);
    let (tx, _) = built.map_err(|e| match e {
        BuildError::InsufficientFunds | BuildError::InsufficientAssets => {
            RpcError::new(RPC_WALLET_INSUFFICIENT_FUNDS, "Insufficient funds.")
        }
        other => RpcError::from(NodeError::Build(other)),
    })?;
    finish(ctx, tx, action, args.get(4), args.get(5))
}

fn createrawtransaction(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 6)?;
    if !args.values[0].is_array() {
        return Err(RpcError::new(
            RPC_TYPE_ERROR,
            format!("Expected type array, got {}", type_name(&args.values[0])),
        ));
    }
    let mut values = vec![json!("")];
    values.extend(args.values.iter().cloned());
    appendrawtransaction(
        ctx,
        &Args {
            method: "appendrawtransaction",
            values,
        },
    )
}

fn inputs_param(v: &Value) -> RpcResult<Vec<OutPoint>> {
    let a = v.as_array().ok_or_else(|| {
        RpcError::new(
            RPC_TYPE_ERROR,
            format!("Expected type array, got {}", type_name(v)),
        )
    })?;
    a.iter()
        .map(|i| {
            let o = i.as_object().ok_or_else(|| {
                RpcError::misc(format!("value is type {}, expected obj", type_name(i)))
            })?;
            let txid = match o.get("txid") {
                Some(Value::String(s)) => parse_hash(s, "txid")?,
                _ => return Err(invalid("txid must be hexadecimal string (not '')")),
            };
            let vout = o
                .get("vout")
                .and_then(|v| v.as_i64().filter(|_| v.is_i64() || v.is_u64()))
                .ok_or_else(|| invalid("Invalid parameter, missing vout key"))?;
            if vout < 0 {
                return Err(invalid("Invalid parameter, vout must be positive"));
            }
            Ok(OutPoint {
                txid,
                vout: vout as u32,
            })
        })
        .collect()
}

fn appendrawtransaction(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 7)?;
    let hex_text = args.str(0)?;
    let mut tx = if hex_text.is_empty() {
        Transaction {
            version: bitcoin::transaction::Version::ONE,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: Vec::new(),
            output: Vec::new(),
        }
    } else {
        txcodec::decode_hex(hex_text).ok_or_else(decode_failed)?
    };
    let inputs = inputs_param(&args.values[1])?;
    let st = ctx.node.state.read();
    let (outputs, _) = match args.get(2) {
        None | Some(Value::Null) => (Vec::new(), Vec::new()),
        Some(v @ (Value::Object(_) | Value::Array(_))) => address_outputs(ctx, &st, v)?,
        Some(_) => {
            return Err(invalid(
                "Invalid addresses, should be either object or array of objects",
            ))
        }
    };
    let data = data_array(ctx, &st, args.get(3))?;
    let action = action_param(args.get(4))?;
    drop(st);
    let signed_all = tx.input.iter().any(|i| !i.script_sig.is_empty());
    if signed_all && (!outputs.is_empty() || !data.is_empty()) {
        return Err(RpcError::new(
            RPC_NOT_ALLOWED,
            "Cannot append outputs without violating existing signatures",
        ));
    }
    for op in inputs {
        tx.input.push(TxIn {
            previous_output: op,
            script_sig: ScriptBuf::new(),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        });
    }
    tx.output.extend(outputs);
    tx.output.extend(data);
    finish(ctx, tx, action, args.get(5), args.get(6))
}

fn appendrawdata(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 2)?;
    let mut tx = txcodec::decode_hex(args.str(0)?).ok_or_else(decode_failed)?;
    let st = ctx.node.state.read();
    let out = data_output(ctx, &st, &args.values[1], DataKinds::ALL)?;
    tx.output.push(out);
    Ok(json!(txcodec::encode_hex(&tx)))
}

fn appendrawchange(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 3)?;
    let mut tx = txcodec::decode_hex(args.str(0)?).ok_or_else(decode_failed)?;
    let address = ctx
        .node
        .format
        .decode_address(args.str(1)?)
        .map_err(|_| RpcError::new(RPC_INVALID_ADDRESS_OR_KEY, "Invalid address"))?;
    let fee = match args.get(2) {
        None => 0,
        Some(v) => native_amount(ctx, v)?,
    };
    let st = ctx.node.state.read();
    let view = st.view();
    let mut native_in = 0u64;
    let mut assets_in: AssetAmounts = Vec::new();
    for i in &tx.input {
        let coin = view
            .coin(&i.previous_output)
            .ok_or_else(|| RpcError::new(RPC_OUTPUT_NOT_FOUND, "Missing inputs"))?;
        native_in += coin.output.value.to_sat();
        for (id, q) in metadata::coin_assets(&i.previous_output, &coin.output.script_pubkey) {
            let _ = metadata::add_amount(&mut assets_in, id, q);
        }
    }
    let mut native_out = 0u64;
    let mut assets_out: AssetAmounts = Vec::new();
    let txid = tx.compute_txid();
    for (n, o) in tx.output.iter().enumerate() {
        native_out += o.value.to_sat();
        let op = OutPoint {
            txid,
            vout: n as u32,
        };
        for (id, q) in metadata::coin_assets(&op, &o.script_pubkey) {
            if crate::chain::entities::short_id(&txid) != id {
                let _ = metadata::add_amount(&mut assets_out, id, q);
            }
        }
    }
    if native_out > native_in {
        return Err(RpcError::new(
            RPC_WALLET_INSUFFICIENT_FUNDS,
            "Insufficient funds, output native currency value is higher than input",
        ));
    }
    let mut change_assets = Vec::new();
    for (id, q) in &assets_in {
        let out = assets_out
            .iter()
            .find(|(i, _)| i == id)
            .map_or(0, |(_, q)| *q);
        if out > *q {
            return Err(RpcError::new(
                RPC_WALLET_INSUFFICIENT_FUNDS,
                "Insufficient funds, output asset value is higher than input",
            ));
        }
        if q - out > 0 {
            change_assets.push((*id, q - out));
        }
    }
    for (id, q) in &assets_out {
        if !assets_in.iter().any(|(i, _)| i == id) && *q > 0 {
            return Err(RpcError::new(
                RPC_WALLET_INSUFFICIENT_FUNDS,
                "Insufficient funds, output asset value is higher than input",
            ));
        }
    }
    let remaining = native_in - native_out;
    if remaining < fee {
        return Err(RpcError::new(
            RPC_WALLET_INSUFFICIENT_FUNDS,
            "Insufficient funds, remaining native currency value is lower than required fee",
        ));
    }
    let metadata = if change_assets.is_empty() {
        Vec::new()
    } else {
        vec![Element::Quantities(change_assets).encode()]
    };
    tx.output.push(TxOut {
        value: Amount::from_sat(remaining - fee),
        script_pubkey: script::pay_to(&address, &metadata),
    });
    Ok(json!(txcodec::encode_hex(&tx)))
}

fn sighash_param(v: Option<&Value>) -> RpcResult<EcdsaSighashType> {
    match v {
        None | Some(Value::Null) => Ok(EcdsaSighashType::All),
        Some(Value::String(s)) => match s.as_str() {
            "ALL" => Ok(EcdsaSighashType::All),
            "ALL|ANYONECANPAY" => Ok(EcdsaSighashType::AllPlusAnyoneCanPay),
            "NONE" => Ok(EcdsaSighashType::None),
            "NONE|ANYONECANPAY" => Ok(EcdsaSighashType::NonePlusAnyoneCanPay),
            "SINGLE" => Ok(EcdsaSighashType::Single),
            "SINGLE|ANYONECANPAY" => Ok(EcdsaSighashType::SinglePlusAnyoneCanPay),
            _ => Err(invalid("Invalid sighash param")),
        },
        Some(other) => Err(RpcError::new(
            RPC_TYPE_ERROR,
            format!("Expected type str, got {}", type_name(other)),
        )),
    }
}

/// Signs every input we can; returns whether every input now verifies.
fn sign_tx(
    ctx: &RpcContext,
    tx: &mut Transaction,
    prevtxs: &[(OutPoint, ScriptBuf)],
    keys: Option<&Value>,
    hash_type: Option<&Value>,
) -> RpcResult<bool> {
    let hash_type = sighash_param(hash_type)?;
    let given_keys: Option<Vec<PrivateKey>> = match keys {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(
            a.iter()
                .map(|k| {
                    k.as_str()
                        .and_then(|s| PrivateKey::from_wif(s, &ctx.node.format).ok())
                        .ok_or_else(|| {
                            RpcError::new(RPC_INVALID_ADDRESS_OR_KEY, "Invalid private key")
                        })
                })
                .collect::<RpcResult<_>>()?,
        ),
        Some(other) => {
            return Err(RpcError::new(
                RPC_TYPE_ERROR,
                format!("Expected type array, got {}", type_name(other)),
            ))
        }
    };
    let st = ctx.node.state.read();
    let view = st.view();
    let mut complete = true;
    for i in 0..tx.input.len() {
        let op = tx.input[i].previous_output;
        let script = prevtxs
            .iter()
            .find(|(o, _)| *o == op)
            .map(|(_, s)| s.clone())
            .or_else(|| view.coin(&op).map(|c| c.output.script_pubkey));
        let Some(script) = script else {
            complete = false;
            continue;
        };
        if verify_input(tx, i, &script).is_ok() {
            continue;
        }
        let owner = script::parse(&script).and_then(|p| p.address());
        let key = owner.and_then(|a| match &given_keys {
            Some(list) => list.iter().find(|k| k.address() == a).copied(),
            None => st.wallet.key(&a).copied(),
        });
        match key {
            Some(k) => {
                sign_input_with(tx, i, &script, &k, hash_type)
                    .map_err(|_| RpcError::new(RPC_WALLET_ERROR, "Signing transaction failed"))?;
                if verify_input(tx, i, &script).is_err() {
                    complete = false;
                }
            }
            None => complete = false,
        }
    }
    Ok(complete)
}

fn signrawtransaction(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 4)?;
    let s = args.str(0)?;
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid(&format!(
            "argument 1 must be hexadecimal string (not '{s}')"
        )));
    }
    let mut tx = txcodec::decode_hex(s).ok_or_else(decode_failed)?;
    let prevtxs: Vec<(OutPoint, ScriptBuf)> = match args.get(1) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|p| {
                let o = p.as_object().ok_or_else(|| {
                    invalid("expected object with {\"txid'\",\"vout\",\"scriptPubKey\"}")
                })?;
                let txid = parse_hash(o.get("txid").and_then(Value::as_str).unwrap_or(""), "txid")?;
                let vout = o
                    .get("vout")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| RpcError::new(RPC_TYPE_ERROR, "Missing vout"))?;
                if vout < 0 {
                    return Err(invalid("vout must be positive"));
                }
                let spk = o
                    .get("scriptPubKey")
                    .and_then(Value::as_str)
                    .and_then(|h| hex::decode(h).ok())
                    .ok_or_else(|| RpcError::new(RPC_TYPE_ERROR, "Missing scriptPubKey"))?;
                Ok((
                    OutPoint {
                        txid,
                        vout: vout as u32,
                    },
                    ScriptBuf::from_bytes(spk),
                ))
            })
            .collect::<RpcResult<_>>()?,
        Some(other) => {
            return Err(RpcError::new(
                RPC_TYPE_ERROR,
                format!("Expected type array, got {}", type_name(other)),
            ))
        }
    };
    {
        let st = ctx.node.state.read();
        let view = st.view();
        for (op, given) in &prevtxs {
            if let Some(coin) = view.coin(op).filter(|c| c.output.script_pubkey != *given) {
                return Err(RpcError::new(
                    RPC_OUTPUT_NOT_FOUND,
                    format!(
                        "Previous output scriptPubKey mismatch:\n{}\nvs:\n{}",
                        super::txjson::script_asm(&coin.output.script_pubkey),
                        super::txjson::script_asm(given)
                    ),
                ));
            }
        }
    }
    let complete = sign_tx(ctx, &mut tx, &prevtxs, args.get(2), args.get(3))?;
    Ok(json!({"hex": txcodec::encode_hex(&tx), "complete": complete}))
}

fn decodescript(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    let bytes =
        hex::decode(args.str(0)?).map_err(|_| invalid("argument must be hexadecimal string"))?;
    let s = ScriptBuf::from_bytes(bytes);
    let parsed = script::parse(&s);
    let mut v = super::txjson::script_pubkey_json(ctx, &s, parsed.as_ref());
    if let Value::Object(m) = &mut v {
        m.remove("hex");
        let p2sh = Address::ScriptHash(crate::primitives::address::hash160(s.as_bytes()));
        m.insert("p2sh".into(), json!(ctx.node.format.encode_address(&p2sh)));
    }
    Ok(v)
}

// ----------------------------------------------------------------------------------------
// Exchanges

fn preparelockunspent(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    let from = {
        let st = ctx.node.state.read();
        let found = st
            .wallet
            .addresses()
            .find(|a| {
                st.has_permission(&ctx.node, a, permission::SEND)
                    && st.has_permission(&ctx.node, a, permission::RECEIVE)
            })
            .copied();
        found.ok_or_else(|| {
            RpcError::new(
                RPC_INSUFFICIENT_PERMISSIONS,
                "This wallet doesn't have keys with send and receive permission",
            )
        })?
    };
    prepare_common(ctx, from, &args.values[0], args.get(1))
}

fn preparelockunspentfrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 3)?;
    let from = from_address(ctx, args.get(0))?
        .ok_or_else(|| invalid("Single from-address should be specified"))?;
    {
        let st = ctx.node.state.read();
        if !st.wallet.is_mine(&from) {
            return Err(RpcError::new(
                RPC_WALLET_ADDRESS_NOT_FOUND,
                "Private key for from-address is not found in this wallet",
            ));
        }
        if !st.has_permission(&ctx.node, &from, permission::SEND)
            || !st.has_permission(&ctx.node, &from, permission::RECEIVE)
        {
            return Err(RpcError::new(
                RPC_INSUFFICIENT_PERMISSIONS,
                "from-address must have send and receive permission",
            ));
        }
    }
    prepare_common(ctx, from, &args.values[1], args.get(2))
}

/// Sends the given amounts to the address itself in one output and locks it.
fn prepare_common(
    ctx: &RpcContext,
    from: Address,
    amounts: &Value,
    lock: Option<&Value>,
) -> RpcResult<Value> {
    let (native, assets) = {
        let st = ctx.node.state.read();
        amounts_param(ctx, &st, amounts)?
    };
    let lock = !matches!(lock, Some(Value::Bool(false)));
    let txid = ctx
        .node
        .send(Some(from), &from, native, assets, Vec::new())?;
    let vout = 0u32;
    if lock {
        ctx.node.state.write().wallet.lock(OutPoint { txid, vout });
    }
    Ok(json!({"txid": txid.to_string(), "vout": vout}))
}

/// The ask side of an exchange: an output paying `native` and `assets` to `address`.
fn ask_output(
    ctx: &RpcContext,
    st: &NodeState,
    address: &Address,
    ask: &Value,
) -> RpcResult<TxOut> {
    if !ask.is_object() {
        return Err(invalid("Invalid ask assets object"));
    }
    let (native, assets) = amounts_param(ctx, st, ask)?;
    let metadata = if assets.is_empty() {
        Vec::new()
    } else {
        vec![Element::Quantities(assets).encode()]
    };
    Ok(TxOut {
        value: Amount::from_sat(native),
        script_pubkey: script::pay_to(address, &metadata),
    })
}

/// Adds an offer (the output `txid:vout` of this wallet) asking `ask` in return, signed
/// `hash_type`.
fn add_offer(
    ctx: &RpcContext,
    tx: &mut Transaction,
    args: &Args,
    off: usize,
    hash_type: EcdsaSighashType,
) -> RpcResult<()> {
    let txid: Txid = args
        .str(off)?
        .parse()
        .map_err(|_| RpcError::new(RPC_WALLET_OUTPUT_NOT_FOUND, "Output not found in wallet"))?;
    let vout = super::args::int_of(&args.values[off + 1])?;
    let op = OutPoint {
        txid,
        vout: vout.max(0) as u32,
    };
    let st = ctx.node.state.read();
    let coin = st
        .view()
        .coin(&op)
        .ok_or_else(|| RpcError::new(RPC_WALLET_OUTPUT_NOT_FOUND, "Missing inputs"))?;
    let owner = script::parse(&coin.output.script_pubkey)
        .and_then(|p| p.address())
        .ok_or_else(|| {
            RpcError::new(
                RPC_INVALID_ADDRESS_OR_KEY,
                "Cannot extract address from prepared output",
            )
        })?;
    if owner.is_script() {
        return Err(RpcError::new(
            RPC_INVALID_ADDRESS_OR_KEY,
            "Prepared output should be pay-to-pubkeyhash",
        ));
    }
    if !st.has_permission(&ctx.node, &owner, permission::SEND) {
        return Err(RpcError::new(
            RPC_INSUFFICIENT_PERMISSIONS,
            "Address of prepared output doesn't have send permission",
        ));
    }
    if !st.has_permission(&ctx.node, &owner, permission::RECEIVE) {
        return Err(RpcError::new(
            RPC_INSUFFICIENT_PERMISSIONS,
            "Address of prepared output doesn't have receive permission",
        ));
    }
    let key = *st
        .wallet
        .key(&owner)
        .ok_or_else(|| RpcError::new(RPC_WALLET_OUTPUT_NOT_FOUND, "Output not found in wallet"))?;
    let out = ask_output(ctx, &st, &owner, &args.values[off + 2])?;
    drop(st);
    // The offer's output sits at the same index as its input (SIGHASH_SINGLE pairs them).
    let index = tx.input.len();
    let paired = tx.output.len().min(index);
    tx.input.push(TxIn {
        previous_output: op,
        script_sig: ScriptBuf::new(),
        sequence: Sequence::MAX,
        witness: Witness::new(),
    });
    tx.output.insert(paired, out);
    sign_input_with(tx, index, &coin.output.script_pubkey, &key, hash_type)
        .map_err(|_| RpcError::new(RPC_WALLET_ERROR, "Signing transaction failed"))?;
    Ok(())
}

fn empty_tx() -> Transaction {
    Transaction {
        version: bitcoin::transaction::Version::ONE,
        lock_time: bitcoin::absolute::LockTime::ZERO,
        input: Vec::new(),
        output: Vec::new(),
    }
}

fn createrawexchange(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 3)?;
    let mut tx = empty_tx();
    add_offer(
        ctx,
        &mut tx,
        args,
        0,
        EcdsaSighashType::SinglePlusAnyoneCanPay,
    )?;
    Ok(json!(txcodec::encode_hex(&tx)))
}

fn appendrawexchange(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(4, 4)?;
    let mut tx = hex_param(args, 0)?;
    add_offer(
        ctx,
        &mut tx,
        args,
        1,
        EcdsaSighashType::SinglePlusAnyoneCanPay,
    )?;
    let complete = exchange_summary(ctx, &tx)?.complete;
    Ok(json!({"hex": txcodec::encode_hex(&tx), "complete": complete}))
}

fn completerawexchange(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(4, 5)?;
    let mut tx = hex_param(args, 0)?;
    if let Some(d) = args.get(4) {
        let st = ctx.node.state.read();
        let outs = data_outputs(ctx, &st, d, DataKinds::SEND)?;
        drop(st);
        add_offer(ctx, &mut tx, args, 1, EcdsaSighashType::All)?;
        // Data must be covered by the final SIGHASH_ALL signature: add it, then re-sign.
        tx.output.extend(outs);
        let last = tx.input.len() - 1;
        let st = ctx.node.state.read();
        let coin = st.view().coin(&tx.input[last].previous_output);
        if let Some(c) = coin {
            let owner = script::parse(&c.output.script_pubkey).and_then(|p| p.address());
            if let Some(k) = owner.and_then(|a| st.wallet.key(&a).copied()) {
                sign_input_with(
                    &mut tx,
                    last,
                    &c.output.script_pubkey,
                    &k,
                    EcdsaSighashType::All,
                )
                .map_err(|_| RpcError::new(RPC_WALLET_ERROR, "Signing transaction failed"))?;
            }
        }
    } else {
        add_offer(ctx, &mut tx, args, 1, EcdsaSighashType::All)?;
    }
    if !exchange_summary(ctx, &tx)?.complete {
        return Err(RpcError::new(RPC_EXCHANGE_ERROR, "Incomplete exchange"));
    }
    Ok(json!(txcodec::encode_hex(&tx)))
}

struct ExchangeSummary {
    offer_native: i64,
    offer_assets: AssetAmounts,
    ask_native: i64,
    ask_assets: AssetAmounts,
    complete: bool,
    pairs: Vec<Value>,
    can_disable: bool,
}

fn exchange_summary(ctx: &RpcContext, tx: &Transaction) -> RpcResult<ExchangeSummary> {
    let st = ctx.node.state.read();
    let view = st.view();
    if tx.output.len() < tx.input.len() {
        return Err(RpcError::new(RPC_EXCHANGE_ERROR, "Too few outputs"));
    }
    let mut net: AssetAmounts = Vec::new();
    let mut native: i64 = 0;
    let mut pairs = Vec::new();
    let mut can_disable = false;
    let txid = tx.compute_txid();
    for (i, input) in tx.input.iter().enumerate() {
        let suffix = format!(
            "; Input: {i}, txid: {}, vout: {}",
            input.previous_output.txid, input.previous_output.vout
        );
        let coin = view
            .coin(&input.previous_output)
            .ok_or_else(|| RpcError::new(RPC_EXCHANGE_ERROR, format!("Missing inputs{suffix}")))?;
        let signer = verify_input(tx, i, &coin.output.script_pubkey)
            .map_err(|_| RpcError::new(RPC_EXCHANGE_ERROR, format!("Wrong signature{suffix}")))?;
        if !st.has_permission(&ctx.node, &signer, permission::SEND) {
            return Err(RpcError::new(
                RPC_EXCHANGE_ERROR,
                format!("Address doesn't have send permission{suffix}"),
            ));
        }
        if st.wallet.is_mine(&signer) {
            can_disable = true;
        }
        native += coin.output.value.to_sat() as i64;
        let offered = metadata::coin_assets(&input.previous_output, &coin.output.script_pubkey);
        for (id, q) in &offered {
            let _ = metadata::add_amount(&mut net, *id, *q);
        }
        let out = &tx.output[i];
        native -= out.value.to_sat() as i64;
        let op = OutPoint {
            txid,
            vout: i as u32,
        };
        let asked = metadata::coin_assets(&op, &out.script_pubkey);
        for (id, q) in &asked {
            let _ = metadata::add_amount(&mut net, *id, -q);
        }
        let enc = |a: &Address| json!(ctx.node.format.encode_address(a));
        let owner = script::parse(&out.script_pubkey).and_then(|p| p.address());
        pairs.push(json!({
            "offer": {
                "amount": super::control::native(ctx, coin.output.value.to_sat()),
                "assets": rows(&st, &offered),
                "address": enc(&signer),
                "txid": input.previous_output.txid.to_string(),
                "vout": input.previous_output.vout,
            },
            "ask": {
                "amount": super::control::native(ctx, out.value.to_sat()),
                "assets": rows(&st, &asked),
                "address": owner.map(|a| enc(&a)).unwrap_or(Value::Null),
            },
        }));
    }
    for o in tx.output.iter().skip(tx.input.len()) {
        let is_data = script::parse(&o.script_pubkey)
            .is_some_and(|p| matches!(p.destination, script::Destination::NullData(_)));
        if !is_data {
            return Err(RpcError::new(RPC_EXCHANGE_ERROR, "Too many outputs"));
        }
    }
    let mut offer_assets = Vec::new();
    let mut ask_assets = Vec::new();
    for (id, q) in &net {
        match q.cmp(&0) {
            std::cmp::Ordering::Greater => offer_assets.push((*id, *q)),
            std::cmp::Ordering::Less => ask_assets.push((*id, -q)),
            std::cmp::Ordering::Equal => {}
        }
    }
    Ok(ExchangeSummary {
        offer_native: native.max(0),
        ask_native: (-native).max(0),
        complete: offer_assets.is_empty() && ask_assets.is_empty() && native >= 0,
        offer_assets,
        ask_assets,
        pairs,
        can_disable,
    })
}

fn rows(st: &NodeState, amounts: &AssetAmounts) -> Value {
    let view = st.view();
    Value::Array(
        amounts
            .iter()
            .filter_map(|(id, q)| super::assets::amount_row(&view, id, *q))
            .collect(),
    )
}

fn decoderawexchange(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    let tx = hex_param(args, 0)?;
    let verbose = match args.get(1) {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("Invalid parameter value type, should be boolean")),
    };
    let s = exchange_summary(ctx, &tx)?;
    let st = ctx.node.state.read();
    let mut m = Map::new();
    m.insert(
        "offer".into(),
        json!({"amount": super::control::native(ctx, s.offer_native as u64), "assets": rows(&st, &s.offer_assets)}),
    );
    m.insert(
        "ask".into(),
        json!({"amount": super::control::native(ctx, s.ask_native as u64), "assets": rows(&st, &s.ask_assets)}),
    );
    if s.complete {
        m.insert(
            "completedfee".into(),
            super::control::native(ctx, s.offer_native as u64),
        );
    }
    m.insert("requiredfee".into(), super::control::native(ctx, 0));
    m.insert("candisable".into(), json!(s.can_disable));
    let can_complete = s.complete
        || st.wallet.addresses().any(|a| {
            st.has_permission(&ctx.node, a, permission::SEND)
                && st.has_permission(&ctx.node, a, permission::RECEIVE)
                && {
                    let (native, held) = st.balances_of(a);
                    native as i64 >= s.ask_native
                        && s.ask_assets
                            .iter()
                            .all(|(id, q)| held.iter().any(|(i, h)| i == id && h >= q))
                }
        });
    m.insert("cancomplete".into(), json!(can_complete));
    m.insert("complete".into(), json!(s.complete));
    if verbose {
        m.insert("exchanges".into(), Value::Array(s.pairs));
    }
    Ok(Value::Object(m))
}

fn disablerawtransaction(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    let tx = hex_param(args, 0)?;
    let target = {
        let st = ctx.node.state.read();
        let view = st.view();
        let mut found = None;
        let mut ours_without_permission = false;
        for i in &tx.input {
            let Some(coin) = view.coin(&i.previous_output) else {
                continue;
            };
            let Some(owner) = script::parse(&coin.output.script_pubkey).and_then(|p| p.address())
            else {
                continue;
            };
            if !st.wallet.is_mine(&owner) {
                continue;
            }
            if st.has_permission(&ctx.node, &owner, permission::SEND)
                && st.has_permission(&ctx.node, &owner, permission::RECEIVE)
            {
                found = Some((i.previous_output, owner, coin));
                break;
            }
            ours_without_permission = true;
        }
        match found {
            Some(f) => f,
            None if ours_without_permission => {
                return Err(RpcError::new(
                    RPC_INSUFFICIENT_PERMISSIONS,
                    "At least one of the input addresses should have send and receive permission ",
                ))
            }
            None => {
                return Err(RpcError::new(
                    RPC_INPUTS_NOT_MINE,
                    "Couldn't find unspent input in this tx belonging to this wallet.",
                ))
            }
        }
    };
    let (op, owner, coin) = target;
    let key = *ctx
        .node
        .state
        .read()
        .wallet
        .key(&owner)
        .expect("checked: our address");
    let mut spend = empty_tx();
    spend.input.push(TxIn {
        previous_output: op,
        script_sig: ScriptBuf::new(),
        sequence: Sequence::MAX,
        witness: Witness::new(),
    });
    spend.output.push(TxOut {
        value: coin.output.value,
        script_pubkey: coin.output.script_pubkey.clone(),
    });
    sign_input_with(
        &mut spend,
        0,
        &coin.output.script_pubkey,
        &key,
        EcdsaSighashType::All,
    )
    .map_err(|_| RpcError::new(RPC_WALLET_ERROR, "Signing transaction failed"))?;
    ctx.node.state.write().wallet.unlock(&op);
    let txid = ctx.node.accept_transaction(spend).map_err(|e| match e {
        NodeError::Rejected(r) => RpcError::new(
            RPC_TRANSACTION_REJECTED,
            format!("Error: The transaction was rejected: {}", r.reason()),
        ),
        other => other.into(),
    })?;
    Ok(json!(txid.to_string()))
}
