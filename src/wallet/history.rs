//! The wallet's transaction history: which transactions touched wallet addresses, and what
//! they did to the wallet's balance, recorded when the transaction is first seen (when the
//! outputs it spends are still known).

use crate::chain::metadata::{self, AssetAmounts};
use crate::chain::state::TxEffects;
use crate::primitives::address::Address;
use crate::primitives::script;
use bitcoin::{Transaction, Txid};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletTx {
    pub txid: Txid,
    /// When this node first saw it.
    pub time: u32,
    pub native: i64,
    pub assets: AssetAmounts,
    /// Wallet addresses involved (sorted MultiChain's way).
    pub mine: Vec<Address>,
    /// Other addresses: input signers, then output addresses.
    pub others: Vec<Address>,
    pub coinbase: bool,
}

impl WalletTx {
    /// Whether `a` is among the transaction's addresses, the wallet's or others'.
    pub fn involves(&self, a: &Address) -> bool {
        self.mine.contains(a) || self.others.contains(a)
    }
}

/// MultiChain's address order: key hashes before script hashes, then the hash as a
/// little-endian number (compared from its last byte).
pub fn sort_addresses(list: &mut [Address]) {
    list.sort_by(|a, b| {
        a.is_script().cmp(&b.is_script()).then_with(|| {
            let (x, y) = (a.hash(), b.hash());
            x.iter().rev().cmp(y.iter().rev())
        })
    });
}

/// What `tx` (with `effects`) means to a wallet whose addresses satisfy `is_mine`; None if
/// it does not involve the wallet.
pub fn record(
    tx: &Transaction,
    txid: Txid,
    effects: &TxEffects,
    time: u32,
    is_mine: impl Fn(&Address) -> bool,
) -> Option<WalletTx> {
    let mut native: i64 = 0;
    let mut assets: AssetAmounts = Vec::new();
    let mut mine: Vec<Address> = Vec::new();
    let mut other_inputs: Vec<Address> = Vec::new();
    let mut other_outputs: Vec<Address> = Vec::new();
    for (op, coin) in &effects.spent {
        let Some(a) = script::parse(&coin.output.script_pubkey).and_then(|p| p.address()) else {
            continue;
        };
        if is_mine(&a) {
            native -= coin.output.value.to_sat() as i64;
            for (id, q) in metadata::coin_assets(op, &coin.output.script_pubkey) {
                metadata::add_amount(&mut assets, id, -q)?;
            }
            if !mine.contains(&a) {
                mine.push(a);
            }
        } else if !other_inputs.contains(&a) {
            other_inputs.push(a);
        }
    }
    for (vout, out) in tx.output.iter().enumerate() {
        let Some(a) = script::parse(&out.script_pubkey).and_then(|p| p.address()) else {
            continue;
        };
        if is_mine(&a) {
            native += out.value.to_sat() as i64;
            let op = bitcoin::OutPoint {
                txid,
                vout: vout as u32,
            };
            for (id, q) in metadata::coin_assets(&op, &out.script_pubkey) {
                metadata::add_amount(&mut assets, id, q)?;
            }
            if !mine.contains(&a) {
                mine.push(a);
            }
        } else if !other_outputs.contains(&a) && !other_inputs.contains(&a) {
            other_outputs.push(a);
        }
    }
    if mine.is_empty() {
        return None;
    }
    assets.retain(|(_, q)| *q != 0);
    sort_addresses(&mut mine);
    sort_addresses(&mut other_inputs);
    sort_addresses(&mut other_outputs);
    other_inputs.extend(other_outputs);
    // Records wait in memory until the next block: no spare capacity.
    mine.shrink_to_fit();
    other_inputs.shrink_to_fit();
    Some(WalletTx {
        txid,
        time,
        native,
        assets,
        mine,
        others: other_inputs,
        coinbase: tx.is_coinbase(),
    })
}
