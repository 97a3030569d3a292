//! Commands of the entity kinds this node cannot create yet (roadmap): smart filters, upgrades,
//! variables and libraries. Creating one is refused (`create`), so none exists: the lists are
//! empty, naming one (`getvariableinfo`, `getfiltercode`, `runtxfilter`, …) gets MultiChain's
//! answer for an identifier that is not of that kind, and running code that is not on the
//! chain (`testtxfilter`, `teststreamfilter`, `testlibrary`) is refused with -702.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::*;
use serde_json::{json, Value};

/// Fewest and most arguments, which argument is the identifier, and the kind it names.
type Naming = (usize, usize, usize, &'static str);

/// Commands that only name an entity of a kind.
const NAMING: [(&str, Naming); 9] = [
    ("getvariablevalue", (1, 1, 0, "variable")),
    ("setvariablevalue", (1, 2, 0, "variable")),
    ("setvariablevaluefrom", (2, 3, 1, "variable")),
    ("getlibrarycode", (1, 2, 0, "library")),
    ("addlibraryupdate", (3, 3, 0, "library")),
    ("addlibraryupdatefrom", (4, 4, 1, "library")),
    ("getfiltercode", (1, 1, 0, "filter")),
    ("runtxfilter", (1, 2, 0, "filter")),
    ("runstreamfilter", (1, 3, 0, "filter")),
];

/// Commands that run code given with them: (name, fewest and most arguments, what it does).
const CODE_RUNS: [(&str, (usize, usize, &str)); 3] = [
    ("testtxfilter", (2, 3, "Testing filter code")),
    ("teststreamfilter", (2, 4, "Testing filter code")),
    ("testlibrary", (0, 3, "Testing library code")),
];

/// What a filter's code calls to see the transaction or item it is judging; over JSON-RPC
/// MultiChain answers them all alike, whatever the arguments.
const FILTER_CALLBACKS: [&str; 8] = [
    "getfilterstreamitem",
    "getfilterstream",
    "getfiltertransaction",
    "getfilterassetbalances",
    "getfiltertokenbalances",
    "getfiltertxid",
    "getfiltertxinput",
    "setfilterparam",
];

fn filter_callback(_: &RpcContext, _: &Args) -> RpcResult<Value> {
    Err(RpcError::new(
        RPC_METHOD_NOT_FOUND,
        "This method can only be called from within a filter",
    ))
}

pub fn methods() -> impl Iterator<Item = (&'static str, Handler)> {
    let own: [(&'static str, Handler); 8] = [
        ("listtxfilters", listtxfilters),
        ("liststreamfilters", liststreamfilters),
        ("listupgrades", listupgrades),
        ("listvariables", listvariables),
        ("listlibraries", listlibraries),
        ("getvariableinfo", getvariableinfo),
        ("getvariablehistory", getvariablehistory),
        ("approvefrom", approvefrom),
    ];
    own.into_iter()
        .chain(NAMING.iter().map(|row| (row.0, naming as Handler)))
        .chain(CODE_RUNS.iter().map(|row| (row.0, code_run as Handler)))
        .chain(FILTER_CALLBACKS.map(|name| (name, filter_callback as Handler)))
}

/// One handler for every command in [`NAMING`]: it finds its row by the method's name.
fn naming(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    let (min, max, at, kind) = args.row_of(&NAMING)?;
    args.arity(min, max)?;
    Err(no_such(ctx, args, at, kind))
}

/// One handler for every command in [`CODE_RUNS`]: running code needs the JavaScript engine
/// this node does not have yet.
fn code_run(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    let (min, max, what) = args.row_of(&CODE_RUNS)?;
    args.arity(min, max)?;
    Err(RpcError::new(
        RPC_NOT_SUPPORTED,
        format!("{what} is not supported: this node runs with smart filters disabled"),
    ))
}

/// The identifier at `i` as MultiChain's `ParseEntityIdentifier` reads it for `kind`, when no
/// entity of that kind exists: always an error.
fn no_such(ctx: &RpcContext, args: &Args, i: usize, kind: &str) -> RpcError {
    match args.get(i) {
        None | Some(Value::Null) => {
            RpcError::invalid_parameter(format!("Invalid {kind} identifier"))
        }
        Some(Value::String(s)) if s.is_empty() => {
            RpcError::invalid_parameter(format!("Invalid {kind} identifier"))
        }
        Some(Value::String(s)) => not_of_kind(ctx, s, kind),
        Some(other) => super::args::type_error(other, "str"),
    }
}

fn getvariableinfo(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    if !args.values[0].is_string() {
        return Err(RpcError::invalid_parameter(
            "Invalid variable identifier, expected string",
        ));
    }
    Err(no_such(ctx, args, 0, "variable"))
}

/// `getvariablehistory identifier ( verbose count start )`: count and start are read first.
fn getvariablehistory(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 4)?;
    super::assets::count_and_start(args, 2, i32::MAX as i64)?;
    Err(no_such(ctx, args, 0, "variable"))
}

/// `approvefrom "from" "upgrade|filter|library" approve`: only those kinds are approved, and
/// none exists here, so the identifier is either unknown or of another kind.
fn approvefrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, usize::MAX)?;
    let id = args.str(1)?;
    let st = ctx.node.state.read();
    match super::streams::any_entity(&st, id) {
        Ok(_) => Err(RpcError::new(
            RPC_ENTITY_NOT_FOUND,
            "Invalid identifier, should be upgrade or filter",
        )),
        Err(e) => Err(e),
    }
}

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
