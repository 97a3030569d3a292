//! Transaction rules. Given a state view and a transaction, [`check_transaction`] returns its
//! effects or a typed rejection. Pure: no I/O, so it runs identically at mempool acceptance and
//! at block connection.

use super::error::TxReject;
use super::state::{
    has_global, AnyoneCan, Coin, PermissionKey, PermissionRecord, StateView, TxEffects,
};
use super::verify::verify_input;
use crate::params::ChainParams;
use crate::primitives::address::Address;
use crate::primitives::permission;
use crate::primitives::script::{self, Destination, ParsedScript, SPK};
use bitcoin::{OutPoint, Transaction};
use std::collections::HashSet;

/// Chain parameters the rules consult, read once.
#[derive(Clone, Debug)]
pub struct RuleParams {
    pub anyone: AnyoneCan,
    pub max_tx_size: usize,
    pub max_block_size: usize,
    pub max_per_output: u64,
    pub max_op_returns: usize,
    pub max_op_return_size: usize,
    pub max_op_drops: usize,
    pub max_element_size: usize,
    pub allow_p2sh: bool,
    pub allow_multisig: bool,
    pub allow_arbitrary: bool,
    pub spendable_delay: u32,
    pub setup_blocks: u32,
    pub mining_diversity: f64,
    pub initial_reward: i64,
    pub first_block_reward: i64,
    pub halving_interval: u32,
    pub skip_pow: bool,
    pub pow_bits: u32,
}

impl RuleParams {
    pub fn from_params(p: &ChainParams) -> Self {
        RuleParams {
            anyone: AnyoneCan::from_params(p),
            max_tx_size: p.int("max-std-tx-size") as usize,
            max_block_size: p.int("maximum-block-size") as usize,
            max_per_output: p.int("maximum-per-output").max(0) as u64,
            max_op_returns: p.int("max-std-op-returns-count") as usize,
            max_op_return_size: p.int("max-std-op-return-size") as usize,
            max_op_drops: p.int("max-std-op-drops-count") as usize,
            max_element_size: p.int("max-std-element-size") as usize,
            allow_p2sh: p.bool("allow-p2sh-outputs"),
            allow_multisig: p.bool("allow-multisig-outputs"),
            allow_arbitrary: p.bool("allow-arbitrary-outputs"),
            spendable_delay: p.int("reward-spendable-delay").max(0) as u32,
            setup_blocks: p.int("setup-first-blocks").max(0) as u32,
            mining_diversity: p.decimal("mining-diversity"),
            initial_reward: p.int("initial-block-reward"),
            first_block_reward: p.int("first-block-reward"),
            halving_interval: p.int("reward-halving-interval").max(1) as u32,
            skip_pow: p.bool("skip-pow-check"),
            pow_bits: p.int("pow-minimum-bits").clamp(1, 32) as u32,
        }
    }

    /// Mining reward of the block at `height`, in raw units.
    pub fn block_reward(&self, height: u32) -> u64 {
        if height == 1 && self.first_block_reward >= 0 {
            return self.first_block_reward as u64;
        }
        let halvings = height / self.halving_interval;
        if halvings >= 63 {
            return 0;
        }
        (self.initial_reward.max(0) as u64) >> halvings
    }
}

/// Where the transaction is checked: in the block at `height`, at time `time`.
#[derive(Clone, Copy, Debug)]
pub struct TxContext<'a> {
    pub rules: &'a RuleParams,
    pub height: u32,
    pub time: u32,
}

/// A transaction that passed every rule: its effects, the address that signed each input,
/// and its fee.
#[derive(Debug)]
pub struct CheckedTx {
    pub effects: TxEffects,
    pub signers: Vec<Address>,
    pub fee: u64,
}

/// Checks every rule for a non-coinbase transaction against `view`.
pub fn check_transaction<V: StateView + ?Sized>(
    view: &V,
    ctx: &TxContext,
    tx: &Transaction,
) -> Result<CheckedTx, TxReject> {
    let rules = ctx.rules;
    if tx.is_coinbase() {
        return Err(TxReject::invalid("coinbase"));
    }
    if tx.input.is_empty() {
        return Err(TxReject::invalid("bad-txns-vin-empty"));
    }
    if tx.output.is_empty() {
        return Err(TxReject::invalid("bad-txns-vout-empty"));
    }
    let size = bitcoin::consensus::encode::serialize(tx).len();
    if size > rules.max_block_size {
        return Err(TxReject::invalid("bad-txns-oversize"));
    }
    if size > rules.max_tx_size {
        return Err(TxReject::nonstandard("tx-size"));
    }
    let mut total_out: u64 = 0;
    for o in &tx.output {
        let v = o.value.to_sat();
        if v > rules.max_per_output {
            return Err(TxReject::invalid("bad-txns-vout-toolarge"));
        }
        total_out = total_out
            .checked_add(v)
            .ok_or_else(|| TxReject::invalid("bad-txns-txouttotal-toolarge"))?;
    }
    let mut seen = HashSet::new();
    for i in &tx.input {
        if !seen.insert(i.previous_output) {
            return Err(TxReject::invalid("bad-txns-inputs-duplicate"));
        }
    }

    // Inputs: exist, mature, signed, and their owners may send.
    let mut effects = TxEffects::default();
    let mut signers = Vec::with_capacity(tx.input.len());
    let mut total_in: u64 = 0;
    for (index, input) in tx.input.iter().enumerate() {
        let coin = view
            .coin(&input.previous_output)
            .ok_or(TxReject::MissingInputs)?;
        if coin.coinbase {
            let confirmations = coin
                .height
                .map(|h| ctx.height.saturating_sub(h))
                .unwrap_or(0);
            if confirmations < rules.spendable_delay {
                return Err(TxReject::invalid("bad-txns-premature-spend-of-coinbase"));
            }
        }
        let signer = verify_input(tx, index, &coin.output.script_pubkey)
            .map_err(|e| TxReject::invalid(format!("mandatory-script-verify-flag-failed ({e})")))?;
        if !has_global(view, &rules.anyone, &signer, permission::SEND, ctx.height) {
            return Err(TxReject::invalid(format!(
                "Input {index} doesn't have send permission"
            )));
        }
        total_in += coin.output.value.to_sat();
        signers.push(signer);
        effects.spent.push((input.previous_output, coin));
    }
    if total_in < total_out {
        return Err(TxReject::invalid("bad-txns-in-belowout"));
    }

    // Outputs: allowed scripts, standard metadata, receive permission, permission grants.
    let txid = tx.compute_txid();
    let mut op_returns = 0;
    let mut seq = view.next_permission_seq();
    for (vout, output) in tx.output.iter().enumerate() {
        let parsed = script::parse(&output.script_pubkey)
            .ok_or_else(|| TxReject::invalid("Script rejected - error in script"))?;
        check_output_standard(rules, &parsed, &mut op_returns)?;
        check_metadata_known(&parsed)?;
        if let Some(address) = parsed.address() {
            check_receive(view, ctx, &parsed, &address, output.value.to_sat())?;
            for (entity, grant) in parsed.permission_grants() {
                if entity.is_some() {
                    return Err(TxReject::invalid("Script rejected - entity not found"));
                }
                let admin = find_granting_admin(view, ctx, &signers, grant.bits)?;
                for bit in permission::split_bits(grant.bits) {
                    let key = PermissionKey {
                        entity: None,
                        address,
                        bit,
                    };
                    // A later output of this same transaction may touch the same key.
                    let previous = effects
                        .permissions
                        .iter()
                        .rev()
                        .find(|(k, _, _)| *k == key)
                        .map(|(_, _, r)| r.clone())
                        .or_else(|| view.permission(&key));
                    let record_seq = match &previous {
                        Some(p) => p.seq,
                        None => {
                            seq += 1;
                            seq - 1
                        }
                    };
                    let new = PermissionRecord {
                        start: grant.start,
                        end: grant.end,
                        timestamp: grant.timestamp,
                        admins: vec![admin],
                        seq: record_seq,
                    };
                    effects.permissions.push((key, previous, new));
                }
            }
        } else if !parsed.elements.is_empty()
            && !matches!(parsed.destination, Destination::NullData(_))
        {
            return Err(TxReject::invalid(
                "Permission script rejected - wrong destination type",
            ));
        }
        if !matches!(parsed.destination, Destination::NullData(_)) {
            effects.created.push((
                OutPoint {
                    txid,
                    vout: vout as u32,
                },
                Coin {
                    output: output.clone(),
                    height: None,
                    coinbase: false,
                },
            ));
        }
    }
    Ok(CheckedTx {
        effects,
        signers,
        fee: total_in - total_out,
    })
}

fn check_output_standard(
    rules: &RuleParams,
    parsed: &ParsedScript,
    op_returns: &mut usize,
) -> Result<(), TxReject> {
    match &parsed.destination {
        Destination::ScriptHash(_) if !rules.allow_p2sh && !rules.allow_arbitrary => {
            return Err(TxReject::invalid("Script rejected - P2SH is not allowed"));
        }
        Destination::Other if !rules.allow_arbitrary => {
            return Err(TxReject::invalid("Script rejected - destination required "));
        }
        Destination::NullData(data) => {
            *op_returns += 1;
            if *op_returns > rules.max_op_returns {
                return Err(TxReject::nonstandard("multi-op-return"));
            }
            if data.as_ref().map_or(0, |d| d.len()) > rules.max_op_return_size {
                return Err(TxReject::nonstandard("scriptpubkey"));
            }
        }
        _ => {}
    }
    if parsed.elements.len() > rules.max_op_drops {
        return Err(TxReject::nonstandard("scriptpubkey"));
    }
    if parsed
        .elements
        .iter()
        .any(|e| e.len() > rules.max_element_size)
    {
        return Err(TxReject::nonstandard("scriptpubkey"));
    }
    Ok(())
}

/// Only metadata this node understands is accepted; anything else would be silently
/// ignored, which could hide a rule we do not enforce.
fn check_metadata_known(parsed: &ParsedScript) -> Result<(), TxReject> {
    for e in &parsed.elements {
        let known = e.len() >= 4
            && &e[..3] == SPK
            && matches!(e[3], script::PREFIX_PERMISSION | script::PREFIX_ENTITY);
        if !known {
            return Err(TxReject::invalid(
                "Metadata script rejected - Unrecognized script, should be new entity or input script cache",
            ));
        }
    }
    Ok(())
}

fn check_receive<V: StateView + ?Sized>(
    view: &V,
    ctx: &TxContext,
    parsed: &ParsedScript,
    address: &Address,
    value: u64,
) -> Result<(), TxReject> {
    // Pure grants may go to anyone: that is how an address first gets permissions.
    if parsed.is_pure_permission() {
        return Ok(());
    }
    let rules = ctx.rules;
    if has_global(
        view,
        &rules.anyone,
        address,
        permission::RECEIVE,
        ctx.height,
    ) {
        return Ok(());
    }
    let empty = value == 0 && !parsed.has_metadata();
    if empty && rules.anyone.receive_empty {
        return Ok(());
    }
    Err(TxReject::invalid(
        "One of the outputs doesn't have receive permission",
    ))
}

/// The first signer allowed to grant `bits`: admin for anything, activate for
/// connect/send/receive and the low custom permissions.
fn find_granting_admin<V: StateView + ?Sized>(
    view: &V,
    ctx: &TxContext,
    signers: &[Address],
    bits: u32,
) -> Result<Address, TxReject> {
    if bits == 0 || bits & !permission::GLOBAL_ALL != 0 {
        return Err(TxReject::invalid(
            "Permission script rejected - wrong permission type",
        ));
    }
    let anyone = &ctx.rules.anyone;
    for s in signers {
        let admin = has_global(view, anyone, s, permission::ADMIN, ctx.height);
        let activate = has_global(view, anyone, s, permission::ACTIVATE, ctx.height);
        if admin || (activate && bits & !permission::ACTIVATE_GRANTABLE == 0) {
            return Ok(*s);
        }
    }
    Err(TxReject::invalid("Inputs don't belong to valid admin"))
}
