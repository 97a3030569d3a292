//! MultiChain's Base58Check variant: version bytes interleaved into the payload and a
//! checksum XORed with the chain's `address-checksum-value`.

use ripemd::Ripemd160;
use sha2::{Digest, Sha256};
use std::fmt;

/// The four chain parameters that shape every address and WIF key of a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressFormat {
    pub pubkeyhash_version: Vec<u8>,
    pub scripthash_version: Vec<u8>,
    pub private_key_version: Vec<u8>,
    pub checksum_value: [u8; 4],
}

/// A 20-byte hash with the kind of script it pays to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Address {
    PubKeyHash([u8; 20]),
    ScriptHash([u8; 20]),
}

impl Address {
    pub fn hash(&self) -> &[u8; 20] {
        match self {
            Address::PubKeyHash(h) | Address::ScriptHash(h) => h,
        }
    }

    pub fn is_script(&self) -> bool {
        matches!(self, Address::ScriptHash(_))
    }

    /// 21 bytes: a kind tag followed by the hash; used as a storage key.
    pub fn to_key_bytes(&self) -> [u8; 21] {
        let mut out = [0u8; 21];
        out[0] = if self.is_script() { 1 } else { 0 };
        out[1..].copy_from_slice(self.hash());
        out
    }

    pub fn from_key_bytes(bytes: &[u8]) -> Option<Address> {
        if bytes.len() != 21 {
            return None;
        }
        let mut h = [0u8; 20];
        h.copy_from_slice(&bytes[1..]);
        match bytes[0] {
            0 => Some(Address::PubKeyHash(h)),
            1 => Some(Address::ScriptHash(h)),
            _ => None,
        }
    }
}

/// Longer than any address or WIF key of any version length.
const MAX_BASE58_LEN: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("invalid base58")]
    Base58,
    #[error("bad checksum")]
    Checksum,
    #[error("wrong version bytes")]
    Version,
    #[error("wrong payload length")]
    Length,
}

pub fn sha256d(data: &[u8]) -> [u8; 32] {
    let first = Sha256::digest(data);
    Sha256::digest(first).into()
}

pub fn hash160(data: &[u8]) -> [u8; 20] {
    Ripemd160::digest(Sha256::digest(data)).into()
}

/// Places version byte `i` before the `i`-th chunk of the payload (the last chunk takes the rest).
fn interleave(version: &[u8], payload: &[u8]) -> Vec<u8> {
    let nv = version.len();
    let shift = payload.len() / nv;
    let mut out = Vec::with_capacity(payload.len() + nv);
    for (i, v) in version.iter().enumerate() {
        out.push(*v);
        let start = i * shift;
        let end = if i == nv - 1 {
            payload.len()
        } else {
            start + shift
        };
        out.extend_from_slice(&payload[start..end]);
    }
    out
}

/// Inverse of [`interleave`]: returns (version bytes, payload).
fn deinterleave(buf: &[u8], nv: usize) -> Option<(Vec<u8>, Vec<u8>)> {
    if nv == 0 || buf.len() < nv {
        return None;
    }
    let nd = buf.len() - nv;
    let shift = nd / nv;
    let mut version = Vec::with_capacity(nv);
    let mut payload = Vec::with_capacity(nd);
    for i in 0..nv {
        let pos = i * (shift + 1);
        version.push(buf[pos]);
        let size = if i == nv - 1 { nd - i * shift } else { shift };
        payload.extend_from_slice(&buf[pos + 1..pos + 1 + size]);
    }
    Some((version, payload))
}

impl AddressFormat {
    /// Bitcoin-mainnet-compatible values (used by tests and by chains created that way).
    pub fn bitcoin() -> Self {
        AddressFormat {
            pubkeyhash_version: vec![0x00],
            scripthash_version: vec![0x05],
            private_key_version: vec![0x80],
            checksum_value: [0; 4],
        }
    }

    pub fn encode_raw(&self, version: &[u8], payload: &[u8]) -> String {
        let mut buf = interleave(version, payload);
        let h = sha256d(&buf);
        for (hj, cj) in h.iter().zip(self.checksum_value) {
            buf.push(hj ^ cj);
        }
        bs58::encode(buf).into_string()
    }

    /// Returns (version, payload); the version length is that of `address-pubkeyhash-version`.
    pub fn decode_raw(&self, text: &str) -> Result<(Vec<u8>, Vec<u8>), DecodeError> {
        // Base58 decoding is quadratic; nothing we decode is longer than a WIF key.
        if text.len() > MAX_BASE58_LEN {
            return Err(DecodeError::Length);
        }
        let buf = bs58::decode(text)
            .into_vec()
            .map_err(|_| DecodeError::Base58)?;
        if buf.len() < 4 + self.pubkeyhash_version.len() {
            return Err(DecodeError::Length);
        }
        let (body, check) = buf.split_at(buf.len() - 4);
        let h = sha256d(body);
        for ((c, hj), cv) in check.iter().zip(h).zip(self.checksum_value) {
            if *c != hj ^ cv {
                return Err(DecodeError::Checksum);
            }
        }
        deinterleave(body, self.pubkeyhash_version.len()).ok_or(DecodeError::Length)
    }

    pub fn encode_address(&self, address: &Address) -> String {
        match address {
            Address::PubKeyHash(h) => self.encode_raw(&self.pubkeyhash_version, h),
            Address::ScriptHash(h) => self.encode_raw(&self.scripthash_version, h),
        }
    }

    pub fn decode_address(&self, text: &str) -> Result<Address, DecodeError> {
        let (version, payload) = self.decode_raw(text)?;
        let hash: [u8; 20] = payload.try_into().map_err(|_| DecodeError::Length)?;
        if version == self.pubkeyhash_version {
            Ok(Address::PubKeyHash(hash))
        } else if version == self.scripthash_version {
            Ok(Address::ScriptHash(hash))
        } else {
            Err(DecodeError::Version)
        }
    }

    /// `getinfo.burnaddress`: an address of this chain's pubkeyhash version whose text is mostly
    /// `X`, for which nobody can hold the key.
    ///
    /// MultiChain's procedure: take the Base58 text of `version[0] 0x80 0…`, turn every character
    /// after the first into `X`, then walk the version-byte positions; wherever the decoded byte
    /// is wrong, put the right version byte (followed by 0x80 and zeros) and copy up to three
    /// characters of that encoding into the text until the byte decodes right. The payload that
    /// results is encoded as a normal address.
    pub fn burn_address(&self) -> String {
        let version = &self.pubkeyhash_version;
        let nv = version.len();
        let full = 20 + nv + 4;
        let shift = 20 / nv;
        let decode = |text: &[u8]| -> Vec<u8> {
            let mut v = bs58::decode(text).into_vec().unwrap_or_default();
            if v.len() < full {
                v.resize(full, 0);
            }
            v
        };
        let mut start = vec![0u8; full];
        start[0] = version[0];
        start[1] = 0x80;
        let mut res: Vec<u8> = bs58::encode(&start).into_vec();
        for c in res.iter_mut().skip(1) {
            *c = b'X';
        }
        let mut vch = bs58::decode(&res).into_vec().unwrap_or_default();
        while vch.len() > full && res.len() > 1 {
            res.pop();
            vch = bs58::decode(&res).into_vec().unwrap_or_default();
        }
        vch.resize(full.max(vch.len()), 0);
        for p in 0..20 + nv {
            if p % (shift + 1) != 0 {
                continue;
            }
            let wanted = version[p / (shift + 1)];
            if vch[p] == wanted {
                continue;
            }
            for b in vch.iter_mut().skip(p + 2) {
                *b = 0;
            }
            vch[p] = wanted;
            vch[p + 1] = 0x80;
            let test = bs58::encode(&vch).into_vec();
            if test.len() > res.len() {
                res.push(b'X');
            } else if test.len() < res.len() {
                res.pop();
            }
            let mut j = res.iter().zip(&test).take_while(|(a, b)| a == b).count();
            let mut k = 0;
            while k < 3 && j < res.len() && (vch[p] != wanted || k == 0) {
                res[j] = test.get(j).copied().unwrap_or(b'X');
                vch = decode(&res);
                k += 1;
                j += 1;
            }
        }
        let (_, payload) = deinterleave(&vch[..20 + nv], nv).unwrap_or_default();
        self.encode_raw(version, &payload)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", hex::encode(self.hash()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(pkh: &str, checksum: &str) -> AddressFormat {
        AddressFormat {
            pubkeyhash_version: hex::decode(pkh).unwrap(),
            scripthash_version: hex::decode("05b2f9c1").unwrap(),
            private_key_version: hex::decode("8025b89e").unwrap(),
            checksum_value: hex::decode(checksum).unwrap().try_into().unwrap(),
        }
    }

    const PKH: &str = "ec00b99365a09b6e26c732378cd0c6257f7012bc";

    #[test]
    fn documented_address_vector() {
        let f = format("00afea21", "953abc69");
        let hash: [u8; 20] = hex::decode(PKH).unwrap().try_into().unwrap();
        let a = Address::PubKeyHash(hash);
        assert_eq!(
            f.encode_address(&a),
            "1Yu2BuptuZSiBWfr2Qy4aic6qEVnwPWrdkHPEc"
        );
        assert_eq!(
            f.decode_address("1Yu2BuptuZSiBWfr2Qy4aic6qEVnwPWrdkHPEc"),
            Ok(a)
        );
    }

    #[test]
    fn interleave_places_version_bytes_at_documented_offsets() {
        let payload = hex::decode(PKH).unwrap();
        let out = interleave(&hex::decode("00afea21").unwrap(), &payload);
        assert_eq!(
            hex::encode(out),
            "00ec00b99365afa09b6e26c7ea32378cd0c621257f7012bc"
        );
    }

    #[test]
    fn shorter_version_lengths() {
        let hash: [u8; 20] = hex::decode(PKH).unwrap().try_into().unwrap();
        let a = Address::PubKeyHash(hash);
        let mut f = format("00af", "953abc69");
        f.scripthash_version = vec![0x05, 0xb2];
        assert_eq!(f.encode_address(&a), "12dxqBgf7dN4d9Nkoyd7Fjiv7kJYKTeimPnw");
        let mut f = format("00afea", "953abc69");
        f.scripthash_version = vec![0x05, 0xb2, 0xf9];
        assert_eq!(
            f.encode_address(&a),
            "18E9RgA3EFnGc59PVFqyZhx49te1gdvRHBt1W"
        );
        assert_eq!(
            AddressFormat::bitcoin().encode_address(&a),
            "1NWsLe5ZKD2GtjyiGvizkTtYUeknbJaqpU"
        );
    }

    #[test]
    fn p2sh_vector() {
        let f = format("00afea21", "953abc69");
        let h: [u8; 20] = hex::decode("b0828b9501dd00934b337c9479a22bbcbfe8a250")
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(
            f.encode_address(&Address::ScriptHash(h)),
            "4PrYgMi7KveXnvKmE1HwVPdkFbpt7xYjAaRUUL"
        );
    }

    #[test]
    fn corrupted_addresses_are_rejected() {
        let f = format("00afea21", "953abc69");
        assert_eq!(
            f.decode_address("1Yu2BuptuZSiBWfr2Qy4aic6qEVnwPWrdkHPEd"),
            Err(DecodeError::Checksum)
        );
        assert_eq!(f.decode_address("0OIl"), Err(DecodeError::Base58));
        assert!(f.decode_address("").is_err());
        assert_eq!(
            f.decode_address(&"1".repeat(1_000_000)),
            Err(DecodeError::Length)
        );
        // Right checksum, other chain's checksum value.
        let other = format("00afea21", "00000000");
        assert_eq!(
            other.decode_address("1Yu2BuptuZSiBWfr2Qy4aic6qEVnwPWrdkHPEc"),
            Err(DecodeError::Checksum)
        );
    }

    #[test]
    fn golden_burn_address() {
        let f = AddressFormat {
            pubkeyhash_version: hex::decode("00242818").unwrap(),
            scripthash_version: hex::decode("052c7687").unwrap(),
            private_key_version: hex::decode("80ab6298").unwrap(),
            checksum_value: hex::decode("cde5b7f9").unwrap().try_into().unwrap(),
        };
        let burn = f.burn_address();
        assert!(f.decode_address(&burn).is_ok());
        assert_eq!(burn, "1XXXXXXWbXXXXXXXEXXXXXXXU3XXXXXXX571Xn");
    }

    proptest::proptest! {
        #[test]
        fn address_round_trip(hash in proptest::array::uniform20(0u8..), v in proptest::collection::vec(0u8.., 1..=4), c in proptest::array::uniform4(0u8..), script in proptest::bool::ANY) {
            let mut sv = v.clone();
            sv[0] ^= 0x05;
            if sv == v { sv[0] ^= 0x01; }
            let f = AddressFormat { pubkeyhash_version: v.clone(), scripthash_version: sv, private_key_version: v, checksum_value: c };
            let a = if script { Address::ScriptHash(hash) } else { Address::PubKeyHash(hash) };
            proptest::prop_assert_eq!(f.decode_address(&f.encode_address(&a)), Ok(a));
        }
    }
}
