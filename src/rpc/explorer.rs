//! MultiChain's explorer commands, which it answers only when started with
//! `-explorersupport` and its wallet rescanned for them. This node has no explorer indexes,
//! so it answers as MultiChain does without them: the argument count checked, then -702.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult, RPC_NOT_SUPPORTED};
use serde_json::Value;

/// Each command with the fewest and most arguments MultiChain accepts before refusing.
const EXPLORER: [(&str, (usize, usize)); 10] = [
    ("explorerlisttransactions", (0, 3)),
    ("explorerlistaddresses", (0, 4)),
    ("explorerlistaddresstransactions", (1, 4)),
    ("explorerlistblocktransactions", (1, 4)),
    ("explorerlistredeemtransactions", (2, 2)),
    ("explorerlistaddressassets", (1, 4)),
    ("explorerlistaddressstreams", (1, 4)),
    ("explorerlistassetaddresses", (1, 4)),
    ("explorerlistaddressassettransactions", (2, 5)),
    ("explorergetrawtransaction", (1, 2)),
];

fn refuse(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    let (min, max) = args.row_of(&EXPLORER)?;
    args.arity(min, max)?;
    // MultiChain's words, trailing space included.
    Err(RpcError::new(
        RPC_NOT_SUPPORTED,
        "Explorer APIs are not enabled. To enable them, please run \"multichaind -explorersupport=1 -rescan\" ",
    ))
}

pub fn methods() -> impl Iterator<Item = (&'static str, Handler)> {
    EXPLORER.iter().map(|(name, _)| (*name, refuse as Handler))
}
