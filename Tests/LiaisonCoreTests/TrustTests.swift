import Foundation
import LiaisonMail
import Testing
@testable import LiaisonCore

// Issue 12 parts 1–2: trust from the topmost Authentication-Results of our own MX only, and the
// arrival time from our MX's topmost Received stamp (else the fetch), never the sender's Date.

private let trustOrg = Organization(name: "示例科技有限公司", internalDomains: ["corp.example"], trackingAddress: "track@corp.example",
                               authservID: "mx.corp.example", staff: ["张伟": "zhang.wei@corp.example"])

/// Tests/Fixtures/trust/NAME (copies of ../shared/hostile).
func trustFixture(_ name: String) throws -> [UInt8] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/trust/\(name)")
    return Array(try #require(FileManager.default.contents(atPath: url.path), "missing fixture \(url.path)"))
}

/// A staff message from zhang.wei with `headers` on top (in order), as an MX chain would leave it.
private func staffMail(_ headers: [String], date: String = "Tue, 17 Nov 2026 15:40:00 +0800") -> Message {
    let text = (headers + [
        "From: 张伟 <zhang.wei@corp.example>", "To: liu.yang@huadong-precision.example", "Cc: track@corp.example",
        "Subject: 回复:投诉", "Date: \(date)", "Message-ID: <t1@corp.example>", "", "已安排更换。", "",
    ]).joined(separator: "\r\n")
    return MessageParser.parse(Array(text.utf8))
}

private let passAR = "Authentication-Results: mx.corp.example; spf=pass smtp.mailfrom=corp.example; dkim=pass header.d=corp.example; dmarc=pass header.from=corp.example"
private let failAR = "Authentication-Results: mx.corp.example; spf=fail smtp.mailfrom=attacker.example; dkim=none; dmarc=fail header.from=corp.example"

@Suite struct SenderTrustTopmostTests {
    @Test func forgedPassBelowOurFailIsNotTrusted() throws {
        for name in ["recap-forged-only.eml", "forged-staff-reply.eml"] {
            let m = MessageParser.parse(try trustFixture(name))
            #expect(m.header.all("Authentication-Results").count == 2, "\(name)")
            #expect(!SenderTrust.isTrusted(m, organization: trustOrg), "\(name)")
            let facts = MessageFacts(message: m, organization: trustOrg)
            #expect(!facts.senderTrusted, "\(name)")
            #expect(facts.kind != .recap, "\(name)")
            #expect(facts.recap == nil, "\(name)")
        }
    }

    @Test func ourPassOnTopIsTrustedWhateverIsBelow() {
        #expect(SenderTrust.isTrusted(staffMail([passAR]), organization: trustOrg))
        // A fail written below by the sender cannot take away our own verdict either.
        #expect(SenderTrust.isTrusted(staffMail([passAR, failAR]), organization: trustOrg))
        #expect(!SenderTrust.isTrusted(staffMail([failAR, passAR]), organization: trustOrg))
        #expect(!SenderTrust.isTrusted(staffMail([failAR]), organization: trustOrg))
        #expect(!SenderTrust.isTrusted(staffMail([]), organization: trustOrg))
    }

    @Test func otherAuthservIDsAreIgnoredWhereverTheyStand() {
        let other = "Authentication-Results: mx.attacker.example; dmarc=pass header.from=corp.example"
        // Above ours: skipped, ours decides.
        #expect(!SenderTrust.isTrusted(staffMail([other, failAR]), organization: trustOrg))
        #expect(SenderTrust.isTrusted(staffMail([other, passAR]), organization: trustOrg))
        // Alone: nobody of ours said anything.
        #expect(!SenderTrust.isTrusted(staffMail([other]), organization: trustOrg))
        // The id compares case-insensitively.
        #expect(SenderTrust.isTrusted(staffMail([passAR.replacingOccurrences(of: "mx.corp.example", with: "MX.Corp.Example")]), organization: trustOrg))
    }

    @Test func anUnreadableHeaderWithOurIDDecidesNothingBelowIt() {
        // Ours (topmost) unreadable: a readable pass below must not stand in for it.
        let broken = "Authentication-Results: mx.corp.example"
        #expect(!SenderTrust.isTrusted(staffMail([broken, passAR]), organization: trustOrg))
    }

    @Test func aPassMustBeForTheFromDomain() {
        let elsewhere = "Authentication-Results: mx.corp.example; spf=pass smtp.mailfrom=attacker.example; dkim=pass header.d=attacker.example; dmarc=pass header.from=attacker.example"
        #expect(!SenderTrust.isTrusted(staffMail([elsewhere]), organization: trustOrg))
    }

    @Test func thousandsOfHeadersCostABoundedLook() {
        // 5,000 headers of another id above ours: past the bound, untrusted (and fast).
        let other = "Authentication-Results: relay.example; none"
        let m = staffMail(Array(repeating: other, count: 5_000) + [passAR])
        #expect(!SenderTrust.isTrusted(m, organization: trustOrg))
        #expect(SenderTrust.isTrusted(staffMail(Array(repeating: other, count: SenderTrust.maxFields - 1) + [passAR]), organization: trustOrg))
    }

    @Test func noAuthservIDConfiguredTrustsNobody() {
        var o = trustOrg
        o.authservID = ""
        #expect(!SenderTrust.isTrusted(staffMail([passAR]), organization: o))
    }
}

@Suite struct ArrivalTests {
    let fetched = ISO8601DateFormatter().date(from: "2026-11-17T10:30:00Z")!  // 18:30 in Shanghai

    func mail(_ received: [String], date: String = "Fri, 1 Jan 2027 00:00:00 +0800") -> Message {
        staffMail(received.map { "Received: \($0)" }, date: date)
    }

    @Test func theTopmostStampOfOurMXIsTheArrivalNotTheDate() {
        let m = mail(["from mx.corp.example by imap.corp.example with LMTP; Tue, 17 Nov 2026 18:03:05 +0800",
                      "from client.example by mx.corp.example (Postfix) with ESMTPS; Tue, 17 Nov 2026 18:03:01 +0800",
                      // The sender's own, below: never looked at.
                      "from me by me; Fri, 1 Jan 2027 00:00:00 +0800"])
        let a = Arrival.of(m, organization: trustOrg, fetchedAt: fetched)
        #expect(a.source == .received)
        #expect(ISOTime.string(a.date, in: TimeZone(identifier: "Asia/Shanghai")!) == "2026-11-17T18:03:05+08:00")
    }

    @Test func noUsableStampMeansTheFetchTime() {
        #expect(Arrival.of(mail([]), organization: trustOrg, fetchedAt: fetched) == Arrival(date: fetched, source: .fetched, note: "no Received field"))
        let junk = Arrival.of(mail(["by imap.corp.example; not a date"]), organization: trustOrg, fetchedAt: fetched)
        #expect(junk.date == fetched && junk.source == .fetched)
        // A stamp later than the fetch cannot be our MX's (skew, or a forgery where our MX wrote none).
        let future = Arrival.of(mail(["by imap.corp.example; Fri, 1 Jan 2027 00:00:00 +0800"]), organization: trustOrg, fetchedAt: fetched)
        #expect(future.date == fetched && future.source == .fetched)
    }

    @Test func mxHostsNameWhoseStampCounts() {
        var o = trustOrg
        o.mxHosts = ["imap.corp.example", "mx.corp.example"]
        let ours = mail(["from mx.corp.example by IMAP.corp.example with LMTP; Tue, 17 Nov 2026 18:03:05 +0800"])
        #expect(Arrival.of(ours, organization: o, fetchedAt: fetched).source == .received)
        let theirs = mail(["from x by relay.attacker.example; Tue, 17 Nov 2026 08:00:00 +0800"])
        let a = Arrival.of(theirs, organization: o, fetchedAt: fetched)
        #expect(a.date == fetched && a.source == .fetched)
    }

    @Test func theServiceClockOffsetMovesOurStamp() {
        // serve --now put the clock 15 days back: a stamp written (in real time) 40 s before the
        // fetch arrives 40 s before the service's now.
        let offset: TimeInterval = -15 * 86_400
        let real = fetched.addingTimeInterval(-offset)
        let stamp = real.addingTimeInterval(-40)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(secondsFromGMT: 0)
        f.dateFormat = "EEE, d MMM yyyy HH:mm:ss Z"
        let m = mail(["by imap.corp.example; \(f.string(from: stamp))"])
        let a = Arrival.of(m, organization: trustOrg, fetchedAt: fetched, clockOffset: offset)
        #expect(a.source == .received)
        #expect(a.date == fetched.addingTimeInterval(-40))
    }

    @Test func anArchiveImportUsesTheDate() {
        let m = mail(["by imap.corp.example; Tue, 17 Nov 2026 18:03:05 +0800"], date: "Tue, 17 Nov 2026 18:02:45 +0800")
        let a = Arrival.imported(m, fallback: fetched)
        #expect(a.source == .dateHeader)
        #expect(a.date == m.date?.date)
    }
}
