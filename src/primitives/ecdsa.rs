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
//!
//! Signing goes through `secp256k1-sys` 0.11 (libsecp256k1 0.6) rather than the 0.10
//! (libsecp256k1 0.4) the `bitcoin` crate links: its nonce point is computed by a multi-comb
//! with 44 point additions instead of 64, which makes a signature about 15 % faster (40 → 34
//! µs with RFC 6979 on the 2026-12-05 VM). The two link side by side under their own symbol
//! names; a signature passes between them in its 64-byte compact form.

use bitcoin::secp256k1::ecdsa::Signature;
use bitcoin::secp256k1::ffi::CPtr;
use bitcoin::secp256k1::{Message, SecretKey};
use rand::RngCore;
use secp256k1_sys as ffi;
use secp256k1_sys::types::{c_int, c_uchar, c_uint, c_void};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// A libsecp256k1 signing context, made once and never freed.
struct SigningContext(std::ptr::NonNull<ffi::Context>);

// SAFETY: after creation and randomisation the context is only read (libsecp256k1 documents
// a context as safe to use from several threads for everything but changing it).
unsafe impl Send for SigningContext {}
unsafe impl Sync for SigningContext {}

fn context() -> &'static SigningContext {
    static CONTEXT: OnceLock<SigningContext> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        // SAFETY: creating a context has no preconditions; randomising it is done before
        // it is shared, with a 32-byte seed that lives through the call.
        unsafe {
            let ctx = ffi::secp256k1_context_create(ffi::SECP256K1_START_SIGN);
            // Blinding against side channels; without random bytes the context still signs.
            let seed = std::panic::catch_unwind(|| {
                let mut seed = [0u8; 32];
                rand::thread_rng().fill_bytes(&mut seed);
                seed
            });
            if let Ok(seed) = seed {
                ffi::secp256k1_context_randomize(ctx, seed.as_ptr());
            }
            SigningContext(ctx)
        }
    })
}

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

/// Signs through `secp256k1-sys` 0.11: `nonce` given, or RFC 6979 when `None`. `None` back only
/// if the given nonce was refused.
fn sign_with(msg: &Message, key: &SecretKey, nonce: Option<&[u8; 32]>) -> Option<Signature> {
    let ctx = context().0.as_ptr();
    let (function, data): (ffi::NonceFn, *const c_void) = match nonce {
        Some(n) => (Some(prepared_nonce), n.as_ptr() as *const c_void),
        None => (None, std::ptr::null()),
    };
    let digest: &[u8; 32] = msg.as_ref();
    // SAFETY: `sig` starts zeroed and is filled by the call, and `compact` is a 64-byte
    // buffer the serialisation fills. The context is a signing context that lives for the
    // whole process; `digest`, the key's 32 bytes and the nonce are valid for the call, and the nonce
    // function writes only its 32 bytes.
    let compact = unsafe {
        let mut sig = ffi::Signature::new();
        if ffi::secp256k1_ecdsa_sign(
            ctx,
            &mut sig,
            digest.as_ptr(),
            key.as_c_ptr(),
            function,
            data,
        ) != 1
        {
            return None;
        }
        let mut compact = [0u8; 64];
        ffi::secp256k1_ecdsa_signature_serialize_compact(ctx, compact.as_mut_ptr(), &sig);
        compact
    };
    Some(Signature::from_compact(&compact).expect("libsecp256k1 wrote a valid signature"))
}

/// Signs the 32-byte `msg` with `key`: a low-S ECDSA signature with a randomised nonce.
pub fn sign(msg: &Message, key: &SecretKey) -> Signature {
    let mut random = [0u8; 32];
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rand::thread_rng().fill_bytes(&mut random)
    }));
    let nonce = drawn.is_ok().then(|| {
        let mut hash = Sha256::new();
        hash.update(key.secret_bytes());
        hash.update(msg.as_ref());
        hash.update(random);
        let nonce: [u8; 32] = hash.finalize().into();
        nonce
    });
    // Only the nonce can be refused (a `SecretKey` is always a valid key): then RFC 6979.
    nonce
        .and_then(|n| sign_with(msg, key, Some(&n)))
        .or_else(|| sign_with(msg, key, None))
        .expect("RFC 6979 signing with a valid key succeeds")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::keys::secp;
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

        /// The RFC 6979 fallback: deterministic, low-S, and what the `bitcoin` crate's own
        /// libsecp256k1 makes for the same key and message.
        #[test]
        fn the_rfc6979_fallback_matches_the_bitcoin_crates_signature(digest in any::<[u8; 32]>(), seed in any::<[u8; 32]>()) {
            let Ok(key) = SecretKey::from_slice(&seed) else { return Ok(()) };
            let msg = Message::from_digest(digest);
            let ours = sign_with(&msg, &key, None).expect("RFC 6979 signs");
            prop_assert_eq!(ours, secp().sign_ecdsa(&msg, &key));
        }
    }
}
