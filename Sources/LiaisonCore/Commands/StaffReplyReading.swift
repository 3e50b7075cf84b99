import Foundation

/// The natural half of `StaffInstructionReader`: prose that says items are done or moved.
/// Sentences split at 。！？!?;； and line ends (`TextFold.sentences`), clauses at `,` `，` `;`.
/// Works on folded, lowercased text. Linear: each clause is scanned once per marker list, with
/// the markers tried only where their first character stands, and the deadline scanner once.
struct StaffReplyReading {
    let resolver: DeadlineResolver
    let sentAt: Date?

    // MARK: - Words

    /// Verbs that say a thing was done when 已 stands before them or 了/完毕 after them
    /// (已发出, 发出了, 已经处理, 处理完毕).
    static let doneVerbsCN = ["完成", "办结", "辦結", "办完", "辦完", "发出", "發出", "发送", "發送", "发货", "發貨", "寄出",
                              "寄送", "处理", "處理", "办好", "辦好", "做完", "做好", "弄好", "解决", "解決", "落实", "落實",
                              "提交", "交付", "送达", "送達", "搞定", "办理", "辦理", "完工", "交货", "交貨", "回复", "回覆",
                              "答复", "答覆", "寄了", "付款", "安装", "安裝", "更换", "更換", "整改"]
    /// One-character verbs (货已经发了, 已寄。): done only with 已 right before them and 了 or the
    /// clause's end right after (已发现 is "found", not "sent").
    static let doneShortCN: Set<Character> = ["发", "發", "寄", "交", "付"]
    /// Verbs that say it alone, at the end of a clause (第1项完成。, 搞定).
    static let doneAloneCN: Set<String> = ["完成", "办结", "辦結", "搞定", "完工"]
    /// What may stand between 已 and the verb (已经, 已全部, 均已 is 已 itself).
    static let afterYi = ["经", "經", "全部", "经全部", "經全部", "全数", "全數", "都", "均", "按时", "按時", "顺利", "順利",
                          "于", "於"]
    /// After a verb: it is done (发出了, 处理完毕).
    static let doneAfter = ["了", "完毕", "完畢", "好了", "完了", "妥", "妥了"]
    /// After a verb: a condition, not a fact (完成后, 完成时, 完成的话, 完成前).
    static let conditionAfter = ["后", "後", "之后", "之後", "以后", "以後", "时", "時", "的话", "的話", "前", "之前", "以前"]

    /// Words that move an item to a new date (the date must follow or stand in the clause).
    static let rescheduleCN = ["延期", "延至", "延到", "延后", "延後", "推迟", "推遲", "推后", "推後", "推到", "顺延", "順延",
                               "改到", "改至", "改为", "改為", "改成", "改期", "调整到", "調整到", "调整为", "調整為", "调到",
                               "調到", "调至", "調至", "挪到", "移到", "延长到", "延長到", "延长至", "延長至", "放到", "宽限到", "寬限到"]
    static let doneEN = ["done", "completed", "complete", "finished", "shipped", "sent", "delivered", "submitted", "resolved",
                         "handled", "dispatched", "fixed", "closed", "taken care of", "sorted out", "wrapped up", "paid",
                         "mailed", "posted", "uploaded", "installed", "replaced", "accomplished"]
    static let rescheduleEN = ["postpone", "postponed", "postponing", "reschedule", "rescheduled", "rescheduling", "moved",
                               "move", "moving", "pushed", "push", "delayed", "delay", "deferred", "defer", "extended", "extend",
                               "shifted", "shift", "new due date", "new deadline", "now due", "changed to", "change to",
                               "due date is now", "deadline is now", "bumped"]

    /// A negation anywhere in a clause makes it say nothing (还没完成, 未完成, 不能完成, 完成不了).
    static let negationCN: Set<Character> = ["没", "沒", "未", "不", "无", "無", "别", "別", "勿", "非", "否"]
    static let negationEN = ["not", "never", "no", "yet", "pending", "incomplete", "unfinished", "cannot", "none", "nothing",
                             "without", "failed", "unable", "outstanding", "nor"]
    /// A condition, a promise, a request or a doubt: the clause asserts nothing.
    static let hedgeCN = ["如果", "如若", "如已", "假如", "倘若", "要是", "若", "一旦", "只要", "等到", "待", "的话", "的話",
                          "预计", "預計", "计划", "計劃", "争取", "爭取", "准备", "準備", "打算", "尽快", "盡快", "希望", "应该",
                          "應該", "应当", "應當", "需要", "请", "請", "马上", "馬上", "即将", "即將", "正在", "能否", "可否",
                          "是否", "可能", "也许", "也許", "或许", "或許", "大概", "申请", "申請", "建议", "建議", "估计", "估計",
                          "争取", "力争", "力爭", "稍后", "稍後", "随后", "隨後"]
    static let hedgeEN = ["if", "once", "when", "whenever", "after", "unless", "as soon as", "will", "would", "should",
                          "shall", "could", "can", "might", "going to", "plan", "plans", "planned", "planning", "expect",
                          "expected", "expecting", "hope", "hopefully", "need", "needs", "please", "let", "soon", "asap",
                          "maybe", "perhaps", "probably", "request", "requested", "suggest", "propose", "to be", "about to",
                          "ready to", "try", "trying", "whether", "want", "wants", "scheduled to"]
    /// A Chinese clause that ends so asks (办好了没有, 完成了吗, 发出了吧).
    static let questionEndsCN = ["吗", "嗎", "么", "麼", "呢", "否", "吧", "了没有", "了沒有", "了没", "了沒", "好没有", "好沒有",
                                 "完没有", "完沒有"]
    static let questionWordsCN = ["是否", "有没有", "有沒有", "是不是", "了没", "了沒", "能否", "可否", "几时", "幾時",
                                  "什么时候", "什麼時候", "何时", "何時", "多久", "为什么", "為什麼", "怎么", "怎麼"]
    /// English auxiliaries that open a question when a subject follows (has item 2 been sent).
    static let questionAux = ["is", "are", "was", "were", "has", "have", "had", "did", "does", "do", "can", "could", "will",
                              "would", "shall", "should"]
    static let questionSubjects = ["it", "this", "that", "item", "items", "the", "you", "we", "they", "he", "she", "point",
                                   "task", "everything", "all", "#", "there"]

    // MARK: - Reading

    func read(_ prose: String) -> [ReadInstruction] {
        // "No. 2" is an item, not a sentence end.
        let text = TextFold.unwrap(prose).lowercased().replacingOccurrences(of: "no. ", with: "no ")
        var out: [ReadInstruction] = []
        var namedSomewhere = false
        for sentence in TextFold.sentences(text) {
            let chars = Array(sentence)
            if isQuestion(chars) { continue }
            var previous: (named: ItemNumbers.Named, hadMarker: Bool)?
            for clause in Self.clauses(chars) {
                let named = ItemNumbers.inProse(clause)
                let reading = read(clause: clause)
                defer { previous = (named, reading != nil) }
                guard let reading, case .say(let say) = reading else { continue }
                var refs = named
                if refs.numbers.isEmpty, !refs.ambiguous, let p = previous, !p.hadMarker { refs = p.named }
                if refs.ambiguous { continue }
                if !refs.numbers.isEmpty { namedSomewhere = true }
                let items: [ItemReference] = refs.numbers.isEmpty ? [.repliedTo] : refs.numbers.map(ItemReference.number)
                let origin = StaffInstructionOrigin.natural(sentence: sentence)
                for item in items {
                    switch say {
                    case .done: out.append(ReadInstruction(.itemDone(item), origin: origin))
                    case .moved(let due): out.append(ReadInstruction(.itemRescheduled(item, due: due), origin: origin))
                    }
                }
            }
        }
        // Clauses that name no item beside ones that do: which item would they mean?
        if namedSomewhere { out.removeAll { $0.instruction.item == .repliedTo } }
        // Two readings that disagree about one item: neither.
        var byItem: [ItemReference: [StaffInstruction]] = [:]
        for r in out { if let item = r.instruction.item { byItem[item, default: []].append(r.instruction) } }
        let disputed = Set(byItem.filter { Set($0.value.map(Self.key)).count > 1 }.keys)
        var seen: [StaffInstruction] = []
        return out.filter { r in
            guard let item = r.instruction.item, !disputed.contains(item), !seen.contains(r.instruction) else { return false }
            seen.append(r.instruction)
            return true
        }
    }

    /// Equal for the same kind and the same new instant (the words may differ).
    private static func key(_ i: StaffInstruction) -> String {
        switch i {
        case .itemRescheduled(_, let due): return "moved \(due.instant.timeIntervalSince1970)"
        default: return "\(i)"
        }
    }

    enum Say: Equatable {
        case done
        case moved(StaffDate)
    }

    /// What a clause says: nil when it holds no marker at all; `.nothing` when it does but says
    /// nothing that can be applied (negated, hedged, both done and moved, no readable date …).
    enum ClauseReading: Equatable {
        case say(Say)
        case nothing
    }

    func read(clause c: [Character]) -> ClauseReading? {
        let done = doneMarker(c)
        let moved = Self.find(c, Self.rescheduleCN) ?? Self.findWords(c, Self.rescheduleEN)
        guard done != nil || moved != nil else { return nil }
        if done != nil && moved != nil { return .nothing }
        if Self.isNegated(c) || Self.isHedged(c, done: done != nil) { return .nothing }
        guard let moved else {
            // A day after the message's day: a promise (第1项明天完成), not a fact.
            let dates = StaffDates.find(in: String(c), sentAt: sentAt, resolver: resolver)
            if let sentAt, dates.contains(where: { m in
                m.resolution.instant.map { resolver.wallClock.local($0).day > resolver.wallClock.local(sentAt).day } ?? false
            }) { return .nothing }
            return .say(.done)
        }
        // The date the clause moves to: those after the marker, else any; exactly one instant.
        let after = StaffDates.find(in: String(c[moved...]), sentAt: sentAt, resolver: resolver)
        let considered = after.isEmpty ? StaffDates.find(in: String(c), sentAt: sentAt, resolver: resolver) : after
        guard !considered.isEmpty else { return .nothing }
        var due: StaffDate?
        for m in considered {
            switch StaffDates.resolve(m.text, sentAt: sentAt, resolver: resolver, span: false) {
            case .success(let d):
                if let due, due.instant != d.instant { return .nothing }
                due = due ?? d
            case .failure:
                return .nothing
            }
        }
        return due.map { .say(.moved($0)) } ?? .nothing
    }

    /// Where a done marker starts in the clause, or nil.
    func doneMarker(_ c: [Character]) -> Int? {
        var i = 0
        while i < c.count {
            for v in Self.doneVerbsCN where c[i] == v.first! && ItemNumbers.matches(c, i, v) {
                let end = i + v.count
                if Self.conditionAfter.contains(where: { ItemNumbers.matches(c, end, $0) }) { return nil }
                if Self.yiBefore(c, i) { return i }
                if Self.doneAfter.contains(where: { ItemNumbers.matches(c, end, $0) }) { return i }
                if Self.doneAloneCN.contains(v), Self.onlyPunctuation(c, from: end) { return i }
            }
            if Self.doneShortCN.contains(c[i]), Self.yiBefore(c, i, near: true),
               ItemNumbers.at(c, i + 1) == "了" || Self.onlyPunctuation(c, from: i + 1) {
                return i
            }
            i += 1
        }
        guard let at = Self.findWords(c, Self.doneEN) else { return nil }
        // "Sent from my iPhone", "sent via WeCom": a client's signature.
        if ItemNumbers.word(c, at, "sent"),
           ["from", "via", "with", "using"].contains(where: { ItemNumbers.word(c, ItemNumbers.skipSpaces(c, at + 4), $0) }) {
            return nil
        }
        return at
    }

    /// 已 (with 经, 全部, 都 … between) right before `i`.
    /// `near`: only right before (已发, 已经发), not a few characters before.
    static func yiBefore(_ c: [Character], _ i: Int, near: Bool = false) -> Bool {
        if ItemNumbers.at(c, i - 1) == "已" { return true }
        for w in afterYi where i - w.count - 1 >= 0 && ItemNumbers.matches(c, i - w.count, w) && c[i - w.count - 1] == "已" {
            return true
        }
        if near { return false }
        // 已于11月18日发出, 已按要求处理: 已 a few characters before, with nothing negating between.
        var j = i - 1
        while j >= 0, i - j <= 12, !"，,;；".contains(c[j]) {
            if c[j] == "已" { return true }
            j -= 1
        }
        return false
    }

    static func onlyPunctuation(_ c: [Character], from i: Int) -> Bool {
        c[min(i, c.count)...].allSatisfy { $0.isWhitespace || $0.isPunctuation || "。.!！~～".contains($0) }
    }

    static func isNegated(_ c: [Character]) -> Bool {
        for (k, ch) in c.enumerated() where negationCN.contains(ch) {
            // 不仅/不但 do not negate; 无误 (without error) says it is right.
            if ch == "不", let n = ItemNumbers.at(c, k + 1), "仅僅但".contains(n) { continue }
            if ch == "无" || ch == "無", let n = ItemNumbers.at(c, k + 1), "误誤".contains(n) { continue }
            return true
        }
        if c.contains("'"), String(c).contains("n't") { return true }
        for w in negationEN where ItemNumbers.contains(c, w) {
            // "no 2": an item number.
            if w == "no", !hasWordOtherThanNumber(c, "no") { continue }
            return true
        }
        return false
    }

    /// True when `w` occurs as a word not followed by a number.
    static func hasWordOtherThanNumber(_ c: [Character], _ w: String) -> Bool {
        var i = 0
        while i < c.count {
            if ItemNumbers.word(c, i, w) {
                let k = ItemNumbers.skipSpaces(c, i + w.count)
                if ItemNumbers.number(c, k) == nil { return true }
            }
            i += 1
        }
        return false
    }

    /// `done`: for a done clause, "until"/"till" hedge too (not done until …); a move says
    /// "postponed until Friday".
    static func isHedged(_ c: [Character], done: Bool) -> Bool {
        if c.first == "如" { return true }
        if done, ItemNumbers.contains(c, "until") || ItemNumbers.contains(c, "till") { return true }
        if String(c).contains("'ll") { return true }
        if hedgeCN.contains(where: { ItemNumbers.contains(c, $0) }) { return true }
        // 会/將 as "will": not 会议 (a meeting), not 已将 (已 + the object marker 将).
        for (k, ch) in c.enumerated() {
            if ch == "会" || ch == "會", let n = ItemNumbers.at(c, k + 1), !"议議谈談面见見话話场場计計客员員".contains(n) { return true }
            if ch == "将" || ch == "將", !(ItemNumbers.at(c, k - 1) == "已" || ItemNumbers.at(c, k - 1) == "经"
                                         || ItemNumbers.at(c, k - 1) == "經") { return true }
        }
        return hedgeEN.contains(where: { w in
            // "may" the month: "done on May 5".
            ItemNumbers.contains(c, w)
        }) || (ItemNumbers.contains(c, "may") && hasWordOtherThanNumber(c, "may"))
    }

    func isQuestion(_ c: [Character]) -> Bool {
        var end = c.count
        while end > 0, c[end - 1].isWhitespace || "。.!！~～…".contains(c[end - 1]) { end -= 1 }
        guard end > 0 else { return false }
        if c[end - 1] == "?" { return true }
        let body = Array(c[..<end])
        if Self.questionEndsCN.contains(where: { w in end >= w.count && ItemNumbers.matches(body, end - w.count, w) }) {
            return true
        }
        if Self.questionWordsCN.contains(where: { ItemNumbers.contains(body, $0) }) { return true }
        // has item 2 been sent / is it done
        let start = ItemNumbers.skipSpaces(body, 0)
        for aux in Self.questionAux where ItemNumbers.word(body, start, aux) {
            let s = ItemNumbers.skipSpaces(body, start + aux.count)
            if Self.questionSubjects.contains(where: { ItemNumbers.word(body, s, $0) || ($0 == "#" && body[safe: s] == "#") }) {
                return true
            }
        }
        return false
    }

    /// A sentence's clauses: split at `,` `，` `;` `；` and at "but"/但是/但/不过.
    static func clauses(_ c: [Character]) -> [[Character]] {
        var out: [[Character]] = []
        var current: [Character] = []
        var i = 0
        while i < c.count {
            let ch = c[i]
            if ",，;；".contains(ch) {
                if !current.isEmpty { out.append(current) }
                current = []
            } else if ItemNumbers.word(c, i, "but") || ch == "但" || ItemNumbers.matches(c, i, "不过") || ItemNumbers.matches(c, i, "不過") {
                if !current.isEmpty { out.append(current) }
                current = []
                i += ch == "但" ? (ItemNumbers.at(c, i + 1) == "是" ? 2 : 1) : (ch == "b" ? 3 : 2)
                continue
            } else {
                current.append(ch)
            }
            i += 1
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// The start of the first of `words` (Chinese) in `c`.
    static func find(_ c: [Character], _ words: [String]) -> Int? {
        var i = 0
        while i < c.count {
            if words.contains(where: { c[i] == $0.first! && ItemNumbers.matches(c, i, $0) }) { return i }
            i += 1
        }
        return nil
    }

    /// The start of the first of `words` (English, whole words) in `c`.
    static func findWords(_ c: [Character], _ words: [String]) -> Int? {
        var i = 0
        while i < c.count {
            if c[i].isASCII, c[i].isLetter, !ItemNumbers.isLetter(ItemNumbers.at(c, i - 1)),
               words.contains(where: { ItemNumbers.word(c, i, $0) }) { return i }
            i += 1
        }
        return nil
    }
}

extension StaffDates {
    /// Deadline expressions in `text`; without a message date, read from the first reference
    /// (each is checked again by `resolve`).
    static func find(in text: String, sentAt: Date?, resolver: DeadlineResolver) -> [DeadlineMatch] {
        resolver.find(in: text, sentAt: sentAt ?? references.0)
    }
}

extension Array {
    fileprivate subscript(safe i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}
