//! Blockchain parameters (`params.dat`) and node runtime options (`multichain.conf`, flags).

pub mod chain_params;
pub mod definitions;
pub mod runtime;

pub use chain_params::{ChainParams, ParamValue, ParamsError, ParamsStatus, LATEST_PROTOCOL};
