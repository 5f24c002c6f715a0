import NIOCore

/// Runs async code on an event loop's own thread. The tasks that pump bytes
/// between stdio and the gRPC stream then run where the channels' I/O runs:
/// on Swift's global pool every message woke another thread twice (futex,
/// eventfd), and the scheduler took half of tsh's CPU in a transfer.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}
