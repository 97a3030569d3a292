//! MultiChain's error codes, and the one place where errors of the layers below become them.

use crate::chain::TxReject;
use crate::node::actions::Refusal;
use crate::node::NodeError;
use crate::wallet::builder::BuildError;

pub const RPC_MISC_ERROR: i32 = -1;
pub const RPC_TYPE_ERROR: i32 = -3;
pub const RPC_WALLET_ERROR: i32 = -4;
pub const RPC_INVALID_ADDRESS_OR_KEY: i32 = -5;
pub const RPC_WALLET_INSUFFICIENT_FUNDS: i32 = -6;
pub const RPC_INVALID_PARAMETER: i32 = -8;
pub const RPC_WALLET_INVALID_ACCOUNT_NAME: i32 = -11;
pub const RPC_WALLET_WRONG_ENC_STATE: i32 = -15;
pub const RPC_WALLET_ENCRYPTION_FAILED: i32 = -16;
pub const RPC_DATABASE_ERROR: i32 = -20;
pub const RPC_DESERIALIZATION_ERROR: i32 = -22;
pub const RPC_TRANSACTION_ERROR: i32 = -25;
pub const RPC_TRANSACTION_REJECTED: i32 = -26;
pub const RPC_TRANSACTION_ALREADY_IN_CHAIN: i32 = -27;
pub const RPC_CLIENT_NODE_NOT_ADDED: i32 = -24;
pub const RPC_IN_WARMUP: i32 = -28;
pub const RPC_NOT_ALLOWED: i32 = -701;
pub const RPC_NOT_SUPPORTED: i32 = -702;
pub const RPC_NOT_SUBSCRIBED: i32 = -703;
pub const RPC_INSUFFICIENT_PERMISSIONS: i32 = -704;
pub const RPC_DUPLICATE_NAME: i32 = -705;
pub const RPC_UNCONFIRMED_ENTITY: i32 = -706;
pub const RPC_EXCHANGE_ERROR: i32 = -707;
pub const RPC_ENTITY_NOT_FOUND: i32 = -708;
pub const RPC_TX_NOT_FOUND: i32 = -710;
pub const RPC_OUTPUT_NOT_FOUND: i32 = -712;
pub const RPC_OUTPUT_NOT_DATA: i32 = -713;
pub const RPC_INPUTS_NOT_MINE: i32 = -714;
pub const RPC_WALLET_OUTPUT_NOT_FOUND: i32 = -715;
pub const RPC_WALLET_NO_UNSPENT_OUTPUTS: i32 = -716;
pub const RPC_GENERAL_FILE_ERROR: i32 = -717;
pub const RPC_BLOCK_NOT_FOUND: i32 = -711;
pub const RPC_WALLET_ADDRESS_NOT_FOUND: i32 = -709;
pub const RPC_INVALID_REQUEST: i32 = -32600;
pub const RPC_METHOD_NOT_FOUND: i32 = -32601;
pub const RPC_INTERNAL_ERROR: i32 = -32603;
pub const RPC_PARSE_ERROR: i32 = -32700;

/// An error as it goes on the wire: `{"code":…,"message":…}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct RpcError {
    pub code: i32,
    pub message: String,
}

impl RpcError {
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
        }
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(RPC_INVALID_PARAMETER, message)
    }

    pub fn misc(message: impl Into<String>) -> Self {
        Self::new(RPC_MISC_ERROR, message)
    }

    pub fn method_not_found() -> Self {
        Self::new(RPC_METHOD_NOT_FOUND, "Method not found")
    }

    /// The HTTP status MultiChain sends with this error.
    pub fn http_status(&self) -> u16 {
        match self.code {
            RPC_INVALID_REQUEST => 400,
            RPC_METHOD_NOT_FOUND => 404,
            _ => 500,
        }
    }
}

pub type RpcResult<T> = Result<T, RpcError>;

impl From<TxReject> for RpcError {
    fn from(e: TxReject) -> Self {
        match e {
            TxReject::Rejected { .. } => RpcError::new(RPC_TRANSACTION_REJECTED, e.to_string()),
            TxReject::MissingInputs => RpcError::new(RPC_TRANSACTION_ERROR, e.to_string()),
            TxReject::AlreadyInChain => {
                RpcError::new(RPC_TRANSACTION_ALREADY_IN_CHAIN, e.to_string())
            }
        }
    }
}

impl From<NodeError> for RpcError {
    fn from(e: NodeError) -> Self {
        match e {
            NodeError::Rejected(r) => r.into(),
            NodeError::Build(BuildError::InsufficientFunds) => {
                RpcError::new(RPC_WALLET_INSUFFICIENT_FUNDS, "Insufficient funds")
            }
            NodeError::Build(BuildError::NoKey) => RpcError::new(
                RPC_WALLET_ADDRESS_NOT_FOUND,
                "Private key for from-address is not found in this wallet",
            ),
            NodeError::Build(BuildError::Signing) => {
                RpcError::new(RPC_WALLET_ERROR, "Signing transaction failed")
            }
            NodeError::Refused(Refusal::InsufficientPermissions(m)) => {
                RpcError::new(RPC_INSUFFICIENT_PERMISSIONS, m)
            }
            NodeError::Refused(Refusal::NotAllowed(m)) => RpcError::new(RPC_NOT_ALLOWED, m),
            NodeError::Refused(r @ Refusal::FromKeyNotFound) => {
                RpcError::new(RPC_WALLET_ADDRESS_NOT_FOUND, r.to_string())
            }
            NodeError::Refused(r @ Refusal::DuplicateName) => {
                RpcError::new(RPC_DUPLICATE_NAME, r.to_string())
            }
            NodeError::Build(BuildError::AssetPermission(reason)) => {
                RpcError::new(RPC_NOT_ALLOWED, reason)
            }
            NodeError::Build(BuildError::InsufficientAssets) => {
                RpcError::new(RPC_WALLET_INSUFFICIENT_FUNDS, "Insufficient funds.")
            }
            NodeError::Ledger(l) => RpcError::new(RPC_DATABASE_ERROR, l.to_string()),
            other => RpcError::new(RPC_INTERNAL_ERROR, other.to_string()),
        }
    }
}

impl From<crate::ledger::LedgerError> for RpcError {
    fn from(e: crate::ledger::LedgerError) -> Self {
        RpcError::new(RPC_DATABASE_ERROR, e.to_string())
    }
}

impl From<crate::primitives::signed_message::SignedMessageError> for RpcError {
    fn from(e: crate::primitives::signed_message::SignedMessageError) -> Self {
        RpcError::new(RPC_DESERIALIZATION_ERROR, e.to_string())
    }
}

impl From<crate::node::binary_cache::CacheError> for RpcError {
    fn from(e: crate::node::binary_cache::CacheError) -> Self {
        use crate::node::binary_cache::CacheError;
        let code = match e {
            CacheError::NotFound => RPC_INVALID_PARAMETER,
            CacheError::TooBig => RPC_NOT_SUPPORTED,
            CacheError::NotEmpty | CacheError::Read(_) | CacheError::Write(_) => RPC_INTERNAL_ERROR,
        };
        RpcError::new(code, e.to_string())
    }
}
