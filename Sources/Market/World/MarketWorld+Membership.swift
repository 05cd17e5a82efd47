// Scheduled validator-set changes (`chain.membership`, issue 17 item 4): at each change's time the first operator
// proposes it by a governance transaction; once the proposal commits, just enough other operators approve it to
// make more than 2/3 of them, and the approval that reaches that quorum adopts it (effective two heights later).

import Cluster
import Contracts
import Ledger
import MarketModel

extension MarketWorld {
    /// The first operator proposes scheduled change k: the validator's node key at its declared power, or 0.
    func proposeMembershipChange(_ k: Int) {
        let change = model.chain.membership[k]
        guard !gateway.governors.isEmpty,
            let i = model.chain.validators.firstIndex(where: { $0.name == change.validator })
        else { return }
        let key = ClusterConfig.nodeKey(i, seed: spec.seed).publicKey
        let power = change.action == .add ? UInt64(model.chain.validators[i].power) : 0
        submit(
            .proposeValidatorChange(publicKey: key, power: power), as: .governanceOperator(0), kind: .propose(change: k)
        )
    }

    /// A governance transaction of change k committed: after the proposal, the approvals the quorum still needs
    /// (operators 1, 2, ... in order); when a receipt shows the change adopted, it is recorded.
    func membershipCommitted(_ kind: TxKind, _ r: Receipt, at t: Int64) {
        guard r.code == .ok else { return }
        let k: Int
        switch kind {
        case .propose(let change), .approve(let change): k = change
        default: return
        }
        if let adopted = firstEvent(
            r,
            {
                if case .validatorChangeAdopted(_, _, let power, let effective) = $0 { (power, effective) } else { nil }
            })
        {
            validatorChanges.append(
                ValidatorChangeRecord(
                    validator: model.chain.membership[k].validator, power: adopted.0, height: adopted.1 - 2,
                    effectiveHeight: adopted.1, atTicks: t))
            return
        }
        guard case .propose = kind,
            let id = firstEvent(r, { if case .validatorChangeProposed(let id, _, _) = $0 { id } else { nil } })
        else { return }
        let n = gateway.governors.count
        let quorum = 2 * n / 3 + 1  // the fewest approvals a with 3a > 2n
        for op in 1..<max(1, quorum) where op < n {
            submit(.approveValidatorChange(proposalID: id), as: .governanceOperator(op), kind: .approve(change: k))
        }
    }
}
