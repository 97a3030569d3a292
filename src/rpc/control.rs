//! General node commands: getinfo, help, stop, parameters, pause/resume.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult, RPC_BLOCK_NOT_FOUND, RPC_NOT_ALLOWED, RPC_NOT_SUPPORTED};
use crate::jsonfmt::double;
use serde_json::{json, Map, Value};
use std::sync::atomic::Ordering;

pub const VERSION: &str = "2.3";
pub const NODE_VERSION: i64 = 20300901;
pub const WALLET_VERSION: i64 = 60000;
pub const WALLET_DB_VERSION: i64 = 3;

pub const METHODS: [(&str, Handler); 14] = [
    ("getinfo", getinfo),
    ("getunconfirmedbalance", getunconfirmedbalance),
    ("getchaintotals", getchaintotals),
    ("getwalletinfo", getwalletinfo),
    ("help", help),
    ("stop", stop),
    ("getblockchainparams", getblockchainparams),
    ("getruntimeparams", getruntimeparams),
    ("pause", pause),
    ("resume", resume),
    ("getinitstatus", getinitstatus),
    ("clearmempool", clearmempool),
    ("settxfee", settxfee),
    ("debug", debug),
];

/// MultiChain's hidden `debug "request" {details}`: refused unless the node was started with
/// `-rpcallowdebug`, and this node has none of its debugging requests.
fn debug(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 4)?;
    if !ctx.node.options.flag("rpcallowdebug", false) {
        return Err(RpcError::new(RPC_NOT_ALLOWED, "API is not allowed"));
    }
    if !args.values[1].is_object() {
        return Err(RpcError::invalid_parameter(
            "Invalid request details, should be object",
        ));
    }
    args.str(0)?;
    Err(RpcError::new(
        RPC_NOT_SUPPORTED,
        "This node has no debugging requests",
    ))
}

/// Native currency as display units.
pub fn native(ctx: &RpcContext, raw: u64) -> Value {
    native_signed(ctx, raw as i64)
}

/// [`native`] for an amount that may be negative (what a transaction took from the wallet).
pub fn native_signed(ctx: &RpcContext, raw: i64) -> Value {
    let multiple = ctx.node.params.int("native-currency-multiple").max(1) as f64;
    double(raw as f64 / multiple)
}

/// An unspent output of one of the wallet's own addresses: where it is, its native value, and
/// the block holding it (`None` in the mempool).
type OwnOutput = (bitcoin::OutPoint, u64, Option<u32>);

/// The outputs of the wallet's own addresses (not watch-only ones), mempool view.
fn own_outputs(st: &crate::node::NodeState) -> Vec<OwnOutput> {
    let view = st.view();
    st.wallet
        .addresses()
        .flat_map(|a| st.wallet.coins_of(a))
        .filter_map(|op| {
            let coin = crate::chain::StateView::coin(&view, op)?;
            Some((*op, coin.output.value.to_sat(), coin.height))
        })
        .collect()
}

/// Native currency in the wallet's own addresses' outputs, locked ones included.
fn wallet_balance(st: &crate::node::NodeState) -> u64 {
    own_outputs(st).iter().map(|(_, value, _)| value).sum()
}

/// Native currency the wallet's own addresses are receiving from others, not yet in a block
/// (MultiChain's scalable wallet: unspent outputs at depth 0 of transactions the wallet did
/// not fund, so not "trusted"; its own change is in the balance already).
fn getunconfirmedbalance(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    let st = ctx.node.state.read();
    let total: u64 = own_outputs(&st)
        .into_iter()
        .filter(|(op, _, height)| height.is_none() && !st.wallet.is_locked(op))
        .filter(|(op, _, _)| !funded_by_wallet(&st, &op.txid))
        .map(|(_, value, _)| value)
        .sum();
    Ok(native(ctx, total))
}

/// Whether `txid` is a mempool transaction the wallet paid for (spending one of its own
/// addresses' outputs): its unconfirmed outputs are "trusted", as MultiChain's wallet says.
pub(super) fn funded_by_wallet(st: &crate::node::NodeState, txid: &bitcoin::Txid) -> bool {
    st.mempool.get(txid).is_some_and(|e| {
        e.effects.spent.iter().any(|(_, coin)| {
            crate::primitives::script::parse(&coin.output.script_pubkey)
                .and_then(|p| p.address())
                .is_some_and(|a| st.wallet.is_mine(&a))
        })
    })
}

/// `settxfee amount`: this node's wallet pays no fees, so only 0 is taken (MultiChain's
/// wallet pays none either on a chain without a native currency, where any other amount is
/// "Invalid amount").
fn settxfee(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    let amount = &args.values[0];
    if super::assets::number(amount)? == 0.0 {
        return Ok(json!(true));
    }
    if !ctx.node.has_native_currency() {
        return Err(RpcError::invalid_parameter("Invalid amount"));
    }
    super::assets::native_amount(ctx, amount)?;
    Err(RpcError::new(
        RPC_NOT_SUPPORTED,
        "Transaction fees are not supported by this node yet: its wallet pays none",
    ))
}

fn getinfo(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    let node = &ctx.node;
    let p = &node.params;
    let st = node.state.read();
    let balance = wallet_balance(&st);
    let mut m = Map::new();
    m.insert("version".into(), json!(VERSION));
    m.insert("nodeversion".into(), json!(NODE_VERSION));
    m.insert("edition".into(), json!("Community"));
    m.insert("protocolversion".into(), json!(p.protocol_version()));
    m.insert("chainname".into(), json!(p.chain_name()));
    m.insert("description".into(), json!(p.string("chain-description")));
    m.insert("protocol".into(), json!(p.string("chain-protocol")));
    m.insert("port".into(), json!(ctx.p2p_port));
    m.insert("setupblocks".into(), json!(p.int("setup-first-blocks")));
    m.insert("nodeaddress".into(), json!(ctx.node_address));
    m.insert("burnaddress".into(), json!(node.burn_address));
    m.insert(
        "incomingpaused".into(),
        json!(node.incoming_paused.load(Ordering::SeqCst)),
    );
    m.insert(
        "miningpaused".into(),
        json!(node.mining_paused.load(Ordering::SeqCst)),
    );
    m.insert("offchainpaused".into(), json!(false));
    m.insert("walletversion".into(), json!(WALLET_VERSION));
    m.insert("balance".into(), native(ctx, balance));
    m.insert("walletdbversion".into(), json!(WALLET_DB_VERSION));
    m.insert("reindex".into(), json!(false));
    m.insert("blocks".into(), json!(st.tip_height()));
    m.insert("chainrewards".into(), native(ctx, st.chain_rewards()));
    // Each count once there is one of its kind (the root stream is there from genesis).
    let (assets, streams) = super::entities::entity_counts(&st);
    if assets > 0 {
        m.insert("assets".into(), json!(assets));
    }
    if streams > 0 {
        m.insert("streams".into(), json!(streams));
    }
    m.insert("timeoffset".into(), json!(0));
    m.insert("connections".into(), json!(0));
    m.insert("proxy".into(), json!(""));
    m.insert(
        "difficulty".into(),
        double(super::blockchain::difficulty(ctx)),
    );
    m.insert("testnet".into(), json!(p.bool("chain-is-testnet")));
    m.insert("keypoololdest".into(), json!(st.wallet.pool_oldest()));
    m.insert("keypoolsize".into(), json!(st.wallet.pool_size()));
    m.insert("paytxfee".into(), double(0.0));
    m.insert(
        "relayfee".into(),
        native(ctx, p.int("minimum-relay-fee").max(0) as u64),
    );
    m.insert("errors".into(), json!(""));
    Ok(Value::Object(m))
}

/// `getchaintotals`: the chain's counts. Addresses and transactions are counted only by an
/// explorer node, which this is not (MultiChain gives null then); filters, variables, libraries,
/// upgrades and licenses do not exist here.
fn getchaintotals(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    let st = ctx.node.state.read();
    let (assets, streams) = super::entities::entity_counts(&st);
    let mut m = Map::new();
    m.insert("blocks".into(), json!(st.tip_height()));
    m.insert("rewards".into(), native(ctx, st.chain_rewards()));
    m.insert("addresses".into(), Value::Null);
    m.insert("transactions".into(), Value::Null);
    m.insert("assets".into(), json!(assets));
    m.insert("streams".into(), json!(streams));
    for none in ["filters", "variables", "libraries", "upgrades", "licenses"] {
        m.insert(none.into(), json!(0));
    }
    Ok(Value::Object(m))
}

/// `getwalletinfo`: MultiChain's fields in its order. `txcount` counts the wallet history
/// (confirmed and waiting); `utxocount` the unlocked outputs the wallet can spend.
fn getwalletinfo(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    let st = ctx.node.state.read();
    let outputs = own_outputs(&st);
    let utxos = outputs
        .iter()
        .filter(|(op, _, _)| !st.wallet.is_locked(op))
        .count();
    let balance: u64 = outputs.iter().map(|(_, value, _)| value).sum();
    let mut m = Map::new();
    m.insert("walletversion".into(), json!(WALLET_VERSION));
    m.insert("balance".into(), native(ctx, balance));
    m.insert("walletdbversion".into(), json!(WALLET_DB_VERSION));
    m.insert("txcount".into(), json!(st.wallet_tx_count()));
    m.insert("utxocount".into(), json!(utxos));
    m.insert("keypoololdest".into(), json!(st.wallet.pool_oldest()));
    m.insert("keypoolsize".into(), json!(st.wallet.pool_size()));
    Ok(Value::Object(m))
}

fn help(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 1)?;
    match args.get(0) {
        None => Ok(json!(ctx.help.listing())),
        Some(_) => {
            let command = args.str(0)?;
            let implemented = super::dispatch::methods()
                .iter()
                .any(|(n, _)| *n == command);
            // MultiChain's help documents its whole API, including commands this node does
            // not run yet (they answer "Method not found").
            Ok(json!(match ctx.help.for_command(command) {
                Some(text) => text.to_string(),
                None if implemented => "Help message not found\n".to_string(),
                None => format!("help: unknown command: {command}"),
            }))
        }
    }
}

fn stop(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 1)?;
    ctx.node.request_stop();
    let _ = ctx.shutdown.send(true);
    Ok(json!("MultiChain server stopping"))
}

fn getblockchainparams(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 2)?;
    let display = args.opt_bool(0, true)?;
    if let Some(v) = args.get(1) {
        if !v.is_boolean() {
            return Err(RpcError::invalid_parameter(
                "with-upgrades should be boolean",
            ));
        }
    }
    if ctx.node.state.read().blocks.is_empty() {
        return Err(RpcError::new(
            RPC_BLOCK_NOT_FOUND,
            "Block height out of range",
        ));
    }
    Ok(ctx.node.params.to_json(display))
}

fn getruntimeparams(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    let o = &ctx.node.options;
    let p = &ctx.node.params;
    let st = ctx.node.state.read();
    let handshake = ctx.node.format.encode_address(&st.wallet.default_address());
    let text = |name: &str| json!(o.get(name).unwrap_or(""));
    let int = |name: &str, d: i64| json!(o.int(name, d));
    let flag = |name: &str, d: bool| json!(o.flag(name, d));
    let mut m = Map::new();
    m.insert("port".into(), json!(ctx.p2p_port));
    m.insert("reindex".into(), flag("reindex", false));
    m.insert("rescan".into(), flag("rescan", false));
    m.insert("txindex".into(), flag("txindex", true));
    m.insert("autocombineminconf".into(), int("autocombineminconf", 1));
    m.insert(
        "autocombinemininputs".into(),
        int("autocombinemininputs", 50),
    );
    m.insert(
        "autocombinemaxinputs".into(),
        int("autocombinemaxinputs", 100),
    );
    m.insert("autocombinedelay".into(), int("autocombinedelay", 1));
    m.insert("autocombinesuspend".into(), int("autocombinesuspend", 15));
    m.insert("autosubscribe".into(), text("autosubscribe"));
    m.insert(
        "handshakelocal".into(),
        json!(o
            .get("handshakelocal")
            .map(str::to_string)
            .unwrap_or(handshake)),
    );
    m.insert("bantx".into(), text("bantx"));
    m.insert("lockblock".into(), text("lockblock"));
    m.insert("hideknownopdrops".into(), flag("hideknownopdrops", false));
    m.insert("maxshowndata".into(), json!(ctx.node.max_shown_data()));
    m.insert(
        "maxqueryscanitems".into(),
        json!(ctx.node.setting("maxqueryscanitems")),
    );
    m.insert("v1apicompatible".into(), flag("v1apicompatible", false));
    m.insert(
        "miningrequirespeers".into(),
        flag("miningrequirespeers", p.bool("mining-requires-peers")),
    );
    m.insert(
        "mineemptyrounds".into(),
        json!(ctx.node.setting("mineemptyrounds")),
    );
    m.insert(
        "miningturnover".into(),
        match o.get("miningturnover") {
            Some(v) => double(v.parse().unwrap_or(0.0)),
            None => double(p.decimal("mining-turnover")),
        },
    );
    m.insert(
        "lockadminminerounds".into(),
        int("lockadminminerounds", p.int("lock-admin-mine-rounds")),
    );
    m.insert(
        "gen".into(),
        json!(ctx.node.generate.load(std::sync::atomic::Ordering::SeqCst)),
    );
    m.insert(
        "genproclimit".into(),
        json!(ctx
            .node
            .gen_proc_limit
            .load(std::sync::atomic::Ordering::SeqCst)),
    );
    m.insert(
        "lockinlinemetadata".into(),
        flag("lockinlinemetadata", true),
    );
    m.insert(
        "acceptfiltertimeout".into(),
        int("acceptfiltertimeout", 100),
    );
    m.insert("sendfiltertimeout".into(), int("sendfiltertimeout", 20));
    Ok(Value::Object(m))
}

/// `pause`/`resume` tasks: `incoming`, `mining`, `offchain` (comma list).
fn tasks(args: &Args) -> RpcResult<(bool, bool)> {
    let list = args.str(0)?;
    let mut incoming = false;
    let mut mining = false;
    for t in list.split(',') {
        match t {
            "incoming" => incoming = true,
            "mining" => mining = true,
            "offchain" => {}
            _ => return Err(RpcError::invalid_parameter("Invalid task")),
        }
    }
    Ok((incoming, mining))
}

fn pause(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    let (incoming, mining) = tasks(args)?;
    if incoming {
        ctx.node.incoming_paused.store(true, Ordering::SeqCst);
    }
    if mining {
        ctx.node.mining_paused.store(true, Ordering::SeqCst);
    }
    // getinfo shows the flags.
    ctx.node.state.touch();
    Ok(json!("Paused"))
}

fn resume(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    let (incoming, mining) = tasks(args)?;
    if incoming {
        ctx.node.incoming_paused.store(false, Ordering::SeqCst);
    }
    if mining {
        ctx.node.mining_paused.store(false, Ordering::SeqCst);
    }
    ctx.node.state.touch();
    Ok(json!("Resumed"))
}

fn getinitstatus(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    Ok(json!({
        "version": VERSION,
        "nodeversion": NODE_VERSION,
        "protocolversion": ctx.node.params.protocol_version(),
        "initialized": true,
        "chainname": ctx.node.params.chain_name(),
    }))
}

fn clearmempool(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    if !ctx.node.incoming_paused.load(Ordering::SeqCst)
        || !ctx.node.mining_paused.load(Ordering::SeqCst)
    {
        return Err(RpcError::new(
            super::errors::RPC_NOT_ALLOWED,
            "Local mining and the processing of incoming transactions and blocks should be paused.",
        ));
    }
    ctx.node.clear_mempool()?;
    Ok(json!("Mempool cleared"))
}
