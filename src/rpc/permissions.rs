//! grant, grantfrom, revoke, revokefrom, listpermissions, verifypermission.

use super::args::{address_list, lenient_bool, one_address, Args};
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult, RPC_TYPE_ERROR};
use crate::node::actions::GrantRequest;
use crate::primitives::permission;
use serde_json::{json, Map, Value};

pub const METHODS: [(&str, Handler); 6] = [
    ("grant", grant),
    ("grantfrom", grantfrom),
    ("revoke", revoke),
    ("revokefrom", revokefrom),
    ("listpermissions", listpermissions),
    ("verifypermission", verifypermission),
];

const ENTITY_NOT_FOUND: i32 = -708;

/// Global permission bits from a list like `connect,send,recv`; `x.perm` names an entity.
fn permission_bits(text: &str) -> RpcResult<u32> {
    if let Some((entity, _)) = text.rsplit_once('.') {
        return Err(RpcError::new(
            ENTITY_NOT_FOUND,
            format!("Entity with this identifier not found: {entity}"),
        ));
    }
    permission::parse_list(text, permission::GLOBAL_ALL)
        .ok_or_else(|| RpcError::invalid_parameter("Invalid permission"))
}

/// A native amount in display units → raw units (`AmountFromValue`).
fn native_amount(ctx: &RpcContext, v: Option<&Value>) -> RpcResult<u64> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(0);
    };
    let x = match v {
        Value::Number(n) => n.as_f64().unwrap_or(-1.0),
        other => {
            return Err(RpcError::misc(format!(
                "value is type {}, expected real",
                super::args::type_name(other)
            )))
        }
    };
    let multiple = ctx.node.params.int("native-currency-multiple").max(1) as f64;
    let raw = (x * multiple).round();
    if !(0.0..=9.2e18).contains(&raw) || !x.is_finite() {
        return Err(RpcError::new(RPC_TYPE_ERROR, "Invalid amount"));
    }
    Ok(raw as u64)
}

fn block_bound(
    v: Option<&Value>,
    default: u32,
    name: &str,
    allow_minus_one: bool,
) -> RpcResult<u32> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(default);
    };
    let n = match v {
        Value::Number(n) if n.is_i64() || n.is_u64() => n.as_i64().unwrap_or(i64::MAX),
        other => {
            return Err(RpcError::misc(format!(
                "value is type {}, expected int",
                super::args::type_name(other)
            )))
        }
    };
    if allow_minus_one && n == -1 {
        return Ok(default);
    }
    if n < 0 {
        return Err(RpcError::invalid_parameter(if allow_minus_one {
            format!("{name} should be non-negative or -1")
        } else {
            format!("{name} should be non-negative")
        }));
    }
    Ok(n.min(u32::MAX as i64) as u32)
}

/// Shared by the four grant/revoke forms: `offset` is 1 for the `…from` variants.
fn grant_common(ctx: &RpcContext, args: &Args, from_given: bool, revoke: bool) -> RpcResult<Value> {
    let off = from_given as usize;
    let from = if from_given {
        Some(one_address(args.str(0)?, &ctx.node.format).map_err(|_| {
            RpcError::new(
                super::errors::RPC_INVALID_ADDRESS_OR_KEY,
                "Invalid from-address",
            )
        })?)
    } else {
        None
    };
    let to = address_list(&args.values[off], &ctx.node.format)?;
    let bits = permission_bits(args.str(off + 1)?)?;
    let amount = native_amount(ctx, args.get(off + 2))?;
    let (start, end) = if revoke {
        (0, 0)
    } else {
        (
            block_bound(args.get(off + 3), 0, "start_block", false)?,
            block_bound(args.get(off + 4), u32::MAX, "end_block", true)?,
        )
    };
    let txid = ctx.node.grant(GrantRequest {
        from,
        to,
        bits,
        native_amount: amount,
        start,
        end,
    })?;
    Ok(json!(txid.to_string()))
}

fn grant(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 7)?;
    grant_common(ctx, args, false, false)
}

fn grantfrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 8)?;
    grant_common(ctx, args, true, false)
}

fn revoke(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 5)?;
    grant_common(ctx, args, false, true)
}

fn revokefrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 6)?;
    grant_common(ctx, args, true, true)
}

fn listpermissions(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 3)?;
    let bits = match args.given(0) {
        None => permission::GLOBAL_ALL,
        Some(Value::String(s)) if s == "*" || s == "all" => permission::GLOBAL_ALL,
        Some(Value::String(s)) => permission_bits(s)?,
        Some(other) => {
            return Err(RpcError::misc(format!(
                "value is type {}, expected str",
                super::args::type_name(other)
            )))
        }
    };
    let addresses = match args.given(1) {
        None => None,
        Some(Value::String(s)) if s == "*" => None,
        Some(v) => Some(address_list(v, &ctx.node.format)?),
    };
    let verbose = args.get(2).map(lenient_bool).unwrap_or(false);
    let st = ctx.node.state.read();
    let mut out = Vec::new();
    for (key, rec) in st.permission_records() {
        if key.entity.is_some() || key.bit & bits == 0 || !rec.is_listed() {
            continue;
        }
        if let Some(list) = &addresses {
            if !list.contains(&key.address) {
                continue;
            }
        }
        let mut m = Map::new();
        m.insert(
            "address".into(),
            json!(ctx.node.format.encode_address(&key.address)),
        );
        m.insert("for".into(), Value::Null);
        m.insert("type".into(), json!(permission::name_of(key.bit)));
        m.insert("startblock".into(), json!(rec.start));
        m.insert("endblock".into(), json!(rec.end));
        if verbose {
            let admins: Vec<Value> = rec
                .admins
                .iter()
                .map(|a| json!(ctx.node.format.encode_address(a)))
                .collect();
            m.insert("admins".into(), Value::Array(admins));
            m.insert("pending".into(), json!([]));
        }
        out.push(Value::Object(m));
    }
    Ok(Value::Array(out))
}

fn verifypermission(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 2)?;
    let address = ctx.node.format.decode_address(args.str(0)?).map_err(|_| {
        RpcError::new(
            super::errors::RPC_INVALID_ADDRESS_OR_KEY,
            format!("Invalid address: {}", args.values[0].as_str().unwrap_or("")),
        )
    })?;
    let bits = permission_bits(args.str(1)?)?;
    if bits.count_ones() != 1 {
        return Err(RpcError::invalid_parameter("Invalid permission"));
    }
    let st = ctx.node.state.read();
    Ok(json!(st.has_permission(&ctx.node, &address, bits)))
}
