//! ECDSA signing with random nonces.
//!
//! libsecp256k1 by default derives each signature's nonce by RFC 6979, a chain of HMAC-SHA256
//! rounds in portable C: about 7 of the 37 µs a signature takes here, on the thread that signs
//! every publish one after another (each spends the change of the one before). A nonce drawn
//! from the operating-system-seeded ChaCha generator of `rand::thread_rng` costs a fraction of a
//! microsecond. The rest of the signature is libsecp256k1's own, and the result is the same
//! kind of low-S DER signature any verifier accepts; only its nonce is not a function of the
//! message and key (RFC 6979 guards against a broken random generator, which a seeded ChaCha
//! stream is not).

use super::keys::secp;
use bitcoin::secp256k1::ecdsa::Signature;
use bitcoin::secp256k1::ffi::{
    self,
    types::{c_int, c_uchar, c_uint, c_void},
    CPtr,
};
use bitcoin::secp256k1::{Message, SecretKey};
use rand::RngCore;

/// A nonce function for libsecp256k1: 32 fresh random bytes on every call (libsecp256k1 calls
/// again, with the next attempt number, if they are not a valid scalar), or 0 if there are
/// none.
unsafe extern "C" fn random_nonce(
    nonce32: *mut c_uchar,
    _msg32: *const c_uchar,
    _key32: *const c_uchar,
    _algo16: *const c_uchar,
    _data: *mut c_void,
    _attempt: c_uint,
) -> c_int {
    let mut nonce = [0u8; 32];
    // No panic may cross this C boundary: a generator that fails makes the signing fail,
    // and `sign` falls back to RFC 6979.
    if rand::thread_rng().try_fill_bytes(&mut nonce).is_err() {
        return 0;
    }
    // SAFETY: libsecp256k1 passes a writable 32-byte buffer.
    unsafe { std::ptr::copy_nonoverlapping(nonce.as_ptr(), nonce32, 32) };
    1
}

/// Signs the 32-byte `msg` with `key`: a low-S ECDSA signature with a random nonce.
pub fn sign(msg: &Message, key: &SecretKey) -> Signature {
    // SAFETY: `sig` starts zeroed and is filled by the call. The context is a signing context
    // that lives for the whole process; `msg` and `key` are valid for the call, and the nonce
    // function writes only its 32 bytes.
    let mut sig = unsafe { ffi::Signature::new() };
    let signed = unsafe {
        ffi::secp256k1_ecdsa_sign(
            secp().ctx().as_ptr(),
            &mut sig,
            msg.as_c_ptr(),
            key.as_c_ptr(),
            Some(random_nonce),
            std::ptr::null(),
        )
    };
    if signed != 1 {
        // Only the nonce function can fail: a `SecretKey` is always a valid key.
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
