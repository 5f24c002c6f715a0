import Testing
@testable import TeleportLogin
@testable import TeleportSupport

@Suite struct VersionInfoTests {
    @Test func reportsTheLinkedLibraryVersions() {
        let info = VersionInfo.current()
        // The libraries report dotted versions like 0.10.6 and 7.88.1.
        #expect(info.libssh.split(separator: ".").count >= 2)
        #expect(info.libcurl.split(separator: ".").count >= 2)
        #expect(info.libssh.first?.isNumber == true)
        #expect(info.libcurl.first?.isNumber == true)
    }

    @Test func jsonCarriesEveryField() {
        let json = VersionInfo.current().json.rendered()
        for key in ["\"version\"", "\"libssh\"", "\"libcurl\"", "\"teleport_compatibility\""] {
            #expect(json.contains(key))
        }
    }
}
