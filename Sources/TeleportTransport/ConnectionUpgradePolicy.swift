import TeleportSupport

/// `TELEPORT_TLS_ROUTING_CONN_UPGRADE` overrides what login found, as Go tsh
/// reads it (api/client/alpn_conn_upgrade.go).
public enum ConnectionUpgradePolicy {
    public static func required(stored: Bool) -> Bool {
        switch Environment.value("TELEPORT_TLS_ROUTING_CONN_UPGRADE")?.lowercased() {
        case "1"?, "true"?, "yes"?: return true
        case "0"?, "false"?, "no"?: return false
        default: return stored
        }
    }
}

extension TLSRoute.Trust {
    /// The system roots, or SSL_CERT_FILE / SSL_CERT_DIR, as for the web API.
    public static var systemFromEnvironment: TLSRoute.Trust {
        .system(caFile: Environment.value("SSL_CERT_FILE"), caDirectory: Environment.value("SSL_CERT_DIR"))
    }
}

