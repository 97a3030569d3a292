//! The node's wallet: keys (persisted before they are handed out), a small key pool, watch-only
//! addresses, and an index of the wallet's unspent outputs as the mempool sees them.

pub mod builder;
pub mod dump;
pub mod history;

use crate::ledger::tables::StoredKey;
use crate::ledger::{Ledger, LedgerError};
use crate::primitives::address::Address;
use crate::primitives::keys::PrivateKey;
use bitcoin::secp256k1::SecretKey;
use bitcoin::OutPoint;
use foldhash::HashMap;
use std::collections::BTreeSet;

/// Keys kept ready in the pool, as `getinfo.keypoolsize` reports.
pub const KEY_POOL_SIZE: usize = 2;

#[derive(Clone, Debug)]
pub struct WalletKey {
    pub key: PrivateKey,
    pub seq: u64,
    pub created: u32,
}

#[derive(Default)]
pub struct Wallet {
    /// Handed-out keys in creation order.
    keys: Vec<(Address, WalletKey)>,
    by_address: HashMap<Address, usize>,
    pool: Vec<(Address, WalletKey)>,
    watch_only: Vec<Address>,
    next_seq: u64,
    /// Unspent outputs of wallet addresses (confirmed and in the mempool).
    coins: HashMap<Address, BTreeSet<OutPoint>>,
    /// Outputs the wallet must not spend (`lockunspent`, exchanges); not persisted, as in
    /// MultiChain.
    locked: BTreeSet<OutPoint>,
}

fn now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as u32)
        .unwrap_or(0)
}

impl Wallet {
    /// Loads keys from the ledger; creates the first key and the pool on a new node.
    pub fn load(ledger: &Ledger) -> Result<Wallet, LedgerError> {
        let mut w = Wallet::default();
        for (address, stored) in ledger.keys()? {
            let secret = SecretKey::from_slice(&stored.secret)
                .map_err(|_| LedgerError::Corrupt("wallet_keys"))?;
            let wk = WalletKey {
                key: PrivateKey::new(secret, stored.compressed),
                seq: stored.seq,
                created: stored.created,
            };
            w.next_seq = w.next_seq.max(stored.seq + 1);
            if stored.in_pool {
                w.pool.push((address, wk));
            } else {
                w.by_address.insert(address, w.keys.len());
                w.keys.push((address, wk));
            }
        }
        for (a, s) in ledger.watch_only()? {
            w.next_seq = w.next_seq.max(s + 1);
            w.watch_only.push(a);
        }
        if w.keys.is_empty() {
            w.new_address(ledger)?;
        }
        w.refill_pool(ledger)?;
        Ok(w)
    }

    fn store(
        ledger: &Ledger,
        address: &Address,
        wk: &WalletKey,
        in_pool: bool,
    ) -> Result<(), LedgerError> {
        ledger.put_key(
            address,
            &StoredKey {
                seq: wk.seq,
                secret: wk.key.secret.secret_bytes(),
                compressed: wk.key.compressed,
                created: wk.created,
                in_pool,
            },
        )
    }

    fn refill_pool(&mut self, ledger: &Ledger) -> Result<(), LedgerError> {
        self.top_up_pool(ledger, KEY_POOL_SIZE)
    }

    /// Adds keys to the pool (stored before they count) until it holds `size`
    /// (`keypoolrefill`).
    pub fn top_up_pool(&mut self, ledger: &Ledger, size: usize) -> Result<(), LedgerError> {
        while self.pool.len() < size {
            let key = PrivateKey::generate();
            let wk = WalletKey {
                key,
                seq: self.next_seq,
                created: now(),
            };
            self.next_seq += 1;
            let address = key.address();
            Self::store(ledger, &address, &wk, true)?;
            self.pool.push((address, wk));
        }
        Ok(())
    }

    /// Hands out a key from the pool (stored durably first) and tops the pool up.
    pub fn new_address(&mut self, ledger: &Ledger) -> Result<Address, LedgerError> {
        let (address, mut wk) = if self.pool.is_empty() {
            let key = PrivateKey::generate();
            let wk = WalletKey {
                key,
                seq: self.next_seq,
                created: now(),
            };
            self.next_seq += 1;
            (key.address(), wk)
        } else {
            self.pool.remove(0)
        };
        wk.created = wk.created.max(1);
        Self::store(ledger, &address, &wk, false)?;
        self.by_address.insert(address, self.keys.len());
        self.keys.push((address, wk));
        self.refill_pool(ledger)?;
        Ok(address)
    }

    /// Adds an imported key, created at `created` (now if not given); returns false if it
    /// was already there.
    pub fn import_key(
        &mut self,
        ledger: &Ledger,
        key: PrivateKey,
        created: Option<u32>,
    ) -> Result<bool, LedgerError> {
        let address = key.address();
        if self.by_address.contains_key(&address) {
            return Ok(false);
        }
        let wk = WalletKey {
            key,
            seq: self.next_seq,
            created: created.unwrap_or_else(now),
        };
        self.next_seq += 1;
        Self::store(ledger, &address, &wk, false)?;
        self.watch_only.retain(|a| *a != address);
        self.by_address.insert(address, self.keys.len());
        self.keys.push((address, wk));
        Ok(true)
    }

    pub fn import_watch_only(
        &mut self,
        ledger: &Ledger,
        address: Address,
    ) -> Result<bool, LedgerError> {
        if self.by_address.contains_key(&address) || self.watch_only.contains(&address) {
            return Ok(false);
        }
        ledger.put_watch_only(&address, self.next_seq)?;
        self.next_seq += 1;
        self.watch_only.push(address);
        Ok(true)
    }

    /// The first key: the node's handshake/default address and the genesis admin.
    pub fn default_address(&self) -> Address {
        self.keys[0].0
    }

    pub fn addresses(&self) -> impl Iterator<Item = &Address> {
        self.keys.iter().map(|(a, _)| a)
    }

    pub fn watch_only_addresses(&self) -> &[Address] {
        &self.watch_only
    }

    pub fn key(&self, address: &Address) -> Option<&PrivateKey> {
        self.by_address.get(address).map(|i| &self.keys[*i].1.key)
    }

    pub fn is_mine(&self, address: &Address) -> bool {
        self.by_address.contains_key(address)
    }

    pub fn is_watch_only(&self, address: &Address) -> bool {
        self.watch_only.contains(address)
    }

    /// Handed-out keys in creation order.
    pub fn keys(&self) -> impl Iterator<Item = &(Address, WalletKey)> {
        self.keys.iter()
    }

    /// Keys kept ready in the pool.
    pub fn pool_keys(&self) -> impl Iterator<Item = &(Address, WalletKey)> {
        self.pool.iter()
    }

    pub fn pool_size(&self) -> usize {
        self.pool.len()
    }

    pub fn pool_oldest(&self) -> u32 {
        self.pool
            .iter()
            .map(|(_, k)| k.created)
            .min()
            .unwrap_or_else(now)
    }

    pub fn add_coin(&mut self, address: Address, outpoint: OutPoint) {
        if self.is_mine(&address) || self.is_watch_only(&address) {
            self.coins.entry(address).or_default().insert(outpoint);
        }
    }

    pub fn remove_coin(&mut self, address: &Address, outpoint: &OutPoint) {
        if let Some(set) = self.coins.get_mut(address) {
            set.remove(outpoint);
        }
    }

    pub fn coins_of(&self, address: &Address) -> impl Iterator<Item = &OutPoint> {
        self.coins.get(address).into_iter().flatten()
    }

    pub fn clear_coins(&mut self) {
        self.coins.clear();
    }

    pub fn is_locked(&self, outpoint: &OutPoint) -> bool {
        self.locked.contains(outpoint)
    }

    pub fn lock(&mut self, outpoint: OutPoint) {
        self.locked.insert(outpoint);
    }

    pub fn unlock(&mut self, outpoint: &OutPoint) {
        self.locked.remove(outpoint);
    }

    pub fn unlock_all(&mut self) {
        self.locked.clear();
    }

    pub fn locked(&self) -> impl Iterator<Item = &OutPoint> {
        self.locked.iter()
    }

    /// Every wallet address with unspent outputs, and the outputs.
    pub fn all_coins(&self) -> impl Iterator<Item = (&Address, &OutPoint)> {
        self.coins
            .iter()
            .flat_map(|(a, set)| set.iter().map(move |op| (a, op)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_survive_reopen_and_pool_refills() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = {
            let ledger = Ledger::open(dir.path()).unwrap();
            let mut w = Wallet::load(&ledger).unwrap();
            assert_eq!(w.pool_size(), KEY_POOL_SIZE);
            let first = w.default_address();
            let second = w.new_address(&ledger).unwrap();
            assert_eq!(w.pool_size(), KEY_POOL_SIZE);
            (first, second)
        };
        let ledger = Ledger::open(dir.path()).unwrap();
        let w = Wallet::load(&ledger).unwrap();
        assert_eq!(w.default_address(), first);
        assert_eq!(
            w.addresses().copied().collect::<Vec<_>>(),
            vec![first, second]
        );
        assert!(w.key(&second).is_some());
    }
}
