// Command-line overrides of a loaded scenario (`--replications`, `--seed`), shared by sweep files and studies.

import MarketModel

extension ScenarioFile {
    /// The same scenario with another replication count (a command-line override; the runs table
    /// records what was actually run).
    public func with(replications: Int) -> ScenarioFile {
        ScenarioFile(
            path: path, text: text, sha256: sha256, name: name, kind: kind, description: description, seed: seed,
            replications: replications, horizonTicks: horizonTicks, warmupTicks: warmupTicks, model: model,
            warnings: warnings)
    }

    /// The same scenario with another master seed (recorded as `runs.master_seed`).
    public func with(seed: UInt64) -> ScenarioFile {
        ScenarioFile(
            path: path, text: text, sha256: sha256, name: name, kind: kind, description: description, seed: seed,
            replications: replications, horizonTicks: horizonTicks, warmupTicks: warmupTicks, model: model,
            warnings: warnings)
    }

    /// The same scenario with another signature scheme (`--signatures`; a market scenario's `chain.signatures`;
    /// a queue scenario is returned unchanged). The results database records the scheme each run used.
    public func with(signatures: ChainParameters.Signatures) -> ScenarioFile {
        guard case .market(var parameters) = model else { return self }
        parameters.chain.signatures = signatures
        return ScenarioFile(
            path: path, text: text, sha256: sha256, name: name, kind: kind, description: description, seed: seed,
            replications: replications, horizonTicks: horizonTicks, warmupTicks: warmupTicks,
            model: .market(parameters), warnings: warnings)
    }
}
