import Foundation

/// Runs async transport code from tsh's synchronous commands. The caller's
/// thread waits; the work runs on the thread of NIO's loop, with the I/O it
/// waits for (`GRPCConnection.taskExecutor`).
public enum BlockingCall {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: GRPCConnection.taskExecutor) {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    private final class ResultBox<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
    }
}
