//! The rules: what is a valid transaction or block, and what it changes. Pure functions over
//! a [`state::StateView`], tested without I/O.

pub mod block;
pub mod entities;
pub mod error;
pub mod metadata;
pub mod rules;
pub mod state;
pub mod utxo_stats;
pub mod verify;

pub use error::{BlockReject, TxReject};
pub use rules::{check_transaction, RuleParams, TxContext};
pub use state::{
    ChainState, Coin, Delta, Overlay, PermissionKey, PermissionRecord, StateView, TxEffects,
};

#[cfg(test)]
mod tests;
