import Foundation

/// An instruction with its item and owner resolved against the case: the change, or why not.
enum ResolvedInstruction {
    case change(CaseChange)
    case refused(StaffRefusal.Reason)
}

extension ReminderPlanner {
    /// What a trusted staff message's instructions (`StaffInstructionReader`) entail on the case it
    /// was filed on (semantics.md "Staff acting by mail"): each instruction through `planChange`,
    /// in the order written; a refusal (the reader's, or the case's: no such item, already done…)
    /// changes nothing and is recorded as an `instruction-refused` event; then one `confirmation`
    /// to the sender only, threaded on their mail, with what changed, what could not be done and
    /// the items still open. The caller applies this only to a trusted internal sender's
    /// correspondence (never an auto-reply or a bounce), and resolves `repliedTo`: the notice of
    /// Liaison's own outbox row the mail answers (In-Reply-To/References), nil when none.
    public func planInstructions(_ read: StaffInstructions, message m: FiledMessage, repliedTo: Notice?,
                                 view: any CaseView) throws -> Plan {
        guard !read.isEmpty, let sender = m.sender, let c = try view.caseWithNumber(m.caseNumber) else { return Plan() }
        let number = c.number
        var plan = Plan()
        var changes: [NoticeLine] = []
        var refusals: [NoticeLine] = []
        func refuse(_ words: String, en: String, zh: String) {
            refusals.append(NoticeLine(en: "“\(words)”: \(en)", zh: "“\(words)”：\(zh)"))
            plan.followUp.events.append(CaseEvent(caseNumber: number, at: m.date, kind: CaseEvent.Kind.instructionRefused,
                                                  detail: "from \(sender): “\(words)”: \(en)"))
        }
        for refusal in read.refused {
            refuse(refusal.line, en: refusal.reason.english, zh: refusal.reason.chinese)
        }
        let replied = repliedTo.flatMap { n in n.caseNumber == number ? n : nil }
        for r in read.instructions {
            let words: String
            switch r.origin {
            case .command(let line): words = line
            case .natural(let sentence): words = sentence
            }
            let change: CaseChange
            switch Self.caseChange(r.instruction, repliedTo: replied, staff: organization.staff) {
            case .refused(let reason):
                refuse(words, en: reason.english, zh: reason.chinese)
                continue
            case .change(let c):
                change = c
            }
            let outcome = try planChange(change, caseNumber: number, by: sender, at: m.date, view: view)
            if let refusal = outcome.refusal {
                refuse(words, en: refusal.description, zh: refusal.chinese)
                continue
            }
            plan.followUp.append(outcome.plan.followUp)
            plan.notices += outcome.plan.notices
            changes += outcome.applied
        }
        plan.notices.append(try confirmation(to: sender, case: c, message: m, after: plan.followUp, changes: changes,
                                             refusals: refusals, view: view))
        return plan
    }

    /// The change an instruction asks for, with its item and owner resolved; or why it cannot be.
    static func caseChange(_ i: StaffInstruction, repliedTo: Notice?, staff: [String: String])
        -> ResolvedInstruction {
        func item(_ ref: ItemReference) -> (Int, Int64?)? {
            switch ref {
            case .number(let n): return (n, nil)
            case .repliedTo: return repliedTo?.item.map { ($0.number, repliedTo?.recap?.id) }
            }
        }
        switch i {
        case .itemDone(let ref):
            guard let (n, recap) = item(ref) else { return .refused(.noItem) }
            return .change(.itemDone(item: n, recapID: recap))
        case .itemCancelled(let ref):
            guard let (n, recap) = item(ref) else { return .refused(.noItem) }
            return .change(.itemCancelled(item: n, recapID: recap))
        case .itemRescheduled(let ref, let due):
            guard let (n, recap) = item(ref) else { return .refused(.noItem) }
            return .change(.itemRescheduled(item: n, recapID: recap, due: due.instant))
        case .resolveCase: return .change(.resolve)
        case .reopenCase: return .change(.reopen)
        case .muteCase(let until): return .change(.mute(until: until.instant))
        case .assignCase(.address(let a)): return .change(.assign(owner: a))
        case .assignCase(.name(let written)):
            guard let address = staffAddress(written, staff: staff) else { return .refused(.unreadableOwner(written)) }
            return .change(.assign(owner: address))
        }
    }

    /// A staff name as the directory has it, or as the source documents' table writes it
    /// (`售后部/王芳`, `售后部 王芳`): the last part is the name.
    static func staffAddress(_ written: String, staff: [String: String]) -> String? {
        let trimmed = written.trimmingCharacters(in: .whitespaces)
        if let a = staff[trimmed] { return a }
        let last = trimmed.split(whereSeparator: { $0 == "/" || $0 == " " || $0 == "　" }).last.map(String.init)
        return last.flatMap { staff[$0] }
    }

    /// The confirmation to the staff sender: what changed, what was refused, and the case's items
    /// still open once this message's changes are written.
    func confirmation(to sender: String, case c: Case, message m: FiledMessage, after f: FollowUp, changes: [NoticeLine],
                      refusals: [NoticeLine], view: any CaseView) throws -> Notice {
        var open: [ActionItemRecord] = []
        for rec in try view.recaps(caseNumber: c.number) {
            for var item in rec.recap.items {
                if let s = f.itemStates.last(where: { $0.recapID == rec.id && $0.number == item.number }) {
                    item.status = s.status
                    item.due = s.due
                }
                if item.status.isPending { open.append(item) }
            }
        }
        let status = f.statusChanges.last?.status ?? c.status
        var owner = c.owner
        for a in f.caseAttributes { if case .owner(let o) = a.attribute { owner = o } }
        let thread = try view.caseThread(c.number)
        let line = DigestLine(caseNumber: c.number, subject: thread?.subject ?? "", status: status, items: Self.soonestFirst(open))
        return Notice(kind: .confirmation, recipients: [sender], caseNumber: c.number, caseSubject: thread?.subject,
                      counterparty: counterpartyName(c), caseOwner: owner, about: m.date, digest: [line],
                      inReplyTo: m.messageID ?? thread?.firstMessageID, changes: changes, refusals: refusals)
    }
}
