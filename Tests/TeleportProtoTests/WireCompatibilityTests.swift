// The generated Swift messages against bytes made by the sandbox's generated Python
// (protobuf's reference runtime, from the same .proto files): same encoding both ways,
// and unknown fields from a newer server are skipped.
import Foundation
import SwiftProtobuf
import TeleportProto
import Testing

private func bytes(_ hex: String) -> Data {
    var data = Data(capacity: hex.count / 2)
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        data.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return data
}

private func hex(_ data: Data) -> String {
    data.map { String(format: "%02x", $0) }.joined()
}

@Suite struct WireCompatibilityTests {
    @Test func getCertAuthoritiesRequestEncodesAsPythonDoes() throws {
        var request = Teleport_Trust_V1_GetCertAuthoritiesRequest()
        request.type = "host"
        request.includeKey = false
        #expect(hex(try request.serializedData()) == "0a04686f7374")
    }

    @Test func listUnifiedResourcesRequestEncodesAsPythonDoes() throws {
        var request = Proto_ListUnifiedResourcesRequest()
        request.kinds = ["node"]
        request.limit = 1000
        request.startKey = "/unified_resource/node/web-1/x"
        request.labels = ["env": "prod"]
        request.predicateExpression = #"labels.env == "prod""#
        request.searchKeywords = ["web"]
        request.sortBy.field = "kind"
        let python = "0a046e6f646510e8071a1e2f756e69666965645f7265736f757263652f6e6f64652f7765622d312f78"
            + "220b0a03656e76120470726f642a146c6162656c732e656e76203d3d202270726f642232037765623a06"
            + "12046b696e64"
        #expect(hex(try request.serializedData()) == python)
    }

    @Test func certAuthoritiesResponseDecodes() throws {
        let python = "0ac3010a0e636572745f617574686f726974791204686f73741a027632220b0a096c6561662e74657374"
            + "2a99010a04686f737412096c6561662e746573745a6c0a2b0a297373682d65643235353139204141414143"
            + "334e7a6143316c5a4449314e54453541414141494b65790a123d0a3b2d2d2d2d2d424547494e2043455254"
            + "494649434154452d2d2d2d2d0a41413d3d0a2d2d2d2d2d454e442043455254494649434154452d2d2d2d2d"
            + "0a62180a160a147373682d6564323535313920414141416f6c640aa20603616263"
        let response = try Teleport_Trust_V1_GetCertAuthoritiesResponse(serializedBytes: bytes(python))
        #expect(response.certAuthoritiesV2.count == 1)
        let ca = response.certAuthoritiesV2[0]
        #expect(ca.kind == "cert_authority" && ca.subKind == "host" && ca.version == "v2")
        #expect(ca.metadata.name == "leaf.test")
        #expect(ca.spec.type == "host" && ca.spec.clusterName == "leaf.test")
        #expect(ca.spec.activeKeys.ssh.map(\.publicKey) == [Data("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey\n".utf8)])
        #expect(ca.spec.activeKeys.tls.map(\.cert)
            == [Data("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n".utf8)])
        #expect(ca.spec.additionalTrustedKeys.ssh.map(\.publicKey) == [Data("ssh-ed25519 AAAAold\n".utf8)])
        // The unknown field 100 is kept aside, not an error.
        #expect(!response.unknownFields.data.isEmpty)
    }

    @Test func listUnifiedResourcesResponseDecodes() throws {
        let python = "0a8d011a8a010a046e6f646512076f70656e7373681a027632223b0a2435663063336335322d303030302d"
            + "343030302d383030302d3030303030303030303030312a0b0a03656e76120470726f6432060880f2d6ca06"
            + "2a380a0b31302e302e302e353a32321a057765622d3122220a0461726368121a0880b09dc2df011205756e"
            + "616d6512022d6d1a067838365f3634121e2f756e69666965645f7265736f757263652f6e6f64652f776562"
            + "2d322f79"
        let response = try Proto_ListUnifiedResourcesResponse(serializedBytes: bytes(python))
        #expect(response.nextKey == "/unified_resource/node/web-2/y")
        #expect(response.resources.count == 1)
        guard case .node(let node)? = response.resources[0].resource else {
            Issue.record("the resource is not a node")
            return
        }
        #expect(node.kind == "node" && node.subKind == "openssh" && node.version == "v2")
        #expect(node.metadata.name == "5f0c3c52-0000-4000-8000-000000000001")
        #expect(node.metadata.labels == ["env": "prod"])
        #expect(node.metadata.hasExpires && node.metadata.expires.seconds == 1_767_225_600)
        #expect(node.spec.addr == "10.0.0.5:22" && node.spec.hostname == "web-1")
        #expect(!node.spec.useTunnel && !node.spec.hasRotation)
        let arch = try #require(node.spec.cmdLabels["arch"])
        #expect(arch.period == 60_000_000_000 && arch.command == ["uname", "-m"] && arch.result == "x86_64")
        // Encoding it again gives Python's bytes back.
        #expect(hex(try response.serializedData()) == python)
    }

    @Test func garbageIsAnError() {
        #expect(throws: (any Error).self) {
            _ = try Proto_ListUnifiedResourcesResponse(serializedBytes: bytes("0affffffff0f"))
        }
    }
}
