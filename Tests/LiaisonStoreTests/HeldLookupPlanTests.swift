import Foundation
import GRDB
import LiaisonCore
@testable import LiaisonStore
import LiaisonTestSupport
import Testing

/// The lookups every arriving message makes in `held` go by the hash and Message-ID indexes: by
/// `held_status` (every pending hold matches) each one was a scan, and a backlog of held mail
/// drained in quadratic time (scripts/bench-backlog, 2 Dec 2026).
@Suite("Held-mail lookups use their indexes")
struct HeldLookupPlanTests {
    @Test func pendingHeldLookupsAreIndexSearches() throws {
        try withTemporarySQLiteStore("held-plan") { store in
            let plan = store.queryPlan
            let byHash = try plan(SQLiteStore.pendingHeldByHashSQL, ["h"])
            #expect(byHash.contains("held_hash"), "\(byHash)")
            #expect(!byHash.contains("held_status"), "\(byHash)")
            let byMessage = try plan(SQLiteStore.pendingHeldByMessageSQL, ["<m@x>", "a@b", "s", 0])
            #expect(byMessage.contains("held_message_id"), "\(byMessage)")
            #expect(!byMessage.contains("held_status"), "\(byMessage)")
            let unprocessable = try plan(SQLiteStore.unprocessableHeldSQL, ["h", "unprocessable"])
            #expect(unprocessable.contains("held_hash"), "\(unprocessable)")
            #expect(!unprocessable.contains("held_status"), "\(unprocessable)")
        }
    }
}
