import NIOCore
import NIOSSL

/// One TLS connection to a proxy service: where to dial, the ALPN list and
/// server name that select the service, what to trust, and the client
/// certificate to present. Built by the caller from the profile.
public struct TLSRoute: Sendable {
    /// Which certificates may sign the server's.
    public enum Trust: Sendable {
        /// The cluster's host CA from login (`keys/<proxy>/cas/<cluster>.pem`):
        /// on Teleport's own routes the proxy presents its host certificate.
        case certificates(pem: String)
        /// The system roots, or `SSL_CERT_FILE` / `SSL_CERT_DIR`: the web
        /// certificate of the proxy or of a load balancer in front of it.
        case system(caFile: String?, caDirectory: String?)
        /// `--insecure`: no verification at all.
        case insecure
    }

    /// A PEM certificate with its private key.
    public struct ClientCertificate: Sendable {
        public var certificatePEM: String
        public var privateKeyPEM: String

        public init(certificatePEM: String, privateKeyPEM: String) {
            self.certificatePEM = certificatePEM
            self.privateKeyPEM = privateKeyPEM
        }
    }

    public var host: String
    public var port: Int
    /// SNI, and the name the server's certificate must carry.
    public var serverName: String
    public var alpn: [String]
    public var trust: Trust
    public var clientCertificate: ClientCertificate?
    /// Tunnel through the proxy's web port (`/webapi/connectionupgrade`),
    /// for an L7 load balancer that strips ALPN.
    public var upgrade: ConnectionUpgrade?
    public var connectTimeoutSeconds: Int64 = 30

    public init(host: String, port: Int, serverName: String, alpn: [String], trust: Trust,
                clientCertificate: ClientCertificate? = nil, upgrade: ConnectionUpgrade? = nil) {
        self.host = host
        self.port = port
        self.serverName = serverName
        self.alpn = alpn
        self.trust = trust
        self.clientCertificate = clientCertificate
        self.upgrade = upgrade
    }

    func makeContext() throws -> NIOSSLContext {
        try Self.context(alpn: alpn, trust: trust, clientCertificate: clientCertificate)
    }

    static func context(alpn: [String], trust: Trust, clientCertificate: ClientCertificate?) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        // When we close, everything we wanted has arrived: do not wait (by
        // default 5 s) for the server's close_notify, which some never send.
        configuration.shutdownTimeout = .milliseconds(100)
        configuration.applicationProtocols = alpn
        switch trust {
        case .certificates(let pem):
            let roots = try readCertificates(pem, what: "the cluster's certificate authority")
            configuration.trustRoots = .certificates(roots)
            configuration.certificateVerification = .fullVerification
        case .system(let caFile, let caDirectory):
            if let caFile, !caFile.isEmpty {
                configuration.trustRoots = .file(caFile)
            } else if let caDirectory, !caDirectory.isEmpty {
                configuration.trustRoots = .file(caDirectory)
            } else {
                configuration.trustRoots = .default
            }
            configuration.certificateVerification = .fullVerification
        case .insecure:
            configuration.certificateVerification = .none
        }
        if let client = clientCertificate {
            let chain = try readCertificates(client.certificatePEM, what: "your TLS certificate")
            configuration.certificateChain = chain.map { .certificate($0) }
            do {
                configuration.privateKey = .privateKey(
                    try NIOSSLPrivateKey(bytes: Array(client.privateKeyPEM.utf8), format: .pem))
            } catch {
                throw TransportFailure.localCredentials("your TLS private key cannot be read")
            }
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TransportFailure.localCredentials("cannot set up TLS: \(error)")
        }
    }

    private static func readCertificates(_ pem: String, what: String) throws -> [NIOSSLCertificate] {
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)), !certificates.isEmpty else {
            throw TransportFailure.localCredentials("\(what) cannot be read")
        }
        return certificates
    }
}

/// The WebSocket tunnel of Teleport's connection upgrade
/// (lib/web/conn_upgrade.go, api/client/alpn_conn_upgrade.go).
public struct ConnectionUpgrade: Sendable {
    /// `alpn-ping` (the server pings, the client pongs) or the older `alpn`.
    public enum SubProtocol: String, Sendable {
        case alpnPing = "alpn-ping"
        case alpn = "alpn"
    }

    /// Name and trust of the outer TLS: the web certificate.
    public var serverName: String
    public var trust: TLSRoute.Trust
    public var subProtocol: SubProtocol

    public init(serverName: String, trust: TLSRoute.Trust, subProtocol: SubProtocol = .alpnPing) {
        self.serverName = serverName
        self.trust = trust
        self.subProtocol = subProtocol
    }
}
