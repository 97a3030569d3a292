//! Transaction rules. Given a state view and a transaction, [`check_transaction`] returns its
//! effects or a typed rejection. Pure: no I/O, so it runs identically at mempool acceptance and
//! at block connection.

use super::entities::{self, AssetIssue, Entity};
use super::error::TxReject;
use super::metadata::{self, AssetAmounts, OutputKind};
use super::state::{
    has_entity_permission, has_global, AnyoneCan, Coin, ItemEffect, PermissionKey,
    PermissionRecord, StateView, TxEffects,
};
use super::verify::{coverage, script_signer, verify_input, Coverage};
use crate::params::ChainParams;
use crate::primitives::address::Address;
use crate::primitives::entity::{self, Details};
use crate::primitives::permission;
use crate::primitives::script::{self, Destination, ParsedScript, PermissionGrant};
use bitcoin::{OutPoint, Transaction, Txid};
use std::collections::HashSet;

/// The protocol version (MultiChain 2.2) that brought non-fungible assets, opening and
/// closing assets, and issue limits.
pub const TOKENS_PROTOCOL: u32 = 20013;

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
    /// Whether the protocol has MultiChain 2.2's tokens, switchable assets and issue limits
    /// (protocol version [`TOKENS_PROTOCOL`] or later).
    pub tokens: bool,
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
            tokens: p.protocol_version() >= TOKENS_PROTOCOL,
        }
    }

    /// How far apart one miner's blocks must be at `height` with `miners` permitted: a miner
    /// that made block `b` may make `b + spacing` next (MultiChain's `IsBarredByDiversity`).
    /// Worked in MultiChain's integer millionths: as floats, 10 × 0.3 rounds up to 4.
    pub fn diversity_spacing(&self, height: u32, miners: usize) -> usize {
        if miners == 0 || height < self.setup_blocks {
            return 1;
        }
        let millionths = (self.mining_diversity * 1e6).round() as i64;
        let spacing = if millionths > 0 {
            (miners as i64 * millionths - 1) / 1_000_000 + 1
        } else {
            1
        };
        spacing.clamp(1, miners as i64) as usize
    }

    /// Whether a miner whose last block is `last` (0 for none) may not make `block`.
    pub fn barred_by_diversity(&self, block: u32, last: u32, miners: usize) -> bool {
        let since = block.wrapping_sub(last) as i32 as i64;
        since < self.diversity_spacing(block, miners) as i64
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
    /// False only for transactions this node's wallet has just signed (and blocks it made
    /// from its verified mempool): their signatures are known good, so checking them again
    /// would only cost time. Every other rule is still checked.
    pub verify_signatures: bool,
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
    check_transaction_with_txid(view, ctx, tx, tx.compute_txid())
}

/// [`check_transaction`] for a caller that has computed `txid` already (hashing the whole
/// transaction again is a measurable part of a publish).
pub fn check_transaction_with_txid<V: StateView + ?Sized>(
    view: &V,
    ctx: &TxContext,
    tx: &Transaction,
    txid: Txid,
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
            .filter(|t| *t <= rules.max_per_output)
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
    let mut coverages = Vec::with_capacity(tx.input.len());
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
        let signer = if ctx.verify_signatures {
            verify_input(tx, index, &coin.output.script_pubkey)
        } else {
            script_signer(&coin.output.script_pubkey)
        }
        .map_err(|e| TxReject::invalid(format!("mandatory-script-verify-flag-failed ({e})")))?;
        if !has_global(view, &rules.anyone, &signer, permission::SEND, ctx.height) {
            return Err(TxReject::invalid(format!(
                "Input {index} doesn't have send permission"
            )));
        }
        // Bitcoin's MoneyRange, with MultiChain's maximum-per-output as its MAX_MONEY.
        total_in = total_in
            .checked_add(coin.output.value.to_sat())
            .filter(|t| *t <= rules.max_per_output)
            .ok_or_else(|| TxReject::invalid("bad-txns-inputvalues-outofrange"))?;
        coverages.push(coverage(&input.script_sig));
        signers.push(signer);
        effects.spent.push((input.previous_output, coin));
    }
    if total_in < total_out {
        return Err(TxReject::invalid("bad-txns-in-belowout"));
    }

    // Outputs: allowed scripts, standard metadata, then what each output means.
    let mut op_returns = 0;
    let mut kinds = Vec::with_capacity(tx.output.len());
    for output in &tx.output {
        let parsed = script::parse(&output.script_pubkey)
            .ok_or_else(|| TxReject::invalid("Script rejected - error in script"))?;
        check_output_standard(rules, &parsed, &mut op_returns)?;
        let kind = metadata::classify(&parsed)?;
        if let OutputKind::Payment { address, .. } = &kind {
            check_receive(view, ctx, &parsed, address, output.value.to_sat())?;
        }
        kinds.push(kind);
    }
    let mut checker = MetadataChecker {
        view,
        ctx,
        txid,
        signers: &signers,
        coverages: &coverages,
        effects: &mut effects,
        seq: view.next_permission_seq(),
    };
    checker.check(&kinds)?;
    // A token counts as its asset (for the asset's transaction index).
    let mut assets = metadata::output_assets(&txid, &kinds);
    let issued_token = kinds.iter().find_map(|k| match k {
        OutputKind::Payment {
            token_issue: Some(t),
            ..
        } => Some((t.token, entities::short_id(&t.asset_txid))),
        _ => None,
    });
    for id in &mut assets {
        if let Some(asset) = view.token_asset(id) {
            *id = asset;
        } else if let Some((_, asset)) = issued_token.filter(|(token, _)| token == id) {
            *id = asset;
        }
    }
    if let Some((_, asset)) = issued_token {
        assets.push(asset);
    }
    let mut seen = HashSet::new();
    assets.retain(|id| seen.insert(*id));
    effects.assets = assets;
    for (vout, (output, kind)) in tx.output.iter().zip(&kinds).enumerate() {
        if matches!(kind, OutputKind::Payment { .. } | OutputKind::Other) {
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
    // Effects stay in memory while the transaction waits in the mempool, and a first push
    // reserves room for four.
    effects.shrink_to_fit();
    Ok(CheckedTx {
        effects,
        signers,
        fee: total_in - total_out,
    })
}

/// Checks the MultiChain meaning of a transaction's outputs — permissions, entity creation,
/// asset conservation, stream writes — and records its effects.
struct MetadataChecker<'a, V: StateView + ?Sized> {
    view: &'a V,
    ctx: &'a TxContext<'a>,
    txid: bitcoin::Txid,
    signers: &'a [Address],
    /// What each input's signature covers: which signers MultiChain counts for an output.
    coverages: &'a [Coverage],
    effects: &'a mut TxEffects,
    seq: u64,
}

impl<V: StateView + ?Sized> MetadataChecker<'_, V> {
    /// Signers of inputs signed SIGHASH_ALL: those MultiChain counts as an asset's issuers.
    fn signers_of_all(&self) -> Vec<Address> {
        self.signers
            .iter()
            .zip(self.coverages)
            .filter(|(_, c)| **c == Coverage::All)
            .map(|(a, _)| *a)
            .collect()
    }

    /// The signers MultiChain counts for output `vout` (its `IsRelevantInput`): those of
    /// inputs signed SIGHASH_ALL, and of a SIGHASH_SINGLE one at the same index.
    fn relevant_signers(&self, vout: usize) -> Vec<Address> {
        self.signers
            .iter()
            .zip(self.coverages)
            .enumerate()
            .filter(|(i, (_, c))| **c == Coverage::All || (**c == Coverage::Single && *i == vout))
            .map(|(_, (a, _))| *a)
            .collect()
    }

    fn global(&self, a: &Address, bit: u32) -> bool {
        has_global(self.view, &self.ctx.rules.anyone, a, bit, self.ctx.height)
    }

    fn entity_perm(&self, id: &[u8; 16], a: &Address, bit: u32) -> bool {
        self.effects
            .permissions
            .iter()
            .rev()
            .find(|(k, _, _)| k.entity == Some(*id) && k.address == *a && k.bit == bit)
            .map(|(_, _, r)| r.active_at(self.ctx.height))
            .unwrap_or_else(|| has_entity_permission(self.view, id, a, bit, self.ctx.height))
    }

    /// The entity as this transaction sees it (including its own earlier changes).
    fn entity(&self, id: &[u8; 16]) -> Option<Entity> {
        self.effects
            .entities
            .iter()
            .rev()
            .find(|(i, _, _)| i == id)
            .map(|(_, _, e)| e.clone())
            .or_else(|| self.view.entity(id))
    }

    fn set_permission(&mut self, key: PermissionKey, grant: &PermissionGrant, admin: Address) {
        // A later output of this same transaction may touch the same key.
        let previous = self
            .effects
            .permissions
            .iter()
            .rev()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, r)| r.clone())
            .or_else(|| self.view.permission(&key));
        let seq = match &previous {
            Some(p) => p.seq,
            None => {
                self.seq += 1;
                self.seq - 1
            }
        };
        let new = PermissionRecord {
            start: grant.start,
            end: grant.end,
            timestamp: grant.timestamp,
            admins: vec![admin],
            seq,
        };
        self.effects.permissions.push((key, previous, new));
    }

    fn check(&mut self, kinds: &[OutputKind]) -> Result<(), TxReject> {
        let new_entity = self.check_new_entity(kinds)?;
        // Grants count before the rest, as MultiChain applies them first: a switch opening
        // an asset lets a follow-on of the same transaction through, one closing it not.
        for (vout, kind) in kinds.iter().enumerate() {
            if let OutputKind::Payment {
                address, grants, ..
            } = kind
            {
                for (entity, grant) in grants {
                    self.check_grant(vout, address, *entity, grant)?;
                }
            }
        }
        self.check_token_issue(kinds, new_entity.as_ref())?;
        self.check_assets(kinds, new_entity.as_ref())?;
        for (vout, kind) in kinds.iter().enumerate() {
            match kind {
                OutputKind::Item {
                    stream,
                    keys,
                    format,
                    data,
                } => self.check_item(vout as u32, stream, keys, *format, data)?,
                OutputKind::Update {
                    entity,
                    kind,
                    details,
                } => {
                    self.check_update(entity, *kind, details)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// At most one new entity per transaction; streams need `create`, assets `issue`.
    fn check_new_entity(&mut self, kinds: &[OutputKind]) -> Result<Option<Entity>, TxReject> {
        let mut found = kinds.iter().enumerate().filter_map(|(vout, k)| match k {
            OutputKind::NewEntity { kind, details } => Some((vout, *kind, details)),
            _ => None,
        });
        let Some((vout, kind, details)) = found.next() else {
            return Ok(None);
        };
        if found.next().is_some() {
            return Err(TxReject::invalid(
                "Metadata script rejected - too many new entities",
            ));
        }
        let (bit, what) = match kind {
            entity::KIND_STREAM => (permission::CREATE, "create"),
            entity::KIND_ASSET => (permission::ISSUE, "issue"),
            _ => {
                return Err(TxReject::invalid(
                    "Metadata script rejected - unsupported new entity type",
                ))
            }
        };
        let candidates = if kind == entity::KIND_ASSET {
            self.signers_of_all()
        } else {
            self.relevant_signers(vout)
        };
        let creators: Vec<Address> = candidates
            .iter()
            .filter(|a| self.global(a, bit))
            .copied()
            .collect();
        if creators.is_empty() {
            return Err(TxReject::invalid(format!(
                "Inputs don't belong to valid creator ({what} permission required)"
            )));
        }
        if let Some(name) = details.name() {
            if !entities::valid_name(&name) {
                return Err(TxReject::invalid(
                    "Entity details script rejected - invalid name",
                ));
            }
            if self.view.entity_by_name(&name).is_some() {
                return Err(TxReject::invalid(if kind == entity::KIND_ASSET {
                    "Asset issue script rejected - entity with this name/asset-ref/txid already exists"
                } else {
                    "New entity script rejected - entity with this name already exists"
                }));
            }
        }
        let mut e = Entity {
            txid: self.txid,
            kind,
            details: details.clone(),
            position: None,
            creators: creators.clone(),
            seq: self.view.next_entity_seq(),
            issues: Default::default(),
        };
        let id = e.short_id();
        if kind == entity::KIND_ASSET {
            let raw = genesis_total(kinds).ok_or_else(|| {
                TxReject::invalid("Asset issue rejected - no or invalid genesis quantity")
            })?;
            genesis_within_limits(&e, kinds)?;
            if e.non_fungible() {
                if !self.ctx.rules.tokens {
                    return Err(TxReject::invalid(
                        "Asset issue script rejected - non-fungible assets are not supported in this protocol version",
                    ));
                }
                if e.multiple() != 1 {
                    return Err(TxReject::invalid(
                        "Asset issue script rejected - multiple should be 1 for non-fungible tokens asset",
                    ));
                }
                if !e.may_ever_open() {
                    return Err(TxReject::invalid(
                        "Asset issue script rejected - follow-ons or asset reopening should be allowed",
                    ));
                }
                // Its units are tokens, each issued later under its own id.
                if raw != 0 {
                    return Err(TxReject::invalid(
                        "Token issuance script rejected - not allowed in asset genesis transaction",
                    ));
                }
            }
            if e.closes_but_never_opens() {
                return Err(TxReject::invalid(
                    "Asset issue script rejected - follow-ons or asset reopening should be allowed",
                ));
            }
            std::sync::Arc::make_mut(&mut e.issues).push(AssetIssue {
                txid: self.txid,
                raw,
                // listassets shows the creation details as the first issue's details.
                details: entities::without_token_id(details),
                issuers: creators.clone(),
            });
        }
        self.effects.entities.push((id, None, e.clone()));
        // Every creator holds the entity's own permissions, as MultiChain sets them: an
        // asset's issuers admin, activate, issue, send and receive (recorded as granted by
        // the first issuer), a stream's creators admin, activate, write and read (each by
        // itself).
        let grant = PermissionGrant {
            bits: 0,
            start: 0,
            end: u32::MAX,
            timestamp: self.ctx.time,
        };
        let creator = creators[0];
        let own: &[u32] = if kind == entity::KIND_ASSET {
            &[
                permission::ADMIN,
                permission::ACTIVATE,
                permission::ISSUE,
                permission::SEND,
                permission::RECEIVE,
            ]
        } else {
            &[
                permission::ADMIN,
                permission::ACTIVATE,
                permission::WRITE,
                permission::READ,
            ]
        };
        let mut seen: Vec<Address> = Vec::new();
        for holder in &creators {
            if seen.contains(holder) {
                continue;
            }
            seen.push(*holder);
            let granted_by = if kind == entity::KIND_ASSET {
                creator
            } else {
                *holder
            };
            for bit in own {
                let key = PermissionKey {
                    entity: Some(id),
                    address: *holder,
                    bit: *bit,
                };
                self.set_permission(key, &grant, granted_by);
            }
        }
        // An asset that may be opened or closed later starts with its switch as issued.
        if e.is_asset() && (e.can_open() || e.can_close()) {
            let key = PermissionKey {
                entity: Some(id),
                address: permission::details_address(permission::DETAILS_ASSET_OPEN),
                bit: permission::DETAILS,
            };
            let switch = PermissionGrant {
                end: if e.open() { u32::MAX } else { 0 },
                ..grant
            };
            self.set_permission(key, &switch, creator);
        }
        Ok(Some(e))
    }

    /// Asset quantities balance: what inputs hold equals what outputs transfer; genesis
    /// outputs only with a new asset, follow-ons only by an issuer of an open asset.
    fn check_assets(
        &mut self,
        kinds: &[OutputKind],
        new_entity: Option<&Entity>,
    ) -> Result<(), TxReject> {
        let mismatch = || {
            TxReject::invalid(
                "Asset transfer script rejected - mismatch in input/output quantities",
            )
        };
        let mut inputs: AssetAmounts = Vec::new();
        for ((op, coin), signer) in self.effects.spent.iter().zip(self.signers) {
            let held = metadata::coin_assets(op, &coin.output.script_pubkey);
            // Restricted assets move only from holders of their per-asset send permission.
            self.check_asset_permissions(&held, signer, permission::SEND)?;
            for (id, q) in held {
                metadata::add_amount(&mut inputs, id, q).ok_or_else(mismatch)?;
            }
        }
        let mut outputs: AssetAmounts = Vec::new();
        let mut follow_ons: AssetAmounts = Vec::new();
        let mut genesis_seen = false;
        for kind in kinds {
            if let OutputKind::Payment {
                address,
                assets,
                genesis,
                follow_ons: f,
                token_issue,
                ..
            } = kind
            {
                // ... and only to holders of their per-asset receive permission.
                if !assets.is_empty() || !f.is_empty() || token_issue.is_some() {
                    let mut carried = assets.clone();
                    carried.extend(f.iter().copied());
                    // A new token is not known by its reference yet: its asset stands for it.
                    carried.extend(
                        token_issue
                            .iter()
                            .map(|t| (entities::short_id(&t.asset_txid), t.qty)),
                    );
                    self.check_asset_permissions(&carried, address, permission::RECEIVE)?;
                }
                for (id, q) in assets {
                    if *q < 0 {
                        return Err(mismatch());
                    }
                    metadata::add_amount(&mut outputs, *id, *q).ok_or_else(mismatch)?;
                }
                for (id, q) in f {
                    // Zero is allowed: the Web Demo's update page issues 0 units with new details.
                    if *q < 0 {
                        return Err(mismatch());
                    }
                    metadata::add_amount(&mut follow_ons, *id, *q).ok_or_else(mismatch)?;
                }
                genesis_seen |= genesis.is_some();
            }
        }
        // New details without units (MultiChain's issuemore of 0 with custom fields) are a
        // follow-on of 0 units, checked and recorded like any other.
        for kind in kinds {
            if let OutputKind::Update { entity: id, .. } = kind {
                if !follow_ons.iter().any(|(i, _)| i == id) {
                    follow_ons.push((*id, 0));
                }
            }
        }
        if genesis_seen && !new_entity.is_some_and(|e| e.is_asset()) {
            return Err(TxReject::invalid(
                "Asset issue rejected - genesis quantity without new asset",
            ));
        }
        for (id, _) in outputs.iter().chain(&inputs) {
            let inp = inputs.iter().find(|(i, _)| i == id).map_or(0, |(_, q)| *q);
            let out = outputs.iter().find(|(i, _)| i == id).map_or(0, |(_, q)| *q);
            if inp != out {
                return Err(mismatch());
            }
            let known = match self.entity(id) {
                Some(e) => e.is_asset(),
                None => self.view.token_asset(id).is_some(),
            };
            if !known {
                return Err(TxReject::invalid(
                    "Asset transfer script rejected - asset not found",
                ));
            }
        }
        for (id, q) in follow_ons {
            let Some(mut asset) = self.entity(&id).filter(|e| e.is_asset()) else {
                return Err(TxReject::invalid(
                    "Asset transfer script rejected - asset not found",
                ));
            };
            // The switch as this transaction's own grants may have left it.
            let switch = permission::details_address(permission::DETAILS_ASSET_OPEN);
            if !asset.follow_ons_allowed(self.entity_perm(&id, &switch, permission::DETAILS)) {
                return Err(TxReject::invalid(
                    "Asset follow-on script rejected - follow-ons not allowed for this asset",
                ));
            }
            let issued = asset.issued_raw().checked_add(q).ok_or_else(mismatch)?;
            if asset.total_limit().is_some_and(|limit| issued > limit) {
                return Err(TxReject::invalid(
                    "Asset follow-on script rejected - above total asset issuance limit",
                ));
            }
            if asset.issue_limit().is_some_and(|limit| q > limit) {
                return Err(TxReject::invalid(
                    "Asset follow-on script rejected - above asset issuance limit",
                ));
            }
            if q > 0 && asset.non_fungible() {
                return Err(TxReject::invalid(
                    "Asset follow-on script rejected - not allowed for NFT assets",
                ));
            }
            let issuers = self.issuers(&id, &asset)?;
            let previous = asset.clone();
            std::sync::Arc::make_mut(&mut asset.issues).push(AssetIssue {
                txid: self.txid,
                raw: q,
                details: Details::default(),
                issuers,
            });
            self.effects.entities.push((id, Some(previous), asset));
        }
        Ok(())
    }

    /// The signers counted as issuing more of an asset (or a new token of it): those signing
    /// all of the transaction and holding the asset's own issue permission (MultiChain's
    /// `CanIssue` of the asset; the global one is not asked for), or every such signer of an
    /// asset anyone may issue more of.
    fn issuers(&self, id: &[u8; 16], asset: &Entity) -> Result<Vec<Address>, TxReject> {
        let anyone = asset.anyone_can_issue_more();
        let issuers: Vec<Address> = self
            .signers_of_all()
            .iter()
            .filter(|a| anyone || self.entity_perm(id, a, permission::ISSUE))
            .copied()
            .collect();
        if issuers.is_empty() {
            return Err(TxReject::invalid("Inputs don't belong to valid issuer"));
        }
        Ok(issuers)
    }

    /// A new token of a non-fungible asset. The issue is recorded as one of the asset's, keyed
    /// by this transaction as in MultiChain, so a transaction issues at most one token and no
    /// other follow-on beside it (checked first); then MultiChain's checks in its order: the
    /// asset exists, takes tokens and is open, the reference is the id's, the quantity is
    /// within the limits, an issuer signed, and the id is new.
    fn check_token_issue(
        &mut self,
        kinds: &[OutputKind],
        new_entity: Option<&Entity>,
    ) -> Result<(), TxReject> {
        let mut issues = kinds.iter().filter_map(|k| match k {
            OutputKind::Payment {
                token_issue: Some(t),
                ..
            } => Some(t),
            _ => None,
        });
        let Some(token) = issues.next() else {
            return Ok(());
        };
        let exists = || {
            TxReject::invalid(
                "Token issue script rejected - entity with this name/asset-ref/txid already exists",
            )
        };
        let other_issue = kinds.iter().any(|k| match k {
            OutputKind::Payment { follow_ons, .. } => !follow_ons.is_empty(),
            OutputKind::Update { .. } => true,
            _ => false,
        });
        if issues.next().is_some() || other_issue || new_entity.is_some_and(|e| e.is_asset()) {
            return Err(exists());
        }
        let bad =
            |reason: &str| TxReject::invalid(format!("Token issuance script rejected - {reason}"));
        if !self.ctx.rules.tokens {
            return Err(bad("not supported in this protocol version"));
        }
        let id = entities::short_id(&token.asset_txid);
        let mut asset = self
            .entity(&id)
            .filter(|e| e.is_asset() && e.txid == token.asset_txid)
            .ok_or_else(|| bad("asset not found"))?;
        if !asset.non_fungible() {
            return Err(bad("not allowed for this asset"));
        }
        let switch = permission::details_address(permission::DETAILS_ASSET_OPEN);
        if !asset.follow_ons_allowed(self.entity_perm(&id, &switch, permission::DETAILS)) {
            return Err(bad("followons not allowed for this asset"));
        }
        if entities::token_ref(&asset.txid, &token.token_id) != token.token {
            return Err(bad("token hash mismatch"));
        }
        let total = asset
            .issued_raw()
            .checked_add(token.qty)
            .filter(|t| *t >= 0 && token.qty >= 0)
            .ok_or_else(|| bad("exceeds maximal value for asset"))?;
        let over_total = asset.total_limit().is_some_and(|limit| total > limit);
        let over_issue = asset.issue_limit().is_some_and(|limit| token.qty > limit);
        if over_total || over_issue {
            return Err(bad("above total asset issuance limit"));
        }
        let issuers = self.issuers(&id, &asset)?;
        if self.view.token_asset(&token.token).is_some() {
            return Err(exists());
        }
        let previous = asset.clone();
        std::sync::Arc::make_mut(&mut asset.issues).push(AssetIssue {
            txid: self.txid,
            raw: token.qty,
            details: token.details.clone(),
            issuers,
        });
        self.effects.entities.push((id, Some(previous), asset));
        Ok(())
    }

    /// Per-asset send (of an input, with the permissions before this transaction, as
    /// MultiChain reads inputs first) or receive (of an output, this transaction's grants
    /// counted) of restricted assets: see `entities::asset_permission_refusal`.
    fn check_asset_permissions(
        &self,
        amounts: &AssetAmounts,
        address: &Address,
        bit: u32,
    ) -> Result<(), TxReject> {
        // A token is restricted as its asset is, and moves under that asset's permissions.
        let amounts: AssetAmounts = amounts
            .iter()
            .map(|(id, q)| (self.view.token_asset(id).unwrap_or(*id), *q))
            .collect();
        let amounts = &amounts;
        let restrictions = |id: &[u8; 16]| {
            self.entity(id)
                .filter(|e| e.is_asset())
                .map_or(0, |e| e.asset_restrictions())
        };
        let holds = |id: &[u8; 16]| {
            if bit == permission::SEND {
                has_entity_permission(self.view, id, address, bit, self.ctx.height)
            } else {
                self.entity_perm(id, address, bit)
            }
        };
        match entities::asset_permission_refusal(amounts, restrictions, holds, bit) {
            Some(reason) => Err(TxReject::invalid(reason)),
            None => Ok(()),
        }
    }

    fn check_grant(
        &mut self,
        vout: usize,
        to: &Address,
        entity: Option<[u8; 16]>,
        grant: &PermissionGrant,
    ) -> Result<(), TxReject> {
        let Some(id) = entity else {
            let signers = self.relevant_signers(vout);
            let admin = find_granting_admin(self.view, self.ctx, &signers, grant.bits)?;
            for bit in permission::split_bits(grant.bits) {
                let key = PermissionKey {
                    entity: None,
                    address: *to,
                    bit,
                };
                self.set_permission(key, grant, admin);
            }
            return Ok(());
        };
        let e = self
            .entity(&id)
            .ok_or_else(|| TxReject::invalid("Script rejected - entity not found"))?;
        let allowed = if e.is_asset() {
            permission::ISSUE
                | permission::ADMIN
                | permission::ACTIVATE
                | permission::SEND
                | permission::RECEIVE
                | permission::DETAILS
        } else {
            permission::WRITE | permission::READ | permission::ADMIN | permission::ACTIVATE
        };
        if grant.bits == 0 || grant.bits & !allowed != 0 {
            return Err(TxReject::invalid(
                "Permission script rejected - wrong permission type",
            ));
        }
        // Entity admins grant anything; entity activators the non-admin ones. A global admin
        // is no entity's admin by that alone (MultiChain's `CanAdmin` asks the entity only).
        let needs_admin = grant.bits & permission::ENTITY_ADMIN_GRANTED != 0;
        let admin = self
            .relevant_signers(vout)
            .iter()
            .find(|a| {
                self.entity_perm(&id, a, permission::ADMIN)
                    || (!needs_admin && self.entity_perm(&id, a, permission::ACTIVATE))
            })
            .copied()
            .ok_or_else(|| TxReject::invalid("Inputs don't belong to valid admin"))?;
        for bit in permission::split_bits(grant.bits) {
            let key = PermissionKey {
                entity: Some(id),
                address: *to,
                bit,
            };
            self.set_permission(key, grant, admin);
        }
        Ok(())
    }

    fn check_item(
        &mut self,
        vout: u32,
        stream: &[u8; 16],
        keys: &[Vec<u8>],
        format: u8,
        data: &[u8],
    ) -> Result<(), TxReject> {
        let e = self
            .entity(stream)
            .filter(|e| e.is_stream())
            .ok_or_else(|| TxReject::invalid("Metadata script rejected - entity not found"))?;
        // Of a stream not open to all, every signer MultiChain counts for this output must
        // be a writer (one without write permission spoils it; none counted passes).
        let needs_write = e.restricted_permissions() as u32 & permission::WRITE != 0;
        if needs_write
            && self
                .relevant_signers(vout as usize)
                .iter()
                .any(|a| !self.entity_perm(stream, a, permission::WRITE))
        {
            return Err(TxReject::invalid(
                "Metadata script rejected - Inputs don't belong to valid publisher",
            ));
        }
        // A stream restricted from on-chain items refuses any item carrying data in the
        // transaction (this node has no off-chain items yet, so every item does).
        if e.restrictions() & entity::RESTRICT_ONCHAIN != 0 && !data.is_empty() {
            return Err(TxReject::invalid(
                "Metadata script rejected - stream restrictions violation",
            ));
        }
        let mut unique: Vec<Address> = Vec::with_capacity(self.signers.len());
        for p in self.signers {
            if !unique.contains(p) {
                unique.push(*p);
            }
        }
        self.effects.items.push(ItemEffect {
            stream: *stream,
            vout,
            keys: keys.to_vec(),
            format,
            data: data.to_vec(),
            publishers: unique,
        });
        Ok(())
    }

    /// Asset follow-on details (`issuemore` with custom fields): attached to this
    /// transaction's issue record.
    fn check_update(&mut self, id: &[u8; 16], kind: u8, details: &Details) -> Result<(), TxReject> {
        let Some(mut e) = self.entity(id) else {
            return Err(TxReject::invalid(
                "Metadata script rejected - entity not found",
            ));
        };
        if kind != e.kind || !e.is_asset() {
            return Err(TxReject::invalid(
                "Metadata script rejected - entity type mismatch in update script",
            ));
        }
        // Checked before the issues are copied for the change.
        if e.issues.last().is_none_or(|i| i.txid != self.txid) {
            return Err(TxReject::invalid(
                "Metadata script rejected - wrong element, should be entity update",
            ));
        }
        let issues = std::sync::Arc::make_mut(&mut e.issues);
        let last = issues.last_mut().expect("checked above");
        last.details = entities::without_token_id(details);
        let previous = self.view.entity(id);
        self.effects.entities.push((*id, previous, e));
        Ok(())
    }
}

/// Total raw quantity in genesis outputs; None if missing or negative (MultiChain lets an
/// asset be issued with none).
fn genesis_total(kinds: &[OutputKind]) -> Option<i64> {
    let mut total: i64 = 0;
    let mut any = false;
    for k in kinds {
        if let OutputKind::Payment {
            genesis: Some(g), ..
        } = k
        {
            if *g < 0 {
                return None;
            }
            total = total.checked_add(*g)?;
            any = true;
        }
    }
    any.then_some(total)
}

/// A new asset's genesis outputs within its `totallimit` (all of them together) and
/// `issuelimit` (each output, as MultiChain counts it).
fn genesis_within_limits(asset: &Entity, kinds: &[OutputKind]) -> Result<(), TxReject> {
    let mut total: i64 = 0;
    for k in kinds {
        if let OutputKind::Payment {
            genesis: Some(g), ..
        } = k
        {
            total = total.saturating_add(*g);
            if asset.total_limit().is_some_and(|limit| total > limit) {
                return Err(TxReject::invalid(
                    "Asset issue script rejected - above total asset issuance limit",
                ));
            }
            if asset.issue_limit().is_some_and(|limit| *g > limit) {
                return Err(TxReject::invalid(
                    "Asset issue script rejected - above asset issuance limit",
                ));
            }
        }
    }
    Ok(())
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
