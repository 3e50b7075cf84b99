import Foundation
import LiaisonStore

/// The PostgreSQL schema as a list of migrations, recorded by name in `schema_migrations`.
/// Applied at start in ONE transaction under a transaction-level advisory lock, so two
/// instances starting at once apply each migration once (the second waits, then sees them
/// applied). Append, never edit, migrations. The tables are those of the SQLite schema
/// (`SQLiteSchema`, same names and meaning); times are seconds since 1970 (`double precision`).
enum PostgresSchema {
    /// The advisory lock key of schema changes (any constant; "liaison" in ASCII).
    static let migrationLock: Int64 = 0x6C69_6169_736F_6E00

    static let migrations: [(name: String, statements: [String])] = [
        ("pg1: the SQLite schema up to v4-notices", [
            """
            CREATE TABLE cases (
                id BIGSERIAL PRIMARY KEY,
                number TEXT NOT NULL UNIQUE,
                internal BOOLEAN NOT NULL,
                organization TEXT,
                owner TEXT,
                category TEXT NOT NULL,
                status TEXT NOT NULL,
                opened_at DOUBLE PRECISION NOT NULL,
                resolved_at DOUBLE PRECISION
            )
            """,
            "CREATE INDEX cases_status_owner ON cases(status, owner)",
            """
            CREATE TABLE case_addresses (
                address TEXT NOT NULL,
                case_id BIGINT NOT NULL REFERENCES cases(id),
                role TEXT NOT NULL,
                seq INTEGER NOT NULL,
                PRIMARY KEY (address, case_id, role)
            )
            """,
            "CREATE INDEX case_addresses_case ON case_addresses(case_id, role, seq)",
            // Numbering: the counter row is updated inside the transaction that opens the case, so
            // two instances opening cases at once wait on that row and never take the same number.
            "CREATE TABLE case_counters (template TEXT PRIMARY KEY, last BIGINT NOT NULL)",
            """
            CREATE TABLE correspondence (
                id BIGSERIAL PRIMARY KEY,
                case_id BIGINT NOT NULL REFERENCES cases(id),
                message_id TEXT,
                content_hash TEXT NOT NULL,
                direction TEXT NOT NULL,
                kind TEXT NOT NULL,
                date DOUBLE PRECISION,
                subject TEXT,
                thread_subject TEXT NOT NULL,
                sender TEXT,
                raw BYTEA NOT NULL,
                filed_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX correspondence_message_id ON correspondence(message_id) WHERE message_id IS NOT NULL",
            // Filing is idempotent across instances by this index, not by a check before the insert.
            "CREATE UNIQUE INDEX correspondence_hash ON correspondence(content_hash)",
            "CREATE INDEX correspondence_thread ON correspondence(thread_subject, date)",
            "CREATE INDEX correspondence_case ON correspondence(case_id, date, id)",
            "CREATE INDEX correspondence_case_flow ON correspondence(case_id, direction, kind, date, sender, thread_subject)",
            "CREATE TABLE message_ids (message_id TEXT PRIMARY KEY, case_id BIGINT NOT NULL REFERENCES cases(id))",
            """
            CREATE TABLE message_references (
                correspondence_id BIGINT NOT NULL REFERENCES correspondence(id),
                referenced_id TEXT NOT NULL,
                PRIMARY KEY (correspondence_id, referenced_id)
            )
            """,
            """
            CREATE TABLE held (
                id BIGSERIAL PRIMARY KEY,
                status TEXT NOT NULL,
                reason TEXT NOT NULL,
                detail TEXT,
                message_id TEXT,
                content_hash TEXT NOT NULL,
                kind TEXT NOT NULL,
                direction TEXT NOT NULL,
                date DOUBLE PRECISION,
                subject TEXT,
                thread_subject TEXT NOT NULL,
                sender TEXT,
                refs TEXT NOT NULL,
                aliases TEXT NOT NULL,
                addresses TEXT NOT NULL,
                contacts TEXT NOT NULL,
                raw BYTEA NOT NULL,
                held_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX held_message_id ON held(message_id)",
            // One pending hold per content: two instances holding the same message hold it once.
            "CREATE UNIQUE INDEX held_pending_hash ON held(content_hash) WHERE status = 'pending'",
            "CREATE INDEX held_status ON held(status, id)",
            "CREATE TABLE checkpoints (mailbox TEXT PRIMARY KEY, uid_validity BIGINT NOT NULL, last_uid BIGINT NOT NULL)",
            """
            CREATE TABLE recaps (
                id BIGINT PRIMARY KEY REFERENCES correspondence(id),
                case_id BIGINT NOT NULL REFERENCES cases(id),
                message_id TEXT,
                author TEXT,
                counterparty TEXT NOT NULL,
                sent_at DOUBLE PRECISION,
                window_closes DOUBLE PRECISION,
                window_note TEXT,
                next_contact DOUBLE PRECISION,
                next_contact_note TEXT,
                state TEXT NOT NULL,
                state_at DOUBLE PRECISION,
                objected_items TEXT NOT NULL
            )
            """,
            "CREATE INDEX recaps_case ON recaps(case_id, sent_at, id)",
            """
            CREATE TABLE action_items (
                recap_id BIGINT NOT NULL REFERENCES recaps(id),
                seq INTEGER NOT NULL,
                number INTEGER NOT NULL,
                owner TEXT,
                department TEXT,
                owner_address TEXT,
                task TEXT NOT NULL,
                due DOUBLE PRECISION,
                due_note TEXT,
                PRIMARY KEY (recap_id, seq)
            )
            """,
            """
            CREATE TABLE case_events (
                id BIGSERIAL PRIMARY KEY,
                case_id BIGINT NOT NULL REFERENCES cases(id),
                at DOUBLE PRECISION NOT NULL,
                kind TEXT NOT NULL,
                detail TEXT NOT NULL
            )
            """,
            "CREATE INDEX case_events_case ON case_events(case_id, at, id)",
            """
            CREATE TABLE reminders (
                id BIGSERIAL PRIMARY KEY,
                case_id BIGINT REFERENCES cases(id),
                kind TEXT NOT NULL,
                fire_at DOUBLE PRECISION NOT NULL,
                about DOUBLE PRECISION,
                recipients TEXT NOT NULL,
                key TEXT NOT NULL,
                recap_id BIGINT,
                item_number INTEGER,
                detail TEXT,
                status TEXT NOT NULL,
                done_at DOUBLE PRECISION,
                late BOOLEAN NOT NULL DEFAULT FALSE,
                cancel_reason TEXT
            )
            """,
            "CREATE UNIQUE INDEX reminders_case_key ON reminders(case_id, key) WHERE case_id IS NOT NULL",
            "CREATE UNIQUE INDEX reminders_free_key ON reminders(key) WHERE case_id IS NULL",
            "CREATE INDEX reminders_pending ON reminders(fire_at, id) WHERE status = 'pending'",
            """
            CREATE TABLE outbox (
                id BIGSERIAL PRIMARY KEY,
                case_id BIGINT REFERENCES cases(id),
                message_id TEXT NOT NULL UNIQUE,
                envelope_from TEXT NOT NULL,
                recipients TEXT NOT NULL,
                raw BYTEA NOT NULL,
                purpose TEXT NOT NULL,
                reminder_id BIGINT,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at DOUBLE PRECISION NOT NULL,
                last_error TEXT,
                created_at DOUBLE PRECISION NOT NULL,
                sent_at DOUBLE PRECISION,
                notice TEXT,
                rendered BOOLEAN NOT NULL DEFAULT TRUE
            )
            """,
            "CREATE INDEX outbox_pending ON outbox(next_attempt_at, id) WHERE status = 'pending'",
            "CREATE INDEX outbox_status ON outbox(status, id)",
            "CREATE INDEX outbox_unrendered ON outbox(id) WHERE NOT rendered AND status = 'pending'",
            """
            CREATE TABLE processing (
                source TEXT NOT NULL,
                item TEXT NOT NULL,
                run TEXT,
                crashes INTEGER NOT NULL DEFAULT 0,
                failures INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                started_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (source, item)
            )
            """,
            """
            CREATE TABLE rate_events (
                id BIGSERIAL PRIMARY KEY,
                scope TEXT NOT NULL,
                key TEXT NOT NULL,
                at DOUBLE PRECISION NOT NULL,
                ref BIGINT
            )
            """,
            "CREATE INDEX rate_events_key ON rate_events(scope, key, at)",
            "CREATE INDEX rate_events_ref ON rate_events(ref) WHERE ref IS NOT NULL",
        ]),
        // SQLite's v5-items: an item's status (open/done/cancelled/rescheduled), when and by whom it
        // was done, its first due (`due` is the current one); a case's mute.
        ("pg2: item and case lifecycle (SQLite v5-items)", [
            "ALTER TABLE action_items ADD COLUMN status TEXT NOT NULL DEFAULT 'open'",
            "ALTER TABLE action_items ADD COLUMN done_at DOUBLE PRECISION",
            "ALTER TABLE action_items ADD COLUMN done_by TEXT",
            "ALTER TABLE action_items ADD COLUMN first_due DOUBLE PRECISION",
            "ALTER TABLE cases ADD COLUMN muted_until DOUBLE PRECISION",
        ]),
        // SQLite's v8-web: the web console's sign-in links, sessions and sign-in log (issue 19);
        // tokens stored as their SHA-256 only.
        ("pg4-web: console sign-in links, sessions, sign-in log (SQLite v8-web)", [
            """
            CREATE TABLE web_signin_links (
                token_hash TEXT PRIMARY KEY,
                address TEXT NOT NULL,
                browser_hash TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL,
                used_at DOUBLE PRECISION
            )
            """,
            """
            CREATE TABLE web_sessions (
                token_hash TEXT PRIMARY KEY,
                address TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL,
                ended_at DOUBLE PRECISION
            )
            """,
            """
            CREATE TABLE web_signin_events (
                id BIGSERIAL PRIMARY KEY,
                at DOUBLE PRECISION NOT NULL,
                address TEXT NOT NULL,
                client TEXT NOT NULL,
                outcome TEXT NOT NULL,
                detail TEXT NOT NULL
            )
            """,
            "CREATE INDEX web_signin_events_address ON web_signin_events(address, at)",
            "CREATE INDEX web_signin_events_client ON web_signin_events(client, at)",
            "CREATE INDEX cases_opened ON cases(opened_at, id)",
        ]),
        // Several senders (issue 17): an outbox row is sent by the instance that holds its claim
        // (`claimed_by`, an instance name) until `lease_until` (seconds since 1970 on the
        // database server's clock, so the instances' own clocks do not matter).
        ("pg5-leases", [
            "ALTER TABLE outbox ADD COLUMN claimed_by TEXT",
            "ALTER TABLE outbox ADD COLUMN lease_until DOUBLE PRECISION",
        ]),
        // SQLite's v9-recipients: each filed message's To/Cc (the console's visibility), indexes
        // by address for the other ties, and the messages filed before, whose recipients are read
        // back from their bytes after the store opens (`backfillRecipients`).
        ("pg6-recipients", [
            """
            CREATE TABLE message_recipients (
                address TEXT NOT NULL,
                case_id BIGINT NOT NULL REFERENCES cases(id),
                correspondence_id BIGINT NOT NULL REFERENCES correspondence(id),
                PRIMARY KEY (address, case_id, correspondence_id)
            )
            """,
            "CREATE INDEX message_recipients_message ON message_recipients(correspondence_id)",
            "CREATE INDEX cases_owner ON cases(owner)",
            "CREATE INDEX correspondence_sender ON correspondence(sender, case_id)",
            "CREATE INDEX action_items_owner_address ON action_items(lower(owner_address))",
            "CREATE TABLE recipients_backfill (correspondence_id BIGINT PRIMARY KEY)",
            "INSERT INTO recipients_backfill (correspondence_id) SELECT id FROM correspondence WHERE length(raw) > 0",
        ]),
        // The console's search (SQLite's v10-search): pg_trgm GIN indexes on what the search reads,
        // so its ILIKE '%…%' (`WebCaseSQL.pageIDs`, `.postgres`) is an index search. When the
        // extension cannot be created (not installed, no right to create it) the migration still
        // succeeds, in a subtransaction that is rolled back, and the same ILIKE scans: slower,
        // the same answer.
        ("pg7-search", [
            """
            DO $liaison$
            BEGIN
              BEGIN
                CREATE EXTENSION IF NOT EXISTS pg_trgm;
              EXCEPTION WHEN OTHERS THEN
                RAISE NOTICE 'pg_trgm unavailable (%): the console searches without an index', SQLERRM;
                RETURN;
              END;
              CREATE INDEX correspondence_subject_trgm ON correspondence USING gin (subject gin_trgm_ops);
              CREATE INDEX cases_organization_trgm ON cases USING gin (organization gin_trgm_ops);
              CREATE INDEX cases_number_trgm ON cases USING gin (number gin_trgm_ops);
              CREATE INDEX case_addresses_address_trgm ON case_addresses USING gin (address gin_trgm_ops);
            END
            $liaison$
            """,
        ]),
        // Filing in fewer round trips (issue 17's 1,000,000-message goal). `liaison_raise` lets one
        // statement fail on purpose: the filing statement raises LQ404 (no such case) and LQ409
        // (the message was filed by another instance meanwhile: a lost race), so its transaction's
        // COMMIT can be sent before its answer is read (`PostgresStore.fileCommitting`) and such a
        // filing still rolls back. `liaison_open_case` opens a case in one call: the earlier-filing
        // check (the same condition as `PostgresStore.filedSQL`: change both together), the
        // counter (bumped only when no earlier filing: no gap for a duplicate), the case and its
        // addresses; it leaves the new case's id in the transaction-local setting
        // `liaison.opened_case` ('' for a duplicate), where the filing statement sent right
        // after it finds the case. The number is `prefix || seq zero-padded to width || suffix`,
        // the parts computed by the caller from its template and checked against
        // `CaseNumbering.render` (`PostgresStore.numberParts`). `liaison_thread_cases` is the
        // thread lookup's search (`PostgresStore.casesForThread`): its query is planned for its
        // values at each call (a common subject or a common address change the best order), the
        // statement around it (the cases and their contacts) once per connection.
        ("pg8-perf", [
            """
            CREATE FUNCTION liaison_raise(state text, message text) RETURNS bigint LANGUAGE plpgsql AS $liaison$
            BEGIN
              RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message;
            END
            $liaison$
            """,
            """
            CREATE FUNCTION liaison_open_case(
              p_template text, p_prefix text, p_width integer, p_suffix text,
              p_internal boolean, p_organization text, p_owner text, p_category text, p_opened_at double precision,
              p_contacts text[],
              m_hash text, m_message_id text, m_sender text, m_subject text, m_date double precision)
            RETURNS TABLE (earlier_id bigint, earlier_number text, opened_id bigint, opened_number text)
            LANGUAGE plpgsql AS $liaison$
            DECLARE
              v_seq bigint;
              v_digits text;
            BEGIN
              SELECT f.id, k.number INTO earlier_id, earlier_number FROM correspondence f JOIN cases k ON k.id = f.case_id
              WHERE f.content_hash = m_hash OR (f.message_id = m_message_id AND f.sender IS NOT DISTINCT FROM m_sender
                                                AND f.subject IS NOT DISTINCT FROM m_subject AND f.date IS NOT DISTINCT FROM m_date)
              ORDER BY f.content_hash = m_hash DESC LIMIT 1;
              IF earlier_id IS NOT NULL THEN
                PERFORM set_config('liaison.opened_case', '', true);
                RETURN NEXT;
                RETURN;
              END IF;
              LOOP
                INSERT INTO case_counters AS t (template, last) VALUES (p_template, 1)
                  ON CONFLICT (template) DO UPDATE SET last = t.last + 1 RETURNING t.last INTO v_seq;
                v_digits := v_seq::text;
                opened_number := p_prefix || repeat('0', greatest(0, p_width - length(v_digits))) || v_digits || p_suffix;
                INSERT INTO cases AS k (number, internal, organization, owner, category, status, opened_at)
                  VALUES (opened_number, p_internal, p_organization, p_owner, p_category, 'open', p_opened_at)
                  ON CONFLICT (number) DO NOTHING RETURNING k.id INTO opened_id;
                EXIT WHEN opened_id IS NOT NULL;
              END LOOP;
              INSERT INTO case_addresses AS a (address, case_id, role, seq)
                SELECT x.a, opened_id, r.role, x.n FROM unnest(p_contacts) WITH ORDINALITY AS x(a, n),
                  (VALUES ('contact'), ('thread')) AS r(role)
                ON CONFLICT DO NOTHING;
              PERFORM set_config('liaison.opened_case', opened_id::text, true);
              RETURN NEXT;
            END
            $liaison$
            """,
            """
            CREATE FUNCTION liaison_thread_cases(p_subject text, p_since double precision, p_addresses text[])
            RETURNS TABLE (matched_case bigint, last_date double precision)
            LANGUAGE plpgsql STABLE ROWS 5 AS $liaison$
            BEGIN
              RETURN QUERY
                SELECT c.case_id, MAX(c.date) FROM correspondence c
                WHERE c.thread_subject = p_subject AND c.date >= p_since
                  AND EXISTS (SELECT 1 FROM case_addresses a
                              WHERE a.case_id = c.case_id AND a.role = 'thread' AND a.address = ANY(p_addresses))
                GROUP BY c.case_id;
            END
            $liaison$
            """,
        ]),
        // The thread search without planning at each call (issue 17's 1,000,000-message goal;
        // planning was about 0.25 ms of a 0.3 ms search). Two bounded probes (at most 64 index
        // entries each) count the cases holding one of the addresses as a thread address and
        // the messages of the subject since the date; none of either: no case. Otherwise the
        // smaller side leads, in a query whose shape does not depend on the values — from the
        // addresses: each case's latest message of the subject (LATERAL, by case); from the
        // subject: its messages, each case's addresses checked — so its generic plan (kept per
        // connection, `plan_cache_mode = force_generic_plan`) is the right one. Both probes
        // full: the pg8-perf query, planned for the call's values as before (EXECUTE). The
        // answer is the same set in every branch (`PostgresReadAheadFilingTests` compares them).
        // `liaison_file_case` files a message on a case in one call (no case read back: for
        // plans without follow-ups, `PostgresStore.fileAlone`): the same rows as
        // `PostgresStore.filingStatement` — the earlier filing first (then nothing written), LQ404
        // without the case, LQ409 when the insert meets the same bytes — and the checkpoint
        // moved whatever the outcome. `liaison_open_and_file` opens a case (`liaison_open_case`)
        // and files on it through `liaison_file_case`: an earlier filing found there is a lost
        // race (LQ409: the case must not stay empty), as `filingStatement` on `.opened`. Both
        // first raise LQ409 when `p_valid` is false: the caller's check of its read-ahead
        // lookups (`PostgresFilingView`), evaluated before them; `liaison_reads_hold` is that
        // check for the lookups by Message-ID ('m') and number ('n'): each key's case id (0:
        // none) as recorded — a function with one kept plan, where the same query in the
        // calling statement was planned again at every call (0.35 ms: its array's length). Each is its own transaction
        // when sent alone: a new case or a reply needs no BEGIN and COMMIT of its own.
        ("pg9-latency", [
            """
            CREATE OR REPLACE FUNCTION liaison_thread_cases(p_subject text, p_since double precision, p_addresses text[])
            RETURNS TABLE (matched_case bigint, last_date double precision)
            LANGUAGE plpgsql STABLE ROWS 5 SET plan_cache_mode = force_generic_plan AS $liaison$
            DECLARE
              n_address integer;
              n_subject integer;
            BEGIN
              SELECT count(*) INTO n_address FROM (SELECT 1 FROM case_addresses a
                WHERE a.address = ANY(p_addresses) AND a.role = 'thread' LIMIT 64) x;
              IF n_address = 0 THEN RETURN; END IF;
              SELECT count(*) INTO n_subject FROM (SELECT 1 FROM correspondence c
                WHERE c.thread_subject = p_subject AND c.date >= p_since LIMIT 64) x;
              IF n_subject = 0 THEN RETURN; END IF;
              IF n_address < 64 AND n_address <= n_subject THEN
                RETURN QUERY
                  SELECT k.case_id, m.last FROM (SELECT DISTINCT a.case_id FROM case_addresses a
                                                 WHERE a.address = ANY(p_addresses) AND a.role = 'thread') k
                  CROSS JOIN LATERAL (SELECT MAX(c.date) AS last FROM correspondence c
                                      WHERE c.case_id = k.case_id AND c.thread_subject = p_subject AND c.date >= p_since) m
                  WHERE m.last IS NOT NULL;
              ELSIF n_subject < 64 THEN
                RETURN QUERY
                  SELECT c.case_id, MAX(c.date) FROM correspondence c
                  WHERE c.thread_subject = p_subject AND c.date >= p_since
                    AND EXISTS (SELECT 1 FROM case_addresses a
                                WHERE a.case_id = c.case_id AND a.role = 'thread' AND a.address = ANY(p_addresses))
                  GROUP BY c.case_id;
              ELSE
                RETURN QUERY EXECUTE
                  'SELECT c.case_id, MAX(c.date) FROM correspondence c
                   WHERE c.thread_subject = $1 AND c.date >= $2
                     AND EXISTS (SELECT 1 FROM case_addresses a
                                 WHERE a.case_id = c.case_id AND a.role = ''thread'' AND a.address = ANY($3))
                   GROUP BY c.case_id' USING p_subject, p_since, p_addresses;
              END IF;
            END
            $liaison$
            """,
            """
            CREATE OR REPLACE FUNCTION liaison_reads_hold(p_kinds text[], p_keys text[], p_expect bigint[]) RETURNS boolean
            LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $liaison$
            BEGIN
              RETURN COALESCE((SELECT bool_and(COALESCE(CASE x.kind
                                 WHEN 'm' THEN (SELECT mi.case_id FROM message_ids mi WHERE mi.message_id = x.key)
                                 ELSE (SELECT cn.id FROM cases cn WHERE cn.number = x.key) END, 0) = x.expect)
                               FROM unnest(p_kinds, p_keys, p_expect) AS x(kind, key, expect)), true);
            END
            $liaison$
            """,
            """
            CREATE OR REPLACE FUNCTION liaison_file_case(
              p_valid boolean, p_case bigint, p_missing text,
              m_hash text, m_message_id text, m_sender text, m_subject text, m_date double precision,
              m_direction text, m_kind text, m_thread_subject text, m_raw bytea, m_filed_at double precision,
              m_ids text[], m_refs text[], m_thread text[], m_contact_addresses text[], m_recipients text[],
              cp_mailbox text, cp_validity bigint, cp_uid bigint)
            RETURNS TABLE (earlier_id bigint, earlier_number text, correspondence_id bigint)
            LANGUAGE plpgsql AS $liaison$
            BEGIN
              IF p_valid IS NOT TRUE THEN
                PERFORM liaison_raise('LQ409', 'a lookup answered otherwise when the filing read it again');
              END IF;
              SELECT f.id, k.number INTO earlier_id, earlier_number FROM correspondence f JOIN cases k ON k.id = f.case_id
              WHERE f.content_hash = m_hash OR (f.message_id = m_message_id AND f.sender IS NOT DISTINCT FROM m_sender
                                                AND f.subject IS NOT DISTINCT FROM m_subject AND f.date IS NOT DISTINCT FROM m_date)
              ORDER BY f.content_hash = m_hash DESC LIMIT 1;
              IF earlier_id IS NULL THEN
                IF p_case IS NULL THEN
                  PERFORM liaison_raise('LQ404', p_missing);
                END IF;
                INSERT INTO correspondence AS f (case_id, message_id, content_hash, direction, kind, date, subject, thread_subject,
                                                 sender, raw, filed_at)
                  VALUES (p_case, m_message_id, m_hash, m_direction, m_kind, m_date, m_subject, m_thread_subject,
                          m_sender, m_raw, m_filed_at)
                  ON CONFLICT (content_hash) DO NOTHING RETURNING f.id INTO correspondence_id;
                IF correspondence_id IS NULL THEN
                  PERFORM liaison_raise('LQ409', 'the same message was filed by another instance meanwhile');
                END IF;
                INSERT INTO message_ids (message_id, case_id) SELECT x, p_case FROM unnest(m_ids) AS x ON CONFLICT DO NOTHING;
                INSERT INTO message_references (correspondence_id, referenced_id)
                  SELECT liaison_file_case.correspondence_id, x FROM unnest(m_refs) AS x ON CONFLICT DO NOTHING;
                INSERT INTO case_addresses (address, case_id, role, seq)
                  SELECT x.a, p_case, 'thread', b.top + x.n FROM unnest(m_thread) WITH ORDINALITY AS x(a, n),
                    (SELECT COALESCE(MAX(seq), 0) AS top FROM case_addresses WHERE case_id = p_case AND role = 'thread') b
                  ON CONFLICT DO NOTHING;
                INSERT INTO case_addresses (address, case_id, role, seq)
                  SELECT x.a, p_case, 'contact', b.top + x.n FROM unnest(m_contact_addresses) WITH ORDINALITY AS x(a, n),
                    (SELECT COALESCE(MAX(seq), 0) AS top FROM case_addresses WHERE case_id = p_case AND role = 'contact') b
                  ON CONFLICT DO NOTHING;
                INSERT INTO message_recipients (address, case_id, correspondence_id)
                  SELECT x, p_case, liaison_file_case.correspondence_id FROM unnest(m_recipients) AS x ON CONFLICT DO NOTHING;
                UPDATE held SET status = 'filed' WHERE id = (
                  SELECT h.id FROM held h WHERE h.status = 'pending' AND (h.content_hash = m_hash OR (h.message_id = m_message_id
                    AND h.sender IS NOT DISTINCT FROM m_sender AND h.subject IS NOT DISTINCT FROM m_subject
                    AND h.date IS NOT DISTINCT FROM m_date))
                  ORDER BY h.content_hash = m_hash DESC LIMIT 1);
              END IF;
              IF cp_mailbox IS NOT NULL THEN
                INSERT INTO checkpoints AS k (mailbox, uid_validity, last_uid) VALUES (cp_mailbox, cp_validity, cp_uid)
                ON CONFLICT (mailbox) DO UPDATE SET
                  last_uid = CASE WHEN k.uid_validity = EXCLUDED.uid_validity
                                  THEN GREATEST(k.last_uid, EXCLUDED.last_uid) ELSE EXCLUDED.last_uid END,
                  uid_validity = EXCLUDED.uid_validity;
              END IF;
              RETURN NEXT;
            END
            $liaison$
            """,
            """
            CREATE OR REPLACE FUNCTION liaison_open_and_file(
              p_valid boolean,
              p_template text, p_prefix text, p_width integer, p_suffix text,
              p_internal boolean, p_organization text, p_owner text, p_category text, p_opened_at double precision,
              p_contacts text[],
              m_hash text, m_message_id text, m_sender text, m_subject text, m_date double precision,
              m_direction text, m_kind text, m_thread_subject text, m_raw bytea, m_filed_at double precision,
              m_ids text[], m_refs text[], m_thread text[], m_contact_addresses text[], m_recipients text[],
              cp_mailbox text, cp_validity bigint, cp_uid bigint)
            RETURNS TABLE (earlier_id bigint, earlier_number text, opened_id bigint, opened_number text, correspondence_id bigint)
            LANGUAGE plpgsql AS $liaison$
            BEGIN
              IF p_valid IS NOT TRUE THEN
                PERFORM liaison_raise('LQ409', 'a lookup answered otherwise when the filing read it again');
              END IF;
              SELECT o.earlier_id, o.earlier_number, o.opened_id, o.opened_number
                INTO earlier_id, earlier_number, opened_id, opened_number
                FROM liaison_open_case(p_template, p_prefix, p_width, p_suffix, p_internal, p_organization, p_owner,
                                       p_category, p_opened_at, p_contacts, m_hash, m_message_id, m_sender, m_subject, m_date) o;
              IF opened_id IS NULL THEN
                -- An earlier filing: nothing opened, the checkpoint moved.
                IF cp_mailbox IS NOT NULL THEN
                  INSERT INTO checkpoints AS k (mailbox, uid_validity, last_uid) VALUES (cp_mailbox, cp_validity, cp_uid)
                  ON CONFLICT (mailbox) DO UPDATE SET
                    last_uid = CASE WHEN k.uid_validity = EXCLUDED.uid_validity
                                    THEN GREATEST(k.last_uid, EXCLUDED.last_uid) ELSE EXCLUDED.last_uid END,
                    uid_validity = EXCLUDED.uid_validity;
                END IF;
              ELSE
                SELECT f.correspondence_id INTO correspondence_id
                  FROM liaison_file_case(true, opened_id, '', m_hash, m_message_id, m_sender, m_subject, m_date,
                    m_direction, m_kind, m_thread_subject, m_raw, m_filed_at, m_ids, m_refs, m_thread, m_contact_addresses,
                    m_recipients, cp_mailbox, cp_validity, cp_uid) f;
                IF correspondence_id IS NULL THEN
                  PERFORM liaison_raise('LQ409', 'the same message was filed by another instance meanwhile');
                END IF;
              END IF;
              RETURN NEXT;
            END
            $liaison$
            """,
        ]),
    ]

    /// Applies the migrations not yet recorded, all in one transaction under the advisory lock.
    static func migrate(_ s: PGSession, now: Date) throws {
        try s.execute("BEGIN")
        do {
            try s.execute("SELECT pg_advisory_xact_lock(?)", [migrationLock])
            try s.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)")
            let applied = Set(try s.rows("SELECT name FROM schema_migrations").map { try $0["name"] as String })
            for m in migrations where !applied.contains(m.name) {
                for statement in m.statements { try s.execute(statement) }
                try s.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", [m.name, now.timeIntervalSince1970])
            }
            try s.execute("COMMIT")
        } catch {
            try? s.execute("ROLLBACK")
            throw error
        }
    }
}
