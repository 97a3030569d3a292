//! Transactions as JSON (getblock verbosity 4, and later decoderawtransaction): Bitcoin's layout
//! with MultiChain's decoded metadata (`permissions`, `data`).

use super::dispatch::RpcContext;
use crate::chain::entities::Entity;
use crate::chain::metadata::{classify, OutputKind};
use crate::chain::state::StateView;
use crate::jsonfmt::double;
use crate::node::NodeState;
use crate::primitives::permission as perm;
use crate::primitives::script::{self, Destination, ParsedScript};
use bitcoin::opcodes::Opcode;
use bitcoin::script::{Instruction, Script};
use bitcoin::Transaction;
use serde_json::{json, Map, Value};

/// Bitcoin Core's script "asm": pushes of up to 4 bytes as numbers, longer ones as hex,
/// opcodes by name.
pub fn script_asm(script: &Script) -> String {
    let mut parts = Vec::new();
    for ins in script.instructions() {
        match ins {
            Ok(Instruction::PushBytes(p)) => {
                let b = p.as_bytes();
                if b.is_empty() {
                    parts.push("0".to_string());
                } else if b.len() <= 4 {
                    parts.push(script_num(b).to_string());
                } else {
                    parts.push(hex::encode(b));
                }
            }
            Ok(Instruction::Op(op)) => parts.push(opcode_name(op)),
            Err(_) => {
                parts.push("[error]".to_string());
                break;
            }
        }
    }
    parts.join(" ")
}

fn script_num(b: &[u8]) -> i64 {
    let mut v: i64 = 0;
    for (i, byte) in b.iter().enumerate() {
        v |= (*byte as i64) << (8 * i);
    }
    let last = b[b.len() - 1];
    if last & 0x80 != 0 {
        -(v & !(0x80i64 << (8 * (b.len() - 1))))
    } else {
        v
    }
}

fn opcode_name(op: Opcode) -> String {
    let code = op.to_u8();
    match code {
        0x4f => "-1".into(),
        0x51..=0x60 => (code - 0x50).to_string(),
        _ => {
            let s = format!("{op:?}");
            // rust-bitcoin names a few opcodes differently from Bitcoin Core.
            match s.as_str() {
                "OP_NOP2" => "OP_CHECKLOCKTIMEVERIFY".into(),
                "OP_CSV" | "OP_NOP3" => "OP_NOP3".into(),
                _ => s,
            }
        }
    }
}

/// Bitcoin's name for the kind of an output script.
pub fn destination_type(parsed: Option<&ParsedScript>) -> &'static str {
    match parsed.map(|p| &p.destination) {
        Some(Destination::PubKeyHash(_)) => "pubkeyhash",
        Some(Destination::ScriptHash(_)) => "scripthash",
        Some(Destination::NullData(_)) => "nulldata",
        _ => "nonstandard",
    }
}

/// `scriptPubKey` object: asm, hex, and destination facts.
pub fn script_pubkey_json(
    ctx: &RpcContext,
    script: &Script,
    parsed: Option<&ParsedScript>,
) -> Value {
    let mut m = Map::new();
    m.insert("asm".into(), json!(script_asm(script)));
    m.insert("hex".into(), json!(hex::encode(script.as_bytes())));
    let kind = destination_type(parsed);
    if let Some(a) = parsed.and_then(|p| p.address()) {
        m.insert("reqSigs".into(), json!(1));
        m.insert("type".into(), json!(kind));
        m.insert(
            "addresses".into(),
            json!([ctx.node.format.encode_address(&a)]),
        );
    } else {
        m.insert("type".into(), json!(kind));
    }
    Value::Object(m)
}

/// Whether a grant is listed with an output: an entity's switch (`DETAILS`, the asset
/// open or closed) is not, as in MultiChain.
pub fn shown_grant(g: &script::PermissionGrant) -> bool {
    g.bits & perm::DETAILS == 0
}

/// One decoded permission grant as MultiChain shows it in transaction outputs.
pub fn grant_json(g: &script::PermissionGrant) -> Value {
    let flag = |bit| json!(g.bits & bit != 0);
    let custom: Vec<Value> = perm::split_bits(g.bits & perm::CUSTOM_ALL)
        .map(|b| json!(perm::name_of(b)))
        .collect();
    json!({
        "for": null,
        "connect": flag(perm::CONNECT),
        "send": flag(perm::SEND),
        "receive": flag(perm::RECEIVE),
        "create": flag(perm::CREATE),
        "issue": flag(perm::ISSUE),
        "mine": flag(perm::MINE),
        "admin": flag(perm::ADMIN),
        "activate": flag(perm::ACTIVATE),
        "custom": custom,
        "startblock": g.start,
        "endblock": g.end,
        "timestamp": g.timestamp,
    })
}

/// The address that signed input `i` (the public key in a `<sig> <pubkey>` script), if any.
pub fn input_signer(tx: &Transaction, i: usize) -> Option<crate::primitives::address::Address> {
    let pushes: Vec<Vec<u8>> = tx.input[i]
        .script_sig
        .instructions()
        .filter_map(|ins| match ins {
            Ok(Instruction::PushBytes(p)) => Some(p.as_bytes().to_vec()),
            _ => None,
        })
        .collect();
    match pushes.as_slice() {
        [_sig, pubkey] => crate::primitives::keys::address_of_pubkey(pubkey),
        _ => None,
    }
}

/// Input signers, deduplicated, in input order.
pub fn signers(tx: &Transaction) -> Vec<crate::primitives::address::Address> {
    let mut out = Vec::new();
    if tx.is_coinbase() {
        return out;
    }
    for i in 0..tx.input.len() {
        if let Some(a) = input_signer(tx, i) {
            if !out.contains(&a) {
                out.push(a);
            }
        }
    }
    out
}

fn entity_for(st: &NodeState, id: &[u8; 16]) -> Value {
    st.view()
        .entity(id)
        .map_or(Value::Null, |e| super::entities::for_json(&e, true))
}

/// A permission grant for an entity, with only the keys meaningful for it.
pub fn entity_grant_json(st: &NodeState, id: &[u8; 16], g: &script::PermissionGrant) -> Value {
    let e = st.view().entity(id);
    let flag = |bit| json!(g.bits & bit != 0);
    let mut m = Map::new();
    m.insert("for".into(), entity_for(st, id));
    if e.as_ref().is_some_and(|e| e.is_stream()) {
        m.insert("write".into(), flag(perm::WRITE));
        m.insert("read".into(), flag(perm::READ));
    } else {
        m.insert("send".into(), flag(perm::SEND));
        m.insert("receive".into(), flag(perm::RECEIVE));
        m.insert("issue".into(), flag(perm::ISSUE));
    }
    m.insert("admin".into(), flag(perm::ADMIN));
    m.insert("activate".into(), flag(perm::ACTIVATE));
    m.insert("custom".into(), json!([]));
    m.insert("startblock".into(), json!(g.start));
    m.insert("endblock".into(), json!(g.end));
    m.insert("timestamp".into(), json!(g.timestamp));
    Value::Object(m)
}

/// One asset row of a transaction output; `None` for an asset this node does not know that
/// the row does not create (MultiChain leaves such rows out).
pub fn asset_row(
    ctx: &RpcContext,
    st: &NodeState,
    id: &[u8; 16],
    raw: i64,
    kind: &str,
) -> Option<Value> {
    match super::entities::amount_asset(&st.view(), id) {
        Some((e, token)) => {
            let mut m = super::entities::amount_ident(&e, token.as_deref(), true);
            m.insert("qty".into(), double(raw as f64 / e.multiple() as f64));
            m.insert("raw".into(), json!(raw));
            m.insert("type".into(), json!(kind));
            let _ = ctx;
            Some(Value::Object(m))
        }
        None if kind == "issuefirst" => Some(
            json!({"name": null, "issuetxid": null, "assetref": null, "qty": null, "raw": raw, "type": kind}),
        ),
        None => None,
    }
}

/// A new token's units in a transaction output, named from the output's own details (the
/// token may not exist yet): its asset (with the issue txid when `with_issuetxid`), id, then
/// what `more` adds before the quantities; `None` when its asset is unknown here.
pub fn token_issue_fields(
    st: &NodeState,
    t: &crate::chain::metadata::TokenIssue,
    with_issuetxid: bool,
    more: impl FnOnce(&mut Map<String, Value>),
) -> Option<Map<String, Value>> {
    let asset_id = crate::chain::entities::short_id(&t.asset_txid);
    let e = st.view().entity(&asset_id)?;
    let token = String::from_utf8_lossy(&t.token_id);
    let mut m = super::entities::amount_ident(&e, Some(&token), with_issuetxid);
    more(&mut m);
    m.insert("qty".into(), double(t.qty as f64 / e.multiple() as f64));
    m.insert("raw".into(), json!(t.qty));
    Some(m)
}

/// [`token_issue_fields`] as a decoded output's asset row.
fn token_issue_row(st: &NodeState, t: &crate::chain::metadata::TokenIssue) -> Option<Value> {
    let mut m = token_issue_fields(st, t, true, |_| {})?;
    m.insert("type".into(), json!("issuetoken"));
    Some(Value::Object(m))
}

pub fn tx_to_json(ctx: &RpcContext, st: &NodeState, tx: &Transaction) -> Value {
    let multiple = ctx.node.params.int("native-currency-multiple").max(1) as f64;
    let txid = tx.compute_txid();
    let own_id = crate::chain::entities::short_id(&txid);
    let publishers = super::entities::addresses(ctx, &signers(tx));
    let vin: Vec<Value> = tx
        .input
        .iter()
        .map(|i| {
            if tx.is_coinbase() {
                json!({
                    "coinbase": hex::encode(i.script_sig.as_bytes()),
                    "sequence": i.sequence.0,
                })
            } else {
                json!({
                    "txid": i.previous_output.txid.to_string(),
                    "vout": i.previous_output.vout,
                    "scriptSig": {
                        "asm": script_asm(&i.script_sig),
                        "hex": hex::encode(i.script_sig.as_bytes()),
                    },
                    "sequence": i.sequence.0,
                })
            }
        })
        .collect();
    let mut issue: Option<Value> = None;
    let mut create: Option<Value> = None;
    let mut has_follow_on = false;
    let mut follow_on_details: Option<Value> = None;
    let vout: Vec<Value> = tx
        .output
        .iter()
        .enumerate()
        .map(|(n, o)| {
            let parsed = script::parse(&o.script_pubkey);
            let kind = parsed.as_ref().and_then(|p| classify(p).ok());
            let shown = |format, data: &[u8]| {
                json!([super::streams::shown_data(
                    ctx,
                    &txid.to_string(),
                    n as u32,
                    format,
                    data
                )])
            };
            let mut m = Map::new();
            m.insert("value".into(), double(o.value.to_sat() as f64 / multiple));
            m.insert("n".into(), json!(n));
            m.insert(
                "scriptPubKey".into(),
                script_pubkey_json(ctx, &o.script_pubkey, parsed.as_ref()),
            );
            match &kind {
                Some(OutputKind::Payment {
                    assets,
                    genesis,
                    follow_ons,
                    grants,
                    token_issue,
                    ..
                }) => {
                    let mut rows = Vec::new();
                    if let Some(g) = genesis {
                        rows.extend(asset_row(ctx, st, &own_id, *g, "issuefirst"));
                    }
                    for (id, q) in follow_ons {
                        has_follow_on = true;
                        rows.extend(asset_row(ctx, st, id, *q, "issuemore"));
                    }
                    for (id, q) in assets {
                        rows.extend(asset_row(ctx, st, id, *q, "transfer"));
                    }
                    if let Some(t) = token_issue {
                        rows.extend(token_issue_row(st, t));
                    }
                    if !rows.is_empty() {
                        m.insert("assets".into(), Value::Array(rows));
                    }
                    let perms: Vec<Value> = grants
                        .iter()
                        .filter(|(_, g)| shown_grant(g))
                        .map(|(e, g)| match e {
                            None => grant_json(g),
                            Some(id) => entity_grant_json(st, id, g),
                        })
                        .collect();
                    if !perms.is_empty() {
                        m.insert("permissions".into(), Value::Array(perms));
                    }
                }
                Some(OutputKind::Item {
                    stream,
                    keys,
                    format,
                    data,
                }) => {
                    let mut item = Map::new();
                    item.insert("type".into(), json!("stream"));
                    if let Value::Object(f) = entity_for(st, stream) {
                        for k in ["name", "createtxid", "streamref"] {
                            if let Some(v) = f.get(k) {
                                item.insert(k.into(), v.clone());
                            }
                        }
                    }
                    item.insert("publishers".into(), publishers.clone());
                    item.insert(
                        "keys".into(),
                        Value::Array(
                            keys.iter()
                                .map(|k| json!(String::from_utf8_lossy(k)))
                                .collect(),
                        ),
                    );
                    item.insert("offchain".into(), json!(false));
                    item.insert(
                        "data".into(),
                        super::streams::shown_data(ctx, &txid.to_string(), n as u32, *format, data),
                    );
                    m.insert("items".into(), json!([Value::Object(item)]));
                }
                Some(OutputKind::Data(Some(data))) => {
                    m.insert("data".into(), shown(script::FORMAT_RAW, data));
                }
                // `{"json":…}` or `{"text":…}` data outside a stream: shown as it was given.
                Some(OutputKind::Formatted { format, data }) => {
                    m.insert("data".into(), shown(*format, data));
                }
                Some(OutputKind::NewEntity { kind, details }) => {
                    let e = Entity {
                        txid,
                        kind: *kind,
                        details: details.clone(),
                        position: st.view().entity(&own_id).and_then(|e| e.position),
                        creators: Vec::new(),
                        seq: 0,
                        issues: Default::default(),
                    };
                    if e.is_asset() {
                        issue = Some(super::assets::issue_details_json(
                            &e,
                            "issuefirst",
                            e.open(),
                        ));
                    } else if e.is_stream() {
                        create = Some(stream_create_json(&e));
                    }
                }
                Some(OutputKind::Update {
                    entity, details, ..
                }) => {
                    let mut d = Map::new();
                    d.insert("type".into(), json!("issuemore"));
                    if let Some(e) = st.view().entity(entity) {
                        d.extend(super::entities::asset_ident(&e, true));
                    }
                    d.insert("details".into(), details.json());
                    follow_on_details = Some(Value::Object(d));
                }
                _ => {}
            }
            Value::Object(m)
        })
        .collect();
    let mut top = Map::new();
    top.insert("txid".into(), json!(txid.to_string()));
    top.insert("version".into(), json!(tx.version.0));
    top.insert("locktime".into(), json!(tx.lock_time.to_consensus_u32()));
    top.insert("vin".into(), Value::Array(vin));
    top.insert("vout".into(), Value::Array(vout));
    if let Some(i) = issue {
        top.insert("issue".into(), i);
    } else if let Some(d) = follow_on_details {
        top.insert("issue".into(), d);
    } else if has_follow_on {
        top.insert("issue".into(), json!({}));
    }
    if let Some(c) = create {
        top.insert("create".into(), c);
    }
    Value::Object(top)
}

/// The `create` object of a stream-creating transaction.
pub fn stream_create_json(e: &Entity) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!("stream"));
    let name = e.name();
    if !name.is_empty() {
        m.insert("name".into(), json!(name));
    }
    m.insert("streamref".into(), super::entities::reference_json(e));
    m.insert("restrict".into(), super::entities::stream_restrict(e));
    m.insert(
        "salted".into(),
        json!(e.restrictions() & crate::primitives::entity::RESTRICT_SALTED != 0),
    );
    m.insert("details".into(), e.details.json());
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::ScriptBuf;

    #[test]
    fn asm_like_bitcoin_core() {
        let s = ScriptBuf::from_hex("76a9148bec7cf736663e57063239c30c29bc8799e0732588ac1473706b700700000000000000ffffffffc3f9056b75").unwrap();
        assert_eq!(
            script_asm(&s),
            "OP_DUP OP_HASH160 8bec7cf736663e57063239c30c29bc8799e07325 OP_EQUALVERIFY OP_CHECKSIG 73706b700700000000000000ffffffffc3f9056b OP_DROP"
        );
        let cb = ScriptBuf::from_hex("510101062f503253482f").unwrap();
        assert_eq!(script_asm(&cb), "1 1 2f503253482f");
        let n = ScriptBuf::from_hex("0281").unwrap();
        assert_eq!(script_asm(&ScriptBuf::from_hex("0181").unwrap()), "-1");
        assert_eq!(script_asm(&n), "[error]");
    }
}
