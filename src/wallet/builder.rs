//! Building and signing wallet transactions: spend outputs of one address, pay the given
//! outputs, return the rest (and always one output, so the address keeps something to spend)
//! to the same address.

use super::Wallet;
use crate::chain::state::StateView;
use crate::chain::verify::sign_input;
use crate::primitives::address::Address;
use crate::primitives::script;
use bitcoin::absolute::LockTime;
use bitcoin::transaction::Version;
use bitcoin::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("Private key for from-address is not found in this wallet")]
    NoKey,
    #[error("Insufficient funds")]
    InsufficientFunds,
    #[error("Signing transaction failed")]
    Signing,
}

/// Spendable outputs of `from` at `height` (coinbase outputs need `spendable_delay` blocks).
fn spendable<V: StateView + ?Sized>(
    view: &V,
    wallet: &Wallet,
    from: &Address,
    height: u32,
    spendable_delay: u32,
) -> Vec<(OutPoint, TxOut)> {
    wallet
        .coins_of(from)
        .filter_map(|op| {
            let coin = view.coin(op)?;
            if coin.coinbase {
                let h = coin.height?;
                if height.saturating_sub(h) < spendable_delay {
                    return None;
                }
            }
            // Only plain outputs of this address (no asset/permission payload to carry over).
            let parsed = script::parse(&coin.output.script_pubkey)?;
            (parsed.address() == Some(*from)).then_some((*op, coin.output))
        })
        .collect()
}

/// Builds and signs a transaction from `from` paying `outputs`.
pub fn build_from<V: StateView + ?Sized>(
    view: &V,
    wallet: &Wallet,
    from: &Address,
    outputs: Vec<TxOut>,
    height: u32,
    spendable_delay: u32,
) -> Result<Transaction, BuildError> {
    let key = *wallet.key(from).ok_or(BuildError::NoKey)?;
    let needed: u64 = outputs.iter().map(|o| o.value.to_sat()).sum();
    let mut available = spendable(view, wallet, from, height, spendable_delay);
    // Largest first keeps transactions small; ties by outpoint keep the choice deterministic.
    available.sort_by(|a, b| b.1.value.cmp(&a.1.value).then(a.0.cmp(&b.0)));
    let mut chosen: Vec<(OutPoint, ScriptBuf)> = Vec::new();
    let mut total = 0u64;
    for (op, out) in available {
        chosen.push((op, out.script_pubkey));
        total += out.value.to_sat();
        if total >= needed {
            break;
        }
    }
    if chosen.is_empty() || total < needed {
        return Err(BuildError::InsufficientFunds);
    }
    let mut tx = Transaction {
        version: Version::ONE,
        lock_time: LockTime::ZERO,
        input: chosen
            .iter()
            .map(|(op, _)| TxIn {
                previous_output: *op,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            })
            .collect(),
        output: outputs,
    };
    tx.output.push(TxOut {
        value: Amount::from_sat(total - needed),
        script_pubkey: script::pay_to(from, &[]),
    });
    for (i, (_, prev_script)) in chosen.iter().enumerate() {
        sign_input(&mut tx, i, prev_script, &key).map_err(|_| BuildError::Signing)?;
    }
    Ok(tx)
}
