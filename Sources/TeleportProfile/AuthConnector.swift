extension Profile {
    /// Whether the profile's `auth_connector` is an SSO connector (GitHub,
    /// OIDC, SAML), whose login needs a browser rather than a terminal. The
    /// other names are the local ones of gravitational/teleport
    /// lib/web/apiserver.go `pingWithConnector`.
    public var usesSSOConnector: Bool {
        !authConnector.isEmpty && !["local", "passwordless", "headless"].contains(authConnector)
    }
}
