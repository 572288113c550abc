//! PKCE (RFC 7636): a code verifier made from caller-supplied random bytes, and its S256
//! challenge. Layer: core (pure). The pure core never makes randomness: the glue passes
//! bytes from `crypto.getRandomValues`.

use crate::secret::CodeVerifier;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The only challenge method Spotdial sends.
pub const CHALLENGE_METHOD: &str = "S256";

/// RFC 7636 §4.1: a verifier is 43 to 128 characters; base64url without padding turns
/// 32..=96 bytes into exactly that range.
pub const MIN_RANDOM_BYTES: usize = 32;
pub const MAX_RANDOM_BYTES: usize = 96;

/// Too few or too many random bytes for a verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkceLengthError {
    pub bytes: usize,
}

/// base64url without padding, as PKCE and `state` use it.
pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A verifier from 32 to 96 random bytes (43 to 128 characters of `[A-Za-z0-9_-]`).
pub fn verifier_from_random(bytes: &[u8]) -> Result<CodeVerifier, PkceLengthError> {
    if !(MIN_RANDOM_BYTES..=MAX_RANDOM_BYTES).contains(&bytes.len()) {
        return Err(PkceLengthError { bytes: bytes.len() });
    }
    Ok(CodeVerifier::new(base64url(bytes)))
}

/// The S256 challenge: base64url(SHA-256(ASCII(verifier))), no padding.
pub fn challenge_s256(verifier: &CodeVerifier) -> String {
    base64url(&Sha256::digest(verifier.expose().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 appendix B.
    const RFC_OCTETS: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191,
        240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];

    #[test]
    fn matches_rfc_7636_appendix_b() {
        let verifier = verifier_from_random(&RFC_OCTETS).expect("32 bytes are enough");
        assert_eq!(verifier.expose(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(challenge_s256(&verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn verifier_length_stays_within_43_to_128_characters() {
        assert_eq!(verifier_from_random(&[0xff; 32]).map(|v| v.expose().len()), Ok(43));
        assert_eq!(verifier_from_random(&[0xfb; 96]).map(|v| v.expose().len()), Ok(128));
        let long = verifier_from_random(&[0xfb; 96]).expect("96 bytes fit");
        assert!(long.expose().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(verifier_from_random(&[1; 31]), Err(PkceLengthError { bytes: 31 }));
        assert_eq!(verifier_from_random(&[1; 97]), Err(PkceLengthError { bytes: 97 }));
    }
}
