/// Splits text into lines at LF, byte-wise, dropping a CR before it. Swift's
/// `Character` treats "\r\n" as one character, so splitting at the
/// Character "\n" would leave CRLF files as one line.
package enum TextLines {
    package static func split(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        var start = text.utf8.startIndex
        var index = start
        while index < text.utf8.endIndex {
            if text.utf8[index] == UInt8(ascii: "\n") {
                lines.append(trimCR(text[start..<index]))
                start = text.utf8.index(after: index)
            }
            index = text.utf8.index(after: index)
        }
        lines.append(trimCR(text[start..<text.utf8.endIndex]))
        return lines
    }

    private static func trimCR(_ line: Substring) -> Substring {
        line.utf8.last == UInt8(ascii: "\r") ? line.dropLast() : line
    }
}
