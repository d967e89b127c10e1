import ArgumentParser
import Foundation
import HubStore
import KioskCore
import Logging
import ZizhuConfiguration
import ZizhuLogging

/// `zizhu-hub seed-demo`: fills an empty hub with a synthetic population, the demo cards'
/// holders among them, the designated hospitals with their slots, and the dashboard's demo staff
/// accounts (``DemoStaff``; more with `zizhuctl hub staff add`).
struct SeedDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed-demo",
        abstract: "Fill an empty hub with a synthetic population (no real person), hospitals and slots.")

    @Option(help: "Configuration file (YAML), as for serve.")
    var config: String?

    @Option(help: "SQLite file or postgres://user@host:port/database (overrides storage.database).")
    var database: String?

    @Option(help: "How many people to generate (besides the demo cards' holders).")
    var people: Int = 3000

    @Option(help: "Seed of the generator: the same seed and day give the same population.")
    var seed: UInt64 = 2026

    @Option(help: "The day the population is made for, YYYY-MM-DD (China time). Default: today.")
    var today: String?

    @Option(help: "Folder of the demo card profiles (*.json) whose holders must exist.")
    var cards: String = "assets/cards"

    @Option(help: "People per insert transaction.")
    var chunk: Int = 10_000

    @Option(help: "Chunks generated and inserted at once.")
    var jobs: Int = 2

    func validate() throws {
        guard (0...20_000_000).contains(people) else { throw ValidationError("--people must be within 0…20,000,000") }
        guard (1...100_000).contains(chunk) else { throw ValidationError("--chunk must be within 1…100,000") }
        guard (1...16).contains(jobs) else { throw ValidationError("--jobs must be within 1…16") }
        if let today, ChinaDay.parse(today) == nil { throw ValidationError("--today must be a date YYYY-MM-DD") }
    }

    func run() async throws {
        var settings: HubConfiguration
        do {
            settings = try HubConfiguration.load(path: config, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        if let database { settings.database = database }
        LoggingBootstrap.bootstrap(format: settings.logFormat, level: settings.logLevel)
        let logger = Logger(label: "zizhu.hub.seed")
        let location: HubDatabase
        do {
            location = try HubDatabase(location: settings.database)
        } catch {
            throw ValidationError("storage.database: \(error)")
        }
        let day = today.flatMap(ChinaDay.parse) ?? ChinaDay.of(Date())
        let population = DemoPopulation(seed: seed, today: day)
        let holders = try Self.cardHolders(directory: cards, population: population)
        let count = people, chunk = self.chunk, jobs = self.jobs, passwordCost = settings.dashboardPasswordCost
        let started = ContinuousClock.now
        try await location.withStore(logger: logger) { store in
            let existing = try await store.populationCount()
            guard existing == 0 else {
                throw SeedRefusal(message: "the hub at \(location.displayName) already holds \(existing) people; seed-demo only fills an empty hub (use a new database)")
            }
            try await store.insertPopulation(holders)
            let (hospitals, slots) = population.hospitals()
            try await store.insertHospitals(hospitals, slots: slots)
            // The dashboard's demo accounts; their random passwords are shown only here.
            for staff in try await DemoStaff.seed(into: store, now: Date(), passwordParameters: .cost(passwordCost)) {
                print("dashboard login: \(staff.username)  password: \(staff.password)")
            }
            // Chunks are independent (person i depends only on seed, day and i): `jobs` of them
            // are generated and inserted at once, each on its own connection (PostgreSQL uses a
            // backend per connection; SQLite's single writer takes them in turn).
            let chunks = stride(from: 0, to: count, by: chunk).map { $0..<min($0 + chunk, count) }
            try await withThrowingTaskGroup(of: Int.self) { group in
                var pending = chunks[...]
                var inserted = 0
                func addNext() {
                    guard let range = pending.popFirst() else { return }
                    group.addTask {
                        try await store.insertPopulation(range.map(population.person(at:)))
                        return range.count
                    }
                }
                for _ in 0..<jobs { addNext() }
                while let done = try await group.next() {
                    inserted += done
                    if inserted % (chunk * 10) < done || inserted == count {
                        logger.info("seeding", metadata: ["people.inserted": "\(inserted)", "people.total": "\(count)"])
                    }
                    addNext()
                }
            }
        }
        let elapsed = ContinuousClock.now - started
        print("seeded \(count + holders.count) people (\(holders.count) demo card holders), \(DemoPopulation.offices.count * 2) hospitals for \(day) into \(location.displayName) in \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))")
    }

    /// The holders of the demo cards, so that every card of the demo finds its records.
    static func cardHolders(directory: String, population: DemoPopulation) throws -> [SeedPerson] {
        struct Profile: Decodable {
            let citizen_id: String
            let card_number: String
            let name: String
            let sex: String
            let birth_date: String
        }
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw ValidationError("--cards \(directory): cannot list the card profiles (\(error.localizedDescription))")
        }
        return try files.compactMap { file in
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(file)") else { throw ValidationError("cannot read \(directory)/\(file)") }
            let profile: Profile
            do {
                profile = try JSONDecoder().decode(Profile.self, from: data)
            } catch {
                throw ValidationError("\(directory)/\(file) is not a card profile: \(error)")
            }
            guard (try? CitizenID(profile.citizen_id)) != nil else {
                throw ValidationError("\(directory)/\(file): citizen_id fails its check character")
            }
            return population.cardHolder(citizenID: profile.citizen_id.uppercased(), cardNumber: profile.card_number.uppercased(),
                                         name: profile.name, sex: profile.sex, birthDate: profile.birth_date)
        }
    }
}

/// Seeding refused for the operator to act on; not a usage error, so no usage text follows.
struct SeedRefusal: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Deletes the evidence of decided submissions once their retention ends: a sweep at start and
/// then every hour, until cancelled. Each deletion is audited by the store.
enum EvidenceRetention {
    static func run(store: any HubStore, retention: Duration, logger: Logger) async {
        while !Task.isCancelled {
            let now = Date()
            do {
                let deleted = try await store.purgeEvidence(decidedBefore: now.addingTimeInterval(-Double(retention.components.seconds)), now: now)
                if deleted > 0 { logger.info("qualification evidence deleted after retention", metadata: ["reviews": "\(deleted)"]) }
            } catch {
                logger.error("evidence retention sweep failed; retrying in an hour", metadata: ["error": "\(error)"])
            }
            do { try await Task.sleep(for: .seconds(3600)) } catch { return }
        }
    }
}
