//! Network commands. This node has no peer-to-peer layer yet (roadmap 1), so it reports no
//! peers, no traffic and no added nodes, and refuses to add one.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::{
    RpcError, RpcResult, RPC_CLIENT_NODE_NOT_ADDED, RPC_MISC_ERROR, RPC_NOT_SUPPORTED,
};
use serde_json::{json, Value};

pub const METHODS: [(&str, Handler); 12] = [
    ("getnetworkinfo", getnetworkinfo),
    ("getpeerinfo", getpeerinfo),
    ("getconnectioncount", getconnectioncount),
    ("ping", ping),
    ("getnettotals", getnettotals),
    ("getaddednodeinfo", getaddednodeinfo),
    ("addnode", addnode),
    ("resendwallettransactions", resendwallettransactions),
    ("liststorednodes", liststorednodes),
    ("getchunkqueueinfo", getchunkqueueinfo),
    ("getchunkqueuetotals", getchunkqueuetotals),
    ("storenode", storenode),
];

/// `storenode "node" ( "tryconnect"|"ignore" )`: MultiChain's argument checks, then a refusal
/// until this node can connect to peers.
fn storenode(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    // The command is read (a string, or json_spirit's type error) only beside one node.
    let command = match args.get(1) {
        Some(v) if args.len() == 2 => Some(
            v.as_str()
                .ok_or_else(|| super::args::type_error(v, "str"))?,
        ),
        _ => Some("tryconnect"),
    };
    if args.is_empty() || args.len() > 2 || !matches!(command, Some("tryconnect" | "ignore")) {
        return Err(RpcError::new(RPC_MISC_ERROR, super::dispatch::SHOW_HELP));
    }
    args.str(0)?;
    Err(RpcError::new(
        RPC_NOT_SUPPORTED,
        "This node has no peer-to-peer connections yet: it cannot store a node",
    ))
}

/// `liststorednodes ( includeOldIgnores )`: the peers this node knows of; none yet.
fn liststorednodes(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 1)?;
    if args.get(0).is_some_and(|v| !v.is_boolean()) {
        return Err(RpcError::invalid_parameter(
            "Invalid parameter value type, should be boolean",
        ));
    }
    Ok(json!([]))
}

/// Off-chain chunks this node is fetching from peers: none (its off-chain items are its own,
/// and it has no peers). MultiChain checks no arguments here.
fn getchunkqueueinfo(_: &RpcContext, _: &Args) -> RpcResult<Value> {
    let zeros = json!({"waiting": 0, "querying": 0, "retrieving": 0});
    Ok(json!({"chunks": zeros, "bytes": zeros}))
}

/// Chunk deliveries since start: none, as [`getchunkqueueinfo`].
fn getchunkqueuetotals(_: &RpcContext, _: &Args) -> RpcResult<Value> {
    let zeros = json!({
        "queries": 0, "responded": 0, "unresponded": 0, "requests": 0,
        "delivered": 0, "undelivered": 0, "baddelivered": 0
    });
    Ok(json!({"chunks": zeros, "bytes": zeros}))
}

/// Sends the wallet's unconfirmed transactions to the peers again: with none connected there
/// is no one to send them to, and MultiChain's answer is the same either way.
fn resendwallettransactions(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    Ok(json!("Wallet transactions resent"))
}

/// Bytes to and from peers (none yet), and the time in milliseconds.
fn getnettotals(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    Ok(json!({"totalbytesrecv": 0, "totalbytessent": 0, "timemillis": millis}))
}

/// `getaddednodeinfo dns ( "node" )`: no node has been added (`addnode` is refused).
fn getaddednodeinfo(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    args.opt_bool(0, false)?;
    if args.get(1).is_some() {
        args.str(1)?;
        return Err(RpcError::new(
            RPC_CLIENT_NODE_NOT_ADDED,
            "Error: Node has not been added.",
        ));
    }
    Ok(json!([]))
}

/// `addnode "node" "add|remove|onetry"`: MultiChain's argument checks, then a refusal until
/// this node can connect to peers.
fn addnode(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    let command = match args.get(1) {
        Some(v) if args.len() == 2 => v.as_str(),
        _ => None,
    };
    if !matches!(command, Some("onetry" | "add" | "remove")) {
        return Err(RpcError::new(RPC_MISC_ERROR, super::dispatch::SHOW_HELP));
    }
    args.str(0)?;
    Err(RpcError::new(
        RPC_NOT_SUPPORTED,
        "This node has no peer-to-peer connections yet: it cannot add a node",
    ))
}

/// `/MultiChain:0.2.0.13/` for protocol 20013 (Bitcoin's FormatVersion of the protocol).
pub fn subversion(protocol: u32) -> String {
    let v = protocol;
    format!(
        "/MultiChain:{}.{}.{}.{}/",
        v / 1_000_000,
        (v / 10_000) % 100,
        (v / 100) % 100,
        v % 100
    )
}

fn getnetworkinfo(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    let p = &ctx.node.params;
    let local: Vec<Value> = ctx
        .local_addresses
        .iter()
        .map(|ip| json!({"address": ip.to_string(), "port": ctx.p2p_port, "score": 1}))
        .collect();
    let network = |name: &str, reachable: bool| json!({"name": name, "limited": false, "reachable": reachable, "proxy": ""});
    Ok(json!({
        "version": 100000,
        "subversion": subversion(p.protocol_version()),
        "protocolversion": 70002,
        "localservices": "0000000000000001",
        "timeoffset": 0,
        "connections": 0,
        "networks": [network("ipv4", true), network("ipv6", true), network("onion", false)],
        "relayfee": super::control::native(ctx, p.int("minimum-relay-fee").max(0) as u64),
        "localaddresses": local,
    }))
}

fn getpeerinfo(_ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    Ok(json!([]))
}

fn getconnectioncount(_ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    Ok(json!(0))
}

fn ping(_ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 0)?;
    Ok(Value::Null)
}

#[cfg(test)]
mod tests {
    #[test]
    fn subversion_of_20013() {
        assert_eq!(super::subversion(20013), "/MultiChain:0.2.0.13/");
    }
}
