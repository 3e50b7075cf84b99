import Foundation

extension ReminderPlanner {
    /// What firing `r` at `now` entails: its notice(s), filled from the case as the view sees it,
    /// and what follows (semantics.md "Deadlines the source documents set"):
    /// - `recap-window`: a still-pending recap is confirmed (默认确认, state change and
    ///   `recap-confirmed` event), then its author is told `confirmed` or `disputed`;
    /// - `digest`: one notice per owner with open cases or items, and the next digest;
    /// - `filing-check`: next week's check, unless the case is resolved or closed;
    /// - item and complaint reminders of a resolved or closed case no longer apply: no notice.
    public func planFiring(_ r: Reminder, now: Date, view: any CaseView) throws -> Plan {
        if r.kind == .digest { return try planDigest(r, now: now, view: view) }
        guard let number = r.caseNumber else { return Plan(notices: [plainNotice(r)]) }
        // A case that no longer exists (it cannot be deleted today): nothing to say.
        guard let c = try view.caseWithNumber(number) else { return Plan() }
        let settled = c.status != .open
        switch r.kind {
        case .itemDue, .itemOverdue, .complaintResponse, .complaintSolution, .filingCheck:
            if settled { return Plan() }
        default:
            break
        }
        let thread = try view.caseThread(number)
        var record = try r.recapID.flatMap { try view.recap(id: $0) }
        var plan = Plan()

        if r.kind == .recapWindow, let rec = record {
            let (next, transition) = rec.state.windowCheck(now: now, deadline: rec.recap.windowCloses)
            if let transition {
                plan.followUp.recapStates.append(RecapStateChange(recapID: rec.id, state: next))
                plan.followUp.events.append(CaseEvent(caseNumber: number, at: transition.at, kind: CaseEvent.Kind.recapConfirmed,
                                                      detail: "recap \(rec.id) confirmed: no objection before its window closed (默认确认)"))
                record?.state = next
            }
            // Still pending (a window with no close): nothing to tell yet.
            if case .pending = record!.state { return plan }
        }
        if r.kind == .filingCheck, !settled, rules.filingCheck.enabled {
            let weekday = day(c.openedAt).weekday
            plan.followUp.reminders.append(filingCheck(caseNumber: number, weekday: weekday, after: day(r.fireAt),
                                                       recipients: r.recipients))
        }
        guard !r.recipients.isEmpty else { return plan }
        // Muted (#静默): what it settles is settled, nothing is said.
        if let until = c.mutedUntil, now < until { return plan }
        let item = record.flatMap { rec in r.itemNumber.flatMap { n in rec.recap.items.first { $0.number == n } } }
        // An item done or cancelled meanwhile (its reminders are cancelled with it; a stray one says nothing).
        if let item, !item.status.isPending, r.kind == .itemDue || r.kind == .itemOverdue { return plan }
        var notice = Notice(kind: r.kind, recipients: r.recipients, caseNumber: number, caseSubject: thread?.subject,
                            counterparty: counterpartyName(c), caseOwner: c.owner, about: r.about, item: item,
                            recap: record, late: r.late, detail: r.detail, reminderID: r.id,
                            inReplyTo: record?.recap.messageID ?? thread?.firstMessageID)
        if r.kind == .recapWindow, let rec = record { notice.detail = rec.state.name }
        plan.notices.append(notice)
        return plan
    }

    /// A notice of a case-less reminder other than the digest (none is planned today).
    func plainNotice(_ r: Reminder) -> Notice {
        Notice(kind: r.kind, recipients: r.recipients, caseNumber: r.caseNumber, about: r.about,
               late: r.late, detail: r.detail, reminderID: r.id)
    }

    /// The 17:00 digest (每日17:00同步进展): to each owner, their open cases and the open items they
    /// own, each case's items due soonest first and cases by their soonest item; nothing for an
    /// owner with nothing. An item whose owner is not in the staff directory counts as the case
    /// owner's. Literal addresses among the recipients get every open case and item. Then the next
    /// digest is scheduled.
    func planDigest(_ r: Reminder, now: Date, view: any CaseView) throws -> Plan {
        var plan = Plan()
        if let next = nextDigest(after: max(now, r.fireAt)) { plan.followUp.reminders.append(next) }
        let rule = rules.digest
        guard rule.enabled else { return plan }
        let open = try view.cases(status: .open, owner: nil)
        var perOwner: [String: [DigestLine]] = [:]
        var all: [DigestLine] = []
        for c in open {
            let subject = try view.caseThread(c.number)?.subject ?? ""
            let every = try view.recaps(caseNumber: c.number).flatMap(\.recap.items)
            let items = every.filter(\.status.isPending)
            // Done on the digest's day (每日同步: what was done today).
            let today = day(r.fireAt)
            let done = every.filter { $0.status == .done && $0.doneAt.map { day($0) == today } == true }
            var owners: [String] = c.owner.map { [$0.lowercased()] } ?? []
            var byOwner: [String: [ActionItemRecord]] = [:]
            var doneBy: [String: [ActionItemRecord]] = [:]
            for item in items {
                guard let o = (item.ownerAddress ?? c.owner)?.lowercased() else { continue }
                byOwner[o, default: []].append(item)
                if !owners.contains(o) { owners.append(o) }
            }
            for item in done {
                guard let o = (item.ownerAddress ?? c.owner)?.lowercased() else { continue }
                doneBy[o, default: []].append(item)
                if !owners.contains(o) { owners.append(o) }
            }
            for o in owners {
                perOwner[o, default: []].append(DigestLine(caseNumber: c.number, subject: subject, status: c.status,
                                                           items: Self.soonestFirst(byOwner[o] ?? []), doneToday: doneBy[o] ?? []))
            }
            all.append(DigestLine(caseNumber: c.number, subject: subject, status: c.status, items: Self.soonestFirst(items),
                                  doneToday: done))
        }
        let perOwnerRoles = rule.recipients.contains(.owner) || rule.recipients.contains(.caseOwner)
        if perOwnerRoles {
            for owner in perOwner.keys.sorted() {
                plan.notices.append(Notice(kind: .digest, recipients: [owner], about: r.fireAt, late: r.late,
                                           digest: Self.linesInOrder(perOwner[owner]!), detail: r.detail, reminderID: r.id))
            }
        }
        let literal = rule.recipients.compactMap { if case .address(let a) = $0 { return a } else { return nil } }
        if !literal.isEmpty, !all.isEmpty {
            plan.notices.append(Notice(kind: .digest, recipients: literal, about: r.fireAt, late: r.late,
                                       digest: Self.linesInOrder(all), detail: r.detail, reminderID: r.id))
        }
        return plan
    }

    /// Items with a due date first, earliest first; then those without, by number.
    static func soonestFirst(_ items: [ActionItemRecord]) -> [ActionItemRecord] {
        items.sorted { a, b in
            switch (a.due, b.due) {
            case let (x?, y?): return x != y ? x < y : a.number < b.number
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.number < b.number
            }
        }
    }

    /// Cases whose soonest item is due first; cases without dated items after, by number.
    static func linesInOrder(_ lines: [DigestLine]) -> [DigestLine] {
        lines.sorted { a, b in
            switch (a.items.first?.due, b.items.first?.due) {
            case let (x?, y?): return x != y ? x < y : a.caseNumber < b.caseNumber
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.caseNumber < b.caseNumber
            }
        }
    }
}
