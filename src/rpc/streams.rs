//! Streams: create, liststreams, getstreaminfo, subscribe, unsubscribe, publish*, the item
//! listing commands, stream keys and publishers, gettxoutdata (summaries: stream_summary.rs).

use super::args::{type_name, Args};
use super::dispatch::{Handler, RpcContext, TextHandler};
use super::enterprise::enterprise_only;
use super::entities::{self, resolve, Kind};
use super::entity_options::{custom_fields, looks_like_reference, StreamFlags};
use super::errors::*;
use crate::chain::entities::Entity;
use crate::chain::state::StateView;
use crate::jsonfmt::{self, ObjectWriter};
use crate::ledger::streams::IndexOf;
use crate::node::actions::ItemSpec;
use crate::node::streams::Item;
use crate::node::NodeState;
use crate::primitives::address::Address;
use crate::primitives::entity::{self as ent, Details};
use crate::primitives::permission;
use crate::primitives::script::{FORMAT_JSON, FORMAT_RAW, FORMAT_TEXT};
use crate::primitives::ubjson;
use serde_json::{json, Map, Value};

pub const METHODS: [(&str, Handler); 16] = [
    ("create", create),
    ("createfrom", createfrom),
    ("liststreams", liststreams),
    ("getstreaminfo", getstreaminfo),
    ("subscribe", subscribe),
    ("unsubscribe", unsubscribe),
    ("publish", publish),
    ("publishfrom", publishfrom),
    ("publishmulti", publishmulti),
    ("publishmultifrom", publishmultifrom),
    ("liststreamkeys", liststreamkeys),
    ("liststreampublishers", liststreampublishers),
    ("getstreamitem", getstreamitem),
    ("liststreamtxitems", liststreamtxitems),
    ("liststreamblockitems", liststreamblockitems),
    ("gettxoutdata", gettxoutdata),
];

/// The item listings, written as JSON text (see [`write_item`]).
pub const TEXT_METHODS: [(&str, TextHandler); 3] = [
    ("liststreamitems", liststreamitems),
    ("liststreamkeyitems", liststreamkeyitems),
    ("liststreampublisheritems", liststreampublisheritems),
];

/// Item keys are at most 256 bytes.
const MAX_KEY: usize = 256;
fn invalid(msg: &str) -> RpcError {
    RpcError::invalid_parameter(msg)
}

/// Resolver A: a stream identifier parameter.
pub fn stream_param(st: &NodeState, v: &Value) -> RpcResult<Entity> {
    match v {
        Value::Null => Err(invalid("Invalid stream identifier")),
        Value::String(s) if s.is_empty() => Err(invalid("Invalid stream identifier")),
        Value::String(s) => {
            if s.len() != 64 && s.len() > 32 {
                return Err(invalid(&format!("Could not parse stream key: {s}")));
            }
            if s == "0-0-0" {
                let id = st
                    .chain
                    .entities
                    .values()
                    .find(|e| e.is_stream() && e.position.is_some_and(|p| p.height == 0))
                    .map(|e| e.short_id())
                    .ok_or_else(|| {
                        RpcError::new(
                            RPC_ENTITY_NOT_FOUND,
                            format!("Stream with this stream reference not found: {s}"),
                        )
                    })?;
                return st.view().entity(&id).ok_or_else(RpcError::method_not_found);
            }
            resolve(st, s, Kind::Stream).map_err(|e| {
                RpcError::new(
                    e.code,
                    e.message
                        .replace("with this reference", "with this stream reference"),
                )
            })
        }
        other => Err(RpcError::misc(format!(
            "value is type {}, expected str",
            type_name(other)
        ))),
    }
}

/// The key index (`what` a key) or the publisher index (`what` an address) of a stream.
pub fn index_of(ctx: &RpcContext, publisher: bool, what: &str) -> RpcResult<IndexOf> {
    if !publisher {
        return Ok(IndexOf::Key(what.as_bytes().to_vec()));
    }
    ctx.node
        .format
        .decode_address(what)
        .map(IndexOf::Publisher)
        .map_err(|_| RpcError::new(RPC_INVALID_ADDRESS_OR_KEY, "Invalid address"))
}

pub fn require_subscribed(st: &NodeState, e: &Entity) -> RpcResult<()> {
    if e.restricted_permissions() as u32 & permission::READ != 0 {
        return Err(RpcError::new(
            RPC_NOT_SUPPORTED,
            "Not available in Community edition: Reading from read-restricted streams",
        ));
    }
    if !st.streams.is_subscribed(&e.short_id()) {
        return Err(RpcError::new(
            RPC_NOT_SUBSCRIBED,
            "Not subscribed to this stream",
        ));
    }
    Ok(())
}

/// Strict `paramtobool` for `verbose`.
pub(super) fn verbose_flag(args: &Args, i: usize) -> RpcResult<bool> {
    match args.get(i) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid("Invalid parameter value type, should be boolean")),
    }
}

pub(super) fn count_param(args: &Args, i: usize, default: u64) -> RpcResult<u64> {
    match args.get(i) {
        None => Ok(default),
        Some(v) => match v.as_i64() {
            Some(c) if c >= 0 && (v.is_i64() || v.is_u64()) => Ok(c as u64),
            _ => Err(invalid("Invalid count")),
        },
    }
}

pub(super) fn start_param(args: &Args, i: usize) -> RpcResult<Option<i64>> {
    match args.get(i) {
        None => Ok(None),
        Some(v) => match v.as_i64() {
            Some(s) if v.is_i64() || v.is_u64() => Ok(Some(s)),
            _ => Err(invalid("Invalid start")),
        },
    }
}

fn local_ordering(args: &Args, i: usize) -> RpcResult<bool> {
    args.opt_bool(i, false)
}

/// (start, count) within `size`, MultiChain's way (default start = -count).
pub(super) fn window(start: Option<i64>, count: u64, size: u64) -> (u64, u64) {
    let count = count.min(i64::MAX as u64) as i64;
    let (s, c) = super::args::adjust_start_and_count(start.unwrap_or(-count), count, size as i64);
    (s as u64, c as u64)
}

// ----------------------------------------------------------------------------------------
// Rendering

fn format_name(format: u8) -> &'static str {
    match format {
        FORMAT_TEXT => "text",
        FORMAT_JSON => "json",
        _ => "raw",
    }
}

/// An item's `data`: inline, or a reference when larger than `-maxshowndata`.
pub fn shown_data(ctx: &RpcContext, txid: &str, vout: u32, format: u8, data: &[u8]) -> Value {
    if data.len() as i64 > ctx.node.max_shown_data() {
        return json!({"txid": txid, "vout": vout, "format": format_name(format), "size": data.len()});
    }
    data_inline(format, data)
}

fn data_inline(format: u8, data: &[u8]) -> Value {
    match format {
        FORMAT_TEXT => json!({"text": std::str::from_utf8(data).ok()}),
        FORMAT_JSON => json!({"json": ubjson::decode(data).ok()}),
        _ => json!(crate::primitives::hex_text(data)),
    }
}

/// [`shown_data`] as text; raw data, the common case, is written as hex without a `Value`.
fn write_shown_data(
    out: &mut String,
    ctx: &RpcContext,
    txid: &str,
    vout: u32,
    format: u8,
    data: &[u8],
) {
    let inline = data.len() as i64 <= ctx.node.max_shown_data();
    if inline && format != FORMAT_TEXT && format != FORMAT_JSON {
        jsonfmt::write_hex_string(out, data);
    } else {
        jsonfmt::write_compact(out, &shown_data(ctx, txid, vout, format, data));
    }
}

/// One stream item as MultiChain lists it, as a `Value` (see [`write_item`]).
pub fn item_json(ctx: &RpcContext, st: &NodeState, item: &Item, verbose: bool) -> Value {
    let mut text = String::new();
    write_item(&mut text, ctx, st, item, verbose, ItemData::Placeholder);
    // Read back without the data: a published JSON object is not always read back as itself
    // (with `arbitrary_precision`, serde_json takes an object keyed by its private number
    // token for a number), so the data goes in as the `Value` it is.
    let mut value: Value = serde_json::from_str(&text).expect("written as JSON, without data");
    let txid = crate::primitives::txid_text(&item.txid);
    value["data"] = shown_data(ctx, &txid, item.vout, item.format, &item.data);
    value
}

/// Whether [`write_item`] writes the item's data or a `null` in its place.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ItemData {
    Written,
    Placeholder,
}

/// One stream item as MultiChain lists it, written straight to JSON text: the listing
/// commands answer thousands of calls a second, and a map per item cost more than the
/// item's reads.
fn write_item(
    out: &mut String,
    ctx: &RpcContext,
    st: &NodeState,
    item: &Item,
    verbose: bool,
    data: ItemData,
) {
    let tip = st.tip_height();
    let txid = crate::primitives::txid_text(&item.txid);
    let mut o = ObjectWriter::begin(out);
    o.strings(
        "publishers",
        item.publishers.iter().map(|p| ctx.node.address_string(p)),
    );
    o.strings("keys", item.keys.iter().map(|k| String::from_utf8_lossy(k)));
    o.boolean("offchain", false);
    o.boolean("available", true);
    match data {
        ItemData::Written => write_shown_data(
            o.member("data"),
            ctx,
            &txid,
            item.vout,
            item.format,
            &item.data,
        ),
        ItemData::Placeholder => o.value("data", &Value::Null),
    }
    let confirmations = item.block.map_or(0, |(h, _)| tip.saturating_sub(h) + 1);
    o.uint("confirmations", confirmations.into());
    let block = item
        .block
        .and_then(|(h, i)| st.blocks.get(h as usize).map(|b| (h, i, b)));
    if verbose {
        if let Some((h, i, b)) = block {
            o.string("blockhash", &b.hash.to_string());
            o.uint("blockheight", h.into());
            o.uint("blockindex", i.into());
            o.uint("blocktime", b.time.into());
        }
        o.string("txid", &txid);
        o.uint("vout", item.vout.into());
        o.boolean("valid", true);
        let time = block.map_or(item.time, |(_, _, b)| item.time.min(b.time));
        o.uint("time", time.into());
        o.uint("timereceived", item.time.into());
    } else {
        if let Some((_, _, b)) = block {
            o.uint("blocktime", b.time.into());
        }
        o.string("txid", &txid);
    }
    o.end();
}

fn key_text(k: &[u8]) -> String {
    String::from_utf8_lossy(k).into_owned()
}

/// A list of items as JSON text.
pub(super) fn items_text(
    ctx: &RpcContext,
    st: &NodeState,
    items: &[Item],
    verbose: bool,
) -> String {
    let mut out = String::with_capacity(64 + items.len() * (400 + 2 * ITEM_DATA_GUESS));
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_item(&mut out, ctx, st, item, verbose, ItemData::Written);
    }
    out.push(']');
    out
}

/// Bytes of data expected per item, for reserving the text of a listing at once.
const ITEM_DATA_GUESS: usize = 256;

/// The stream object of liststreams / getstreaminfo.
fn stream_json(
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
    m.insert("createtxid".into(), json!(e.txid.to_string()));
    m.insert("streamref".into(), entities::reference_json(e));
    m.insert("restrict".into(), entities::stream_restrict(e));
    if verbose {
        m.insert(
            "salted".into(),
            json!(e.restrictions() & ent::RESTRICT_SALTED != 0),
        );
    }
    m.insert("details".into(), entities::details(e));
    if verbose {
        m.insert("creators".into(), entities::addresses(ctx, &e.creators));
        if listing {
            m.insert("filters".into(), json!([]));
        }
    }
    if !listing {
        return Ok(Value::Object(m));
    }
    let id = e.short_id();
    let subscribed = st.streams.is_subscribed(&id);
    m.insert("subscribed".into(), json!(subscribed));
    if subscribed {
        m.insert("retrieve".into(), json!(true));
        let readable = e.restricted_permissions() as u32 & permission::READ == 0;
        m.insert("canretrieve".into(), json!(readable));
        m.insert(
            "indexes".into(),
            json!({"items": true, "keys": true, "publishers": true, "items-local": true, "keys-local": true, "publishers-local": true}),
        );
        m.insert("synchronized".into(), json!(true));
        m.insert("items".into(), json!(st.streams.total(&id)));
        m.insert("confirmed".into(), json!(st.streams.confirmed(&id).items));
        let keys = st.streams.index_list(&ctx.node.ledger, &id, b'k')?.len();
        let publishers = st.streams.index_list(&ctx.node.ledger, &id, b'p')?.len();
        m.insert("keys".into(), json!(keys));
        m.insert("publishers".into(), json!(publishers));
    }
    Ok(Value::Object(m))
}

// ----------------------------------------------------------------------------------------
// create / createfrom

fn create(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, usize::MAX)?;
    create_common(ctx, args, None)
}

fn createfrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, usize::MAX)?;
    let from = super::args::from_address(ctx, args.get(0))?;
    create_common(ctx, args, Some(from))
}

/// `create type name open ( custom-fields )`, with `off` = 1 for createfrom.
fn create_common(ctx: &RpcContext, args: &Args, from: Option<Option<Address>>) -> RpcResult<Value> {
    let off = from.is_some() as usize;
    let kind = args.str(off)?;
    match kind {
        "stream" => {}
        "upgrade" | "variable" | "library" => {
            return Err(RpcError::new(
                RPC_NOT_SUPPORTED,
                format!("Creating entities of type {kind} is not supported by this node yet"),
            ))
        }
        "txfilter" | "streamfilter" => {
            return Err(RpcError::new(
                RPC_NOT_SUPPORTED,
                "Filters are not supported: this node runs with smart filters disabled",
            ))
        }
        _ => return Err(invalid("Invalid entity type")),
    }
    if args.len() < off + 3 {
        return Err(RpcError::new(RPC_MISC_ERROR, super::dispatch::SHOW_HELP));
    }
    let name = match &args.values[off + 1] {
        Value::String(s) => s.clone(),
        _ => return Err(invalid("Invalid stream name, should be string")),
    };
    if name == "*" {
        return Err(invalid("Invalid stream name: *"));
    }
    if looks_like_reference(&name) {
        return Err(invalid(
            "Invalid stream name, looks like a stream reference",
        ));
    }
    {
        let st = ctx.node.state.read();
        if !name.is_empty() {
            if st.view().entity_by_name(&name).is_some() {
                return Err(RpcError::new(
                    RPC_DUPLICATE_NAME,
                    "Entity with this name already exists",
                ));
            }
            if name.len() == 64 || name.len() > 32 || !crate::chain::entities::valid_name(&name) {
                return Err(invalid("Invalid stream name"));
            }
        }
    }
    let (permissions, restrictions) = open_flag(&args.values[off + 2])?;
    let mut details = Details::default();
    details.set(ent::FIELD_PERMISSIONS, vec![permissions]);
    if restrictions != 0 {
        details.set(ent::FIELD_RESTRICTIONS, vec![restrictions]);
    }
    if !name.is_empty() {
        details.set(ent::FIELD_NAME, name.as_bytes().to_vec());
    }
    if let Some(fields) = args.get(off + 3) {
        details.set(ent::FIELD_JSON_DETAILS, custom_fields(fields)?);
    }
    let txid = ctx.node.create_stream(from.flatten(), details)?;
    Ok(json!(txid.to_string()))
}

/// The `open` parameter of `create stream`: (permissions byte, restrictions byte).
fn open_flag(v: &Value) -> RpcResult<(u8, u8)> {
    match v {
        Value::Bool(open) => StreamFlags::open(*open).finish(),
        Value::Object(o) => {
            let mut flags = StreamFlags::open(true);
            let mut told_salted = false;
            for (k, val) in o {
                match k.as_str() {
                    "restrict" => {
                        flags.restrict(val)?;
                        // As in MultiChain's create, a restrict after salted clears the salt
                        // but still counts as told (a read-restricted stream stays unsalted).
                        if told_salted {
                            flags.salted(false);
                        }
                    }
                    "salted" => {
                        told_salted = true;
                        flags.salted(
                            val.as_bool()
                                .ok_or_else(|| invalid("Invalid salted, should be boolean"))?,
                        );
                    }
                    _ => return Err(invalid("Invalid field, should be restrict or salted")),
                }
            }
            flags.finish()
        }
        _ => Err(invalid("Invalid open flag, should be boolean or object")),
    }
}

// ----------------------------------------------------------------------------------------
// liststreams / getstreaminfo / subscribe / unsubscribe

fn liststreams(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 4)?;
    let count = count_param(args, 2, u64::MAX)?;
    let start = start_param(args, 3)?;
    let st = ctx.node.state.read();
    let mut list = entities::listed(&st, entities::Kind::Stream, args.get(0), stream_param)?;
    let verbose = verbose_flag(args, 1)?;
    let (s, c) = window(start, count, list.len() as u64);
    list = list.into_iter().skip(s as usize).take(c as usize).collect();
    let out = list
        .iter()
        .map(|e| stream_json(ctx, &st, e, verbose, true))
        .collect::<RpcResult<Vec<_>>>()?;
    Ok(Value::Array(out))
}

fn getstreaminfo(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    if !args.values[0].is_string() {
        return Err(invalid("Invalid stream identifier, expected string"));
    }
    let st = ctx.node.state.read();
    let e = stream_param(&st, &args.values[0]).map_err(|e| {
        RpcError::new(
            e.code,
            e.message
                .replace("with this stream reference", "with this reference"),
        )
    })?;
    let verbose = verbose_flag(args, 1)?;
    stream_json(ctx, &st, &e, verbose, false)
}

/// Resolver C: any entity (subscribe/unsubscribe).
pub fn any_entity(st: &NodeState, s: &str) -> RpcResult<Entity> {
    if s.is_empty() {
        return Err(invalid("Invalid entity identifier"));
    }
    if s.len() != 64 && s.len() > 32 {
        return Err(invalid(&format!("Could not parse entity key: {s}")));
    }
    resolve(st, s, Kind::Stream)
        .or_else(|_| resolve(st, s, Kind::Asset))
        .map_err(|e| {
            RpcError::new(
                e.code,
                e.message
                    .replacen("Stream", "Entity", 1)
                    .replacen("Asset", "Entity", 1),
            )
        })
}

fn identifiers(v: &Value) -> RpcResult<Vec<String>> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        other => super::args::string_list(other),
    }
}

fn subscribe(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 3)?;
    if args.len() > 2 {
        return Err(enterprise_only("Controlled subscriptions"));
    }
    let ids = identifiers(&args.values[0])?;
    let found = {
        let st = ctx.node.state.read();
        ids.iter()
            .map(|s| any_entity(&st, s))
            .collect::<RpcResult<Vec<_>>>()?
    };
    for e in &found {
        if e.is_stream() && e.restricted_permissions() as u32 & permission::READ != 0 {
            return Err(enterprise_only("Subscribing to read-restricted stream"));
        }
    }
    for e in found {
        ctx.node.subscribe(&e.short_id())?;
    }
    Ok(Value::Null)
}

fn unsubscribe(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    let ids = identifiers(&args.values[0])?;
    if let Some(p) = args.get(1) {
        if !p.is_boolean() {
            return Err(invalid(
                "Invalid value for 'purge' field, should be boolean",
            ));
        }
    }
    let found = {
        let st = ctx.node.state.read();
        ids.iter()
            .map(|s| any_entity(&st, s))
            .collect::<RpcResult<Vec<_>>>()?
    };
    for e in found {
        ctx.node.unsubscribe(&e.short_id())?;
    }
    Ok(Value::Null)
}

// ----------------------------------------------------------------------------------------
// publish

/// Parses item data (`ParseRawFormattedData`): hex, `{"text"}`, `{"json"}`, or `{"cache"}`
/// (a binary cache item's bytes, as raw data).
pub fn parse_data(ctx: &RpcContext, v: &Value) -> RpcResult<(u8, Vec<u8>)> {
    let not_data = || invalid("data should be hexadecimal string or recognized object");
    match v {
        Value::String(s) => {
            if !s.len().is_multiple_of(2) {
                return Err(not_data());
            }
            hex::decode(s)
                .map(|d| (FORMAT_RAW, d))
                .map_err(|_| not_data())
        }
        Value::Object(o) => {
            if o.len() != 1 {
                return Err(invalid("data should be object with single element"));
            }
            let (k, val) = o.iter().next().expect("one element");
            match k.as_str() {
                "text" => val
                    .as_str()
                    .map(|s| (FORMAT_TEXT, s.as_bytes().to_vec()))
                    .ok_or_else(|| invalid("value in data object should be string")),
                "json" => ubjson::encode(val).map(|b| (FORMAT_JSON, b)).map_err(|_| {
                    invalid("Couldn't transfer JSON object to internal UBJSON format")
                }),
                "cache" => {
                    let id = val.as_str().ok_or_else(|| {
                        invalid("cache identifier in data object should be string")
                    })?;
                    let max = ctx.node.rules.max_op_return_size as u64;
                    Ok((FORMAT_RAW, ctx.node.binary_cache().read(id, max)?))
                }
                "chunks" => Err(RpcError::new(
                    RPC_NOT_SUPPORTED,
                    format!("Item data type {k} is not supported by this node yet"),
                )),
                other => Err(RpcError::new(
                    RPC_NOT_SUPPORTED,
                    format!("Unsupported item data type: {other}"),
                )),
            }
        }
        _ => Err(not_data()),
    }
}

fn parse_keys(v: &Value) -> RpcResult<Vec<Vec<u8>>> {
    let one = |k: &Value| -> RpcResult<Vec<u8>> {
        let s = k
            .as_str()
            .ok_or_else(|| invalid("Item key should be string"))?;
        if s.len() > MAX_KEY {
            return Err(invalid("Item key is too long"));
        }
        if s == "*" {
            return Err(invalid("Invalid item-key-string: *"));
        }
        Ok(s.as_bytes().to_vec())
    };
    match v {
        Value::String(_) => Ok(vec![one(v)?]),
        Value::Array(a) if a.is_empty() => Err(invalid("Item keys array cannot be empty")),
        Value::Array(a) => a.iter().map(one).collect(),
        _ => Err(invalid("Item keys should be either string or array")),
    }
}

fn publish_options(v: Option<&Value>) -> RpcResult<()> {
    match v {
        None => Ok(()),
        Some(Value::String(s)) if s.is_empty() => Ok(()),
        Some(Value::String(s)) if s == "offchain" => Err(RpcError::new(
            RPC_NOT_SUPPORTED,
            "Off-chain items are not supported by this node yet",
        )),
        Some(_) => Err(invalid("Stream item options must be offchain or empty")),
    }
}

fn publish(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 4)?;
    publish_common(ctx, args, None)
}

fn publishfrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(4, 5)?;
    let from = super::args::from_address(ctx, args.get(0))?;
    publish_common(ctx, args, Some(from))
}

fn publish_common(
    ctx: &RpcContext,
    args: &Args,
    from: Option<Option<Address>>,
) -> RpcResult<Value> {
    let off = from.is_some() as usize;
    let from = from.flatten();
    // Parsed before taking the lock; reported in MultiChain's order: the stream and its
    // publisher, keys and options, what the stream allows, then the data.
    let keys = parse_keys(&args.values[off + 1]).and_then(|keys| {
        publish_options(args.get(off + 3))?;
        Ok(keys)
    });
    let data = parse_data(ctx, &args.values[off + 2]);
    // One lock for checking and publishing: under load every extra acquisition waits.
    let txid = ctx.node.publish_with(from, |st| -> RpcResult<_> {
        let stream = stream_param(st, &args.values[off])?;
        check_publisher_in(ctx, st, &stream, from)?;
        let keys = keys?;
        check_publishable(&stream)?;
        let (format, data) = data?;
        Ok((stream, vec![ItemSpec { keys, format, data }]))
    })?;
    Ok(json!(txid.to_string()))
}

fn check_publishable(stream: &Entity) -> RpcResult<()> {
    if stream.restrictions() & ent::RESTRICT_ONCHAIN != 0 {
        return Err(RpcError::new(
            RPC_NOT_ALLOWED,
            "Publishing onchain items is not allowed to this stream",
        ));
    }
    if stream.restricted_permissions() as u32 & permission::READ != 0 {
        return Err(enterprise_only("Publishing to read-restricted stream"));
    }
    Ok(())
}

/// MultiChain's publish-permission messages, checked before building anything.
fn check_publisher(ctx: &RpcContext, stream: &Entity, from: Option<Address>) -> RpcResult<()> {
    check_publisher_in(ctx, &ctx.node.state.read(), stream, from)
}

fn check_publisher_in(
    ctx: &RpcContext,
    st: &NodeState,
    stream: &Entity,
    from: Option<Address>,
) -> RpcResult<()> {
    let node = &ctx.node;
    let id = stream.short_id();
    let closed = stream.restricted_permissions() as u32 & permission::WRITE != 0;
    let can_write = |a: &Address| {
        !closed
            || crate::chain::state::has_entity_permission(
                &st.view(),
                &id,
                a,
                permission::WRITE,
                st.next_height(),
            )
    };
    match from {
        Some(a) => {
            if !st.wallet.is_mine(&a) {
                return Err(RpcError::new(
                    RPC_WALLET_ADDRESS_NOT_FOUND,
                    "Private key for from-address is not found in this wallet",
                ));
            }
            if !can_write(&a) {
                return Err(RpcError::new(
                    RPC_INSUFFICIENT_PERMISSIONS,
                    "Publishing in this stream is not allowed from this address",
                ));
            }
            if !st.has_permission(node, &a, permission::SEND) {
                return Err(RpcError::new(
                    RPC_INSUFFICIENT_PERMISSIONS,
                    "from-address doesn't have send permission",
                ));
            }
        }
        None => {
            let any = st
                .wallet
                .addresses()
                .any(|a| can_write(a) && st.has_permission(node, a, permission::SEND));
            if !any {
                return Err(RpcError::new(
                    RPC_INSUFFICIENT_PERMISSIONS,
                    "This wallet contains no addresses with permission to write to this stream and global send permission.",
                ));
            }
        }
    }
    Ok(())
}

fn publishmulti(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 3)?;
    publishmulti_common(ctx, args, None)
}

fn publishmultifrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 4)?;
    let from = super::args::from_address(ctx, args.get(0))?;
    publishmulti_common(ctx, args, Some(from))
}

fn publishmulti_common(
    ctx: &RpcContext,
    args: &Args,
    from: Option<Option<Address>>,
) -> RpcResult<Value> {
    let off = from.is_some() as usize;
    let default_stream = {
        let st = ctx.node.state.read();
        stream_param(&st, &args.values[off])?
    };
    publish_options(args.get(off + 2))?;
    let from = from.flatten();
    check_publisher(ctx, &default_stream, from)?;
    let items = args.values[off + 1]
        .as_array()
        .ok_or_else(|| invalid("Items should be array"))?;
    let max = ctx.node.rules.max_op_returns;
    if items.len() > max {
        return Err(invalid(&format!(
            "Number of items exceeds {max} (max-std-op-returns-count)"
        )));
    }
    if items.iter().any(|i| !i.is_object()) {
        return Err(invalid("Items should be array of objects"));
    }
    if items.is_empty() {
        return Err(invalid(
            "Either addresses object or data array should not be empty",
        ));
    }
    // All items go to one stream per transaction output; group by their stream.
    let mut specs: Vec<(Entity, ItemSpec)> = Vec::new();
    for item in items {
        let obj = item.as_object().expect("checked above");
        let stream = match obj.get("for") {
            Some(f) => {
                let st = ctx.node.state.read();
                stream_param(&st, f)?
            }
            None => default_stream.clone(),
        };
        if stream.txid != default_stream.txid {
            check_publisher(ctx, &stream, from).map_err(|e| {
                if from.is_some() {
                    RpcError::new(e.code, "Publishing in this stream is not allowed from this address.")
                } else {
                    RpcError::new(
                        e.code,
                        "This wallet contains no addresses with permission to write to all streams and global send permission.",
                    )
                }
            })?;
        }
        specs.push((stream, item_object(ctx, obj)?));
    }
    for (stream, _) in &specs {
        check_publishable(stream)?;
    }
    let txid = ctx.node.publish_multi(from, &specs)?;
    Ok(json!(txid.to_string()))
}

/// The keys and data of an item object (`publishmulti` items, `{"for": …}` raw data), as
/// MultiChain reads them: `key` or `keys`, `data`, `options`; unlike `publish`, a key may be
/// `*`.
pub fn item_object(ctx: &RpcContext, obj: &Map<String, Value>) -> RpcResult<ItemSpec> {
    let mut keys: Option<Vec<Value>> = None;
    let mut data: Option<(u8, Vec<u8>)> = None;
    for (k, v) in obj {
        match k.as_str() {
            "for" => {}
            "options" => publish_options(Some(v))?,
            "key" | "keys" if keys.is_some() => {
                return Err(invalid(
                    "only one of the key fields can appear in the object",
                ))
            }
            "key" if v.is_string() => keys = Some(vec![v.clone()]),
            "key" => return Err(invalid("Invalid key")),
            "keys" => match v {
                Value::Array(a) if a.is_empty() => {
                    return Err(invalid("Invalid keys - should be non-empty array"))
                }
                Value::Array(a) => keys = Some(a.clone()),
                _ => return Err(invalid("Invalid keys - should be array")),
            },
            "data" => data = Some(parse_data(ctx, v)?),
            other => return Err(invalid(&format!("Invalid field: {other}"))),
        }
    }
    let keys = keys.ok_or_else(|| invalid("Missing keys field"))?;
    let (format, data) = data.ok_or_else(|| invalid("Missing data field"))?;
    let keys = keys
        .iter()
        .map(|k| {
            let s = k.as_str().ok_or_else(|| invalid("key should be string"))?;
            if s.len() > MAX_KEY {
                return Err(invalid("Item key is too long"));
            }
            Ok(s.as_bytes().to_vec())
        })
        .collect::<RpcResult<_>>()?;
    Ok(ItemSpec { keys, format, data })
}

// ----------------------------------------------------------------------------------------
// Listing items

fn liststreamitems(ctx: &RpcContext, args: &Args) -> RpcResult<String> {
    args.arity(1, 5)?;
    let verbose = verbose_flag(args, 1)?;
    let count = count_param(args, 2, 10)?;
    let start = start_param(args, 3)?;
    local_ordering(args, 4)?;
    let st = ctx.node.state.read();
    let stream = stream_param(&st, &args.values[0])?;
    require_subscribed(&st, &stream)?;
    let id = stream.short_id();
    let (s, c) = window(start, count, st.streams.total(&id));
    let items = st.streams.items(&ctx.node.ledger, &id, s, c)?;
    Ok(items_text(ctx, &st, &items, verbose))
}

fn index_items(ctx: &RpcContext, args: &Args, publisher: bool) -> RpcResult<String> {
    args.arity(2, 6)?;
    let what = args.str(1)?;
    if what == "*" {
        let mut rest = args.values.clone();
        rest.remove(1);
        return liststreamitems(
            ctx,
            &Args {
                method: "liststreamitems",
                values: rest,
            },
        );
    }
    let verbose = verbose_flag(args, 2)?;
    let count = count_param(args, 3, 10)?;
    let start = start_param(args, 4)?;
    local_ordering(args, 5)?;
    let st = ctx.node.state.read();
    let stream = stream_param(&st, &args.values[0])?;
    require_subscribed(&st, &stream)?;
    let of = index_of(ctx, publisher, what)?;
    let id = stream.short_id();
    let (confirmed, pending) = st.streams.index_counts(&ctx.node.ledger, &id, &of)?;
    let (s, c) = window(start, count, confirmed + pending);
    let items = st
        .streams
        .index_items(&ctx.node.ledger, &id, &of, confirmed, (s, c))?;
    Ok(items_text(ctx, &st, &items, verbose))
}

fn liststreamkeyitems(ctx: &RpcContext, args: &Args) -> RpcResult<String> {
    index_items(ctx, args, false)
}

fn liststreampublisheritems(ctx: &RpcContext, args: &Args) -> RpcResult<String> {
    index_items(ctx, args, true)
}

fn index_list(ctx: &RpcContext, args: &Args, publisher: bool) -> RpcResult<Value> {
    args.arity(1, 6)?;
    let verbose = verbose_flag(args, 2)?;
    let count = count_param(args, 3, u64::MAX)?;
    let start = start_param(args, 4)?;
    local_ordering(args, 5)?;
    let wanted: Option<Vec<String>> = match args.get(1) {
        None => None,
        Some(Value::String(s)) if !publisher => Some(vec![s.clone()]),
        Some(v @ (Value::String(_) | Value::Array(_))) => Some(super::args::string_list(v)?),
        Some(_) => return Err(invalid("Invalid value, expected string or array")),
    };
    if wanted.as_ref().is_some_and(|w| w.is_empty()) {
        return Ok(Value::Null);
    }
    let st = ctx.node.state.read();
    let stream = stream_param(&st, &args.values[0])?;
    require_subscribed(&st, &stream)?;
    let id = stream.short_id();
    let ledger = &ctx.node.ledger;
    let list: Vec<IndexOf> = match wanted {
        Some(w) if w != ["*"] => w
            .iter()
            .map(|s| {
                if publisher {
                    ctx.node
                        .format
                        .decode_address(s)
                        .map(IndexOf::Publisher)
                        .map_err(|_| RpcError::new(RPC_INVALID_ADDRESS_OR_KEY, "Invalid address"))
                } else {
                    Ok(IndexOf::Key(s.as_bytes().to_vec()))
                }
            })
            .collect::<RpcResult<_>>()?,
        _ => st
            .streams
            .index_list(ledger, &id, if publisher { b'p' } else { b'k' })?,
    };
    let (s, c) = window(start, count, list.len() as u64);
    let mut out = Vec::new();
    for of in list.iter().skip(s as usize).take(c as usize) {
        let (confirmed, pending) = st.streams.index_counts(ledger, &id, of)?;
        let mut m = Map::new();
        match of {
            IndexOf::Key(k) => m.insert("key".into(), json!(key_text(k))),
            IndexOf::Publisher(a) => {
                m.insert("publisher".into(), json!(ctx.node.format.encode_address(a)))
            }
        };
        m.insert("items".into(), json!(confirmed + pending));
        m.insert("confirmed".into(), json!(confirmed));
        let total = confirmed + pending;
        if verbose && total > 0 {
            let first = st.streams.index_items(ledger, &id, of, confirmed, (0, 1))?;
            let last = st
                .streams
                .index_items(ledger, &id, of, confirmed, (total - 1, 1))?;
            if let (Some(f), Some(l)) = (first.first(), last.first()) {
                m.insert("first".into(), item_json(ctx, &st, f, true));
                m.insert("last".into(), item_json(ctx, &st, l, true));
            }
        }
        out.push(Value::Object(m));
    }
    Ok(Value::Array(out))
}

fn liststreamkeys(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    index_list(ctx, args, false)
}

fn liststreampublishers(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    index_list(ctx, args, true)
}

/// Items of `stream` published by a transaction (confirmed or in the mempool).
fn tx_items(
    ctx: &RpcContext,
    st: &NodeState,
    stream: &Entity,
    txid: &bitcoin::Txid,
) -> RpcResult<Vec<Item>> {
    let id = stream.short_id();
    if let Some(p) = st.streams.pending.get(&id) {
        let found: Vec<Item> = p
            .items
            .iter()
            .filter(|i| i.txid() == txid)
            .map(|i| i.item())
            .collect();
        if !found.is_empty() {
            return Ok(found);
        }
    }
    let mut out = Vec::new();
    for (s, seq) in ctx.node.ledger.tx_items(txid)? {
        if s == id {
            if let Some(item) = ctx.node.ledger.stream_item(&s, seq)? {
                out.push(Item::from(item));
            }
        }
    }
    Ok(out)
}

fn txid_param(s: &str) -> RpcResult<bitcoin::Txid> {
    super::raw::parse_hash(s, "txid")
}

/// As in MultiChain, the items `liststreamtxitems` gives for the same arguments, if just one.
fn getstreamitem(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    let items = liststreamtxitems(ctx, args)?;
    match items.as_array().map(Vec::as_slice) {
        Some([one]) => Ok(one.clone()),
        Some([]) | None => Err(RpcError::new(
            RPC_TX_NOT_FOUND,
            "This transaction was not found in this stream",
        )),
        Some(_) => Err(RpcError::new(
            RPC_NOT_ALLOWED,
            "This transaction has more than one output for this stream, please use liststreamtxitems",
        )),
    }
}

fn liststreamtxitems(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 3)?;
    let verbose = verbose_flag(args, 2)?;
    let txids = super::args::string_list(&args.values[1])?
        .iter()
        .map(|s| txid_param(s))
        .collect::<RpcResult<Vec<_>>>()?;
    let st = ctx.node.state.read();
    let stream = stream_param(&st, &args.values[0])?;
    let mut out = Vec::new();
    for t in txids {
        for item in tx_items(ctx, &st, &stream, &t)? {
            out.push(item_json(ctx, &st, &item, verbose));
        }
    }
    Ok(Value::Array(out))
}

fn liststreamblockitems(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 5)?;
    let st = ctx.node.state.read();
    let stream = stream_param(&st, &args.values[0])?;
    let verbose = verbose_flag(args, 2)?;
    let count = count_param(args, 3, u64::MAX)?;
    let start = start_param(args, 4)?;
    let heights = super::blockchain::parse_block_set(&args.values[1], &st.blocks)?;
    if heights.is_empty() {
        return Ok(json!([]));
    }
    require_subscribed(&st, &stream)?;
    // count and start choose among the blocks' transactions with items in this stream; only
    // the chosen ones' items are read. Mined transactions are never pending: the ledger alone
    // knows their items.
    let id = stream.short_id();
    let mut with_items: Vec<Vec<u64>> = Vec::new();
    for h in heights {
        for txid in ctx
            .node
            .ledger
            .block_txids(h)?
            .unwrap_or_default()
            .iter()
            .skip(1)
        {
            let seqs: Vec<u64> = ctx
                .node
                .ledger
                .tx_items(txid)?
                .into_iter()
                .filter(|(s, _)| *s == id)
                .map(|(_, seq)| seq)
                .collect();
            if !seqs.is_empty() {
                with_items.push(seqs);
            }
        }
    }
    let (s, c) = window(start, count, with_items.len() as u64);
    let mut out = Vec::new();
    for seq in with_items
        .iter()
        .skip(s as usize)
        .take(c as usize)
        .flatten()
    {
        if let Some(item) = ctx.node.ledger.stream_item(&id, *seq)? {
            out.push(item_json(ctx, &st, &Item::from(item), verbose));
        }
    }
    Ok(Value::Array(out))
}

// ----------------------------------------------------------------------------------------
// gettxoutdata

fn gettxoutdata(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 4)?;
    let slice = output_slice(ctx, args, 0)?;
    let OutputSlice { format, data, .. } = &slice;
    if *format != FORMAT_RAW {
        if slice.start != 0 {
            return Err(invalid("Invalid start, must be 0 for text and JSON data"));
        }
        if slice.count != data.len() {
            return Err(invalid("Invalid count, must include all text or JSON data"));
        }
        return Ok(data_inline(*format, data));
    }
    if slice.count > 64 * 1024 * 1024 {
        return Err(invalid("Invalid count, must be below 64MB"));
    }
    Ok(json!(hex::encode(slice.bytes())))
}

/// An output's data and the part of it asked for (`gettxoutdata`, `txouttobinarycache`).
pub(super) struct OutputSlice {
    pub format: u8,
    pub data: Vec<u8>,
    pub start: usize,
    pub count: usize,
}

impl OutputSlice {
    pub fn bytes(&self) -> &[u8] {
        &self.data[self.start..self.start + self.count]
    }
}

/// Reads `txid vout ( count start )` from `args[first..]` and finds that output's data,
/// with MultiChain's checks in its order; a negative start counts from the end.
pub(super) fn output_slice(ctx: &RpcContext, args: &Args, first: usize) -> RpcResult<OutputSlice> {
    let txid_text = args.str(first)?;
    if args.values[first + 1].is_string() {
        return Err(invalid("Invalid data reference"));
    }
    let vout = super::args::int_of(&args.values[first + 1])?;
    let not_found = || {
        RpcError::new(
            RPC_TX_NOT_FOUND,
            "No information available about transaction",
        )
    };
    let txid: bitcoin::Txid = txid_text.parse().map_err(|_| not_found())?;
    let tx = super::raw::find_transaction(ctx, &txid)?
        .ok_or_else(not_found)?
        .0;
    if vout < 0 || vout as usize >= tx.output.len() {
        return Err(RpcError::new(RPC_OUTPUT_NOT_FOUND, "Invalid vout"));
    }
    let (format, data) = output_data(&tx.output[vout as usize].script_pubkey)
        .ok_or_else(|| RpcError::new(RPC_OUTPUT_NOT_DATA, "Output without metadata"))?;
    let size = data.len() as i64;
    let count = match args.get(first + 2) {
        None => size,
        Some(v) => match v.as_i64() {
            Some(c) if c >= 0 && (v.is_i64() || v.is_u64()) => c,
            _ => return Err(invalid("Invalid count")),
        },
    };
    let mut start = match args.get(first + 3) {
        None => 0,
        Some(v) => match v.as_i64() {
            Some(s) if v.is_i64() || v.is_u64() => s,
            _ => return Err(invalid("Invalid start")),
        },
    };
    if start < 0 {
        start = (start + size).max(0);
    }
    start = start.min(size);
    let count = count.min(size - start);
    Ok(OutputSlice {
        format,
        data,
        start: start as usize,
        count: count as usize,
    })
}

/// The data an output carries: (format, bytes) of an OP_RETURN payload.
pub fn output_data(script: &bitcoin::Script) -> Option<(u8, Vec<u8>)> {
    let parsed = crate::primitives::script::parse(script)?;
    let crate::primitives::script::Destination::NullData(data) = &parsed.destination else {
        return None;
    };
    let format = parsed
        .decoded()?
        .iter()
        .find_map(|e| match e {
            crate::primitives::script::Element::Format(f) => Some(*f),
            _ => None,
        })
        .unwrap_or(FORMAT_RAW);
    Some((format, data.clone().unwrap_or_default()))
}
