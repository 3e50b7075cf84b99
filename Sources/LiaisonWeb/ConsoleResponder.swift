import Foundation
import Hummingbird
import HummingbirdCore
import HTTPTypes
import LiaisonCore
import LiaisonDaemon
import LiaisonMail
import LiaisonStore
import Logging
import NIOCore

/// A request's context: Hummingbird's core plus the client's address (the rate limits' key).
public struct WebContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address ("unknown" when the channel has none). Behind a reverse proxy every
    /// request comes from the proxy: the per-client limit then counts the proxy as one client.
    public let client: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        client = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    public var maxUploadSize: Int { ConsoleLimits.maxFormBytes }
}

/// Every route of the console, behind one function so that every answer (pages, redirects,
/// errors, downloads, metrics) gets the security headers, and anything not allowed — no case,
/// another's case, a path that does not exist — is the same 404.
struct ConsoleResponder: HTTPResponder {
    typealias Context = WebContext
    let console: WebConsole
    let servesConsole: Bool
    let servesMetrics: Bool

    static let sessionCookie = "liaison_session"
    static let browserCookie = "liaison_signin"

    func respond(to request: Request, context: WebContext) async throws -> Response {
        let site = console.site
        let lang = PageLanguage.negotiate(request.headers[.acceptLanguage])
        var response: Response
        do {
            response = try await route(request, context: context, site: site, lang: lang)
        } catch let e as StoreError where e.isFault {
            console.logger.error("console: store unavailable", metadata: ["reason": "\(e)"])
            response = page(site, lang, status: .serviceUnavailable, visit: nil, message: WebWords.word("unavailable", lang))
        } catch {
            console.logger.error("console: request failed", metadata: ["path": "\(request.uri.path.prefix(200))", "reason": "\(error)"])
            response = page(site, lang, status: .internalServerError, visit: nil, message: WebWords.word("badRequest", lang))
        }
        Self.secure(&response.headers)
        return response
    }

    /// The headers of every answer.
    static func secure(_ h: inout HTTPFields) {
        // A handler may set a stricter one (downloads: sandbox) or the report's (its inline style).
        if h[.contentSecurityPolicy] == nil {
            h[.contentSecurityPolicy] = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        }
        h[.xContentTypeOptions] = "nosniff"
        h[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        h[HTTPField.Name("X-Frame-Options")!] = "DENY"
        if h[.cacheControl] == nil { h[.cacheControl] = "no-store" }
    }

    /// Who is asking: the session's address, when the cookie names a live session.
    struct Visit {
        var user: String
        var sessionToken: String
        var manager: Bool
        var csrf: String { WebTokens.csrf(sessionToken: sessionToken) }
    }

    func visit(_ request: Request, site: WebConsole.Site) async throws -> Visit? {
        guard let token = request.cookies[Self.sessionCookie]?.value, WebTokens.isWellFormed(Substring(token)) else { return nil }
        let hash = WebTokens.hash(token)
        let now = console.now()
        let store = console.store
        guard let s = try await console.blocking({ try store.session(tokenHash: hash, now: now) }) else { return nil }
        return Visit(user: s.address, sessionToken: token, manager: site.managers.contains(s.address))
    }

    // MARK: - Routing

    func route(_ request: Request, context: WebContext, site: WebConsole.Site, lang: PageLanguage) async throws -> Response {
        let path = request.uri.path
        guard path.utf8.count <= 1_024 else { return notFound(site, lang, nil) }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        let get = request.method == .get, post = request.method == .post
        if servesMetrics && get {
            if parts == ["healthz"] { return await health() }
            if parts == ["metrics"] { return await metrics() }
        }
        guard servesConsole else { return Self.plain(.notFound, "not found\n") }
        if get && parts == ["static", "console.css"] {
            var r = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: site.pages.css)))
            r.headers[.contentType] = "text/css; charset=utf-8"
            r.headers[.cacheControl] = "public, max-age=3600"
            return r
        }
        if parts.first == "signin" {
            if get && parts.count == 1 { return await signInPage(site, lang, message: nil, status: .ok) }
            if post && parts.count == 1 { return try await requestLink(request, context: context, site: site, lang: lang) }
            if get && parts.count == 2 { return try await openLink(request, token: parts[1], context: context, site: site, lang: lang) }
            return notFound(site, lang, nil)
        }
        let visit = try await visit(request, site: site)
        guard let visit else {
            // Every other page needs a session: to the sign-in page (whether or not the path exists).
            if get || post { return Self.redirect("/signin") }
            return notFound(site, lang, nil)
        }
        if parts.isEmpty && get { return Self.redirect("/cases") }
        if parts == ["signout"] && post { return try await signOut(request, visit: visit, context: context, site: site, lang: lang) }
        if parts.first == "cases" {
            if parts.count == 1 && get { return try await casesPage(request, visit: visit, site: site, lang: lang) }
            let number = String(parts[1])
            guard CaseNumberText.isPlausible(number) else { return notFound(site, lang, visit) }
            // Visibility first: a case the visitor may not see is a 404 for every path under it.
            guard try await mayView(number, visit: visit) else { return notFound(site, lang, visit) }
            if parts.count == 2 && get { return try await casePage(number, visit: visit, site: site, lang: lang) }
            if get, parts.count == 6, parts[2] == "messages", parts[4] == "attachments", let id = Int64(parts[3]), let k = Int(parts[5]) {
                return try await attachment(number, messageID: id, index: k, visit: visit, site: site, lang: lang)
            }
            if post {
                return try await action(request, number: number, parts: Array(parts.dropFirst(2)), visit: visit, site: site, lang: lang)
            }
        }
        if parts == ["report.xlsx"] && get { return try await reportXLSX(request, visit: visit, site: site, lang: lang) }
        if parts == ["report"] && get { return try await reportPage(request, visit: visit, site: site, lang: lang) }
        return notFound(site, lang, visit)
    }

    func mayView(_ number: String, visit: Visit) async throws -> Bool {
        let store = console.store
        if visit.manager { return try await console.blocking { try store.caseWithNumber(number) != nil } }
        let user = visit.user
        return try await console.blocking { try store.canSee(caseNumber: number, address: user) }
    }

    // MARK: - Operators

    func health() async -> Response {
        let probe = console.probe
        let h = (try? await console.blocking { probe.health() }) ?? (healthy: false, reason: "the probe did not answer")
        return Self.plain(h.healthy ? .ok : .serviceUnavailable, (h.healthy ? "ok" : h.reason) + "\n")
    }

    func metrics() async -> Response {
        let probe = console.probe
        let text = (try? await console.blocking { probe.metricsText() }) ?? ""
        var r = Self.plain(.ok, text)
        r.headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return r
    }

    // MARK: - Sign-in

    func signInPage(_ site: WebConsole.Site, _ lang: PageLanguage, message: String?, status: HTTPResponse.Status, address: String? = nil) async -> Response {
        var ctx = base(site, lang, visit: nil, title: WebWords.word("signIn", lang))
        if let message { ctx["message"] = message }
        if let address { ctx["address"] = address }
        return html(status, site.pages.render("signin", ctx))
    }

    /// `POST /signin`: the same answer for every well-formed address (mailed or not), unless a
    /// rate limit bites (429, also the same for every address).
    func requestLink(_ request: Request, context: WebContext, site: WebConsole.Site, lang: PageLanguage) async throws -> Response {
        guard let form = try await Self.form(request) else {
            return html(.contentTooLarge, page(site, lang, status: .contentTooLarge, visit: nil, message: WebWords.word("badRequest", lang)))
        }
        let existing = request.cookies[Self.browserCookie]?.value
        let browser = existing.map { WebTokens.isWellFormed(Substring($0)) } == true ? existing! : WebTokens.random()
        let cookie = Self.cookie(Self.browserCookie, browser, path: "/signin", maxAge: ConsoleLimits.linkMinutes * 60, secure: site.settings.isTLS)
        guard let raw = form.text("address"), raw.utf8.count <= 254, MailAddressCheck.isPlain(raw), raw.contains("@") else {
            var r = await signInPage(site, lang, message: WebWords.word("badAddress", lang), status: .badRequest)
            r.headers.append(HTTPField(name: .setCookie, value: cookie))
            return r
        }
        let address = raw.lowercased()
        let now = console.now(), client = context.client, store = console.store
        let since = now.addingTimeInterval(-ConsoleLimits.rateWindow)
        let (byAddress, byClient) = try await console.blocking {
            (try store.signInAttempts(address: address, client: nil, since: since), try store.signInAttempts(address: nil, client: client, since: since))
        }
        var status: HTTPResponse.Status = .ok
        var message = WebWords.word("checkMail", lang)
        let outcome: SignInEvent.Outcome
        if byAddress >= ConsoleLimits.perAddress || byClient >= ConsoleLimits.perClient {
            outcome = .rateLimited
            status = .tooManyRequests
            message = WebWords.word("tooMany", lang)
            try await console.blocking { try store.recordSignIn(SignInEvent(at: now, address: address, client: client, outcome: .rateLimited,
                                                                             detail: byAddress >= ConsoleLimits.perAddress ? "address" : "client")) }
        } else if !site.organization.isInternal(address) {
            outcome = .refusedOutsider
            try await console.blocking { try store.recordSignIn(SignInEvent(at: now, address: address, client: client, outcome: .refusedOutsider)) }
        } else {
            outcome = .linkSent
            let token = WebTokens.random()
            let expires = now.addingTimeInterval(TimeInterval(ConsoleLimits.linkMinutes * 60))
            let mail = try site.mailer.compose(to: address, link: "\(site.settings.baseURL)/signin/\(token)",
                                               validMinutes: ConsoleLimits.linkMinutes, expiresAt: expires, now: now)
            let link = NewSignInLink(tokenHash: WebTokens.hash(token), address: address, browserHash: WebTokens.hash(browser), expiresAt: expires)
            try await console.blocking {
                try store.createSignInLink(link, mail: mail, now: now)
                try store.recordSignIn(SignInEvent(at: now, address: address, client: client, outcome: .linkSent))
            }
            console.afterChange()
        }
        console.logger.notice("console sign-in requested", metadata: ["address": "\(address)", "client": "\(client)", "outcome": "\(outcome.rawValue)"])
        var r = await signInPage(site, lang, message: message, status: status, address: address)
        r.headers.append(HTTPField(name: .setCookie, value: cookie))
        return r
    }

    /// `GET /signin/{token}`: in the browser that asked, a session and a redirect to /cases.
    func openLink(_ request: Request, token: Substring, context: WebContext, site: WebConsole.Site, lang: PageLanguage) async throws -> Response {
        let now = console.now(), client = context.client, store = console.store
        let browser = request.cookies[Self.browserCookie]?.value
        let result: LinkRedemption
        if WebTokens.isWellFormed(token) {
            let hash = WebTokens.hash(String(token)), browserHash = browser.map(WebTokens.hash) ?? ""
            result = try await console.blocking { try store.redeemSignInLink(tokenHash: hash, browserHash: browserHash, now: now) }
        } else {
            result = .unknown
        }
        guard case .signedIn(let address) = result else {
            try await console.blocking { try store.recordSignIn(SignInEvent(at: now, address: "", client: client, outcome: .linkRefused, detail: "\(result)")) }
            console.logger.notice("console sign-in link refused", metadata: ["client": "\(client)", "why": "\(result)"])
            return await signInPage(site, lang, message: WebWords.word("linkInvalid", lang), status: .badRequest)
        }
        let session = WebTokens.random()
        let sessionHash = WebTokens.hash(session)
        try await console.blocking {
            try store.createSession(tokenHash: sessionHash, address: address, now: now, expiresAt: now.addingTimeInterval(ConsoleLimits.sessionSeconds))
            try store.recordSignIn(SignInEvent(at: now, address: address, client: client, outcome: .signedIn))
        }
        console.logger.notice("console sign-in", metadata: ["address": "\(address)", "client": "\(client)"])
        var r = Self.redirect("/cases")
        r.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.sessionCookie, session, path: "/", maxAge: Int(ConsoleLimits.sessionSeconds),
                                                                         secure: site.settings.isTLS)))
        r.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.browserCookie, "", path: "/signin", maxAge: 0, secure: site.settings.isTLS)))
        return r
    }

    func signOut(_ request: Request, visit: Visit, context: WebContext, site: WebConsole.Site, lang: PageLanguage) async throws -> Response {
        guard let form = try await Self.form(request), Self.csrfOK(form, visit) else { return csrfFailed(site, lang, visit) }
        let now = console.now(), store = console.store, hash = WebTokens.hash(visit.sessionToken), user = visit.user, client = context.client
        try await console.blocking {
            try store.endSession(tokenHash: hash, now: now)
            try store.recordSignIn(SignInEvent(at: now, address: user, client: client, outcome: .signedOut))
        }
        var r = Self.redirect("/signin")
        r.headers.append(HTTPField(name: .setCookie, value: Self.cookie(Self.sessionCookie, "", path: "/", maxAge: 0, secure: site.settings.isTLS)))
        return r
    }

    static func csrfOK(_ form: WebForm, _ visit: Visit) -> Bool {
        guard let sent = form["csrf"] else { return false }
        return WebTokens.constantTimeEqual(sent, visit.csrf)
    }

    // MARK: - Pages

    func casesPage(_ request: Request, visit: Visit, site: WebConsole.Site, lang: PageLanguage) async throws -> Response {
        let q = WebForm(Substring(request.uri.query ?? ""))
        let status = q.text("status").flatMap(CaseStatus.init(rawValue:))
        // The page: after (older than) or before (newer than) a case number; anything else, the newest.
        var cursor: WebCaseFilter.Cursor?
        if let n = q.text("before"), CaseNumberText.isPlausible(n) { cursor = .olderThan(n) }
        else if let n = q.text("after"), CaseNumberText.isPlausible(n) { cursor = .newerThan(n) }
        let filter = WebCaseFilter(status: status, owner: q.text("owner"), category: q.text("category"), counterparty: q.text("counterparty"),
                                   search: q.text("q"), limit: ConsoleLimits.listLimit + 1, cursor: cursor)
        let store = console.store, now = console.now(), who: String? = visit.manager ? nil : visit.user
        var rows = try await console.blocking { try store.webCases(visibleTo: who, filter: filter, now: now) }
        // One row more than a page says whether there is more in the direction read.
        let more = rows.count > ConsoleLimits.listLimit
        if more {
            if case .newerThan = cursor { rows.removeFirst(rows.count - ConsoleLimits.listLimit) } else { rows.removeLast(rows.count - ConsoleLimits.listLimit) }
        }
        let hasOlder: Bool, hasNewer: Bool
        switch cursor {
        case nil: (hasOlder, hasNewer) = (more, false)
        case .olderThan: (hasOlder, hasNewer) = (more, true)
        case .newerThan: (hasOlder, hasNewer) = (true, more)
        }
        var kept: [(String, String)] = []
        if let status { kept.append(("status", status.rawValue)) }
        for key in ["owner", "category", "counterparty", "q"] { if let v = q.text(key), !v.isEmpty { kept.append((key, v)) } }
        func link(_ extra: (String, String)?) -> String {
            let pairs = kept + (extra.map { [$0] } ?? [])
            return "/cases" + (pairs.isEmpty ? "" : "?" + pairs.map { "\($0.0)=\(WebForm.encode($0.1))" }.joined(separator: "&"))
        }
        let clock = WallClock(timeZone: site.organization.timeZone)
        var ctx = base(site, lang, visit: visit, title: WebWords.word("cases", lang))
        var statuses: [[String: Any]] = [["value": "", "label": WebWords.word("any", lang), "selected": status == nil]]
        for s in CaseStatus.allCases {
            statuses.append(["value": s.rawValue, "label": WebWords.word(s.rawValue, lang), "selected": status == s])
        }
        ctx["statuses"] = statuses
        ctx["filter"] = ["owner": q.text("owner") ?? "", "category": q.text("category") ?? "", "counterparty": q.text("counterparty") ?? "",
                         "q": q.text("q") ?? ""]
        ctx["hasRows"] = !rows.isEmpty
        if let last = rows.last, hasOlder { ctx["olderLink"] = link(("before", last.number)) }
        if let first = rows.first, hasNewer { ctx["newerLink"] = link(("after", first.number)) }
        if cursor != nil { ctx["newestLink"] = link(nil) }
        ctx["paged"] = ctx["olderLink"] != nil || ctx["newerLink"] != nil || cursor != nil
        // The table body is written as bytes from the typed rows (`CaseListRows`, every value
        // escaped), where the template marks it; the rest of the page is the template's.
        let body = CaseListRows(lang: lang, clock: clock, staff: site.organization.staff).render(rows)
        var r = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: site.pages.render("cases", ctx, inserting: body))))
        r.headers[.contentType] = "text/html; charset=utf-8"
        return r
    }

    struct CaseData: Sendable {
        var c: Case
        var mail: [Correspondence]
        var recaps: [RecapRecord]
        var events: [CaseEvent]
        var reminders: [Reminder]
    }

    func casePage(_ number: String, visit: Visit, site: WebConsole.Site, lang: PageLanguage) async throws -> Response {
        let store = console.store
        guard let data = try await console.blocking({ () -> CaseData? in
            guard let c = try store.caseWithNumber(number) else { return nil }
            return CaseData(c: c, mail: try store.correspondence(caseNumber: number), recaps: try store.recaps(caseNumber: number),
                            events: try store.events(caseNumber: number), reminders: try store.reminders(caseNumber: number, status: nil, dueBefore: nil))
        }) else { return notFound(site, lang, visit) }
        let now = console.now()
        let clock = WallClock(timeZone: site.organization.timeZone)
        let c = data.c
        var ctx = base(site, lang, visit: visit, title: number)
        ctx["number"] = number
        ctx["caseNumber"] = number
        // Reading the messages (bounded like filing: ParseLimits) happens off the pool too.
        let messages = try await console.blocking { data.mail.map { m in (m, MessageParser.parse(m.raw)) } }
        ctx["subject"] = data.mail.first?.subject ?? ""
        ctx["status"] = WebWords.word(c.status.rawValue, lang)
        ctx["isOpen"] = c.status == .open
        ctx["owner"] = Self.person(c.owner, site)
        ctx["counterparty"] = Self.counterparty(c.counterparty.organization, c.counterparty.contacts)
        ctx["category"] = Self.category(c.category, lang)
        ctx["opened"] = Self.time(c.openedAt, clock)
        if let flash = console.takeFlash(session: visit.sessionToken, caseNumber: number) {
            ctx["flash"] = flash.text(lang)
            ctx["flashKind"] = flash.refused ? "refused" : "applied"
        }
        ctx["recaps"] = data.recaps.reversed().map { r -> [String: Any] in
            var state: String
            var disputed = false
            switch r.state {
            case .pending: state = WebWords.word("pending", lang)
            case .confirmed: state = WebWords.word("confirmed", lang)
            case .disputed(_, let items):
                disputed = true
                state = WebWords.word("disputed", lang) + (items.isEmpty ? "" : " (" + items.map(String.init).joined(separator: ", ") + ")")
            }
            return [
                "sentAt": r.recap.sentAt.map { Self.time($0, clock) } ?? "", "author": Self.person(r.recap.author, site), "state": state,
                "disputed": disputed,
                "items": r.recap.items.map { i -> [String: Any] in
                    let pending = i.status == .open || i.status == .rescheduled
                    var item: [String: Any] = [
                        "number": i.number, "recapID": r.id, "task": i.task, "owner": i.owner ?? Self.person(i.ownerAddress, site),
                        "due": i.due.map { Self.time($0, clock) } ?? (i.dueNote ?? WebWords.word("notStated", lang)),
                        "status": Self.itemStatus(i, lang, clock), "pending": pending,
                    ]
                    if pending, let due = i.due, due < now { item["overdue"] = true }
                    return item
                },
            ]
        }
        ctx["messages"] = messages.map { pair -> [String: Any] in
            let (m, parsed) = pair
            var attachments: [[String: Any]] = []
            for (k, a) in parsed.attachments.enumerated() {
                attachments.append(["index": k, "name": a.filename ?? "attachment-\(k + 1)", "size": a.size, "type": a.contentType, "id": m.id ?? 0])
            }
            return [
                "id": m.id ?? 0, "direction": m.direction.rawValue, "directionLabel": WebWords.word(m.direction.rawValue, lang),
                "date": m.date.map { Self.time($0, clock) } ?? "", "sender": m.sender ?? "", "subject": m.subject ?? "",
                "text": String(parsed.text.prefix(200_000)), "hasAttachments": !attachments.isEmpty, "attachments": attachments,
            ]
        }
        ctx["hasEvents"] = !data.events.isEmpty
        ctx["events"] = data.events.map { ["at": Self.time($0.at, clock), "kind": $0.kind.rawValue, "detail": $0.detail] as [String: Any] }
        ctx["hasReminders"] = !data.reminders.isEmpty
        ctx["reminders"] = data.reminders.map {
            ["fireAt": Self.time($0.fireAt, clock), "kind": $0.kind.rawValue, "status": $0.status.rawValue + ($0.late ? " (late)" : ""),
             "recipients": $0.recipients.joined(separator: ", ")] as [String: Any]
        }
        return html(.ok, site.pages.render("case", ctx))
    }

    /// `GET /cases/{n}/messages/{id}/attachments/{k}`: the bytes as a download, never as a page:
    /// `Content-Disposition: attachment`, a content type from a short list of inert ones (else
    /// `application/octet-stream`), `nosniff`, and a sandboxing CSP.
    func attachment(_ number: String, messageID: Int64, index: Int, visit: Visit, site: WebConsole.Site, lang: PageLanguage) async throws -> Response {
        let store = console.store
        let found = try await console.blocking { () -> (Attachment, [UInt8])? in
            guard let m = try store.correspondence(caseNumber: number).first(where: { $0.id == messageID }) else { return nil }
            let all = MessageParser.parse(m.raw).attachmentContents()
            return all.indices.contains(index) ? all[index] : nil
        }
        guard let (a, bytes) = found else { return notFound(site, lang, visit) }
        var r = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        r.headers[.contentType] = DownloadSafety.contentType(a.contentType)
        r.headers[.contentDisposition] = DownloadSafety.disposition(a.filename ?? "attachment-\(index + 1)")
        r.headers[.cacheControl] = "private, no-store"
        r.headers[.contentSecurityPolicy] = "default-src 'none'; sandbox"
        return r
    }

    // MARK: - Actions

    /// POST under `/cases/{n}/…`: CSRF first, then the change through `ReminderEngine.change`
    /// (the mail commands' path), then 303 back to the case page with what happened.
    func action(_ request: Request, number: String, parts: [Substring], visit: Visit, site: WebConsole.Site, lang: PageLanguage) async throws -> Response {
        guard let form = try await Self.form(request) else {
            return page(site, lang, status: .contentTooLarge, visit: visit, message: WebWords.word("badRequest", lang))
        }
        guard Self.csrfOK(form, visit) else { return csrfFailed(site, lang, visit) }
        let recapID = form.text("recap").flatMap(Int64.init)
        let change: CaseChange
        switch parts.map(String.init) {
        case ["resolve"]: change = .resolve
        case ["reopen"]: change = .reopen
        case ["assign"]:
            guard let owner = form.text("owner")?.lowercased(), MailAddressCheck.isPlain(owner), site.organization.isInternal(owner) else {
                return back(number, visit, Flash(en: "the new owner must be a staff address", zh: "新负责人必须是本公司员工地址。", refused: true))
            }
            change = .assign(owner: owner)
        case let p where p.count == 3 && p[0] == "items":
            guard let item = Int(p[1]), (1...999).contains(item) else { return notFound(site, lang, visit) }
            switch p[2] {
            case "done": change = .itemDone(item: item, recapID: recapID)
            case "cancel": change = .itemCancelled(item: item, recapID: recapID)
            case "reschedule":
                guard let text = form.text("due"), let due = Self.due(text, site.organization) else {
                    return back(number, visit, Flash(en: "give the new due as a date", zh: "请填写新的截止日期。", refused: true))
                }
                change = .itemRescheduled(item: item, recapID: recapID, due: due)
            default: return notFound(site, lang, visit)
            }
        default: return notFound(site, lang, visit)
        }
        let engine = console.engine, now = console.now(), user = visit.user
        let outcome = try await console.blocking { try engine.change(change, caseNumber: number, by: user, at: now) }
        console.logger.notice("console action", metadata: ["case": "\(number)", "by": "\(user)", "change": "\(change)",
                                                           "refused": "\(outcome.refusal.map { "\($0)" } ?? "-")"])
        if outcome.refusal == nil { console.afterChange() }
        let flash = outcome.refusal.map { Flash(en: $0.description, zh: $0.chinese, refused: true) }
            ?? Flash(en: outcome.applied.map(\.en).joined(separator: "; "), zh: outcome.applied.map(\.zh).joined(separator: "；"), refused: false)
        return back(number, visit, flash)
    }

    func back(_ number: String, _ visit: Visit, _ flash: Flash) -> Response {
        console.putFlash(flash, session: visit.sessionToken, caseNumber: number)
        return Self.redirect("/cases/\(number)")
    }

    /// `YYYY-MM-DD` (the end of the workday that day, in the organisation's zone).
    static func due(_ text: String, _ org: Organization) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, text.count == 10, let day = LocalDate(year: parts[0], month: parts[1], day: parts[2]) else { return nil }
        return WallClock(timeZone: org.timeZone).instant(day, org.workdayEnd)
    }

    // MARK: - Report (managers)

    /// `GET /report?from=YYYY-MM-DD&to=YYYY-MM-DD` (managers; default the last 30 days): issue 15's
    /// page (`Report.html`, every value escaped, no script), served with a CSP that allows only its
    /// inline style.
    func reportPage(_ request: Request, visit: Visit, site: WebConsole.Site, lang: PageLanguage) async throws -> Response {
        guard visit.manager else { return notFound(site, lang, visit) }
        let (from, to) = reportRange(request, site)
        let store = console.store, now = console.now()
        let cases = try await console.blocking { try store.reportCases(from: from, to: to, owner: nil, details: true) }
        let clock = WallClock(timeZone: site.organization.timeZone)
        let report = Report.make(cases, fromLabel: String(Self.time(from, clock).prefix(10)), toLabel: String(Self.time(to.addingTimeInterval(-1), clock).prefix(10)),
                                 from: from, to: to, asOf: min(to, now))
        var r = html(.ok, report.html(organization: site.organization.name))
        r.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        return r
    }

    /// `from`/`to` days of the query in the organisation's zone (`to` inclusive); else the 30 days to now.
    func reportRange(_ request: Request, _ site: WebConsole.Site) -> (Date, Date) {
        let q = WebForm(Substring(request.uri.query ?? ""))
        let clock = WallClock(timeZone: site.organization.timeZone)
        func day(_ text: String?) -> LocalDate? {
            guard let text else { return nil }
            let p = text.split(separator: "-").compactMap { Int($0) }
            return p.count == 3 && text.count == 10 ? LocalDate(year: p[0], month: p[1], day: p[2]) : nil
        }
        let now = console.now()
        let to = day(q.text("to")).map { clock.instant($0.adding(days: 1), ClockTime(hour: 0, minute: 0)!) } ?? now
        let from = day(q.text("from")).map { clock.instant($0, ClockTime(hour: 0, minute: 0)!) } ?? to.addingTimeInterval(-30 * 86_400)
        return from < to ? (from, to) : (to.addingTimeInterval(-30 * 86_400), to)
    }

    /// `GET /report.xlsx` (managers): the follow-up table of the same range, issue 15's XLSX.
    func reportXLSX(_ request: Request, visit: Visit, site: WebConsole.Site, lang: PageLanguage) async throws -> Response {
        guard visit.manager else { return notFound(site, lang, visit) }
        let (from, to) = reportRange(request, site)
        let store = console.store, now = console.now(), org = site.organization, render = console.renderXLSX
        let bytes = try await console.blocking { () -> [UInt8] in
            let cases = try store.reportCases(from: from, to: to, owner: nil, details: true)
            let names = Dictionary(org.staff.map { ($0.value.lowercased(), $0.key) }, uniquingKeysWith: { a, b in min(a, b) })
            return try render(FollowUpTable.make(cases, names: names, timeZone: org.timeZone, asOf: min(to, now)), org.timeZone)
        }
        var r = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        r.headers[.contentType] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        r.headers[.contentDisposition] = DownloadSafety.disposition("外部沟通跟进表.xlsx")
        return r
    }

    // MARK: - Answers

    func base(_ site: WebConsole.Site, _ lang: PageLanguage, visit: Visit?, title: String) -> [String: Any] {
        var ctx: [String: Any] = ["lang": lang.rawValue, "t": WebWords.table(lang), "organization": site.organization.name, "title": title]
        if let visit {
            ctx["user"] = visit.user
            ctx["csrf"] = visit.csrf
            ctx["manager"] = visit.manager
        }
        return ctx
    }

    func page(_ site: WebConsole.Site, _ lang: PageLanguage, status: HTTPResponse.Status, visit: Visit?, message: String) -> Response {
        var ctx = base(site, lang, visit: visit, title: message)
        ctx["message"] = message
        ctx["backLink"] = "/cases"
        return html(status, site.pages.render("message", ctx))
    }

    func notFound(_ site: WebConsole.Site, _ lang: PageLanguage, _ visit: Visit?) -> Response {
        page(site, lang, status: .notFound, visit: visit, message: WebWords.word("notFound", lang))
    }

    func csrfFailed(_ site: WebConsole.Site, _ lang: PageLanguage, _ visit: Visit) -> Response {
        page(site, lang, status: .forbidden, visit: visit, message: WebWords.word("forbiddenCSRF", lang))
    }

    func html(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var r = Response(status: status, body: .init(byteBuffer: ByteBuffer(string: text)))
        r.headers[.contentType] = "text/html; charset=utf-8"
        return r
    }

    func html(_ status: HTTPResponse.Status, _ response: Response) -> Response {
        var r = response
        r.status = status
        return r
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var r = Response(status: status, body: .init(byteBuffer: ByteBuffer(string: text)))
        r.headers[.contentType] = "text/plain; charset=utf-8"
        return r
    }

    static func redirect(_ location: String) -> Response {
        var r = Response(status: .seeOther)
        r.headers[.location] = location
        return r
    }

    /// A cookie the console sets: HttpOnly, SameSite=Lax, Secure over TLS.
    static func cookie(_ name: String, _ value: String, path: String, maxAge: Int, secure: Bool) -> String {
        "\(name)=\(value); Path=\(path); Max-Age=\(maxAge); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    /// A form body, at most `ConsoleLimits.maxFormBytes` (nil: larger).
    static func form(_ request: Request) async throws -> WebForm? {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: ConsoleLimits.maxFormBytes)
            return WebForm(bytes: Array(buffer.readableBytesView))
        } catch is NIOTooManyBytesError {
            return nil
        } catch let e as HTTPError where e.status == .contentTooLarge {
            return nil
        }
    }

    static func time(_ d: Date, _ clock: WallClock) -> String {
        let (day, s) = clock.local(d)
        return String(format: "%04d-%02d-%02d %02d:%02d", day.year, day.month, day.day, s / 3600, s % 3600 / 60)
    }

    static func person(_ address: String?, _ site: WebConsole.Site) -> String {
        CaseListRows.person(address, site.organization.staff)
    }

    /// 客户投诉 (complaint) in Chinese, the category's own name in English.
    static func category(_ c: CaseCategory, _ lang: PageLanguage) -> String {
        lang == .en ? c.rawValue : FollowUpTable.typeName(c)
    }

    static func counterparty(_ org: String?, _ contacts: [String]) -> String {
        ([org].compactMap { $0 } + contacts.prefix(2)).joined(separator: " · ")
    }

    static func itemStatus(_ i: ActionItemRecord, _ lang: PageLanguage, _ clock: WallClock) -> String {
        let word: String
        switch lang {
        case .en: word = i.status.rawValue
        case .zhHans, .zhHant: word = ItemStatus.chinese(i.status)
        }
        return word + (i.doneAt.map { " " + time($0, clock) } ?? "")
    }
}

/// A case number as it may appear in a path: letters, digits and hyphens, at most 40.
enum CaseNumberText {
    static func isPlausible(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 40 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D }
    }
}

/// What the page shows once after an action (kept in memory per session and case).
struct Flash: Sendable {
    var en: String
    var zh: String
    var refused: Bool
    func text(_ lang: PageLanguage) -> String {
        let body = lang == .en ? en : zh
        return WebWords.word(refused ? "refused" : "applied", lang) + body
    }
}

/// How a download is labelled so that no browser renders it as a page.
enum DownloadSafety {
    /// Inert types pass; everything else (HTML, SVG, XML, script, unknown) is octet-stream.
    static let inert: Set<String> = [
        "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "application/zip",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    ]

    static func contentType(_ declared: String) -> String {
        let t = declared.lowercased().split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if inert.contains(t) { return t }
        if t == "text/plain" || t == "text/csv" { return "text/plain; charset=utf-8" }
        return "application/octet-stream"
    }

    /// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266): quotes,
    /// backslashes, controls and non-ASCII never reach the quoted form.
    static func disposition(_ name: String) -> String {
        let flat = String(name.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.prefix(200).map(Character.init))
        let ascii = String(flat.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" && $0 != ";" ? Character($0) : "_" })
        return "attachment; filename=\"\(ascii.isEmpty ? "attachment" : ascii)\"; filename*=UTF-8''\(WebForm.encode(flat))"
    }
}
