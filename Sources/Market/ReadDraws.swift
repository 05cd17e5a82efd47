import Stochastic

/// The uniforms of one read of one study: common random numbers per study, not per radiologist.
///
/// They come from the replication's ``KeyedDraws`` under the name `read.<client>/<source>/<sequence>.<attempt>`:
/// the study's stable key (``StudyKey``, the same in every design) and the read attempt (1 for the first read;
/// a study reposted after an assignment expired mid-read is read again as attempt 2, and so on). Four uniforms are
/// drawn in a fixed order, whatever is used: the reading time, the human error, the AI's verdict, the adoption of
/// a contradicting AI flag. So the same study read under two designs shares its base reading time (the
/// radiologist's personal speed factor and pace scale it: `time = X_study · s / p`, ``ReadingTimeModel``) and
/// its error uniforms: it is wrong under both designs, or only under the one whose reader's error probability
/// is higher (a monotone coupling), which is what makes the paired error comparison between designs tight.
public struct ReadDraws: Sendable, Equatable {
    /// Uniform in (0, 1) inverted through the modality's reading-time distribution.
    public var readingTime: Double
    /// The human read's error uniform in (0, 1) (``ErrorModel/read(truth:conditions:uniform:)``).
    public var error: Double
    /// The AI second reader's verdict uniform.
    public var aiVerdict: Double
    /// The uniform deciding whether the radiologist adopts an AI flag that contradicts the read.
    public var aiAdoption: Double

    public init(readingTime: Double, error: Double, aiVerdict: Double, aiAdoption: Double) {
        self.readingTime = readingTime
        self.error = error
        self.aiVerdict = aiVerdict
        self.aiAdoption = aiAdoption
    }

    /// The draws of read `attempt` (from 1) of `study` in the replication of `keyed`.
    /// - Complexity: O(1) (one name hashed, four SplitMix64 steps).
    public init(study: StudyKey, attempt: Int, keyed: KeyedDraws) {
        var g = keyed.generator(Self.name(study: study, attempt: attempt))
        readingTime = g.uniformPositive()
        error = g.uniformPositive()
        aiVerdict = g.uniformPositive()
        aiAdoption = g.uniformPositive()
    }

    /// The keyed name of read `attempt` of `study`: `read.<client>/<source>/<sequence>.<attempt>`.
    public static func name(study: StudyKey, attempt: Int) -> String { "read.\(study).\(attempt)" }
}

/// One read's report-quality uniforms (issue 18 item 3): whether the report is structured and whether its
/// follow-up recommendation departs from the guideline. Their own keyed name (`quality.<study>.<attempt>`), so
/// ``ReadDraws`` and every other draw are the same with the market's `quality` section or without it, and a study
/// read under two designs shares them (paired comparisons).
public struct QualityDraws: Sendable, Equatable {
    public var structured: Double
    public var followUp: Double

    public init(structured: Double, followUp: Double) {
        self.structured = structured
        self.followUp = followUp
    }

    /// The draws of read `attempt` (from 1) of `study` in the replication of `keyed`.
    public init(study: StudyKey, attempt: Int, keyed: KeyedDraws) {
        var g = keyed.generator("quality.\(study).\(attempt)")
        structured = g.uniformPositive()
        followUp = g.uniformPositive()
    }
}
