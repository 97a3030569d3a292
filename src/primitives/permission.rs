//! Permission types: the bit values stored on-chain and the names used by the API.

use super::address::Address;

pub type PermissionBits = u32;

pub const CONNECT: u32 = 0x0001;
pub const SEND: u32 = 0x0002;
pub const RECEIVE: u32 = 0x0004;
pub const WRITE: u32 = 0x0008;
pub const ISSUE: u32 = 0x0010;
pub const CREATE: u32 = 0x0020;
pub const READ: u32 = 0x0080;
pub const MINE: u32 = 0x0100;
pub const LOW1: u32 = 0x0200;
pub const LOW2: u32 = 0x0400;
pub const LOW3: u32 = 0x0800;
pub const ADMIN: u32 = 0x1000;
pub const ACTIVATE: u32 = 0x2000;
pub const HIGH1: u32 = 0x20000;
pub const HIGH2: u32 = 0x40000;
pub const HIGH3: u32 = 0x80000;
/// Not a permission anyone holds: an entity's switch (an asset open or closed), kept as this
/// permission of a pseudo-address ([`details_address`]) for the entity.
pub const DETAILS: u32 = 0x0800_0000;
/// The details switch of an asset: follow-on issues allowed.
pub const DETAILS_ASSET_OPEN: u32 = 0x01;

/// Per-entity permissions only the entity's admins may grant (activators grant the rest).
pub const ENTITY_ADMIN_GRANTED: u32 = ADMIN | ACTIVATE | ISSUE | DETAILS;

/// Every permission a global grant can carry.
pub const GLOBAL_ALL: u32 =
    CONNECT | SEND | RECEIVE | ISSUE | CREATE | MINE | ADMIN | ACTIVATE | CUSTOM_ALL;
pub const CUSTOM_ALL: u32 = LOW1 | LOW2 | LOW3 | HIGH1 | HIGH2 | HIGH3;
/// Permissions an address with `activate` (not only `admin`) may grant or revoke.
pub const ACTIVATE_GRANTABLE: u32 = CONNECT | SEND | RECEIVE | LOW1 | LOW2 | LOW3;

/// Names in the order MultiChain lists one address's permissions (the genesis admin's order
/// in `listpermissions`).
pub const LISTING_ORDER: [(u32, &str); 16] = [
    (MINE, "mine"),
    (ADMIN, "admin"),
    (ACTIVATE, "activate"),
    (CONNECT, "connect"),
    (SEND, "send"),
    (RECEIVE, "receive"),
    (ISSUE, "issue"),
    (CREATE, "create"),
    (WRITE, "write"),
    (READ, "read"),
    (LOW1, "low1"),
    (LOW2, "low2"),
    (LOW3, "low3"),
    (HIGH1, "high1"),
    (HIGH2, "high2"),
    (HIGH3, "high3"),
];

pub fn name_of(bit: u32) -> &'static str {
    LISTING_ORDER
        .iter()
        .find(|(b, _)| *b == bit)
        .map(|(_, n)| *n)
        .unwrap_or("unknown")
}

fn bit_of(name: &str) -> Option<u32> {
    match name {
        "connect" => Some(CONNECT),
        "send" => Some(SEND),
        // `recv` is not MultiChain's, but the paper's scripts write it.
        "receive" | "recv" => Some(RECEIVE),
        "write" => Some(WRITE),
        "issue" => Some(ISSUE),
        "create" => Some(CREATE),
        "read" => Some(READ),
        "mine" => Some(MINE),
        "admin" => Some(ADMIN),
        "activate" => Some(ACTIVATE),
        "low1" => Some(LOW1),
        "low2" => Some(LOW2),
        "low3" => Some(LOW3),
        "high1" => Some(HIGH1),
        "high2" => Some(HIGH2),
        "high3" => Some(HIGH3),
        _ => None,
    }
}

/// Parses a comma-separated list (`"connect,send,recv"`, `"all"`, `"*"`) into a bitmask,
/// allowing only bits of `allowed`. `None` for an unknown name, an empty list, or a bit
/// outside `allowed` — MultiChain answers all of these with "Invalid permission".
pub fn parse_list(text: &str, allowed: u32) -> Option<u32> {
    let mut bits = 0u32;
    for name in text.split(',') {
        if name.is_empty() {
            continue;
        }
        bits |= match name {
            "all" | "*" => allowed,
            _ => bit_of(name)?,
        };
    }
    if bits == 0 || bits & !allowed != 0 {
        return None;
    }
    Some(bits)
}

/// The bits of a mask as separate single-bit values, in listing order (details last).
pub fn split_bits(mask: u32) -> impl Iterator<Item = u32> {
    LISTING_ORDER
        .iter()
        .map(|(b, _)| *b)
        .chain([DETAILS])
        .filter(move |b| mask & b != 0)
}

/// The pseudo-address whose `DETAILS` permission for an entity is one of its switches:
/// MultiChain's 20 bytes of the switch and the permission bit (little-endian), then zeros.
pub fn details_address(switch: u32) -> Address {
    let mut hash = [0u8; 20];
    hash[..4].copy_from_slice(&switch.to_le_bytes());
    hash[4..8].copy_from_slice(&DETAILS.to_le_bytes());
    Address::PubKeyHash(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_list_with_recv_synonym() {
        assert_eq!(
            parse_list("connect,send,recv", GLOBAL_ALL),
            Some(CONNECT | SEND | RECEIVE)
        );
        assert_eq!(
            parse_list("connect,send,receive", GLOBAL_ALL),
            Some(CONNECT | SEND | RECEIVE)
        );
    }

    #[test]
    fn bad_lists_are_rejected() {
        assert_eq!(parse_list("", GLOBAL_ALL), None);
        assert_eq!(parse_list("connect,fly", GLOBAL_ALL), None);
        assert_eq!(parse_list("write", GLOBAL_ALL), None);
        assert_eq!(parse_list("Connect", GLOBAL_ALL), None);
        assert_eq!(parse_list("all", GLOBAL_ALL), Some(GLOBAL_ALL));
    }
}
