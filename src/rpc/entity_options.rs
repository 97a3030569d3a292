//! Options of a new stream or asset, read the same way by `create`/`issue` and by
//! `createrawsendfrom`'s `{"create": …}` objects: restrictions, per-asset permissions, custom
//! fields, and names that would be mistaken for references.

use super::errors::*;
use crate::primitives::entity as ent;
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
