import Foundation

extension ReminderPlanner {
    /// What filing `m` entails (semantics.md "The objection window", "Replies to a recap",
    /// "Deadlines the source documents set"), read against the case as the filing transaction
    /// sees it:
    /// - a recap: the recap to store, its items' due/overdue reminders, next contact, window close,
    ///   a `due-unreadable` event per deadline written but unreadable, and a `recap-filed` event;
    /// - a complaint case opened: the first-response and solution reminders;
    /// - a qualification case opened: the first weekly filing check;
    /// - a staff (outbound) message: cancels a pending complaint-response reminder;
    /// - a counterparty reply that objects inside a pending recap's window: the recap disputed,
    ///   an event, and a notice to its author at once (after the window: an event, no dispute).
    ///
    /// Keys are deterministic (`item-due:<recapID>:<n>:morning`), so planning a filing twice
    /// schedules nothing new. Reminders that would fire before `m.date` are not scheduled,
    /// except the window close, which settles the recap's state.
    public func planFiling(_ m: FiledMessage, view: any CaseView) throws -> Plan {
        guard let c = try view.caseWithNumber(m.caseNumber) else { throw PlanError.unknownCase(m.caseNumber) }
        var plan = Plan()
        // Auto-replies and bounces are filed for the record and never trigger anything.
        guard m.kind == .correspondence || m.kind == .recap else { return plan }
        if m.openedCase {
            if c.category == .complaint { planComplaint(m, c, into: &plan.followUp) }
            if c.category == .qualification, rules.filingCheck.enabled {
                let to = addresses(rules.filingCheck.recipients, Parties(owner: c.owner, caseOwner: c.owner, author: nil))
                if to.isEmpty {
                    plan.followUp.events.append(unaddressed(c.number, at: m.date, what: "weekly filing check"))
                } else {
                    let openedDay = day(m.date)
                    plan.followUp.reminders.append(filingCheck(caseNumber: c.number, weekday: openedDay.weekday,
                                                               after: openedDay, recipients: to))
                }
            }
        }
        if m.direction == .outbound {
            let pending = try view.reminders(caseNumber: c.number, status: .pending).filter { $0.kind == .complaintResponse }
            if !pending.isEmpty {
                plan.followUp.cancellations.append(ReminderCancellation(caseNumber: c.number, kinds: [.complaintResponse],
                                                                        reason: "staff replied"))
                plan.followUp.events.append(CaseEvent(caseNumber: c.number, at: m.date, kind: CaseEvent.Kind.reminderCancelled,
                                                      detail: "complaint-response cancelled: staff replied (\(m.sender ?? "staff"))"))
            }
        }
        if m.kind == .recap, let r = m.recap {
            planRecap(m, r, c, into: &plan.followUp)
        } else if m.direction == .inbound, let a = m.objection, a.objects, let sender = m.sender {
            try planObjection(m, a, sender: sender, c, view: view, into: &plan)
        }
        return plan
    }

    /// 24小时内响应 and 48小时内给出解决方案, counted from the complaint's arrival. The response is
    /// owed only when the opening message came from outside (a staff message is itself a response).
    func planComplaint(_ m: FiledMessage, _ c: Case, into f: inout FollowUp) {
        let p = Parties(owner: c.owner, caseOwner: c.owner, author: nil)
        let steps: [(ReminderRules.Offset, ReminderKind, String)] = [
            (rules.complaintResponse, .complaintResponse, "24小时内响应客户投诉"),
            (rules.complaintSolution, .complaintSolution, "48小时内给出解决方案"),
        ]
        for (rule, kind, words) in steps where rule.enabled {
            if kind == .complaintResponse, m.direction == .outbound { continue }
            let to = addresses(rule.recipients, p)
            guard !to.isEmpty else {
                f.events.append(unaddressed(c.number, at: m.date, what: kind.rawValue))
                continue
            }
            let due = m.date.addingTimeInterval(rule.offset)
            f.reminders.append(NewReminder(caseNumber: c.number, kind: kind, fireAt: due, about: due, recipients: to,
                                           key: kind.rawValue, detail: words))
        }
    }

    /// True when a `dueNote` says a deadline was written but could not be read (not merely absent).
    static func isUnreadable(_ note: String?) -> Bool {
        guard let note else { return false }
        return !note.hasPrefix("no due date stated")
    }

    /// A recap: store it, schedule its reminders, record what could not be read.
    func planRecap(_ m: FiledMessage, _ r: Recap, _ c: Case, into f: inout FollowUp) {
        let recapID = m.correspondenceID
        let filed = m.date
        var counterparty: [String] = []
        for a in m.recipients where !organization.isInternal(a) && a != organization.trackingAddress && !counterparty.contains(a) {
            counterparty.append(a)
        }
        let items = r.actionItems.map(ActionItemRecord.init)
        let recap = NewRecap(messageID: m.messageID, author: m.sender, counterparty: counterparty, sentAt: m.date,
                             windowCloses: r.objectionDeadline?.instant, windowNote: r.objectionDeadlineNote,
                             nextContact: r.nextContact?.instant, nextContactNote: r.nextContactNote, items: items)
        f.recap = recap
        let firstEvent = f.events.count
        var notes: [String] = []
        var unreadable: [CaseEvent] = []
        func event(_ detail: String) {
            unreadable.append(CaseEvent(caseNumber: c.number, at: filed, kind: CaseEvent.Kind.dueUnreadable, detail: detail))
        }

        // Action items.
        for item in items {
            guard let due = item.due else {
                if Self.isUnreadable(item.dueNote) { event("item \(item.number): \(item.dueNote!) (no reminder)") }
                continue
            }
            let anyRule = rules.itemDue.enabled || rules.itemOverdue.enabled
            if anyRule, item.ownerAddress == nil {
                let who = item.owner.map { "owner \($0) is not in the staff directory" } ?? "no owner named"
                let fallback = c.owner ?? recap.author ?? "nobody"
                notes.append("item \(item.number): \(who); its reminders go to \(fallback)")
            }
            planItemReminders(item, due: due, recapID: recapID, caseNumber: c.number, caseOwner: c.owner, author: recap.author,
                              after: filed, into: &f)
        }

        // Next contact.
        if let next = recap.nextContact, rules.nextContact.enabled {
            let t = next.addingTimeInterval(-rules.nextContact.offset)
            let to = addresses(rules.nextContact.recipients, Parties(owner: c.owner, caseOwner: c.owner, author: recap.author))
            if to.isEmpty {
                f.events.append(unaddressed(c.number, at: filed, what: "next-contact"))
            } else if t > filed {
                f.reminders.append(NewReminder(caseNumber: c.number, kind: .nextContact, fireAt: t, about: next, recipients: to,
                                               key: "next-contact:\(recapID)", recapID: recapID, detail: "下次沟通时间"))
            }
        } else if recap.nextContact == nil, let note = recap.nextContactNote {
            event("next contact: \(note) (no reminder)")
        }

        // The window's close: always scheduled, as it settles the recap's state; its notice only
        // when the rule is on. The first instant after the close, so that a reply stamped with the
        // closing second still counts (`RecapState.windowCheck` confirms when now > close).
        if let close = recap.windowCloses {
            let to = rules.recapWindow.enabled
                ? addresses(rules.recapWindow.recipients, Parties(owner: c.owner, caseOwner: c.owner, author: recap.author)) : []
            f.reminders.append(NewReminder(caseNumber: c.number, kind: .recapWindow, fireAt: close.addingTimeInterval(1),
                                           about: close, recipients: to, key: "recap-window:\(recapID)", recapID: recapID,
                                           detail: "如有异议请于\(iso(close))前回复"))
        } else {
            event("objection window: \(recap.windowNote ?? "not readable") (the recap stays pending until someone decides)")
        }

        var detail = "recap by \(recap.author ?? "unknown sender"): \(items.count) action item\(items.count == 1 ? "" : "s")"
        detail += recap.windowCloses.map { ", objection window closes \(iso($0))" } ?? ", objection window unreadable"
        if let n = recap.nextContact { detail += ", next contact \(iso(n))" }
        if !notes.isEmpty { detail += "; " + notes.joined(separator: "; ") }
        f.events.insert(CaseEvent(caseNumber: c.number, at: filed, kind: CaseEvent.Kind.recapFiled, detail: detail), at: firstEvent)
        f.events.append(contentsOf: unreadable)
    }

    /// An item's due and overdue reminders after `filed` (its recap filed, its due moved, its
    /// case reopened). `keySuffix` keeps a re-planned reminder's key apart from the first one's
    /// (a key once used, even cancelled, is never scheduled again).
    func planItemReminders(_ item: ActionItemRecord, due: Date, recapID: Int64, caseNumber: String, caseOwner: String?,
                           author: String?, after filed: Date, keySuffix: String = "", into f: inout FollowUp) {
        let p = Parties(owner: item.ownerAddress, caseOwner: caseOwner, author: author)
        func add(_ kind: ReminderKind, _ fire: Date, _ key: String, _ roles: [ReminderRecipient]) {
            let to = addresses(roles, p)
            guard !to.isEmpty else {
                f.events.append(unaddressed(caseNumber, at: filed, what: "\(kind.rawValue) of item \(item.number)"))
                return
            }
            f.reminders.append(NewReminder(caseNumber: caseNumber, kind: kind, fireAt: fire, about: due, recipients: to,
                                           key: key + keySuffix, recapID: recapID, itemNumber: item.number, detail: item.task))
        }
        let rule = rules.itemDue
        if rule.enabled {
            var morning: Date?
            if rule.morning {
                let t = instant(day(due))
                if t > filed, t < due {
                    morning = t
                    add(.itemDue, t, "item-due:\(recapID):\(item.number):morning", rule.recipients)
                }
            }
            if let before = rule.before, before > 0 {
                let t = due.addingTimeInterval(-before)
                if t > filed, t != morning { add(.itemDue, t, "item-due:\(recapID):\(item.number):before", rule.recipients) }
            }
        }
        if rules.itemOverdue.enabled {
            let t = due.addingTimeInterval(rules.itemOverdue.offset)
            if t >= filed { add(.itemOverdue, t, "item-overdue:\(recapID):\(item.number)", rules.itemOverdue.recipients) }
        }
    }

    /// A reply that objects: which recap it answers (the one its References name, else the latest
    /// sent before it) among those sent to the sender's side, and what that does to its state.
    func planObjection(_ m: FiledMessage, _ a: ObjectionReader.Assertion, sender: String, _ c: Case,
                       view: any CaseView, into plan: inout Plan) throws {
        let answered = try view.recaps(caseNumber: c.number).filter { ($0.recap.sentAt ?? .distantPast) <= m.date }
        func named(_ recs: [RecapRecord]) -> RecapRecord? {
            recs.last { rec in rec.recap.messageID.map { m.references.contains($0) } ?? false } ?? recs.last
        }
        let candidates = answered.filter { isCounterparty(sender, of: $0.recap, contacts: c.counterparty.contacts) }
        guard let rec = named(candidates) else {
            if let rec = named(answered) { try planStrangerObjection(m, a, sender: sender, rec, c, view: view, into: &plan) }
            return
        }
        let items = a.items.map { "第\($0)点" }.joined(separator: "、")
        let what = items.isEmpty ? "the whole recap" : items
        guard case .pending = rec.state else {
            if case .confirmed(let at) = rec.state {
                plan.followUp.events.append(CaseEvent(caseNumber: c.number, at: m.date, kind: CaseEvent.Kind.objectionLate,
                                                      detail: "objection from \(sender) to \(what) after the window closed \(iso(at)): recap \(rec.id) stays confirmed"))
            }
            return
        }
        let (next, transition) = rec.state.objection(at: m.date, items: a.items, deadline: rec.recap.windowCloses)
        guard let transition else { return }
        plan.followUp.recapStates.append(RecapStateChange(recapID: rec.id, state: next))
        switch next {
        case .confirmed(let at):
            plan.followUp.events.append(CaseEvent(caseNumber: c.number, at: at, kind: CaseEvent.Kind.recapConfirmed,
                                                  detail: "recap \(rec.id) confirmed: no objection before its window closed"))
            plan.followUp.events.append(CaseEvent(caseNumber: c.number, at: m.date, kind: CaseEvent.Kind.objectionLate,
                                                  detail: "objection from \(sender) to \(what) after the window closed \(iso(at)): recap \(rec.id) stays confirmed"))
        case .disputed:
            plan.followUp.events.append(CaseEvent(caseNumber: c.number, at: transition.at, kind: CaseEvent.Kind.recapDisputed,
                                                  detail: "recap \(rec.id) disputed by \(sender): \(what)"))
            guard rules.recapDisputed.enabled else { return }
            let to = addresses(rules.recapDisputed.recipients, Parties(owner: c.owner, caseOwner: c.owner, author: rec.recap.author))
            guard !to.isEmpty else {
                plan.followUp.events.append(unaddressed(c.number, at: m.date, what: "recap-disputed notice"))
                return
            }
            var updated = rec
            updated.state = next
            let thread = try view.caseThread(c.number)
            plan.notices.append(Notice(kind: .recapDisputed, recipients: to, caseNumber: c.number, caseSubject: thread?.subject,
                                       counterparty: counterpartyName(c), caseOwner: c.owner, about: rec.recap.windowCloses,
                                       recap: updated, detail: "objection from \(sender): \(what)",
                                       inReplyTo: rec.recap.messageID ?? thread?.firstMessageID))
        case .pending:
            return
        }
    }

    /// An objection from someone who does not speak for the counterparty (not an addressee of the
    /// recap, not a contact on the case): filed as correspondence, changes nothing, is recorded
    /// on the case, and the case owner and the recipients of `[reminders.recap_disputed]` (the
    /// recap's author by default) are told, so a real customer writing from a new address is not lost.
    func planStrangerObjection(_ m: FiledMessage, _ a: ObjectionReader.Assertion, sender: String, _ rec: RecapRecord,
                               _ c: Case, view: any CaseView, into plan: inout Plan) throws {
        let items = a.items.map { "第\($0)点" }.joined(separator: "、")
        let what = items.isEmpty ? "the whole recap" : items
        let detail = "objection from \(sender) to \(what) of recap \(rec.id) not applied: "
            + "\(sender) is neither an addressee of the recap nor a contact on the case"
        plan.followUp.events.append(CaseEvent(caseNumber: c.number, at: m.date, kind: CaseEvent.Kind.objectionIgnored, detail: detail))
        guard rules.recapDisputed.enabled else { return }
        let to = addresses([.caseOwner] + rules.recapDisputed.recipients,
                           Parties(owner: c.owner, caseOwner: c.owner, author: rec.recap.author))
        guard !to.isEmpty else {
            plan.followUp.events.append(unaddressed(c.number, at: m.date, what: "objection-ignored notice"))
            return
        }
        let thread = try view.caseThread(c.number)
        plan.notices.append(Notice(kind: .objectionIgnored, recipients: to, caseNumber: c.number, caseSubject: thread?.subject,
                                   counterparty: counterpartyName(c), caseOwner: c.owner, about: m.date, recap: rec,
                                   detail: sender, inReplyTo: rec.recap.messageID ?? thread?.firstMessageID))
    }
}
