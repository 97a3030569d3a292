//! Signature checks and signing for pay-to-pubkeyhash inputs (MultiChain's wallet outputs).
//! The signature hash is Bitcoin's legacy sighash over the previous output's whole script,
//! metadata included, from the `bitcoin` crate.

use crate::primitives::address::{hash160, Address};
use crate::primitives::keys::{secp, PrivateKey};
use crate::primitives::script::{self, Destination};
use bitcoin::script::{Builder, Instruction, PushBytesBuf, Script};
use bitcoin::secp256k1::{ecdsa::Signature, Message, PublicKey};
use bitcoin::sighash::{EcdsaSighashType, SighashCache};
use bitcoin::Transaction;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("unsupported previous output script")]
    UnsupportedScript,
    #[error("signature script is not <signature> <public key>")]
    BadScriptSig,
    #[error("public key does not match the address")]
    WrongKey,
    #[error("bad signature encoding")]
    BadEncoding,
    #[error("signature does not verify")]
    BadSignature,
}

fn sighash(
    tx: &Transaction,
    index: usize,
    prev_script: &Script,
    hash_type: u32,
) -> Result<Message, VerifyError> {
    let h = SighashCache::new(tx)
        .legacy_signature_hash(index, prev_script, hash_type)
        .map_err(|_| VerifyError::BadScriptSig)?;
    Ok(Message::from_digest(h.to_byte_array()))
}

use bitcoin::hashes::Hash;

/// The address that must sign an input spending `prev_script` (no signature check).
pub fn script_signer(prev_script: &Script) -> Result<Address, VerifyError> {
    match script::parse(prev_script).map(|p| p.destination) {
        Some(Destination::PubKeyHash(h)) => Ok(Address::PubKeyHash(h)),
        _ => Err(VerifyError::UnsupportedScript),
    }
}

/// What an input's signature covers, as MultiChain reads it (the hash type's low five bits;
/// ANYONECANPAY aside): every output, none, or the one at its own index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coverage {
    All,
    None,
    Single,
}

/// The coverage of a `<signature> <public key>` script; no signature covers nothing.
pub fn coverage(script_sig: &Script) -> Coverage {
    let mut pushes = script_sig.instructions();
    match pushes.next() {
        Some(Ok(Instruction::PushBytes(sig))) => match sig.as_bytes().last().map(|t| t & 0x1f) {
            Some(1) => Coverage::All,
            Some(3) => Coverage::Single,
            _ => Coverage::None,
        },
        _ => Coverage::None,
    }
}

/// Verifies input `index` of `tx` against the script it spends; returns the signer's address.
pub fn verify_input(
    tx: &Transaction,
    index: usize,
    prev_script: &Script,
) -> Result<Address, VerifyError> {
    let parsed = script::parse(prev_script).ok_or(VerifyError::UnsupportedScript)?;
    let Destination::PubKeyHash(expected) = parsed.destination else {
        return Err(VerifyError::UnsupportedScript);
    };
    let script_sig = &tx.input[index].script_sig;
    let mut pushes = Vec::with_capacity(2);
    for ins in script_sig.instructions() {
        match ins.map_err(|_| VerifyError::BadScriptSig)? {
            Instruction::PushBytes(p) => pushes.push(p.as_bytes().to_vec()),
            Instruction::Op(_) => return Err(VerifyError::BadScriptSig),
        }
    }
    let [sig, pubkey] = pushes.as_slice() else {
        return Err(VerifyError::BadScriptSig);
    };
    if hash160(pubkey) != expected {
        return Err(VerifyError::WrongKey);
    }
    let (hash_type, der) = sig.split_last().ok_or(VerifyError::BadEncoding)?;
    let pk = PublicKey::from_slice(pubkey).map_err(|_| VerifyError::BadEncoding)?;
    let mut signature = Signature::from_der(der).map_err(|_| VerifyError::BadEncoding)?;
    signature.normalize_s();
    let msg = sighash(tx, index, prev_script, *hash_type as u32)?;
    secp()
        .verify_ecdsa(&msg, &signature, &pk)
        .map_err(|_| VerifyError::BadSignature)?;
    Ok(Address::PubKeyHash(expected))
}

/// Signs input `index` (spending `prev_script`) with `key`, SIGHASH_ALL.
pub fn sign_input(
    tx: &mut Transaction,
    index: usize,
    prev_script: &Script,
    key: &PrivateKey,
) -> Result<(), VerifyError> {
    sign_input_with(tx, index, prev_script, key, EcdsaSighashType::All)
}

pub fn sign_input_with(
    tx: &mut Transaction,
    index: usize,
    prev_script: &Script,
    key: &PrivateKey,
    hash_type: EcdsaSighashType,
) -> Result<(), VerifyError> {
    let msg = sighash(tx, index, prev_script, hash_type.to_u32())?;
    let sig = crate::primitives::ecdsa::sign(&msg, &key.secret);
    let mut sig_bytes = sig.serialize_der().to_vec();
    sig_bytes.push(hash_type.to_u32() as u8);
    let push = |v: Vec<u8>| PushBytesBuf::try_from(v).expect("signature and key fit a push");
    tx.input[index].script_sig = Builder::new()
        .push_slice(push(sig_bytes))
        .push_slice(push(key.public_key_bytes()))
        .into_script();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::consensus::encode::deserialize_hex;
    use bitcoin::ScriptBuf;

    /// A grant made by real MultiChain 2.3 verifies under our sighash: its input spends the
    /// admin's plain change output (P2PKH of 1S27o…, hash b91d9cb6…).
    #[test]
    fn golden_grant_signature_verifies() {
        let tx: Transaction = deserialize_hex("010000000137e6fcfc0839328f97bdb40c94c811d8d04a479717ccfe6b46f4fbce1aac072b010000006a47304402205913719c9dcc52f0dbb08eb39486d0f3d3dfd09a885954c11a56c683ab6d135202205db482cbefc08afed36ae58242eb9853d307ba36ab14a7c05b76a9119a5fcd470121027da7ff5b79f99b4c2c53ce084766e64d7b74022cd0b37e80f397711384508c6dffffffff0200000000000000002f76a9148bec7cf736663e57063239c30c29bc8799e0732588ac1473706b700700000000000000ffffffffc3f9056b7500000000000000001976a914b91d9cb61246e0e3c5604218c99349c13300b80188ac00000000").unwrap();
        let prev =
            ScriptBuf::from_hex("76a914b91d9cb61246e0e3c5604218c99349c13300b80188ac").unwrap();
        let signer = verify_input(&tx, 0, &prev).unwrap();
        assert_eq!(
            hex::encode(signer.hash()),
            "b91d9cb61246e0e3c5604218c99349c13300b801"
        );
        // Tampering with an output breaks it.
        let mut bad = tx.clone();
        bad.output[0].value = bitcoin::Amount::from_sat(1);
        assert_eq!(verify_input(&bad, 0, &prev), Err(VerifyError::BadSignature));
    }

    #[test]
    fn sign_then_verify() {
        let key = PrivateKey::generate();
        let prev = script::pay_to(&key.address(), &[]);
        let mut tx: Transaction = deserialize_hex("010000000137e6fcfc0839328f97bdb40c94c811d8d04a479717ccfe6b46f4fbce1aac072b0100000000ffffffff0100000000000000001976a914b91d9cb61246e0e3c5604218c99349c13300b80188ac00000000").unwrap();
        sign_input(&mut tx, 0, &prev, &key).unwrap();
        assert_eq!(verify_input(&tx, 0, &prev), Ok(key.address()));
        let other = PrivateKey::generate();
        let prev_other = script::pay_to(&other.address(), &[]);
        assert_eq!(
            verify_input(&tx, 0, &prev_other),
            Err(VerifyError::WrongKey)
        );
    }

    #[test]
    fn coverage_reads_the_hash_type_as_multichain_does() {
        let key = PrivateKey::generate();
        let prev = script::pay_to(&key.address(), &[]);
        let mut tx: Transaction = deserialize_hex("010000000137e6fcfc0839328f97bdb40c94c811d8d04a479717ccfe6b46f4fbce1aac072b0100000000ffffffff0100000000000000001976a914b91d9cb61246e0e3c5604218c99349c13300b80188ac00000000").unwrap();
        let mut coverage_with = |hash_type| {
            sign_input_with(&mut tx, 0, &prev, &key, hash_type).unwrap();
            coverage(&tx.input[0].script_sig)
        };
        assert_eq!(coverage_with(EcdsaSighashType::All), Coverage::All);
        assert_eq!(
            coverage_with(EcdsaSighashType::AllPlusAnyoneCanPay),
            Coverage::All
        );
        assert_eq!(coverage_with(EcdsaSighashType::None), Coverage::None);
        assert_eq!(
            coverage_with(EcdsaSighashType::SinglePlusAnyoneCanPay),
            Coverage::Single
        );
        assert_eq!(coverage(&ScriptBuf::new()), Coverage::None);
    }
}
