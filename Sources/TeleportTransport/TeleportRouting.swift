/// How a Teleport proxy tells its services apart on one TLS port: by the
/// ALPN protocols and the server name of the ClientHello
/// (lib/srv/alpnproxy/common/protocols.go, api/utils/route.go).
public enum TeleportALPN {
    /// The gRPC TransportService (`ProxySSH`, `ProxyCluster`). The proxy's
    /// listener lists `h2` first, so `h2` is what it negotiates.
    public static let proxySSHGRPC = "teleport-proxy-ssh-grpc"
    /// Plain SSH inside TLS: the older path, still served.
    public static let proxySSH = "teleport-proxy-ssh"
    /// Offered alone by the connection-upgrade probe at login.
    public static let reverseTunnel = "teleport-reversetunnel"
    public static let http2 = "h2"
    public static let http1 = "http/1.1"

    /// The auth server of `cluster`, forwarded by the proxy.
    public static func auth(cluster: String) -> String {
        "teleport-auth@" + TeleportServerName.encode(cluster: cluster)
    }
}

/// The server name Teleport's own TLS listeners expect and certify:
/// the cluster name in hex under `teleport.cluster.local`
/// (api/utils/tlsutils: EncodeClusterName). The proxy's host certificate
/// carries `*.teleport.cluster.local`, so the name verifies for any cluster.
public enum TeleportServerName {
    public static let domain = "teleport.cluster.local"

    public static func encode(cluster: String) -> String {
        var hex = ""
        hex.reserveCapacity(cluster.utf8.count * 2)
        for byte in cluster.utf8 {
            hex += String(byte >> 4, radix: 16) + String(byte & 0x0F, radix: 16)
        }
        return hex + "." + domain
    }
}
