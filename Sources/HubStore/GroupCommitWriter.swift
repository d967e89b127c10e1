import GRDB
import Synchronization

/// Group commit for the embedded engine: the writes that arrive while a commit is under way are
/// applied together in the next transaction, each in its own savepoint, and share one fsync.
///
/// SQLite has one writer and `synchronous=FULL` syncs the WAL at every commit, so one transaction
/// per request caps the hub at one request per fsync, however many kiosks wait. Each job still
/// succeeds or fails alone (its savepoint rolls back on error) and learns its outcome only after
/// the shared commit is durable; if that commit fails, every job in it fails, and nothing of any
/// of them is stored.
final class GroupCommitWriter: Sendable {
    private typealias Job = (work: @Sendable (Database) throws -> any Sendable, continuation: CheckedContinuation<any Sendable, any Error>)

    private struct State {
        var pending: [Job] = []
        var draining = false
    }

    private let writer: any DatabaseWriter
    private let state = Mutex(State())
    /// Most jobs in one transaction: bounds how long the first of them waits.
    private let maxJobsPerCommit: Int

    init(writer: any DatabaseWriter, maxJobsPerCommit: Int = 64) {
        self.writer = writer
        self.maxJobsPerCommit = maxJobsPerCommit
    }

    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            let startDrain = state.withLock { state -> Bool in
                state.pending.append((work: { try work($0) }, continuation: continuation))
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if startDrain { Task { await self.drain() } }
        }
        // The job above returned a T; nothing else is ever resumed into its continuation.
        return result as! T
    }

    private func drain() async {
        while true {
            let jobs = state.withLock { state -> [Job] in
                let taken = Array(state.pending.prefix(maxJobsPerCommit))
                state.pending.removeFirst(taken.count)
                if taken.isEmpty { state.draining = false }
                return taken
            }
            if jobs.isEmpty { return }
            do {
                let outcomes = try await writer.write { db -> [Result<any Sendable, any Error>] in
                    jobs.map { job in
                        var outcome: Result<any Sendable, any Error> = .failure(CancellationError())
                        do {
                            try db.inSavepoint {
                                outcome = .success(try job.work(db))
                                return .commit
                            }
                        } catch {
                            outcome = .failure(error)
                        }
                        return outcome
                    }
                }
                for (job, outcome) in zip(jobs, outcomes) { job.continuation.resume(with: outcome) }
            } catch {
                for job in jobs { job.continuation.resume(throwing: error) }
            }
        }
    }
}
