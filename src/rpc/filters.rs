//! Listing commands of the entity kinds this node cannot create yet (roadmap): smart filters
//! (`listtxfilters`, `liststreamfilters`), upgrades (`listupgrades`), variables
//! (`listvariables`) and libraries (`listlibraries`). Creating one is refused (`create`), so
//! none exists: the lists are empty, and naming one gets MultiChain's answer for an identifier
//! that is not of that kind.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::*;
use serde_json::{json, Value};

pub const METHODS: [(&str, Handler); 5] = [
    ("listtxfilters", listtxfilters),
    ("liststreamfilters", liststreamfilters),
    ("listupgrades", listupgrades),
    ("listvariables", listvariables),
    ("listlibraries", listlibraries),
];

fn listtxfilters(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 2)?;
    list_filters(ctx, args)
}

fn liststreamfilters(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 3)?;
    list_filters(ctx, args)
}

fn listupgrades(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 1)?;
    list_none(ctx, args, "upgrade")
}

/// `listvariables ( identifier(s) verbose count start )`: count and start are read first.
fn listvariables(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 4)?;
    super::assets::count_and_start(args, 2, i32::MAX as i64)?;
    list_none(ctx, args, "variable")
}

fn listlibraries(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 2)?;
    list_none(ctx, args, "library")
}

/// The identifiers named at argument 0: none for all (absent, null or `*`), `None` for
/// nothing (`""`, which lists nothing).
fn named(args: &Args) -> RpcResult<Option<Vec<String>>> {
    Ok(Some(match args.get(0) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if s.is_empty() => return Ok(None),
        Some(Value::String(s)) if s == "*" => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(v) => super::args::string_list(v)?,
    }))
}

/// MultiChain's answer for an identifier of `kind` when no entity of that kind exists: the
/// identifier's own not-found error, or "not <kind>" for an entity of another kind.
fn not_of_kind(ctx: &RpcContext, name: &str, kind: &str) -> RpcError {
    let st = ctx.node.state.read();
    let mut upper = kind.to_string();
    upper[..1].make_ascii_uppercase();
    match super::streams::any_entity(&st, name) {
        Ok(_) => RpcError::new(
            RPC_ENTITY_NOT_FOUND,
            format!("Invalid {kind} identifier, not {kind}"),
        ),
        Err(e) if e.code == RPC_ENTITY_NOT_FOUND => {
            RpcError::new(e.code, e.message.replacen("Entity", &upper, 1))
        }
        Err(e) => RpcError::new(e.code, e.message.replacen("entity", kind, 1)),
    }
}

/// An empty list, or the error for the first identifier named.
fn list_none(ctx: &RpcContext, args: &Args, kind: &str) -> RpcResult<Value> {
    match named(args)? {
        Some(names) if !names.is_empty() => Err(not_of_kind(ctx, &names[0], kind)),
        _ => Ok(json!([])),
    }
}

/// As [`list_none`], then `verbose`, which must be a boolean (checked after the identifiers,
/// as MultiChain does).
fn list_filters(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    let Some(names) = named(args)? else {
        return Ok(json!([]));
    };
    if let Some(name) = names.first() {
        return Err(not_of_kind(ctx, name, "filter"));
    }
    if args.get(1).is_some_and(|v| !v.is_boolean()) {
        return Err(RpcError::invalid_parameter(
            "Invalid parameter value type, should be boolean",
        ));
    }
    Ok(json!([]))
}
