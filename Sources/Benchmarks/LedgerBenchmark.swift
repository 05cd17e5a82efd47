import Ledger

// Benchmarks for `readchain bench`.
//
// ⚠️ WALL-CLOCK FILE: this is the only file of the Ledger target that reads a clock (`ContinuousClock`), to
// time the benchmarks below. Nothing in the chain core calls into it.

/// Ledger benchmarks, called by the CLI (`readchain bench ...`).
public enum LedgerBenchmark {
    /// The cost of updating the state root.
    public struct StateRootResult: Sendable {
        public var keys: Int
        public var changed: Int
        /// Time to build the state of `keys` keys (bulk, bottom-up).
        public var buildSeconds: Double
        /// Time to apply `changed` updates (half overwrites, half inserts) and read the new root.
        public var updateSeconds: Double
        /// `updateSeconds / changed`, in microseconds.
        public var microsecondsPerChangedKey: Double
        /// Mean nodes rehashed per changed key (path length + leaf): the O(log n) factor.
        public var hashesPerUpdate: Double

        /// `name=value` lines for the bench output.
        public var lines: [String] {
            let tag = "n\(keys)"
            return [
                "ledger_state_build_seconds_\(tag)=\(rounded(buildSeconds))",
                "ledger_state_update_seconds_\(tag)_changed\(changed)=\(rounded(updateSeconds))",
                "ledger_state_update_us_per_key_\(tag)=\(rounded(microsecondsPerChangedKey))",
                "ledger_state_hashes_per_update_\(tag)=\(rounded(hashesPerUpdate))",
            ]
        }
    }

    /// Builds a state of `keys` keys (32-byte hashed keys, 8-byte values), then changes `changed` of them.
    public static func stateRootUpdate(keys: Int = 1_000_000, changed: Int = 1_000) -> StateRootResult {
        precondition(keys > 0 && changed > 0, "keys and changed must be positive")
        func key(_ i: Int) -> Bytes {
            var w = CanonicalWriter()
            w.write(UInt64(i))
            return Hash.sha256(w.bytes).bytes
        }
        func value(_ i: Int, _ round: UInt64) -> Bytes {
            var w = CanonicalWriter()
            w.write(UInt64(i) &* 0x9E37_79B9_7F4A_7C15 ^ round)
            return w.bytes
        }
        let pairs = (0..<keys).map { (key: key($0), value: value($0, 0)) }
        let clock = ContinuousClock()
        let t0 = clock.now
        var state = StateStore(pairs)
        _ = state.rootHash
        let t1 = clock.now
        let stride = max(1, keys / max(1, changed / 2))
        let changes: [(key: Bytes, value: Bytes)] = (0..<changed).map { j in
            j % 2 == 0 ? (key((j / 2 * stride) % keys), value(j, 1)) : (key(keys + j), value(j, 1))
        }
        let t2 = clock.now
        for c in changes { state.set(c.key, c.value) }
        _ = state.rootHash
        let t3 = clock.now
        let nodes = changes.reduce(0) { $0 + state.depth(of: $1.key) + 1 }
        let build = seconds(t1 - t0)
        let update = seconds(t3 - t2)
        return StateRootResult(
            keys: keys, changed: changed, buildSeconds: build, updateSeconds: update,
            microsecondsPerChangedKey: update / Double(changed) * 1e6,
            hashesPerUpdate: Double(nodes) / Double(changed))
    }

    /// `stateRootUpdate` at each size: the per-key cost should grow like log n, not n.
    public static func stateRootScaling(sizes: [Int] = [10_000, 100_000, 1_000_000], changed: Int = 1_000)
        -> [StateRootResult]
    {
        sizes.map { stateRootUpdate(keys: $0, changed: changed) }
    }

    /// Ed25519 costs, per operation.
    public struct SignatureResult: Sendable {
        public var count: Int
        public var signMicroseconds: Double
        public var verifyMicroseconds: Double
        /// A verification answered by a warm `SignatureCache` (hash of the message plus a set lookup).
        public var cachedVerifyMicroseconds: Double

        public var lines: [String] {
            [
                "ledger_ed25519_sign_us=\(rounded(signMicroseconds))",
                "ledger_ed25519_verify_us=\(rounded(verifyMicroseconds))",
                "ledger_ed25519_cached_verify_us=\(rounded(cachedVerifyMicroseconds))",
            ]
        }
    }

    /// Signs and verifies `count` transaction-sized messages (about 200 bytes).
    public static func signatures(count: Int = 2_000) -> SignatureResult {
        precondition(count > 0, "count must be positive")
        let key = SigningKey.derive(label: "bench", seed: 1)
        let messages: [Bytes] = (0..<count).map { i in
            Transaction.signBytes(
                chainID: "bench", sender: key.publicKey, nonce: UInt64(i), fee: Amount(minorUnits: 10),
                message: Bytes(repeating: UInt8(truncatingIfNeeded: i), count: 120))
        }
        let clock = ContinuousClock()
        let t0 = clock.now
        let sigs = messages.map { key.sign($0) }
        let t1 = clock.now
        var valid = 0
        for (m, s) in zip(messages, sigs) where key.publicKey.isValidSignature(s, for: m) { valid += 1 }
        let t2 = clock.now
        precondition(valid == count, "a benchmark signature failed to verify")
        let cache = SignatureCache(capacity: count)
        for (m, s) in zip(messages, sigs) { _ = cache.verify(s, message: m, key: key.publicKey) }
        let t3 = clock.now
        for (m, s) in zip(messages, sigs) { _ = cache.verify(s, message: m, key: key.publicKey) }
        let t4 = clock.now
        let n = Double(count)
        return SignatureResult(
            count: count, signMicroseconds: seconds(t1 - t0) / n * 1e6, verifyMicroseconds: seconds(t2 - t1) / n * 1e6,
            cachedVerifyMicroseconds: seconds(t4 - t3) / n * 1e6)
    }

    private static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }

    private static func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
