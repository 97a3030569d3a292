//! Building and signing wallet transactions: spend outputs of one address, pay the given
//! outputs, and return the rest — native currency and every asset the chosen inputs held —
//! to the same address in a change output (always present, so the address keeps something
//! to spend), and each restricted asset in one of its own after it.

use super::Wallet;
use crate::chain::entities::asset_permission_refusal;
use crate::chain::metadata::{self, AssetAmounts, OutputKind};
use crate::chain::state::{has_entity_permission, StateView};
use crate::chain::verify::sign_input;
use crate::primitives::address::Address;
use crate::primitives::permission;
use crate::primitives::script::{self, Element};
use bitcoin::absolute::LockTime;
use bitcoin::transaction::Version;
use bitcoin::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("Private key for from-address is not found in this wallet")]
    NoKey,
    #[error("Insufficient funds")]
    InsufficientFunds,
    #[error("Insufficient asset funds")]
    InsufficientAssets,
    #[error("Signing transaction failed")]
    Signing,
    /// An output carries a restricted asset its address may not receive (or not alone).
    #[error("{0}")]
    AssetPermission(&'static str),
}

/// What a wallet transaction must pay: its outputs (in order) and the asset quantities
/// those outputs transfer, which the inputs must cover.
#[derive(Clone, Debug, Default)]
pub struct Spend {
    pub outputs: Vec<TxOut>,
    pub assets: AssetAmounts,
}

/// A spendable output of the address with what it holds.
struct Candidate {
    outpoint: OutPoint,
    script: ScriptBuf,
    value: u64,
    assets: AssetAmounts,
    /// The block holding it; `None` in the mempool.
    height: Option<u32>,
}

fn candidates<V: StateView + ?Sized>(
    view: &V,
    wallet: &Wallet,
    from: &Address,
    height: u32,
    spendable_delay: u32,
) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = wallet
        .coins_of(from)
        .filter(|op| !wallet.is_locked(op))
        .filter_map(|op| {
            let coin = view.coin(op)?;
            if coin.coinbase {
                let h = coin.height?;
                if height.saturating_sub(h) < spendable_delay {
                    return None;
                }
            }
            let parsed = script::parse(&coin.output.script_pubkey)?;
            if parsed.address() != Some(*from) {
                return None;
            }
            let assets = metadata::coin_assets(op, &coin.output.script_pubkey);
            // A restricted asset the address may not send leaves the coin where it is.
            let holds =
                |id: &[u8; 16]| has_entity_permission(view, id, from, permission::SEND, height);
            if asset_permission_refusal(
                &assets,
                |id| restrictions(view, id),
                holds,
                permission::SEND,
            )
            .is_some()
            {
                return None;
            }
            Some(Candidate {
                outpoint: *op,
                assets,
                script: coin.output.script_pubkey,
                value: coin.output.value.to_sat(),
                height: coin.height,
            })
        })
        .collect();
    // Deterministic: plain outputs first, larger values first, then by outpoint.
    out.sort_by(|a, b| {
        a.assets
            .is_empty()
            .cmp(&b.assets.is_empty())
            .reverse()
            .then(b.value.cmp(&a.value))
            .then(a.outpoint.cmp(&b.outpoint))
    });
    out
}

/// Builds and signs a transaction from `from` paying `spend`.
pub fn build_from<V: StateView + ?Sized>(
    view: &V,
    wallet: &Wallet,
    from: &Address,
    spend: Spend,
    height: u32,
    spendable_delay: u32,
) -> Result<Transaction, BuildError> {
    let key = *wallet.key(from).ok_or(BuildError::NoKey)?;
    let (tx, scripts) = build_unsigned(view, wallet, from, spend, height, spendable_delay)?;
    sign_all(tx, &scripts, &key)
}

fn sign_all(
    mut tx: Transaction,
    scripts: &[ScriptBuf],
    key: &crate::primitives::keys::PrivateKey,
) -> Result<Transaction, BuildError> {
    for (i, script) in scripts.iter().enumerate() {
        sign_input(&mut tx, i, script, key).map_err(|_| BuildError::Signing)?;
    }
    Ok(tx)
}

/// How `combineunspent` gathers an address's outputs.
#[derive(Clone, Copy, Debug)]
pub struct Combine {
    /// Confirmations an output needs to be taken.
    pub min_conf: u32,
    /// Fewer outputs than this qualifying: nothing to do.
    pub min_inputs: usize,
    pub max_inputs: usize,
}

/// Spends up to `max_inputs` of `from`'s outputs with `min_conf` confirmations into its change
/// (one output, and one per restricted asset), as MultiChain's `combineunspent`; `None` when
/// fewer than `min_inputs` qualify. `height` is the next block's.
pub fn build_combining<V: StateView + ?Sized>(
    view: &V,
    wallet: &Wallet,
    from: &Address,
    combine: Combine,
    height: u32,
    spendable_delay: u32,
) -> Result<Option<Transaction>, BuildError> {
    let key = *wallet.key(from).ok_or(BuildError::NoKey)?;
    let confirmations = |c: &Candidate| c.height.map_or(0, |h| height.saturating_sub(h));
    let chosen: Vec<Candidate> = candidates(view, wallet, from, height, spendable_delay)
        .into_iter()
        .filter(|c| confirmations(c) >= combine.min_conf)
        .take(combine.max_inputs)
        .collect();
    if chosen.len() < combine.min_inputs.max(1) {
        return Ok(None);
    }
    let (tx, scripts) = assemble(view, from, Spend::default(), chosen);
    sign_all(tx, &scripts, &key).map(Some)
}

/// Builds the transaction without signing it; returns it with the script each input spends.
pub fn build_unsigned<V: StateView + ?Sized>(
    view: &V,
    wallet: &Wallet,
    from: &Address,
    spend: Spend,
    height: u32,
    spendable_delay: u32,
) -> Result<(Transaction, Vec<ScriptBuf>), BuildError> {
    // MultiChain's wallet refuses outputs the rules would (its `CheckOutputPermissions`).
    for output in &spend.outputs {
        let Some(parsed) = script::parse(&output.script_pubkey) else {
            continue;
        };
        if let Ok(OutputKind::Payment {
            address,
            assets,
            follow_ons,
            ..
        }) = metadata::classify(&parsed)
        {
            let mut carried = assets;
            carried.extend(follow_ons);
            let holds = |id: &[u8; 16]| {
                has_entity_permission(view, id, &address, permission::RECEIVE, height)
            };
            let restrictions = |id: &[u8; 16]| restrictions(view, id);
            if let Some(reason) =
                asset_permission_refusal(&carried, restrictions, holds, permission::RECEIVE)
            {
                return Err(BuildError::AssetPermission(reason));
            }
        }
    }
    let needed: u64 = spend.outputs.iter().map(|o| o.value.to_sat()).sum();
    let mut pool = candidates(view, wallet, from, height, spendable_delay);
    let mut chosen: Vec<Candidate> = Vec::new();
    let mut held: AssetAmounts = Vec::new();
    let mut total = 0u64;
    let take = |i: usize,
                pool: &mut Vec<Candidate>,
                chosen: &mut Vec<Candidate>,
                held: &mut AssetAmounts,
                total: &mut u64| {
        let c = pool.remove(i);
        add_holdings(&c, held, total);
        chosen.push(c);
    };
    // Assets first: outputs holding the most of each needed asset.
    for (id, want) in &spend.assets {
        loop {
            let have = held.iter().find(|(i, _)| i == id).map_or(0, |(_, q)| *q);
            if have >= *want {
                break;
            }
            let best = pool
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.assets.iter().find(|(a, _)| a == id).map(|(_, q)| (i, *q)))
                .max_by_key(|(_, q)| *q);
            match best {
                Some((i, _)) => take(i, &mut pool, &mut chosen, &mut held, &mut total),
                None => return Err(BuildError::InsufficientAssets),
            }
        }
    }
    // Then native currency; at least one input in any case.
    while total < needed || chosen.is_empty() {
        if pool.is_empty() {
            return Err(BuildError::InsufficientFunds);
        }
        take(0, &mut pool, &mut chosen, &mut held, &mut total);
    }
    Ok(assemble(view, from, spend, chosen))
}

/// Adds what an input holds to `held` assets and `total` native units.
fn add_holdings(c: &Candidate, held: &mut AssetAmounts, total: &mut u64) {
    for (id, q) in &c.assets {
        let _ = metadata::add_amount(held, *id, *q);
    }
    *total += c.value;
}

/// The transaction spending `chosen` to pay `spend`, with the rest of what they hold back to
/// `from`: one change output, and one per restricted asset.
fn assemble<V: StateView + ?Sized>(
    view: &V,
    from: &Address,
    spend: Spend,
    chosen: Vec<Candidate>,
) -> (Transaction, Vec<ScriptBuf>) {
    let needed: u64 = spend.outputs.iter().map(|o| o.value.to_sat()).sum();
    let (mut held, mut total) = (AssetAmounts::new(), 0);
    for c in &chosen {
        add_holdings(c, &mut held, &mut total);
    }
    // Whatever the inputs hold beyond what is sent goes back in the change.
    let mut change_assets: AssetAmounts = Vec::new();
    for (id, q) in &held {
        let sent = spend
            .assets
            .iter()
            .find(|(i, _)| i == id)
            .map_or(0, |(_, q)| *q);
        if *q > sent {
            change_assets.push((*id, q - sent));
        }
    }
    // A restricted asset goes back alone, in a change output of its own (as MultiChain's
    // wallet groups it); the rest together.
    let (alone, together): (AssetAmounts, AssetAmounts) = change_assets
        .into_iter()
        .partition(|(id, _)| restrictions(view, id) != 0);
    let change_metadata = if together.is_empty() {
        Vec::new()
    } else {
        vec![Element::Quantities(together).encode()]
    };
    let mut tx = Transaction {
        version: Version::ONE,
        lock_time: LockTime::ZERO,
        input: chosen
            .iter()
            .map(|c| TxIn {
                previous_output: c.outpoint,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            })
            .collect(),
        output: spend.outputs,
    };
    tx.output.push(TxOut {
        value: Amount::from_sat(total - needed),
        script_pubkey: script::pay_to(from, &change_metadata),
    });
    for asset in alone {
        tx.output.push(TxOut {
            value: Amount::ZERO,
            script_pubkey: script::pay_to(from, &[Element::Quantities(vec![asset]).encode()]),
        });
    }
    (tx, chosen.into_iter().map(|c| c.script).collect())
}

/// An asset's send/receive restriction bits (0 for anything else).
fn restrictions<V: StateView + ?Sized>(view: &V, id: &[u8; 16]) -> u32 {
    view.entity(id).filter(|e| e.is_asset()).map_or(0, |e| {
        e.asset_restrictions() & (permission::SEND | permission::RECEIVE)
    })
}
