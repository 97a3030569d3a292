//! The state the rules read and change: unspent outputs and permissions. The confirmed
//! state lives in [`ChainState`]; pending changes (the mempool, a block being checked) sit in
//! a [`Delta`] seen through an [`Overlay`].

use super::entities::{name_key, Entity};
use crate::primitives::permission;
use crate::primitives::Address;
use bitcoin::{OutPoint, TxOut};
use foldhash::HashMap;

/// Maps keyed by what users choose (names, item keys, publishers) keep the standard
/// library's SipHash: foldhash, used for keys that are hashes (txids, outpoints, entity ids)
/// or sequence numbers, only claims resistance to collisions made without studying the node.
pub type UserKeyedMap<K, V> = std::collections::HashMap<K, V>;

/// An unspent output and where it was created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coin {
    pub output: TxOut,
    /// Height of the block holding it; `None` while only in the mempool.
    pub height: Option<u32>,
    pub coinbase: bool,
}

/// One permission of one address, globally (`entity = None`) or for an asset/stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PermissionKey {
    pub entity: Option<[u8; 16]>,
    pub address: Address,
    pub bit: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionRecord {
    /// First block (inclusive) and end block (exclusive) of validity.
    pub start: u32,
    pub end: u32,
    pub timestamp: u32,
    /// Addresses whose grant set the current range.
    pub admins: Vec<Address>,
    /// Order of first appearance.
    pub seq: u64,
}

impl PermissionRecord {
    pub fn active_at(&self, height: u32) -> bool {
        self.start <= height && height < self.end
    }

    /// Listed by `listpermissions` (a revocation leaves an empty range).
    pub fn is_listed(&self) -> bool {
        self.start < self.end
    }
}

/// A stream item published by one output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemEffect {
    pub stream: [u8; 16],
    pub vout: u32,
    pub keys: Vec<Vec<u8>>,
    pub format: u8,
    pub data: Vec<u8>,
    pub publishers: Vec<Address>,
}

/// Read access to a state, whatever it is layered from.
pub trait StateView {
    fn coin(&self, outpoint: &OutPoint) -> Option<Coin>;
    fn permission(&self, key: &PermissionKey) -> Option<PermissionRecord>;
    /// Sequence number for the next new permission record.
    fn next_permission_seq(&self) -> u64;
    fn entity(&self, id: &[u8; 16]) -> Option<Entity>;
    /// The entity holding a name (case-insensitive).
    fn entity_by_name(&self, name: &str) -> Option<[u8; 16]>;
    fn next_entity_seq(&self) -> u64;
    /// The non-fungible asset a token (by its reference) belongs to.
    fn token_asset(&self, token: &[u8; 16]) -> Option<[u8; 16]>;
}

/// The tokens `new` has that `previous` (the same asset before a change) had not: only an
/// issue added since can have made one.
fn new_tokens<'a>(
    previous: Option<&Entity>,
    new: &'a Entity,
) -> impl Iterator<Item = [u8; 16]> + 'a {
    // Past every issue: none of another kind of entity or asset makes a token.
    let known = if new.is_asset() && new.non_fungible() {
        previous.map_or(0, |p| p.issues.len())
    } else {
        new.issues.len()
    };
    new.tokens_from(known).map(|(_, token)| token)
}

/// Confirmed state at the chain tip.
#[derive(Clone, Debug, Default)]
pub struct ChainState {
    pub coins: HashMap<OutPoint, Coin>,
    pub permissions: HashMap<PermissionKey, PermissionRecord>,
    pub next_seq: u64,
    pub entities: HashMap<[u8; 16], Entity>,
    pub names: UserKeyedMap<String, [u8; 16]>,
    pub next_entity_seq: u64,
    /// Token reference → its non-fungible asset.
    pub tokens: HashMap<[u8; 16], [u8; 16]>,
}

impl StateView for ChainState {
    fn coin(&self, outpoint: &OutPoint) -> Option<Coin> {
        self.coins.get(outpoint).cloned()
    }

    fn permission(&self, key: &PermissionKey) -> Option<PermissionRecord> {
        self.permissions.get(key).cloned()
    }

    fn next_permission_seq(&self) -> u64 {
        self.next_seq
    }

    fn entity(&self, id: &[u8; 16]) -> Option<Entity> {
        self.entities.get(id).cloned()
    }

    fn entity_by_name(&self, name: &str) -> Option<[u8; 16]> {
        self.names.get(&name_key(name)).copied()
    }

    fn token_asset(&self, token: &[u8; 16]) -> Option<[u8; 16]> {
        self.tokens.get(token).copied()
    }

    fn next_entity_seq(&self) -> u64 {
        self.next_entity_seq
    }
}

/// Changes on top of some base state.
#[derive(Clone, Debug, Default)]
pub struct Delta {
    /// `None` = spent.
    pub coins: HashMap<OutPoint, Option<Coin>>,
    pub permissions: HashMap<PermissionKey, PermissionRecord>,
    pub next_seq: Option<u64>,
    pub entities: HashMap<[u8; 16], Entity>,
    pub names: UserKeyedMap<String, [u8; 16]>,
    pub next_entity_seq: Option<u64>,
    pub tokens: HashMap<[u8; 16], [u8; 16]>,
}

/// What one transaction does to the state (also what is needed to undo it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TxEffects {
    pub spent: Vec<(OutPoint, Coin)>,
    pub created: Vec<(OutPoint, Coin)>,
    /// (key, previous record, new record).
    pub permissions: Vec<(PermissionKey, Option<PermissionRecord>, PermissionRecord)>,
    /// (id, previous state, new state) of assets and streams created or changed.
    pub entities: Vec<([u8; 16], Option<Entity>, Entity)>,
    pub items: Vec<ItemEffect>,
    /// The assets its outputs carry (issued, issued more or sent), each once: the
    /// transactions `listassettransactions` shows for each.
    pub assets: Vec<[u8; 16]>,
}

impl TxEffects {
    /// Drops spare capacity of the lists.
    pub fn shrink_to_fit(&mut self) {
        self.spent.shrink_to_fit();
        self.created.shrink_to_fit();
        self.permissions.shrink_to_fit();
        self.entities.shrink_to_fit();
        self.items.shrink_to_fit();
        self.assets.shrink_to_fit();
    }
}

impl Delta {
    pub fn apply(&mut self, effects: &TxEffects) {
        for (op, _) in &effects.spent {
            // A coin created and spent within the delta leaves no trace: the base never had
            // it, so there is nothing to mark spent (nor to delete from the ledger).
            if let Some(Some(_)) = self.coins.get(op) {
                self.coins.remove(op);
            } else {
                self.coins.insert(*op, None);
            }
        }
        for (op, coin) in &effects.created {
            self.coins.insert(*op, Some(coin.clone()));
        }
        for (key, _, new) in &effects.permissions {
            let next = self.next_seq.unwrap_or(0).max(new.seq + 1);
            self.next_seq = Some(next);
            self.permissions.insert(*key, new.clone());
        }
        for (id, previous, e) in &effects.entities {
            for token in new_tokens(previous.as_ref(), e) {
                self.tokens.insert(token, *id);
            }
            let next = self.next_entity_seq.unwrap_or(0).max(e.seq + 1);
            self.next_entity_seq = Some(next);
            let name = e.name();
            if !name.is_empty() {
                self.names.insert(name_key(&name), *id);
            }
            self.entities.insert(*id, e.clone());
        }
    }
}

/// A base state seen with a delta on top.
pub struct Overlay<'a, B: StateView + ?Sized> {
    pub base: &'a B,
    pub delta: &'a Delta,
}

impl<B: StateView + ?Sized> StateView for Overlay<'_, B> {
    fn coin(&self, outpoint: &OutPoint) -> Option<Coin> {
        match self.delta.coins.get(outpoint) {
            Some(c) => c.clone(),
            None => self.base.coin(outpoint),
        }
    }

    fn permission(&self, key: &PermissionKey) -> Option<PermissionRecord> {
        match self.delta.permissions.get(key) {
            Some(p) => Some(p.clone()),
            None => self.base.permission(key),
        }
    }

    fn next_permission_seq(&self) -> u64 {
        self.delta
            .next_seq
            .unwrap_or(0)
            .max(self.base.next_permission_seq())
    }

    fn entity(&self, id: &[u8; 16]) -> Option<Entity> {
        match self.delta.entities.get(id) {
            Some(e) => {
                let mut e = e.clone();
                // A pending change made before the creation was confirmed keeps its position.
                if e.position.is_none() {
                    e.position = self.base.entity(id).and_then(|b| b.position);
                }
                Some(e)
            }
            None => self.base.entity(id),
        }
    }

    fn entity_by_name(&self, name: &str) -> Option<[u8; 16]> {
        self.delta
            .names
            .get(&name_key(name))
            .copied()
            .or_else(|| self.base.entity_by_name(name))
    }

    fn next_entity_seq(&self) -> u64 {
        self.delta
            .next_entity_seq
            .unwrap_or(0)
            .max(self.base.next_entity_seq())
    }

    fn token_asset(&self, token: &[u8; 16]) -> Option<[u8; 16]> {
        self.delta
            .tokens
            .get(token)
            .copied()
            .or_else(|| self.base.token_asset(token))
    }
}

impl ChainState {
    /// Indexes the tokens of the assets loaded (at start-up).
    pub fn index_tokens(&mut self) {
        for (id, e) in &self.entities {
            for token in new_tokens(None, e) {
                self.tokens.insert(token, *id);
            }
        }
    }

    /// Makes the delta's changes permanent.
    pub fn absorb(&mut self, delta: &Delta) {
        for (op, c) in &delta.coins {
            match c {
                Some(c) => {
                    self.coins.insert(*op, c.clone());
                }
                None => {
                    self.coins.remove(op);
                }
            }
        }
        for (k, r) in &delta.permissions {
            self.permissions.insert(*k, r.clone());
        }
        if let Some(n) = delta.next_seq {
            self.next_seq = self.next_seq.max(n);
        }
        for (id, e) in &delta.entities {
            let mut e = e.clone();
            if e.position.is_none() {
                e.position = self.entities.get(id).and_then(|old| old.position);
            }
            self.entities.insert(*id, e);
        }
        for (n, id) in &delta.names {
            self.names.insert(n.clone(), *id);
        }
        self.tokens.extend(&delta.tokens);
        if let Some(n) = delta.next_entity_seq {
            self.next_entity_seq = self.next_entity_seq.max(n);
        }
    }
}

/// Global-permission checks with the chain's `anyone-can-*` switches.
#[derive(Clone, Copy, Debug, Default)]
pub struct AnyoneCan {
    pub connect: bool,
    pub send: bool,
    pub receive: bool,
    pub receive_empty: bool,
    pub create: bool,
    pub issue: bool,
    pub mine: bool,
    pub activate: bool,
    pub admin: bool,
}

impl AnyoneCan {
    pub fn from_params(p: &crate::params::ChainParams) -> Self {
        AnyoneCan {
            connect: p.bool("anyone-can-connect"),
            send: p.bool("anyone-can-send"),
            receive: p.bool("anyone-can-receive"),
            receive_empty: p.bool("anyone-can-receive-empty"),
            create: p.bool("anyone-can-create"),
            issue: p.bool("anyone-can-issue"),
            mine: p.bool("anyone-can-mine"),
            activate: p.bool("anyone-can-activate"),
            admin: p.bool("anyone-can-admin"),
        }
    }

    fn covers(&self, bit: u32) -> bool {
        match bit {
            permission::CONNECT => self.connect,
            permission::SEND => self.send,
            permission::RECEIVE => self.receive,
            permission::CREATE => self.create,
            permission::ISSUE => self.issue,
            permission::MINE => self.mine,
            permission::ACTIVATE => self.activate,
            permission::ADMIN => self.admin,
            _ => false,
        }
    }
}

/// Does `address` hold permission `bit` for entity `id` at `height`?
pub fn has_entity_permission<V: StateView + ?Sized>(
    view: &V,
    id: &[u8; 16],
    address: &Address,
    bit: u32,
    height: u32,
) -> bool {
    view.permission(&PermissionKey {
        entity: Some(*id),
        address: *address,
        bit,
    })
    .is_some_and(|r| r.active_at(height))
}

/// Is an asset's open switch on at block `height` (see `Entity::follow_ons_allowed`)?
pub fn asset_switched_open<V: StateView + ?Sized>(view: &V, id: &[u8; 16], height: u32) -> bool {
    let switch = permission::details_address(permission::DETAILS_ASSET_OPEN);
    has_entity_permission(view, id, &switch, permission::DETAILS, height)
}

/// Does `address` hold global permission `bit` at block `height`?
pub fn has_global<V: StateView + ?Sized>(
    view: &V,
    anyone: &AnyoneCan,
    address: &Address,
    bit: u32,
    height: u32,
) -> bool {
    if anyone.covers(bit) {
        return true;
    }
    view.permission(&PermissionKey {
        entity: None,
        address: *address,
        bit,
    })
    .is_some_and(|r| r.active_at(height))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;

    fn coin() -> Coin {
        Coin {
            output: TxOut::NULL,
            height: None,
            coinbase: false,
        }
    }

    fn op(n: u8) -> OutPoint {
        OutPoint::new(bitcoin::Txid::from_byte_array([n; 32]), 0)
    }

    /// A coin created and spent within one delta (a chain of publishes in one block) leaves
    /// nothing behind; a coin of the base that is spent is marked spent.
    #[test]
    fn coins_created_and_spent_in_a_delta_vanish() {
        let mut delta = Delta::default();
        delta.apply(&TxEffects {
            spent: vec![(op(1), coin())],
            created: vec![(op(2), coin())],
            ..Default::default()
        });
        delta.apply(&TxEffects {
            spent: vec![(op(2), coin())],
            created: vec![(op(3), coin())],
            ..Default::default()
        });
        assert_eq!(delta.coins.get(&op(1)), Some(&None));
        assert_eq!(delta.coins.get(&op(2)), None);
        assert_eq!(delta.coins.get(&op(3)), Some(&Some(coin())));
        let mut base = ChainState::default();
        base.coins.insert(op(1), coin());
        let view = Overlay {
            base: &base,
            delta: &delta,
        };
        assert!(view.coin(&op(1)).is_none());
        assert!(view.coin(&op(2)).is_none());
        assert!(view.coin(&op(3)).is_some());
    }
}
