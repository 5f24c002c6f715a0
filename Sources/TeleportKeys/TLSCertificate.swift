import TeleportSupport

/// Just enough X.509 to check a TLS certificate from the proxy: that it is a
/// well-formed certificate, and which public key it certifies.
public enum TLSCertificate {
    /// The DER SubjectPublicKeyInfo of the first certificate in `pem`.
    public static func subjectPublicKeyInfo(pem: String) throws -> [UInt8] {
        guard let der = PEMText.decode(label: "CERTIFICATE", from: pem) else {
            throw TeleportError("the proxy's TLS certificate is not a PEM certificate")
        }
        // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
        //   serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, … } … }
        var outer = DER(der)
        var certificate = try outer.enter(0x30)
        var tbs = try certificate.enter(0x30)
        if tbs.peekTag == 0xA0 { _ = try tbs.element() }
        for _ in 0..<5 { _ = try tbs.element() }   // serial, signature, issuer, validity, subject
        let spki = try tbs.element()
        guard spki.first == 0x30 else { throw malformed }
        return spki
    }

    /// The DER inside a `PUBLIC KEY` PEM (which is a SubjectPublicKeyInfo).
    public static func subjectPublicKeyInfo(publicKeyPEM pem: String) throws -> [UInt8] {
        guard let der = PEMText.decode(label: "PUBLIC KEY", from: pem) else {
            throw TeleportError("not a PEM public key")
        }
        return der
    }

    static let malformed = TeleportError("the proxy's TLS certificate is malformed")

    /// A bounds-checked reader of DER tag-length-value elements.
    struct DER {
        private let bytes: [UInt8]
        private var index: Int
        private let end: Int

        init(_ bytes: [UInt8], range: Range<Int>? = nil) {
            self.bytes = bytes
            index = range?.lowerBound ?? 0
            end = range?.upperBound ?? bytes.count
        }

        var peekTag: UInt8? { index < end ? bytes[index] : nil }

        /// The next whole element (tag, length and value).
        mutating func element() throws -> [UInt8] {
            let (start, valueEnd) = try header()
            index = valueEnd
            return Array(bytes[start..<valueEnd])
        }

        /// The contents of the next element, which must have `tag`.
        mutating func enter(_ tag: UInt8) throws -> DER {
            guard peekTag == tag else { throw TLSCertificate.malformed }
            let start = index
            let (_, valueEnd) = try header()
            let contentStart = try contentOffset(from: start)
            index = valueEnd
            return DER(bytes, range: contentStart..<valueEnd)
        }

        private func contentOffset(from start: Int) throws -> Int {
            guard start + 1 < end else { throw TLSCertificate.malformed }
            let first = bytes[start + 1]
            return first < 0x80 ? start + 2 : start + 2 + Int(first & 0x7F)
        }

        /// (start of the element, end of its value)
        private mutating func header() throws -> (Int, Int) {
            let start = index
            guard start + 2 <= end else { throw TLSCertificate.malformed }
            let first = bytes[start + 1]
            var length = 0
            var offset = start + 2
            if first < 0x80 {
                length = Int(first)
            } else {
                let count = Int(first & 0x7F)
                guard count >= 1, count <= 4, offset + count <= end else { throw TLSCertificate.malformed }
                for _ in 0..<count {
                    length = length << 8 | Int(bytes[offset])
                    offset += 1
                }
            }
            guard length <= end - offset else { throw TLSCertificate.malformed }
            return (start, offset + length)
        }
    }
}
