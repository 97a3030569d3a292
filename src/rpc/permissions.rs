//! grant, grantfrom, revoke, revokefrom, listpermissions, verifypermission, and update /
//! updatefrom (an asset opened or closed: a grant of its open switch).

use super::args::{address_list, from_address, lenient_bool, one_address, type_name, Args};
use super::dispatch::{Handler, RpcContext};
use super::entities::{resolve, Kind};
use super::errors::{RpcError, RpcResult, RPC_NOT_ALLOWED, RPC_NOT_SUBSCRIBED, RPC_TYPE_ERROR};
use crate::chain::entities::Entity;
use crate::chain::state::{PermissionKey, PermissionRecord};
use crate::node::actions::GrantRequest;
use crate::primitives::address::Address;
use crate::primitives::permission;
use serde_json::{json, Map, Value};

pub const METHODS: [(&str, Handler); 12] = [
    ("update", update),
    ("updatefrom", updatefrom),
    ("grant", grant),
    ("grantfrom", grantfrom),
    ("grantwithdata", grantwithdata),
    ("grantwithdatafrom", grantwithdatafrom),
    ("grantwithmetadata", grantwithdata),
    ("grantwithmetadatafrom", grantwithdatafrom),
    ("revoke", revoke),
    ("revokefrom", revokefrom),
    ("listpermissions", listpermissions),
    ("verifypermission", verifypermission),
];

const ENTITY_NOT_FOUND: i32 = -708;

/// Permission bits from a list like `connect,send,recv`, global or for an entity
/// (`stream1.write,admin`, `asset1.issue`).
fn permission_bits(ctx: &RpcContext, text: &str) -> RpcResult<(Option<Entity>, u32)> {
    let invalid = || RpcError::invalid_parameter("Invalid permission");
    match text.rsplit_once('.') {
        None => Ok((
            None,
            permission::parse_list(text, permission::GLOBAL_ALL).ok_or_else(invalid)?,
        )),
        Some((id, list)) => {
            let st = ctx.node.state.read();
            let e = super::entities::resolve(&st, id, super::entities::Kind::Stream)
                .or_else(|_| super::entities::resolve(&st, id, super::entities::Kind::Asset))
                .map_err(|_| {
                    RpcError::new(
                        ENTITY_NOT_FOUND,
                        format!("Entity with this identifier not found: {id}"),
                    )
                })?;
            let allowed = if e.is_stream() {
                permission::WRITE | permission::READ | permission::ADMIN | permission::ACTIVATE
            } else {
                permission::ISSUE
                    | permission::ADMIN
                    | permission::ACTIVATE
                    | permission::SEND
                    | permission::RECEIVE
            };
            let bits = permission::parse_list(list, allowed).ok_or_else(invalid)?;
            Ok((Some(e), bits))
        }
    }
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

/// What a grant command does beside granting.
#[derive(Clone, Copy, PartialEq, Eq)]
enum GrantKind {
    Grant,
    /// `grantwithdata`: a data argument after the permissions.
    WithData,
    Revoke,
}

/// Shared by the six grant/revoke forms: the `…from` variants take the from-address first,
/// and `grantwithdata(from)` its data after the permissions.
fn grant_common(
    ctx: &RpcContext,
    args: &Args,
    from_given: bool,
    kind: GrantKind,
) -> RpcResult<Value> {
    let revoke = kind == GrantKind::Revoke;
    let with_data = kind == GrantKind::WithData;
    let from_arg = from_given as usize;
    // The native amount and the blocks come after the data.
    let off = from_arg + with_data as usize;
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
    let to = address_list(&args.values[from_arg], &ctx.node.format)?;
    let (entity, bits) = permission_bits(ctx, args.str(from_arg + 1)?)?;
    let amount = native_amount(ctx, args.get(off + 2))?;
    let (start, end) = if revoke {
        (0, 0)
    } else {
        (
            block_bound(args.get(off + 3), 0, "start_block", false)?,
            block_bound(args.get(off + 4), u32::MAX, "end_block", true)?,
        )
    };
    let data = if with_data {
        let st = ctx.node.state.read();
        let data = &args.values[from_arg + 2];
        super::raw::data_outputs(ctx, &st, data, super::raw::DataKinds::SEND)?
    } else {
        Vec::new()
    };
    let txid = ctx.node.grant(GrantRequest {
        from,
        to,
        entity: entity.map(|e| e.short_id()),
        bits,
        native_amount: amount,
        start,
        end,
        data,
    })?;
    Ok(json!(txid.to_string()))
}

fn update(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 2)?;
    update_common(ctx, args, false)
}

fn updatefrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 3)?;
    update_common(ctx, args, true)
}

/// `update(from) entity {"open": bool}`: MultiChain's `updatefromcmd`. Only assets that may
/// be opened (`canopen`) or closed (`canclose`) have anything to update; the change is a
/// grant, by an admin of the asset, of its open switch (see `permission::details_address`).
fn update_common(ctx: &RpcContext, args: &Args, from_given: bool) -> RpcResult<Value> {
    let off = from_given as usize;
    let asset = match &args.values[off] {
        Value::String(s) if !s.is_empty() => {
            let st = ctx.node.state.read();
            resolve(&st, s, Kind::Asset).map_err(|e| {
                if resolve(&st, s, Kind::Stream).is_ok() {
                    RpcError::new(RPC_NOT_SUBSCRIBED, "This entity cannot be updated")
                } else {
                    RpcError::new(e.code, e.message.replace("Asset with", "Entity with"))
                }
            })?
        }
        Value::Null | Value::String(_) => {
            return Err(RpcError::invalid_parameter("Invalid entity identifier"))
        }
        other => {
            return Err(RpcError::misc(format!(
                "value is type {}, expected str",
                type_name(other)
            )))
        }
    };
    let open = asset_switch_request(&asset, &args.values[off + 1])?;
    let from = if from_given {
        from_address(ctx, args.get(0))?
    } else {
        None
    };
    let txid = ctx.node.grant(GrantRequest {
        from,
        to: vec![permission::details_address(permission::DETAILS_ASSET_OPEN)],
        entity: Some(asset.short_id()),
        bits: permission::DETAILS,
        native_amount: 0,
        start: 0,
        end: if open { u32::MAX } else { 0 },
        data: Vec::new(),
    })?;
    Ok(json!(txid.to_string()))
}

/// `{"open": bool}` for an asset, as `update` and raw outputs keyed by an asset's name take
/// it: whether to open it, if the asset allows that change.
pub(super) fn asset_switch_request(asset: &Entity, v: &Value) -> RpcResult<bool> {
    let open = match v.as_object() {
        Some(fields) if fields.len() == 1 && fields.contains_key("open") => {
            lenient_bool(&fields["open"])
        }
        _ => {
            return Err(RpcError::invalid_parameter(
                "Asset update should be object with single field - open",
            ))
        }
    };
    if open && !asset.can_open() {
        return Err(RpcError::new(
            RPC_NOT_ALLOWED,
            "Opening is not allowed for this asset",
        ));
    }
    if !open && !asset.can_close() {
        return Err(RpcError::new(
            RPC_NOT_ALLOWED,
            "Closing is not allowed for this asset",
        ));
    }
    Ok(open)
}

fn grant(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 7)?;
    grant_common(ctx, args, false, GrantKind::Grant)
}

fn grantfrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 8)?;
    grant_common(ctx, args, true, GrantKind::Grant)
}

/// `grantwithdata "to" "permissions" data ( native-amount startblock endblock )`.
fn grantwithdata(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 6)?;
    grant_common(ctx, args, false, GrantKind::WithData)
}

fn grantwithdatafrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(4, 7)?;
    grant_common(ctx, args, true, GrantKind::WithData)
}

fn revoke(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 5)?;
    grant_common(ctx, args, false, GrantKind::Revoke)
}

fn revokefrom(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(3, 6)?;
    grant_common(ctx, args, true, GrantKind::Revoke)
}

fn listpermissions(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 3)?;
    let (entity, bits) = match args.given(0) {
        None => (None, permission::GLOBAL_ALL),
        Some(Value::String(s)) if s == "*" || s == "all" => (None, permission::GLOBAL_ALL),
        Some(Value::String(s)) => match s.strip_suffix(".*") {
            Some(id) => permission_bits(ctx, &format!("{id}.all"))?,
            None => permission_bits(ctx, s)?,
        },
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
    let entity_id = entity.as_ref().map(|e| e.short_id());
    let rows = listing_order(
        st.permission_records()
            .into_iter()
            .filter(|(key, rec)| key.entity == entity_id && key.bit & bits != 0 && rec.is_listed()),
        addresses.as_deref(),
    );
    let mut out = Vec::new();
    for (key, rec) in rows {
        let mut m = Map::new();
        m.insert(
            "address".into(),
            json!(ctx.node.format.encode_address(&key.address)),
        );
        m.insert(
            "for".into(),
            match &entity {
                Some(e) => super::entities::for_json(e, false),
                None => Value::Null,
            },
        );
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

/// MultiChain's order of `listpermissions` rows. Without addresses it reads its permission
/// database in key order: the address's 20-byte hash, then the type as its four bytes in
/// memory (little-endian), which puts `mine`, `admin` and `activate` before `connect`. With
/// addresses it looks each one up in the order given (a repeated one again), its types by
/// ascending bit.
fn listing_order(
    rows: impl Iterator<Item = (PermissionKey, PermissionRecord)>,
    addresses: Option<&[Address]>,
) -> Vec<(PermissionKey, PermissionRecord)> {
    let mut rows: Vec<_> = rows.collect();
    match addresses {
        None => {
            // A key hash and a script hash of the same bytes would share MultiChain's key;
            // here the key hash comes first.
            rows.sort_by_key(|(k, _)| {
                (
                    *k.address.hash(),
                    k.bit.to_le_bytes(),
                    k.address.is_script(),
                )
            });
            rows
        }
        Some(list) => {
            rows.sort_by_key(|(k, _)| k.bit);
            list.iter()
                .flat_map(|a| rows.iter().filter(move |(k, _)| k.address == *a).cloned())
                .collect()
        }
    }
}

fn verifypermission(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 2)?;
    let address = ctx.node.format.decode_address(args.str(0)?).map_err(|_| {
        RpcError::new(
            super::errors::RPC_INVALID_ADDRESS_OR_KEY,
            format!("Invalid address: {}", args.values[0].as_str().unwrap_or("")),
        )
    })?;
    let (entity, bits) = permission_bits(ctx, args.str(1)?)?;
    if bits.count_ones() != 1 {
        return Err(RpcError::invalid_parameter("Invalid permission"));
    }
    let st = ctx.node.state.read();
    Ok(json!(match entity {
        None => st.has_permission(&ctx.node, &address, bits),
        Some(e) => {
            crate::chain::state::has_entity_permission(
                &st.view(),
                &e.short_id(),
                &address,
                bits,
                st.next_height(),
            ) || unrestricted(&e, bits)
        }
    }))
}

/// MultiChain's `verifypermission` answers true, holder or not, for any permission of an
/// asset that does not restrict that one, and of a stream anyone may write to.
fn unrestricted(e: &Entity, bits: u32) -> bool {
    if e.is_asset() {
        e.asset_restrictions() & bits == 0
    } else {
        e.restricted_permissions() as u32 & permission::WRITE == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use permission::{ACTIVATE, ADMIN, CONNECT, MINE, SEND};

    fn rows(grants: &[(u8, u32)]) -> Vec<(PermissionKey, PermissionRecord)> {
        grants
            .iter()
            .enumerate()
            .map(|(seq, (a, bit))| {
                let key = PermissionKey {
                    entity: None,
                    address: Address::PubKeyHash([*a; 20]),
                    bit: *bit,
                };
                let rec = PermissionRecord {
                    start: 0,
                    end: u32::MAX,
                    timestamp: 0,
                    admins: Vec::new(),
                    seq: seq as u64,
                };
                (key, rec)
            })
            .collect()
    }

    fn listed(out: Vec<(PermissionKey, PermissionRecord)>) -> Vec<(u8, u32)> {
        out.iter()
            .map(|(k, _)| (k.address.hash()[0], k.bit))
            .collect()
    }

    /// As MultiChain 2.3 lists them (golden transcripts 18 and node2/10): by address hash,
    /// then by the type's bytes in memory, whatever the order of the grants.
    #[test]
    fn without_addresses_rows_come_in_permission_database_order() {
        let granted = rows(&[
            (2, CONNECT),
            (2, MINE),
            (1, SEND),
            (1, ADMIN),
            (1, CONNECT),
            (1, ACTIVATE),
        ]);
        let out = listing_order(granted.into_iter(), None);
        assert_eq!(
            listed(out),
            [
                (1, ADMIN),
                (1, ACTIVATE),
                (1, CONNECT),
                (1, SEND),
                (2, MINE),
                (2, CONNECT)
            ]
        );
    }

    /// With addresses, each is looked up in the order given, its types by ascending bit.
    #[test]
    fn with_addresses_rows_follow_the_given_order() {
        let granted = rows(&[(1, ADMIN), (2, MINE), (1, CONNECT), (2, SEND), (3, CONNECT)]);
        let asked = [Address::PubKeyHash([2; 20]), Address::PubKeyHash([1; 20])];
        let out = listing_order(granted.into_iter(), Some(&asked));
        assert_eq!(
            listed(out),
            [(2, SEND), (2, MINE), (1, CONNECT), (1, ADMIN)]
        );
    }
}
