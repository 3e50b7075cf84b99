# shellcheck shell=bash
# `mailrig selftest`: checks a running rig end to end with curl (the client library Liaison
# uses) and a little python3 for IDLE. Sourced by scripts/mailrig after its settings and
# functions. Empties and then fills the track@ and client@ mailboxes: run it on a rig that no
# test is using at the same moment. The last line is "N passed, M failed".

ST_PASSED=0
ST_FAILED=0
ST_TMP=""

st_pass() { ST_PASSED=$((ST_PASSED + 1)); printf 'ok   %s\n' "$1"; }
st_fail() { ST_FAILED=$((ST_FAILED + 1)); printf 'FAIL %s%s\n' "$1" "${2:+: $2}"; }

# st_check NAME COMMAND...: one check; the command's stderr is shown only when it fails.
st_check() {
    local name=$1 err
    shift
    if err=$("$@" 2>&1 >/dev/null); then st_pass "$name"; else st_fail "$name" "$(tail -n 3 <<<"$err" | tr '\n' ' ')"; fi
}

# --- clients ---------------------------------------------------------------------------------

st_curl() { curl -sS --max-time 20 "$@"; }

# imaps USER PATH [curl args...]: a request to the IMAPS port as USER.
st_imaps() {
    local user=$1 path=$2
    shift 2
    st_curl --cacert "$ST_CA" -u "$user:$ST_PW" "imaps://127.0.0.1:$IMAPS_PORT/$path" "$@"
}

# The UIDs of FOLDER (default INBOX), one per line.
st_uids() {
    st_imaps "$1" "${2:-INBOX}" -X 'UID SEARCH ALL' | tr -d '\r' | sed -n 's/^\* SEARCH//p' | tr ' ' '\n' | grep . || true
}

# "UIDVALIDITY UIDNEXT EXISTS" of FOLDER, from EXAMINE.
st_examine() {
    local out
    out=$(st_imaps "$1" "${2:-INBOX}" -X "EXAMINE ${2:-INBOX}" | tr -d '\r')
    printf '%s %s %s\n' "$(sed -n 's/.*\[UIDVALIDITY \([0-9]*\)\].*/\1/p' <<<"$out")" \
        "$(sed -n 's/.*\[UIDNEXT \([0-9]*\)\].*/\1/p' <<<"$out")" \
        "$(sed -n 's/^\* \([0-9]*\) EXISTS/\1/p' <<<"$out")"
}

# st_fetch USER UID OUTFILE [FOLDER]: the message's exact bytes. The curl tool drops the literal
# of a custom "UID FETCH n BODY.PEEK[]" (it prints only the response's first line), so this uses
# the IMAP URL form (RFC 5092) ".../FOLDER/;UID=n", for which curl sends "UID FETCH n BODY[]".
st_fetch() {
    st_imaps "$1" "${4:-INBOX}/;UID=$2" -o "$3"
}

# st_send PORT ARGS...: an SMTP transaction with curl to 127.0.0.1:PORT.
st_send() {
    local port=$1
    shift
    st_curl --cacert "$ST_CA" "smtp://127.0.0.1:$port" "$@"
}

st_send_smtps() { # implicit TLS (RFC 8314) on the smtps listener
    st_curl --cacert "$ST_CA" "smtps://127.0.0.1:$SMTPS_PORT" "$@"
}

# --- checks ----------------------------------------------------------------------------------

st_expect_fail() { ! "$@"; }

st_count_is() { # USER FOLDER N
    local n
    n=$(st_uids "$1" "$2" | wc -l)
    [[ $n -eq $3 ]] || { echo "$1 $2 holds $n messages, expected $3" >&2; return 1; }
}

st_capabilities() {
    local caps cap
    caps=$(st_imaps track@corp.example "" -X CAPABILITY)
    for cap in IDLE MOVE UIDPLUS; do
        grep -qw "$cap" <<<"$caps" || { echo "no $cap in: $caps" >&2; return 1; }
    done
}

# The message fetched from USER's only message ends with FILE's bytes (Postfix prepends
# Return-Path: and Received:, nothing else changes).
st_single_message_ends_with() { # USER FILE
    local uid got=$ST_TMP/got
    uid=$(st_uids "$1" | tail -n 1)
    [[ -n $uid ]] || { echo "no message for $1" >&2; return 1; }
    st_fetch "$1" "$uid" "$got" || return 1
    tail -c "$(stat -c %s "$2")" "$got" | cmp -s - "$2" || { echo "bytes differ for $1 uid $uid" >&2; return 1; }
    head -n 1 "$got" | grep -q '^Return-Path: ' || { echo "no Return-Path: first" >&2; return 1; }
}

# What SMTP delivers of FILE: its bytes, plus CRLF when its last line has none (mail data always
# ends with CRLF, RFC 5321 section 4.1.1.4; corpus 05 is such a file).
st_smtp_form() { # FILE OUT
    cp "$1" "$2"
    [[ $(tail -c 2 "$1" | od -An -tx1 | tr -d ' \n') == 0d0a ]] || printf '\r\n' >>"$2"
}

# Every corpus file is the tail of exactly one message of USER, and every message has one.
st_corpus_arrived() { # USER FILE...
    local user=$1 uid got file want matched=0
    shift
    local -A seen=()
    st_count_is "$user" INBOX $# || return 1
    for uid in $(st_uids "$user"); do
        got=$ST_TMP/uid-$uid
        st_fetch "$user" "$uid" "$got" || return 1
        for file in "$@"; do
            [[ -n ${seen[$file]:-} ]] && continue
            want=$ST_TMP/want
            st_smtp_form "$file" "$want"
            if [[ $(stat -c %s "$got") -gt $(stat -c %s "$want") ]] \
                && tail -c "$(stat -c %s "$want")" "$got" | cmp -s - "$want"; then
                seen[$file]=$uid && matched=$((matched + 1)) && break
            fi
        done
    done
    ((matched == $#)) || { echo "$matched of $# corpus messages found byte for byte" >&2; return 1; }
}

# deliver (APPEND) keeps bytes exactly and in order: UID i holds file i.
st_exact_in_order() { # USER FILE...
    local user=$1 uid got i=0
    shift
    local files=("$@")
    st_count_is "$user" INBOX $# || return 1
    for uid in $(st_uids "$user"); do
        got=$ST_TMP/exact-$uid
        st_fetch "$user" "$uid" "$got" || return 1
        cmp -s "$got" "${files[$i]}" || { echo "uid $uid differs from ${files[$i]}" >&2; return 1; }
        i=$((i + 1))
    done
}

st_lmtp_adds_only_return_path() { # USER FILE
    local uid got=$ST_TMP/lmtp
    uid=$(st_uids "$1" | tail -n 1)
    st_fetch "$1" "$uid" "$got" || return 1
    st_smtp_form "$2" "$ST_TMP/want"
    { printf 'Return-Path: <mailrig-deliver@mx.corp.example>\r\n'; cat "$ST_TMP/want"; } | cmp -s - "$got" \
        || { echo "LMTP delivery is not Return-Path + exact bytes" >&2; return 1; }
}

st_reset_keeps_uids() { # USER
    local before after v1 n1 v2 n2 e2
    before=$(st_examine "$1")
    scripts_mailrig reset "$1" >/dev/null || return 1
    after=$(st_examine "$1")
    read -r v1 n1 _ <<<"$before"
    read -r v2 n2 e2 <<<"$after"
    [[ $e2 == 0 && $v1 == "$v2" && $n2 -ge $n1 && $n2 -gt 1 ]] \
        || { echo "before [$before] after [$after] (uidvalidity uidnext exists)" >&2; return 1; }
    [[ $(st_imaps "$1" "" | grep -c LIST) -eq 1 ]] || { echo "folders left after reset" >&2; return 1; }
}

st_bump_raises_uidvalidity() { # USER
    local v1 v2
    read -r v1 _ <<<"$(st_examine "$1")"
    scripts_mailrig bump-uidvalidity "$1" >/dev/null || return 1
    read -r v2 _ <<<"$(st_examine "$1")"
    ((v2 > v1)) || { echo "UIDVALIDITY $v1 -> $v2" >&2; return 1; }
}

st_move() { # USER: UID MOVE of the newest INBOX message to Archive
    local uid
    uid=$(st_uids "$1" | tail -n 1)
    st_imaps "$1" "" -X "CREATE Archive" >/dev/null || return 1
    st_imaps "$1" INBOX -X "UID MOVE $uid Archive" >/dev/null || return 1
    st_count_is "$1" Archive 1 && st_count_is "$1" INBOX 0
}

# IDLE (RFC 2177): a session idling on INBOX hears "* n EXISTS" within 5 s of a delivery.
st_idle() { # USER FILE
    RIG_PASSWORD=$ST_PW python3 - "$IMAPS_PORT" "$ST_CA" "$1" "$2" "$SCRIPT_DIR/mailrig" <<'EOF'
import os, socket, ssl, subprocess, sys, time
port, ca, user, path, rig = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.create_default_context(cafile=ca)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), 10), server_hostname="127.0.0.1")
f = s.makefile("rb")
def until(tag):
    while True:
        line = f.readline()
        if not line: sys.exit("connection closed")
        if line.startswith(tag): return line
until(b"* OK")
pw = os.environ["RIG_PASSWORD"]
s.sendall(b'a LOGIN "%s" "%s"\r\n' % (user.encode(), pw.encode())); until(b"a ")
s.sendall(b"b SELECT INBOX\r\n"); until(b"b OK")
s.sendall(b"c IDLE\r\n"); until(b"+ ")
subprocess.run([rig, "deliver", "--lmtp", user, path], check=True, stdout=subprocess.DEVNULL)
s.settimeout(5)
start = time.time()
try:
    line = until(b"* ")
    while not line.rstrip().endswith(b"EXISTS"):
        line = until(b"* ")
except socket.timeout:
    sys.exit("no EXISTS within 5 s of the delivery")
s.sendall(b"DONE\r\n")
EOF
}

st_big_message() { # USER: a 20 MB message through submission (message_size_limit is 50 MB)
    local big=$ST_TMP/big.eml
    {
        printf 'From: zhang.wei@corp.example\r\nTo: %s\r\nSubject: big\r\nMessage-ID: <big-%s@corp.example>\r\n\r\n' "$1" "$$"
        head -c 15000000 /dev/urandom | base64 -w 76 | sed 's/$/\r/'
    } >"$big"
    st_send "$SUBMISSION_PORT" --ssl-reqd -u "zhang.wei@corp.example:$ST_PW" \
        --mail-from zhang.wei@corp.example --mail-rcpt "$1" -T "$big" || return 1
    scripts_mailrig drain 60 >/dev/null && st_single_message_ends_with "$1" "$big"
}

# --- the run ---------------------------------------------------------------------------------

scripts_mailrig() { "$SCRIPT_DIR/mailrig" "$@"; }

rig_selftest() {
    cmd_start >/dev/null
    load_recorded_ports
    ST_PW=$(cat "$RIG_DIR/password")
    ST_CA=$RIG_DIR/tls/ca.pem
    ST_TMP=$(mktemp -d)
    # shellcheck disable=SC2064
    trap "rm -rf '$ST_TMP'" EXIT
    local track=track@corp.example client=client@client.example corpus=() f
    local msg=$ST_TMP/msg.eml
    printf 'From: Zhang Wei <zhang.wei@corp.example>\r\nTo: track@corp.example\r\nCc: client@client.example\r\nSubject: =?UTF-8?B?5rWL6K+V?= selftest\r\nMessage-ID: <selftest-%s@corp.example>\r\n\r\n\xe6\xb5\x8b\xe8\xaf\x95 body\r\n.a line that starts with a dot\r\n' "$$" >"$msg"
    # The corpus sits beside the checkout (../shared/corpus), as scripts/test expects too.
    local corpus_dir=${LIAISON_CORPUS:-$SCRIPT_DIR/../../shared/corpus}
    for f in "$corpus_dir"/*.eml; do
        [[ -f $f ]] && corpus+=("$f")
    done
    # An empty corpus folder must not pass.
    ((${#corpus[@]} > 0)) || { st_fail "corpus found" "no $corpus_dir/*.eml (set LIAISON_CORPUS)"; corpus=("$msg" "$msg"); }

    st_check "status reports everything up" cmd_status
    scripts_mailrig reset-all >/dev/null

    # IMAP: TLS, certificate names, login paths, capabilities.
    st_check "IMAPS EXAMINE INBOX on 127.0.0.1" st_imaps "$track" INBOX -X 'EXAMINE INBOX'
    st_check "IMAPS certificate valid for localhost" st_curl --cacert "$ST_CA" -u "$track:$ST_PW" "imaps://localhost:$IMAPS_PORT/INBOX" -X 'EXAMINE INBOX'
    if [[ $RIG_IPV6 == yes ]]; then
        st_check "IMAPS certificate valid for [::1]" st_curl --cacert "$ST_CA" -u "$track:$ST_PW" "imaps://[::1]:$IMAPS_PORT/INBOX" -X 'EXAMINE INBOX'
    fi
    st_check "IMAPS refused without the rig CA" st_expect_fail st_curl -u "$track:$ST_PW" "imaps://127.0.0.1:$IMAPS_PORT/INBOX" -X 'EXAMINE INBOX'
    st_check "IMAPS wrong password refused" st_expect_fail st_curl --cacert "$ST_CA" -u "$track:wrong" "imaps://127.0.0.1:$IMAPS_PORT/INBOX" -X 'EXAMINE INBOX'
    st_check "IMAP plaintext login on loopback" st_curl -u "$track:$ST_PW" "imap://127.0.0.1:$IMAP_PORT/INBOX" -X 'EXAMINE INBOX'
    st_check "IMAP STARTTLS" st_curl --ssl-reqd --cacert "$ST_CA" -u "$track:$ST_PW" "imap://127.0.0.1:$IMAP_PORT/INBOX" -X 'EXAMINE INBOX'
    st_check "IMAP capabilities IDLE MOVE UIDPLUS" st_capabilities

    # SMTP (port $SMTP_PORT): STARTTLS offered, no AUTH needed, rig domains only.
    st_check "SMTP refuses relaying to other domains" st_expect_fail st_send "$SMTP_PORT" --mail-from x@elsewhere.example --mail-rcpt someone@elsewhere.example -T "$msg"
    st_check "SMTP refuses unknown users of the rig domains" st_expect_fail st_send "$SMTP_PORT" --mail-from x@elsewhere.example --mail-rcpt nobody@corp.example -T "$msg"
    st_check "SMTP with STARTTLS to wang.fang" st_send "$SMTP_PORT" --ssl-reqd --mail-from x@elsewhere.example --mail-rcpt wang.fang@corp.example -T "$msg"

    # Submission: STARTTLS and AUTH required; two recipients, read back from both mailboxes.
    st_check "submission refuses AUTH without TLS" st_expect_fail st_send "$SUBMISSION_PORT" -u "zhang.wei@corp.example:$ST_PW" --mail-from zhang.wei@corp.example --mail-rcpt "$track" -T "$msg"
    st_check "submission refuses mail without AUTH" st_expect_fail st_send "$SUBMISSION_PORT" --ssl-reqd --mail-from zhang.wei@corp.example --mail-rcpt "$track" -T "$msg"
    st_check "submission refuses a wrong password" st_expect_fail st_send "$SUBMISSION_PORT" --ssl-reqd -u "zhang.wei@corp.example:wrong" --mail-from zhang.wei@corp.example --mail-rcpt "$track" -T "$msg"
    st_check "submission with STARTTLS + AUTH to track and client" st_send "$SUBMISSION_PORT" --ssl-reqd -u "zhang.wei@corp.example:$ST_PW" --mail-from zhang.wei@corp.example --mail-rcpt "$track" --mail-rcpt "$client" -T "$msg"
    st_check "smtps refuses mail without AUTH" st_expect_fail st_send_smtps --mail-from zhang.wei@corp.example --mail-rcpt "$track" -T "$msg"
    st_check "smtps (implicit TLS) + AUTH to zhou.min" st_send_smtps -u "zhang.wei@corp.example:$ST_PW" --mail-from zhang.wei@corp.example --mail-rcpt zhou.min@corp.example -T "$msg"
    st_check "Postfix queue drains" scripts_mailrig drain 30
    st_check "zhou.min received the smtps bytes" st_single_message_ends_with zhou.min@corp.example "$msg"
    st_check "track received the submitted bytes" st_single_message_ends_with "$track" "$msg"
    st_check "client received the submitted bytes" st_single_message_ends_with "$client" "$msg"
    st_check "wang.fang received the SMTP bytes" st_single_message_ends_with wang.fang@corp.example "$msg"

    # Mailbox maintenance.
    st_check "UID MOVE to Archive" st_move "$track"
    st_check "reset empties, keeps UIDVALIDITY, never reuses UIDs" st_reset_keeps_uids "$track"
    st_check "bump-uidvalidity raises UIDVALIDITY" st_bump_raises_uidvalidity "$track"

    # The corpus through Postfix to track, byte for byte.
    scripts_mailrig reset "$track" >/dev/null
    local sent=0
    for f in "${corpus[@]}"; do
        st_send "$SMTP_PORT" --mail-from corpus@elsewhere.example --mail-rcpt "$track" -T "$f" && sent=$((sent + 1))
    done
    st_check "corpus: ${#corpus[@]} messages accepted on SMTP" test "$sent" -eq "${#corpus[@]}"
    st_check "Postfix queue drains after the corpus" scripts_mailrig drain 60
    st_check "corpus: count and bytes in track's INBOX" st_corpus_arrived "$track" "${corpus[@]}"

    # deliver: exact bytes in order (APPEND), LMTP, folders.
    scripts_mailrig reset "$client" >/dev/null
    st_check "deliver the corpus to client" scripts_mailrig deliver "$client" "${corpus[@]}"
    st_check "deliver stores exact bytes in order" st_exact_in_order "$client" "${corpus[@]}"
    st_check "deliver --lmtp" scripts_mailrig deliver --lmtp "$client" "${corpus[0]}"
    st_check "LMTP adds only Return-Path:" st_lmtp_adds_only_return_path "$client" "${corpus[0]}"
    st_check "deliver to user+Folder" scripts_mailrig deliver "client+Liaison/Filed@client.example" "${corpus[0]}" "${corpus[1]}"
    st_check "the folder holds both" st_count_is "$client" "Liaison/Filed" 2
    st_check "IDLE hears a delivery within 5 s" st_idle zhao.qiang@corp.example "${corpus[0]}"
    st_check "a 20 MB message through submission" st_big_message li.na@corp.example

    printf '%d passed, %d failed\n' "$ST_PASSED" "$ST_FAILED"
    ((ST_FAILED == 0))
}
