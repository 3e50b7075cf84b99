import Foundation
import LiaisonCore
import LiaisonStore
import LiaisonTransport
import LiaisonTransportFakes
@testable import LiaisonDaemon

extension ReminderEngine {
    /// The outbox's render step (`OutboxSender.renderNotices`), as `liaison serve` runs it after
    /// the commit: the notices recorded by filing or firing become mails with bytes.
    @discardableResult
    func renderRecorded() throws -> OutboxSender.Rendering {
        try OutboxSender(store: store, sender: RecordingMailSender(script: []), renderNotice: { try self.render($0) }).renderNotices()
    }
}
