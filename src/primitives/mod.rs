//! The bottom layer: addresses, keys, permission bits and MultiChain's script metadata.
//! Knows nothing of the layers above.

pub mod address;
pub mod ecdsa;
pub mod entity;
pub mod hextext;
pub mod keys;
pub mod permission;
pub mod script;
pub mod signed_message;
pub mod tx;
pub mod ubjson;

pub use address::{Address, AddressFormat};
pub use hextext::{hex_text, txid_text};
pub use keys::PrivateKey;
