//! MultiChain metadata carried in Bitcoin scripts.
//!
//! A MultiChain output script is a standard destination template (P2PKH/P2SH) or an
//! `OP_RETURN`, with metadata elements `<push "spk?"…> OP_DROP` around it. MultiChain 2.x puts
//! them after the template (`OP_DUP … OP_CHECKSIG <spkp…> OP_DROP`) and before `OP_RETURN`.

use super::address::Address;
use bitcoin::opcodes::all::{
    OP_CHECKSIG, OP_DROP, OP_DUP, OP_EQUAL, OP_EQUALVERIFY, OP_HASH160, OP_RETURN,
};
use bitcoin::script::{Builder, Instruction, PushBytesBuf, Script, ScriptBuf};

/// The 3-byte marker that starts every MultiChain metadata element.
pub const SPK: &[u8; 3] = b"spk";
pub const PREFIX_PERMISSION: u8 = b'p';
pub const PREFIX_ENTITY: u8 = b'e';
pub const PREFIX_KEY: u8 = b'k';
pub const PREFIX_FORMAT: u8 = b'f';
pub const PREFIX_NEW_ENTITY: u8 = b'n';
pub const PREFIX_UPDATE: u8 = b'u';
pub const PREFIX_QUANTITIES: u8 = b'q';
pub const PREFIX_FOLLOW_ON: u8 = b'o';
pub const PREFIX_GENESIS: u8 = b'g';
/// Units of a new token of a non-fungible asset (`spkt`), with its details (`spkl`).
pub const PREFIX_TOKEN_ISSUE: u8 = b't';
pub const PREFIX_INLINE_DETAILS: u8 = b'l';

/// Item data formats (`spkf`).
pub const FORMAT_RAW: u8 = 0x00;
pub const FORMAT_TEXT: u8 = 0x01;
pub const FORMAT_JSON: u8 = 0x02;

/// One MultiChain metadata element, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Element {
    Permission(PermissionGrant),
    /// Reference to an asset/stream by its 16-byte short id.
    Entity([u8; 16]),
    Key(Vec<u8>),
    Format(u8),
    NewEntity {
        kind: u8,
        details: Vec<u8>,
    },
    Update {
        kind: u8,
        details: Vec<u8>,
    },
    /// Asset transfers: (asset short id, raw quantity).
    Quantities(Vec<([u8; 16], i64)>),
    /// Follow-on issues.
    FollowOn(Vec<([u8; 16], i64)>),
    /// Raw quantity of a new asset issued to this output.
    Genesis(i64),
    /// Units of a new token: (token reference, quantity) rows.
    TokenIssue(Vec<([u8; 16], i64)>),
    /// Details in the output itself (a new token's: its id, details and asset).
    InlineDetails(Vec<u8>),
    /// Anything not starting with "spk".
    Unknown(Vec<u8>),
}

fn quantities(body: &[u8]) -> Option<Vec<([u8; 16], i64)>> {
    if body.is_empty() || !body.len().is_multiple_of(24) {
        return None;
    }
    Some(
        body.chunks(24)
            .map(|c| {
                (
                    c[..16].try_into().unwrap(),
                    i64::from_le_bytes(c[16..].try_into().unwrap()),
                )
            })
            .collect(),
    )
}

impl Element {
    /// Decodes an element; None for a malformed MultiChain element.
    pub fn decode(e: &[u8]) -> Option<Element> {
        if e.len() < 4 || &e[..3] != SPK {
            return Some(Element::Unknown(e.to_vec()));
        }
        let body = &e[4..];
        Some(match e[3] {
            PREFIX_PERMISSION => Element::Permission(PermissionGrant::decode(e)?),
            PREFIX_ENTITY => Element::Entity(body.try_into().ok()?),
            PREFIX_KEY => Element::Key(body.to_vec()),
            PREFIX_FORMAT => Element::Format(*body.first()?),
            PREFIX_NEW_ENTITY => Element::NewEntity {
                kind: *body.first()?,
                details: body[1..].to_vec(),
            },
            PREFIX_UPDATE => Element::Update {
                kind: *body.first()?,
                details: body[1..].to_vec(),
            },
            PREFIX_QUANTITIES => Element::Quantities(quantities(body)?),
            PREFIX_FOLLOW_ON => Element::FollowOn(quantities(body)?),
            PREFIX_GENESIS => Element::Genesis(i64::from_le_bytes(body.try_into().ok()?)),
            PREFIX_TOKEN_ISSUE => Element::TokenIssue(quantities(body)?),
            PREFIX_INLINE_DETAILS => Element::InlineDetails(body.to_vec()),
            _ => Element::Unknown(e.to_vec()),
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = SPK.to_vec();
        let qty = |out: &mut Vec<u8>, q: &[([u8; 16], i64)]| {
            for (id, n) in q {
                out.extend_from_slice(id);
                out.extend_from_slice(&n.to_le_bytes());
            }
        };
        match self {
            Element::Permission(g) => return g.encode(),
            Element::Entity(id) => {
                out.push(PREFIX_ENTITY);
                out.extend_from_slice(id);
            }
            Element::Key(k) => {
                out.push(PREFIX_KEY);
                out.extend_from_slice(k);
            }
            Element::Format(f) => {
                out.push(PREFIX_FORMAT);
                out.push(*f);
            }
            Element::NewEntity { kind, details } => {
                out.push(PREFIX_NEW_ENTITY);
                out.push(*kind);
                out.extend_from_slice(details);
            }
            Element::Update { kind, details } => {
                out.push(PREFIX_UPDATE);
                out.push(*kind);
                out.extend_from_slice(details);
            }
            Element::Quantities(q) => {
                out.push(PREFIX_QUANTITIES);
                qty(&mut out, q);
            }
            Element::FollowOn(q) => {
                out.push(PREFIX_FOLLOW_ON);
                qty(&mut out, q);
            }
            Element::Genesis(n) => {
                out.push(PREFIX_GENESIS);
                out.extend_from_slice(&n.to_le_bytes());
            }
            Element::TokenIssue(q) => {
                out.push(PREFIX_TOKEN_ISSUE);
                qty(&mut out, q);
            }
            Element::InlineDetails(d) => {
                out.push(PREFIX_INLINE_DETAILS);
                out.extend_from_slice(d);
            }
            Element::Unknown(b) => return b.clone(),
        }
        out
    }
}
/// Upper-case `SPK` + `b`: the block signature in the coinbase.
pub const BLOCK_SIGNATURE: &[u8; 4] = b"SPKb";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    PubKeyHash([u8; 20]),
    ScriptHash([u8; 20]),
    /// `OP_RETURN` with its data push, if any.
    NullData(Option<Vec<u8>>),
    /// Anything else (bare multisig, arbitrary scripts).
    Other,
}

/// A permission grant or revocation (`spkp`): 4 little-endian u32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PermissionGrant {
    pub bits: u32,
    pub start: u32,
    pub end: u32,
    pub timestamp: u32,
}

impl PermissionGrant {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(20);
        out.extend_from_slice(SPK);
        out.push(PREFIX_PERMISSION);
        for v in [self.bits, self.start, self.end, self.timestamp] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    pub fn decode(element: &[u8]) -> Option<Self> {
        if element.len() != 20 || &element[..3] != SPK || element[3] != PREFIX_PERMISSION {
            return None;
        }
        let word = |i: usize| u32::from_le_bytes(element[4 + 4 * i..8 + 4 * i].try_into().unwrap());
        Some(PermissionGrant {
            bits: word(0),
            start: word(1),
            end: word(2),
            timestamp: word(3),
        })
    }
}

/// An output script split into its destination and metadata elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedScript {
    pub destination: Destination,
    /// Data of every `<push> OP_DROP` pair, in script order.
    pub elements: Vec<Vec<u8>>,
}

impl ParsedScript {
    pub fn address(&self) -> Option<Address> {
        match self.destination {
            Destination::PubKeyHash(h) => Some(Address::PubKeyHash(h)),
            Destination::ScriptHash(h) => Some(Address::ScriptHash(h)),
            _ => None,
        }
    }

    /// The permission elements addressed to the whole chain (not preceded by an entity).
    pub fn permission_grants(
        &self,
    ) -> impl Iterator<Item = (Option<[u8; 16]>, PermissionGrant)> + '_ {
        let mut entity: Option<[u8; 16]> = None;
        self.elements.iter().filter_map(move |e| {
            if e.len() == 20 && &e[..3] == SPK && e[3] == PREFIX_ENTITY {
                entity = Some(e[4..20].try_into().unwrap());
                return None;
            }
            PermissionGrant::decode(e).map(|g| (entity, g))
        })
    }

    /// True if the output carries metadata MultiChain counts against "empty" outputs.
    pub fn has_metadata(&self) -> bool {
        !self.elements.is_empty()
    }

    /// Every element decoded; None if one is a malformed MultiChain element.
    pub fn decoded(&self) -> Option<Vec<Element>> {
        self.elements.iter().map(|e| Element::decode(e)).collect()
    }

    pub fn is_pure_permission(&self) -> bool {
        !self.elements.is_empty()
            && self.elements.iter().all(|e| {
                e.len() >= 4 && &e[..3] == SPK && matches!(e[3], PREFIX_PERMISSION | PREFIX_ENTITY)
            })
    }
}

/// Splits a script into template and metadata; `None` if it is not well formed
/// (bad push encoding).
pub fn parse(script: &Script) -> Option<ParsedScript> {
    let mut ins: Vec<Instruction> = Vec::new();
    for i in script.instructions() {
        ins.push(i.ok()?);
    }
    let mut elements = Vec::new();
    let mut pos = 0;
    let take_drops = |pos: &mut usize, elements: &mut Vec<Vec<u8>>| {
        while *pos + 1 < ins.len() {
            match (&ins[*pos], &ins[*pos + 1]) {
                (Instruction::PushBytes(p), Instruction::Op(op)) if *op == OP_DROP => {
                    elements.push(p.as_bytes().to_vec());
                    *pos += 2;
                }
                _ => break,
            }
        }
    };
    take_drops(&mut pos, &mut elements);
    let rest = &ins[pos..];
    let (destination, used) = match rest {
        [Instruction::Op(OP_RETURN), Instruction::PushBytes(p), ..] => {
            (Destination::NullData(Some(p.as_bytes().to_vec())), 2)
        }
        [Instruction::Op(OP_RETURN), ..] => (Destination::NullData(None), 1),
        [Instruction::Op(a), Instruction::Op(b), Instruction::PushBytes(h), Instruction::Op(c), Instruction::Op(d), ..]
            if *a == OP_DUP
                && *b == OP_HASH160
                && h.len() == 20
                && *c == OP_EQUALVERIFY
                && *d == OP_CHECKSIG =>
        {
            (Destination::PubKeyHash(h.as_bytes().try_into().unwrap()), 5)
        }
        [Instruction::Op(a), Instruction::PushBytes(h), Instruction::Op(c), ..]
            if *a == OP_HASH160 && h.len() == 20 && *c == OP_EQUAL =>
        {
            (Destination::ScriptHash(h.as_bytes().try_into().unwrap()), 3)
        }
        _ => {
            return Some(ParsedScript {
                destination: Destination::Other,
                elements,
            })
        }
    };
    pos += used;
    take_drops(&mut pos, &mut elements);
    if pos != ins.len() {
        return Some(ParsedScript {
            destination: Destination::Other,
            elements,
        });
    }
    Some(ParsedScript {
        destination,
        elements,
    })
}

fn push(builder: Builder, data: &[u8]) -> Builder {
    let bytes = PushBytesBuf::try_from(data.to_vec()).expect("metadata element fits a push");
    builder.push_slice(bytes)
}

/// The standard script paying to `address`, followed by `metadata` elements each dropped.
pub fn pay_to(address: &Address, metadata: &[Vec<u8>]) -> ScriptBuf {
    let mut b = match address {
        Address::PubKeyHash(h) => push(
            Builder::new().push_opcode(OP_DUP).push_opcode(OP_HASH160),
            h,
        )
        .push_opcode(OP_EQUALVERIFY)
        .push_opcode(OP_CHECKSIG),
        Address::ScriptHash(h) => {
            push(Builder::new().push_opcode(OP_HASH160), h).push_opcode(OP_EQUAL)
        }
    };
    for m in metadata {
        b = push(b, m).push_opcode(OP_DROP);
    }
    b.into_script()
}

/// `<m> OP_DROP … OP_RETURN [<data>]`.
pub fn null_data(metadata: &[Vec<u8>], data: Option<&[u8]>) -> ScriptBuf {
    let mut b = Builder::new();
    for m in metadata {
        b = push(b, m).push_opcode(OP_DROP);
    }
    b = b.push_opcode(OP_RETURN);
    if let Some(d) = data {
        b = push(b, d);
    }
    b.into_script()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_grant_output_parses() {
        // Output 0 of the golden grant transaction (connect,send,receive forever).
        let script = ScriptBuf::from_hex(
            "76a9148bec7cf736663e57063239c30c29bc8799e0732588ac1473706b700700000000000000ffffffffc3f9056b75",
        )
        .unwrap();
        let p = parse(&script).unwrap();
        assert_eq!(
            p.address(),
            Some(Address::PubKeyHash(
                hex::decode("8bec7cf736663e57063239c30c29bc8799e07325")
                    .unwrap()
                    .try_into()
                    .unwrap()
            ))
        );
        let grants: Vec<_> = p.permission_grants().collect();
        assert_eq!(
            grants,
            vec![(
                None,
                PermissionGrant {
                    bits: 7,
                    start: 0,
                    end: u32::MAX,
                    timestamp: 1795553731
                }
            )]
        );
        assert!(p.is_pure_permission());
        // And building the same output gives the same bytes.
        let rebuilt = pay_to(&p.address().unwrap(), &[grants[0].1.encode()]);
        assert_eq!(rebuilt, script);
    }

    #[test]
    fn golden_timed_grant_and_revoke() {
        let timed = ScriptBuf::from_hex("76a9148bec7cf736663e57063239c30c29bc8799e0732588ac1473706b701000000005000000e8030000c3f9056b75").unwrap();
        let g = parse(&timed).unwrap().permission_grants().next().unwrap().1;
        assert_eq!((g.bits, g.start, g.end), (0x10, 5, 1000));
        let revoke = ScriptBuf::from_hex("76a9148bec7cf736663e57063239c30c29bc8799e0732588ac1473706b70020000000000000000000000c5f9056b75").unwrap();
        let g = parse(&revoke)
            .unwrap()
            .permission_grants()
            .next()
            .unwrap()
            .1;
        assert_eq!((g.bits, g.start, g.end), (0x02, 0, 0));
    }

    #[test]
    fn plain_p2pkh_and_null_data() {
        let s = ScriptBuf::from_hex("76a914b91d9cb61246e0e3c5604218c99349c13300b80188ac").unwrap();
        let p = parse(&s).unwrap();
        assert!(matches!(p.destination, Destination::PubKeyHash(_)));
        assert!(p.elements.is_empty());
        let n = null_data(&[], Some(b"hello"));
        assert_eq!(
            parse(&n).unwrap().destination,
            Destination::NullData(Some(b"hello".to_vec()))
        );
    }

    #[test]
    fn truncated_push_is_malformed() {
        let s = ScriptBuf::from_bytes(vec![0x14, 0x01, 0x02]);
        assert!(parse(&s).is_none());
    }
}
