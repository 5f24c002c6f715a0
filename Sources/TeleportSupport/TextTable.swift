/// Go tsh's text tables (`lib/asciitable`): a header, a row of dashes as wide
/// as each column's widest cell (counted in bytes, as Go's `len`), and the
/// cells through `text/tabwriter` (minimum width 5, padding 1, every cell
/// padded, the last too, so lines end in spaces as Go's do).
public struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]]

    public init(headers: [String], rows: [[String]]) {
        self.headers = headers
        self.rows = rows
    }

    /// With `width` (a terminal's, or `COLUMNS`), `truncating` is cut to fit
    /// and the other columns to an equal share, with `...`, as
    /// `MakeTableWithTruncatedColumn` does; with nil nothing is cut, as Go
    /// does when stdout is not a terminal.
    public func rendered(truncating: String? = nil, width: Int? = nil) -> String {
        var limits = [Int?](repeating: nil, count: headers.count)
        if let width, let target = truncating.flatMap({ headers.firstIndex(of: $0) }), headers.count > 1 {
            let share = (width - 16) / (headers.count - 1)
            var used = 0
            for i in headers.indices where i != target {
                let natural = ([headers[i]] + rows.map { $0[i] }).map(\.utf8.count).max() ?? 0
                let w = min(natural, share)
                limits[i] = w
                used += w >= share ? w + 4 : w + 1  // "... " when cut, else the separator
            }
            limits[target] = max(width - used - 4, 0)
        }
        func cut(_ cell: String, _ column: Int) -> String {
            guard let limit = limits[column], limit > 0, cell.utf8.count > limit else { return cell }
            return String(decoding: cell.utf8.prefix(limit), as: UTF8.self) + "..."
        }
        let body = rows.map { row in row.enumerated().map { cut($0.element, $0.offset) } }
        let dashes = headers.indices.map { i in
            String(repeating: "-", count: ([headers[i]] + body.map { $0[i] }).map(\.utf8.count).max() ?? 0)
        }
        let lines = [headers, dashes] + body
        let widths = headers.indices.map { i in max(5, (lines.map { $0[i].count }.max() ?? 0) + 1) }
        return lines.map { line in
            line.enumerated().map { $0.element + String(repeating: " ", count: widths[$0.offset] - $0.element.count) }
                .joined() + "\n"
        }.joined()
    }

    /// The width Go's asciitable truncates to: `COLUMNS`, else stdout's
    /// terminal, else nil (a pipe or a file: nothing is cut).
    public static func outputWidth() -> Int? {
        if let text = Environment.value("COLUMNS"), let n = Int(text), n > 0 { return n }
        guard isatty(1) == 1 else { return nil }
        var size = winsize()
        return ioctl(1, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }
}
