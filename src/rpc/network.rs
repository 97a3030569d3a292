//! Network commands. This node has no peer-to-peer layer yet, so it reports no peers.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::RpcResult;
use serde_json::{json, Value};

pub const METHODS: [(&str, Handler); 4] = [
    ("getnetworkinfo", getnetworkinfo),
    ("getpeerinfo", getpeerinfo),
    ("getconnectioncount", getconnectioncount),
    ("ping", ping),
];

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
