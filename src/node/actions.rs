//! Wallet operations that create transactions (grant, revoke) or keys.

use super::state_lock::StateWrite;
use super::{unix_now, Node, NodeError, NodeState};
use crate::chain::entities::Entity;
use crate::chain::metadata::AssetAmounts;
use crate::chain::state::StateView;
use crate::primitives::address::Address;
use crate::primitives::entity::{self, Details};
use crate::primitives::permission;
use crate::primitives::script::{self, Element, PermissionGrant};
use crate::wallet::builder::{build_combining, build_from, BuildError, Combine, Spend};
use bitcoin::hashes::Hash;
use bitcoin::{Amount, Transaction, TxOut, Txid};

/// Why the wallet may not act, in MultiChain's words (mapped to -704/-701/-709 at the RPC edge).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    InsufficientPermissions(String),
    #[error("{0}")]
    NotAllowed(String),
    #[error("Private key for from-address is not found in this wallet")]
    FromKeyNotFound,
    #[error("Entity with this name already exists")]
    DuplicateName,
}

/// A grant (or, with `start == end == 0`, a revocation) of global permissions.
#[derive(Clone, Debug)]
pub struct GrantRequest {
    pub from: Option<Address>,
    pub to: Vec<Address>,
    /// The asset or stream the permissions are for (None: global).
    pub entity: Option<[u8; 16]>,
    pub bits: u32,
    pub native_amount: u64,
    pub start: u32,
    pub end: u32,
    /// Outputs after the grants: the data of `grantwithdata`.
    pub data: Vec<TxOut>,
}

impl Node {
    /// The permission an address needs to grant `bits`: admin, or activate for the
    /// connect/send/receive family; of the entity, for an entity's permissions.
    fn can_grant(
        &self,
        st: &NodeState,
        address: &Address,
        bits: u32,
        entity: Option<[u8; 16]>,
    ) -> bool {
        match entity {
            None => {
                st.has_permission(self, address, permission::ADMIN)
                    || (bits & !permission::ACTIVATE_GRANTABLE == 0
                        && st.has_permission(self, address, permission::ACTIVATE))
            }
            // The entity's own admins (or activators), whatever the address holds globally.
            Some(id) => {
                let holds = |bit| {
                    crate::chain::state::has_entity_permission(
                        &st.view(),
                        &id,
                        address,
                        bit,
                        st.next_height(),
                    )
                };
                let needs_admin = bits & permission::ENTITY_ADMIN_GRANTED != 0;
                holds(permission::ADMIN) || (!needs_admin && holds(permission::ACTIVATE))
            }
        }
    }

    pub fn grant(&self, req: GrantRequest) -> Result<Txid, NodeError> {
        let needs_admin = match req.entity {
            None => req.bits & !permission::ACTIVATE_GRANTABLE != 0,
            Some(_) => req.bits & permission::ENTITY_ADMIN_GRANTED != 0,
        };
        let for_entity = if req.entity.is_some() {
            " for this entity"
        } else {
            ""
        };
        if req.bits & permission::MINE != 0 && req.to.iter().any(|a| a.is_script()) {
            return Err(Refusal::NotAllowed(
                "Granting mine permission to P2SH addresses is not allowed".into(),
            )
            .into());
        }
        let st = self.state.write();
        let from = match req.from {
            Some(from) => {
                if !st.wallet.is_mine(&from) {
                    return Err(Refusal::FromKeyNotFound.into());
                }
                if !self.can_grant(&st, &from, req.bits, req.entity) {
                    return Err(Refusal::InsufficientPermissions(if needs_admin {
                        format!("from-address doesn't have admin permission{for_entity}")
                    } else {
                        format!(
                            "from-address doesn't have activate or admin permission{for_entity}"
                        )
                    })
                    .into());
                }
                from
            }
            None => {
                let found = st
                    .wallet
                    .addresses()
                    .find(|a| {
                        self.can_grant(&st, a, req.bits, req.entity)
                            && st.has_permission(self, a, permission::SEND)
                    })
                    .copied();
                found.ok_or_else(|| {
                    Refusal::InsufficientPermissions(if needs_admin {
                        format!("This wallet doesn't have addresses with admin permission{for_entity}")
                    } else {
                        format!(
                            "This wallet doesn't have addresses with activate or admin permission{for_entity}"
                        )
                    })
                })?
            }
        };
        let grant = PermissionGrant {
            bits: req.bits,
            start: req.start,
            end: req.end,
            timestamp: unix_now(),
        };
        let grants = req.to.iter().map(|a| TxOut {
            value: Amount::from_sat(req.native_amount),
            script_pubkey: script::pay_to(
                a,
                &match req.entity {
                    Some(id) => vec![Element::Entity(id).encode(), grant.encode()],
                    None => vec![grant.encode()],
                },
            ),
        });
        let outputs = grants.chain(req.data).collect();
        self.accept_outputs(st, &from, outputs)
    }

    /// `combineunspent`: for each address in turn, transactions gathering its outputs
    /// (`build_combining`) until it has too few left, `max_txs` are made, or `max_time` has
    /// passed after the first. The txids made.
    pub fn combine_unspent(
        &self,
        addresses: &[Address],
        combine: Combine,
        max_txs: usize,
        max_time: std::time::Duration,
    ) -> Result<Vec<Txid>, NodeError> {
        let started = std::time::Instant::now();
        let mut made = Vec::new();
        let mut pos = 0;
        while pos < addresses.len()
            && made.len() < max_txs
            && (made.is_empty() || started.elapsed() < max_time)
        {
            let st = self.state.write();
            let from = &addresses[pos];
            let tx = {
                let view = st.view();
                build_combining(
                    &view,
                    &st.wallet,
                    from,
                    combine,
                    st.next_height(),
                    self.rules.spendable_delay,
                )?
            };
            let Some(tx) = tx else {
                pos += 1;
                continue;
            };
            made.push(self.accept_own(st, tx)?);
        }
        Ok(made)
    }

    /// [`Self::build_and_accept`] for outputs that move no assets.
    fn accept_outputs(
        &self,
        st: StateWrite<'_>,
        from: &Address,
        outputs: Vec<TxOut>,
    ) -> Result<Txid, NodeError> {
        let assets = Vec::new();
        self.build_and_accept(st, from, Spend { outputs, assets })
    }

    /// Builds, signs and accepts a wallet transaction from `from`.
    pub(crate) fn build_and_accept(
        &self,
        st: StateWrite<'_>,
        from: &Address,
        spend: Spend,
    ) -> Result<Txid, NodeError> {
        let tx = {
            let view = st.view();
            build_from(
                &view,
                &st.wallet,
                from,
                spend,
                st.next_height(),
                self.rules.spendable_delay,
            )
        };
        let tx = match tx {
            Ok(tx) => tx,
            Err(BuildError::NoKey) => return Err(Refusal::FromKeyNotFound.into()),
            Err(e) => return Err(e.into()),
        };
        self.accept_own(st, tx)
    }

    /// Accepts a transaction the wallet has just built and signed, then writes it to the
    /// journal with the state lock released.
    fn accept_own(&self, mut st: StateWrite<'_>, tx: Transaction) -> Result<Txid, NodeError> {
        let (txid, unpersisted) = self.accept_locked(&mut st, tx, super::Origin::Wallet)?;
        drop(st);
        self.persist(unpersisted)?;
        Ok(txid)
    }

    pub fn new_address(&self) -> Result<Address, NodeError> {
        let mut st = self.state.write();
        Ok(st.wallet.new_address(&self.ledger)?)
    }
}

/// A permission the sending address must hold.
#[derive(Clone, Copy, Debug)]
pub enum Need {
    Global(u32),
    Entity([u8; 16], u32),
}

/// One stream item to publish.
#[derive(Clone, Debug)]
pub struct ItemSpec {
    pub keys: Vec<Vec<u8>>,
    pub format: u8,
    pub data: Vec<u8>,
}

impl Node {
    fn holds(&self, st: &NodeState, a: &Address, need: &Need) -> bool {
        match need {
            Need::Global(bit) => st.has_permission(self, a, *bit),
            Need::Entity(id, bit) => crate::chain::state::has_entity_permission(
                &st.view(),
                id,
                a,
                *bit,
                st.next_height(),
            ),
        }
    }

    /// The address to send from: `from` if it qualifies, else the first wallet address that
    /// holds send and every permission in `needs`. `missing` words the refusal.
    pub fn choose_sender(
        &self,
        st: &NodeState,
        from: Option<Address>,
        needs: &[Need],
        missing: &str,
    ) -> Result<Address, Refusal> {
        let ok = |a: &Address| {
            st.has_permission(self, a, permission::SEND)
                && needs.iter().all(|n| self.holds(st, a, n))
        };
        match from {
            Some(a) => {
                if !st.wallet.is_mine(&a) {
                    return Err(Refusal::FromKeyNotFound);
                }
                if ok(&a) {
                    Ok(a)
                } else {
                    Err(Refusal::InsufficientPermissions(format!(
                        "from-address doesn't have {missing}"
                    )))
                }
            }
            None => st
                .wallet
                .addresses()
                .find(|a| ok(a))
                .copied()
                .ok_or_else(|| {
                    Refusal::InsufficientPermissions(format!(
                        "This wallet doesn't have keys with {missing}"
                    ))
                }),
        }
    }

    /// Creates a stream (`create stream …`).
    pub fn create_stream(
        &self,
        from: Option<Address>,
        details: Details,
    ) -> Result<Txid, NodeError> {
        let st = self.state.write();
        ensure_name_free(&st, &details)?;
        let sender = self.choose_sender(
            &st,
            from,
            &[Need::Global(permission::CREATE)],
            "create permission",
        )?;
        let out = creation_output(entity::KIND_STREAM, &details);
        self.accept_outputs(st, &sender, vec![out])
    }

    /// Publishes items to a stream in one transaction.
    pub fn publish(
        &self,
        from: Option<Address>,
        stream: &Entity,
        items: &[ItemSpec],
    ) -> Result<Txid, NodeError> {
        self.publish_with(from, |_| Ok((stream.clone(), items.to_vec())))
    }

    /// Publishes what `check` returns, having run it under the same lock as the publishing.
    pub fn publish_with<E: From<NodeError>>(
        &self,
        from: Option<Address>,
        check: impl FnOnce(&NodeState) -> Result<(Entity, Vec<ItemSpec>), E>,
    ) -> Result<Txid, E> {
        let st = self.state.write();
        let (stream, items) = check(&st)?;
        let id = stream.short_id();
        let mut needs = Vec::new();
        if stream.restricted_permissions() as u32 & permission::WRITE != 0 {
            needs.push(Need::Entity(id, permission::WRITE));
        }
        let sender = self
            .choose_sender(&st, from, &needs, "write permission for this stream")
            .map_err(NodeError::from)?;
        let outputs = items.iter().map(|item| item_output(id, item)).collect();
        Ok(self.accept_outputs(st, &sender, outputs)?)
    }

    /// Issues a new asset of `raw` units to `to` (`issue`, `issuefrom`).
    pub fn issue(
        &self,
        from: Option<Address>,
        to: &Address,
        details: Details,
        raw: i64,
        native: u64,
    ) -> Result<Txid, NodeError> {
        let st = self.state.write();
        ensure_name_free(&st, &details)?;
        let sender = self.choose_sender(
            &st,
            from,
            &[Need::Global(permission::ISSUE)],
            "issue permission",
        )?;
        let outputs = vec![
            TxOut {
                value: Amount::from_sat(native),
                script_pubkey: script::pay_to(to, &[Element::Genesis(raw).encode()]),
            },
            creation_output(entity::KIND_ASSET, &details),
        ];
        self.accept_outputs(st, &sender, outputs)
    }

    /// Issues more units of an open asset (`issuemore`, `issuemorefrom`).
    pub fn issue_more(
        &self,
        from: Option<Address>,
        to: &Address,
        asset: &Entity,
        raw: i64,
        native: u64,
        details: Option<Details>,
    ) -> Result<Txid, NodeError> {
        let st = self.state.write();
        let id = asset.short_id();
        // An unrestricted asset (`unrestrict: "issue"`) takes more units from any signer, any
        // other from holders of its own issue permission (MultiChain asks no global one).
        let needs: &[Need] = if asset.anyone_can_issue_more() {
            &[]
        } else {
            &[Need::Entity(id, permission::ISSUE)]
        };
        let sender = self.choose_sender(&st, from, needs, "issue permission for this asset")?;
        // Like MultiChain, no units carry no follow-on element: new details alone are the
        // issue (of 0 units), and without them it is a plain payment.
        let follow_on = if raw > 0 {
            vec![Element::FollowOn(vec![(id, raw)]).encode()]
        } else {
            Vec::new()
        };
        let mut outputs = vec![TxOut {
            value: Amount::from_sat(native),
            script_pubkey: script::pay_to(to, &follow_on),
        }];
        if let Some(d) = details {
            outputs.push(TxOut {
                value: Amount::ZERO,
                script_pubkey: script::null_data(
                    &[
                        Element::Entity(id).encode(),
                        Element::Update {
                            kind: entity::KIND_ASSET,
                            details: d.encode(),
                        }
                        .encode(),
                    ],
                    None,
                ),
            });
        }
        self.accept_outputs(st, &sender, outputs)
    }

    /// Issues `qty` units of a new token `token_id` of a non-fungible asset to `to`
    /// (`issuetoken`, `issuetokenfrom`): the units (`spkt`) and the token's details (`spkl`:
    /// its id, JSON details if any, its asset's issue txid) in one output.
    #[allow(clippy::too_many_arguments)]
    pub fn issue_token(
        &self,
        from: Option<Address>,
        to: &Address,
        asset: &Entity,
        token_id: &[u8],
        qty: i64,
        native: u64,
        json_details: Option<Vec<u8>>,
    ) -> Result<Txid, NodeError> {
        let st = self.state.write();
        let id = asset.short_id();
        let token = crate::chain::entities::token_ref(&asset.txid, token_id);
        if st.view().token_asset(&token).is_some() {
            return Err(Refusal::NotAllowed(
                "Token with this ID already exists in this asset".into(),
            )
            .into());
        }
        let needs: &[Need] = if asset.anyone_can_issue_more() {
            &[]
        } else {
            &[Need::Entity(id, permission::ISSUE)]
        };
        let sender = self.choose_sender(&st, from, needs, "issue permission for this asset")?;
        let mut details = Details::default();
        details.set(entity::FIELD_TOKEN_ID, token_id.to_vec());
        if let Some(d) = json_details {
            details.set(entity::FIELD_JSON_DETAILS, d);
        }
        details.set(
            entity::FIELD_PARENT_ENTITY,
            asset.txid.to_byte_array().to_vec(),
        );
        let elements = token_issue_elements(token, qty, &details);
        let outputs = vec![TxOut {
            value: Amount::from_sat(native),
            script_pubkey: script::pay_to(to, &elements),
        }];
        self.accept_outputs(st, &sender, outputs)
    }

    /// Sends native currency and assets to an address, with optional extra outputs
    /// (data), from `from` or a wallet address with send permission.
    pub fn send(
        &self,
        from: Option<Address>,
        to: &Address,
        native: u64,
        assets: AssetAmounts,
        extra: Vec<TxOut>,
    ) -> Result<Txid, NodeError> {
        let st = self.state.write();
        let sender = match from {
            Some(a) => self.choose_sender(&st, Some(a), &[], "send permission")?,
            None => {
                // An address with send permission that holds what is needed.
                let candidates: Vec<Address> = st
                    .wallet
                    .addresses()
                    .filter(|a| st.has_permission(self, a, permission::SEND))
                    .copied()
                    .collect();
                let chosen = candidates
                    .iter()
                    .find(|a| self.address_holds(&st, a, native, &assets));
                match (chosen, candidates.first()) {
                    (Some(a), _) => *a,
                    (None, Some(a)) => *a,
                    (None, None) => {
                        return Err(Refusal::InsufficientPermissions(
                            "This wallet doesn't have keys with send permission".into(),
                        )
                        .into())
                    }
                }
            }
        };
        let mut metadata = Vec::new();
        if !assets.is_empty() {
            metadata.push(Element::Quantities(assets.clone()).encode());
        }
        let mut outputs = vec![TxOut {
            value: Amount::from_sat(native),
            script_pubkey: script::pay_to(to, &metadata),
        }];
        outputs.extend(extra);
        self.build_and_accept(st, &sender, Spend { outputs, assets })
    }

    /// Does the address hold at least `native` and `assets` in unlocked outputs?
    fn address_holds(
        &self,
        st: &NodeState,
        a: &Address,
        native: u64,
        assets: &AssetAmounts,
    ) -> bool {
        let (have_native, have_assets) = st.balances_of(a);
        have_native >= native
            && assets.iter().all(|(id, q)| {
                have_assets
                    .iter()
                    .find(|(i, _)| i == id)
                    .is_some_and(|(_, h)| h >= q)
            })
    }
}

impl Node {
    /// Publishes items to one or several streams in one transaction (`publishmulti`).
    pub fn publish_multi(
        &self,
        from: Option<Address>,
        items: &[(Entity, ItemSpec)],
    ) -> Result<Txid, NodeError> {
        let st = self.state.write();
        let mut needs = Vec::new();
        for (stream, _) in items {
            if stream.restricted_permissions() as u32 & permission::WRITE != 0 {
                needs.push(Need::Entity(stream.short_id(), permission::WRITE));
            }
        }
        let sender = self.choose_sender(&st, from, &needs, "write permission for these streams")?;
        let outputs = items
            .iter()
            .map(|(stream, item)| item_output(stream.short_id(), item))
            .collect();
        self.accept_outputs(st, &sender, outputs)
    }
}

/// The elements of an output issuing `qty` units of token `token` (its reference), whose
/// details (its id, JSON details, its asset's issue txid) travel in the output itself.
pub fn token_issue_elements(token: [u8; 16], qty: i64, details: &Details) -> [Vec<u8>; 2] {
    [
        Element::TokenIssue(vec![(token, qty)]).encode(),
        Element::InlineDetails(details.encode()).encode(),
    ]
}

/// The OP_RETURN output publishing one item to stream `id`.
pub fn item_output(id: [u8; 16], item: &ItemSpec) -> TxOut {
    let mut elements = vec![Element::Entity(id).encode()];
    for k in &item.keys {
        elements.push(Element::Key(k.clone()).encode());
    }
    if item.format != script::FORMAT_RAW {
        elements.push(Element::Format(item.format).encode());
    }
    TxOut {
        value: Amount::ZERO,
        script_pubkey: script::null_data(&elements, Some(&item.data)),
    }
}

/// Refuses a new asset or stream whose name is taken (confirmed or pending).
fn ensure_name_free(st: &NodeState, details: &Details) -> Result<(), Refusal> {
    match details.name() {
        Some(name) if st.view().entity_by_name(&name).is_some() => Err(Refusal::DuplicateName),
        _ => Ok(()),
    }
}

/// The `OP_RETURN` output that creates an asset or stream with `details`.
pub fn creation_output(kind: u8, details: &Details) -> TxOut {
    TxOut {
        value: Amount::ZERO,
        script_pubkey: script::null_data(
            &[Element::NewEntity {
                kind,
                details: details.encode(),
            }
            .encode()],
            None,
        ),
    }
}
