//! A chain's parameter set: created by `multichain-util create`, completed at genesis,
//! read from and written to `params.dat` in MultiChain's layout.

use super::definitions::{self, ParamDef, ParamKind, ParamSource, F_DECIMAL, F_HIDDEN, F_NO_HASH};
use crate::primitives::address::{sha256d, AddressFormat};
use rand::Rng;
use serde_json::{Map, Value};
use std::collections::HashMap;

pub const LATEST_PROTOCOL: u32 = 20013;
const TEMPLATE: &str = include_str!("../../params/params.dat.template");
/// The bases MultiChain picks the default network port from (port = base + 1 + 2·r, r < 25).
const PORT_BASES: [u16; 20] = [
    2644, 2744, 2870, 4244, 4324, 4374, 4754, 5744, 6264, 6446, 6716, 6790, 7172, 7314, 7404, 7718,
    8338, 9218, 9538, 9696,
];
pub const MAX_CHAIN_NAME_LEN: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamValue {
    Null,
    Bool(bool),
    /// Integers of every width; decimals stored ×1,000,000.
    Int(i64),
    Str(String),
    Hex(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    /// The message MultiChain prints for an invalid value.
    #[error("{0}")]
    Invalid(String),
}

fn invalid(msg: impl Into<String>) -> ParamsError {
    ParamsError::Invalid(msg.into())
}

/// How far the parameter set has come: before genesis it is only a prototype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamsStatus {
    /// Created by `multichain-util`; genesis values still empty.
    Prototype,
    /// Genesis block built: every calculated value present.
    Valid,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChainParams {
    values: HashMap<&'static str, ParamValue>,
}

/// `%0.6g` as C prints it, for decimal parameters.
fn format_g6(d: f64) -> String {
    if d == 0.0 {
        return "0".into();
    }
    let exp = d.abs().log10().floor() as i32;
    if !(-5..6).contains(&exp) {
        let s = format!("{:.5e}", d);
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = m.trim_end_matches('0').trim_end_matches('.');
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let decimals = (5 - exp).max(0) as usize;
    let s = format!("{:.*}", decimals, d);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn parse_int(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok()
}

impl ChainParams {
    fn empty() -> Self {
        ChainParams {
            values: HashMap::new(),
        }
    }

    pub fn get(&self, name: &str) -> &ParamValue {
        static NULL: ParamValue = ParamValue::Null;
        self.values.get(name).unwrap_or(&NULL)
    }

    fn def(name: &str) -> &'static ParamDef {
        definitions::find(name).unwrap_or_else(|| panic!("unknown parameter {name}"))
    }

    pub fn int(&self, name: &str) -> i64 {
        match self.get(name) {
            ParamValue::Int(v) => *v,
            ParamValue::Bool(b) => *b as i64,
            _ => Self::def(name).default,
        }
    }

    pub fn bool(&self, name: &str) -> bool {
        match self.get(name) {
            ParamValue::Bool(b) => *b,
            ParamValue::Int(v) => *v != 0,
            _ => Self::def(name).default != 0,
        }
    }

    /// A decimal parameter as a real number (`mining-diversity` → 0.3).
    pub fn decimal(&self, name: &str) -> f64 {
        self.int(name) as f64 / 1_000_000.0
    }

    pub fn string(&self, name: &str) -> String {
        match self.get(name) {
            ParamValue::Str(s) => s.clone(),
            _ => String::new(),
        }
    }

    pub fn hex(&self, name: &str) -> Option<&[u8]> {
        match self.get(name) {
            ParamValue::Hex(h) => Some(h),
            _ => None,
        }
    }

    pub fn set(&mut self, name: &str, value: ParamValue) {
        self.values.insert(Self::def(name).name, value);
    }

    pub fn chain_name(&self) -> String {
        self.string("chain-name")
    }

    pub fn protocol_version(&self) -> u32 {
        self.int("protocol-version") as u32
    }

    pub fn network_port(&self) -> u16 {
        self.int("default-network-port") as u16
    }

    pub fn rpc_port(&self) -> u16 {
        self.int("default-rpc-port") as u16
    }

    pub fn target_block_time(&self) -> u64 {
        self.int("target-block-time").max(1) as u64
    }

    pub fn status(&self) -> ParamsStatus {
        if self.hex("genesis-hash").is_some() && self.hex("chain-params-hash").is_some() {
            ParamsStatus::Valid
        } else {
            ParamsStatus::Prototype
        }
    }

    pub fn address_format(&self) -> AddressFormat {
        let h = |n| self.hex(n).map(|v| v.to_vec()).unwrap_or_default();
        let mut checksum = [0u8; 4];
        let c = h("address-checksum-value");
        if c.len() == 4 {
            checksum.copy_from_slice(&c);
        }
        AddressFormat {
            pubkeyhash_version: h("address-pubkeyhash-version"),
            scripthash_version: h("address-scripthash-version"),
            private_key_version: h("private-key-version"),
            checksum_value: checksum,
        }
    }

    /// A fresh parameter set as `multichain-util create NAME -param=value…` makes it.
    pub fn create(name: &str, overrides: &[(String, String)]) -> Result<Self, ParamsError> {
        let mut p = Self::empty();
        for d in definitions::PARAMS {
            // Only what params.dat holds: no hidden or removed parameters.
            if d.name == "minimum-block-txs" || d.has(F_HIDDEN) || !d.is_relevant(LATEST_PROTOCOL) {
                continue;
            }
            if d.source != ParamSource::User {
                p.values.insert(d.name, ParamValue::Null);
                continue;
            }
            let v = match d.kind {
                ParamKind::Bool => ParamValue::Bool(d.default != 0),
                ParamKind::Str => ParamValue::Str(String::new()),
                ParamKind::Hex => ParamValue::Null,
                _ => ParamValue::Int(d.default),
            };
            p.values.insert(d.name, v);
        }
        p.set("chain-protocol", ParamValue::Str("multichain".into()));
        p.set(
            "chain-description",
            ParamValue::Str(format!("MultiChain {name}")),
        );
        p.set("root-stream-name", ParamValue::Str("root".into()));
        let mut rng = rand::thread_rng();
        let base = PORT_BASES[rng.gen_range(0..PORT_BASES.len())];
        let port = base as i64 + 1 + 2 * rng.gen_range(0..25);
        p.set("default-network-port", ParamValue::Int(port));
        p.set("default-rpc-port", ParamValue::Int(port - 1));
        p.set("chain-name", ParamValue::Str(name.to_string()));
        p.set("protocol-version", ParamValue::Int(LATEST_PROTOCOL as i64));
        let magic = loop {
            let m = [
                rng.gen_range(0xf0..=0xffu8),
                rng.gen_range(0xc0..=0xffu8),
                rng.gen_range(0xc0..=0xffu8),
                rng.gen_range(0xe0..=0xffu8),
            ];
            if m != [0xfb, 0xb4, 0xc7, 0xde] {
                break m;
            }
        };
        p.set("network-message-start", ParamValue::Hex(magic.to_vec()));
        for (param, first) in [
            ("address-pubkeyhash-version", 0x00u8),
            ("address-scripthash-version", 0x05),
            ("private-key-version", 0x80),
        ] {
            let mut v = vec![first];
            v.extend((0..3).map(|_| rng.gen::<u8>()));
            p.set(param, ParamValue::Hex(v));
        }
        p.set(
            "address-checksum-value",
            ParamValue::Hex((0..4).map(|_| rng.gen::<u8>()).collect()),
        );
        for (k, v) in overrides {
            let Some(d) = definitions::find(k) else {
                continue;
            };
            if d.source == ParamSource::Calculated {
                continue;
            }
            p.values.insert(d.name, parse_value(d, v)?);
        }
        p.validate()?;
        Ok(p)
    }

    /// Reads a params.dat text (any status).
    pub fn parse(text: &str) -> Result<Self, ParamsError> {
        let mut p = Self::empty();
        for line in text.lines() {
            let content = line.split('#').next().unwrap_or("");
            let Some((name, value)) = content.split_once('=') else {
                continue;
            };
            let Some(d) = definitions::find(name.trim()) else {
                continue;
            };
            let value = value.trim();
            let v = if value == "[null]" {
                ParamValue::Null
            } else {
                parse_value(d, value)?
            };
            p.values.insert(d.name, v);
        }
        if p.chain_name().is_empty() {
            return Err(invalid("chain-name parameter is missing"));
        }
        p.validate()?;
        Ok(p)
    }

    fn validate(&self) -> Result<(), ParamsError> {
        let f = self.address_format();
        let n = f.pubkeyhash_version.len();
        if n == 0 || n > 4 {
            return Err(invalid(
                "Invalid parameter value for address-pubkeyhash-version - too long: 0",
            ));
        }
        if f.scripthash_version.len() != n || f.private_key_version.len() != n {
            return Err(invalid("address-pubkeyhash-version, address-scripthash-version and private-key-version should have identical length "));
        }
        if self.hex("address-checksum-value").map(|c| c.len()) != Some(4) {
            return Err(invalid(
                "Invalid parameter value for address-checksum-value - should be 4 bytes long",
            ));
        }
        if self.hex("network-message-start").map(|c| c.len()) != Some(4) {
            return Err(invalid(
                "Invalid parameter value for network-message-start - should be 4 bytes long",
            ));
        }
        let desc = self.string("chain-description");
        if desc.len() > 90 {
            return Err(invalid(format!(
                "Invalid parameter value for chain-description - too long: {}",
                desc.len()
            )));
        }
        let name = self.chain_name();
        if name.len() > MAX_CHAIN_NAME_LEN {
            return Err(invalid(format!("ERROR: invalid chain name: {name}")));
        }
        Ok(())
    }

    /// Fills the values `multichaind` computes when it builds the genesis block.
    pub fn complete_genesis(
        &mut self,
        pubkey: &[u8],
        version: u32,
        timestamp: u32,
        nbits: u32,
        nonce: u32,
        genesis_hash_display: &[u8],
    ) {
        self.set("genesis-pubkey", ParamValue::Hex(pubkey.to_vec()));
        self.set("genesis-version", ParamValue::Int(version as i64));
        self.set("genesis-timestamp", ParamValue::Int(timestamp as i64));
        self.set("genesis-nbits", ParamValue::Int(nbits as i64));
        self.set("genesis-nonce", ParamValue::Int(nonce as i64));
        self.set(
            "genesis-pubkey-hash",
            ParamValue::Hex(crate::primitives::address::hash160(pubkey).to_vec()),
        );
        self.set(
            "genesis-hash",
            ParamValue::Hex(genesis_hash_display.to_vec()),
        );
        let hash = self.compute_hash();
        self.set("chain-params-hash", ParamValue::Hex(hash.to_vec()));
    }

    /// `chain-params-hash`: SHA256d over the stored bytes of every hashed parameter, in
    /// MultiChain's order.
    pub fn compute_hash(&self) -> [u8; 32] {
        let protocol = self.protocol_version();
        let mut data = Vec::new();
        for d in definitions::PARAMS {
            if d.has(F_NO_HASH) || (d.removed > 0 && d.removed <= protocol) {
                continue;
            }
            if !d.is_relevant(protocol) {
                let non_default = match (d.kind, self.get(d.name)) {
                    (ParamKind::Str, ParamValue::Str(s)) => {
                        !(d.name == "root-stream-name" && s == "root")
                    }
                    (ParamKind::Hex, ParamValue::Hex(_)) => true,
                    (_, ParamValue::Int(v)) => *v != d.default,
                    (_, ParamValue::Bool(b)) => *b as i64 != d.default,
                    _ => false,
                };
                if !non_default {
                    continue;
                }
            }
            // A user parameter missing from the file (hidden while at its default) counts
            // with its default value, as multichaind fills it in.
            let defaulted;
            let value = match self.values.get(d.name) {
                None if d.source == ParamSource::User
                    && !matches!(d.kind, ParamKind::Str | ParamKind::Hex) =>
                {
                    defaulted = ParamValue::Int(d.default);
                    &defaulted
                }
                _ => self.get(d.name),
            };
            match (d.kind, value) {
                (_, ParamValue::Null) => {}
                (ParamKind::Bool, v) => {
                    data.push(matches!(v, ParamValue::Bool(true) | ParamValue::Int(1..)) as u8)
                }
                (ParamKind::U32 | ParamKind::I32, ParamValue::Int(v)) => {
                    data.extend_from_slice(&(*v as u32).to_le_bytes())
                }
                (ParamKind::I64, ParamValue::Int(v)) => data.extend_from_slice(&v.to_le_bytes()),
                (ParamKind::Str, ParamValue::Str(s)) => {
                    data.extend_from_slice(s.as_bytes());
                    data.push(0);
                }
                (ParamKind::Hex, ParamValue::Hex(h)) => data.extend_from_slice(h),
                _ => {}
            }
        }
        sha256d(&data)
    }

    /// The text of a value as params.dat shows it.
    fn file_text(&self, d: &ParamDef) -> String {
        match self.get(d.name) {
            ParamValue::Null => "[null]".into(),
            ParamValue::Bool(b) => b.to_string(),
            ParamValue::Int(v) if d.has(F_DECIMAL) => {
                if *v == 0 {
                    "0.0".into()
                } else {
                    format_g6(*v as f64 / 1_000_000.0)
                }
            }
            ParamValue::Int(v) => v.to_string(),
            ParamValue::Str(s) if s.is_empty() && d.name != "root-stream-name" => "[null]".into(),
            ParamValue::Str(s) => s.clone(),
            ParamValue::Hex(h) => hex::encode(h),
        }
    }

    /// params.dat in MultiChain's layout.
    pub fn render(&self) -> String {
        let name = self.chain_name();
        let mut out = String::new();
        out.push_str("# ==== MultiChain configuration file ====\n\n");
        out.push_str("# Created by multichain-util \n");
        out.push_str(&format!(
            "# Protocol version: {} \n\n",
            self.protocol_version()
        ));
        if self.status() == ParamsStatus::Valid {
            out.push_str("# This parameter set is VALID. \n");
            out.push_str(&format!(
                "# To join network please run \"multichaind {name}\".\n"
            ));
        }
        out.push('\n');
        out.push_str("# The following parameters can only be edited if this file is a prototype of another configuration file. \n");
        out.push_str(&format!(
            "# Please run \"multichain-util clone {name} <new-network-name>\" to generate new network. \n"
        ));
        out.push_str("\n\n");
        for line in TEMPLATE.lines() {
            let param = line
                .split_once(" = ")
                .and_then(|(n, _)| definitions::find(n).filter(|d| d.name == n));
            match param {
                Some(d) => {
                    if d.has(F_HIDDEN) && self.int(d.name) == d.default {
                        continue;
                    }
                    let comment = line.find(" # ").map(|i| &line[i + 1..]).unwrap_or("");
                    let left = format!("{} = {}", d.name, self.file_text(d));
                    out.push_str(&format!("{left:<39} {comment}"));
                }
                None => out.push_str(line),
            }
            out.push('\n');
        }
        out
    }

    /// `getblockchainparams`: every relevant parameter in MultiChain's order.
    pub fn to_json(&self, display_names: bool) -> Value {
        let protocol = self.protocol_version();
        let mut map = Map::new();
        for d in definitions::PARAMS {
            if !d.is_relevant(protocol) || d.name == "minimum-block-txs" {
                continue;
            }
            if d.has(F_HIDDEN) && self.int(d.name) == d.default {
                continue;
            }
            let v = match self.get(d.name) {
                ParamValue::Null => Value::Null,
                ParamValue::Bool(b) => Value::Bool(*b),
                ParamValue::Int(v) if d.has(F_DECIMAL) => {
                    crate::jsonfmt::double(*v as f64 / 1_000_000.0)
                }
                ParamValue::Int(v) => Value::from(*v),
                ParamValue::Str(s) => Value::String(s.clone()),
                ParamValue::Hex(h) => Value::String(hex::encode(h)),
            };
            let key = if display_names {
                d.name.to_string()
            } else {
                d.internal_name()
            };
            map.insert(key, v);
        }
        Value::Object(map)
    }
}

/// Parses one value of parameter `d` from text, with MultiChain's validation messages.
pub fn parse_value(d: &ParamDef, text: &str) -> Result<ParamValue, ParamsError> {
    let name = d.name;
    let out_of_range = |v: i64| -> Result<(), ParamsError> {
        if d.source == ParamSource::User && d.min < d.max {
            if v > d.max {
                return Err(invalid(format!(
                    "Invalid parameter value for {name} - too high: {text}"
                )));
            }
            if v < d.min {
                return Err(invalid(format!(
                    "Invalid parameter value for {name} - too low: {text}"
                )));
            }
        }
        Ok(())
    };
    match d.kind {
        ParamKind::Bool => {
            if text.eq_ignore_ascii_case("true") {
                Ok(ParamValue::Bool(true))
            } else if text.eq_ignore_ascii_case("false") {
                Ok(ParamValue::Bool(false))
            } else {
                Ok(ParamValue::Bool(parse_int(text).unwrap_or(0) != 0))
            }
        }
        ParamKind::Str => {
            if d.max_len > 0 && text.len() >= d.max_len as usize {
                return Err(invalid(format!(
                    "Invalid parameter value for {name} - too long: {}",
                    text.len()
                )));
            }
            Ok(ParamValue::Str(text.to_string()))
        }
        ParamKind::Hex => {
            if !text.len().is_multiple_of(2) {
                return Err(invalid(format!(
                    "Invalid parameter value for {name} - odd length: {}",
                    text.len()
                )));
            }
            let bytes = hex::decode(text).map_err(|_| {
                invalid(format!(
                    "Invalid parameter value for {name} - cannot parse hex string: {text}"
                ))
            })?;
            Ok(ParamValue::Hex(bytes))
        }
        ParamKind::U32 | ParamKind::I32 | ParamKind::I64 => {
            if d.has(F_DECIMAL) {
                let x: f64 = text.trim().parse().map_err(|_| {
                    invalid(format!(
                        "Invalid parameter value for {name} - cannot parse number: {text}"
                    ))
                })?;
                let raw = (x * 1_000_000.0).round() as i64;
                out_of_range(raw)?;
                if d.kind == ParamKind::U32 && x < 0.0 {
                    return Err(invalid(format!(
                        "Invalid parameter value for {name} - should be non-negative"
                    )));
                }
                Ok(ParamValue::Int(raw))
            } else {
                let v = parse_int(text).ok_or_else(|| {
                    invalid(format!(
                        "Invalid parameter value for {name} - cannot parse number: {text}"
                    ))
                })?;
                out_of_range(v)?;
                if d.kind == ParamKind::U32 && v < 0 {
                    return Err(invalid(format!(
                        "Invalid parameter value for {name} - should be non-negative"
                    )));
                }
                if d.kind == ParamKind::U32 && v > u32::MAX as i64 {
                    return Err(invalid(format!(
                        "Invalid parameter value for {name} - too high: {text}"
                    )));
                }
                Ok(ParamValue::Int(v))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOLDEN_VALID: &str = include_str!("../../compat-tests/golden/multichain-2.3/params.dat");
    const GOLDEN_PROTOTYPE: &str =
        include_str!("../../compat-tests/golden/multichain-2.3/params.dat.before_first_start");

    #[test]
    fn golden_params_render_byte_for_byte() {
        let p = ChainParams::parse(GOLDEN_VALID).unwrap();
        assert_eq!(p.status(), ParamsStatus::Valid);
        assert_eq!(p.render(), GOLDEN_VALID);
        let proto = ChainParams::parse(GOLDEN_PROTOTYPE).unwrap();
        assert_eq!(proto.status(), ParamsStatus::Prototype);
        assert_eq!(proto.render(), GOLDEN_PROTOTYPE);
    }

    #[test]
    fn golden_chain_params_hash() {
        let p = ChainParams::parse(GOLDEN_VALID).unwrap();
        assert_eq!(
            hex::encode(p.compute_hash()),
            "afacb1714d1a68c7e200fb429e42e3c88d2a2c5a7ecb7fe4630718e168ae33fe"
        );
    }

    #[test]
    fn create_uses_defaults_and_overrides() {
        let p = ChainParams::create(
            "chain1",
            &[
                ("anyone-can-connect".into(), "true".into()),
                ("target-block-time".into(), "2".into()),
            ],
        )
        .unwrap();
        assert!(p.bool("anyone-can-connect"));
        assert_eq!(p.target_block_time(), 2);
        assert_eq!(p.string("chain-description"), "MultiChain chain1");
        assert_eq!(p.rpc_port() + 1, p.network_port());
        assert_eq!(p.decimal("mining-diversity"), 0.3);
        let f = p.address_format();
        assert_eq!(f.pubkeyhash_version[0], 0x00);
        assert_eq!(f.private_key_version[0], 0x80);
        // A created set reads back the same.
        assert_eq!(ChainParams::parse(&p.render()).unwrap(), p);
    }

    #[test]
    fn out_of_range_values_are_refused_with_multichains_message() {
        let e = ChainParams::create("c", &[("target-block-time".into(), "1".into())]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid parameter value for target-block-time - too low: 1"
        );
        let e = ChainParams::create("c", &[("maximum-block-size".into(), "99999999999".into())])
            .unwrap_err();
        assert!(e.to_string().contains("too high"));
    }

    #[test]
    fn template_defaults_match_definitions() {
        for line in TEMPLATE.lines() {
            let Some((n, rest)) = line.split_once(" = ") else {
                continue;
            };
            let d = definitions::find(n).unwrap();
            let value = rest.split(" #").next().unwrap().trim();
            if d.source != ParamSource::User
                || value == "[null]"
                || d.kind == ParamKind::Str
                || d.kind == ParamKind::Hex
            {
                continue;
            }
            let parsed = parse_value(d, value).unwrap();
            let expected = match d.kind {
                ParamKind::Bool => ParamValue::Bool(d.default != 0),
                _ => ParamValue::Int(d.default),
            };
            assert_eq!(parsed, expected, "{n}");
        }
    }

    #[test]
    fn g6_format() {
        assert_eq!(format_g6(0.3), "0.3");
        assert_eq!(format_g6(10.0), "10");
        assert_eq!(format_g6(0.123456789), "0.123457");
        assert_eq!(format_g6(-1.0), "-1");
    }
}
