// Inputs the fuzzers found, kept as named tests. Each is the input exactly as found (hex), with the property
// it broke and the fix (fuzz/README.md lists them all).

import Consensus
import Contracts
import Ledger
import Testing

@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// Mutational fuzzer, `consensus` target, seed 0x5EED_F022: a `ValidatorSet` whose two first validators were
    /// out of order (a power byte lowered) decoded, and `ValidatorSet.init` sorted it, so the value re-encoded to
    /// different bytes (two encodings of one set; `validatorsHash` could differ for "equal" sets). Fixed: the
    /// decoder rejects a list not in canonical order.
    @Test func validatorSetOutOfOrderIsRejected() throws {
        let input = bytes(
            hex: "0800000004b233de91cbbbfd32729fd00e5c4690d8475f1bbdcd3b4fd961a38e888f0296d100000000000000043"
                + "24fe3b1ede94db31d5838b611e2b0e044c713b534d2b25900cf269a3f43698a0000670000000003c6fd4685edf2b3"
                + "95b3889cb31bce27110f0be33dffffffff67aa052ce5913acb000000000000000217a740ec427616361c398db21f"
                + "6876ef5551afa2b9650623a83d54bc63597c890000000000000001")
        #expect(try FuzzTarget.consensus.run(input) == .rejected)
        #expect(throws: DecodingError.self) { try ValidatorSet.decode(canonical: Array(input.dropFirst())) }
        // The sorted set still round-trips.
        let set = FuzzSeeds.validatorSet
        #expect(try ValidatorSet.decode(canonical: set.canonicalBytes) == set)
    }

    /// Mutational fuzzer, `message` target (selector 0: `Genesis`), seed 0x5EED_F022: a size limit above
    /// `Int.max` was clamped to `Int.max`, so the genesis re-encoded to different bytes. Fixed: the decoder
    /// rejects it.
    @Test func genesisLimitAboveIntMaxIsRejected() throws {
        let input = bytes(
            hex: "000000000e72656164636861696e2d66757a7a000000000000000000000001585d69735c21798321457853dc458da9"
                + "2675336f00000000000f42400000000117a740ec427616361c398db21f6876ef5551afa2b9650623a83d54bc6359"
                + "7c89030000000023c346000000000011e1a300020000000000000001000000000000000200000000000000000000"
                + "000000000003e800000000000000c8000000141dd760000200000000000000030000008cd0e3a00003000000000000"
                + "000a000000000000000067d9ac1c1d7ee784e95a22e9f41d96738aa4a0f600000000000001f400000000000008000"
                + "00000000000002000000000000000200000000000000100000000400000000417a740ec427616361c398db21f687"
                + "6ef5551afa2b9657fffffffffffffff0623a83d54bc63597c890000000000000001c6fd4c85edf2b395b3889cb31bc"
                + "e27110f09e33d1d976e1e67aa052ce5913acb00000021457853dc458da92675336f04585d69735c217983214578"
                + "53dc458da92675336ffffffffffffffffb")
        #expect(try FuzzTarget.message.run(input) == .rejected)
        #expect(throws: DecodingError.self) { try Genesis.decode(canonical: Array(input.dropFirst())) }
        let genesis = FuzzSeeds.genesis
        #expect(try Genesis.decode(canonical: genesis.canonicalBytes) == genesis)
    }
}

extension FuzzRegressionTests {
    /// Mutational fuzzer, `consensus` target, FUZZ_SEED=1, 100,000 iterations: a trap. The decoder capped each
    /// power at 2^60 before summing (`total += min(power, 1 << 60)`), so a validator of power 2^63 − 1 passed its
    /// check and `ValidatorSet.init` then hit `precondition(total <= 1 << 60)`: any peer could crash a node that
    /// decodes a validator set. Fixed: the decoder sums the real powers and rejects a total above 2^60.
    @Test func validatorSetPowerAboveLimitIsRejectedNotTrapped() throws {
        let input = bytes(
            hex: "12000000013d000005000000000000000263fffffffffdfffffe3119a6523fcdb6c5f560317c9b9f1ac85f6ffa1dcc"
                + "cfc30000000400c1d400c1d4b000000109212aa0593394cbed319190a229628e42e8416fb7411d01699d7ebd4e6ba2"
                + "98c19f079a89986fa641c409b0963aff49cd655694b9ffda4bcde77e000000000000564b29e56cea1690070bddc0cc"
                + "44d2e77efe7d5befffcea44a29e56cea78d657919ce66b31185cb1993054616aad3ef1c044c636fe00231b10f6941"
                + "11214dbab5d0be803d61e1f16c20000000d4f4228d8db185afb0e")
        #expect(try FuzzTarget.consensus.run(input) == .rejected)
        // The smallest form: one validator whose power alone exceeds 2^60.
        var w = CanonicalWriter()
        w.write(UInt32(1))
        w.write(FuzzSeeds.keys[0].publicKey)
        w.write(UInt64(1) << 63)
        #expect(throws: DecodingError.self) { try ValidatorSet.decode(canonical: w.bytes) }
        // Exactly 2^60 in total is still accepted.
        let limit = ValidatorSet([
            Validator(publicKey: FuzzSeeds.keys[0].publicKey, power: 1 << 59),
            Validator(publicKey: FuzzSeeds.keys[1].publicKey, power: 1 << 59),
        ])
        #expect(try ValidatorSet.decode(canonical: limit.canonicalBytes) == limit)
    }
}
