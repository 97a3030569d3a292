//! Options of a new stream or asset, read the same way by `create`/`issue` and by
//! `createrawsendfrom`'s `{"create": …}` objects: restrictions, per-asset permissions, custom
//! fields, and names that would be mistaken for references.

use super::errors::*;
use crate::primitives::entity::{self as ent, Details};
use crate::primitives::permission;
use crate::primitives::ubjson;
use serde_json::Value;

/// Custom fields: a JSON object, stored as UBJSON.
pub fn custom_fields(v: &Value) -> RpcResult<Vec<u8>> {
    if !v.is_object() {
        return Err(RpcError::invalid_parameter("Invalid details"));
    }
    ubjson::encode(v).map_err(|_| {
        RpcError::invalid_parameter(
            "Couldn't transfer details JSON object to internal UBJSON format",
        )
    })
}

/// A name of the form `height-offset-prefix` would be read as an entity reference.
pub fn looks_like_reference(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3
        && parts[0].trim_start().parse::<i64>().is_ok()
        && parts[1].parse::<i64>().is_ok()
        && parts[2].parse::<u32>().is_ok_and(|p| p <= 65535)
}

/// The permission byte (which of write/read need a per-stream grant) and the restriction
/// byte (onchain, offchain, salted) of a new stream, built field by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamFlags {
    pub permissions: u8,
    pub restrictions: u8,
    /// `Some` when the creator said whether chunks are salted.
    salted: Option<bool>,
}

impl StreamFlags {
    /// `open: true` lets anyone with send publish; `false` needs `<stream>.write`.
    pub fn open(open: bool) -> Self {
        StreamFlags {
            permissions: if open { 0 } else { permission::WRITE as u8 },
            restrictions: 0,
            salted: None,
        }
    }

    /// `"restrict": "write,read,onchain,offchain"`. Like MultiChain, it replaces what an open
    /// flag or an earlier restrict set.
    pub fn restrict(&mut self, v: &Value) -> RpcResult<()> {
        let text = v.as_str().ok_or_else(|| {
            RpcError::invalid_parameter("Invalid restrict field, should be string")
        })?;
        self.permissions = 0;
        self.restrictions = 0;
        for t in text.split(',').filter(|t| !t.is_empty()) {
            match t {
                "write" => self.permissions |= permission::WRITE as u8,
                "read" => self.permissions |= permission::READ as u8,
                "onchain" => self.restrictions |= ent::RESTRICT_ONCHAIN,
                "offchain" => self.restrictions |= ent::RESTRICT_OFFCHAIN,
                _ => return Err(RpcError::new(RPC_NOT_SUPPORTED, "Unsupported restriction")),
            }
        }
        Ok(())
    }

    /// `"open": true|false` in a raw `{"create": "stream"}` object: only the write permission.
    pub fn set_open(&mut self, open: bool) {
        self.permissions = if open { 0 } else { permission::WRITE as u8 };
    }

    pub fn salted(&mut self, salted: bool) {
        self.salted = Some(salted);
    }

    /// The final bytes: a read-restricted stream takes no on-chain items and, unless told
    /// otherwise, salts its chunks; on-chain and off-chain restrictions exclude each other.
    pub fn finish(self) -> RpcResult<(u8, u8)> {
        let mut restrictions = self.restrictions;
        let read = self.permissions & permission::READ as u8 != 0;
        if self.salted.unwrap_or(read) {
            restrictions |= ent::RESTRICT_SALTED;
        }
        if read {
            restrictions |= ent::RESTRICT_ONCHAIN;
        }
        if restrictions & ent::RESTRICT_ONCHAIN != 0 && restrictions & ent::RESTRICT_OFFCHAIN != 0 {
            return Err(RpcError::new(
                RPC_NOT_SUPPORTED,
                "Stream cannot be restricted from both onchain and offchain items",
            ));
        }
        Ok((self.permissions, restrictions))
    }
}

/// An asset's `restrict` field ("send", "receive" or both): the per-asset permissions its
/// holders need, `None` when it names anything else or nothing.
pub fn parse_asset_restrict(v: &Value) -> Option<u8> {
    let mask = permission::SEND | permission::RECEIVE;
    permission::parse_list(v.as_str()?, mask).map(|bits| bits as u8)
}

/// Refuses a field of a new asset that the chain's protocol version does not know
/// (`fungible`, `canopen`, `canclose`, `totallimit`, `issuelimit`: `RuleParams::tokens`), in
/// MultiChain's words.
pub fn check_growth_field(tokens: bool, field: &str) -> RpcResult<()> {
    let newer = matches!(
        field,
        "fungible" | "canopen" | "canclose" | "totallimit" | "issuelimit"
    );
    if newer && !tokens {
        return Err(RpcError::new(
            RPC_NOT_SUPPORTED,
            format!("{field} field is not supported in this protocol version"),
        ));
    }
    Ok(())
}

/// How a new asset may grow: follow-ons (`open`, or later through `update` if `canopen`),
/// by anyone (`unrestrict: "issue"`), and up to which limits (`totallimit`, `issuelimit`, in
/// display units until the multiple is applied). `issue` and `{"create": "asset"}` read the
/// fields each in their own words.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AssetGrowth {
    pub open: bool,
    /// Its admins may open it, or close it, later (`canopen`, `canclose`).
    pub can_open: bool,
    pub can_close: bool,
    pub anyone_can_issue: bool,
    /// Issued as tokens, each under an id of its own (`fungible: false`).
    pub non_fungible: bool,
    pub total_limit: Option<f64>,
    pub issue_limit: Option<f64>,
}

/// Why a limit field was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum BadLimit {
    NotNumeric,
    NotPositive,
}

impl AssetGrowth {
    /// A limit field's value: a positive number.
    pub fn limit(v: &Value) -> Result<f64, BadLimit> {
        let n = v.as_f64().ok_or(BadLimit::NotNumeric)?;
        if n <= 0.0 {
            return Err(BadLimit::NotPositive);
        }
        Ok(n)
    }

    /// Sets `totallimit` or `issuelimit` (the field's name).
    pub fn set_limit(&mut self, field: &str, limit: f64) {
        match field {
            "totallimit" => self.total_limit = Some(limit),
            _ => self.issue_limit = Some(limit),
        }
    }

    /// Sets `canopen` or `canclose` (the field's name).
    pub fn set_switchable(&mut self, field: &str, allowed: bool) {
        match field {
            "canopen" => self.can_open = allowed,
            _ => self.can_close = allowed,
        }
    }

    /// `unrestrict`: only `"issue"` is known; false for anything else.
    pub fn unrestrict(&mut self, v: &Value) -> bool {
        self.anyone_can_issue = v.as_str() == Some("issue");
        self.anyone_can_issue
    }

    /// A limit in raw units, MultiChain's arithmetic; `None` past what an int64 holds (where
    /// MultiChain's cast turns negative).
    pub fn raw_limit(limit: f64, multiple: i64) -> Option<i64> {
        let raw = limit * multiple as f64 + 0.1;
        (raw < i64::MAX as f64).then_some(raw as i64)
    }

    /// Refuses what MultiChain refuses: more units by anyone, or closing, of an asset that
    /// takes no more units and cannot be opened.
    pub fn check(&self) -> RpcResult<()> {
        let never_open = !self.open && !self.can_open;
        if never_open && self.anyone_can_issue {
            return Err(RpcError::new(
                RPC_NOT_SUPPORTED,
                "Asset cannot have unrestricted issue permission if follow-ons are not allowed or cannot be allowed",
            ));
        }
        if never_open && self.can_close {
            return Err(RpcError::new(
                RPC_NOT_SUPPORTED,
                "Issued asset must either be open now, or possible to open later (canopen parameter)",
            ));
        }
        if never_open && self.non_fungible {
            return Err(RpcError::new(
                RPC_NOT_SUPPORTED,
                "Asset cannot have non-fungible tokens if follow-ons are not allowed or cannot be allowed",
            ));
        }
        Ok(())
    }

    /// A non-fungible asset's units are its tokens' units: one raw unit each.
    pub fn check_multiple(&self, multiple: i64) -> RpcResult<()> {
        if self.non_fungible && multiple != 1 {
            return Err(RpcError::new(
                RPC_NOT_ALLOWED,
                "Non-fungible token asset should have multiple 1",
            ));
        }
        Ok(())
    }

    /// The follow-on mode byte, written only when some bit is set (as MultiChain does).
    pub fn write_follow_ons(&self, d: &mut Details) {
        let mut mode = 0;
        if self.open {
            mode |= ent::FOLLOW_ONS_ALLOWED;
        }
        if self.anyone_can_issue {
            mode |= ent::FOLLOW_ONS_ANYONE_CAN_ISSUE;
        }
        if self.non_fungible {
            mode |= ent::FOLLOW_ONS_NON_FUNGIBLE;
        }
        if self.can_close {
            mode |= ent::FOLLOW_ONS_CAN_CLOSE;
        }
        if self.can_open {
            mode |= ent::FOLLOW_ONS_CAN_OPEN;
        }
        if mode != 0 {
            d.set(ent::FIELD_FOLLOW_ONS, vec![mode as u8]);
        }
    }

    /// The limits in raw units (int64 LE), those given; refuses one too large for an int64.
    pub fn write_limits(&self, multiple: i64, d: &mut Details) -> RpcResult<()> {
        for (code, name, limit) in [
            (ent::FIELD_ASSET_TOTAL_LIMIT, "totallimit", self.total_limit),
            (ent::FIELD_ASSET_ISSUE_LIMIT, "issuelimit", self.issue_limit),
        ] {
            if let Some(limit) = limit {
                let raw = Self::raw_limit(limit, multiple).ok_or_else(|| {
                    RpcError::invalid_parameter(format!("Invalid {name} - should be positive"))
                })?;
                d.set(code, raw.to_le_bytes().to_vec());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn asset_growth_fields() {
        assert_eq!(AssetGrowth::limit(&json!(2.5)), Ok(2.5));
        assert_eq!(AssetGrowth::limit(&json!(0)), Err(BadLimit::NotPositive));
        assert_eq!(AssetGrowth::limit(&json!("5")), Err(BadLimit::NotNumeric));
        assert_eq!(AssetGrowth::raw_limit(1000.0, 100), Some(100_000));
        assert_eq!(AssetGrowth::raw_limit(0.29, 100), Some(29));
        assert_eq!(AssetGrowth::raw_limit(1e17, 100), None);
        let mut g = AssetGrowth::default();
        assert!(!g.unrestrict(&json!("send")));
        assert!(g.unrestrict(&json!("issue")));
        assert_eq!(g.check().unwrap_err().code, RPC_NOT_SUPPORTED);
        g.open = true;
        g.check().unwrap();
        g.total_limit = Some(10.0);
        let mut d = Details::default();
        g.write_follow_ons(&mut d);
        g.write_limits(100, &mut d).unwrap();
        assert_eq!(d.flag(ent::FIELD_FOLLOW_ONS), Some(3));
        assert_eq!(d.int(ent::FIELD_ASSET_TOTAL_LIMIT), Some(1000));
        assert_eq!(d.get(ent::FIELD_ASSET_ISSUE_LIMIT), None);
        let huge = AssetGrowth {
            issue_limit: Some(1e17),
            ..g
        };
        let refused = huge.write_limits(100, &mut Details::default()).unwrap_err();
        assert_eq!(refused.message, "Invalid issuelimit - should be positive");
        let closable = AssetGrowth {
            can_close: true,
            ..AssetGrowth::default()
        };
        assert_eq!(closable.check().unwrap_err().code, RPC_NOT_SUPPORTED);
        let switchable = AssetGrowth {
            can_open: true,
            ..closable
        };
        switchable.check().unwrap();
        let mut d = Details::default();
        switchable.write_follow_ons(&mut d);
        assert_eq!(d.flag(ent::FIELD_FOLLOW_ONS), Some(0x30));
        let mut closed = Details::default();
        AssetGrowth::default().write_follow_ons(&mut closed);
        assert_eq!(closed.get(ent::FIELD_FOLLOW_ONS), None);
    }

    fn flags(fields: &[(&str, Value)]) -> RpcResult<(u8, u8)> {
        let mut f = StreamFlags::open(false);
        for (name, v) in fields {
            match *name {
                "open" => f.set_open(v.as_bool().unwrap()),
                "restrict" => f.restrict(v)?,
                "salted" => f.salted(v.as_bool().unwrap()),
                _ => unreachable!(),
            }
        }
        f.finish()
    }

    const WRITE: u8 = permission::WRITE as u8;
    const READ: u8 = permission::READ as u8;

    #[test]
    fn stream_flags_follow_multichain() {
        assert_eq!(flags(&[]), Ok((WRITE, 0)));
        assert_eq!(flags(&[("open", json!(true))]), Ok((0, 0)));
        assert_eq!(flags(&[("restrict", json!(""))]), Ok((0, 0)));
        assert_eq!(
            flags(&[("restrict", json!("write,offchain"))]),
            Ok((WRITE, ent::RESTRICT_OFFCHAIN))
        );
        // Read-restricted: no on-chain items, salted unless told otherwise.
        assert_eq!(
            flags(&[("restrict", json!("read"))]),
            Ok((READ, ent::RESTRICT_ONCHAIN | ent::RESTRICT_SALTED))
        );
        assert_eq!(
            flags(&[("restrict", json!("read")), ("salted", json!(false))]),
            Ok((READ, ent::RESTRICT_ONCHAIN))
        );
        // In a raw object salted stays, whatever comes after it.
        assert_eq!(
            flags(&[("salted", json!(true)), ("restrict", json!("onchain"))]),
            Ok((0, ent::RESTRICT_ONCHAIN | ent::RESTRICT_SALTED))
        );
        assert_eq!(
            flags(&[("salted", json!(true)), ("open", json!(true))]),
            Ok((0, ent::RESTRICT_SALTED))
        );
        let both = flags(&[("restrict", json!("onchain,offchain"))]).unwrap_err();
        assert_eq!(both.code, RPC_NOT_SUPPORTED);
        let conflicting = flags(&[("restrict", json!("read,offchain"))]).unwrap_err();
        assert_eq!(conflicting.code, RPC_NOT_SUPPORTED);
        let unknown = flags(&[("restrict", json!("write,send"))]).unwrap_err();
        assert_eq!(
            (unknown.code, unknown.message.as_str()),
            (RPC_NOT_SUPPORTED, "Unsupported restriction")
        );
        let not_text = flags(&[("restrict", json!(true))]).unwrap_err();
        assert_eq!(not_text.code, RPC_INVALID_PARAMETER);
    }

    #[test]
    fn asset_restrictions_are_send_and_receive_only() {
        let send = permission::SEND as u8;
        let receive = permission::RECEIVE as u8;
        assert_eq!(parse_asset_restrict(&json!("send")), Some(send));
        assert_eq!(
            parse_asset_restrict(&json!("send,receive")),
            Some(send | receive)
        );
        assert_eq!(parse_asset_restrict(&json!("write")), None);
        assert_eq!(parse_asset_restrict(&json!("")), None);
        assert_eq!(parse_asset_restrict(&json!(3)), None);
    }
}
