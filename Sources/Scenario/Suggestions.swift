/// The candidate closest to `word`, if it is close enough to be a likely typo.
///
/// Distance is the optimal-string-alignment edit distance (insertions, deletions, substitutions and
/// swaps of neighbours each cost 1), compared case-insensitively; a match must be within
/// `max(1, word.count / 3)` edits. Ties go to the earlier candidate, so the result is deterministic.
///
/// - Complexity: O(n · m) per candidate.
public func closestMatch(to word: String, among candidates: [String]) -> String? {
    let limit = max(1, word.count / 3)
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(word.lowercased(), candidate.lowercased())
        if distance <= limit, distance < (best?.distance ?? Int.max) {
            best = (candidate, distance)
        }
    }
    return best?.candidate
}

/// Optimal string alignment distance between `a` and `b`.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { table[i][0] = i }
    for j in 0...b.count { table[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            var d = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                d = min(d, table[i - 2][j - 2] + 1)
            }
            table[i][j] = d
        }
    }
    return table[a.count][b.count]
}
