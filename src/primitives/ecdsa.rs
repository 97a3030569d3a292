//! ECDSA signing with randomised nonces.
//!
//! libsecp256k1 by default derives each signature's nonce by RFC 6979, a chain of HMAC-SHA256
//! rounds in portable C: about 7 of the 38 µs a signature took on the 2026-12-04 VM, on the
//! thread that signs every publish one after another (each spends the change of the one
//! before). Here the nonce is SHA-256(key ‖ message ‖ 32 random bytes), one hash with the
//! CPU's SHA instructions where it has them: random, and still unique to the key and message
//! should the generator's state ever repeat (a restored VM snapshot). The rest is
//! libsecp256k1's own signing, giving the same kind of low-S signature any verifier accepts;
//! only the same transaction signed twice gets two different signatures (and txids). If no
//! random bytes can be had, the signature is made by RFC 6979.

use super::keys::secp;
use bitcoin::secp256k1::ecdsa::Signature;
use bitcoin::secp256k1::ffi::{
    self,
    types::{c_int, c_uchar, c_uint, c_void},
    CPtr,
};
use bitcoin::secp256k1::{Message, SecretKey};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A nonce function for libsecp256k1 handing over the 32 bytes `data` points to. It runs no
/// Rust that could panic across the C boundary. A second attempt (those bytes were not a
/// valid scalar, chance about 2⁻¹²⁸) fails, and `sign` then signs by RFC 6979.
unsafe extern "C" fn prepared_nonce(
    nonce32: *mut c_uchar,
    _msg32: *const c_uchar,
    _key32: *const c_uchar,
    _algo16: *const c_uchar,
    data: *mut c_void,
    attempt: c_uint,
) -> c_int {
    if attempt > 0 || data.is_null() {
        return 0;
    }
    // SAFETY: `sign` passes a pointer to 32 bytes that live through the call, and
    // libsecp256k1 a writable 32-byte buffer.
    unsafe { std::ptr::copy_nonoverlapping(data as *const u8, nonce32, 32) };
    1
}

/// Signs the 32-byte `msg` with `key`: a low-S ECDSA signature with a randomised nonce.
pub fn sign(msg: &Message, key: &SecretKey) -> Signature {
    let mut random = [0u8; 32];
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rand::thread_rng().fill_bytes(&mut random)
    }));
    if drawn.is_err() {
        return secp().sign_ecdsa(msg, key);
    }
    let mut hash = Sha256::new();
    hash.update(key.secret_bytes());
    hash.update(msg.as_ref());
    hash.update(random);
    let nonce: [u8; 32] = hash.finalize().into();
    // SAFETY: `sig` starts zeroed and is filled by the call. The context is a signing context
    // that lives for the whole process; `msg`, `key` and `nonce` are valid for the call, and
    // the nonce function writes only its 32 bytes.
    let mut sig = unsafe { ffi::Signature::new() };
    let signed = unsafe {
        ffi::secp256k1_ecdsa_sign(
            secp().ctx().as_ptr(),
            &mut sig,
            msg.as_c_ptr(),
            key.as_c_ptr(),
            Some(prepared_nonce),
            nonce.as_ptr() as *const c_void,
        )
    };
    if signed != 1 {
        // Only the nonce can be refused: a `SecretKey` is always a valid key.
        return secp().sign_ecdsa(msg, key);
    }
    Signature::from(sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::secp256k1::PublicKey;
    use proptest::prelude::*;

    proptest! {
        /// Signatures verify under libsecp256k1, are low-S (normalising changes nothing),
        /// do not verify for another message, and differ from one signing to the next.
        #[test]
        fn signatures_verify_and_nonces_differ(digest in any::<[u8; 32]>(), seed in any::<[u8; 32]>()) {
            let Ok(key) = SecretKey::from_slice(&seed) else { return Ok(()) };
            let public = PublicKey::from_secret_key(secp(), &key);
            let msg = Message::from_digest(digest);
            let first = sign(&msg, &key);
            let second = sign(&msg, &key);
            prop_assert_ne!(first, second);
            for sig in [first, second] {
                prop_assert!(secp().verify_ecdsa(&msg, &sig, &public).is_ok());
                let mut normalised = sig;
                normalised.normalize_s();
                prop_assert_eq!(normalised, sig);
            }
            let mut changed = digest;
            changed[0] ^= 1;
            prop_assert!(secp().verify_ecdsa(&Message::from_digest(changed), &first, &public).is_err());
        }
    }
}
