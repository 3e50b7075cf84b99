import ArgumentParser

struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the facts Liaison reads from .eml files.")
    @Argument(help: "The .eml files.") var files: [String]
    @Option(help: "A liaison.toml.") var config: String?
    @Flag(help: "JSON output.") var json = false
    func run() async throws {}
}
