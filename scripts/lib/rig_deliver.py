#!/usr/bin/env python3
"""Put message files into one rig mailbox quickly, over a single connection.

Usage:
  RIG_PASSWORD=... rig_deliver.py append HOST IMAPS_PORT CA_FILE USER FOLDER FILE...
  rig_deliver.py lmtp   HOST LMTP_PORT RECIPIENT FILE...

append: IMAP APPEND (RFC 3501 section 6.3.11) over implicit TLS. The stored message is the
  file's bytes exactly (imaplib only turns a lone CR or LF into CRLF, as IMAP requires). The
  folder is created when missing.
lmtp: a real delivery over LMTP (RFC 2033). Dovecot always prepends "Return-Path: <sender>"
  (no setting turns it off); the rig's configuration suppresses Received: and Delivered-To:.
  SMTP cannot carry a message that does not end in CRLF: such a file gets a CRLF appended.
Exits 1 on the first failure, with the server's answer on stderr; prints nothing otherwise.
"""
import imaplib
import os
import smtplib
import ssl
import sys

# The envelope sender of "lmtp" deliveries; it shows in the Return-Path: line Dovecot adds.
ENVELOPE_FROM = "mailrig-deliver@mx.corp.example"


def read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def quoted(name: str) -> str:
    """An IMAP quoted string (RFC 3501 section 4.3); imaplib does not quote arguments."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def append(host: str, port: int, ca_file: str, user: str, folder: str,
           files: list[str]) -> None:
    password = os.environ["RIG_PASSWORD"]  # not argv: other users can read that in ps
    context = ssl.create_default_context(cafile=ca_file)
    with imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=30) as imap:
        imap.login(user, password)
        if folder != "INBOX":
            status, _ = imap.select(quoted(folder), readonly=True)
            if status != "OK":
                imap.create(quoted(folder))
        for path in files:
            status, answer = imap.append(quoted(folder), None, None, read(path))
            if status != "OK":
                raise imaplib.IMAP4.error(f"APPEND {path}: {answer!r}")
        imap.logout()


def lmtp(host: str, port: int, recipient: str, files: list[str]) -> None:
    with smtplib.LMTP(host, port, timeout=30) as client:
        for path in files:
            # sendmail raises SMTPRecipientsRefused / SMTPDataError on a refusal.
            client.sendmail(ENVELOPE_FROM, [recipient], read(path))


def main(argv: list[str]) -> int:
    try:
        if len(argv) >= 8 and argv[1] == "append":
            append(argv[2], int(argv[3]), argv[4], argv[5], argv[6], argv[7:])
        elif len(argv) >= 6 and argv[1] == "lmtp":
            lmtp(argv[2], int(argv[3]), argv[4], argv[5:])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (OSError, smtplib.SMTPException, imaplib.IMAP4.error) as error:
        print(f"mailrig deliver: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
