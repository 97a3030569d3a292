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
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};

pub struct StateLock {
    gate: RwLock<()>,
    inner: RwLock<NodeState>,
    /// Counts releases of write access; a result computed from the state is still current
    /// while this has not moved (see [`StateLock::generation`]).
    generation: AtomicU64,
}

/// Exclusive access to the state; releasing it moves the generation on.
pub struct StateWrite<'a> {
    state: RwLockWriteGuard<'a, NodeState>,
    generation: &'a AtomicU64,
}

impl Deref for StateWrite<'_> {
    type Target = NodeState;
    fn deref(&self) -> &NodeState {
        &self.state
    }
}

impl DerefMut for StateWrite<'_> {
    fn deref_mut(&mut self) -> &mut NodeState {
        &mut self.state
    }
}

impl Drop for StateWrite<'_> {
    fn drop(&mut self) {
        // Still under the lock: a reader that sees the new number then waits for the lock
        // and reads the changed state.
        self.generation.fetch_add(1, Ordering::Release);
    }
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
            generation: AtomicU64::new(0),
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
    pub fn write(&self) -> StateWrite<'_> {
        StateWrite {
            state: self.inner.write(),
            generation: &self.generation,
        }
    }

    /// Read before computing a result from the state: if it is unchanged later, no write
    /// access was released in between and the result still holds.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Marks a change made outside the lock (node flags a cached result depends on).
    pub fn touch(&self) {
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// Closes the gate to readers while a block's rows are written and applied.
    pub fn close_gate(&self) -> RwLockWriteGuard<'_, ()> {
        self.gate.write()
    }
}
