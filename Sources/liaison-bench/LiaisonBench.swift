import ArgumentParser

/// `liaison-bench`: Liaison's benchmarks, apart from the production `liaison` binary (issue 13),
/// under the subcommand names they had there (`liaison-bench bench parse DIR`,
/// `liaison-bench bench-store`, …). docs/benchmarks.md has the figures and the commands.
@main
struct LiaisonBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liaison-bench",
        abstract: "Benchmarks of Liaison's own code: parsing, grammars, store, reminders, containment, reports.",
        subcommands: [
            Bench.self,
            BenchStore.self,
            BenchReminders.self,
            BenchContain.self,
            BenchReport.self,
        ])
}
