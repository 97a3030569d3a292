//! `dumpwallet` and `importwallet`: every key of the wallet to a text file and back, in the
//! format MultiChain writes and reads (`wallet::dump`), so keys move between this node and
//! MultiChain either way; `backupwallet` writes the same.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::{
    RpcError, RpcResult, RPC_GENERAL_FILE_ERROR, RPC_INVALID_PARAMETER, RPC_WALLET_ERROR,
};
use crate::primitives::keys::PrivateKey;
use crate::wallet::dump::{self, DumpHeader, KeyLine};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub const METHODS: [(&str, Handler); 3] = [
    ("dumpwallet", dumpwallet),
    ("importwallet", importwallet),
    ("backupwallet", backupwallet),
];

/// `path` as the node would open it (relative to its working directory), made absolute.
fn absolute(path: &str) -> PathBuf {
    let p = Path::new(path);
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    // An existing file is followed through links; a new one goes where its directory is.
    if let Ok(real) = joined.canonicalize() {
        return real;
    }
    match (joined.parent(), joined.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .map(|d| d.join(name))
            .unwrap_or(joined.clone()),
        _ => joined,
    }
}

/// Whether writing to `path` would overwrite a file of the chain's own directory (its ledger,
/// params, configuration, log): MultiChain refuses its own wallet file, this node all of them.
fn is_chain_file(ctx: &RpcContext, path: &Path) -> bool {
    let chain_dir = ctx
        .node
        .chain_dir
        .canonicalize()
        .unwrap_or_else(|_| ctx.node.chain_dir.clone());
    path.starts_with(chain_dir.join("ledger"))
        || (path.parent() == Some(chain_dir.as_path()) && path.exists())
}

/// The wallet's keys in MultiChain's dump format.
fn dump_text(ctx: &RpcContext) -> String {
    let st = ctx.node.state.read();
    let format = &ctx.node.format;
    let tip = st.tip();
    let tip_hash = tip.hash.to_string();
    let line = |label| {
        move |(address, key): &(_, crate::wallet::WalletKey)| KeyLine {
            wif: key.key.to_wif(format),
            created: key.created,
            address: format.encode_address(address),
            label,
        }
    };
    let keys = st
        .wallet
        .keys()
        .map(line(Some("")))
        .chain(st.wallet.pool_keys().map(line(None)))
        .collect();
    dump::write(
        &DumpHeader {
            client: super::control::VERSION,
            now: crate::node::unix_now(),
            tip_height: st.tip_height(),
            tip_hash: &tip_hash,
            tip_time: tip.time,
        },
        keys,
    )
}

fn dumpwallet(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    let path = args.str(0)?;
    if is_chain_file(ctx, &absolute(path)) {
        return Err(RpcError::new(
            RPC_INVALID_PARAMETER,
            "Cannot dump wallet file to itself",
        ));
    }
    std::fs::write(path, dump_text(ctx))
        .map_err(|_| RpcError::new(RPC_GENERAL_FILE_ERROR, "Cannot open wallet dump file"))?;
    Ok(Value::Null)
}

/// `backupwallet "destination"`: this node's wallet is not a `wallet.dat` but rows of its
/// ledger, so the backup is what restores it here: every key, in the dump format
/// `importwallet` reads (into `destination/wallet.dat` when `destination` is a directory, as
/// MultiChain names it). MultiChain's errors.
fn backupwallet(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    let given = absolute(args.str(0)?);
    // Inside a directory, `wallet.dat` is resolved too (it may be a link).
    let target = if given.is_dir() {
        absolute(&given.join("wallet.dat").to_string_lossy())
    } else {
        given
    };
    if is_chain_file(ctx, &target) {
        return Err(RpcError::new(
            RPC_INVALID_PARAMETER,
            "Cannot backup wallet file to itself",
        ));
    }
    std::fs::write(&target, dump_text(ctx))
        .map_err(|_| RpcError::new(RPC_WALLET_ERROR, "Error: Wallet backup failed!"))?;
    Ok(Value::Null)
}

/// `importwallet "filename" ( rescan )`: the keys of a dump; those already held are left as
/// they are. A line whose key does not read is skipped, as MultiChain skips it.
fn importwallet(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    let path = args.str(0)?;
    let text = std::fs::read(path)
        .map_err(|_| RpcError::new(RPC_GENERAL_FILE_ERROR, "Cannot open wallet dump file"))?;
    let keys: Vec<(PrivateKey, u32)> = dump::read(&String::from_utf8_lossy(&text))
        .into_iter()
        .filter_map(|k| {
            let key = PrivateKey::from_wif(&k.wif, &ctx.node.format).ok()?;
            Some((key, k.created))
        })
        .collect();
    let mut st = ctx.node.state.write();
    let mut good = true;
    for (key, created) in keys {
        let created = (created > 0).then_some(created);
        good &= st.wallet.import_key(&ctx.node.ledger, key, created).is_ok();
    }
    st.rescan_wallet_coins();
    if !good {
        return Err(RpcError::new(
            RPC_WALLET_ERROR,
            "Error adding some keys to wallet",
        ));
    }
    Ok(Value::Null)
}
