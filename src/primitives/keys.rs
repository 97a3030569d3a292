//! secp256k1 key pairs and their MultiChain WIF encoding.

use super::address::{hash160, Address, AddressFormat, DecodeError};
use bitcoin::secp256k1::{All, PublicKey, Secp256k1, SecretKey};
use std::sync::OnceLock;

/// One shared signing/verification context (creating one is expensive).
pub fn secp() -> &'static Secp256k1<All> {
    static CTX: OnceLock<Secp256k1<All>> = OnceLock::new();
    CTX.get_or_init(Secp256k1::new)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PrivateKey {
    pub secret: SecretKey,
    pub compressed: bool,
    /// Derived once: computing it costs as much as a signature.
    public: PublicKey,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secrets, not even in debug output.
        write!(f, "PrivateKey(<hidden>, compressed={})", self.compressed)
    }
}

impl PrivateKey {
    pub fn new(secret: SecretKey, compressed: bool) -> Self {
        PrivateKey {
            secret,
            compressed,
            public: PublicKey::from_secret_key(secp(), &secret),
        }
    }

    pub fn generate() -> Self {
        Self::new(SecretKey::new(&mut rand::thread_rng()), true)
    }

    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// The serialized public key (33 bytes compressed, 65 uncompressed).
    pub fn public_key_bytes(&self) -> Vec<u8> {
        let pk = self.public_key();
        if self.compressed {
            pk.serialize().to_vec()
        } else {
            pk.serialize_uncompressed().to_vec()
        }
    }

    pub fn address(&self) -> Address {
        Address::PubKeyHash(hash160(&self.public_key_bytes()))
    }

    pub fn to_wif(&self, format: &AddressFormat) -> String {
        let mut payload = self.secret.secret_bytes().to_vec();
        if self.compressed {
            payload.push(0x01);
        }
        format.encode_raw(&format.private_key_version, &payload)
    }

    pub fn from_wif(text: &str, format: &AddressFormat) -> Result<Self, DecodeError> {
        let (version, payload) = format.decode_raw(text)?;
        if version != format.private_key_version {
            return Err(DecodeError::Version);
        }
        let compressed = match payload.len() {
            32 => false,
            33 if payload[32] == 0x01 => true,
            _ => return Err(DecodeError::Length),
        };
        let secret = SecretKey::from_slice(&payload[..32]).map_err(|_| DecodeError::Length)?;
        Ok(PrivateKey::new(secret, compressed))
    }
}

/// Address of a serialized public key (33 or 65 bytes), if it is one.
pub fn address_of_pubkey(bytes: &[u8]) -> Option<Address> {
    PublicKey::from_slice(bytes).ok()?;
    Some(Address::PubKeyHash(hash160(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(pkh: &str, pk: &str, checksum: &str) -> AddressFormat {
        AddressFormat {
            pubkeyhash_version: hex::decode(pkh).unwrap(),
            scripthash_version: hex::decode("05b2f9c1").unwrap(),
            private_key_version: hex::decode(pk).unwrap(),
            checksum_value: hex::decode(checksum).unwrap().try_into().unwrap(),
        }
    }

    fn key(hex_secret: &str, compressed: bool) -> PrivateKey {
        PrivateKey::new(
            SecretKey::from_slice(&hex::decode(hex_secret).unwrap()).unwrap(),
            compressed,
        )
    }

    #[test]
    fn documented_wif_vector() {
        let f = format("00afea21", "8025b89e", "7b7aef76");
        let k = key(
            "B69CA8FFAE36F11AD445625E35BF6AC57D6642DDBE470DD3E7934291B2000D78",
            true,
        );
        let wif = "VEEWgYhDhqWnNnDCXXjirJYXGDFPjH1B8v6hmcnj1kLXrkpxArmz7xXw";
        assert_eq!(k.to_wif(&f), wif);
        assert_eq!(PrivateKey::from_wif(wif, &f).unwrap(), k);
        let uncompressed = key(
            "B69CA8FFAE36F11AD445625E35BF6AC57D6642DDBE470DD3E7934291B2000D78",
            false,
        );
        assert_eq!(
            uncompressed.to_wif(&f),
            "7PwGLP8kfFckMo3K22XXKseW4StHvz6Ufx5TuhjXpJ4yP9a4tevhish"
        );
    }

    #[test]
    fn documented_pubkey_and_address() {
        let k = key(
            "283D01856115B7970B622EAA6DAFF2B9ECE30F1B66927592F6EA70325929102B",
            true,
        );
        assert_eq!(
            hex::encode(k.public_key_bytes()),
            "0284e5235e299af81ebe1653ac5f06b60e13a3a81f918018cbd10ce695095b3e24"
        );
        let f = format("00afea21", "8025b89e", "953abc69");
        assert_eq!(
            f.encode_address(&k.address()),
            "1Yu2BuptuZSiBWfr2Qy4aic6qEVnwPWrdkHPEc"
        );
        assert_eq!(
            k.to_wif(&f),
            "V7AD7XqjRE3cfsvQ3v3avaeK8wburekrqigKqYQ5Bj5c8kvsiSEwBtCf"
        );
        let u = PrivateKey {
            compressed: false,
            ..k
        };
        assert_eq!(
            f.encode_address(&u.address()),
            "1Zs3PKHHqBp3HRk5Lfx9eLoccnKA57GffnTxWM"
        );
        assert_eq!(
            k.to_wif(&AddressFormat::bitcoin()),
            "KxZvq2fQeQZ4umsCQnivLaAynWKvG5KdtSLRu78Whtp8WbxJuqai"
        );
    }

    #[test]
    fn an_address_is_not_a_wif_key() {
        let f = format("00afea21", "8025b89e", "953abc69");
        assert!(PrivateKey::from_wif("1Yu2BuptuZSiBWfr2Qy4aic6qEVnwPWrdkHPEc", &f).is_err());
    }
}
