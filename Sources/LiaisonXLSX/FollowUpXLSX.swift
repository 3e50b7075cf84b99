import CXLSXDeflate
import CXLSXWriter
import Foundation
import LiaisonCore

#if canImport(Glibc)
import Glibc
#endif

/// The follow-up table as an XLSX workbook through Debian's libxlsxwriter (never hand-built XML):
/// sheet 跟进表 with a frozen, filtered header row, column widths that fit Chinese text, wrapped
/// text and real Excel dates (serial numbers with a date format) in the organisation's time zone;
/// sheet 待办事项 with the action items one per row.
///
/// Every text cell is written with `worksheet_write_string`, never `write_formula`: a subject
/// such as `=HYPERLINK("http://evil","点此")` written by an outsider stays text. Control
/// characters other than tab and line feed (not allowed in XLSX XML) become U+FFFD, and a cell
/// holds at most 32,767 characters (Excel's limit).
public enum FollowUpXLSX {
    public struct WriteError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The zlib level the workbook's parts are deflated at (libxlsxwriter's default is 6; see
    /// Sources/CXLSXDeflate), and how many parts this process has deflated at it so far.
    public static var deflateLevel: Int {
        get { Int(liaison_xlsx_deflate_level()) }
        set { liaison_xlsx_set_deflate_level(Int32(newValue)) }   // for benchmarks: 1–9
    }
    public static var deflatedParts: Int { Int(liaison_xlsx_deflate_parts()) }

    /// The workbook's bytes. libxlsxwriter writes to a file, so this works in a private (0700)
    /// temporary folder and removes it; the caller writes the bytes where they belong.
    public static func render(_ table: FollowUpTable, timeZone: TimeZone) throws -> [UInt8] {
        try inTemporaryFolder { path, dir in
            try write(path: path, tmpdir: dir, timeZone: timeZone) { rows in
                for r in table.rows { try rows.add(r) }
                return table.items
            }
        }
    }

    /// The same workbook, its rows produced while it is written: `produce` runs on a thread of
    /// its own and hands each case's row and items to `emit` in table order (e.g. from
    /// `ReportQueries.reportCases(…, each:)` through `FollowUpTable.RowMaker`); this thread
    /// writes each row as it comes (at most `RowChannel.capacity` wait), then the items sheet.
    /// The bytes are those `render(_:timeZone:)` gives for the same rows and items. What
    /// `produce` throws is thrown here, after the workbook was abandoned.
    public static func render(timeZone: TimeZone,
                              produce: @escaping @Sendable (_ emit: (FollowUpTable.Row, [FollowUpTable.ItemRow]) throws -> Void) throws -> Void)
        throws -> [UInt8] {
        let channel = RowChannel()
        let producer = Thread {
            do {
                try produce { row, items in try channel.put(row, items) }
                channel.finish(nil)
            } catch {
                channel.finish(error)
            }
        }
        producer.name = "liaison.export.read"
        producer.start()
        do {
            return try inTemporaryFolder { path, dir in
                try write(path: path, tmpdir: dir, timeZone: timeZone) { rows in
                    var items: [FollowUpTable.ItemRow] = []
                    while let batch = try channel.take() {
                        for (row, rowItems) in batch {
                            try rows.add(row)
                            items += rowItems
                        }
                    }
                    return items
                }
            }
        } catch {
            channel.cancel()   // the reader stops at its next row and the workbook is dropped
            channel.waitFinished()
            throw error
        }
    }

    /// Runs `body(path, folder)` in a new private temporary folder, then returns the file's bytes.
    static func inTemporaryFolder(_ body: (String, String) throws -> Void) throws -> [UInt8] {
        var template = Array((NSTemporaryDirectory() + "/liaison-xlsx-XXXXXX").utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }).map({ String(cString: $0) }) else {
            throw WriteError(description: "cannot create a temporary folder: \(String(cString: strerror(errno)))")
        }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/follow-up.xlsx"
        try body(path, dir)
        guard let data = FileManager.default.contents(atPath: path) else { throw WriteError(description: "the workbook was not written") }
        return [UInt8](data)
    }

    /// Writes the workbook: the 跟进表 sheet's header, then the rows `rows` adds (in order), then
    /// its widths, frozen header and filter; then the 待办事项 sheet of the items `rows` returned.
    static func write(path: String, tmpdir: String, timeZone: TimeZone,
                      rows: (inout SheetWriter) throws -> [FollowUpTable.ItemRow]) throws {
        let wb: UnsafeMutablePointer<lxw_workbook>? = tmpdir.withCString { tmp in
            // constant_memory: rows stream to a temporary file in order (inline strings, no shared
            // string table), so 100,000 rows cost neither much memory nor a tree of strings.
            var options = lxw_workbook_options(constant_memory: 1, tmpdir: UnsafeMutablePointer(mutating: tmp), use_zip64: 0)
            return workbook_new_opt(path, &options)
        }
        guard let wb else { throw WriteError(description: "libxlsxwriter could not start a workbook") }
        let formats = Formats(wb)
        do {
            var cases = try SheetWriter(wb, "跟进表", FollowUpTable.columns, formats: formats, timeZone: timeZone)
            let items = try rows(&cases)
            cases.finish()
            var itemSheet = try SheetWriter(wb, "待办事项", FollowUpTable.itemColumns, formats: formats, timeZone: timeZone)
            for i in items { itemSheet.write(cells(i)) }
            itemSheet.finish()
        } catch {
            _ = workbook_close(wb)
            throw error
        }
        let rc = workbook_close(wb)
        guard rc == LXW_NO_ERROR else {
            throw WriteError(description: "libxlsxwriter: " + String(cString: lxw_strerror(rc)))
        }
    }

    /// The workbook's three cell formats.
    struct Formats {
        let header, text, date: UnsafeMutablePointer<lxw_format>?
        init(_ wb: UnsafeMutablePointer<lxw_workbook>) {
            header = workbook_add_format(wb)
            format_set_bold(header)
            format_set_bg_color(header, 0xDDEBF7)
            format_set_border(header, UInt8(LXW_BORDER_THIN.rawValue))
            format_set_align(header, UInt8(LXW_ALIGN_VERTICAL_CENTER.rawValue))
            text = workbook_add_format(wb)
            format_set_text_wrap(text)
            format_set_align(text, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))
            date = workbook_add_format(wb)
            format_set_num_format(date, "yyyy-mm-dd hh:mm")
            format_set_align(date, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))
        }
    }

    /// One sheet written row by row (constant-memory mode wants rows in order): the header at
    /// once, each row as it comes (column widths measured on the way), `finish` for the widths,
    /// the frozen header row and the autofilter over what was written.
    struct SheetWriter {
        let ws: UnsafeMutablePointer<lxw_worksheet>
        let formats: Formats
        let timeZone: TimeZone
        let columns: Int
        var widths: [Int]
        var written = 0

        init(_ wb: UnsafeMutablePointer<lxw_workbook>, _ name: String, _ columns: [String], formats: Formats, timeZone: TimeZone) throws {
            guard let ws = workbook_add_worksheet(wb, name) else { throw WriteError(description: "cannot add sheet \(name)") }
            self.ws = ws
            self.formats = formats
            self.timeZone = timeZone
            self.columns = columns.count
            widths = columns.map { width($0) }
            for (c, title) in columns.enumerated() { worksheet_write_string(ws, 0, lxw_col_t(c), title, formats.header) }
        }

        mutating func add(_ r: FollowUpTable.Row) throws { write(cells(r)) }

        mutating func write(_ row: [Cell]) {
            written += 1
            let rr = lxw_row_t(written)
            for (c, cell) in row.enumerated() {
                let cc = lxw_col_t(c)
                switch cell {
                case .text(let s):
                    let clean = sanitized(s)
                    if !clean.isEmpty { worksheet_write_string(ws, rr, cc, clean, formats.text) }
                    // Widths stop growing at 60: a cell already that wide is not measured.
                    if widths[c] < 60 { widths[c] = max(widths[c], width(clean)) }
                case .number(let n):
                    worksheet_write_number(ws, rr, cc, Double(n), nil)
                case .date(let d?):
                    worksheet_write_number(ws, rr, cc, excelSerial(d, timeZone), formats.date)
                    widths[c] = max(widths[c], 16)
                case .date(nil):
                    break
                }
            }
        }

        func finish() {
            for (c, w) in widths.enumerated() {
                worksheet_set_column(ws, lxw_col_t(c), lxw_col_t(c), Double(min(w, 60) + 2), nil)
            }
            worksheet_freeze_panes(ws, 1, 0)
            worksheet_autofilter(ws, 0, 0, lxw_row_t(written), lxw_col_t(columns - 1))
        }
    }

    static func cells(_ r: FollowUpTable.Row) -> [Cell] {
        [.text(r.number), .date(r.date), .text(r.counterparty), .text(r.ourContact), .text(r.type), .text(r.need),
         .text(r.progress), .date(r.nextContact), .text(r.owner), .text(r.status)]
    }

    static func cells(_ i: FollowUpTable.ItemRow) -> [Cell] {
        [.text(i.caseNumber), .number(i.number), .text(i.owner), .text(i.task), .date(i.due), .text(i.status), .date(i.doneAt)]
    }

    enum Cell {
        case text(String)
        case number(Int)
        case date(Date?)
    }

    /// Days since 1899-12-30 of the wall-clock time in `timeZone` (Excel's 1900 date system).
    static func excelSerial(_ d: Date, _ tz: TimeZone) -> Double {
        let local = d.timeIntervalSince1970 + Double(tz.secondsFromGMT(for: d))
        return local / 86_400 + 25_569
    }

    /// Text fit for an XLSX cell: no control characters but tab and line feed, at most 32,767 UTF-16 units.
    static func sanitized(_ s: String) -> String {
        // The common case, checked in one pass over the UTF-8 bytes: nothing to change. U+FFFE and
        // U+FFFF are EF BF BE / EF BF BF; at most 32,767 bytes is at most 32,767 UTF-16 units.
        if s.utf8.count <= 32_767, isClean(s.utf8) { return s }
        var out = String.UnicodeScalarView()
        var units = 0
        for u in s.unicodeScalars {
            let v = u.value
            let keep: Unicode.Scalar = (v < 0x20 && v != 0x09 && v != 0x0A) || v == 0x7F || v == 0xFFFE || v == 0xFFFF ? "\u{FFFD}" : u
            units += keep.utf16.count
            if units > 32_767 { break }
            out.append(keep)
        }
        return String(out)
    }

    /// True when the bytes hold no control character but tab and line feed, no DEL, no U+FFFE/U+FFFF.
    static func isClean(_ bytes: String.UTF8View) -> Bool {
        if let clean = bytes.withContiguousStorageIfAvailable({ isClean($0) }) { return clean }
        return Array(bytes).withUnsafeBufferPointer { isClean($0) }
    }

    static func isClean(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x20 {
                if b != 0x09 && b != 0x0A { return false }
            } else if b == 0x7F {
                return false
            } else if b == 0xEF, i + 2 < n, bytes[i + 1] == 0xBF, bytes[i + 2] == 0xBE || bytes[i + 2] == 0xBF {
                return false
            }
            i += 1
        }
        return true
    }

    /// Column width in Excel's character units of the widest line: East Asian wide characters count two.
    static func width(_ s: String) -> Int {
        if let w = s.utf8.withContiguousStorageIfAvailable({ width($0) }) { return w }
        return Array(s.utf8).withUnsafeBufferPointer { width($0) }
    }

    /// `width` over valid UTF-8 (a Swift string's bytes): each scalar decoded from its bytes.
    static func width(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var widest = 0, line = 0, i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                if b == 0x0A { widest = max(widest, line); line = 0 } else { line += 1 }
                i += 1
                continue
            }
            var v: UInt32
            if b < 0xE0 {   // two bytes: below U+0800, never wide
                line += 1
                i += 2
                continue
            } else if b < 0xF0 {
                v = UInt32(b & 0x0F) << 12
                if i + 2 < n { v |= UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F) }
                i += 3
            } else {
                v = UInt32(b & 0x07) << 18
                if i + 3 < n { v |= UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F) }
                i += 4
            }
            line += isWide(v) ? 2 : 1
        }
        return max(widest, line)
    }

    /// East Asian wide and fullwidth ranges (Hangul Jamo, CJK, Hangul syllables, compatibility
    /// ideographs and forms, fullwidth forms, planes 2 and 3), and the circled numbers ① ②.
    @inline(__always)
    static func isWide(_ v: UInt32) -> Bool {
        if v < 0x1100 { return false }
        return (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v) || (0x2460...0x24FF).contains(v)
    }

}
