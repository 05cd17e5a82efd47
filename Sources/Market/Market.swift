// Market agents and behaviour models (issue 5); see ARCHITECTURE.md.
//
// This file is the map of the behaviour models (part 1 of issue 5). Each is a value type, pure and deterministic:
// it draws only from the `RandomStream`s passed in and never lets Dictionary/Set order decide anything. The agents
// that act through transactions (part 2) call them:
//
// | model                 | called when                              | streams (suggested names)               |
// |-----------------------|------------------------------------------|-----------------------------------------|
// | StudyGenerator        | a client's next arrival                  | study.<client>.<source>.{arrivals, attributes, truth, identity} (fixed) |
// | ReadingTimeModel      | a radiologist joins / starts a read      | speed.<radiologist>, read.<radiologist> |
// | ErrorModel (+ AI)     | a read ends                              | error.<radiologist>                     |
// | BurnoutModel          | each radiologist's day ends              | burnout.<radiologist> (initial state, exits, hours cut) |
// | PaceChoice            | a shift starts (or the design changes)   | none                                    |
// | PricingStrategy       | a price is posted / a day ends           | none                                    |
// | RoutingPolicy         | a client posts or reposts a study        | none                                    |
// | ClaimingPolicy        | a radiologist sees open studies          | none                                    |
// | ReferrerFeedback      | a report is committed                    | feedback.<client>                       |
// | PeerReviewModel       | a report is committed (sampling), review | review.sample, review.<reviewer>        |
//
// Streams named per radiologist or client keep common random numbers across market designs: the same radiologist
// draws the same speed factor and the same sequence of read uniforms under every design.
