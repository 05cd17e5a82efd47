// Market agents and behaviour models (issue 5); see ARCHITECTURE.md.
//
// This file is the map of the behaviour models (part 1 of issue 5). Each is a value type, pure and deterministic:
// it draws only from the `RandomStream`s passed in and never lets Dictionary/Set order decide anything. The agents
// that act through transactions (part 2) call them:
//
// | model                 | called when                              | streams (suggested names)               |
// |-----------------------|------------------------------------------|-----------------------------------------|
// | StudyGenerator        | a client's next arrival                  | study.<client>.<source>.{arrivals, attributes, truth, identity} (fixed) |
// | ReadingTimeModel      | a radiologist joins / starts a read      | speed.<radiologist>; keyed ReadDraws    |
// | ErrorModel (+ AI)     | a read ends                              | keyed ReadDraws (read.<study>.<attempt>) |
// | BurnoutModel          | each radiologist's day ends              | burnout.<radiologist> (initial state, exits, hours cut) |
// | PaceChoice            | a shift starts (or the design changes)   | none                                    |
// | PricingStrategy       | a price is posted / a day ends           | none                                    |
// | RoutingPolicy         | a client posts or reposts a study        | none                                    |
// | ClaimingPolicy        | a radiologist sees open studies          | none                                    |
// | ReferrerFeedback      | a report is committed                    | feedback.<client>                       |
// | PeerReviewModel       | a report is committed (sampling), review | review.sample, review.<reviewer>        |
//
// Streams named per radiologist or client keep common random numbers across market designs: the same radiologist
// draws the same speed factor under every design. A read's own uniforms (reading time, error, the AI's verdict and
// its adoption) are keyed by the study and the read attempt (`ReadDraws`), not by the reader, so the same study
// read under two designs shares them whoever reads it: its base reading time is the same (scaled by each reader's
// speed factor and pace), and it is wrong under both designs or only under the one with the higher error
// probability.
