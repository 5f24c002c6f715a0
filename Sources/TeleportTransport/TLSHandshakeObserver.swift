import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import NIOTLS

/// Reports the end of a TLS handshake (its negotiated ALPN protocol, or the
/// reason it failed) and bounds how long it may take: a proxy that accepts
/// the connection and then says nothing must not hold tsh forever.
final class TLSHandshakeObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    /// The negotiated protocol, nil when none was agreed.
    let result: EventLoopPromise<String?>
    /// A TLS alert after the handshake. With TLS 1.3 the server checks our
    /// certificate only after the client's side of the handshake is done, so
    /// its refusal arrives here, and the stream above sees only a closed
    /// connection.
    let lateFailure = NIOLockedValueBox<TransportFailure?>(nil)
    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var done = false
    /// Whether the server sent anything after the handshake.
    private var heardFromServer = false

    init(eventLoop: any EventLoop, timeout: TimeAmount) {
        result = eventLoop.makePromise()
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let (observer, context) = loopBound.value
            observer.fail(TransportFailure.timeout("the TLS handshake did not finish in time"))
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event {
            finish { $0.succeed(negotiated) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if done {
            let failure = TransportFailure.handshake(error)
            switch failure {
            case .clientCertificateRefused, .untrustedServer:
                lateFailure.withLockedValue { $0 = $0 ?? failure }
            default:
                break
            }
        }
        fail(TransportFailure.handshake(error))
        context.fireErrorCaught(error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        heardFromServer = true
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if done && !heardFromServer {
            // A server that checks client certificates after a TLS 1.3
            // handshake may drop a refused one without an alert.
            lateFailure.withLockedValue {
                $0 = $0 ?? .clientCertificateRefused(
                    "it closed the connection right after the TLS handshake without a word, which is how a refused client certificate looks")
            }
        }
        fail(TransportFailure.notOffered("the server closed the connection during the TLS handshake"))
        context.fireChannelInactive()
    }

    private func fail(_ failure: TransportFailure) {
        finish { $0.fail(failure) }
    }

    private func finish(_ body: (EventLoopPromise<String?>) -> Void) {
        guard !done else { return }
        done = true
        timer?.cancel()
        body(result)
    }
}
