//! Blocks, chain and mempool commands.

use super::args::{lenient_bool, Args};
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult, RPC_BLOCK_NOT_FOUND, RPC_INTERNAL_ERROR};
use super::txjson::tx_to_json;
use crate::chain::block::{block_work, pow_limit};
use crate::jsonfmt::double;
use crate::ledger::tables::BlockInfo;
use bitcoin::pow::{Target, Work};
use bitcoin::BlockHash;
use serde_json::{json, Map, Value};
use std::str::FromStr;

pub const METHODS: [(&str, Handler); 12] = [
    ("getblockchaininfo", getblockchaininfo),
    ("getblockcount", getblockcount),
    ("getbestblockhash", getbestblockhash),
    ("getblockhash", getblockhash),
    ("getblock", getblock),
    ("listblocks", listblocks),
    ("getrawmempool", getrawmempool),
    ("getmempoolinfo", getmempoolinfo),
    ("getdifficulty", getdifficulty),
    ("getlastblockinfo", getlastblockinfo),
    ("getchaintips", getchaintips),
    ("verifychain", verifychain),
];

/// `verifychain ( checklevel numblocks )`: `true` when the stored blocks read back as the
/// chain (`Node::verify_blocks`).
fn verifychain(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    use crate::node::verify_chain::{DEFAULT_BLOCKS, DEFAULT_LEVEL};
    args.arity(0, 2)?;
    let level = args.opt_int(0, ctx.node.options.int("checklevel", DEFAULT_LEVEL))?;
    let blocks = args.opt_int(1, ctx.node.options.int("checkblocks", DEFAULT_BLOCKS))?;
    Ok(json!(ctx.node.verify_blocks(level, blocks)?))
}

pub fn difficulty(ctx: &RpcContext) -> f64 {
    Target::from_compact(pow_limit(ctx.node.rules.pow_bits)).difficulty_float()
}

/// Total work of the chain up to `height`, as 64 hex digits.
fn chainwork(ctx: &RpcContext, height: u32) -> String {
    let per_block = block_work(pow_limit(ctx.node.rules.pow_bits));
    let mut total = Work::from_be_bytes([0; 32]);
    // Every block has the same target (no difficulty adjustment), so work = (h+1) × per-block.
    let mut n = height as u64 + 1;
    let mut add = per_block;
    while n > 0 {
        if n & 1 == 1 {
            total = total + add;
        }
        add = add + add;
        n >>= 1;
    }
    hex::encode(total.to_be_bytes())
}

fn getblockchaininfo(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    let p = &ctx.node.params;
    let st = ctx.node.state.read();
    let h = st.tip_height();
    Ok(json!({
        "chain": "main",
        "chainname": p.chain_name(),
        "description": p.string("chain-description"),
        "protocol": p.string("chain-protocol"),
        "setupblocks": p.int("setup-first-blocks"),
        "reindex": false,
        "blocks": h,
        "headers": h,
        "bestblockhash": st.tip().hash.to_string(),
        "difficulty": double(difficulty(ctx)),
        "verificationprogress": 1,
        "chainwork": chainwork(ctx, h),
        "chainrewards": super::control::native(ctx, st.chain_rewards()),
    }))
}

fn getblockcount(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    Ok(json!(ctx.node.state.read().tip_height()))
}

fn getbestblockhash(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    Ok(json!(ctx.node.state.read().tip().hash.to_string()))
}

fn getdifficulty(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    Ok(double(difficulty(ctx)))
}

fn getblockhash(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    let h = super::args::int_of(&args.values[0])?;
    let st = ctx.node.state.read();
    if h < 0 || h > st.tip_height() as i64 {
        return Err(RpcError::invalid_parameter("Block height out of range"));
    }
    Ok(json!(st.blocks[h as usize].hash.to_string()))
}

/// MultiChain's `StringToInt`: an optional sign and digits only.
fn string_to_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 10 {
        return None;
    }
    s.parse().ok()
}

fn height_of_hash(blocks: &[BlockInfo], hash: &BlockHash) -> Option<u32> {
    blocks
        .iter()
        .position(|b| b.hash == *hash)
        .map(|p| p as u32)
}

fn getblock(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    let st = ctx.node.state.read();
    let tip = st.tip_height() as i64;
    let height = match &args.values[0] {
        Value::Number(_) => {
            let h = super::args::int_of(&args.values[0])?;
            if h < 0 || h > tip {
                return Err(RpcError::new(
                    RPC_BLOCK_NOT_FOUND,
                    "Block height out of range",
                ));
            }
            h as u32
        }
        _ => {
            let s = args.str(0)?;
            if s.len() < 64 {
                let h = string_to_int(s).ok_or_else(|| {
                    RpcError::new(RPC_BLOCK_NOT_FOUND, "Block height should be integer")
                })?;
                if h < 0 || h > tip {
                    return Err(RpcError::new(
                        RPC_BLOCK_NOT_FOUND,
                        "Block height out of range",
                    ));
                }
                h as u32
            } else {
                let hash = BlockHash::from_str(&s[..64.min(s.len())])
                    .map_err(|_| RpcError::new(RPC_BLOCK_NOT_FOUND, "Block not found"))?;
                height_of_hash(&st.blocks, &hash)
                    .ok_or_else(|| RpcError::new(RPC_BLOCK_NOT_FOUND, "Block not found"))?
            }
        }
    };
    let verbosity = match args.get(1) {
        None => 1,
        Some(Value::Bool(b)) => *b as i64,
        Some(v) => {
            let n = super::args::int_of(v)?;
            if !(0..=4).contains(&n) {
                return Err(RpcError::invalid_parameter("verbose out of range"));
            }
            n
        }
    };
    let block = ctx
        .node
        .block(height)?
        .ok_or_else(|| RpcError::new(RPC_INTERNAL_ERROR, "Can't read block from disk"))?;
    if verbosity == 0 {
        return Ok(json!(hex::encode(bitcoin::consensus::encode::serialize(
            &block
        ))));
    }
    let info = &st.blocks[height as usize];
    let mut m = Map::new();
    m.insert("hash".into(), json!(info.hash.to_string()));
    m.insert("miner".into(), miner_json(ctx, info));
    m.insert("confirmations".into(), json!(tip - height as i64 + 1));
    m.insert("size".into(), json!(info.size));
    m.insert("height".into(), json!(height));
    m.insert("version".into(), json!(block.header.version.to_consensus()));
    m.insert(
        "merkleroot".into(),
        json!(block.header.merkle_root.to_string()),
    );
    let txs: Vec<Value> = block
        .txdata
        .iter()
        .map(|tx| {
            let txid = tx.compute_txid().to_string();
            let hex_tx = || hex::encode(bitcoin::consensus::encode::serialize(tx));
            match verbosity {
                2 => json!({"txid": txid, "hex": hex_tx()}),
                3 => json!({
                    "txid": txid,
                    "version": tx.version.0,
                    "locktime": tx.lock_time.to_consensus_u32(),
                    "hex": hex_tx(),
                }),
                4 => {
                    let mut v = tx_to_json(ctx, &st, tx);
                    v.as_object_mut()
                        .unwrap()
                        .insert("hex".into(), json!(hex_tx()));
                    v
                }
                _ => json!(txid),
            }
        })
        .collect();
    m.insert("tx".into(), Value::Array(txs));
    m.insert("time".into(), json!(block.header.time));
    m.insert("nonce".into(), json!(block.header.nonce));
    m.insert(
        "bits".into(),
        json!(format!("{:08x}", block.header.bits.to_consensus())),
    );
    m.insert("difficulty".into(), double(difficulty(ctx)));
    m.insert("chainwork".into(), json!(chainwork(ctx, height)));
    add_neighbours(&mut m, &st.blocks, height);
    Ok(Value::Object(m))
}

fn miner_json(ctx: &RpcContext, info: &BlockInfo) -> Value {
    info.miner
        .map(|a| json!(ctx.node.format.encode_address(&a)))
        .unwrap_or(Value::Null)
}

fn add_neighbours(m: &mut Map<String, Value>, blocks: &[BlockInfo], height: u32) {
    if height > 0 {
        m.insert(
            "previousblockhash".into(),
            json!(blocks[height as usize - 1].hash.to_string()),
        );
    }
    if let Some(next) = blocks.get(height as usize + 1) {
        m.insert("nextblockhash".into(), json!(next.hash.to_string()));
    }
}

/// MultiChain's block-set identifier: heights, `-n` (last n), ranges `a-b`, hashes, comma
/// lists or arrays of those, or `{"starttime","endtime"}`. Sorted, without duplicates.
pub fn parse_block_set(v: &Value, blocks: &[BlockInfo]) -> RpcResult<Vec<u32>> {
    let tip = blocks.len() as i64 - 1;
    let mut set: Vec<i64> = Vec::new();
    match v {
        Value::Object(o) => {
            let mut start = None;
            let mut end = None;
            for (k, val) in o {
                let slot = match k.as_str() {
                    "starttime" => &mut start,
                    "endtime" => &mut end,
                    _ => return Err(RpcError::invalid_parameter("Invalid time range")),
                };
                let t = val
                    .as_i64()
                    .filter(|t| (0..=u32::MAX as i64).contains(t))
                    .ok_or_else(|| RpcError::invalid_parameter(format!("Invalid {k}")))?;
                *slot = Some(t);
            }
            let start = start.ok_or_else(|| RpcError::invalid_parameter("Missing starttime"))?;
            let end = end.ok_or_else(|| RpcError::invalid_parameter("Missing endtime"))?;
            for (h, b) in blocks.iter().enumerate() {
                if (b.time as i64) >= start && (b.time as i64) <= end {
                    set.push(h as i64);
                }
            }
        }
        _ => {
            let items: Vec<String> = match v {
                Value::Number(_) => vec![super::args::int_of(v)?.to_string()],
                // A list read like C++'s getline: "" names nothing, a trailing comma adds nothing.
                Value::String(s) if s.is_empty() => Vec::new(),
                Value::String(s) => {
                    super::args::string_list(&json!(s.strip_suffix(',').unwrap_or(s)))?
                }
                other => super::args::string_list(other)?,
            };
            for s in items {
                let (from, to) = if let Some(n) = string_to_int(&s) {
                    if n < 0 {
                        (tip + n + 1, tip)
                    } else {
                        (n, n)
                    }
                } else if let Some((a, b)) = s
                    .split_once('-')
                    .and_then(|(a, b)| Some((string_to_int(a)?, string_to_int(b)?)))
                {
                    (a, b)
                } else {
                    if !crate::primitives::hextext::is_hex(&s) {
                        return Err(RpcError::invalid_parameter(format!(
                            "Block hash must be hexadecimal string (not '{s}')"
                        )));
                    }
                    if s.len() != 64 {
                        return Err(RpcError::invalid_parameter(format!(
                            "Block hash must be of length 64 (not {})",
                            s.len()
                        )));
                    }
                    let hash = BlockHash::from_str(&s).map_err(|_| {
                        RpcError::new(RPC_BLOCK_NOT_FOUND, format!("Block {s} not found"))
                    })?;
                    let h = height_of_hash(blocks, &hash).ok_or_else(|| {
                        RpcError::new(RPC_BLOCK_NOT_FOUND, format!("Block {s} not found"))
                    })?;
                    (h as i64, h as i64)
                };
                if from > to {
                    return Err(RpcError::invalid_parameter(format!("Invalid range {s}")));
                }
                for h in from.max(0)..=to.min(tip) {
                    set.push(h);
                }
            }
        }
    }
    set.sort_unstable();
    set.dedup();
    Ok(set.into_iter().map(|h| h as u32).collect())
}

fn listblocks(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    let verbose = args.get(1).map(lenient_bool).unwrap_or(false);
    let st = ctx.node.state.read();
    let heights = parse_block_set(&args.values[0], &st.blocks)?;
    let tip = st.tip_height() as i64;
    let mut out = Vec::with_capacity(heights.len());
    for h in heights {
        let info = &st.blocks[h as usize];
        let mut m = Map::new();
        m.insert("hash".into(), json!(info.hash.to_string()));
        m.insert("miner".into(), miner_json(ctx, info));
        m.insert("confirmations".into(), json!(tip - h as i64 + 1));
        m.insert("height".into(), json!(h));
        m.insert("time".into(), json!(info.time));
        m.insert("txcount".into(), json!(info.tx_count));
        if verbose {
            let block = ctx
                .node
                .block(h)?
                .ok_or_else(|| RpcError::new(RPC_INTERNAL_ERROR, "Can't read block from disk"))?;
            m.insert("size".into(), json!(info.size));
            m.insert("version".into(), json!(block.header.version.to_consensus()));
            m.insert(
                "merkleroot".into(),
                json!(block.header.merkle_root.to_string()),
            );
            m.insert("nonce".into(), json!(block.header.nonce));
            m.insert(
                "bits".into(),
                json!(format!("{:08x}", block.header.bits.to_consensus())),
            );
            m.insert("difficulty".into(), double(difficulty(ctx)));
            m.insert("chainwork".into(), json!(chainwork(ctx, h)));
            add_neighbours(&mut m, &st.blocks, h);
        }
        out.push(Value::Object(m));
    }
    Ok(Value::Array(out))
}

fn getrawmempool(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 1)?;
    let verbose = args.opt_bool(0, false)?;
    let st = ctx.node.state.read();
    let height = st.tip_height();
    if verbose {
        let mut m = Map::new();
        for e in st.mempool.entries() {
            let depends: Vec<Value> = e
                .tx()
                .input
                .iter()
                .filter(|i| st.mempool.contains(&i.previous_output.txid))
                .map(|i| json!(i.previous_output.txid.to_string()))
                .collect();
            m.insert(
                e.txid.to_string(),
                json!({
                    "size": e.size(),
                    "fee": super::control::native(ctx, e.fee),
                    "time": e.time,
                    "height": height,
                    "startingpriority": 0,
                    "currentpriority": 0,
                    "depends": depends,
                }),
            );
        }
        return Ok(Value::Object(m));
    }
    Ok(Value::Array(
        st.mempool
            .entries()
            .iter()
            .map(|e| json!(e.txid.to_string()))
            .collect(),
    ))
}

fn getmempoolinfo(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    let st = ctx.node.state.read();
    Ok(json!({"size": st.mempool.len(), "bytes": st.mempool.bytes()}))
}

fn getlastblockinfo(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 1)?;
    let st = ctx.node.state.read();
    let skip = match args.get(0) {
        None => 0,
        Some(v) => super::args::int_of(v)
            .map_err(|_| RpcError::invalid_parameter("Skip should be integer"))?,
    };
    if skip < 0 || skip > st.tip_height() as i64 {
        return Err(RpcError::new(RPC_BLOCK_NOT_FOUND, "Skip out of range"));
    }
    let h = st.tip_height() - skip as u32;
    let info = &st.blocks[h as usize];
    Ok(json!({
        "hash": info.hash.to_string(),
        "height": h,
        "time": info.time,
        "txcount": info.tx_count,
        "miner": miner_json(ctx, info),
    }))
}

fn getchaintips(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    let st = ctx.node.state.read();
    Ok(json!([{
        "height": st.tip_height(),
        "hash": st.tip().hash.to_string(),
        "branchlen": 0,
        "status": "active",
    }]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;

    fn blocks(n: u32) -> Vec<BlockInfo> {
        (0..n)
            .map(|h| BlockInfo {
                hash: BlockHash::from_byte_array([h as u8 + 1; 32]),
                time: 1000 + h * 10,
                miner: None,
                tx_count: 1,
                size: 100,
            })
            .collect()
    }

    #[test]
    fn block_sets() {
        let b = blocks(10);
        assert_eq!(parse_block_set(&json!("-3"), &b).unwrap(), vec![7, 8, 9]);
        assert_eq!(
            parse_block_set(&json!("2-4,3,9"), &b).unwrap(),
            vec![2, 3, 4, 9]
        );
        assert_eq!(parse_block_set(&json!(5), &b).unwrap(), vec![5]);
        assert_eq!(parse_block_set(&json!("-50"), &b).unwrap().len(), 10);
        assert_eq!(
            parse_block_set(&json!({"starttime": 1010, "endtime": 1030}), &b).unwrap(),
            vec![1, 2, 3]
        );
        let hash = b[4].hash.to_string();
        assert_eq!(parse_block_set(&json!([hash]), &b).unwrap(), vec![4]);
        assert_eq!(parse_block_set(&json!("5-2"), &b).unwrap_err().code, -8);
        assert_eq!(parse_block_set(&json!("xyz"), &b).unwrap_err().code, -8);
        assert_eq!(
            parse_block_set(&json!({"starttime": 1}), &b)
                .unwrap_err()
                .message,
            "Missing endtime"
        );
    }

    #[test]
    fn string_to_int_is_strict() {
        assert_eq!(string_to_int("12"), Some(12));
        assert_eq!(string_to_int("-3"), Some(-3));
        assert_eq!(string_to_int("1e3"), None);
        assert_eq!(string_to_int(""), None);
        assert_eq!(string_to_int("notahash"), None);
    }
}
