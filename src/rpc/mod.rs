//! The JSON-RPC edge: MultiChain's wire ([`server`]), the method table ([`dispatch`]), and one
//! file of thin handlers per area. Errors become MultiChain codes only here ([`errors`]).

pub mod accounts;
pub mod addresses;
pub mod args;
pub mod asset_txs;
pub mod assets;
pub mod bitcoin_wallet;
pub mod blockchain;
pub mod connections;
pub mod control;
pub mod dispatch;
pub mod enterprise;
pub mod entities;
pub mod entity_options;
pub mod errors;
pub mod filters;
pub mod help;
pub mod idle_close;
pub mod issue_fields;
pub mod messages;
pub mod miners;
pub mod mining;
pub mod multisig;
pub mod network;
pub mod permissions;
pub mod raw;
pub mod serial_lane;
pub mod server;
pub mod stream_query;
pub mod stream_summary;
pub mod streams;
pub mod txjson;
pub mod ubjson_hex;
pub mod wallet_dump;
pub mod wallet_lock;
pub mod wallettx;
