import Foundation

/// Reads action items given as a table: an HTML table as `HTMLText` renders it, or the
/// tab-separated plain part Outlook and others write from it — one row a line, cells separated by
/// a tab. A header row names the columns (any order, Chinese or English): 序号/No., 事项/任务/Task,
/// 负责人/Owner, 截止时间/Due, and others (状态, 备注) that are read past. It must name a task
/// column and an owner or due column; the rows after it, up to the first line without a tab, are
/// the items. A table whose header does not read so (an attendee list, a price table) gives no
/// items: no fact rather than a wrong one. Pure; works on folded text; bounded (rows, cells).
enum TableItemReader {
    enum Column: Equatable { case number, task, owner, due, other }

    static let numberHeaders = ["序号", "序號", "编号", "編號", "项次", "項次", "no", "no.", "#", "item no", "item no.", "s/n", "sn"]
    static let taskHeaders = ["事项", "事項", "待办事项", "待辦事項", "待办", "待辦", "任务", "任務", "工作内容", "工作內容", "工作事项",
                              "工作事項", "内容", "內容", "行动项", "行動項", "措施", "跟进事项", "跟進事項", "task", "tasks",
                              "action", "action item", "action items", "item", "description", "to-do", "todo", "what"]
    static let ownerHeaders = ["负责人", "負責人", "责任人", "責任人", "执行人", "執行人", "对接人", "對接人", "跟进人", "跟進人",
                               "负责部门/负责人", "部门/负责人", "部門/負責人", "owner", "responsible", "assignee", "person in charge",
                               "pic", "who"]
    static let dueHeaders = ["截止时间", "截止時間", "截止日期", "截止", "完成时间", "完成時間", "完成日期", "计划完成时间",
                             "計劃完成時間", "期限", "时限", "時限", "due", "due date", "deadline", "target date", "by when", "when"]

    /// At most this many rows are read from one table (the rest of its rows are passed over), and
    /// cells longer than `maxCell` characters end it (no item is that long; hostile text is).
    static let maxRows = 200
    static let maxCell = 2_000

    /// The column a header cell names.
    static func column(_ cell: String) -> Column {
        // No header name is longer than 20 characters (the longest is 11): skip the work.
        guard cell.utf8.count <= 64 else { return .other }
        var key = cell.lowercased().trimmingCharacters(in: .whitespaces)
        while let last = key.last, last == ":" || last == "*" { key.removeLast() }
        key = key.trimmingCharacters(in: .whitespaces)
        if numberHeaders.contains(key) { return .number }
        if taskHeaders.contains(key) { return .task }
        if ownerHeaders.contains(key) { return .owner }
        if dueHeaders.contains(key) { return .due }
        return .other
    }

    /// One row of a table: its line index and cells.
    struct Row { var line: Int; var cells: [String] }

    /// The tables of `lines` that read as action items: the item rows with their line indices,
    /// and the columns of their table.
    static func tables(in lines: [Substring]) -> [(columns: [Column], rows: [Row])] {
        var out: [(columns: [Column], rows: [Row])] = []
        var k = 0
        while k < lines.count {
            let line = lines[k]
            guard line.contains("\t"), line.count <= maxCell * 8 else { k += 1; continue }
            let header = line.split(separator: "\t", omittingEmptySubsequences: false).map { String($0) }
            var columns = header.map(column)
            // "Item | Description | Owner": beside another task column, "item" numbers the rows.
            if columns.filter({ $0 == .task }).count == 2, !columns.contains(.number),
               let k = header.firstIndex(where: { ["item", "items"].contains($0.lowercased().trimmingCharacters(in: .whitespaces)) }) {
                columns[k] = .number
            }
            guard columns.contains(.task), columns.contains(.owner) || columns.contains(.due),
                  Set(columns.filter { $0 != .other }).count == columns.filter({ $0 != .other }).count else {
                k += 1
                continue
            }
            var rows: [Row] = []
            var j = k + 1
            while j < lines.count, rows.count < maxRows, lines[j].contains("\t") {
                let cells = lines[j].split(separator: "\t", omittingEmptySubsequences: false).map { String($0) }
                if cells.contains(where: { $0.count > maxCell }) { break }
                rows.append(Row(line: j, cells: cells))
                j += 1
            }
            // Rows past the bound belong to this table still: passed over, not read as headers.
            if rows.count == maxRows { while j < lines.count, lines[j].contains("\t") { j += 1 } }
            if !rows.isEmpty { out.append((columns, rows)) }
            k = j
        }
        return out
    }

    /// The item a row gives, or nil when its task cell is empty.
    static func item(_ row: Row, columns: [Column], ordinal: Int, staff: [String: String],
                     resolver: DeadlineResolver, sentAt: Date?) -> ActionItem? {
        func cell(_ c: Column) -> String? {
            guard let i = columns.firstIndex(of: c), i < row.cells.count else { return nil }
            let v = row.cells[i].trimmingCharacters(in: .whitespaces)
            return v.isEmpty ? nil : v
        }
        guard let rawTask = cell(.task) else { return nil }
        let task = ActionItemReader.trimEnd(rawTask)
        guard !task.isEmpty else { return nil }
        var number = ordinal
        if let n = cell(.number) {
            if let c = n.first, let v = ActionItemReader.circledValue(c) {
                number = v
            } else if let v = Int(n.prefix(while: { $0.isASCII && $0.isNumber }).prefix(3)), v > 0 {
                number = v
            } else if let v = ActionItemReader.chineseNumber(Substring(n)) {
                number = v.value
            }
        }
        var owner: String?, department: String?, address: String?
        if let o = cell(.owner) {
            (owner, department) = ActionItemReader.splitOwner(ActionItemReader.trimEnd(o), staff: staff)
            address = owner.flatMap { ActionItemReader.lookUp($0, staff) }
        }
        let due: Deadline?, note: String?
        if let d = cell(.due) {
            (due, note) = ActionItemReader.resolveDue(d, resolver: resolver, sentAt: sentAt, what: "the due date")
        } else {
            (due, note) = ActionItemReader.resolveDue(task, resolver: resolver, sentAt: sentAt, what: "the task")
        }
        return ActionItem(number: number, owner: owner, department: department, ownerAddress: address,
                          task: task, due: due, dueNote: note)
    }
}
