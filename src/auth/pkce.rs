//! PKCE (RFC 7636): a code verifier made from caller-supplied random bytes, and its S256
//! challenge. Layer: core (pure). The pure core never makes randomness: the glue passes
//! bytes from `crypto.getRandomValues`.

use crate::secret::CodeVerifier;
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

/// base64url without padding (RFC 4648 §5), as PKCE and `state` use it. Written here rather
/// than taken from the base64 crate: these lines against 2.7 KB of its generic engine in the
/// shipped wasm (issue 12); the crate stays in the tests, as the reference this must equal.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity((bytes.len() * 4).div_ceil(3));
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let group = byte(0) << 16 | byte(1) << 8 | byte(2);
        // A group of k bytes gives k + 1 characters: no padding.
        for position in 0..=chunk.len() {
            let sextet = (group >> (18 - 6 * position)) & 63;
            // cannot panic: a 6-bit value (0..=63) indexes the 64-entry alphabet.
            out.push(char::from(ALPHABET[sextet as usize]));
        }
    }
    out
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
    fn base64url_equals_the_base64_crates_url_safe_encoding_without_padding() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let mut seed = 0x9E37_79B9_u32;
        for length in 0..=100 {
            let bytes: Vec<u8> = (0..length)
                .map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (seed >> 24) as u8
                })
                .collect();
            assert_eq!(base64url(&bytes), URL_SAFE_NO_PAD.encode(&bytes), "{bytes:?}");
        }
        for edge in [[0u8; 3], [255; 3], [0xfb, 0xff, 0xbf]] {
            assert_eq!(base64url(&edge), URL_SAFE_NO_PAD.encode(edge));
        }
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
