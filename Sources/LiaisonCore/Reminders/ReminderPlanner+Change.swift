import Foundation

/// A change to a case or one of its action items (semantics.md "Staff acting by mail"), asked by
/// trusted staff by mail or by the CLI. Items are named by number; `recapID` pins the recap when
/// the request knows it (a reply to a reminder about that item), else the latest recap of the
/// case that has an item of that number is meant.
public enum CaseChange: Sendable, Equatable {
    case itemDone(item: Int, recapID: Int64? = nil)
    case itemRescheduled(item: Int, recapID: Int64? = nil, due: Date)
    case itemCancelled(item: Int, recapID: Int64? = nil)
    case resolve
    case reopen
    /// To another owner (a staff address).
    case assign(owner: String)
    /// Its reminders silent until then.
    case mute(until: Date)
}

/// Why a change cannot be applied: it changes nothing, and the asker is told this.
public enum ChangeRefusal: Sendable, Equatable, CustomStringConvertible {
    case noSuchItem(Int)
    case itemClosed(Int, ItemStatus)
    /// A new due that is not after the change.
    case dueNotAhead(Int)
    case caseNotOpen(CaseStatus)
    case caseAlreadyOpen
    case sameOwner(String)
    case ownerNotStaff(String)
    case muteNotAhead

    public var description: String {
        switch self {
        case .noSuchItem(let n): return "no item \(n) on this case"
        case .itemClosed(let n, let s): return "item \(n) is \(s.rawValue) already"
        case .dueNotAhead(let n): return "the new due of item \(n) is not in the future"
        case .caseNotOpen(let s): return "the case is \(s.rawValue) already"
        case .caseAlreadyOpen: return "the case is open already"
        case .sameOwner(let o): return "\(o) owns the case already"
        case .ownerNotStaff(let o): return "\(o) is not a staff address"
        case .muteNotAhead: return "the mute's end is not in the future"
        }
    }

    public var chinese: String {
        switch self {
        case .noSuchItem(let n): return "本案件没有第\(n)项。"
        case .itemClosed(let n, let s): return "第\(n)项已是“\(ItemStatus.chinese(s))”状态。"
        case .dueNotAhead(let n): return "第\(n)项的新截止时间不晚于现在。"
        case .caseNotOpen(let s): return s == .resolved ? "本案件已结案。" : "本案件已关闭。"
        case .caseAlreadyOpen: return "本案件尚未结案，无需重开。"
        case .sameOwner(let o): return "\(o) 已是本案件负责人。"
        case .ownerNotStaff(let o): return "\(o) 不是本公司员工地址。"
        case .muteNotAhead: return "静默截止时间不晚于现在。"
        }
    }

    /// Both languages, for a confirmation.
    public var line: NoticeLine { NoticeLine(en: description, zh: chinese) }
}

/// What a change entails: the plan to write and, for the asker, what it did in words, or why it
/// could not be done (then `plan` is empty).
public struct ChangeOutcome: Sendable, Equatable {
    public var plan: Plan
    /// One line per thing changed, e.g. "item 1 done".
    public var applied: [NoticeLine]
    public var refusal: ChangeRefusal?
    public init(plan: Plan = Plan(), applied: [NoticeLine] = [], refusal: ChangeRefusal? = nil) {
        self.plan = plan
        self.applied = applied
        self.refusal = refusal
    }
}

extension ItemStatus {
    /// 待办 / 已完成 / 已取消 / 已改期.
    public static func chinese(_ s: ItemStatus) -> String {
        switch s {
        case .open: return "待办"
        case .done: return "已完成"
        case .cancelled: return "已取消"
        case .rescheduled: return "已改期"
        }
    }
}

extension ReminderPlanner {
    /// What `change` on case `caseNumber`, asked by `by` at `at`, entails, read against the case
    /// as the transaction sees it: the item's or case's new state, a case event, the pending
    /// reminders it makes pointless cancelled, and the reminders it calls for planned:
    /// - item done / cancelled: its item-due and item-overdue reminders cancelled;
    /// - item rescheduled: those cancelled and planned again for the new due;
    /// - resolved: as `planResolution` (reminders cancelled, satisfaction follow-up scheduled);
    /// - reopened: the satisfaction follow-up cancelled, still-open items' reminders planned again;
    /// - assigned: pending reminders addressed to the old owner as case owner re-addressed to the
    ///   new one (those of items the old owner owns himself stay his);
    /// - muted: the case's reminders fire silently until the given time (`planFiring`).
    /// The one decision behind the CLI (`liaison items`, `liaison cases`) and staff mail.
    public func planChange(_ change: CaseChange, caseNumber: String, by: String?, at: Date, view: any CaseView) throws -> ChangeOutcome {
        guard let c = try view.caseWithNumber(caseNumber) else { throw PlanError.unknownCase(caseNumber) }
        let who = by?.lowercased() ?? "cli"
        switch change {
        case .itemDone(let n, let recapID), .itemCancelled(let n, let recapID):
            guard let (rec, item) = try item(n, recapID: recapID, caseNumber: caseNumber, view: view) else {
                return ChangeOutcome(refusal: .noSuchItem(n))
            }
            guard item.status.isPending else { return ChangeOutcome(refusal: .itemClosed(n, item.status)) }
            let done: Bool = { if case .itemDone = change { return true } else { return false } }()
            var f = FollowUp()
            f.itemStates.append(ItemStateChange(recapID: rec.id, number: n, status: done ? .done : .cancelled, due: item.due,
                                                doneAt: at, doneBy: who))
            let word = done ? "done" : "cancelled"
            let cancelled = try cancelItemReminders(item: n, recapID: rec.id, caseNumber: caseNumber, reason: "item \(n) \(word)",
                                                    view: view, into: &f)
            f.events.append(CaseEvent(caseNumber: caseNumber, at: at, kind: done ? CaseEvent.Kind.itemDone : CaseEvent.Kind.itemCancelled,
                                      detail: "item \(n) (\(item.task)) \(word) by \(who)" + cancelled))
            return ChangeOutcome(plan: Plan(followUp: f), applied: [NoticeLine(en: "item \(n) \(word): \(item.task)",
                                                                                  zh: "第\(n)项已\(done ? "完成" : "取消")：\(item.task)")])

        case .itemRescheduled(let n, let recapID, let due):
            guard let (rec, item) = try item(n, recapID: recapID, caseNumber: caseNumber, view: view) else {
                return ChangeOutcome(refusal: .noSuchItem(n))
            }
            guard item.status.isPending else { return ChangeOutcome(refusal: .itemClosed(n, item.status)) }
            guard due > at else { return ChangeOutcome(refusal: .dueNotAhead(n)) }
            var f = FollowUp()
            f.itemStates.append(ItemStateChange(recapID: rec.id, number: n, status: .rescheduled, due: due))
            let cancelled = try cancelItemReminders(item: n, recapID: rec.id, caseNumber: caseNumber,
                                                    reason: "item \(n) rescheduled", view: view, into: &f)
            if c.status == .open {
                planItemReminders(item, due: due, recapID: rec.id, caseNumber: caseNumber, caseOwner: c.owner,
                                  author: rec.recap.author, after: at, keySuffix: "@\(Int(due.timeIntervalSince1970))", into: &f)
            }
            let from = item.due.map(iso) ?? "no due"
            f.events.append(CaseEvent(caseNumber: caseNumber, at: at, kind: CaseEvent.Kind.itemRescheduled,
                                      detail: "item \(n) (\(item.task)) due moved from \(from) to \(iso(due)) by \(who)" + cancelled))
            return ChangeOutcome(plan: Plan(followUp: f), applied: [NoticeLine(en: "item \(n) rescheduled to \(iso(due)): \(item.task)",
                                                                                  zh: "第\(n)项截止时间改为\(iso(due))：\(item.task)")])

        case .resolve:
            guard c.status == .open else { return ChangeOutcome(refusal: .caseNotOpen(c.status)) }
            var plan = try planResolution(caseNumber: caseNumber, at: at, view: view)
            if let i = plan.followUp.events.firstIndex(where: { $0.kind == CaseEvent.Kind.statusChanged }) {
                plan.followUp.events[i].detail += " by \(who)"
            }
            return ChangeOutcome(plan: plan, applied: [NoticeLine(en: "case \(caseNumber) resolved", zh: "案件 \(caseNumber) 已结案")])

        case .reopen:
            guard c.status != .open else { return ChangeOutcome(refusal: .caseAlreadyOpen) }
            var f = FollowUp()
            f.statusChanges = [(caseNumber, .open)]
            f.events.append(CaseEvent(caseNumber: caseNumber, at: at, kind: CaseEvent.Kind.caseReopened,
                                      detail: "\(c.status.rawValue) → open by \(who)"))
            let satisfaction = try view.reminders(caseNumber: caseNumber, status: .pending).filter { $0.kind == .satisfaction }
            if !satisfaction.isEmpty {
                f.cancellations.append(ReminderCancellation(caseNumber: caseNumber, kinds: [.satisfaction], reason: "case reopened"))
                f.events.append(CaseEvent(caseNumber: caseNumber, at: at, kind: CaseEvent.Kind.reminderCancelled,
                                          detail: "case reopened: \(Self.describe(satisfaction)) cancelled"))
            }
            for rec in try view.recaps(caseNumber: caseNumber) {
                for item in rec.recap.items where item.status.isPending {
                    guard let due = item.due else { continue }
                    planItemReminders(item, due: due, recapID: rec.id, caseNumber: caseNumber, caseOwner: c.owner,
                                      author: rec.recap.author, after: at, keySuffix: "@reopened\(Int(at.timeIntervalSince1970))",
                                      into: &f)
                }
            }
            return ChangeOutcome(plan: Plan(followUp: f), applied: [NoticeLine(en: "case \(caseNumber) reopened", zh: "案件 \(caseNumber) 已重开")])

        case .assign(let owner):
            let new = owner.lowercased()
            guard organization.isInternal(new) else { return ChangeOutcome(refusal: .ownerNotStaff(new)) }
            guard new != c.owner?.lowercased() else { return ChangeOutcome(refusal: .sameOwner(new)) }
            var f = FollowUp(caseAttributes: [CaseAttributeChange(caseNumber: caseNumber, .owner(new))])
            let old = c.owner?.lowercased()
            f.events.append(CaseEvent(caseNumber: caseNumber, at: at, kind: CaseEvent.Kind.caseAssigned,
                                      detail: "owner \(old ?? "none") → \(new) by \(who)"))
            if let old {
                // An item the old owner owns himself stays his: only what he got as case owner moves.
                var ownItems = Set<String>()
                for rec in try view.recaps(caseNumber: caseNumber) {
                    for i in rec.recap.items where i.ownerAddress == old { ownItems.insert("\(rec.id):\(i.number)") }
                }
                let moved = try view.reminders(caseNumber: caseNumber, status: .pending).filter { r in
                    guard r.recipients.contains(old) else { return false }
                    if let recap = r.recapID, let n = r.itemNumber, ownItems.contains("\(recap):\(n)") { return false }
                    return true
                }
                if !moved.isEmpty {
                    f.cancellations.append(ReminderCancellation(caseNumber: caseNumber, kinds: [], reason: "case handed to \(new)",
                                                                ids: moved.map(\.id)))
                    for r in moved {
                        var to: [String] = []
                        for a in r.recipients.map({ $0 == old ? new : $0 }) where !to.contains(a) { to.append(a) }
                        f.reminders.append(NewReminder(caseNumber: caseNumber, kind: r.kind, fireAt: r.fireAt, about: r.about,
                                                       recipients: to, key: r.key + "@owner:\(new)", recapID: r.recapID,
                                                       itemNumber: r.itemNumber, detail: r.detail))
                    }
                }
            }
            return ChangeOutcome(plan: Plan(followUp: f), applied: [NoticeLine(en: "case \(caseNumber) handed to \(new)",
                                                                                  zh: "案件 \(caseNumber) 已转交 \(new)")])

        case .mute(let until):
            guard until > at else { return ChangeOutcome(refusal: .muteNotAhead) }
            var f = FollowUp(caseAttributes: [CaseAttributeChange(caseNumber: caseNumber, .mutedUntil(until))])
            f.events.append(CaseEvent(caseNumber: caseNumber, at: at, kind: CaseEvent.Kind.caseMuted,
                                      detail: "reminders silent until \(iso(until)) by \(who)"))
            return ChangeOutcome(plan: Plan(followUp: f), applied: [NoticeLine(en: "case \(caseNumber): reminders silent until \(iso(until))",
                                                                                  zh: "案件 \(caseNumber) 的提醒静默至\(iso(until))")])
        }
    }

    /// The item numbered `n`: on recap `recapID` when given, else on the latest recap of the case that has one.
    func item(_ n: Int, recapID: Int64?, caseNumber: String, view: any CaseView) throws -> (RecapRecord, ActionItemRecord)? {
        for rec in try view.recaps(caseNumber: caseNumber).reversed() where recapID == nil || rec.id == recapID {
            if let item = rec.recap.items.first(where: { $0.number == n }) { return (rec, item) }
        }
        return nil
    }

    /// Cancels the item's pending due/overdue reminders; " (2 item-due cancelled)" for the event, or "".
    func cancelItemReminders(item n: Int, recapID: Int64, caseNumber: String, reason: String, view: any CaseView,
                             into f: inout FollowUp) throws -> String {
        let kinds: [ReminderKind] = [.itemDue, .itemOverdue]
        let pending = try view.reminders(caseNumber: caseNumber, status: .pending).filter {
            kinds.contains($0.kind) && $0.recapID == recapID && $0.itemNumber == n
        }
        guard !pending.isEmpty else { return "" }
        f.cancellations.append(ReminderCancellation(caseNumber: caseNumber, kinds: kinds, reason: reason, item: (recapID, n)))
        return "; \(Self.describe(pending)) cancelled"
    }
}
