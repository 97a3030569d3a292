//! The node state's lock, with a gate that makes a block's ledger rows and in-memory state
//! appear together to readers.
//!
//! A block is written to RocksDB before the in-memory state (tip, stream counts, mempool)
//! moves on. Readers join what the ledger holds with what memory holds, so they must never
//! run in between; writers (transaction acceptance) only use memory and may. Readers pass
//! the gate shared, the block committer holds it exclusively for that short span, and
//! publishers never wait for it.

use super::NodeState;
use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::ops::Deref;

pub struct StateLock {
    gate: RwLock<()>,
    inner: RwLock<NodeState>,
}

/// Shared access to the state, consistent with the ledger.
pub struct StateRead<'a> {
    // Field order is drop order: the state is released before the gate.
    state: RwLockReadGuard<'a, NodeState>,
    _gate: RwLockReadGuard<'a, ()>,
}

impl Deref for StateRead<'_> {
    type Target = NodeState;
    fn deref(&self) -> &NodeState {
        &self.state
    }
}

impl StateLock {
    pub fn new(state: NodeState) -> Self {
        StateLock {
            gate: RwLock::new(()),
            inner: RwLock::new(state),
        }
    }

    pub fn read(&self) -> StateRead<'_> {
        let gate = self.gate.read();
        StateRead {
            state: self.inner.read(),
            _gate: gate,
        }
    }

    /// Exclusive access for changing the in-memory state (does not pass the gate).
    pub fn write(&self) -> RwLockWriteGuard<'_, NodeState> {
        self.inner.write()
    }

    /// Closes the gate to readers while a block's rows are written and applied.
    pub fn close_gate(&self) -> RwLockWriteGuard<'_, ()> {
        self.gate.write()
    }
}
