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
use std::cell::Cell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};

thread_local! {
    /// Read accesses this thread holds (see [`StateLock::read`]).
    static READS_HELD: Cell<u32> = const { Cell::new(0) };
}

pub struct StateLock<T = NodeState> {
    gate: RwLock<()>,
    inner: RwLock<T>,
    /// Counts releases of write access; a result computed from the state is still current
    /// while this has not moved (see [`StateLock::generation`]).
    generation: AtomicU64,
}

/// Exclusive access to the state; releasing it moves the generation on.
pub struct StateWrite<'a, T = NodeState> {
    state: RwLockWriteGuard<'a, T>,
    generation: &'a AtomicU64,
}

impl<T> Deref for StateWrite<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.state
    }
}

impl<T> DerefMut for StateWrite<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.state
    }
}

impl<T> Drop for StateWrite<'_, T> {
    fn drop(&mut self) {
        // Still under the lock: a reader that sees the new number then waits for the lock
        // and reads the changed state.
        self.generation.fetch_add(1, Ordering::Release);
    }
}

/// Shared access to the state, consistent with the ledger.
pub struct StateRead<'a, T = NodeState> {
    // Field order is drop order: the state is released before the gate.
    state: RwLockReadGuard<'a, T>,
    _gate: RwLockReadGuard<'a, ()>,
}

impl<T> Deref for StateRead<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.state
    }
}

impl<T> Drop for StateRead<'_, T> {
    fn drop(&mut self) {
        READS_HELD.set(READS_HELD.get() - 1);
    }
}

impl<T> StateLock<T> {
    pub fn new(state: T) -> Self {
        StateLock {
            gate: RwLock::new(()),
            inner: RwLock::new(state),
            generation: AtomicU64::new(0),
        }
    }

    /// Shared access, waiting for a writer or a closed gate. A thread that already holds
    /// read access (a call answered in place, see [`StateLock::try_read`]) takes another
    /// without queueing: the fair locks would otherwise put it behind a waiting writer, who
    /// waits for the first read to end.
    pub fn read(&self) -> StateRead<'_, T> {
        // The gate first, then the state (a tuple is built left to right).
        let (gate, state) = if READS_HELD.get() > 0 {
            (self.gate.read_recursive(), self.inner.read_recursive())
        } else {
            (self.gate.read(), self.inner.read())
        };
        READS_HELD.set(READS_HELD.get() + 1);
        StateRead { state, _gate: gate }
    }

    /// Shared access if it is free now: the gate open and no writer holding or taking the
    /// state.
    pub fn try_read(&self) -> Option<StateRead<'_, T>> {
        let gate = self.gate.try_read()?;
        let state = self.inner.try_read()?;
        READS_HELD.set(READS_HELD.get() + 1);
        Some(StateRead { state, _gate: gate })
    }

    /// Exclusive access for changing the in-memory state (does not pass the gate).
    pub fn write(&self) -> StateWrite<'_, T> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn a_nested_read_does_not_queue_behind_a_waiting_writer() {
        let lock = Arc::new(StateLock::new(0u32));
        let first = lock.try_read().expect("free");
        let writer = {
            let lock = lock.clone();
            std::thread::spawn(move || *lock.write() += 1)
        };
        // Let the writer park, waiting for the first read to end.
        std::thread::sleep(Duration::from_millis(50));
        assert!(lock.try_read().is_none(), "a writer is taking the lock");
        let nested = lock.read();
        assert_eq!(*nested, 0);
        drop(nested);
        drop(first);
        writer.join().unwrap();
        assert_eq!(*lock.read(), 1);
        assert_eq!(READS_HELD.get(), 0);
    }

    #[test]
    fn a_closed_gate_refuses_a_try_read() {
        let lock = StateLock::new(0u32);
        let gate = lock.close_gate();
        assert!(lock.try_read().is_none());
        drop(gate);
        assert!(lock.try_read().is_some());
    }
}
