//! Moving the chain's tip by hand: `setlastblock`, `invalidateblock`, `reconsiderblock`. This
//! node keeps one chain and does not undo blocks yet (roadmap 1: forks and reorganisations),
//! so after MultiChain's argument checks it does what needs no going back (the tip as the
//! last block, reconsidering a block it never marked invalid) and refuses the rest with -702.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult, RPC_BLOCK_NOT_FOUND, RPC_NOT_ALLOWED, RPC_NOT_SUPPORTED};
use bitcoin::hashes::Hash;
use bitcoin::BlockHash;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

pub const METHODS: [(&str, Handler); 3] = [
    ("setlastblock", setlastblock),
    ("invalidateblock", invalidateblock),
    ("reconsiderblock", reconsiderblock),
];

/// C's `atoi`: leading spaces, a sign, the digits up to the first other character; 0 if none.
fn atoi(s: &str) -> i64 {
    let t = s.trim_start();
    let (sign, digits) = match t.as_bytes().first() {
        Some(b'-') => (-1, &t[1..]),
        Some(b'+') => (1, &t[1..]),
        _ => (1, t),
    };
    let n = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |n, d| {
            n.saturating_mul(10).saturating_add((d - b'0') as i64)
        });
    sign * n
}

/// Bitcoin's lenient `uint256::SetHex`: spaces and `0x` skipped, the leading run of hex digits
/// read, its last 64 digits taken, zeros above; never an error.
fn lenient_hash(s: &str) -> BlockHash {
    let t = s.trim_start();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    let run: Vec<u8> = t
        .bytes()
        .take_while(u8::is_ascii_hexdigit)
        .map(|c| (c as char).to_digit(16).expect("a hex digit") as u8)
        .collect();
    let digits = &run[run.len().saturating_sub(64)..];
    // Displayed order: the last digit is the low nibble of byte 0 (internal order).
    let mut bytes = [0u8; 32];
    for (i, d) in digits.iter().rev().enumerate() {
        bytes[i / 2] |= d << (4 * (i % 2));
    }
    BlockHash::from_byte_array(bytes)
}

/// The height of a stored block given by `text` (a hash, read leniently), or -711.
fn known_block(ctx: &RpcContext, text: &str) -> RpcResult<u32> {
    let hash = lenient_hash(text);
    let st = ctx.node.state.read();
    st.blocks
        .iter()
        .position(|b| b.hash == hash)
        .map(|h| h as u32)
        .ok_or_else(|| RpcError::new(RPC_BLOCK_NOT_FOUND, "Block not found"))
}

/// `setlastblock ( "hash"|height )`: with mining and incoming blocks paused, makes a block the
/// chain's last. A height of 0 or less (or past the tip) counts back from the tip.
fn setlastblock(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 1)?;
    let paused = ctx.node.incoming_paused.load(Ordering::SeqCst)
        && ctx.node.mining_paused.load(Ordering::SeqCst);
    if !paused {
        return Err(RpcError::new(
            RPC_NOT_ALLOWED,
            "Local mining and the processing of incoming transactions and blocks should be paused.",
        ));
    }
    let (tip, tip_hash) = {
        let st = ctx.node.state.read();
        (st.tip_height(), st.tip().hash)
    };
    let target = match args.get(0) {
        // The best chain again: this node's only one.
        None => tip,
        Some(_) => {
            let text = args.str(0)?;
            if text.len() < 64 {
                let mut h = atoi(text);
                if h <= 0 || h > tip as i64 {
                    h += tip as i64;
                }
                if h <= 0 || h > tip as i64 {
                    return Err(RpcError::new(
                        RPC_BLOCK_NOT_FOUND,
                        "Block height out of range",
                    ));
                }
                h as u32
            } else {
                known_block(ctx, text)?
            }
        }
    };
    if target != tip {
        return Err(RpcError::new(
            RPC_NOT_SUPPORTED,
            "Setting a block below the tip as the last is not supported by this node yet: it does not undo blocks",
        ));
    }
    Ok(json!(tip_hash.to_string()))
}

/// `invalidateblock "hash"`: would take the block and those after it off the chain.
fn invalidateblock(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    known_block(ctx, args.str(0)?)?;
    Err(RpcError::new(
        RPC_NOT_SUPPORTED,
        "Invalidating a block is not supported by this node yet: it does not undo blocks",
    ))
}

/// `reconsiderblock "hash"`: this node marks no block invalid, so there is nothing to undo.
fn reconsiderblock(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    known_block(ctx, args.str(0)?)?;
    Ok(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_and_hashes_are_read_as_bitcoin_reads_them() {
        for (text, n) in [("12", 12), (" -3x", -3), ("abc", 0), ("+7", 7), ("", 0)] {
            assert_eq!(atoi(text), n, "{text:?}");
        }
        let full = "00ae9c0587e916a450a3aa32e3f91adf0457e904df7f29783da9ef77f13101be";
        assert_eq!(lenient_hash(full).to_string(), full);
        assert_eq!(lenient_hash(&format!("  0x{full}zz")).to_string(), full);
        // A longer run keeps its last 64 digits; a shorter one is padded with zeros above.
        assert_eq!(lenient_hash(&format!("ff{full}")).to_string(), full);
        assert_eq!(
            lenient_hash("1f").to_string(),
            format!("{}1f", "0".repeat(62))
        );
    }
}
