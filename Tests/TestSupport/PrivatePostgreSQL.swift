import Foundation

/// A PostgreSQL server in a temporary data folder, on its own port and socket folder, run as the
/// `postgres` user (PostgreSQL refuses to run as root). Trust authentication on loopback only.
public struct PrivatePostgreSQL: Sendable {
    public let port: UInt16
    public let directory: String
    public let socketDirectory: String
    public let process: ManagedProcess

    /// `postgres://postgres@127.0.0.1:<port>/postgres`
    public var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    public static func start() async throws -> PrivatePostgreSQL {
        let binaries = try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql").sorted().last
            .map { "/usr/lib/postgresql/\($0)/bin" }
        guard let binaries, FileManager.default.isExecutableFile(atPath: "\(binaries)/initdb") else {
            throw TestEnvironmentError.missing(what: "PostgreSQL server (initdb)", remedy: "apt-get install postgresql (kiosk/test.sh installs it)")
        }
        let runuser = try TestEnvironment.requireProgram("/usr/sbin/runuser", package: "util-linux")
        let directory = try TestEnvironment.temporaryDirectory("postgres")
        let data = "\(directory)/data"
        let sockets = "\(directory)/run"
        try FileManager.default.createDirectory(atPath: sockets, withIntermediateDirectories: true)
        try await TestEnvironment.run("/bin/chown", ["-R", "postgres:postgres", directory])
        try await TestEnvironment.run(runuser, ["-u", "postgres", "--", "\(binaries)/initdb", "-D", data, "-U", "postgres",
                                          "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])
        let port = try FreePort.next()
        try await TestEnvironment.run(runuser, ["-u", "postgres", "--", "\(binaries)/pg_ctl", "start", "-w", "-t", "30",
                                          "-D", data, "-l", "\(directory)/postgres.log",
                                          "-o", "-p \(port) -k \(sockets) -c listen_addresses=127.0.0.1"])
        // pg_ctl has exited; the postmaster's PID is the first line of postmaster.pid.
        let pidText = try String(contentsOfFile: "\(data)/postmaster.pid", encoding: .utf8)
        guard let pid = Int32(pidText.split(separator: "\n").first ?? "") else {
            throw TestEnvironmentError.didNotStart(service: "postgres", log: pidText)
        }
        let process = ManagedProcess(adopting: pid, name: "postgres", logPath: "\(directory)/postgres.log")
        return PrivatePostgreSQL(port: port, directory: directory, socketDirectory: sockets, process: process)
    }

    /// Runs SQL through psql and returns its unaligned, tuples-only output.
    public func psql(_ sql: String) async throws -> String {
        let psql = try TestEnvironment.requireProgram("/usr/bin/psql", package: "postgresql-client")
        return try await TestEnvironment.run(psql, ["-h", socketDirectory, "-p", String(port), "-U", "postgres", "-d", "postgres",
                                              "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
    }

    public func stop() async {
        // SIGTERM is PostgreSQL's "smart" shutdown; it finishes within the grace period once
        // clients have gone, and ManagedProcess escalates otherwise.
        await process.stop()
    }
}
