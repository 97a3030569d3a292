//! Wallet encryption commands. This node's wallet is never encrypted, so, as MultiChain with an
//! unencrypted wallet, `walletlock`, `walletpassphrase` and `walletpassphrasechange` say so
//! (-15, before any argument check), and `encryptwallet` fails (-16) saying why.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::{
    RpcError, RpcResult, RPC_MISC_ERROR, RPC_WALLET_ENCRYPTION_FAILED, RPC_WALLET_WRONG_ENC_STATE,
};
use serde_json::Value;

pub const METHODS: [(&str, Handler); 4] = [
    ("walletlock", walletlock),
    ("walletpassphrase", walletpassphrase),
    ("walletpassphrasechange", walletpassphrasechange),
    ("encryptwallet", encryptwallet),
];

fn unencrypted(command: &str) -> RpcError {
    RpcError::new(
        RPC_WALLET_WRONG_ENC_STATE,
        format!("Error: running with an unencrypted wallet, but {command} was called."),
    )
}

fn walletlock(_: &RpcContext, _: &Args) -> RpcResult<Value> {
    Err(unencrypted("walletlock"))
}

fn walletpassphrase(_: &RpcContext, _: &Args) -> RpcResult<Value> {
    Err(unencrypted("walletpassphrase"))
}

fn walletpassphrasechange(_: &RpcContext, _: &Args) -> RpcResult<Value> {
    Err(unencrypted("walletpassphrasechange"))
}

fn encryptwallet(_: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 1)?;
    if args.str(0)?.is_empty() {
        return Err(RpcError::new(
            RPC_MISC_ERROR,
            "encryptwallet <passphrase>\nEncrypts the wallet with <passphrase>.",
        ));
    }
    Err(RpcError::new(
        RPC_WALLET_ENCRYPTION_FAILED,
        "Error: Failed to encrypt the wallet: this node does not encrypt its wallet yet.",
    ))
}
