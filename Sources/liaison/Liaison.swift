import ArgumentParser

@main
struct Liaison: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liaison",
        abstract: "Files a company's external correspondence on cases, tracks recaps and reminds.",
        subcommands: [
            Serve.self,
            Keys.self,
            CheckConfig.self,
            Inspect.self,
            Ingest.self,
            Cases.self,
            Items.self,
            Review.self,
            RecapCommand.self,
            Reminders.self,
            Fetch.self,
            Send.self,
            Export.self,
            ReportCommand.self,
            WeeklyCheckCommand.self,
            Backup.self,
            Restore.self,
            Migrate.self,
            Verify.self,
            RetentionCommand.self,
            PersonCommand.self,
            ConsoleLinkCommand.self,
        ])
}
