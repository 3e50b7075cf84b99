# shellcheck shell=bash
# Writes the rig's certificates and the Dovecot and Postfix configuration.
# Sourced by scripts/mailrig, which defines RIG_DIR, the *_PORT variables, RIG_USERS and
# the say/die helpers. Nothing here starts or stops a daemon.

# ---------------------------------------------------------------------------------------------
# TLS: a private CA and one server certificate for localhost, 127.0.0.1 and ::1.
# Made once; clients verify with LIAISON_RIG_CA (CURLOPT_CAINFO).
# ---------------------------------------------------------------------------------------------
rig_make_tls() {
    local tls="$RIG_DIR/tls"
    [[ -s "$tls/ca.pem" && -s "$tls/server.pem" && -s "$tls/server.key" ]] && return 0
    say "creating CA and server certificate in $tls"
    rm -rf "$tls" && mkdir -p "$tls" && chmod 0755 "$tls"
    (
        cd "$tls"
        umask 077
        openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 3650 \
            -subj "/O=Liaison mail rig/CN=Liaison mail rig CA" \
            -keyout ca.key -out ca.pem \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -addext "subjectKeyIdentifier=hash" >/dev/null 2>&1
        openssl req -new -newkey rsa:2048 -nodes -sha256 \
            -subj "/O=Liaison mail rig/CN=localhost" \
            -keyout server.key -out server.csr >/dev/null 2>&1
        # The extensions file: SANs are what clients check (the CN is ignored by libcurl);
        # authorityKeyIdentifier is required by strict verifiers (Python 3.13's default flags).
        cat >server.ext <<'EOF'
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1,DNS:mx.corp.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
EOF
        openssl x509 -req -sha256 -days 825 -in server.csr -CA ca.pem -CAkey ca.key \
            -CAcreateserial -extfile server.ext -out server.pem >/dev/null 2>&1
        rm -f server.csr server.ext ca.srl
        # Both daemons read the key as root before dropping privileges; the certificates are public.
        chmod 0600 ca.key server.key
        chmod 0644 ca.pem server.pem
    ) || die "openssl failed to create the rig certificates in $tls"
    openssl verify -CAfile "$tls/ca.pem" "$tls/server.pem" >/dev/null \
        || die "the rig server certificate does not verify against its CA"
}

# ---------------------------------------------------------------------------------------------
# Dovecot: IMAP (STARTTLS), IMAPS, LMTP, and an auth socket for Postfix's SASL.
# ---------------------------------------------------------------------------------------------
rig_write_dovecot_users() {
    local file="$RIG_DIR/dovecot/users" tmp user password
    password=$(cat "$RIG_DIR/password")
    tmp=$(mktemp "$file.XXXXXX")
    for user in $RIG_USERS; do
        # user:password:uid:gid:gecos:home:shell:extra — uid, gid and home come from the
        # userdb's default_fields, so they stay empty here.
        printf '%s:{PLAIN}%s::::::\n' "$user" "$password" >>"$tmp"
    done
    # Read by the auth process, which runs as the dovecot user; nobody else needs it.
    chown root:dovecot "$tmp" && chmod 0640 "$tmp"
    mv -f "$tmp" "$file"
}

rig_write_dovecot_conf() {
    local conf="$RIG_DIR/dovecot/dovecot.conf" listen="127.0.0.1" vmail_uid ssl_dh=""
    vmail_uid=$(id -u vmail)
    [[ "$RIG_IPV6" == yes ]] && listen="127.0.0.1, ::1"
    # Without DH parameters Dovecot logs an error when a client offers only DHE suites.
    [[ -r /usr/share/dovecot/dh.pem ]] && ssl_dh="ssl_dh = </usr/share/dovecot/dh.pem"
    cat >"$conf.tmp" <<EOF
# Liaison mail rig: written by scripts/mailrig on every start; edits are overwritten.
# A standalone configuration: nothing from /etc/dovecot is included.
instance_name = liaison-rig
base_dir = $RIG_DIR/dovecot/run
state_dir = $RIG_DIR/dovecot/state
log_path = $RIG_DIR/logs/dovecot.log
info_log_path = $RIG_DIR/logs/dovecot.log
debug_log_path = $RIG_DIR/logs/dovecot.log

protocols = imap lmtp
# Loopback only. Every listener below inherits this address list.
listen = $listen

# Dovecot refuses to run login processes as root; keep the Debian users.
default_login_user = dovenull
default_internal_user = dovecot

ssl = yes
ssl_cert = <$RIG_DIR/tls/server.pem
ssl_key = <$RIG_DIR/tls/server.key
ssl_min_protocol = TLSv1.2
$ssl_dh
# Plaintext LOGIN/AUTHENTICATE on the plain IMAP port without STARTTLS, so that tests can
# exercise allow_insecure_loopback. Harmless here: every listener is on loopback (and Dovecot
# treats loopback connections as secured anyway). STARTTLS stays offered on that port.
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests of a wrong password should not wait the default 2 s.
auth_failure_delay = 0
auth_verbose = yes

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $RIG_DIR/dovecot/users
}
# passwd-file rather than static so that "doveadm -A" can iterate over the users.
userdb {
  driver = passwd-file
  args = username_format=%u $RIG_DIR/dovecot/users
  default_fields = uid=vmail gid=vmail home=$RIG_DIR/mail/%d/%n
}
# Storage belongs to the unprivileged system user vmail; its uid is below Dovecot's default
# first_valid_uid (500).
first_valid_uid = $vmail_uid
mail_location = maildir:~/Maildir
recipient_delimiter = +
# A test rig: durability across power loss is not worth the fsync() per delivery.
mail_fsync = never

namespace inbox {
  inbox = yes
  separator = /
  prefix =
  mailbox Sent {
    special_use = \\Sent
  }
  mailbox Drafts {
    special_use = \\Drafts
  }
  mailbox Trash {
    special_use = \\Trash
  }
  mailbox Junk {
    special_use = \\Junk
  }
  mailbox Archive {
    special_use = \\Archive
  }
}

service imap-login {
  inet_listener imap {
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = $IMAPS_PORT
    ssl = yes
  }
}
protocol imap {
  # Integration tests and benchmarks open many sessions as one user from 127.0.0.1.
  mail_max_userip_connections = 500
}

service lmtp {
  inet_listener lmtp {
    port = $LMTP_PORT
  }
}
protocol lmtp {
  # deliver must store the exact bytes it was given: no Received: or Delivered-To: added.
  lmtp_add_received_header = no
  lmtp_hdr_delivery_address = none
  # user+Folder@domain delivers into Folder (created on demand).
  lmtp_save_to_detail_mailbox = yes
  lda_mailbox_autocreate = yes
  postmaster_address = postmaster@corp.example
}

service auth {
  # Postfix's submission listener authenticates through this socket (smtpd_sasl_type = dovecot).
  # Relative to base_dir: $RIG_DIR/dovecot/run/auth-postfix.
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF
    mv -f "$conf.tmp" "$conf"
}

# ---------------------------------------------------------------------------------------------
# Postfix: smtpd (STARTTLS offered, no AUTH), submission (STARTTLS + AUTH required) and smtps
# (implicit TLS from the first byte, RFC 8314, + AUTH required), all accepting mail for the rig's virtual domains only and handing it to Dovecot over LMTP.
# ---------------------------------------------------------------------------------------------
rig_write_postfix_conf() {
    local pf="$RIG_DIR/postfix/etc" user domain inet_if="127.0.0.1" inet_proto="ipv4"
    local mynetworks="127.0.0.0/8"
    if [[ "$RIG_IPV6" == yes ]]; then
        inet_if="127.0.0.1, [::1]" inet_proto="all" mynetworks="127.0.0.0/8, [::1]/128"
    fi

    : >"$pf/vmailbox.tmp"
    for user in $RIG_USERS; do
        domain=${user#*@}
        printf '%s\t%s/%s/\n' "$user" "$domain" "${user%@*}" >>"$pf/vmailbox.tmp"
    done
    mv -f "$pf/vmailbox.tmp" "$pf/vmailbox"

    cat >"$pf/main.cf.tmp" <<EOF
# Liaison mail rig: written by scripts/mailrig on every start; edits are overwritten.
compatibility_level = 3.6
queue_directory = $RIG_DIR/postfix/queue
data_directory = $RIG_DIR/postfix/data
mail_owner = postfix

myhostname = mx.corp.example
mydomain = corp.example
myorigin = \$myhostname
mydestination =
append_dot_mydomain = no
biff = no
smtpd_banner = \$myhostname ESMTP Liaison mail rig

# Loopback only, for listening and for the LMTP client's source address.
inet_interfaces = $inet_if
inet_protocols = $inet_proto
mynetworks = $mynetworks

# Mail for the rig's users goes to Dovecot over LMTP; unknown users of those domains are
# refused at RCPT time (texthash needs no postmap run).
virtual_mailbox_domains = $RIG_DOMAINS
virtual_mailbox_maps = texthash:$pf/vmailbox
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT
recipient_delimiter = +
lmtp_tls_security_level = none

# Nothing ever leaves the machine: no local delivery, no relaying, no outbound SMTP.
local_transport = error:5.1.1 local delivery is disabled in the Liaison mail rig
default_transport = error:5.7.1 the Liaison mail rig delivers to its own domains only
relay_transport = \$default_transport
relayhost =
relay_domains =
alias_maps =
alias_database =
# Only the virtual domains are accepted, even from loopback: this is not a relay.
smtpd_relay_restrictions = reject_unauth_destination

# Do not add Date:, Message-ID: or From: or rewrite header addresses of mail from SMTP clients:
# what a test sends is what arrives (plus Received: and Return-Path:).
local_header_rewrite_clients =
message_size_limit = 52428800
mailbox_size_limit = 0
smtputf8_enable = yes

# Benchmarks and error-path tests: no throttling or tarpitting of loopback clients.
in_flow_delay = 0
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 100
smtpd_hard_error_limit = 1000
smtpd_junk_command_limit = 1000
# Deferred mail (Dovecot briefly down) is retried within seconds, and given up within the hour.
queue_run_delay = 10s
minimal_backoff_time = 5s
maximal_backoff_time = 30s
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
delay_warning_time = 0

smtpd_tls_cert_file = $RIG_DIR/tls/server.pem
smtpd_tls_key_file = $RIG_DIR/tls/server.key
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
smtp_tls_security_level = none

# SASL through Dovecot's auth socket; enabled on the submission and smtps listeners only.
smtpd_sasl_type = dovecot
smtpd_sasl_path = $RIG_DIR/dovecot/run/auth-postfix
smtpd_sasl_auth_enable = no
smtpd_tls_auth_only = yes

# maillog_file is written by the postlog service (master.cf); its folder must be listed in
# maillog_file_prefixes or Postfix refuses it.
maillog_file = $RIG_DIR/logs/postfix.log
maillog_file_prefixes = /var, /dev/stdout, $RIG_DIR/logs
EOF
    mv -f "$pf/main.cf.tmp" "$pf/main.cf"

    # The chroot column (5th) is n everywhere: no chroot jail is prepared in the rig.
    cat >"$pf/master.cf.tmp" <<EOF
# Liaison mail rig: written by scripts/mailrig on every start; edits are overwritten.
# service type  private unpriv  chroot  wakeup  maxproc command + args
$SMTP_PORT      inet  n       -       n       -       -       smtpd
  -o syslog_name=postfix/smtpd-$SMTP_PORT
$SUBMISSION_PORT inet n       -       n       -       -       smtpd
  -o syslog_name=postfix/submission-$SUBMISSION_PORT
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
$SMTPS_PORT      inet  n       -       n       -       -       smtpd
  -o syslog_name=postfix/smtps-$SMTPS_PORT
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
    mv -f "$pf/master.cf.tmp" "$pf/master.cf"
}
