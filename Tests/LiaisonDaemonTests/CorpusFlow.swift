import Foundation
import LiaisonCore
import LiaisonMail
import LiaisonStore
import LiaisonTestSupport
import Testing
@testable import LiaisonDaemon

/// What the daemon's flow tests share: the corpus's organisation written out (staff 王芳 and
/// 张伟), instants in ISO 8601, the corpus's messages by number, and a temporary store with the
/// real templates, reminder engine and filing pipeline over it.
enum FlowFixtures {
    static let organization = try! Organization(
        name: "示例科技有限公司", internalDomains: ["corp.example"], trackingAddress: "track@corp.example",
        authservID: "mx.corp.example", timeZone: "Asia/Shanghai", workdayStart: "09:00", workdayEnd: "18:00",
        staff: ["王芳": "wang.fang@corp.example", "张伟": "zhang.wei@corp.example"])

    static func instant(_ s: String) -> Date {
        guard let d = ISO8601DateFormatter().date(from: s) else { fatalError("bad instant \(s)") }
        return d
    }

    /// The bytes of the corpus message whose name starts with `prefix-`, e.g. "01".
    static func corpusMessage(_ prefix: String) throws -> [UInt8] {
        let dir = CorpusLocation.directory
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .first { $0.hasPrefix(prefix + "-") && $0.hasSuffix(".eml") }, "no corpus message \(prefix) in \(dir.path)")
        return CorpusLocation.bytes(dir.appendingPathComponent(name))
    }
}

/// A new SQLite store in a temporary folder with the repository's templates, a `ReminderEngine`
/// and an `IngestPipeline` filing through the one path, as `liaison serve` assembles them.
struct CorpusFlow {
    let dir: URL
    let store: SQLiteStore
    let engine: ReminderEngine
    let pipeline: IngestPipeline

    init(_ label: String, organization: Organization = FlowFixtures.organization) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        store = try TestStores.sqlite(path: dir.appendingPathComponent("liaison.db").path)
        let templates = try MailTemplates(directory: CorpusLocation.packageRoot.appendingPathComponent("Templates").path)
        let renderer = NoticeRenderer(templates: templates, config: TemplateConfig(), organization: organization,
                                      from: Address(name: "Liaison 沟通跟踪", address: "track@corp.example"))
        engine = ReminderEngine(planner: ReminderPlanner(organization: organization, rules: .defaults), renderer: renderer, store: store)
        pipeline = IngestPipeline(organization: organization, store: store, followUps: engine)
    }

    func cleanup() { try? FileManager.default.removeItem(at: dir) }
}
