import Foundation
import LiaisonCore
import LiaisonDaemon
import Testing

/// The STATUS line's wall-clock stamps (arithmetic, no formatter) read as Foundation's
/// DateFormatter reads the same instants: a zone without DST, zones across both DST changes (one
/// with a 30-minute change), fractions of a second (rounded down) and an instant before 1970.
@Suite struct StatusStampsTests {
    @Test(arguments: ["Asia/Shanghai", "America/New_York", "Australia/Lord_Howe", "UTC"])
    func stampsReadAsAFormatterDoes(zone: String) throws {
        let wc = try #require(WallClock(timeZoneIdentifier: zone))
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = wc.timeZone
        f.dateFormat = "MM-dd HH:mm:ss"
        var instants: [Double] = [-86_399.5, 0, 1_772_953_199.999, 1_772_953_200, 1_793_509_199.5, 1_793_512_800]
        var t = 1_767_225_600.25  // 2026-01-01, then every 7 h 13 min 17 s for a year
        while t < 1_798_761_600 { instants.append(t); t += 25_997 }
        for seconds in instants {
            let d = Date(timeIntervalSince1970: seconds)
            let expected = f.string(from: d)
            #expect(wc.monthDayTime(d) == expected, "\(zone) \(seconds)")
            #expect(wc.timeOfDay(d) == String(expected.suffix(8)), "\(zone) \(seconds)")
        }
    }
}
