import Testing

@testable import Ledger

/// Ed25519 through the project's wrapper (`SigningKey`, `PublicKey.isValidSignature`, swift-crypto 3.12.3 on
/// BoringSSL; pinned by Package.resolved): RFC 8032 §7.1's vectors, then the edge cases on which implementations
/// disagree (ZIP-215; Chalkias, Garillot and Nikolaenko, "Taming the many EdDSAs", 2020). Every node runs the
/// same library, so nodes agree whatever it decides; these tests pin *what* it decides, so that a dependency bump
/// that changes verification fails here instead of forking the chain. Names say "accepted" or "rejected" by
/// BoringSSL as observed.
@Suite("Ed25519 vectors and edge cases")
struct Ed25519VectorTests {
    struct Vector: Sendable, CustomStringConvertible {
        var name: String
        var secret: String
        var publicKey: String
        var message: String
        var signature: String
        var description: String { name }
    }

    /// RFC 8032 §7.1, "Test Vectors for Ed25519".
    static let rfc8032: [Vector] = [
        Vector(
            name: "TEST 1", secret: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", message: "",
            signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b4"
                + "6bd25bf5f0595bbe24655141438e7a100b"),
        Vector(
            name: "TEST 2", secret: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", message: "72",
            signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d"
                + "8c387b2eaeb4302aeeb00d291612bb0c00"),
        Vector(
            name: "TEST 3", secret: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            publicKey: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", message: "af82",
            signature: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6"
                + "594a7c15e9716ed28dc027beceea1ec40a"),
        Vector(
            name: "TEST 1024", secret: "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
            publicKey: "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e", message: test1024Message,
            signature: "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d9"
                + "4b5e8fcd4f681e30a6ac00a9704a188a03"),
        Vector(
            name: "TEST SHA(abc)", secret: "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
            publicKey: "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
            message: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
                + "454d4423643ce80e2a9ac94fa54ca49f",
            signature: "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0"
                + "303dca179c138ac17ad9bef1177331a704"),
    ]

    /// TEST 1024's message (1,023 bytes).
    static let test1024Message = [
        "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1",
        "e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d",
        "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a",
        "7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e",
        "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10",
        "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1",
        "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d",
        "502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270",
        "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b",
        "eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba",
        "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b",
        "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7",
        "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d",
        "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df",
        "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7",
        "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4",
        "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09",
        "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f",
        "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161",
        "0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d",
        "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca",
        "c60c905c15fc910840b94c00a0b9d0",
    ].joined()

    static func hex(_ s: String) -> Bytes { parseHex(s)! }

    @Test("RFC 8032 §7.1: the key, the signature and its verification", arguments: rfc8032)
    func rfc8032Vector(_ v: Vector) throws {
        let key = try SigningKey(seed: Self.hex(v.secret))
        let message = Self.hex(v.message)
        #expect(key.publicKey == PublicKey(bytes: Self.hex(v.publicKey)))
        #expect(key.sign(message) == Signature(bytes: Self.hex(v.signature)))
        let pk = PublicKey(bytes: Self.hex(v.publicKey))
        #expect(pk.isValidSignature(Signature(bytes: Self.hex(v.signature)), for: message))
        #expect(!pk.isValidSignature(Signature(bytes: Self.hex(v.signature)), for: message + [0]))
        #expect(!pk.hasSmallOrder)
    }

    /// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    static let order = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")

    /// `signature` with L added to its S half (little-endian addition; S < L, so S + L < 2^254 fits).
    static func addingOrderToS(_ signature: Bytes) -> Bytes {
        var out = Array(signature.prefix(32))
        var carry: UInt16 = 0
        for i in 0..<32 {
            let sum = UInt16(signature[32 + i]) + UInt16(order[i]) + carry
            out.append(UInt8(truncatingIfNeeded: sum))
            carry = sum >> 8
        }
        return out
    }

    /// Malleability: (R, S + L) satisfies the verification equation as (R, S) does, since [L]B is the identity.
    /// RFC 8032 §5.1.7 requires S < L; BoringSSL rejects S + L, S with its top bit set, S = L, and a non-canonical
    /// encoding of R (it compares R's bytes with the canonical encoding it computes).
    @Test func malleableSignaturesRejectedByBoringSSL() throws {
        let v = Self.rfc8032[0]
        let pk = PublicKey(bytes: Self.hex(v.publicKey))
        let sig = Self.hex(v.signature)
        let message = Self.hex(v.message)
        let malleated = Self.addingOrderToS(sig)
        #expect(malleated != sig)
        #expect(!pk.isValidSignature(Signature(bytes: malleated), for: message), "S + L: rejected")
        var high = sig
        high[63] |= 0x80
        #expect(!pk.isValidSignature(Signature(bytes: high), for: message), "S >= 2^255: rejected")
        let sEqualsL = Array(sig.prefix(32)) + Self.order
        #expect(!pk.isValidSignature(Signature(bytes: sEqualsL), for: message), "S = L: rejected")
        // Non-canonical R: y = p + 1 (= 1, the identity) with S = 0 under the identity key.
        let identity = PublicKey(bytes: [1] + Bytes(repeating: 0, count: 31))
        let nonCanonicalR = [0xEE] + Bytes(repeating: 0xFF, count: 30) + [0x7F] + Bytes(repeating: 0, count: 32)
        #expect(!identity.isValidSignature(Signature(bytes: nonCanonicalR), for: message), "R = p + 1: rejected")
    }

    /// R = identity, S = 0: under cofactorless verification ([S]B = R + [k]A) it verifies exactly when [k]A is the
    /// identity, k = SHA-512(R ‖ A ‖ M) mod L.
    static let identityForgery = Signature(bytes: [1] + Bytes(repeating: 0, count: 63))

    /// Small-order public keys. BoringSSL does not check a key's order: for the identity key (canonical, and
    /// non-canonical y = p + 1) the forgery verifies on every message; for an order-2, -4 or -8 key on the
    /// messages whose k is a multiple of the order. Hence `PublicKey.hasSmallOrder` and its refusal at
    /// registration (Contracts `ante`, `Genesis.problems`, `LogApplication`, `BlockStore.apply`).
    @Test func smallOrderKeysAcceptedByBoringSSLAndFlagged() {
        let messages = (0..<64).map { Bytes("forged message \($0)".utf8) }
        func accepted(_ key: PublicKey) -> Int {
            messages.count { key.isValidSignature(Self.identityForgery, for: $0) }
        }
        let identity = PublicKey(bytes: [1] + Bytes(repeating: 0, count: 31))
        #expect(accepted(identity) == messages.count, "identity key: every message forged")
        let nonCanonicalIdentity = PublicKey(bytes: [0xEE] + Bytes(repeating: 0xFF, count: 30) + [0x7F])
        #expect(accepted(nonCanonicalIdentity) == messages.count, "y = p + 1, reduced to the identity: accepted")
        let order8 = PublicKey(bytes: Self.hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"))
        let forged8 = accepted(order8)
        #expect(forged8 > 0 && forged8 < messages.count / 2, "order 8: about one message in eight (\(forged8))")
        for encoding in PublicKey.smallOrderEncodings {
            for sign: UInt8 in [0, 0x80] {
                var b = encoding
                b[31] |= sign
                #expect(PublicKey(bytes: b).hasSmallOrder)
            }
        }
        #expect(PublicKey.smallOrderEncodings.count == 7)
        for i in 0..<256 {
            let k = SigningKey.derive(label: "key \(i)", seed: 17).publicKey
            #expect(!k.hasSmallOrder)
            #expect(!k.isValidSignature(Self.identityForgery, for: messages[0]))
        }
    }
}
