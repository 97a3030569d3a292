//! A MultiChain 2.3-compatible blockchain node.
//!
//! Layers, bottom up: [`primitives`] → [`params`] → [`chain`] (rules) → [`ledger`] (storage)
//! → node services ([`node`], [`wallet`]) → [`rpc`] (the JSON-RPC edge). See ARCHITECTURE.md.

pub mod chain;
pub mod cli;
pub mod daemon;
pub mod jsonfmt;
pub mod ledger;
pub mod node;
pub mod params;
pub mod primitives;
pub mod rpc;
pub mod wallet;
