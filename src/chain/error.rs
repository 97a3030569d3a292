//! Typed rejections of transactions and blocks.

/// Bitcoin's reject codes, which MultiChain puts in front of the reason (`"16: …"`).
pub const REJECT_INVALID: u8 = 0x10;
pub const REJECT_DUPLICATE: u8 = 0x12;
pub const REJECT_NONSTANDARD: u8 = 0x40;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxReject {
    /// Broke a rule; `reason` is MultiChain's reject reason.
    #[error("{code}: {reason}")]
    Rejected { code: u8, reason: String },
    /// An input is neither unspent in the chain nor created by the mempool.
    #[error("Missing inputs")]
    MissingInputs,
    /// Already confirmed.
    #[error("transaction already in block chain")]
    AlreadyInChain,
}

impl TxReject {
    pub fn invalid(reason: impl Into<String>) -> Self {
        TxReject::Rejected {
            code: REJECT_INVALID,
            reason: reason.into(),
        }
    }

    pub fn nonstandard(reason: impl Into<String>) -> Self {
        TxReject::Rejected {
            code: REJECT_NONSTANDARD,
            reason: reason.into(),
        }
    }

    pub fn duplicate(reason: impl Into<String>) -> Self {
        TxReject::Rejected {
            code: REJECT_DUPLICATE,
            reason: reason.into(),
        }
    }

    /// The reason alone, as the wallet commands report it.
    pub fn reason(&self) -> String {
        match self {
            TxReject::Rejected { reason, .. } => reason.clone(),
            other => other.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockReject {
    #[error("block does not extend the tip")]
    NotOnTip,
    #[error("bad merkle root")]
    BadMerkleRoot,
    #[error("proof of work failed")]
    ProofOfWork,
    #[error("block too large")]
    TooLarge,
    #[error("bad coinbase: {0}")]
    BadCoinbase(String),
    #[error("bad block signature: {0}")]
    BadSignature(String),
    #[error("miner has no mine permission")]
    MinerNotPermitted,
    #[error("miner must wait for other miners (mining-diversity)")]
    MiningDiversity,
    #[error("block time too early")]
    TimeTooEarly,
    #[error("transaction {index} rejected: {reject}")]
    Transaction { index: usize, reject: TxReject },
}
