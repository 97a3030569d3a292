//! Signed messages (`signmessage`, `verifymessage`): Bitcoin's compact-signature scheme with
//! MultiChain's magic prefix. The signed hash is SHA-256d of the magic and the message, each
//! with its compact-size length first. The signature is 65 bytes, Base64-encoded: a header
//! byte (27 + recovery id, plus 4 for a compressed key) and r, s. Signing is RFC 6979
//! deterministic, as MultiChain's is, so one key and message always give one signature.

use super::address::{hash160, Address};
use super::keys::{secp, PrivateKey};
use base64::prelude::{Engine as _, BASE64_STANDARD};
use bitcoin::consensus::Encodable;
use bitcoin::hashes::{sha256d, Hash, HashEngine};
use bitcoin::secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use bitcoin::secp256k1::Message;

/// What MultiChain puts before every signed message.
pub const MULTICHAIN_MAGIC: &str = "MultiChain Signed Message:\n";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignedMessageError {
    #[error("Malformed base64 encoding")]
    MalformedBase64,
}

/// The hash a message's signature signs, with `magic` before it.
pub fn message_hash(magic: &str, message: &str) -> [u8; 32] {
    let mut engine = sha256d::Hash::engine();
    for part in [magic, message] {
        bitcoin::consensus::encode::VarInt::from(part.len())
            .consensus_encode(&mut engine)
            .expect("hash engines do not fail");
        engine.input(part.as_bytes());
    }
    sha256d::Hash::from_engine(engine).to_byte_array()
}

/// `message` signed by `key` under `magic`, Base64-encoded.
pub fn sign(magic: &str, message: &str, key: &PrivateKey) -> String {
    let digest = Message::from_digest(message_hash(magic, message));
    let (recovery, compact) = secp()
        .sign_ecdsa_recoverable(&digest, &key.secret)
        .serialize_compact();
    let mut bytes = [0u8; 65];
    bytes[0] = 27 + recovery.to_i32() as u8 + if key.compressed { 4 } else { 0 };
    bytes[1..].copy_from_slice(&compact);
    BASE64_STANDARD.encode(bytes)
}

/// The address whose key made `signature` over `message` under `magic`; `None` when no key can
/// be recovered from it (a wrong length or values out of range), as MultiChain answers `false`
/// then. The header byte is read as MultiChain reads it: only its low three bits above 27 count.
pub fn signer(
    magic: &str,
    message: &str,
    signature: &str,
) -> Result<Option<Address>, SignedMessageError> {
    let bytes = BASE64_STANDARD
        .decode(signature)
        .map_err(|_| SignedMessageError::MalformedBase64)?;
    if bytes.len() != 65 {
        return Ok(None);
    }
    let header = i32::from(bytes[0]) - 27;
    let compressed = header & 4 != 0;
    let Ok(recovery) = RecoveryId::from_i32(header & 3) else {
        return Ok(None);
    };
    let Ok(sig) = RecoverableSignature::from_compact(&bytes[1..], recovery) else {
        return Ok(None);
    };
    let digest = Message::from_digest(message_hash(magic, message));
    let Ok(public) = secp().recover_ecdsa(&digest, &sig) else {
        return Ok(None);
    };
    let serialized = if compressed {
        public.serialize().to_vec()
    } else {
        public.serialize_uncompressed().to_vec()
    };
    Ok(Some(Address::PubKeyHash(hash160(&serialized))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::secp256k1::SecretKey;
    use proptest::prelude::*;

    const BITCOIN_MAGIC: &str = "Bitcoin Signed Message:\n";

    /// With Bitcoin's magic the hash is the `bitcoin` crate's, so only the magic differs from
    /// Bitcoin's scheme.
    #[test]
    fn the_hash_is_bitcoins_with_another_magic() {
        for message in ["", "test", "调度方案01", &"x".repeat(300)] {
            assert_eq!(
                message_hash(BITCOIN_MAGIC, message),
                bitcoin::sign_message::signed_msg_hash(message).to_byte_array()
            );
        }
        assert_ne!(
            message_hash(MULTICHAIN_MAGIC, "test"),
            message_hash(BITCOIN_MAGIC, "test")
        );
    }

    /// A signature made elsewhere (the `bitcoin` crate's test vector, Bitcoin's magic) names
    /// its signer, and no one else for another message.
    #[test]
    fn a_bitcoin_signature_names_its_signer() {
        let signature = "IAM2qX24tYx/bdBTIgVLhD8QEAjrPlJpmjB4nZHdRYGIBa4DmVulAcwjPnWe6Q5iEwXH6F0pUCJP/ZeHPWS1h1o=";
        let public = BASE64_STANDARD
            .decode("A1FTfMEntPpAty3qkEo0q2Dc1FEycI10a3jmwEFy+Qr6")
            .unwrap();
        let expected = Address::PubKeyHash(hash160(&public));
        let found = signer(
            BITCOIN_MAGIC,
            "rust-bitcoin MessageSignature test",
            signature,
        );
        assert_eq!(found, Ok(Some(expected)));
        let other = signer(BITCOIN_MAGIC, "another message", signature).unwrap();
        assert_ne!(other, Some(expected));
    }

    #[test]
    fn bad_signatures_give_no_signer_or_an_error() {
        assert_eq!(
            signer(MULTICHAIN_MAGIC, "m", "not base64!"),
            Err(SignedMessageError::MalformedBase64)
        );
        assert_eq!(signer(MULTICHAIN_MAGIC, "m", ""), Ok(None));
        assert_eq!(
            signer(MULTICHAIN_MAGIC, "m", &BASE64_STANDARD.encode([31u8; 64])),
            Ok(None)
        );
        // r and s of all ones are past the curve order.
        let mut past_order = [0xffu8; 65];
        past_order[0] = 31;
        assert_eq!(
            signer(MULTICHAIN_MAGIC, "m", &BASE64_STANDARD.encode(past_order)),
            Ok(None)
        );
    }

    proptest! {
        /// A signature names its key's address (compressed or not), is the same each time,
        /// and names another address for another message or magic.
        #[test]
        fn signatures_name_their_signer(seed in any::<[u8; 32]>(), compressed: bool, message in ".*") {
            let Ok(secret) = SecretKey::from_slice(&seed) else { return Ok(()) };
            let key = PrivateKey::new(secret, compressed);
            let signature = sign(MULTICHAIN_MAGIC, &message, &key);
            prop_assert_eq!(&signature, &sign(MULTICHAIN_MAGIC, &message, &key));
            let header = BASE64_STANDARD.decode(&signature).unwrap()[0];
            prop_assert_eq!(header >= 31, compressed);
            prop_assert_eq!(signer(MULTICHAIN_MAGIC, &message, &signature), Ok(Some(key.address())));
            let other = format!("{message}.");
            prop_assert_ne!(signer(MULTICHAIN_MAGIC, &other, &signature), Ok(Some(key.address())));
            prop_assert_ne!(signer(BITCOIN_MAGIC, &message, &signature), Ok(Some(key.address())));
        }
    }
}
