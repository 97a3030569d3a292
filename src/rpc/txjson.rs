//! Transactions as JSON (getblock verbosity 4, and later decoderawtransaction): Bitcoin's layout
//! with MultiChain's decoded metadata (`permissions`, `data`).

use super::dispatch::RpcContext;
use crate::jsonfmt::double;
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

/// `scriptPubKey` object: asm, hex, and destination facts.
pub fn script_pubkey_json(
    ctx: &RpcContext,
    script: &Script,
    parsed: Option<&ParsedScript>,
) -> Value {
    let mut m = Map::new();
    m.insert("asm".into(), json!(script_asm(script)));
    m.insert("hex".into(), json!(hex::encode(script.as_bytes())));
    let kind = match parsed.map(|p| &p.destination) {
        Some(Destination::PubKeyHash(_)) => "pubkeyhash",
        Some(Destination::ScriptHash(_)) => "scripthash",
        Some(Destination::NullData(_)) => "nulldata",
        _ => "nonstandard",
    };
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

pub fn tx_to_json(ctx: &RpcContext, tx: &Transaction) -> Value {
    let multiple = ctx.node.params.int("native-currency-multiple").max(1) as f64;
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
    let vout: Vec<Value> = tx
        .output
        .iter()
        .enumerate()
        .map(|(n, o)| {
            let parsed = script::parse(&o.script_pubkey);
            let mut m = Map::new();
            m.insert("value".into(), double(o.value.to_sat() as f64 / multiple));
            m.insert("n".into(), json!(n));
            m.insert(
                "scriptPubKey".into(),
                script_pubkey_json(ctx, &o.script_pubkey, parsed.as_ref()),
            );
            if let Some(p) = &parsed {
                let grants: Vec<Value> = p
                    .permission_grants()
                    .filter(|(e, _)| e.is_none())
                    .map(|(_, g)| grant_json(&g))
                    .collect();
                if !grants.is_empty() {
                    m.insert("permissions".into(), Value::Array(grants));
                }
                if let Destination::NullData(Some(data)) = &p.destination {
                    if p.elements.is_empty() {
                        m.insert("data".into(), json!([hex::encode(data)]));
                    }
                }
            }
            Value::Object(m)
        })
        .collect();
    json!({
        "txid": tx.compute_txid().to_string(),
        "version": tx.version.0,
        "locktime": tx.lock_time.to_consensus_u32(),
        "vin": vin,
        "vout": vout,
    })
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
