#!/usr/bin/env python3
"""Generate a deterministic benchmark corpus of realistic mail for scripts/bench-parse.

    gen_corpus.py --count N --out DIR [--corpus SHARED_CORPUS] [--seed S]

Writes DIR/00000.eml ... (CRLF line ends, as on the wire), built with Python's `email` package:
plain UTF-8 (8bit, base64, quoted-printable), GB2312 / GBK (also labelled gb2312) / Big5 bodies
with encoded-word subjects in the same charset, multipart/alternative with HTML, attachments of
a few KB to 200 KB with RFC 2231 filenames, forwarded message/rfc822, delivery status
notifications, replies with In-Reply-To/References, and the shared corpus messages as templates
(new Message-ID and Date). The same count and seed give the same bytes. Old *.eml files in DIR
are removed first; DIR/.stamp lets a second run with the same arguments do nothing.
"""
import argparse
import base64
import datetime
import email.charset
import email.header
import email.policy
import email.utils
import hashlib
import os
import random
import sys
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

SMTP = email.policy.SMTP  # CRLF line ends

ZH = [
    "您好，关于上周提交的订单，我们想确认一下交货时间。",
    "根据今天电话沟通内容，现将会议要点整理如下，请各位确认。",
    "如有异议请于今日内回复，逾期视为同意。",
    "附件是最新的报价单，请查收。",
    "我们已经安排技术人员下周二上门检查设备。",
    "请在本周五之前提供发票和付款凭证。",
    "客户反映产品包装有破损，希望尽快更换。",
    "会议纪要已经上传到共享文件夹，请大家查看。",
    "下次联系时间定在十一月二十五日上午十点。",
    "感谢您的耐心等待，我们会尽快处理。",
    "由于原材料供应紧张，交货期可能推迟两周。",
    "请贵司确认合同第三条的修改意见。",
]
ZH_GBK_ONLY = ["喆", "镕", "堃", "瑢", "珺", "玥"]   # in GBK, not in GB2312
TW = [
    "您好，關於本季的合作計畫，我們希望下週開會討論。",
    "請於本週五前回覆確認，謝謝。",
    "附件為修訂後的報價單，請查收。",
    "我們已經收到貴公司的樣品，品質符合要求。",
    "台北辦公室將於十二月一日起搬遷至新地址。",
    "如有任何問題，歡迎隨時與我們聯絡。",
]
EN = [
    "Thank you for your message; we will get back to you shortly.",
    "Please find attached the updated quotation for your review.",
    "As discussed on the phone, the delivery is scheduled for next Tuesday.",
    "Could you confirm the shipping address before Friday?",
    "The invoice has been paid; please send the receipt at your convenience.",
    "We noticed a discrepancy in the quantities listed on the packing slip.",
    "The meeting has been moved to 3 pm on Thursday in room 402.",
    "Let me know if anything in the summary below is inaccurate.",
]
NAMES_ZH = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周婷", "吴刚"]
NAMES_TW = ["林志明", "陳美玲", "黃建國", "張淑芬", "李家豪"]
NAMES_EN = ["Alice Chen", "Bob Martin", "Carol Wu", "David Lee", "Emma Zhang", "Frank Liu"]
DOMAINS = ["huadong-precision.example", "finance-daily.example", "taipei-partner.example",
           "supplier-gz.example", "agency.gov.example", "client-sh.example"]
FILES = ["报价单.pdf", "会议纪要.docx", "合同草案（修订）.doc", "發票.pdf", "report-2026Q4.xlsx",
         "照片 001.jpg", "产品说明书_v2.pdf", "packing list.csv"]
MIME_OF = {"pdf": ("application", "pdf"), "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
           "doc": ("application", "msword"), "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
           "jpg": ("image", "jpeg"), "csv": ("text", "csv")}
TZ = datetime.timezone(datetime.timedelta(hours=8))


class Gen:
    def __init__(self, seed, templates):
        self.rng = random.Random(seed)
        self.templates = templates
        self.serial = 0

    # --- pieces -------------------------------------------------------------------------------

    def paragraphs(self, pool, n=None):
        n = n or self.rng.randint(1, 6)
        return "\n\n".join("".join(self.rng.choice(pool) for _ in range(self.rng.randint(1, 4))) for _ in range(n)) + "\n"

    def date(self):
        base = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=TZ)
        return email.utils.format_datetime(base + datetime.timedelta(minutes=self.rng.randint(0, 60 * 24 * 28)))

    def msgid(self, domain):
        self.serial += 1
        return f"<{self.serial}.{self.rng.getrandbits(48):012x}@{domain}>"

    def person(self, names):
        name = self.rng.choice(names)
        domain = self.rng.choice(DOMAINS)
        local = f"u{self.rng.randint(1, 999)}"
        return name, f"{local}@{domain}", domain

    def headers(self, msg, names=NAMES_ZH, subject="", to_staff=True):
        name, addr, domain = self.person(names)
        msg["From"] = Address(name, addr_spec=addr)
        msg["To"] = "track@corp.example" if not to_staff else Address("客服部", addr_spec="service@corp.example")
        if to_staff:
            msg["Cc"] = "track@corp.example"
        msg["Subject"] = subject
        msg["Date"] = self.date()
        msg["Message-ID"] = self.msgid(domain)
        if self.rng.random() < 0.3:
            parent = self.msgid("corp.example")
            msg["In-Reply-To"] = parent
            msg["References"] = " ".join([self.msgid("corp.example") for _ in range(self.rng.randint(0, 3))] + [parent])
        msg["MIME-Version"] = "1.0"
        return msg

    def attachment_bytes(self):
        # Log-uniform from 2 KB to 200 KB.
        size = int(2048 * (100 ** self.rng.random()))
        return self.rng.randbytes(size)

    def add_attachment(self, msg):
        name = self.rng.choice(FILES)
        maintype, subtype = MIME_OF[name.rsplit(".", 1)[1]]
        data = self.attachment_bytes()
        if maintype == "text":
            msg.add_attachment(data.hex().encode(), maintype="application", subtype="octet-stream", filename=name)
        else:
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)   # RFC 2231 when non-ASCII

    # --- kinds ---------------------------------------------------------------------------------

    def plain_utf8(self):
        pool = self.rng.choice([ZH, EN])
        msg = self.headers(EmailMessage(policy=SMTP), NAMES_ZH if pool is ZH else NAMES_EN,
                           subject=self.rng.choice(pool)[:24])
        msg.set_content(self.paragraphs(pool), charset="utf-8",
                        cte=self.rng.choice(["8bit", "base64", "quoted-printable"]))
        return msg.as_bytes()

    def cjk_charset(self):
        kind = self.rng.choice(["gb2312", "gb2312", "gbk", "gbk-as-gb2312", "big5", "big5"])
        pool, names = (TW, NAMES_TW) if kind == "big5" else (ZH, NAMES_ZH)
        codec = "gbk" if kind.startswith("gbk") else kind
        label = "gb2312" if kind == "gbk-as-gb2312" else codec
        text = self.paragraphs(pool)
        if kind.startswith("gbk"):
            text = text.replace("，", "，" + self.rng.choice(ZH_GBK_ONLY), 1)
        subject = self.rng.choice(pool)[:20]
        msg = self.headers(EmailMessage(policy=SMTP), names, subject="SUBJECT-PLACEHOLDER")
        msg.set_content(text.encode(codec), maintype="text", subtype="plain",
                        cte=self.rng.choice(["base64", "8bit", "quoted-printable"]), params={"charset": label})
        # An encoded word in the body's charset (the email package would write UTF-8).
        encoded = email.header.Header(subject, codec).encode()
        return msg.as_bytes().replace(b"SUBJECT-PLACEHOLDER", encoded.encode("ascii"), 1)

    def alternative(self):
        pool = self.rng.choice([ZH, ZH, EN])
        charset = self.rng.choice(["utf-8", "gb2312"]) if pool is ZH else "utf-8"
        msg = self.headers(EmailMessage(policy=SMTP), NAMES_ZH if pool is ZH else NAMES_EN,
                           subject=self.rng.choice(pool)[:30])
        text = self.paragraphs(pool)
        html = ("<html><head><style>p{margin:0}</style></head><body>"
                + "".join(f"<p>{p}</p>" for p in text.strip().split("\n\n"))
                + "<table><tr><td>项目</td><td>日期</td></tr><tr><td>交货</td><td>11月25日</td></tr></table>"
                + "<div>&nbsp;--&nbsp;<br>客服部 &amp; 销售部</div></body></html>")
        msg.set_content(text, charset=charset, cte=self.rng.choice(["base64", "quoted-printable", "8bit"]))
        msg.add_alternative(html, subtype="html", charset=charset, cte=self.rng.choice(["base64", "quoted-printable"]))
        if self.rng.random() < 0.3:
            self.add_attachment(msg)
        return msg.as_bytes()

    def with_attachments(self):
        pool = self.rng.choice([ZH, EN, TW])
        msg = self.headers(EmailMessage(policy=SMTP), NAMES_ZH, subject="附件：" + self.rng.choice(pool)[:16])
        msg.set_content(self.paragraphs(pool, 2), charset="utf-8", cte="base64")
        for _ in range(self.rng.randint(1, 3)):
            self.add_attachment(msg)
        return msg.as_bytes()

    def forwarded(self):
        inner_bytes = self.rng.choice([self.plain_utf8, self.cjk_charset, self.alternative])()
        inner = email.message_from_bytes(inner_bytes, policy=SMTP)
        msg = self.headers(EmailMessage(policy=SMTP), NAMES_ZH, subject="转发: " + str(inner["Subject"] or ""))
        msg.set_content("请看下面转发的邮件。\n", charset="utf-8", cte="base64")
        msg.add_attachment(inner)   # message/rfc822
        return msg.as_bytes()

    def dsn(self):
        failed = f"u{self.rng.randint(1, 999)}@{self.rng.choice(DOMAINS)}"
        report = MIMEMultipart("report", report_type="delivery-status", policy=SMTP)
        report["From"] = "MAILER-DAEMON@mx.corp.example (Mail Delivery System)"
        report["To"] = "track@corp.example"
        report["Subject"] = "Undelivered Mail Returned to Sender"
        report["Date"] = self.date()
        report["Message-ID"] = self.msgid("mx.corp.example")
        report["Auto-Submitted"] = "auto-replied"
        code = self.rng.choice(["5.1.1 User unknown", "5.2.2 Mailbox full", "4.4.1 Connection timed out"])
        report.attach(MIMEText(f"This is the mail system at host mx.corp.example.\n\n<{failed}>: {code}\n",
                               "plain", "us-ascii", policy=SMTP))
        status = Message(policy=SMTP)
        status["Content-Type"] = "message/delivery-status"
        per_msg, per_rcpt = Message(policy=SMTP), Message(policy=SMTP)
        per_msg["Reporting-MTA"] = "dns; mx.corp.example"
        per_rcpt["Final-Recipient"] = f"rfc822; {failed}"
        per_rcpt["Action"] = "delayed" if code.startswith("4") else "failed"
        per_rcpt["Status"] = code.split()[0]
        per_rcpt["Diagnostic-Code"] = f"smtp; {code[0]}{code[2]}0 {code}"
        status.set_payload([per_msg, per_rcpt])
        report.attach(status)
        returned = f"From: track@corp.example\nTo: {failed}\nSubject: reminder\nMessage-ID: {self.msgid('corp.example')}\n"
        report.attach(MIMEText(returned, "rfc822-headers", "us-ascii", policy=SMTP))
        return report.as_bytes()

    def template(self):
        raw = self.rng.choice(self.templates)
        lines = raw.split(b"\r\n")
        for i, line in enumerate(lines):
            if line == b"":
                break
            low = line.lower()
            if low.startswith(b"message-id:"):
                lines[i] = b"Message-ID: " + self.msgid("corp.example").encode()
            elif low.startswith(b"date:"):
                lines[i] = b"Date: " + self.date().encode()
        return b"\r\n".join(lines)

    def message(self):
        kinds = [(self.plain_utf8, 20), (self.cjk_charset, 22), (self.alternative, 20), (self.with_attachments, 14),
                 (self.forwarded, 8), (self.dsn, 4)]
        if self.templates:
            kinds.append((self.template, 12))
        funcs, weights = zip(*kinds)
        return self.rng.choices(funcs, weights)[0]()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--corpus", help="folder of .eml templates (the shared corpus)")
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args()

    templates = []
    if args.corpus and os.path.isdir(args.corpus):
        for name in sorted(os.listdir(args.corpus)):
            if name.endswith(".eml"):
                with open(os.path.join(args.corpus, name), "rb") as f:
                    data = f.read()
                templates.append(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    else:
        print(f"gen_corpus: no template corpus at {args.corpus}; generating without templates", file=sys.stderr)

    with open(__file__, "rb") as f:
        me = hashlib.sha256(f.read()).hexdigest()[:16]
    corpus_id = hashlib.sha256(b"".join(templates)).hexdigest()[:16]
    stamp = f"count={args.count} seed={args.seed} generator={me} templates={corpus_id} python={sys.version_info[:2]}\n"
    os.makedirs(args.out, exist_ok=True)
    stamp_path = os.path.join(args.out, ".stamp")
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
        print(f"gen_corpus: {args.out} already holds {args.count} messages (seed {args.seed})")
        return
    for name in os.listdir(args.out):
        if name.endswith(".eml"):
            os.remove(os.path.join(args.out, name))

    # The email package draws multipart boundaries from the global generator: seed it too.
    random.seed(args.seed)
    gen = Gen(args.seed, templates)
    total = 0
    width = max(5, len(str(args.count - 1)))
    for i in range(args.count):
        data = gen.message()
        total += len(data)
        with open(os.path.join(args.out, f"{i:0{width}d}.eml"), "wb") as f:
            f.write(data)
    with open(stamp_path, "w") as f:
        f.write(stamp)
    print(f"gen_corpus: wrote {args.count} messages, {total / 1e6:.1f} MB, to {args.out}")


if __name__ == "__main__":
    main()
