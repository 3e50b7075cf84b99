import Foundation
import Logging
import NIOPosix
import PostgresNIO

/// The PostgreSQL server the tests use: `LIAISON_PG_URL` (`scripts/pgrig env`; scripts/test sets
/// it). Without it the PostgreSQL tests skip, each printing a `SKIPPED (no PostgreSQL)` line on
/// stdout; with `LIAISON_REQUIRE_PG=1` (scripts/test, CI) a missing server is a failure instead.
/// Each test gets a database of its own (`CREATE DATABASE t_<uuid>`), dropped after.
public enum PGTestServer {
    public static var url: String? { ProcessInfo.processInfo.environment["LIAISON_PG_URL"].flatMap { $0.isEmpty ? nil : $0 } }
    public static var required: Bool { ProcessInfo.processInfo.environment["LIAISON_REQUIRE_PG"] == "1" }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// The server's URL, or nil after printing a skip line naming `what`; throws when the server
    /// is required and not configured.
    public static func serverURL(for what: String) throws -> URLComponents? {
        guard let url else {
            if required {
                throw Missing(description: "LIAISON_REQUIRE_PG=1 but LIAISON_PG_URL is not set: scripts/pgrig start; eval \"$(scripts/pgrig env)\"")
            }
            print("SKIPPED (no PostgreSQL): \(what) — set LIAISON_PG_URL (scripts/pgrig start; eval \"$(scripts/pgrig env)\")")
            return nil
        }
        guard let c = URLComponents(string: url), c.host != nil, c.user != nil else {
            throw Missing(description: "LIAISON_PG_URL is not a postgres://USER@HOST:PORT/DB URL: \(url)")
        }
        return c
    }

    /// A fresh database on the server; its URL (`postgres://USER@HOST:PORT/t_…`), or nil after a
    /// skip line.
    public static func createDatabase(for what: String) throws -> String? {
        guard var c = try serverURL(for: what) else { return nil }
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try admin(c) { _ = try $0.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger).wait() }
        c.path = "/" + name
        return c.string
    }

    /// Drops a database `createDatabase` made (its connections ended first).
    public static func dropDatabase(_ url: String) {
        guard let c = URLComponents(string: url) else { return }
        let name = String(c.path.dropFirst())
        guard name.hasPrefix("t_") else { return }
        var server = c
        server.path = "/postgres"
        _ = try? admin(server) { _ = try $0.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger).wait() }
    }

    /// Runs `sql` on the database of `url` (no parameters; test statements only) and returns each
    /// row's columns as text (nil: NULL); each column should be cast to text by the statement.
    public static func query(_ url: String, _ sql: String) throws -> [[String?]] {
        guard let c = URLComponents(string: url), c.host != nil, c.user != nil else {
            throw Missing(description: "not a postgres://USER@HOST:PORT/DB URL: \(url)")
        }
        let config = PostgresConnection.Configuration(host: c.host!, port: c.port ?? 5432, username: c.user!, password: c.password,
                                                      database: String(c.path.dropFirst()), tls: .disable)
        let connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: config, id: 0,
                                                        logger: logger).wait()
        defer { try? connection.close().wait() }
        let rows = try connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).wait()
        return try rows.map { row in try row.map { try $0.decode(String?.self) } }
    }

    static let logger: Logger = {
        var l = Logger(label: "liaison.tests.postgres")
        l.logLevel = .critical
        return l
    }()

    /// One connection to the server's maintenance database (TLS off: the test cluster is on loopback).
    static func admin(_ c: URLComponents, _ body: (PostgresConnection) throws -> Void) throws {
        let config = PostgresConnection.Configuration(host: c.host!, port: c.port ?? 5432, username: c.user!, password: c.password,
                                                      database: "postgres", tls: .disable)
        let connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: config, id: 0,
                                                        logger: logger).wait()
        defer { try? connection.close().wait() }
        try body(connection)
    }
}
