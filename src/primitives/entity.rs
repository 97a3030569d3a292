//! Entity details: the field list carried by `spkn` (new entity) and `spku` (update)
//! metadata. Special fields are `0x00 code CompactSize(len) value`; custom fields are
//! `name 0x00 CompactSize(len) value`.

use serde_json::{Map, Value};

pub const KIND_ASSET: u8 = 0x01;
pub const KIND_STREAM: u8 = 0x02;

pub const FIELD_NAME: u8 = 0x01;
pub const FIELD_FOLLOW_ONS: u8 = 0x02;
pub const FIELD_ANYONE_CAN_WRITE: u8 = 0x04;
pub const FIELD_JSON_DETAILS: u8 = 0x05;
pub const FIELD_PERMISSIONS: u8 = 0x06;
pub const FIELD_RESTRICTIONS: u8 = 0x07;
/// A token's id (MultiChain's "update name"), and the issue txid of its asset (32 bytes).
pub const FIELD_TOKEN_ID: u8 = 0x0a;
pub const FIELD_PARENT_ENTITY: u8 = 0x0b;
pub const FIELD_ASSET_MULTIPLE: u8 = 0x41;
/// Most raw units an asset may ever have issued, and in one issue (int64 LE).
pub const FIELD_ASSET_TOTAL_LIMIT: u8 = 0x49;
pub const FIELD_ASSET_ISSUE_LIMIT: u8 = 0x4a;

/// Follow-on mode bits of an asset (field 0x02).
pub const FOLLOW_ONS_ALLOWED: u32 = 0x01;
pub const FOLLOW_ONS_ANYONE_CAN_ISSUE: u32 = 0x02;
pub const FOLLOW_ONS_WITH_APPROVAL: u32 = 0x04;
/// Its units are tokens, each issued under an id of its own (`fungible: false`).
pub const FOLLOW_ONS_NON_FUNGIBLE: u32 = 0x08;
/// Its admins may close it, or open it, later (`update`).
pub const FOLLOW_ONS_CAN_CLOSE: u32 = 0x10;
pub const FOLLOW_ONS_CAN_OPEN: u32 = 0x20;

/// Stream restriction bits (field 0x07).
pub const RESTRICT_ONCHAIN: u8 = 0x01;
pub const RESTRICT_OFFCHAIN: u8 = 0x02;
pub const RESTRICT_SALTED: u8 = 0x04;

pub fn write_compact_size(out: &mut Vec<u8>, n: u64) {
    if n < 0xfd {
        out.push(n as u8);
    } else if n <= 0xffff {
        out.push(0xfd);
        out.extend_from_slice(&(n as u16).to_le_bytes());
    } else if n <= 0xffff_ffff {
        out.push(0xfe);
        out.extend_from_slice(&(n as u32).to_le_bytes());
    } else {
        out.push(0xff);
        out.extend_from_slice(&n.to_le_bytes());
    }
}

/// Reads a CompactSize at `*pos`; None if truncated.
pub fn read_compact_size(b: &[u8], pos: &mut usize) -> Option<u64> {
    let first = *b.get(*pos)?;
    *pos += 1;
    let n = |len: usize, pos: &mut usize| -> Option<u64> {
        let s = b.get(*pos..*pos + len)?;
        *pos += len;
        let mut buf = [0u8; 8];
        buf[..len].copy_from_slice(s);
        Some(u64::from_le_bytes(buf))
    };
    match first {
        0xfd => n(2, pos),
        0xfe => n(4, pos),
        0xff => n(8, pos),
        v => Some(v as u64),
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Details {
    pub special: Vec<(u8, Vec<u8>)>,
    pub custom: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Details {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (code, v) in &self.special {
            out.push(0);
            out.push(*code);
            write_compact_size(&mut out, v.len() as u64);
            out.extend_from_slice(v);
        }
        for (name, v) in &self.custom {
            out.extend_from_slice(name);
            out.push(0);
            write_compact_size(&mut out, v.len() as u64);
            out.extend_from_slice(v);
        }
        out
    }

    pub fn decode(b: &[u8]) -> Option<Details> {
        let mut d = Details::default();
        let mut pos = 0;
        while pos < b.len() {
            if b[pos] == 0 {
                let code = *b.get(pos + 1)?;
                pos += 2;
                let len = read_compact_size(b, &mut pos)? as usize;
                let v = b.get(pos..pos.checked_add(len)?)?.to_vec();
                pos += len;
                d.special.push((code, v));
            } else {
                let end = pos + b[pos..].iter().position(|c| *c == 0)?;
                let name = b[pos..end].to_vec();
                pos = end + 1;
                let len = read_compact_size(b, &mut pos)? as usize;
                let v = b.get(pos..pos.checked_add(len)?)?.to_vec();
                pos += len;
                d.custom.push((name, v));
            }
        }
        Some(d)
    }

    pub fn get(&self, code: u8) -> Option<&[u8]> {
        self.special
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, v)| v.as_slice())
    }

    pub fn set(&mut self, code: u8, value: Vec<u8>) {
        self.special.retain(|(c, _)| *c != code);
        self.special.push((code, value));
    }

    pub fn name(&self) -> Option<String> {
        self.get(FIELD_NAME)
            .map(|n| String::from_utf8_lossy(n).into_owned())
    }

    pub fn flag(&self, code: u8) -> Option<u8> {
        self.get(code).and_then(|v| v.first().copied())
    }

    /// Little-endian integer field (asset multiple).
    pub fn int(&self, code: u8) -> Option<i64> {
        let v = self.get(code)?;
        if v.is_empty() || v.len() > 8 {
            return None;
        }
        let mut buf = [0u8; 8];
        buf[..v.len()].copy_from_slice(v);
        Some(i64::from_le_bytes(buf))
    }

    /// User details as JSON: the UBJSON details field, merged with old-style custom fields.
    pub fn json(&self) -> Value {
        let mut map = match self
            .get(FIELD_JSON_DETAILS)
            .and_then(|b| super::ubjson::decode(b).ok())
        {
            Some(Value::Object(m)) => m,
            Some(other) => {
                let mut m = Map::new();
                m.insert("value".into(), other);
                m
            }
            None => Map::new(),
        };
        for (k, v) in &self.custom {
            map.insert(
                String::from_utf8_lossy(k).into_owned(),
                Value::String(String::from_utf8_lossy(v).into_owned()),
            );
        }
        Value::Object(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_asset_and_stream_details() {
        // spkn payload of the golden issue (after "spkn" and the kind byte).
        let asset = hex::decode("00010d726177676f6c645f617373657400410464000000000201010005137b69066f726967696e536906676f6c64656e7d").unwrap();
        let d = Details::decode(&asset).unwrap();
        assert_eq!(d.name().as_deref(), Some("rawgold_asset"));
        assert_eq!(d.int(FIELD_ASSET_MULTIPLE), Some(100));
        assert_eq!(d.flag(FIELD_FOLLOW_ONS), Some(1));
        assert_eq!(d.json(), serde_json::json!({"origin": "golden"}));
        assert_eq!(d.encode(), asset);
        let stream = hex::decode(
            "0006010000010e726177676f6c645f73747265616d0005127b690561626f7574536906676f6c64656e7d",
        )
        .unwrap();
        let s = Details::decode(&stream).unwrap();
        assert_eq!(s.flag(FIELD_PERMISSIONS), Some(0));
        assert_eq!(s.name().as_deref(), Some("rawgold_stream"));
        assert_eq!(s.encode(), stream);
    }

    #[test]
    fn truncated_details_are_rejected() {
        let asset = hex::decode("00010d726177676f6c645f6173736574").unwrap();
        for cut in 1..asset.len() {
            assert!(Details::decode(&asset[..cut]).is_none(), "{cut}");
        }
        assert!(Details::decode(b"name-without-terminator").is_none());
    }

    #[test]
    fn compact_sizes() {
        for n in [
            0u64,
            0xfc,
            0xfd,
            0xffff,
            0x10000,
            0xffff_ffff,
            0x1_0000_0000,
        ] {
            let mut out = Vec::new();
            write_compact_size(&mut out, n);
            let mut pos = 0;
            assert_eq!(read_compact_size(&out, &mut pos), Some(n));
            assert_eq!(pos, out.len());
        }
    }
}
