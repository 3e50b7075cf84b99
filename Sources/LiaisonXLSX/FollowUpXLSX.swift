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

    /// The workbook's bytes. libxlsxwriter writes to a file, so this works in a private (0700)
    /// temporary folder and removes it; the caller writes the bytes where they belong.
    public static func render(_ table: FollowUpTable, timeZone: TimeZone) throws -> [UInt8] {
        var template = Array((NSTemporaryDirectory() + "/liaison-xlsx-XXXXXX").utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }).map({ String(cString: $0) }) else {
            throw WriteError(description: "cannot create a temporary folder: \(String(cString: strerror(errno)))")
        }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/follow-up.xlsx"
        try write(table, path: path, tmpdir: dir, timeZone: timeZone)
        guard let data = FileManager.default.contents(atPath: path) else { throw WriteError(description: "the workbook was not written") }
        return [UInt8](data)
    }

    static func write(_ table: FollowUpTable, path: String, tmpdir: String, timeZone: TimeZone) throws {
        let wb: UnsafeMutablePointer<lxw_workbook>? = tmpdir.withCString { tmp in
            // constant_memory: rows stream to a temporary file in order (inline strings, no shared
            // string table), so 100,000 rows cost neither much memory nor a tree of strings.
            var options = lxw_workbook_options(constant_memory: 1, tmpdir: UnsafeMutablePointer(mutating: tmp), use_zip64: 0)
            return workbook_new_opt(path, &options)
        }
        guard let wb else { throw WriteError(description: "libxlsxwriter could not start a workbook") }
        let header = workbook_add_format(wb)
        format_set_bold(header)
        format_set_bg_color(header, 0xDDEBF7)
        format_set_border(header, UInt8(LXW_BORDER_THIN.rawValue))
        format_set_align(header, UInt8(LXW_ALIGN_VERTICAL_CENTER.rawValue))
        let text = workbook_add_format(wb)
        format_set_text_wrap(text)
        format_set_align(text, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))
        let date = workbook_add_format(wb)
        format_set_num_format(date, "yyyy-mm-dd hh:mm")
        format_set_align(date, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))

        func sheet(_ name: String, _ columns: [String], _ rows: [[Cell]]) throws {
            guard let ws = workbook_add_worksheet(wb, name) else { throw WriteError(description: "cannot add sheet \(name)") }
            var widths = columns.map { width($0) }
            for (c, title) in columns.enumerated() { worksheet_write_string(ws, 0, lxw_col_t(c), title, header) }
            for (r, row) in rows.enumerated() {
                let rr = lxw_row_t(r + 1)
                for (c, cell) in row.enumerated() {
                    let cc = lxw_col_t(c)
                    switch cell {
                    case .text(let s):
                        let clean = sanitized(s)
                        if !clean.isEmpty { worksheet_write_string(ws, rr, cc, clean, text) }
                        // Widths stop growing at 60: a cell already that wide is not measured.
                        if widths[c] < 60 { widths[c] = max(widths[c], width(clean)) }
                    case .number(let n):
                        worksheet_write_number(ws, rr, cc, Double(n), nil)
                    case .date(let d?):
                        worksheet_write_number(ws, rr, cc, excelSerial(d, timeZone), date)
                        widths[c] = max(widths[c], 16)
                    case .date(nil):
                        break
                    }
                }
            }
            for (c, w) in widths.enumerated() {
                worksheet_set_column(ws, lxw_col_t(c), lxw_col_t(c), Double(min(w, 60) + 2), nil)
            }
            worksheet_freeze_panes(ws, 1, 0)
            worksheet_autofilter(ws, 0, 0, lxw_row_t(rows.count), lxw_col_t(columns.count - 1))
        }

        do {
            try sheet("跟进表", FollowUpTable.columns, table.rows.map { r in
                [.text(r.number), .date(r.date), .text(r.counterparty), .text(r.ourContact), .text(r.type), .text(r.need),
                 .text(r.progress), .date(r.nextContact), .text(r.owner), .text(r.status)]
            })
            try sheet("待办事项", FollowUpTable.itemColumns, table.items.map { i in
                [.text(i.caseNumber), .number(i.number), .text(i.owner), .text(i.task), .date(i.due), .text(i.status), .date(i.doneAt)]
            })
        } catch {
            _ = workbook_close(wb)
            throw error
        }
        let rc = workbook_close(wb)
        guard rc == LXW_NO_ERROR else {
            throw WriteError(description: "libxlsxwriter: " + String(cString: lxw_strerror(rc)))
        }
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
        var ef = 0   // 1 after EF, 2 after EF BF
        for b in bytes {
            if b < 0x20 { if b != 0x09 && b != 0x0A { return false } } else if b == 0x7F { return false }
            switch (ef, b) {
            case (_, 0xEF): ef = 1
            case (1, 0xBF): ef = 2
            case (2, 0xBE), (2, 0xBF): return false
            default: ef = 0
            }
        }
        return true
    }

    /// Column width in Excel's character units of the widest line: East Asian wide characters count two.
    static func width(_ s: String) -> Int {
        // ASCII only (numbers, addresses, most English): its widest line in bytes, in one byte pass.
        var widest = 0, line = 0, ascii = true
        for b in s.utf8 {
            if b >= 0x80 { ascii = false; break }
            if b == 0x0A { widest = max(widest, line); line = 0 } else { line += 1 }
        }
        if ascii { return max(widest, line) }
        widest = 0
        line = 0
        for u in s.unicodeScalars {
            let v = u.value
            if v == 0x0A { widest = max(widest, line); line = 0; continue }
            if v < 0x1100 { line += 1; continue }
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v) || (0x2460...0x24FF).contains(v)
            line += wide ? 2 : 1
        }
        return max(widest, line)
    }
}
