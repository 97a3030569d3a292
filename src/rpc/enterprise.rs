//! Commands of MultiChain Enterprise that MultiChain 2.3 Community lists in its help and refuses
//! with -702, after checking how many arguments were given: feeds, licenses, health checks,
//! and purging, retrieving or trimming stream items. This node is of the Community edition
//! (`getinfo`'s `edition`), so it answers those calls the same way.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult, RPC_NOT_SUPPORTED};
use serde_json::Value;

/// Each command with the fewest and most arguments MultiChain accepts before refusing.
const REFUSED: [(&str, (usize, usize)); 25] = [
    ("createfeed", (1, 2)),
    ("deletefeed", (1, 2)),
    ("pausefeed", (1, 2)),
    ("resumefeed", (1, 2)),
    ("purgefeed", (2, 2)),
    ("listfeeds", (0, 2)),
    ("getdatarefdata", (1, 3)),
    ("datareftobinarycache", (2, 4)),
    ("addtofeed", (2, 5)),
    ("updatefeed", (2, 5)),
    ("getlicenserequest", (0, 1)),
    ("decodelicenserequest", (1, 1)),
    ("decodelicenseconfirmation", (1, 1)),
    ("activatelicense", (1, 1)),
    ("activatelicensefrom", (2, 2)),
    ("transferlicense", (2, 2)),
    ("listlicenses", (0, 2)),
    ("getlicenseconfirmation", (1, 2)),
    ("takelicense", (1, 1)),
    ("importlicenserequest", (1, 1)),
    ("gethealthcheck", (0, 0)),
    ("trimsubscribe", (2, 2)),
    ("retrievestreamitems", (2, 2)),
    ("purgestreamitems", (2, 2)),
    ("purgepublisheditems", (1, 1)),
];

/// One handler for every command in [`REFUSED`]: it finds its row by the method's name.
fn refuse(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    let (min, max) = args.row_of(&REFUSED)?;
    args.arity(min, max)?;
    Err(enterprise_only(&format!("{} API", args.method)))
}

/// MultiChain Community's words for a feature of the Enterprise edition.
pub fn enterprise_only(feature: &str) -> RpcError {
    RpcError::new(
        RPC_NOT_SUPPORTED,
        format!("This feature is only available in MultiChain Enterprise: {feature}"),
    )
}

pub fn methods() -> impl Iterator<Item = (&'static str, Handler)> {
    REFUSED.iter().map(|(name, _)| (*name, refuse as Handler))
}
