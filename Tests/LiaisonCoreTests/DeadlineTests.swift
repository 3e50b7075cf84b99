import Foundation
import Testing
@testable import LiaisonCore

// Deadline expressions resolved against a message's Date in Asia/Shanghai, workday end 18:00,
// the built-in mainland-China calendar (the corpus organisation's settings).

private func instant(_ iso: String) -> Date {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    guard let d = f.date(from: iso.contains("+") || iso.hasSuffix("Z") ? iso : iso + "+08:00") else {
        fatalError("bad test instant \(iso)")
    }
    return d
}

private let shanghai = DeadlineResolver(timeZone: TimeZone(identifier: "Asia/Shanghai")!,
                                        workdayEnd: ClockTime(hour: 18)!, calendar: .mainlandChina)

// Message dates (Asia/Shanghai wall time).
private let tue = "2026-11-17T15:40:00"      // Tuesday, corpus 03
private let fri = "2026-11-20T17:30:00"      // Friday, after 17:00
private let sun = "2026-11-22T10:00:00"      // Sunday
private let mon = "2026-11-23T11:30:00"      // Monday, corpus 11
private let dec30 = "2026-12-30T09:15:00"    // Wednesday before the year ends
private let dec28 = "2026-12-28T10:00:00"    // Monday
private let jan5 = "2026-01-05T10:00:00"     // Monday after the New Year holiday
private let jan31 = "2026-01-31T11:00:00"    // Saturday, last day of January
private let feb13 = "2026-02-13T16:00:00"    // Friday before 2026-02-14 (调休 Saturday) and the Spring Festival
private let feb27 = "2026-02-27T09:00:00"    // Friday before 2026-02-28 (调休 Saturday)
private let feb28 = "2026-02-28T10:00:00"    // 调休 Saturday itself
private let sep30 = "2026-09-30T16:00:00"    // Wednesday before National Day 10-01…10-07; 10-10 (Sat) worked
private let sep26y25 = "2025-09-26T10:00:00" // Friday before 2025-09-28 (调休 Sunday)
private let sep30y25 = "2025-09-30T14:00:00" // Tuesday before National Day 2025 (10-01…10-08); 10-11 (Sat) worked

struct DeadlineCase: Sendable, CustomTestStringConvertible {
    let expression: String
    let sentAt: String
    let expected: String
    init(_ expression: String, _ sentAt: String, _ expected: String) {
        self.expression = expression
        self.sentAt = sentAt
        self.expected = expected
    }
    var testDescription: String { "\(expression) @ \(sentAt) → \(expected)" }
}

private let cases: [DeadlineCase] = [
    // The objection window: end of the message's day.
    .init("今日内", tue, "2026-11-17T23:59:59"),
    .init("今天内", tue, "2026-11-17T23:59:59"),
    .init("当日内", tue, "2026-11-17T23:59:59"),
    .init("今日內", tue, "2026-11-17T23:59:59"),
    .init("今日之内", tue, "2026-11-17T23:59:59"),
    .init("如有异议请于今日内回复", tue, "2026-11-17T23:59:59"),
    .init("today", tue, "2026-11-17T23:59:59"),
    .init("Today", tue, "2026-11-17T23:59:59"),
    .init("by end of today", tue, "2026-11-17T23:59:59"),
    .init("by the end of today", tue, "2026-11-17T23:59:59"),
    .init("今日内", fri, "2026-11-20T23:59:59"),
    // Workday end.
    .init("今天下班前", tue, "2026-11-17T18:00:00"),
    .init("今日下班前", tue, "2026-11-17T18:00:00"),
    .init("下班前", tue, "2026-11-17T18:00:00"),
    .init("by close of business", tue, "2026-11-17T18:00:00"),
    .init("COB", tue, "2026-11-17T18:00:00"),
    .init("EOD", tue, "2026-11-17T18:00:00"),
    .init("by end of day", tue, "2026-11-17T18:00:00"),
    .init("今天下班前", fri, "2026-11-20T18:00:00"),
    .init("今天下班前", sun, "2026-11-22T18:00:00"),
    .init("今天下班前", feb28, "2026-02-28T18:00:00"),
    .init("当天下班前", tue, "2026-11-17T18:00:00"),
    // Elapsed hours and minutes.
    .init("24小时内", tue, "2026-11-18T15:40:00"),
    .init("2小时内", tue, "2026-11-17T17:40:00"),
    .init("两小时内", tue, "2026-11-17T17:40:00"),
    .init("二十四小时内", tue, "2026-11-18T15:40:00"),
    .init("半小时内", tue, "2026-11-17T16:10:00"),
    .init("一个半小时内", tue, "2026-11-17T17:10:00"),
    .init("48小時內", tue, "2026-11-19T15:40:00"),
    .init("２４小时内", tue, "2026-11-18T15:40:00"),
    .init("24个小时之内", tue, "2026-11-18T15:40:00"),
    .init("30分钟内", tue, "2026-11-17T16:10:00"),
    .init("within 2 hours", tue, "2026-11-17T17:40:00"),
    .init("within 24 hours", tue, "2026-11-18T15:40:00"),
    .init("within an hour", tue, "2026-11-17T16:40:00"),
    .init("within half an hour", tue, "2026-11-17T16:10:00"),
    .init("in 3 hours", fri, "2026-11-20T20:30:00"),
    .init("3小时内", fri, "2026-11-20T20:30:00"),
    .init("48小时内", dec30, "2027-01-01T09:15:00"),
    .init("24小时内", jan31, "2026-02-01T11:00:00"),
    // Working days (holidays, 调休 Saturdays and Sundays) and calendar days.
    .init("3个工作日内", tue, "2026-11-20T23:59:59"),
    .init("3個工作日內", tue, "2026-11-20T23:59:59"),
    .init("三个工作日内", tue, "2026-11-20T23:59:59"),
    .init("３个工作日内", tue, "2026-11-20T23:59:59"),
    .init("within 3 working days", tue, "2026-11-20T23:59:59"),
    .init("within 3 business days", tue, "2026-11-20T23:59:59"),
    .init("1个工作日内", fri, "2026-11-23T23:59:59"),
    .init("2个工作日内", fri, "2026-11-24T23:59:59"),
    .init("1个工作日内", sun, "2026-11-23T23:59:59"),
    .init("1个工作日内", dec30, "2026-12-31T23:59:59"),
    .init("1个工作日内", jan5, "2026-01-06T23:59:59"),
    .init("1个工作日内", jan31, "2026-02-02T23:59:59"),
    .init("2个工作日内", jan31, "2026-02-03T23:59:59"),
    .init("1个工作日内", feb13, "2026-02-14T23:59:59"),
    .init("2个工作日内", feb13, "2026-02-24T23:59:59"),
    .init("within 2 business days", feb13, "2026-02-24T23:59:59"),
    .init("1个工作日内", feb27, "2026-02-28T23:59:59"),
    .init("1個工作日內", feb27, "2026-02-28T23:59:59"),
    .init("1个工作日内", feb28, "2026-03-02T23:59:59"),
    .init("5个工作日内", feb28, "2026-03-06T23:59:59"),
    .init("1个工作日内", sep30, "2026-10-08T23:59:59"),
    .init("3个工作日内", sep30, "2026-10-10T23:59:59"),
    .init("4个工作日内", sep30, "2026-10-12T23:59:59"),
    .init("1个工作日内", sep26y25, "2025-09-28T23:59:59"),
    .init("1个工作日内", sep30y25, "2025-10-09T23:59:59"),
    .init("2个工作日内", sep30y25, "2025-10-10T23:59:59"),
    .init("3个工作日内", sep30y25, "2025-10-11T23:59:59"),
    .init("3天内", tue, "2026-11-20T23:59:59"),
    .init("3天内", dec30, "2027-01-02T23:59:59"),
    .init("3天内", jan31, "2026-02-03T23:59:59"),
    .init("3天内", sep30, "2026-10-03T23:59:59"),
    .init("一周内", tue, "2026-11-24T23:59:59"),
    .init("within 2 days", tue, "2026-11-19T23:59:59"),
    // Tomorrow, the day after.
    .init("明天", tue, "2026-11-18T23:59:59"),
    .init("明日", tue, "2026-11-18T23:59:59"),
    .init("明天上午10点", tue, "2026-11-18T10:00:00"),
    .init("明日上午10點", tue, "2026-11-18T10:00:00"),
    .init("明天下午3点", tue, "2026-11-18T15:00:00"),
    .init("明天中午前", tue, "2026-11-18T12:00:00"),
    .init("tomorrow", tue, "2026-11-18T23:59:59"),
    .init("tomorrow at noon", tue, "2026-11-18T12:00:00"),
    .init("by 5pm tomorrow", tue, "2026-11-18T17:00:00"),
    .init("COB tomorrow", tue, "2026-11-18T18:00:00"),
    .init("明早", tue, "2026-11-18T12:00:00"),
    .init("明晚8点", tue, "2026-11-18T20:00:00"),
    .init("后天", tue, "2026-11-19T23:59:59"),
    .init("後天下午", tue, "2026-11-19T18:00:00"),
    .init("大后天", tue, "2026-11-20T23:59:59"),
    .init("明天", fri, "2026-11-21T23:59:59"),
    .init("明天", dec30, "2026-12-31T23:59:59"),
    .init("后天", dec30, "2027-01-01T23:59:59"),
    .init("明天", jan31, "2026-02-01T23:59:59"),
    .init("明天", feb28, "2026-03-01T23:59:59"),
    // Clock times on the message's day.
    .init("下午3点", tue, "2026-11-17T15:00:00"),
    .init("晚上8点", tue, "2026-11-17T20:00:00"),
    .init("中午12点", tue, "2026-11-17T12:00:00"),
    .init("上午10点半", tue, "2026-11-17T10:30:00"),
    .init("下午三点一刻", tue, "2026-11-17T15:15:00"),
    .init("凌晨2点", tue, "2026-11-17T02:00:00"),
    .init("今晚8点", tue, "2026-11-17T20:00:00"),
    .init("今晚", tue, "2026-11-17T23:59:59"),
    .init("17:00", tue, "2026-11-17T17:00:00"),
    .init("17：00", tue, "2026-11-17T17:00:00"),
    .init("１７：００", tue, "2026-11-17T17:00:00"),
    .init("17:00前", tue, "2026-11-17T17:00:00"),
    .init("上午10:30", tue, "2026-11-17T10:30:00"),
    .init("下午 3:30", tue, "2026-11-17T15:30:00"),
    .init("5pm", tue, "2026-11-17T17:00:00"),
    .init("5:30 PM", tue, "2026-11-17T17:30:00"),
    .init("5 p.m.", tue, "2026-11-17T17:00:00"),
    .init("noon", tue, "2026-11-17T12:00:00"),
    // Weekdays: on or after the message's day; 本周 in its week; 下周 in the next.
    .init("周三", tue, "2026-11-18T23:59:59"),
    .init("星期三", tue, "2026-11-18T23:59:59"),
    .init("週三", tue, "2026-11-18T23:59:59"),
    .init("礼拜三", tue, "2026-11-18T23:59:59"),
    .init("禮拜三", tue, "2026-11-18T23:59:59"),
    .init("Wednesday", tue, "2026-11-18T23:59:59"),
    .init("Wed", tue, "2026-11-18T23:59:59"),
    .init("周三前", tue, "2026-11-18T23:59:59"),
    .init("周二", tue, "2026-11-17T23:59:59"),
    .init("周一", tue, "2026-11-23T23:59:59"),
    .init("周三17:00", tue, "2026-11-18T17:00:00"),
    .init("周三 17：00", tue, "2026-11-18T17:00:00"),
    .init("星期五下午3點", tue, "2026-11-20T15:00:00"),
    .init("本周五", tue, "2026-11-20T23:59:59"),
    .init("本週五前", tue, "2026-11-20T23:59:59"),
    .init("这周五", tue, "2026-11-20T23:59:59"),
    .init("this Friday", tue, "2026-11-20T23:59:59"),
    .init("本周一", tue, "2026-11-16T23:59:59"),
    .init("下周一", tue, "2026-11-23T23:59:59"),
    .init("下週一", tue, "2026-11-23T23:59:59"),
    .init("下个星期一", tue, "2026-11-23T23:59:59"),
    .init("next Monday", tue, "2026-11-23T23:59:59"),
    .init("下周三下午3点", tue, "2026-11-25T15:00:00"),
    .init("周五前", tue, "2026-11-20T23:59:59"),
    .init("周五下班前", tue, "2026-11-20T18:00:00"),
    .init("周末", tue, "2026-11-22T23:59:59"),
    .init("本周内", tue, "2026-11-22T23:59:59"),
    .init("Friday 12:00", tue, "2026-11-20T12:00:00"),
    .init("Friday at 5pm", tue, "2026-11-20T17:00:00"),
    .init("5pm Friday", tue, "2026-11-20T17:00:00"),
    .init("12:00 on Friday", tue, "2026-11-20T12:00:00"),
    .init("Friday EOD", tue, "2026-11-20T18:00:00"),
    .init("EOD Friday", tue, "2026-11-20T18:00:00"),
    .init("Friday afternoon", tue, "2026-11-20T18:00:00"),
    .init("周五", fri, "2026-11-20T23:59:59"),
    .init("周四", fri, "2026-11-26T23:59:59"),
    .init("下周一上午10点", fri, "2026-11-23T10:00:00"),
    .init("next Friday", fri, "2026-11-27T23:59:59"),
    .init("this Wednesday", fri, "2026-11-18T23:59:59"),
    .init("周末", fri, "2026-11-22T23:59:59"),
    .init("周一", sun, "2026-11-23T23:59:59"),
    .init("周日", sun, "2026-11-22T23:59:59"),
    .init("星期天", sun, "2026-11-22T23:59:59"),
    .init("本周三", sun, "2026-11-18T23:59:59"),
    .init("下周三", sun, "2026-11-25T23:59:59"),
    .init("下周日", sun, "2026-11-29T23:59:59"),
    .init("周五", dec30, "2027-01-01T23:59:59"),
    .init("下周一", dec30, "2027-01-04T23:59:59"),
    .init("周一", jan31, "2026-02-02T23:59:59"),
    .init("本周五", jan31, "2026-01-30T23:59:59"),
    .init("下周五", jan31, "2026-02-06T23:59:59"),
    .init("周一", feb28, "2026-03-02T23:59:59"),
    .init("下周一", sep30, "2026-10-05T23:59:59"),
    // Dates, with and without year, in every notation.
    .init("11月19日17:00", tue, "2026-11-19T17:00:00"),
    .init("11月19日", tue, "2026-11-19T23:59:59"),
    .init("11月19号", tue, "2026-11-19T23:59:59"),
    .init("11月19號", tue, "2026-11-19T23:59:59"),
    .init("十一月十九日", tue, "2026-11-19T23:59:59"),
    .init("11月19日下午5点前", tue, "2026-11-19T17:00:00"),
    .init("11月19日17时30分", tue, "2026-11-19T17:30:00"),
    .init("１１月１９日　１７：３０", tue, "2026-11-19T17:30:00"),
    .init("12月2日 17：30", tue, "2026-12-02T17:30:00"),
    .init("2026-11-20", tue, "2026-11-20T23:59:59"),
    .init("2026/11/20", tue, "2026-11-20T23:59:59"),
    .init("2026年11月20日", tue, "2026-11-20T23:59:59"),
    .init("2026年11月20日 17:00", tue, "2026-11-20T17:00:00"),
    .init("二〇二六年十一月二十日", tue, "2026-11-20T23:59:59"),
    .init("11/20", tue, "2026-11-20T23:59:59"),
    .init("Nov 20", tue, "2026-11-20T23:59:59"),
    .init("20 Nov", tue, "2026-11-20T23:59:59"),
    .init("November 20, 2026", tue, "2026-11-20T23:59:59"),
    .init("20 November 2026", tue, "2026-11-20T23:59:59"),
    .init("Nov 20th 5pm", tue, "2026-11-20T17:00:00"),
    .init("11月25日(周三)", tue, "2026-11-25T23:59:59"),
    .init("11月25日（星期三）下午3点", tue, "2026-11-25T15:00:00"),
    .init("1月3日", dec30, "2027-01-03T23:59:59"),
    .init("1月3日", dec28, "2027-01-03T23:59:59"),
    .init("1/4", dec30, "2027-01-04T23:59:59"),
    .init("Jan 5", dec30, "2027-01-05T23:59:59"),
    .init("12月31日下午5点", dec30, "2026-12-31T17:00:00"),
    .init("12月30日", jan5, "2025-12-30T23:59:59"),
    .init("2月1日", jan31, "2026-02-01T23:59:59"),
    .init("3月1日", feb28, "2026-03-01T23:59:59"),
    .init("10月8日上午9点", sep30, "2026-10-08T09:00:00"),
    .init("2026.11.20", tue, "2026-11-20T23:59:59"),
    .init("2026-11-20 17:00", tue, "2026-11-20T17:00:00"),
    .init("2026年12月1日下午3点", tue, "2026-12-01T15:00:00"),
    .init("十二月一日前", tue, "2026-12-01T23:59:59"),
    .init("12月01日", tue, "2026-12-01T23:59:59"),
    .init("11月19日（星期四）17：00", tue, "2026-11-19T17:00:00"),
    .init("周三(11月25日)", tue, "2026-11-25T23:59:59"),
    .init("周三（11月25日）17:00", tue, "2026-11-25T17:00:00"),
    .init("Fri 20 Nov", tue, "2026-11-20T23:59:59"),
    .init("Wednesday, November 25", tue, "2026-11-25T23:59:59"),
    .init("请于11月20日(周五)前回复", tue, "2026-11-20T23:59:59"),
    .init("如有异议请于2026年11月18日12:00前回复", tue, "2026-11-18T12:00:00"),
    // Month ends.
    .init("月底前", tue, "2026-11-30T23:59:59"),
    .init("本月底前", tue, "2026-11-30T23:59:59"),
    .init("下个月底", tue, "2026-12-31T23:59:59"),
    .init("下月底", dec30, "2027-01-31T23:59:59"),
    .init("12月底", tue, "2026-12-31T23:59:59"),
    .init("2月底", jan31, "2026-02-28T23:59:59"),
    .init("end of the month", jan31, "2026-01-31T23:59:59"),
    // Phrases as staff write them around the deadline.
    .init("请在本周五下班前反馈", tue, "2026-11-20T18:00:00"),
    .init("若有不同意见请在24小时内反馈", tue, "2026-11-18T15:40:00"),
    .init("如有異議請於今日內回覆", tue, "2026-11-17T23:59:59"),
    .init("請於3個工作天內回覆", tue, "2026-11-20T23:59:59"),
    .init("截止時間：下週一上午10點", tue, "2026-11-23T10:00:00"),
    .init("please reply by Friday", tue, "2026-11-20T23:59:59"),
    .init("please reply by 5 pm today", tue, "2026-11-17T17:00:00"),
    .init("If you disagree, please reply by close of business tomorrow.", tue, "2026-11-18T18:00:00"),
    .init("within 48 hrs", tue, "2026-11-19T15:40:00"),
    .init("within one working day", tue, "2026-11-18T23:59:59"),
    .init("三天之内", tue, "2026-11-20T23:59:59"),
    .init("礼拜五下午五点半", tue, "2026-11-20T17:30:00"),
    .init("Thursday noon", tue, "2026-11-19T12:00:00"),
    .init("thu 3pm", tue, "2026-11-19T15:00:00"),
    .init("by Monday 10 a.m.", tue, "2026-11-23T10:00:00"),
    .init("明天9:00am", tue, "2026-11-18T09:00:00"),
    .init("今天中午12:00前", tue, "2026-11-17T12:00:00"),
    .init("晚上十点前", tue, "2026-11-17T22:00:00"),
    .init("18点前", tue, "2026-11-17T18:00:00"),
    .init("今晚12点前", tue, "2026-11-18T00:00:00"),
    .init("ＥＯＤ", tue, "2026-11-17T18:00:00"),
    .init("Ｆｒｉｄａｙ　１２：００", tue, "2026-11-20T12:00:00"),
    .init("下午３点半", tue, "2026-11-17T15:30:00"),
    .init("２０２６／１１／２０", tue, "2026-11-20T23:59:59"),
    .init("周三（11月25日）前", sun, "2026-11-25T23:59:59"),
]

@Test(arguments: cases)
func resolvesExpression(_ c: DeadlineCase) {
    let result = shanghai.resolve(c.expression, sentAt: instant(c.sentAt))
    #expect(result.instant == instant(c.expected), "\(c.expression): \(result)")
}

@Test func tableIsLargeEnough() {
    #expect(cases.count >= 150)
}

private let unreadable: [(String, String)] = [
    ("", tue), ("尽快", tue), ("ASAP", tue), ("as soon as possible", tue), ("随时", tue), ("待定", tue), ("TBD", tue),
    ("下下下周", tue), ("下下下周三", tue), ("下下周一", tue), ("下周", tue), ("上周三", tue),
    ("13月5日", tue), ("2月30日", tue), ("11/31", tue), ("2026-02-29", tue), ("2月29日", feb28),
    ("25:00", tue), ("17:60", tue), ("上午15点", tue), ("晚上1点", tue), ("13pm", tue),
    ("0个工作日内", tue), ("0小时内", tue), ("11月25日(周四)", tue), ("周四(11月25日)", tue), ("本周五或下周一", tue),
    ("5点前", tue), ("周三3点", tue), ("5:00", tue), ("每周一9点例会", tue), ("每天下午5点前提交日报", tue),
    ("every Monday at 10am", tue), ("11.20", tue), ("by 20/11", tue), ("Nov 31", tue), ("13月底", tue),
    ("by end of next week", tue), ("3天后", tue),
]

@Test(arguments: unreadable)
func refusesToGuess(_ expression: String, _ sentAt: String) {
    let result = shanghai.resolve(expression, sentAt: instant(sentAt))
    guard case .unreadable(let reason) = result else {
        Issue.record("\(expression) resolved to \(result)")
        return
    }
    #expect(!reason.isEmpty)
}

@Test func unreadableListIsLargeEnough() {
    #expect(unreadable.count >= 15)
}

// MARK: - The corpus: phrases copied from the decoded 03 and 11 .eml, against their expect.json.

@Test(arguments: [
    // 03-recap-gb2312-alternative.eml, Date: Tue, 17 Nov 2026 15:40:00 +0800
    ("如有异议请于今日内回复", tue, "2026-11-17T23:59:59"),
    ("11月19日17:00", tue, "2026-11-19T17:00:00"),
    ("11月19日18:00", tue, "2026-11-19T18:00:00"),
    ("11月20日", tue, "2026-11-20T23:59:59"),
    ("11月23日上午10:00", tue, "2026-11-23T10:00:00"),
    ("①我方免费更换同型号设备12台,负责人:售后部王芳,截止时间:11月19日17:00;", tue, "2026-11-19T17:00:00"),
    ("②物流单号在发货当天同步给您,负责人:物流部赵强,截止时间:11月19日18:00;", tue, "2026-11-19T18:00:00"),
    ("③后续提供3个月质保服务,负责人:张伟,截止时间:11月20日。", tue, "2026-11-20T23:59:59"),
    ("下次沟通时间:11月23日上午10:00。", tue, "2026-11-23T10:00:00"),
    ("王总您好,根据今天电话沟通内容,现将结论整理如下,如有异议请于今日内回复:", tue, "2026-11-17T23:59:59"),
    // 11-internal-minutes-weekdays.eml, Date: Mon, 23 Nov 2026 11:30:00 +0800
    ("如有异议请于今日内回复", mon, "2026-11-23T23:59:59"),
    ("周三17:00", mon, "2026-11-25T17:00:00"),
    ("周二12:00", mon, "2026-11-24T12:00:00"),
    ("周三18:00", mon, "2026-11-25T18:00:00"),
    ("①市场部经理周三前提交活动方案初稿(负责人:周敏,截止时间:周三17:00);", mon, "2026-11-25T17:00:00"),
    ("②销售部主管同步客户反馈需求(负责人:孙磊,截止时间:周二12:00);", mon, "2026-11-24T12:00:00"),
    ("③财务部周三下午审核活动预算(负责人:钱丽,截止时间:周三18:00)。", mon, "2026-11-25T18:00:00"),
    // Task texts alone: a weekday named in the task.
    ("市场部经理周三前提交活动方案初稿", mon, "2026-11-25T23:59:59"),
    ("财务部周三下午审核活动预算", mon, "2026-11-25T18:00:00"),
])
func corpusDeadline(_ phrase: String, _ sentAt: String, _ expected: String) {
    let result = shanghai.resolve(phrase, sentAt: instant(sentAt))
    #expect(result.instant == instant(expected), "\(phrase): \(result)")
}

@Test func taskWithoutDateHasNoDue() {
    let result = shanghai.resolve("销售部主管同步客户反馈需求", sentAt: instant(mon))
    #expect(result.instant == nil)
}

// MARK: - find(in:)

@Test func findReturnsRangesIntoTheOriginalText() {
    let line = "①市场部经理周三前提交活动方案初稿(负责人:周敏,截止时间:周三17:00);"
    let matches = shanghai.find(in: line, sentAt: instant(mon))
    #expect(matches.map(\.text) == ["周三前", "周三17:00"])
    #expect(matches.map { String(line[$0.range]) } == ["周三前", "周三17:00"])
    #expect(matches.map(\.isBounded) == [true, true])
    #expect(matches.map(\.isLabelled) == [false, true])
    #expect(matches[0].resolution.instant == instant("2026-11-25T23:59:59"))
    #expect(matches[1].resolution.instant == instant("2026-11-25T17:00:00"))
}

@Test func findKeepsFullWidthTextAsWritten() {
    let line = "截止时间：１１月１９日１７：００；负责人：王芳"
    let matches = shanghai.find(in: line, sentAt: instant(tue))
    #expect(matches.map(\.text) == ["１１月１９日１７：００"])
    #expect(matches.first?.isLabelled == true)
    #expect(matches.first?.resolution.instant == instant("2026-11-19T17:00:00"))
}

@Test func findTellsABareDayFromALimit() {
    let text = "根据今天电话沟通内容,如有异议请于明天中午前回复"
    let matches = shanghai.find(in: text, sentAt: instant(tue))
    #expect(matches.map(\.text) == ["今天", "明天中午前"])
    #expect(matches.map(\.isBounded) == [false, true])
    #expect(shanghai.resolve(text, sentAt: instant(tue)).instant == instant("2026-11-18T12:00:00"))
}

@Test func findReportsAnImpossibleDateInPlace() {
    let matches = shanghai.find(in: "截止时间:2月30日", sentAt: instant(tue))
    #expect(matches.map(\.text) == ["2月30日"])
    guard case .unreadable(let reason)? = matches.first?.resolution else {
        Issue.record("2月30日 was read")
        return
    }
    #expect(reason.contains("30"))
}

@Test func itemNumbersAndCountsAreNotTimes() {
    #expect(shanghai.find(in: "第3点有异议,其余无异议", sentAt: instant(tue)).isEmpty)
    #expect(shanghai.find(in: "后续提供3个月质保服务", sentAt: instant(tue)).isEmpty)
    #expect(shanghai.find(in: "物流单号在发货当天同步给您", sentAt: instant(tue)).isEmpty)
    #expect(shanghai.find(in: "确认以下3点意见", sentAt: instant(tue)).isEmpty)
    #expect(shanghai.find(in: "本次沟通确认3件事", sentAt: instant(tue)).isEmpty)
    #expect(shanghai.find(in: "供货周期为2周", sentAt: instant(tue)).isEmpty)
}

/// Every match lies inside the text, in order, without overlap, whatever the text: prefixes and
/// suffixes of mixed phrases cut at every character.
@Test func findStaysInsideAnyCutOfTheText() {
    let text = "①周三前提交（负责人：王芳，截止时间：１１月１９日下午５点半）;②within 2 working days, by Fri 20 Nov 5pm;③下下下周三 2月30日 25:00 每天"
    for n in 0...text.count {
        for piece in [String(text.prefix(n)), String(text.suffix(n))] {
            var last = piece.startIndex
            for m in shanghai.find(in: piece, sentAt: instant(tue)) {
                #expect(m.range.lowerBound >= last && m.range.upperBound <= piece.endIndex && !m.range.isEmpty)
                last = m.range.upperBound
            }
        }
    }
    #expect(shanghai.find(in: text, sentAt: instant(tue)).map(\.text)
        == ["周三前", "１１月１９日下午５点半", "within 2 working days", "Fri 20 Nov 5pm", "下下下周三", "2月30日 25:00", "每天"])
}

// MARK: - Readings explain themselves

@Test func readingsSayHowTheInstantWasReached() {
    let t = instant(tue)
    #expect(shanghai.resolve("今日内", sentAt: t) == .resolved(Deadline(
        instant: instant("2026-11-17T23:59:59"), reading: .endOfDay(LocalDate(year: 2026, month: 11, day: 17)!))))
    #expect(shanghai.resolve("今天下班前", sentAt: t) == .resolved(Deadline(
        instant: instant("2026-11-17T18:00:00"),
        reading: .workdayEnd(LocalDate(year: 2026, month: 11, day: 17)!, ClockTime(hour: 18)!))))
    #expect(shanghai.resolve("3个工作日内", sentAt: instant(sep30)) == .resolved(Deadline(
        instant: instant("2026-10-10T23:59:59"),
        reading: .workingDays(count: 3, day: LocalDate(year: 2026, month: 10, day: 10)!))))
    #expect(shanghai.resolve("24小时内", sentAt: t).description == "24 h after the message")
}

// MARK: - Organisation settings and other zones

@Test func resolverFromOrganizationSettings() throws {
    func org(_ zone: String, _ start: String = "09:00", end: String) throws -> Organization {
        try Organization(name: "示例科技有限公司", internalDomains: ["corp.example"],
                         trackingAddress: "track@corp.example", authservID: "mx.corp.example",
                         timeZone: zone, workdayStart: start, workdayEnd: end)
    }
    let r = DeadlineResolver(organization: try org("Asia/Shanghai", end: "17:30"))
    #expect(r.resolve("今天下班前", sentAt: instant(tue)).instant == instant("2026-11-17T17:30:00"))
    // The settings are resolved when the organisation is made: a bad one is an error there,
    // never a resolver that silently falls back to another zone or workday end.
    #expect(throws: Organization.SettingError.unknownTimeZone("Mars/Olympus")) { try org("Mars/Olympus", end: "18:00") }
    #expect(throws: Organization.SettingError.badTimeOfDay("workday_end", "6pm")) { try org("Asia/Shanghai", end: "6pm") }
    #expect(throws: Organization.SettingError.badTimeOfDay("workday_end", "24:00")) { try org("Asia/Shanghai", end: "24:00") }
    #expect(throws: Organization.SettingError.badTimeOfDay("workday_start", "9")) { try org("Asia/Shanghai", "9", end: "18:00") }
    #expect(throws: Organization.SettingError.workdayEndsBeforeStart(start: ClockTime(hour: 18)!, end: ClockTime(hour: 9)!)) {
        try org("Asia/Shanghai", "18:00", end: "09:00")
    }
    let ny = try org("America/New_York", "08:30", end: "17:00")
    #expect(ny.timeZone.identifier == "America/New_York")
    #expect(ny.workdayStart == ClockTime(hour: 8, minute: 30)!)
    #expect(DeadlineResolver(organization: ny).workdayEnd == ClockTime(hour: 17)!)
}

@Test func daylightSavingZone() {
    let ny = DeadlineResolver(timeZone: TimeZone(identifier: "America/New_York")!,
                              workdayEnd: ClockTime(hour: 17)!, calendar: .mondayToFriday)
    let sat = instant("2026-03-07T12:00:00-05:00")  // the day before clocks go forward
    #expect(ny.resolve("tomorrow", sentAt: sat).instant == instant("2026-03-08T23:59:59-04:00"))
    #expect(ny.resolve("within 24 hours", sentAt: sat).instant == instant("2026-03-08T13:00:00-04:00"))
    #expect(ny.resolve("Monday COB", sentAt: sat).instant == instant("2026-03-09T17:00:00-04:00"))
    let oct31 = instant("2026-10-31T12:00:00-04:00")  // the day before clocks go back
    #expect(ny.resolve("tomorrow 5pm", sentAt: oct31).instant == instant("2026-11-01T17:00:00-05:00"))
    #expect(ny.resolve("today", sentAt: oct31).instant == instant("2026-10-31T23:59:59-04:00"))
}

/// A message Date comes from an untrusted header: far years must give an answer, never a trap.
@Test func farMessageDatesAreHandled() {
    let late = instant("9999-12-15T10:00:00Z")
    #expect(shanghai.resolve("下月底", sentAt: late).instant == nil)
    #expect(shanghai.resolve("12月底", sentAt: late).instant == instant("9999-12-31T23:59:59+08:00"))
    #expect(shanghai.resolve("明天", sentAt: late).instant == instant("9999-12-16T23:59:59+08:00"))
    let early = instant("0001-01-02T10:00:00Z")
    // Proleptic Gregorian, local mean time (+08:05:43 in tzdata for year 1): check the wall clock.
    let endOfYear1 = shanghai.resolve("12月底", sentAt: early).instant
    #expect(endOfYear1.map { shanghai.wallClock.local($0).day } == LocalDate(year: 1, month: 12, day: 31))
    #expect(endOfYear1.map { shanghai.wallClock.local($0).secondsIntoDay } == 86_399)
    for phrase in ["1月1日", "3个工作日内", "周一", "本月底", "24小时内", "12月31日"] {
        _ = shanghai.resolve(phrase, sentAt: late)
        _ = shanghai.resolve(phrase, sentAt: early)
    }
}
