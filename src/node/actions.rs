//! Wallet operations that create transactions (grant, revoke) or keys.

use super::{unix_now, Node, NodeError, NodeState};
use crate::primitives::address::Address;
use crate::primitives::permission;
use crate::primitives::script::{self, PermissionGrant};
use crate::wallet::builder::{build_from, BuildError};
use bitcoin::{Amount, TxOut, Txid};

/// Why the wallet may not act, in MultiChain's words (mapped to -704/-701/-709 at the RPC edge).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    InsufficientPermissions(String),
    #[error("{0}")]
    NotAllowed(String),
    #[error("Private key for from-address is not found in this wallet")]
    FromKeyNotFound,
}

/// A grant (or, with `start == end == 0`, a revocation) of global permissions.
#[derive(Clone, Debug)]
pub struct GrantRequest {
    pub from: Option<Address>,
    pub to: Vec<Address>,
    pub bits: u32,
    pub native_amount: u64,
    pub start: u32,
    pub end: u32,
}

impl Node {
    /// The permission an address needs to grant `bits`: admin, or activate for the
    /// connect/send/receive family.
    fn can_grant(&self, st: &NodeState, address: &Address, bits: u32) -> bool {
        st.has_permission(self, address, permission::ADMIN)
            || (bits & !permission::ACTIVATE_GRANTABLE == 0
                && st.has_permission(self, address, permission::ACTIVATE))
    }

    pub fn grant(&self, req: GrantRequest) -> Result<Txid, NodeError> {
        let needs_admin = req.bits & !permission::ACTIVATE_GRANTABLE != 0;
        if req.bits & permission::MINE != 0 && req.to.iter().any(|a| a.is_script()) {
            return Err(Refusal::NotAllowed(
                "Granting mine permission to P2SH addresses is not allowed".into(),
            )
            .into());
        }
        let mut st = self.state.write();
        let from = match req.from {
            Some(from) => {
                if !st.wallet.is_mine(&from) {
                    return Err(Refusal::FromKeyNotFound.into());
                }
                if !self.can_grant(&st, &from, req.bits) {
                    return Err(Refusal::InsufficientPermissions(if needs_admin {
                        "from-address doesn't have admin permission".into()
                    } else {
                        "from-address doesn't have activate or admin permission".into()
                    })
                    .into());
                }
                from
            }
            None => {
                let found = st
                    .wallet
                    .addresses()
                    .find(|a| {
                        self.can_grant(&st, a, req.bits)
                            && st.has_permission(self, a, permission::SEND)
                    })
                    .copied();
                found.ok_or_else(|| {
                    Refusal::InsufficientPermissions(if needs_admin {
                        "This wallet doesn't have addresses with admin permission".into()
                    } else {
                        "This wallet doesn't have addresses with activate or admin permission"
                            .into()
                    })
                })?
            }
        };
        let grant = PermissionGrant {
            bits: req.bits,
            start: req.start,
            end: req.end,
            timestamp: unix_now(),
        };
        let outputs = req
            .to
            .iter()
            .map(|a| TxOut {
                value: Amount::from_sat(req.native_amount),
                script_pubkey: script::pay_to(a, &[grant.encode()]),
            })
            .collect();
        let tx = {
            let view = st.view();
            build_from(
                &view,
                &st.wallet,
                &from,
                outputs,
                st.next_height(),
                self.rules.spendable_delay,
            )
        };
        let tx = match tx {
            Ok(tx) => tx,
            Err(BuildError::NoKey) => return Err(Refusal::FromKeyNotFound.into()),
            Err(e) => return Err(e.into()),
        };
        self.accept_locked(&mut st, tx, true)
    }

    pub fn new_address(&self) -> Result<Address, NodeError> {
        let mut st = self.state.write();
        Ok(st.wallet.new_address(&self.ledger)?)
    }
}
