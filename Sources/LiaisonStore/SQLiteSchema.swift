import GRDB

/// The SQLite schema as a list of migrations (GRDB `DatabaseMigrator`): an existing database is
/// upgraded in place by running the migrations it has not seen. Append, never edit, migrations.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: cases, correspondence, held, checkpoints") { db in
            try db.execute(sql: """
                CREATE TABLE cases (
                    id INTEGER PRIMARY KEY,
                    number TEXT NOT NULL UNIQUE,
                    internal INTEGER NOT NULL,
                    organization TEXT,
                    owner TEXT,
                    category TEXT NOT NULL,
                    status TEXT NOT NULL,
                    opened_at REAL NOT NULL,
                    resolved_at REAL
                );
                CREATE INDEX cases_status_owner ON cases(status, owner);
                -- Outside contacts (role 'contact', in order of first sight) and every address that
                -- ties later mail to the case (role 'thread').
                CREATE TABLE case_addresses (
                    address TEXT NOT NULL,
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    role TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    PRIMARY KEY (address, case_id, role)
                ) WITHOUT ROWID;
                CREATE INDEX case_addresses_case ON case_addresses(case_id, role, seq);
                CREATE TABLE case_counters (template TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE correspondence (
                    id INTEGER PRIMARY KEY,
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    message_id TEXT,
                    content_hash TEXT NOT NULL,
                    direction TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    date REAL,
                    subject TEXT,
                    thread_subject TEXT NOT NULL,
                    sender TEXT,
                    raw BLOB NOT NULL,
                    filed_at REAL NOT NULL
                );
                CREATE INDEX correspondence_message_id ON correspondence(message_id) WHERE message_id IS NOT NULL;
                CREATE UNIQUE INDEX correspondence_hash ON correspondence(content_hash);
                CREATE INDEX correspondence_thread ON correspondence(thread_subject, date);
                CREATE INDEX correspondence_case ON correspondence(case_id, date, id);
                -- Every Message-ID that threads to a case: filed messages' own and forwarded originals'.
                CREATE TABLE message_ids (
                    message_id TEXT PRIMARY KEY,
                    case_id INTEGER NOT NULL REFERENCES cases(id)
                ) WITHOUT ROWID;
                -- In-Reply-To/References of filed messages.
                CREATE TABLE message_references (
                    correspondence_id INTEGER NOT NULL REFERENCES correspondence(id),
                    referenced_id TEXT NOT NULL,
                    PRIMARY KEY (correspondence_id, referenced_id)
                ) WITHOUT ROWID;
                CREATE TABLE held (
                    id INTEGER PRIMARY KEY,
                    status TEXT NOT NULL,          -- pending, accepted, rejected, filed
                    reason TEXT NOT NULL,
                    detail TEXT,
                    message_id TEXT,
                    content_hash TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    direction TEXT NOT NULL,
                    date REAL,
                    subject TEXT,
                    thread_subject TEXT NOT NULL,
                    sender TEXT,
                    refs TEXT NOT NULL,            -- space-separated Message-IDs
                    aliases TEXT NOT NULL,
                    addresses TEXT NOT NULL,
                    contacts TEXT NOT NULL,
                    raw BLOB NOT NULL,
                    held_at REAL NOT NULL
                );
                CREATE INDEX held_message_id ON held(message_id);
                CREATE INDEX held_hash ON held(content_hash);
                CREATE INDEX held_status ON held(status, id);
                CREATE TABLE checkpoints (
                    mailbox TEXT PRIMARY KEY,
                    uid_validity INTEGER NOT NULL,
                    last_uid INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        m.registerMigration("v2: recaps, action items, case events, reminders, outbox") { db in
            try db.execute(sql: """
                -- A recap is stored with the message that carries it: its id is that correspondence id.
                -- Address lists and item numbers are JSON arrays.
                CREATE TABLE recaps (
                    id INTEGER PRIMARY KEY REFERENCES correspondence(id),
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    message_id TEXT,
                    author TEXT,
                    counterparty TEXT NOT NULL,
                    sent_at REAL,
                    window_closes REAL,
                    window_note TEXT,
                    next_contact REAL,
                    next_contact_note TEXT,
                    state TEXT NOT NULL,           -- pending, confirmed, disputed
                    state_at REAL,
                    objected_items TEXT NOT NULL
                );
                CREATE INDEX recaps_case ON recaps(case_id, sent_at, id);
                -- In the recap's order (seq), whatever numbers the author wrote.
                CREATE TABLE action_items (
                    recap_id INTEGER NOT NULL REFERENCES recaps(id),
                    seq INTEGER NOT NULL,
                    number INTEGER NOT NULL,
                    owner TEXT,
                    department TEXT,
                    owner_address TEXT,
                    task TEXT NOT NULL,
                    due REAL,
                    due_note TEXT,
                    PRIMARY KEY (recap_id, seq)
                ) WITHOUT ROWID;
                CREATE TABLE case_events (
                    id INTEGER PRIMARY KEY,
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    at REAL NOT NULL,
                    kind TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                CREATE INDEX case_events_case ON case_events(case_id, at, id);
                CREATE TABLE reminders (
                    id INTEGER PRIMARY KEY,
                    case_id INTEGER REFERENCES cases(id),   -- NULL: a reminder of no case (the digest)
                    kind TEXT NOT NULL,
                    fire_at REAL NOT NULL,
                    about REAL,
                    recipients TEXT NOT NULL,
                    key TEXT NOT NULL,
                    recap_id INTEGER,
                    item_number INTEGER,
                    detail TEXT,
                    status TEXT NOT NULL,          -- pending, fired, cancelled
                    done_at REAL,
                    late INTEGER NOT NULL DEFAULT 0,
                    cancel_reason TEXT
                );
                -- One reminder per (case, key); UNIQUE would let NULL case ids repeat, so case-less
                -- reminders get their own index on the key.
                CREATE UNIQUE INDEX reminders_case_key ON reminders(case_id, key) WHERE case_id IS NOT NULL;
                CREATE UNIQUE INDEX reminders_free_key ON reminders(key) WHERE case_id IS NULL;
                -- The scheduler's queue: the earliest pending reminder is the first entry.
                CREATE INDEX reminders_pending ON reminders(fire_at, id) WHERE status = 'pending';
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY,
                    case_id INTEGER REFERENCES cases(id),
                    message_id TEXT NOT NULL UNIQUE,
                    envelope_from TEXT NOT NULL,
                    recipients TEXT NOT NULL,
                    raw BLOB NOT NULL,
                    purpose TEXT NOT NULL,
                    reminder_id INTEGER,
                    status TEXT NOT NULL,          -- pending, sent, failed
                    attempts INTEGER NOT NULL,
                    next_attempt_at REAL NOT NULL,
                    last_error TEXT,
                    created_at REAL NOT NULL,
                    sent_at REAL
                );
                CREATE INDEX outbox_pending ON outbox(next_attempt_at, id) WHERE status = 'pending';
                CREATE INDEX outbox_status ON outbox(status, id);
                """)
        }
        m.registerMigration("v3-containment: messages in progress") { db in
            try db.execute(sql: """
                -- One row per message being read and filed (issue 11, containment): written in its own
                -- transaction before the message is parsed, deleted by the transaction that files or
                -- holds it. `run` names the process that has it in hand (NULL after a failed filing):
                -- a row left by another run means that process died on the message.
                CREATE TABLE processing (
                    source TEXT NOT NULL,          -- the mailbox's checkpoint key, or 'ingest'
                    item TEXT NOT NULL,            -- 'UIDVALIDITY/UID', or the content hash
                    run TEXT,
                    crashes INTEGER NOT NULL DEFAULT 0,
                    failures INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    started_at REAL NOT NULL,
                    PRIMARY KEY (source, item)
                ) WITHOUT ROWID;
                """)
        }
        m.registerMigration("v3-floods: rate ledger") { db in
            try db.execute(sql: """
                -- Counted events for rate caps and once-only notices (RateLimit.Ledger scopes):
                -- cases opened by an outside sender / for an owner, rate-limit summaries, notices
                -- sent from filing, delivery-failed notices per bounced Message-ID. `ref`: the held
                -- message a summary was sent for.
                CREATE TABLE rate_events (
                    id INTEGER PRIMARY KEY,
                    scope TEXT NOT NULL,
                    key TEXT NOT NULL,
                    at REAL NOT NULL,
                    ref INTEGER
                );
                CREATE INDEX rate_events_key ON rate_events(scope, key, at);
                CREATE INDEX rate_events_ref ON rate_events(ref) WHERE ref IS NOT NULL;
                """)
        }
        m.registerMigration("v3-report: case flow index") { db in
            // `liaison report` / `export` (issue 15) read each case's first inbound and outbound
            // message, first subject and first staff sender from this index alone, never from the
            // rows (which carry the raw mail: a row read is a page read).
            try db.execute(sql: """
                CREATE INDEX IF NOT EXISTS correspondence_case_flow
                ON correspondence(case_id, direction, kind, date, sender, thread_subject)
                """)
        }
        m.registerMigration("v4-notices: notices rendered after the commit") { db in
            // A notice is recorded in the transaction that plans it as data (`notice`, JSON of
            // `Notice`, with its Message-ID fixed then) and rendered into `raw` after the commit,
            // on the outbox's side (`rendered` 0 → 1); rows written before are rendered already.
            try db.execute(sql: """
                ALTER TABLE outbox ADD COLUMN notice TEXT;
                ALTER TABLE outbox ADD COLUMN rendered INTEGER NOT NULL DEFAULT 1;
                CREATE INDEX outbox_unrendered ON outbox(id) WHERE rendered = 0 AND status = 'pending';
                """)
        }
        m.registerMigration("v5-items: item and case lifecycle") { db in
            // An action item is open, done (done_at, done_by), cancelled or rescheduled (`due` is
            // then the new one; the first stays in `first_due`). A case may be muted until a time.
            try db.execute(sql: """
                ALTER TABLE action_items ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
                ALTER TABLE action_items ADD COLUMN done_at REAL;
                ALTER TABLE action_items ADD COLUMN done_by TEXT;
                ALTER TABLE action_items ADD COLUMN first_due REAL;
                ALTER TABLE cases ADD COLUMN muted_until REAL;
                """)
        }
        m.registerMigration("v6-confidential: bodies removed, store secrets") { db in
            // Retention and a person's erasure (issue 18) empty `raw` (the message's bytes, so its
            // text and attachments) and record when; subject, addresses, dates and the rows stay.
            // `store_secrets`: the pseudonym key (random, made on first use).
            try db.execute(sql: """
                CREATE TABLE store_secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
                ALTER TABLE cases ADD COLUMN bodies_removed_at REAL;
                ALTER TABLE correspondence ADD COLUMN body_removed_at REAL;
                ALTER TABLE held ADD COLUMN body_removed_at REAL;
                ALTER TABLE outbox ADD COLUMN body_removed_at REAL;
                """)
        }
        m.registerMigration("v8-web: console sign-in links, sessions, sign-in log") { db in
            try db.execute(sql: """
                -- The web console (issue 19). Tokens are stored as their SHA-256 (hex), never as issued.
                -- A one-time sign-in link, bound to the browser that asked for it (the hash of its cookie).
                CREATE TABLE web_signin_links (
                    token_hash TEXT PRIMARY KEY,
                    address TEXT NOT NULL,
                    browser_hash TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    used_at REAL
                ) WITHOUT ROWID;
                CREATE TABLE web_sessions (
                    token_hash TEXT PRIMARY KEY,
                    address TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    ended_at REAL
                ) WITHOUT ROWID;
                -- Every sign-in attempt: the log, and what the rate limits count.
                CREATE TABLE web_signin_events (
                    id INTEGER PRIMARY KEY,
                    at REAL NOT NULL,
                    address TEXT NOT NULL,
                    client TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                CREATE INDEX web_signin_events_address ON web_signin_events(address, at);
                CREATE INDEX web_signin_events_client ON web_signin_events(client, at);
                -- The case list, newest first: read in this order and stopped at the page's size.
                CREATE INDEX cases_opened ON cases(opened_at, id);
                """)
        }
        m.registerMigration("v9-recipients: To/Cc of each message, visibility indexes") { db in
            // The console's visibility (issue 19): staff named in To/Cc of a case's mail see the
            // case. Each filed message's To and Cc addresses (lowercased, at most 100; Bcc never),
            // with its case, so both directions are index searches: by address (a staff member's
            // list) and by case (`canSee`). The other ties get an index by address too.
            // `recipients_backfill`: the messages filed before this migration, whose recipients
            // are read back from their stored bytes after the store opens (`backfillRecipients`,
            // with the store key when sealed); bodies already removed cannot be read.
            try db.execute(sql: """
                CREATE TABLE message_recipients (
                    address TEXT NOT NULL,
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    correspondence_id INTEGER NOT NULL REFERENCES correspondence(id),
                    PRIMARY KEY (address, case_id, correspondence_id)
                ) WITHOUT ROWID;
                CREATE INDEX message_recipients_message ON message_recipients(correspondence_id);
                CREATE INDEX cases_owner ON cases(owner);
                CREATE INDEX correspondence_sender ON correspondence(sender, case_id);
                CREATE INDEX action_items_owner_address ON action_items(lower(owner_address));
                CREATE TABLE recipients_backfill (correspondence_id INTEGER PRIMARY KEY);
                INSERT INTO recipients_backfill (correspondence_id)
                  SELECT id FROM correspondence WHERE body_removed_at IS NULL AND length(raw) > 0;
                """)
        }
        m.registerMigration("v10-search") { db in
            // The console's search (issue 19) on an index: an FTS5 table with the trigram
            // tokenizer (substrings of 3 characters or more, case-folded) over what the search
            // reads — each message's subject, each case's number and organisation, each case's
            // contacts — one row per source, the rowid saying which (`WebCaseSQL.searchRowID`:
            // message id × 4, case id × 4 + 1, case id × 4 + 2), with the case. Kept in step by
            // triggers on every insert, change and delete of those columns (filing, a change of
            // subject or counterparty, retention's and the person erasure's rewrites), back-filled
            // here. The index only narrows: each candidate is checked with the LIKE it replaces
            // (`WebCaseSQL.pageIDs`), so the answer is the LIKE answer.
            try db.execute(sql: """
                CREATE VIRTUAL TABLE case_search USING fts5(case_id UNINDEXED, text, tokenize = 'trigram');
                INSERT INTO case_search (rowid, case_id, text)
                  SELECT id * 4, case_id, subject FROM correspondence WHERE subject IS NOT NULL AND subject <> '';
                INSERT INTO case_search (rowid, case_id, text)
                  SELECT id * 4 + 1, id, number || char(10) || coalesce(organization, '') FROM cases;
                INSERT INTO case_search (rowid, case_id, text)
                  SELECT case_id * 4 + 2, case_id, group_concat(address, char(10)) FROM case_addresses WHERE role = 'contact' GROUP BY case_id;
                CREATE TRIGGER case_search_message_in AFTER INSERT ON correspondence
                  WHEN new.subject IS NOT NULL AND new.subject <> '' BEGIN
                  INSERT INTO case_search (rowid, case_id, text) VALUES (new.id * 4, new.case_id, new.subject);
                END;
                CREATE TRIGGER case_search_message_up AFTER UPDATE OF subject, case_id ON correspondence BEGIN
                  DELETE FROM case_search WHERE rowid = old.id * 4;
                  INSERT INTO case_search (rowid, case_id, text)
                    SELECT new.id * 4, new.case_id, new.subject WHERE new.subject IS NOT NULL AND new.subject <> '';
                END;
                CREATE TRIGGER case_search_message_out AFTER DELETE ON correspondence BEGIN
                  DELETE FROM case_search WHERE rowid = old.id * 4;
                END;
                CREATE TRIGGER case_search_case_in AFTER INSERT ON cases BEGIN
                  INSERT INTO case_search (rowid, case_id, text) VALUES (new.id * 4 + 1, new.id, new.number || char(10) || coalesce(new.organization, ''));
                END;
                CREATE TRIGGER case_search_case_up AFTER UPDATE OF number, organization ON cases BEGIN
                  DELETE FROM case_search WHERE rowid = old.id * 4 + 1;
                  INSERT INTO case_search (rowid, case_id, text) VALUES (new.id * 4 + 1, new.id, new.number || char(10) || coalesce(new.organization, ''));
                END;
                CREATE TRIGGER case_search_case_out AFTER DELETE ON cases BEGIN
                  DELETE FROM case_search WHERE rowid IN (old.id * 4 + 1, old.id * 4 + 2);
                END;
                CREATE TRIGGER case_search_contact_in AFTER INSERT ON case_addresses WHEN new.role = 'contact' BEGIN
                  DELETE FROM case_search WHERE rowid = new.case_id * 4 + 2;
                  INSERT INTO case_search (rowid, case_id, text)
                    SELECT new.case_id * 4 + 2, new.case_id, group_concat(address, char(10)) FROM case_addresses
                    WHERE case_id = new.case_id AND role = 'contact' HAVING count(*) > 0;
                END;
                CREATE TRIGGER case_search_contact_out AFTER DELETE ON case_addresses WHEN old.role = 'contact' BEGIN
                  DELETE FROM case_search WHERE rowid = old.case_id * 4 + 2;
                  INSERT INTO case_search (rowid, case_id, text)
                    SELECT old.case_id * 4 + 2, old.case_id, group_concat(address, char(10)) FROM case_addresses
                    WHERE case_id = old.case_id AND role = 'contact' HAVING count(*) > 0;
                END;
                CREATE TRIGGER case_search_contact_up AFTER UPDATE ON case_addresses WHEN old.role = 'contact' OR new.role = 'contact' BEGIN
                  DELETE FROM case_search WHERE rowid IN (old.case_id * 4 + 2, new.case_id * 4 + 2);
                  INSERT INTO case_search (rowid, case_id, text)
                    SELECT k * 4 + 2, k, (SELECT group_concat(address, char(10)) FROM case_addresses WHERE case_id = k AND role = 'contact')
                    FROM (SELECT old.case_id AS k UNION SELECT new.case_id)
                    WHERE EXISTS (SELECT 1 FROM case_addresses WHERE case_id = k AND role = 'contact');
                END;
                """)
        }
        m.registerMigration("v11-visibility") { db in
            // A staff member's case list (issue 19) on one index range: who is tied to which case
            // (`WebCaseSQL.ties`: the owner, an item's owner, a message's sender, a case address,
            // To/Cc of staff mail), ordered like the list, so the page reads this address's
            // candidates from the cursor (`WebCaseSQL.pageIDs`) instead of probing every case
            // next to it. Only candidates: each is still checked with `WebCaseSQL.visible`, so a
            // row left by a tie removed later costs a probe and never shows a case; a missing
            // row would hide one, so every insert and change of a tie adds its row (INSERT OR
            // IGNORE), back-filled here one statement per tie. A deleted case takes its rows;
            // the person erasure removes the erased address's rows (`replaceEverywhere`).
            try db.execute(sql: """
                CREATE TABLE case_people (
                    address TEXT NOT NULL,
                    opened_at REAL NOT NULL,
                    case_id INTEGER NOT NULL,
                    PRIMARY KEY (address, opened_at, case_id)
                ) WITHOUT ROWID;
                CREATE INDEX case_people_case ON case_people(case_id);
                INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                  SELECT owner, opened_at, id FROM cases WHERE owner IS NOT NULL;
                INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                  SELECT lower(i.owner_address), c.opened_at, c.id FROM action_items i JOIN recaps r ON r.id = i.recap_id
                  JOIN cases c ON c.id = r.case_id WHERE i.owner_address IS NOT NULL;
                INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                  SELECT m.sender, c.opened_at, c.id FROM correspondence m JOIN cases c ON c.id = m.case_id WHERE m.sender IS NOT NULL;
                INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                  SELECT a.address, c.opened_at, c.id FROM case_addresses a JOIN cases c ON c.id = a.case_id WHERE a.address IS NOT NULL;
                INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                  SELECT t.address, c.opened_at, c.id FROM message_recipients t
                  JOIN correspondence tm ON tm.id = t.correspondence_id AND tm.direction = 'outbound'
                  JOIN cases c ON c.id = t.case_id;
                CREATE TRIGGER case_people_case_in AFTER INSERT ON cases WHEN new.owner IS NOT NULL BEGIN
                  INSERT OR IGNORE INTO case_people (address, opened_at, case_id) VALUES (new.owner, new.opened_at, new.id);
                END;
                CREATE TRIGGER case_people_case_owner AFTER UPDATE OF owner ON cases WHEN new.owner IS NOT NULL BEGIN
                  INSERT OR IGNORE INTO case_people (address, opened_at, case_id) VALUES (new.owner, new.opened_at, new.id);
                END;
                CREATE TRIGGER case_people_case_opened AFTER UPDATE OF opened_at ON cases WHEN new.opened_at IS NOT old.opened_at BEGIN
                  INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                    SELECT address, new.opened_at, case_id FROM case_people WHERE case_id = new.id;
                  DELETE FROM case_people WHERE case_id = new.id AND opened_at IS NOT new.opened_at;
                END;
                CREATE TRIGGER case_people_case_out AFTER DELETE ON cases BEGIN
                  DELETE FROM case_people WHERE case_id = old.id;
                END;
                CREATE TRIGGER case_people_item_in AFTER INSERT ON action_items WHEN new.owner_address IS NOT NULL BEGIN
                  INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                    SELECT lower(new.owner_address), c.opened_at, c.id FROM recaps r JOIN cases c ON c.id = r.case_id WHERE r.id = new.recap_id;
                END;
                CREATE TRIGGER case_people_item_up AFTER UPDATE OF owner_address, recap_id ON action_items WHEN new.owner_address IS NOT NULL BEGIN
                  INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                    SELECT lower(new.owner_address), c.opened_at, c.id FROM recaps r JOIN cases c ON c.id = r.case_id WHERE r.id = new.recap_id;
                END;
                CREATE TRIGGER case_people_recap_up AFTER UPDATE OF case_id ON recaps BEGIN
                  INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                    SELECT lower(i.owner_address), c.opened_at, c.id FROM action_items i JOIN cases c ON c.id = new.case_id
                    WHERE i.recap_id = new.id AND i.owner_address IS NOT NULL;
                END;
                CREATE TRIGGER case_people_message_in AFTER INSERT ON correspondence WHEN new.sender IS NOT NULL BEGIN
                  INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                    SELECT new.sender, c.opened_at, c.id FROM cases c WHERE c.id = new.case_id;
                END;
                CREATE TRIGGER case_people_message_up AFTER UPDATE OF sender, case_id, direction ON correspondence BEGIN
                  INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                    SELECT new.sender, c.opened_at, c.id FROM cases c WHERE c.id = new.case_id AND new.sender IS NOT NULL;
                  INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                    SELECT t.address, c.opened_at, c.id FROM message_recipients t JOIN cases c ON c.id = t.case_id
                    WHERE t.correspondence_id = new.id AND new.direction = 'outbound';
                END;
                CREATE TRIGGER case_people_address_in AFTER INSERT ON case_addresses WHEN new.address IS NOT NULL BEGIN
                  INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                    SELECT new.address, c.opened_at, c.id FROM cases c WHERE c.id = new.case_id;
                END;
                CREATE TRIGGER case_people_address_up AFTER UPDATE OF address, case_id ON case_addresses WHEN new.address IS NOT NULL BEGIN
                  INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                    SELECT new.address, c.opened_at, c.id FROM cases c WHERE c.id = new.case_id;
                END;
                CREATE TRIGGER case_people_recipient_in AFTER INSERT ON message_recipients BEGIN
                  INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                    SELECT new.address, c.opened_at, c.id FROM cases c
                    WHERE c.id = new.case_id AND EXISTS (SELECT 1 FROM correspondence tm WHERE tm.id = new.correspondence_id AND tm.direction = 'outbound');
                END;
                CREATE TRIGGER case_people_recipient_up AFTER UPDATE ON message_recipients BEGIN
                  INSERT OR IGNORE INTO case_people (address, opened_at, case_id)
                    SELECT new.address, c.opened_at, c.id FROM cases c
                    WHERE c.id = new.case_id AND EXISTS (SELECT 1 FROM correspondence tm WHERE tm.id = new.correspondence_id AND tm.direction = 'outbound');
                END;
                """)
        }
        m.registerMigration("v12-backlog") { db in
            // A backlog is marked in progress a batch at a time (`beginProcessing(batch:)`, issue 16):
            // a mark written with others (batched = 1) left by a process that died does not count
            // as a crash of that message — the process had several in hand and read one — it
            // sends the message through alone, where a death counts as before.
            try db.execute(sql: "ALTER TABLE processing ADD COLUMN batched INTEGER NOT NULL DEFAULT 0")
        }
        m.registerMigration("v13-drain") { db in
            // The thread lookup of every arriving message (`SQLiteStore.threadCasesSQL`, issue 16)
            // answered from an index alone: the counterparty's cases, then in each the messages
            // with the subject since the date. On `correspondence_case` (case, date) it read every
            // message row of those cases to check the subject — one 8 KiB page each (the rows
            // hold the raw mail): a tenth of the filing thread's time draining a backlog.
            try db.execute(sql: "CREATE INDEX correspondence_case_thread ON correspondence(case_id, thread_subject, date)")
        }
        m.registerMigration("v14-search-batch") { db in
            // The search index (v10-search) written once per batch while a backlog is filed
            // (issue 16): FTS5 writes its pending terms to disk as a segment of their own at the
            // start of every statement that follows one which touched it inside a transaction,
            // and at every savepoint, so a batch of 32 messages wrote about a hundred tiny
            // segments and merged them (a seventh of the filing thread). While
            // `case_search_deferred` holds its one row — only inside the batch filing's own
            // transaction (`SQLiteStore.deferSearch`), which empties it before it commits, so
            // no other connection ever sees it — the triggers note WHICH rows of the index are
            // stale in `case_search_queue` (a message's subject, a case's number and
            // organisation, a case's contacts), and the batch rewrites those rows from the tables
            // in one DELETE and one INSERT before it commits (`SQLiteStore.flushSearch`): the index answers
            // exactly as if each trigger had written it. Every other writer (the console, a
            // single filing, retention, the person erasure, the sqlite3 shell) finds the table
            // empty and keeps v10's triggers' behaviour. `case_search_*` tables are the index's:
            // copies and erasures skip them.
            try db.execute(sql: """
                CREATE TABLE case_search_deferred (one INTEGER PRIMARY KEY CHECK (one = 1));
                CREATE TABLE case_search_queue (
                    kind INTEGER NOT NULL,  -- the rowid's remainder: 0 a message's subject, 1 a case, 2 a case's contacts
                    id INTEGER NOT NULL,    -- the message's or the case's id
                    PRIMARY KEY (kind, id)
                ) WITHOUT ROWID;
                """)
            // Each of v10's triggers again, firing only while nothing is deferred, and beside it
            // the one that notes, while deferred, the rows of the index it would have rewritten.
            func contacts(_ row: String) -> String {
                """
                DELETE FROM case_search WHERE rowid = \(row).case_id * 4 + 2;
                INSERT INTO case_search (rowid, case_id, text)
                  SELECT \(row).case_id * 4 + 2, \(row).case_id, group_concat(address, char(10)) FROM case_addresses
                  WHERE case_id = \(row).case_id AND role = 'contact' HAVING count(*) > 0;
                """
            }
            let caseRow = "INSERT INTO case_search (rowid, case_id, text) VALUES (new.id * 4 + 1, new.id, new.number || char(10) || coalesce(new.organization, ''));"
            let triggers: [(name: String, event: String, when: String?, writes: String, stale: String)] = [
                ("message_in", "INSERT ON correspondence", "new.subject IS NOT NULL AND new.subject <> ''",
                 "INSERT INTO case_search (rowid, case_id, text) VALUES (new.id * 4, new.case_id, new.subject);", "(0, new.id)"),
                ("message_up", "UPDATE OF subject, case_id ON correspondence", nil, """
                    DELETE FROM case_search WHERE rowid = old.id * 4;
                    INSERT INTO case_search (rowid, case_id, text)
                      SELECT new.id * 4, new.case_id, new.subject WHERE new.subject IS NOT NULL AND new.subject <> '';
                    """, "(0, old.id), (0, new.id)"),
                ("message_out", "DELETE ON correspondence", nil, "DELETE FROM case_search WHERE rowid = old.id * 4;", "(0, old.id)"),
                ("case_in", "INSERT ON cases", nil, caseRow, "(1, new.id)"),
                ("case_up", "UPDATE OF number, organization ON cases", nil,
                 "DELETE FROM case_search WHERE rowid = old.id * 4 + 1;\n" + caseRow, "(1, old.id), (1, new.id)"),
                ("case_out", "DELETE ON cases", nil, "DELETE FROM case_search WHERE rowid IN (old.id * 4 + 1, old.id * 4 + 2);",
                 "(1, old.id), (2, old.id)"),
                ("contact_in", "INSERT ON case_addresses", "new.role = 'contact'", contacts("new"), "(2, new.case_id)"),
                ("contact_out", "DELETE ON case_addresses", "old.role = 'contact'", contacts("old"), "(2, old.case_id)"),
                ("contact_up", "UPDATE ON case_addresses", "(old.role = 'contact' OR new.role = 'contact')", """
                    DELETE FROM case_search WHERE rowid IN (old.case_id * 4 + 2, new.case_id * 4 + 2);
                    INSERT INTO case_search (rowid, case_id, text)
                      SELECT k * 4 + 2, k, (SELECT group_concat(address, char(10)) FROM case_addresses WHERE case_id = k AND role = 'contact')
                      FROM (SELECT old.case_id AS k UNION SELECT new.case_id)
                      WHERE EXISTS (SELECT 1 FROM case_addresses WHERE case_id = k AND role = 'contact');
                    """, "(2, old.case_id), (2, new.case_id)"),
            ]
            for t in triggers {
                let when = t.when.map { $0 + " AND " } ?? ""
                try db.execute(sql: """
                    DROP TRIGGER case_search_\(t.name);
                    CREATE TRIGGER case_search_\(t.name) AFTER \(t.event)
                      WHEN \(when)NOT EXISTS (SELECT 1 FROM case_search_deferred) BEGIN
                    \(t.writes)
                    END;
                    CREATE TRIGGER case_search_\(t.name)_deferred AFTER \(t.event)
                      WHEN \(when)EXISTS (SELECT 1 FROM case_search_deferred) BEGIN
                      INSERT OR IGNORE INTO case_search_queue (kind, id) VALUES \(t.stale);
                    END
                    """)
            }
        }
        return m
    }
}
