import Testing
@testable import Stochastic
