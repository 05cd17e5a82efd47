// How a chain's signatures are made and checked: real Ed25519, or a keyed hash of the same size for sweeps.

import Crypto

/// The signature scheme of a chain: every signing key and every signature check of one run uses the same one.
///
/// - `ed25519`: real Ed25519 (RFC 8032, BoringSSL via swift-crypto). What a deployment would run; use it for
///   audits and load tests.
/// - `simulated`: a 64-byte keyed hash, HMAC-SHA-512 over the message under a per-key secret derived from the
///   public key (`readchain/simulated-signature/v1`), so signing and verifying cost about a microsecond instead of
///   tens. A signature made with another key, or for another message, or altered in any byte, fails as an Ed25519
///   signature would; but anyone who knows the scheme can compute any key's secret, so it *models* authentication
///   without providing it. Keys, addresses, message and block sizes, and the simulated CPU charged per check are
///   those of Ed25519, so everything the market records is the same in both modes; only the signature bytes (and
///   the hashes and roots that cover them) differ. Use it for sweeps.
public enum SignatureScheme: String, CaseIterable, Sendable, Codable {
    case ed25519
    case simulated

    /// Whether `s` is a valid signature of `message` by `key` under this scheme. Never traps.
    ///
    /// - Complexity: one Ed25519 verification (tens of µs), or one HMAC-SHA-512 (about 1 µs).
    @inline(__always)
    public func isValid(_ s: Signature, for message: Bytes, by key: PublicKey) -> Bool {
        switch self {
        case .ed25519: key.isValidSignature(s, for: message)
        case .simulated: SimulatedSignature.sign(message, keyed: SimulatedSignature.keyed(key)) == s
        }
    }
}

/// The simulated scheme's keyed hash (see ``SignatureScheme/simulated``).
enum SimulatedSignature {
    /// The per-key secret: SHA-256(`readchain/simulated-signature/v1` ‖ public key).
    static func secret(of key: PublicKey) -> SymmetricKey {
        var h = SHA256()
        h.update(data: Array("readchain/simulated-signature/v1".utf8))
        key.withUnsafeBytes { h.update(bufferPointer: $0) }
        return SymmetricKey(data: h.finalize())
    }

    /// HMAC-SHA-512 keyed with `key`'s secret, before any message: copied for each message (`sign(_:keyed:)`), so
    /// the key's pads are hashed once per key, not once per signature.
    static func keyed(_ key: PublicKey) -> HMAC<SHA512> { HMAC<SHA512>(key: secret(of: key)) }

    /// HMAC-SHA-512(secret, message), from the key's HMAC state before any message (`keyed(_:)`; a copy is
    /// updated, not `keyed`): 64 bytes, the size of an Ed25519 signature.
    static func sign(_ message: Bytes, keyed: HMAC<SHA512>) -> Signature {
        var h = keyed
        h.update(data: message)
        let mac = h.finalize()
        return mac.withUnsafeBytes { raw in
            Signature(words: loadWords4(raw), loadWords4(UnsafeRawBufferPointer(rebasing: raw[32...])))
        }
    }
}
