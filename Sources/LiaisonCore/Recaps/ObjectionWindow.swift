import Foundation

/// Finds the objection window a recap states (semantics.md "The objection window"): an
/// invitation to object — 如有异议/若有不同意见/如有異議/如对以上内容有异议/if you disagree/should you
/// have any objection — followed in the same sentence by a reply verb (回复/反馈/回覆/告知/提出/
/// reply/let us know …) and a time (请于今日内, 请在…前, within 2 working days), or a clause that
/// makes silence consent (逾期视为确认, 逾期未回复视为同意, silence will be taken as agreement).
///
/// A question (如有疑问/如有问题请联系) is not an invitation to object; an invitation without a time
/// and without a silence clause (如有异议请联系我) states no window. Pure; works on folded text
/// (full-width punctuation already ASCII).
public enum ObjectionWindow {
    /// Where the window's words are: the phrases to resolve, best first.
    public struct Found: Sendable, Equatable {
        /// The invitation to object up to its sentence end (`如有异议请于今日内回复:`), when present.
        public var invitation: String?
        /// The sentence that makes silence consent, up to the silence words, and the sentence
        /// before it (where `请于周五前确认。逾期视为确认` states the time).
        public var silenceContext: [String]
        /// True when a silence-is-consent clause was found.
        public var silenceIsConsent: Bool
        /// The phrases that may hold the window's time, best first.
        public var candidates: [String] { (invitation.map { [$0] } ?? []) + silenceContext }
    }

    static let invitationCN =
        #"(如有|如对|如對|如您|如果|如若|若有|若对|若對|若您|若是|倘若|倘有|假如|要是|如需|若需)[^,:;]{0,24}?(异议|異議|不同意见|不同意見|不同看法|意见|意見|修改|补充|補充|出入|不同意|不认可|不認可)"#
    static let invitationEN =
        #"\b(if|should|in case)\b[^.;:]{0,40}?\b(disagree|disagreement|objects?|objections?|concerns?|corrections?|amendments?|do not agree|don't agree|not agree|anything (is )?(incorrect|inaccurate|wrong)|anything needs? (to be )?(corrected|changed|amended))\b"#
    static let replyVerb =
        #"(回复|回覆|回覆|答复|反馈|反饋|告知|提出|联系|聯繫|联络|聯絡|告诉|告訴|通知|确认|確認|说明|說明|\breply\b|\brespond\b|let (us|me) know|\brevert\b|\btell\b|\binform\b|\bcontact\b|get back|\bnotify\b|\braise\b|write (to|back))"#
    static let silenceCN =
        #"(逾期|未|没有|沒有|不|无|無|否则|否則)[^。.;!?]{0,10}?(视为|視為|视同|視同|当作|當作|作为|作為|默认为|默認為|默认|默認)[^。.;]{0,4}?(确认|確認|同意|认可|認可|接受|无异议|無異議|通过|通過)|默认确认|默認確認|视为默认|視為默認"#
    static let silenceEN =
        #"(silence|no (reply|response|objection|answer|comment)s?|(not|n't) (hear|receive|get)|absence of)[^.;]{0,60}?(taken|treated|deemed|considered|regarded|assumed|understood)[^.;]{0,20}?(agreement|acceptance|confirmation|agreed|accepted|confirmed|approval|approved|consent)|\bdeemed (accepted|agreed|confirmed|approved)\b|we will assume (that )?(you|everyone|all) (agree|accept|are fine)"#

    /// The window in `text` (folded, quotes stripped), or nil when it states none.
    public static func find(in text: String) -> Found? {
        let sentences = TextFold.sentences(TextFold.unwrap(text))
        var invitation: String?
        var silence: [String] = []
        var silenceFound = false
        for (k, s) in sentences.enumerated() {
            if invitation == nil, let r = TextFold.firstMatch(invitationCN, in: s) ?? TextFold.firstMatch(invitationEN, in: s) {
                let rest = String(s[r.lowerBound...])
                if TextFold.firstMatch(replyVerb, in: String(s[r.upperBound...])) != nil {
                    invitation = rest
                } else if TextFold.firstMatch(replyVerb, in: String(s[..<r.lowerBound])) != nil {
                    // English puts the condition last: "Please let us know within 24 hours if you
                    // have any concerns": the whole sentence holds the window's time.
                    invitation = s
                }
            }
            if !silenceFound, let r = TextFold.firstMatch(silenceCN, in: s) ?? TextFold.firstMatch(silenceEN, in: s) {
                silenceFound = true
                silence.append(String(s[..<r.lowerBound]))
                if k > 0 { silence.append(sentences[k - 1]) }
            }
        }
        guard invitation != nil || silenceFound else { return nil }
        return Found(invitation: invitation, silenceContext: silence, silenceIsConsent: silenceFound)
    }

    /// The window's deadline: the first candidate phrase that holds a time expression, resolved.
    /// nil with a reason when none holds one (a silence clause without a time) or it is unreadable.
    static func deadline(_ found: Found, resolver: DeadlineResolver, sentAt: Date) -> (Deadline?, words: String?, note: String?) {
        for phrase in found.candidates where !resolver.find(in: phrase, sentAt: sentAt).isEmpty {
            switch resolver.resolve(phrase, sentAt: sentAt) {
            case .resolved(let d): return (d, phrase, nil)
            case .unreadable(let why): return (nil, phrase, "objection window unreadable: \(why)")
            }
        }
        return (nil, found.invitation, "the objection window names no time")
    }

    /// True when an invitation-to-object sentence has a reply verb and a time, or silence is
    /// consent: the recap test of semantics.md ("states an objection window").
    static func statesWindow(_ found: Found, resolver: DeadlineResolver, sentAt: Date?) -> Bool {
        if found.silenceIsConsent { return true }
        guard let invitation = found.invitation else { return false }
        // Without a Date there is nothing to resolve against, but the words still name a time.
        let probe = sentAt ?? Date(timeIntervalSince1970: 1_767_225_600)
        if !resolver.find(in: invitation, sentAt: probe).isEmpty { return true }
        // A time the resolver cannot read (请于月中前回复) is still a window: a recap whose deadline
        // is noted as unreadable, never a guess.
        return TextFold.firstMatch(limitWords, in: invitation) != nil
    }

    /// 于/在/請於 … 内/前/为止, within/by/before/until: the shape of a time limit.
    static let limitWords = #"(于|於|在)[^,;。]{0,16}?(内|內|前|为止|為止)|\b(within|by|before|until|no later than)\b"#
}
