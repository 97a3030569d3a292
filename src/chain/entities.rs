//! Assets and streams ("entities"): what the chain knows of each, and how they are named.

use crate::primitives::address::Address;
use crate::primitives::entity::{self, Details};
use crate::primitives::permission;
use bitcoin::hashes::Hash;
use bitcoin::Txid;

/// An entity's 16-byte id: bytes 16..32 of its creation txid (internal order), i.e. the first
/// 16 bytes of the displayed txid, reversed.
pub fn short_id(txid: &Txid) -> [u8; 16] {
    txid.to_byte_array()[16..32].try_into().unwrap()
}

/// A token's 16-byte reference: bytes 16..32 of SHA-256d(its asset's issue txid, internal
/// order ‖ the token's id). Quantity rows carry it where a fungible asset's short id goes.
pub fn token_ref(asset_txid: &Txid, token: &[u8]) -> [u8; 16] {
    let mut data = asset_txid.to_byte_array().to_vec();
    data.extend_from_slice(token);
    let hash = bitcoin::hashes::sha256d::Hash::hash(&data).to_byte_array();
    hash[16..32].try_into().unwrap()
}

/// Where an entity's creation transaction sits: block height and byte offset in the block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub height: u32,
    pub offset: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetIssue {
    pub txid: Txid,
    pub raw: i64,
    pub details: Details,
    pub issuers: Vec<Address>,
}

impl AssetIssue {
    /// The id of the token this issue created (an issue of a non-fungible asset: its details
    /// are the token's). Only a token issue keeps that field: the rules take it out of the
    /// details any other issue records ([`without_token_id`]).
    pub fn token(&self) -> Option<&[u8]> {
        self.details.get(entity::FIELD_TOKEN_ID)
    }
}

/// `details` as an issue other than a token's records them: a token id there (which only a
/// crafted script would carry) would make the issue look like a token's.
pub fn without_token_id(details: &Details) -> Details {
    let mut d = details.clone();
    d.special
        .retain(|(code, _)| *code != entity::FIELD_TOKEN_ID);
    d
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entity {
    pub txid: Txid,
    pub kind: u8,
    pub details: Details,
    pub position: Option<Position>,
    pub creators: Vec<Address>,
    /// Creation order among all entities.
    pub seq: u64,
    /// Assets: every issue, the first one included. Shared, so that the copies of an entity
    /// that reading the state hands out cost nothing however many issues (or tokens) it has;
    /// an issue added copies the list once (`Arc::make_mut`).
    pub issues: std::sync::Arc<Vec<AssetIssue>>,
}

impl Entity {
    pub fn short_id(&self) -> [u8; 16] {
        short_id(&self.txid)
    }

    pub fn name(&self) -> String {
        self.details.name().unwrap_or_default()
    }

    pub fn is_asset(&self) -> bool {
        self.kind == entity::KIND_ASSET
    }

    pub fn is_stream(&self) -> bool {
        self.kind == entity::KIND_STREAM
    }

    /// `height-offset-prefix`, or None while unconfirmed. The root stream is `0-0-0`.
    pub fn reference(&self) -> Option<String> {
        let p = self.position?;
        if p.height == 0 {
            return Some("0-0-0".into());
        }
        let b = self.txid.to_byte_array();
        let prefix = b[31] as u32 + 256 * b[30] as u32;
        Some(format!("{}-{}-{}", p.height, p.offset, prefix))
    }

    pub fn multiple(&self) -> i64 {
        self.details
            .int(entity::FIELD_ASSET_MULTIPLE)
            .filter(|m| *m > 0)
            .unwrap_or(1)
    }

    /// Assets: the follow-on mode bits (`entity::FOLLOW_ONS_*`).
    fn follow_on_mode(&self) -> u32 {
        self.details
            .get(entity::FIELD_FOLLOW_ONS)
            .filter(|v| (1..=4).contains(&v.len()))
            .map_or(0, |v| v.iter().rev().fold(0, |n, b| n << 8 | *b as u32))
    }

    /// Assets: follow-on issues allowed by the issue itself (what a decoded issue shows).
    pub fn open(&self) -> bool {
        self.follow_on_mode() & (entity::FOLLOW_ONS_ALLOWED | entity::FOLLOW_ONS_WITH_APPROVAL) != 0
    }

    /// Assets: issued as tokens, each with an id of its own (`fungible: false`).
    pub fn non_fungible(&self) -> bool {
        self.follow_on_mode() & entity::FOLLOW_ONS_NON_FUNGIBLE != 0
    }

    /// Non-fungible assets: each token issued, with its reference, oldest first.
    pub fn tokens(&self) -> impl Iterator<Item = (&AssetIssue, [u8; 16])> + '_ {
        self.tokens_from(0)
    }

    /// [`Self::tokens`] of the issues from the `start`th on (those a change added).
    pub fn tokens_from(&self, start: usize) -> impl Iterator<Item = (&AssetIssue, [u8; 16])> + '_ {
        self.issues[start.min(self.issues.len())..]
            .iter()
            .filter_map(move |i| Some((i, token_ref(&self.txid, i.token()?))))
    }

    /// Assets: its admins may open it later (`canopen`).
    pub fn can_open(&self) -> bool {
        self.follow_on_mode() & entity::FOLLOW_ONS_CAN_OPEN != 0
    }

    /// Assets: its admins may close it later (`canclose`).
    pub fn can_close(&self) -> bool {
        self.follow_on_mode() & entity::FOLLOW_ONS_CAN_CLOSE != 0
    }

    /// Assets: open now or able to be opened later (approval-only follow-ons do not count).
    pub fn may_ever_open(&self) -> bool {
        self.follow_on_mode() & (entity::FOLLOW_ONS_ALLOWED | entity::FOLLOW_ONS_CAN_OPEN) != 0
    }

    /// Assets: may be closed but is neither open nor able to be opened, which MultiChain
    /// refuses at issue.
    pub fn closes_but_never_opens(&self) -> bool {
        self.can_close() && !self.may_ever_open()
    }

    /// Assets: follow-on issues allowed now, given the asset's open switch (its admins'
    /// last `update`, or how it was issued); MultiChain's `AllowedFollowOns`. The switch
    /// counts only for an asset that may be opened or closed.
    pub fn follow_ons_allowed(&self, switched_open: bool) -> bool {
        let open = self.open();
        if self.can_open() && switched_open {
            return true;
        }
        if self.can_close() && !switched_open {
            return false;
        }
        open
    }

    /// Assets: any signer may issue more (`unrestrict: "issue"`), not only holders of the
    /// asset's issue permission.
    pub fn anyone_can_issue_more(&self) -> bool {
        self.follow_on_mode() & entity::FOLLOW_ONS_ANYONE_CAN_ISSUE != 0
    }

    /// Assets: the most raw units all issues together may reach (`totallimit`), if limited.
    pub fn total_limit(&self) -> Option<i64> {
        self.limit(entity::FIELD_ASSET_TOTAL_LIMIT)
    }

    /// Assets: the most raw units one issue may create (`issuelimit`), if limited.
    pub fn issue_limit(&self) -> Option<i64> {
        self.limit(entity::FIELD_ASSET_ISSUE_LIMIT)
    }

    /// A limit field; `i64::MAX` is MultiChain's "no limit".
    fn limit(&self, code: u8) -> Option<i64> {
        self.details.int(code).filter(|l| *l != i64::MAX)
    }

    pub fn issued_raw(&self) -> i64 {
        self.issues.iter().map(|i| i.raw).sum()
    }

    /// Streams: the permission bits a publisher needs (write) or a reader (read).
    pub fn restricted_permissions(&self) -> u8 {
        match self.details.flag(entity::FIELD_PERMISSIONS) {
            Some(p) => p,
            // Older encoding: anyone-can-write flag.
            None => {
                if self
                    .details
                    .flag(entity::FIELD_ANYONE_CAN_WRITE)
                    .unwrap_or(0)
                    != 0
                {
                    0
                } else {
                    crate::primitives::permission::WRITE as u8
                }
            }
        }
    }

    /// Assets: the per-asset permissions (send, receive) its holders need (`restrict`).
    pub fn asset_restrictions(&self) -> u32 {
        self.details.flag(entity::FIELD_PERMISSIONS).unwrap_or(0) as u32
    }

    pub fn restrictions(&self) -> u8 {
        self.details.flag(entity::FIELD_RESTRICTIONS).unwrap_or(0)
    }
}

/// MultiChain's `mc_VerifyAssetPermissions` for what one input (`bit` = send) or output
/// (`bit` = receive) of a standard address holds: an asset restricted to holders of its
/// per-asset permissions travels alone, and only from or to such a holder. `restrictions`
/// gives an asset's restriction bits (0 for unknown ids), `holds` whether the address holds
/// `bit` for an asset. The reject reason, if any.
pub fn asset_permission_refusal(
    amounts: &[([u8; 16], i64)],
    restrictions: impl Fn(&[u8; 16]) -> u32,
    holds: impl Fn(&[u8; 16]) -> bool,
    bit: u32,
) -> Option<&'static str> {
    let restricted: Vec<([u8; 16], u32)> = amounts
        .iter()
        .map(|(id, _)| {
            (
                *id,
                restrictions(id) & (permission::SEND | permission::RECEIVE),
            )
        })
        .filter(|(_, r)| *r != 0)
        .collect();
    if restricted.is_empty() {
        return None;
    }
    // The same asset may appear twice (a transfer and a follow-on): it counts once.
    let mut ids: Vec<[u8; 16]> = amounts.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    let send = bit == permission::SEND;
    if ids.len() > 1 {
        return Some(if send {
            "One of multiple assets in input has per-asset permissions"
        } else {
            "One of multiple assets in output has per-asset permissions"
        });
    }
    let refused = restricted.iter().any(|(id, r)| r & bit != 0 && !holds(id));
    refused.then_some(if send {
        "One of the inputs doesn't have per-asset send permission"
    } else {
        "One of the outputs doesn't have per-asset receive permission"
    })
}

/// Names are compared without case, as MultiChain does.
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// What MultiChain accepts as an entity name: 1–32 bytes, none of the characters its
/// identifiers use as separators, and not something that parses as a txid or reference.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && !name.contains(['.', ',', '*', '"', '\''])
        && !name.chars().any(|c| c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset_with_mode(mode: u32) -> Entity {
        let mut details = Details::default();
        if mode != 0 {
            details.set(entity::FIELD_FOLLOW_ONS, vec![mode as u8]);
        }
        Entity {
            txid: Txid::all_zeros(),
            kind: entity::KIND_ASSET,
            details,
            position: None,
            creators: Vec::new(),
            seq: 0,
            issues: Default::default(),
        }
    }

    /// MultiChain's `AllowedFollowOns`: the open switch counts only for an asset that may be
    /// opened (then it opens it) or closed (then it closes it).
    #[test]
    fn follow_ons_follow_the_switch_only_where_it_may_change_them() {
        let open = entity::FOLLOW_ONS_ALLOWED;
        let can_open = entity::FOLLOW_ONS_CAN_OPEN;
        let can_close = entity::FOLLOW_ONS_CAN_CLOSE;
        for (mode, switch_on, switch_off) in [
            (0, false, false),
            (open, true, true),
            (can_open, true, false),
            (open | can_close, true, false),
            (can_open | can_close, true, false),
            (open | can_open, true, true),
        ] {
            let a = asset_with_mode(mode);
            assert_eq!(a.follow_ons_allowed(true), switch_on, "mode {mode:#x}, on");
            assert_eq!(
                a.follow_ons_allowed(false),
                switch_off,
                "mode {mode:#x}, off"
            );
        }
        assert!(asset_with_mode(can_close).closes_but_never_opens());
        assert!(
            asset_with_mode(can_close | entity::FOLLOW_ONS_WITH_APPROVAL).closes_but_never_opens()
        );
        assert!(!asset_with_mode(can_close | can_open).closes_but_never_opens());
        assert!(!asset_with_mode(open | can_close).closes_but_never_opens());
        assert!(asset_with_mode(entity::FOLLOW_ONS_ANYONE_CAN_ISSUE).anyone_can_issue_more());
        assert!(!asset_with_mode(entity::FOLLOW_ONS_ANYONE_CAN_ISSUE).open());
    }
}
