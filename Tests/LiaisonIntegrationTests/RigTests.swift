import Foundation
import Testing
import LiaisonTestSupport

/// Every test that touches the rig lives under this suite: `.serialized` applies to the nested
/// suites too, so no two of them use the rig's mailboxes at once. Each test resets the rig first.
@Suite(.serialized) struct RigTests {
    @Test func rigIsPresentWhenRequired() {
        #expect(
            Rig.available || !Rig.required,
            "LIAISON_REQUIRE_RIG=1 but the mail rig is not configured: \(Rig.missing.joined(separator: ", ")) unset. Run `bash scripts/mailrig start` and `eval \"$(bash scripts/mailrig env)\"`."
        )
    }
}
