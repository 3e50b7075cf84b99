#!/usr/bin/env python3
"""Fill a Liaison SQLite store (already migrated by `liaison`) with N cases by SQL, for
scripts/bench-console.

    console_fill.py DB --cases N [--staff 40]

Each case, opened over the last three years (newest last, ~90 a day at 100,000), has:
- an outside contact (a thread and a contact address) of one of 3,000 organisations, an owner
  among the staff (zhang.wei, wang.fang, zhao.qiang, li.na, then s05…@corp.example), a category,
  a status (open for the newest 60 days and every fifth older case, else resolved);
- two messages, the customer's and the owner's reply, as real MIME (UTF-8 text, ~1 KB of
  Chinese, To and Cc with another staff member and the tracking address) with their To/Cc in
  message_recipients as filing stores them, and their Message-IDs;
- every third case: a third message, the owner's recap, with its recap row (pending, confirmed,
  or disputed for every twentieth) and two action items owned by staff (due a week after the
  opening: the open cases' items older than that are overdue);
- an event.
The numbers (EC<day>-<4 digits>) cannot meet the service's own ({seq:3}). Deterministic: the
same N gives the same rows. No ANALYZE (a service's store has no statistics either).
"""
import argparse
import sqlite3
import sys
import time

p = argparse.ArgumentParser()
p.add_argument("db")
p.add_argument("--cases", type=int, default=100_000)
p.add_argument("--staff", type=int, default=40)
p.add_argument("--now", type=float, default=time.time())
a = p.parse_args()
N, S = a.cases, a.staff
SPAN = 3 * 365 * 86400.0

db = sqlite3.connect(a.db)
db.execute("PRAGMA foreign_keys = ON")
if db.execute("SELECT count(*) FROM cases").fetchone()[0]:
    sys.exit("console_fill: the store already holds cases")

named = ["zhang.wei", "wang.fang", "zhao.qiang", "li.na"]
db.execute("CREATE TEMP TABLE staff (k INTEGER PRIMARY KEY, address TEXT, name TEXT)")
for k in range(S):
    local = named[k] if k < len(named) else "s%02d" % (k + 1)
    db.execute("INSERT INTO staff VALUES (?, ?, ?)", (k, local + "@corp.example", ["张伟", "王芳", "赵强", "李娜"][k] if k < 4 else "员工%02d" % (k + 1)))
topics = ["设备故障投诉", "交货时间确认", "报价单更新", "发票与付款", "合同条款修改", "包装破损更换"]
categories = ["complaint", "delivery", "qualification", "contract", "media", "complaint"]
db.execute("CREATE TEMP TABLE topic (k INTEGER PRIMARY KEY, t TEXT, cat TEXT)")
for k, (t, c) in enumerate(zip(topics, categories)):
    db.execute("INSERT INTO topic VALUES (?, ?, ?)", (k, t, c))
body = ("您好，关于上周提交的订单，我们想确认一下交货时间。根据今天电话沟通内容，现将会议要点整理如下，请各位确认。"
        "我们已经安排技术人员下周二上门检查设备。请在本周五之前提供发票和付款凭证。客户反映产品包装有破损，希望尽快更换。") * 2

t0 = time.time()
with db:
    # The cases: c(n, opened, owner k, cc k, item owner k, org k, topic k).
    db.execute(f"""
        CREATE TEMP TABLE c AS
        WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {N})
        SELECT n, {a.now} - ({N} - n) * {SPAN / N} - 3600 AS opened, n % {S} AS owner_k, (n * 7 + 3) % {S} AS cc_k,
               (n * 3 + 1) % {S} AS item_k, n % 3000 AS org_k, n % 6 AS topic_k FROM seq
        """)
    db.execute(f"""
        INSERT INTO cases (id, number, internal, organization, owner, category, status, opened_at, resolved_at)
        SELECT c.n, 'EC' || strftime('%Y%m%d', c.opened, 'unixepoch', '+8 hours') || '-' || printf('%04d', c.n % 10000), 0,
               'cust' || c.org_k || '.example', s.address, t.cat,
               CASE WHEN c.opened > {a.now} - 60 * 86400 OR c.n % 5 = 0 THEN 'open' ELSE 'resolved' END, c.opened,
               CASE WHEN c.opened > {a.now} - 60 * 86400 OR c.n % 5 = 0 THEN NULL ELSE c.opened + 20 * 86400 END
        FROM c JOIN staff s ON s.k = c.owner_k JOIN topic t ON t.k = c.topic_k
        """)
    for role in ("thread", "contact"):
        db.execute(f"""
            INSERT INTO case_addresses (address, case_id, role, seq)
            SELECT 'buyer' || c.org_k || '@cust' || c.org_k || '.example', c.n, '{role}', 1 FROM c
            """)
    # Messages: 3n-2 the customer's, 3n-1 the owner's reply, 3n the owner's recap (every third case).
    db.execute("""
        CREATE TEMP TABLE m AS
        SELECT c.n * 3 - 2 AS id, c.n AS case_id, 0 AS k, 'inbound' AS direction, c.opened AS date,
               'buyer' || c.org_k || '@cust' || c.org_k || '.example' AS sender, s.address AS to_addr,
               cc.address AS cc_addr, '关于订单' || c.n || '的' || t.t AS subject FROM c
          JOIN staff s ON s.k = c.owner_k JOIN staff cc ON cc.k = c.cc_k JOIN topic t ON t.k = c.topic_k
        UNION ALL
        SELECT c.n * 3 - 1, c.n, 1, 'outbound', c.opened + 3600, s.address, 'buyer' || c.org_k || '@cust' || c.org_k || '.example',
               cc.address, '回复: 关于订单' || c.n || '的' || t.t FROM c
          JOIN staff s ON s.k = c.owner_k JOIN staff cc ON cc.k = c.cc_k JOIN topic t ON t.k = c.topic_k
        UNION ALL
        SELECT c.n * 3, c.n, 2, 'outbound', c.opened + 7200, s.address, 'buyer' || c.org_k || '@cust' || c.org_k || '.example',
               cc.address, '会议纪要: 关于订单' || c.n || '的' || t.t FROM c
          JOIN staff s ON s.k = c.owner_k JOIN staff cc ON cc.k = c.cc_k JOIN topic t ON t.k = c.topic_k
          WHERE c.n % 3 = 0
        """)
    db.execute("""
        INSERT INTO correspondence (id, case_id, message_id, content_hash, direction, kind, date, subject, thread_subject, sender, raw, filed_at)
        SELECT m.id, m.case_id, '<bench.' || m.id || '@corp.example>', 'bench-console-' || m.id, m.direction,
               CASE m.k WHEN 2 THEN 'recap' ELSE 'correspondence' END, m.date, m.subject, '关于订单' || m.case_id, m.sender,
               CAST('From: ' || m.sender || char(13, 10) || 'To: ' || m.to_addr || char(13, 10)
                    || 'Cc: ' || m.cc_addr || ', track@corp.example' || char(13, 10)
                    || 'Subject: ' || m.subject || char(13, 10)
                    || 'Date: ' || strftime('%d ', m.date, 'unixepoch')
                    || substr('JanFebMarAprMayJunJulAugSepOctNovDec', strftime('%m', m.date, 'unixepoch') * 3 - 2, 3)
                    || strftime(' %Y %H:%M:%S', m.date, 'unixepoch') || ' +0000' || char(13, 10)
                    || 'Message-ID: <bench.' || m.id || '@corp.example>' || char(13, 10)
                    || 'MIME-Version: 1.0' || char(13, 10) || 'Content-Type: text/plain; charset=utf-8' || char(13, 10)
                    || 'Content-Transfer-Encoding: 8bit' || char(13, 10) || char(13, 10)
                    || '订单' || m.case_id || ':' || char(13, 10) || ? || char(13, 10) AS BLOB),
               m.date
        FROM m
        """, (body,))
    db.execute("INSERT INTO message_ids (message_id, case_id) SELECT '<bench.' || id || '@corp.example>', case_id FROM m")
    for col in ("to_addr", "cc_addr", "'track@corp.example'"):
        db.execute(f"INSERT OR IGNORE INTO message_recipients (address, case_id, correspondence_id) SELECT {col}, case_id, id FROM m")
    # Recaps and their items (every third case), an event per case.
    db.execute(f"""
        INSERT INTO recaps (id, case_id, message_id, author, counterparty, sent_at, window_closes, window_note, next_contact,
                            next_contact_note, state, state_at, objected_items)
        SELECT c.n * 3, c.n, '<bench.' || (c.n * 3) || '@corp.example>', s.address,
               '["buyer' || c.org_k || '@cust' || c.org_k || '.example"]', c.opened + 7200, c.opened + 93600, NULL, NULL, NULL,
               CASE WHEN c.n % 20 = 0 THEN 'disputed' WHEN c.n % 2 = 0 THEN 'confirmed' ELSE 'pending' END,
               CASE WHEN c.n % 20 = 0 OR c.n % 2 = 0 THEN c.opened + 50000 END,
               CASE WHEN c.n % 20 = 0 THEN '[2]' ELSE '[]' END
        FROM c JOIN staff s ON s.k = c.owner_k WHERE c.n % 3 = 0
        """)
    for seq, k in ((0, "c.item_k"), (1, "c.owner_k")):
        db.execute(f"""
            INSERT INTO action_items (recap_id, seq, number, owner, department, owner_address, task, due, due_note, status, first_due)
            SELECT c.n * 3, {seq}, {seq + 1}, s.name, NULL, s.address, '第{seq + 1}项: 跟进订单' || c.n, c.opened + 7 * 86400, NULL,
                   CASE WHEN x.status = 'open' THEN 'open' ELSE 'done' END, c.opened + 7 * 86400
            FROM c JOIN staff s ON s.k = {k} JOIN cases x ON x.id = c.n WHERE c.n % 3 = 0
            """)
    db.execute("""
        INSERT INTO case_events (case_id, at, kind, detail)
        SELECT c.n, c.opened + 3600, 'status-changed', 'bench' FROM c
        """)
counts = db.execute("""
    SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM correspondence), (SELECT count(*) FROM message_recipients),
           (SELECT count(*) FROM recaps), (SELECT count(*) FROM action_items)
    """).fetchone()
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
print("filled in %.1f s: %d cases, %d messages, %d recipients rows, %d recaps, %d items" % ((time.time() - t0,) + counts))
