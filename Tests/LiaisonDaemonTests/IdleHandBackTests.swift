import Foundation
import LiaisonDaemon
import Testing

/// When a quiet `liaison serve` gives memory back (`IdleMemoryPolicy`, fed samples of CPU time
/// and resident size). The hand-back itself is tested on a `liaison serve` process
/// (ServeCommandTests): done here it would slow every test running beside it (their code faults
/// back in one page at a time) and skew the suites that measure this process's memory.
@Suite struct IdleHandBackTests {
    private static let mb = 1 << 20

    /// Feeds one sample a second from `from` for `seconds`, CPU growing `cpuPerSecond`, resident
    /// as `resident(second)`; the seconds at which the policy said "hand back".
    private static func run(_ p: inout IdleMemoryPolicy, from: Int, seconds: Int, cpu: inout Duration,
                            cpuPerSecond: Duration, resident: (Int) -> Int) -> [Int] {
        var fired: [Int] = []
        for s in from..<(from + seconds) {
            cpu += cpuPerSecond
            if p.sample(at: .seconds(s), cpu: cpu, resident: resident(s)) { fired.append(s) }
        }
        return fired
    }

    @Test func handsBackOnceAfterStartUpThenStaysPutWhileIdle() {
        var p = IdleMemoryPolicy(quietWindow: .seconds(10), quietCPU: .milliseconds(50), workCPU: .milliseconds(150), growth: 2 * Self.mb, spacing: .seconds(60))
        var cpu = Duration.seconds(2)  // start-up's CPU is before the first sample
        // Idle: 1 ms of CPU a second; resident creeps up as the idle code faults back in.
        let fired = Self.run(&p, from: 0, seconds: 300, cpu: &cpu, cpuPerSecond: .milliseconds(1)) { 20 * Self.mb + $0 * 40_000 }
        #expect(fired == [10], "one hand-back, a quiet window after the first sample; none for idle's own regrowth")
    }

    @Test func busyServiceIsLeftAlone() {
        var p = IdleMemoryPolicy(quietWindow: .seconds(10), quietCPU: .milliseconds(50), workCPU: .milliseconds(150), growth: 2 * Self.mb, spacing: .seconds(60))
        var cpu = Duration.zero
        let fired = Self.run(&p, from: 0, seconds: 120, cpu: &cpu, cpuPerSecond: .milliseconds(200)) { 40 * Self.mb + $0 * Self.mb }
        #expect(fired.isEmpty, "never a quiet window, never a hand-back")
    }

    @Test func workThatLeftItLargerHandsBackAgainWorkThatDidNotDoesNot() {
        var p = IdleMemoryPolicy(quietWindow: .seconds(10), quietCPU: .milliseconds(50), workCPU: .milliseconds(150), growth: 2 * Self.mb, spacing: .seconds(60))
        var cpu = Duration.zero
        var fired = Self.run(&p, from: 0, seconds: 60, cpu: &cpu, cpuPerSecond: .milliseconds(1)) { _ in 24 * Self.mb }
        #expect(fired == [10])
        // A burst that leaves 1 MB more: below `growth`, nothing.
        fired = Self.run(&p, from: 60, seconds: 5, cpu: &cpu, cpuPerSecond: .milliseconds(300)) { _ in 25 * Self.mb }
        fired += Self.run(&p, from: 65, seconds: 60, cpu: &cpu, cpuPerSecond: .milliseconds(1)) { _ in 25 * Self.mb }
        #expect(fired.isEmpty)
        // A drain that leaves 9 MB more: handed back at the end of the first quiet window after it.
        fired = Self.run(&p, from: 125, seconds: 30, cpu: &cpu, cpuPerSecond: .milliseconds(500)) { _ in 34 * Self.mb }
        #expect(fired.isEmpty, "not while working")
        fired = Self.run(&p, from: 155, seconds: 60, cpu: &cpu, cpuPerSecond: .milliseconds(1)) { _ in 34 * Self.mb }
        #expect(fired == [164])
    }

    /// A message every 8 s for 20 minutes, each 40 ms of CPU (not work), each a drain of 2 s of
    /// CPU when `drains`; the code they fault back in after a hand-back: 3 MB (20 MB at rest).
    private static func day(drains: Bool, spacing: Duration) -> [Int] {
        var p = IdleMemoryPolicy(quietWindow: .seconds(3), quietCPU: .milliseconds(15), workCPU: .milliseconds(150), growth: 2 * Self.mb, spacing: spacing)
        var cpu = Duration.zero
        var fired: [Int] = []
        var grown = false
        for s in 0..<1_200 {
            let message = s > 0 && s % 8 == 0
            cpu += message ? (drains ? .seconds(2) : .milliseconds(40)) : .microseconds(500)
            if message { grown = true }
            if p.sample(at: .seconds(s), cpu: cpu, resident: 20 * Self.mb + (grown ? 3 * Self.mb : 0)) {
                fired.append(s)
                grown = false
            }
        }
        return fired
    }

    @Test func aTrickleOfMailNeverHandsBackDrainsAtMostOncePerSpacing() {
        #expect(Self.day(drains: false, spacing: .seconds(300)) == [3], "start-up only: single messages are not work")
        let fired = Self.day(drains: true, spacing: .seconds(300))
        #expect(fired.first == 3)
        let gaps = zip(fired.dropFirst(), fired).map { $0 - $1 }
        #expect(gaps.allSatisfy { $0 >= 300 }, "hand-backs at \(fired)")
        #expect((3...5).contains(fired.count), "hand-backs at \(fired)")
        // Without the spacing the same day would hand back after nearly every drain.
        #expect(Self.day(drains: true, spacing: .zero).count > 50)
    }

    @Test func clocksThatStepBackStartANewWindow() {
        var p = IdleMemoryPolicy(quietWindow: .seconds(10), quietCPU: .milliseconds(50), workCPU: .milliseconds(150), growth: 2 * Self.mb, spacing: .seconds(60))
        var said: [Bool] = []
        said.append(p.sample(at: .seconds(100), cpu: .seconds(5), resident: Self.mb))
        said.append(p.sample(at: .seconds(50), cpu: .seconds(5), resident: Self.mb))  // time went back: a new window
        said.append(p.sample(at: .seconds(59), cpu: .seconds(4), resident: Self.mb))  // CPU went back: a new window
        said.append(p.sample(at: .seconds(68), cpu: .seconds(4), resident: Self.mb))
        said.append(p.sample(at: .seconds(69), cpu: .seconds(4), resident: Self.mb))
        #expect(said == [false, false, false, false, true], "a quiet window counts from the last step back")
    }
}
