# Writes Tests/Fixtures/clients/<client>/*.eml in the shapes those clients produce.
import base64, quopri, json, os, textwrap
ROOT = os.path.dirname(os.path.abspath(__file__))
AR = 'Authentication-Results: mx.corp.example; spf=pass smtp.mailfrom=corp.example; dkim=pass header.d=corp.example; dmarc=pass header.from=corp.example'
def received(helo, ip, when):
    return f'Received: from {helo} ({helo} [{ip}])\r\n\tby mx.corp.example (Postfix) with ESMTPS id 4Ck2Lm0x7Qz9\r\n\tfor <track@corp.example>; {when}'
def b64(data):
    s = base64.b64encode(data).decode()
    return '\r\n'.join(s[i:i+76] for i in range(0, len(s), 76))
def qp(data):
    return quopri.encodestring(data).decode().replace('\r\n', '\n').replace('\n', '\r\n')
def ew(text, cs='utf-8', enc='B'):
    data = text.encode(cs)
    if enc == 'B':
        return f'=?{cs}?B?{base64.b64encode(data).decode()}?='
    q = ''.join(chr(b) if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122) else '=%02X' % b for b in data)
    return f'=?{cs}?Q?{q}?='
def part(ctype, body, cs, cte, extra='', codec=None):
    data = body.replace('\r\n', '\n').replace('\n', '\r\n').encode(codec or cs)
    enc = b64(data) if cte == 'base64' else qp(data) if cte == 'quoted-printable' else data.decode(cs)
    return f'Content-Type: {ctype}; charset="{cs}"\r\n{extra}Content-Transfer-Encoding: {cte}\r\n\r\n{enc}'
def alternative(boundary, *parts):
    return ''.join(f'--{boundary}\r\n{p}\r\n\r\n' for p in parts) + f'--{boundary}--\r\n'
def write(client, name, headers, body, expected, raw_header_bytes=None):
    os.makedirs(f'{ROOT}/{client}', exist_ok=True)
    head = '\r\n'.join(headers).encode('utf-8')
    if raw_header_bytes:
        for k, v in raw_header_bytes.items():
            head = head.replace(k.encode(), v)
    data = head + b'\r\n\r\n' + (body.encode('ascii') if isinstance(body, str) else body)
    open(f'{ROOT}/{client}/{name}.eml', 'wb').write(data)
    open(f'{ROOT}/{client}/{name}.expected.json', 'w').write(json.dumps(expected, ensure_ascii=False, indent=2) + '\n')

RECAP_SUBJ = '会议纪要：关于第二批货物质量问题的电话沟通'
CUST = '王磊 <wang.lei@huadong-precision.example>'
def esc(s): return s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
def html_paras(text, cls=' class=MsoNormal'):
    return ''.join(f'<p{cls}>{esc(l) if l else "&nbsp;"}</p>\r\n' for l in text.split('\n'))

# ---------------------------------------------------------------- Outlook
ol_plain = """各位好，

今天电话沟通的纪要如下：

序号\t事项\t负责人\t截止时间
1\t免费更换同型号设备12台\t售后部/王芳\t11月20日17:00
2\t物流单号在发货当天同步给客户\t物流部 赵强\t11月19日
3\t提供3个月质保服务\t销售部/张伟\t11月30日

如有异议请于今日内回复，逾期视为确认。

张伟
销售部 | 示例科技有限公司"""
rows = [('序号','事项','负责人','截止时间'), ('1','免费更换同型号设备12台','售后部/王芳','11月20日17:00'),
        ('2','物流单号在发货当天同步给客户','物流部 赵强','11月19日'), ('3','提供3个月质保服务','销售部/张伟','11月30日')]
def ol_cell(t, tag='td'):
    return f'<{tag} width=140 valign=top style=\'width:105.0pt;border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt\'><p class=MsoNormal><span lang=ZH-CN style=\'font-family:"微软雅黑",sans-serif\'>{esc(t)}<o:p></o:p></span></p></{tag}>'
ol_table = ('<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0 style=\'border-collapse:collapse;border:none\'>\r\n'
            + ''.join('<tr>' + ''.join(ol_cell(c) for c in r) + '</tr>\r\n' for r in rows) + '</table>\r\n')
ol_html = ('<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">'
           '<head><meta http-equiv=Content-Type content="text/html; charset=gb2312"><meta name=Generator content="Microsoft Word 15 (filtered medium)"><style><!--\r\np.MsoNormal {margin:0cm;font-size:10.5pt;}\r\n--></style></head>'
           '<body lang=ZH-CN link="#0563C1" vlink="#954F72" style=\'text-align:justify;text-justify:inter-ideograph\'><div class=WordSection1>\r\n'
           + html_paras('各位好，\n\n今天电话沟通的纪要如下：\n') + ol_table
           + html_paras('\n如有异议请于今日内回复，逾期视为确认。\n\n张伟\n销售部 | 示例科技有限公司') + '</div></body></html>')
write('outlook', 'recap-table-gb2312', [
    received('mail-pc.corp.example', '10.1.2.3', 'Wed, 18 Nov 2026 10:12:35 +0800 (CST)'), AR,
    'From: "张伟" <zhang.wei@corp.example>'.replace('张伟', ew('张伟', 'gb2312')),
    'To: "王磊" <wang.lei@huadong-precision.example>'.replace('王磊', ew('王磊', 'gb2312')),
    'CC: <track@corp.example>', 'Subject: ' + ew(RECAP_SUBJ, 'gb2312'),
    'Date: Wed, 18 Nov 2026 10:12:33 +0800', 'Message-ID: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>',
    'MIME-Version: 1.0', 'Content-Type: multipart/alternative;\r\n\tboundary="----=_NextPart_000_000D_01DD5A7E.9D52D340"',
    'X-Mailer: Microsoft Outlook 16.0', 'Thread-Index: AdlaO4NhVqvDb7ZkQ0mP3Xr3gQ1mWg==', 'Content-Language: zh-cn'],
    'This is a multipart message in MIME format.\r\n\r\n' + alternative('----=_NextPart_000_000D_01DD5A7E.9D52D340',
        part('text/plain', ol_plain, 'gb2312', 'base64'), part('text/html', ol_html, 'gb2312', 'base64')),
    {"kind": "recap", "senderTrusted": True, "recap": True, "objectionDeadline": "2026-11-18T23:59:59+08:00",
     "items": [{"number": 1, "owner": "王芳", "department": "售后部", "task": "免费更换同型号设备12台", "due": "2026-11-20T17:00:00+08:00"},
               {"number": 2, "owner": "赵强", "department": "物流部", "task": "物流单号在发货当天同步给客户", "due": "2026-11-19T23:59:59+08:00"},
               {"number": 3, "owner": "张伟", "department": "销售部", "task": "提供3个月质保服务", "due": "2026-11-30T23:59:59+08:00"}],
     "firstLine": "各位好，", "mustNotAppear": []})

# The same recap as Outlook's HTML only (no plain alternative): the table read from the HTML.
write('outlook', 'recap-table-html-only', [
    received('mail-pc.corp.example', '10.1.2.3', 'Wed, 18 Nov 2026 10:12:35 +0800 (CST)'), AR,
    'From: ' + ew('张伟', 'utf-8') + ' <zhang.wei@corp.example>', 'To: ' + ew('王磊', 'utf-8') + ' <wang.lei@huadong-precision.example>',
    'CC: <track@corp.example>', 'Subject: ' + ew(RECAP_SUBJ, 'utf-8'),
    'Date: Wed, 18 Nov 2026 10:12:33 +0800', 'Message-ID: <000d01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>',
    'MIME-Version: 1.0', 'Content-Type: text/html;\r\n\tcharset="utf-8"', 'Content-Transfer-Encoding: quoted-printable',
    'X-Mailer: Microsoft Outlook 16.0', 'Content-Language: zh-cn'],
    qp(ol_html.replace('charset=gb2312', 'charset=utf-8').replace('\n', '\r\n').encode('utf-8')).replace('\r\r\n', '\r\n'),
    {"kind": "recap", "senderTrusted": True, "recap": True, "objectionDeadline": "2026-11-18T23:59:59+08:00",
     "items": [{"number": 1, "owner": "王芳", "department": "售后部", "task": "免费更换同型号设备12台", "due": "2026-11-20T17:00:00+08:00"},
               {"number": 2, "owner": "赵强", "department": "物流部", "task": "物流单号在发货当天同步给客户", "due": "2026-11-19T23:59:59+08:00"},
               {"number": 3, "owner": "张伟", "department": "销售部", "task": "提供3个月质保服务", "due": "2026-11-30T23:59:59+08:00"}],
     "firstLine": "各位好，", "mustNotAppear": []})

quoted_recap_lines = ol_plain.replace('\t', ' ')
en_plain = f"""Hi Zhang Wei,

Thanks for the summary. We have concerns about item 2: the tracking number must reach us before the goods leave, not on the day they ship.

Best regards,
Wang Lei
Huadong Precision

________________________________
From: 张伟 <zhang.wei@corp.example>
Sent: Wednesday, November 18, 2026 10:12 AM
To: Wang Lei <wang.lei@huadong-precision.example>
Cc: track@corp.example
Subject: {RECAP_SUBJ}

{quoted_recap_lines}"""
en_html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body dir="ltr">'
           '<div style="font-family: Calibri, Arial, Helvetica, sans-serif; font-size: 12pt;">Hi Zhang Wei,</div><div><br></div>'
           '<div>Thanks for the summary. We have concerns about item 2: the tracking number must reach us before the goods leave, not on the day they ship.</div><div><br></div>'
           '<div>Best regards,<br>Wang Lei<br>Huadong Precision</div>'
           '<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
           '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000"><b>From:</b> 张伟 &lt;zhang.wei@corp.example&gt;<br>'
           '<b>Sent:</b> Wednesday, November 18, 2026 10:12 AM<br><b>To:</b> Wang Lei &lt;wang.lei@huadong-precision.example&gt;<br>'
           f'<b>Subject:</b> {RECAP_SUBJ}</font><div>&nbsp;</div></div>'
           '<div>' + html_paras(quoted_recap_lines, '') + '</div></body></html>')
write('outlook', 'reply-concerns-en', [
    received('mail-sg2apc01on2101.outbound.protection.outlook.com', '40.107.215.101', 'Wed, 18 Nov 2026 11:03:12 +0800 (CST)'),
    'Authentication-Results: mx.corp.example; spf=pass smtp.mailfrom=huadong-precision.example; dkim=pass header.d=huadong-precision.example; dmarc=pass header.from=huadong-precision.example',
    'From: Wang Lei <wang.lei@huadong-precision.example>', 'To: ' + ew('张伟') + ' <zhang.wei@corp.example>', 'CC: "track@corp.example" <track@corp.example>',
    'Subject: RE: ' + ew(RECAP_SUBJ), 'Thread-Topic: ' + ew(RECAP_SUBJ), 'Thread-Index: AQHZWjuDYVarw2+2ZENJj9169YENNa8X9Q==',
    'Date: Wed, 18 Nov 2026 03:03:05 +0000', 'Message-ID: <SG2PR01MB4213C5E1A2B3@SG2PR01MB4213.apcprd01.prod.exchangelabs.com>',
    'References: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>', 'In-Reply-To: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>',
    'Accept-Language: en-US, zh-CN', 'Content-Language: en-US', 'X-MS-Has-Attach:', 'MIME-Version: 1.0',
    'Content-Type: multipart/alternative;\r\n\tboundary="_000_SG2PR01MB4213C5E1A2B3SG2PR01MB4213apcprd01prodexchangelabsc_"'],
    '\r\n' + alternative('_000_SG2PR01MB4213C5E1A2B3SG2PR01MB4213apcprd01prodexchangelabsc_',
        part('text/plain', en_plain, 'utf-8', 'base64'), part('text/html', en_html, 'utf-8', 'quoted-printable')),
    {"kind": "correspondence", "senderTrusted": False, "recap": False, "objection": True, "objectedItems": [2],
     "firstLine": "Hi Zhang Wei,", "mustNotAppear": ["如有异议", "免费更换"]})

zh_html = ('<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv=Content-Type content="text/html; charset=gb2312"></head>'
           '<body lang=ZH-CN><div class=WordSection1>' + html_paras('张总好，\n\n纪要内容没有异议，谢谢。\n\n王磊')
           + '<div><div style=\'border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm\'><p class=MsoNormal><b>发件人<span lang=EN-US>:</span></b><span lang=EN-US> </span>张伟 <span lang=EN-US>&lt;zhang.wei@corp.example&gt; <br></span><b>发送时间<span lang=EN-US>:</span></b><span lang=EN-US> 2026</span>年<span lang=EN-US>11</span>月<span lang=EN-US>18</span>日<span lang=EN-US> 10:12<br></span><b>收件人<span lang=EN-US>:</span></b><span lang=EN-US> </span>王磊<span lang=EN-US> &lt;wang.lei@huadong-precision.example&gt;<br></span><b>主题<span lang=EN-US>:</span></b><span lang=EN-US> </span>' + esc(RECAP_SUBJ) + '<o:p></o:p></p></div></div>'
           + html_paras('\n赵强补充：我们对第2项有异议，物流单号应提前一天提供。\n\n' + quoted_recap_lines) + '</div></body></html>')
write('outlook', 'reply-no-objection-html-zh', [
    received('mail.huadong-precision.example', '203.0.113.25', 'Wed, 18 Nov 2026 11:20:02 +0800 (CST)'),
    'From: ' + ew('王磊', 'gb2312') + ' <wang.lei@huadong-precision.example>', 'To: ' + ew('张伟', 'gb2312') + ' <zhang.wei@corp.example>',
    'Cc: <track@corp.example>', 'Subject: ' + ew('答复: ' + RECAP_SUBJ, 'gb2312'), 'Date: Wed, 18 Nov 2026 11:19:54 +0800',
    'Message-ID: <001201dd5a44$1b7f3e60$527dbb20$@huadong-precision.example>', 'In-Reply-To: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>',
    'MIME-Version: 1.0', 'Content-Type: text/html;\r\n\tcharset="gb2312"', 'Content-Transfer-Encoding: base64', 'X-Mailer: Microsoft Outlook 16.0'],
    b64(zh_html.replace('\n', '\r\n').encode('gb18030')),
    {"kind": "correspondence", "senderTrusted": False, "recap": False, "objection": False, "objectedItems": [],
     "firstLine": "张总好，", "mustNotAppear": ["有异议，物流单号", "如有异议"]})

# ---------------------------------------------------------------- Foxmail
fm_plain = """王总：您好！

今天下午会议纪要如下：
1、寄送2台样机到贵司实验室，负责人：市场部 李娜，截止：本周五前
2、提交第二批货物的检测报告（负责人：质量部陈静；截止时间：11月23日下午3点）
3、确认退换货流程（负责人：售后部/王芳）

如有异议请于11月19日17:00前回复，逾期视为确认。

李娜
2026-11-18"""
fm_html = ('<html><head><meta http-equiv="content-type" content="text/html; charset=GB2312"><style>body { line-height: 1.5; }</style></head><body>\r\n'
           + ''.join(f'<div><span></span>{esc(l) if l else "<br>"}</div>' for l in fm_plain.split('\n'))
           + '\r\n<hr style="width: 210px; height: 1px;" color="#b5c4df" size="1" align="left">\r\n<div><span><div style="MARGIN: 10px; FONT-FAMILY: verdana; FONT-SIZE: 10pt"><div>李娜</div></div></span></div></body></html>')
write('foxmail', 'recap-numbered-gb2312', [
    received('foxmail.corp.example', '10.1.2.44', 'Wed, 18 Nov 2026 16:05:41 +0800 (CST)'), AR,
    'Date: Wed, 18 Nov 2026 16:05:39 +0800', 'From: "' + ew('李娜', 'gb2312') + '" <li.na@corp.example>',
    'To: "' + ew('王磊', 'gb2312') + '" <wang.lei@huadong-precision.example>', 'Cc: track <track@corp.example>',
    'Subject: ' + ew('会议纪要：样机与检测报告', 'gb2312'), 'X-Priority: 3', 'X-GUID: 5E1B7C2A-3F4D-4B8E-9A1C-2D3E4F5A6B7C',
    'X-Has-Attach: no', 'X-Mailer: Foxmail 7.2.25.228[cn]', 'Mime-Version: 1.0', 'Message-ID: <202611181605392317451@corp.example>',
    'Content-Type: multipart/alternative;\r\n\tboundary="----=_001_NextPart537148715843_=----"'],
    'This is a multi-part message in MIME format.\r\n\r\n' + alternative('----=_001_NextPart537148715843_=----',
        part('text/plain', fm_plain, 'GB2312', 'base64'), part('text/html', fm_html, 'GB2312', 'base64')),
    {"kind": "recap", "senderTrusted": True, "recap": True, "objectionDeadline": "2026-11-19T17:00:00+08:00",
     "items": [{"number": 1, "owner": "李娜", "department": "市场部", "task": "寄送2台样机到贵司实验室", "due": "2026-11-20T23:59:59+08:00"},
               {"number": 2, "owner": "陈静", "department": "质量部", "task": "提交第二批货物的检测报告", "due": "2026-11-23T15:00:00+08:00"},
               {"number": 3, "owner": "王芳", "department": "售后部", "task": "确认退换货流程", "due": None}],
     "firstLine": "王总：您好！", "mustNotAppear": []})

fmr_plain = """李经理：
第③点有异议，退换货流程需要先经过我方质检部门确认，其余无异议。

王磊



------------------ 原始邮件 ------------------
发件人: "李娜"<li.na@corp.example>;
发送时间: 2026年11月18日(星期三) 下午4:05
收件人: "王磊"<wang.lei@huadong-precision.example>;
抄送: "track"<track@corp.example>;
主题: 会议纪要：样机与检测报告

""" + fm_plain
write('foxmail', 'reply-objection-gbk-raw-subject', [
    received('smtp.huadong-precision.example', '203.0.113.25', 'Wed, 18 Nov 2026 17:31:09 +0800 (CST)'),
    'Date: Wed, 18 Nov 2026 17:31:02 +0800', 'From: "RAWNAME" <wang.lei@huadong-precision.example>',
    'To: "' + ew('李娜', 'gbk') + '" <li.na@corp.example>', 'Cc: track <track@corp.example>',
    'Subject: RAWSUBJECT', 'References: <202611181605392317451@corp.example>', 'In-Reply-To: <202611181605392317451@corp.example>',
    'X-Priority: 3', 'X-Has-Attach: no', 'X-Mailer: Foxmail 7.2.23.116[cn]', 'Mime-Version: 1.0',
    'Message-ID: <2026111817310212334910@huadong-precision.example>', 'Content-Type: text/plain; charset="GBK"',
    'Content-Transfer-Encoding: 8bit'],
    fmr_plain.replace('\n', '\r\n').encode('gbk'),
    {"kind": "correspondence", "senderTrusted": False, "recap": False, "objection": True, "objectedItems": [3],
     "subject": "回复：会议纪要：样机与检测报告", "fromName": "王磊",
     "firstLine": "李经理：", "mustNotAppear": ["如有异议请于", "寄送2台样机"]},
    raw_header_bytes={'RAWNAME': '王磊'.encode('gbk'), 'RAWSUBJECT': '回复：会议纪要：样机与检测报告'.encode('gbk')})

# ---------------------------------------------------------------- QQ Mail
qq_plain = """收到，纪要没有异议，按此执行。



------------------&nbsp;Original&nbsp;------------------
From: &nbsp;"张伟"<zhang.wei@corp.example&gt;;
Date: &nbsp;Wed, Nov 18, 2026 10:12 AM
To: &nbsp;"王磊"<wang.lei@huadong-precision.example&gt;;
Cc: &nbsp;"track"<track@corp.example&gt;;
Subject: &nbsp;""" + RECAP_SUBJ + """

&nbsp;

""" + quoted_recap_lines
qq_html = ('<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><div>收到，纪要没有异议，按此执行。</div><div><br></div><div><br></div>'
           '<div style="font-size: 12px;font-family: Arial Narrow;padding:2px 0 2px 0;">------------------&nbsp;Original&nbsp;------------------</div>'
           '<div style="font-size: 12px;background:#efefef;padding:8px;"><div><b>From: </b>&nbsp;"张伟"&lt;zhang.wei@corp.example&gt;;</div>'
           '<div><b>Date: </b>&nbsp;Wed, Nov 18, 2026 10:12 AM</div><div><b>To: </b>&nbsp;"王磊"&lt;wang.lei@huadong-precision.example&gt;;</div>'
           f'<div><b>Subject: </b>&nbsp;{RECAP_SUBJ}</div></div><div><br></div>' + html_paras(quoted_recap_lines, '') )
write('qqmail', 'reply-no-objection-original-en', [
    received('out162-62-57-210.mail.qq.com', '162.62.57.210', 'Wed, 18 Nov 2026 12:01:45 +0800 (CST)'),
    'X-QQ-FEAT: 3bu+1Z4Ec5ZPRw1dNN3DTsZ9lVjDwVSEyLdTNQEs4Q=', 'X-QQ-SSF: 00000000000000F0000000000000',
    'X-QQ-XMAILINFO: NbbWwPMjtzDHn5YCkvVHkGq6NyqsjrQ3kWxH3Tg=', 'X-QQ-mid: xmsezb28t1763438505t7ixvg9sz',
    'From: "' + ew('王磊') + '" <123456789@qq.com>', 'To: "' + ew('张伟') + '" <zhang.wei@corp.example>',
    'Cc: "track" <track@corp.example>', 'Subject: ' + ew('回复：' + RECAP_SUBJ), 'Mime-Version: 1.0',
    'Content-Type: multipart/alternative;\r\n\tboundary="----=_NextPart_673BCEA9_0F1E2D3C_4B5A6978"',
    'Content-Transfer-Encoding: 8Bit', 'Date: Wed, 18 Nov 2026 12:01:45 +0800',
    'X-Priority: 3', 'Message-ID: <tencent_9F2D3C4B5A69788E7D6C5B4A39281706A5@qq.com>',
    'X-QQ-MIME: TCMime 1.0 by Tencent', 'X-Mailer: QQMail 2.x', 'X-QQ-Mailer: QQMail 2.x',
    'In-Reply-To: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>', 'References: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>'],
    'This is a multi-part message in MIME format.\r\n\r\n' + alternative('----=_NextPart_673BCEA9_0F1E2D3C_4B5A6978',
        part('text/plain', qq_plain, 'utf-8', 'base64'), part('text/html', qq_html, 'utf-8', 'base64')),
    {"kind": "correspondence", "senderTrusted": False, "recap": False, "objection": False, "objectedItems": [],
     "firstLine": "收到，纪要没有异议，按此执行。", "mustNotAppear": ["如有异议", "Original"]})

qq2_html = ('<meta http-equiv="Content-Type" content="text/html; charset=GB18030"><div>张经理：</div><div>我们不同意第1项的截止时间，11月20日来不及安排验货，请改到11月25日。</div><div><br></div><div>王磊</div>'
            '<div><br></div><div style="font-size: 12px;font-family: Arial Narrow;padding:2px 0 2px 0;">------------------&nbsp;原始邮件&nbsp;------------------</div>'
            '<div style="font-size: 12px;background:#efefef;padding:8px;"><div><b>发件人:</b>&nbsp;"张伟"&lt;zhang.wei@corp.example&gt;;</div>'
            '<div><b>发送时间:</b>&nbsp;2026年11月18日(星期三) 上午10:12</div><div><b>收件人:</b>&nbsp;"王磊"&lt;wang.lei@huadong-precision.example&gt;;</div>'
            f'<div><b>主题:</b>&nbsp;{RECAP_SUBJ}</div></div><div><br></div>' + html_paras(quoted_recap_lines.replace('如有异议', '我方对第3项有异议。如有异议'), ''))
write('qqmail', 'reply-objection-html-gb18030', [
    received('out203-205-221-236.mail.qq.com', '203.205.221.236', 'Wed, 18 Nov 2026 14:22:10 +0800 (CST)'),
    'X-QQ-mid: xmsezb28t1763446930tq2lmc8a2', 'From: "' + ew('王磊', 'gb18030') + '" <123456789@qq.com>',
    'To: "' + ew('张伟', 'gb18030') + '" <zhang.wei@corp.example>', 'Subject: ' + ew('回复：' + RECAP_SUBJ, 'gb18030'),
    'Mime-Version: 1.0', 'Content-Type: text/html;\r\n\tcharset="gb18030"', 'Content-Transfer-Encoding: base64',
    'Date: Wed, 18 Nov 2026 14:22:10 +0800', 'X-Priority: 3', 'Message-ID: <tencent_0A1B2C3D4E5F60718293A4B5C6D7E8F9@qq.com>',
    'X-QQ-MIME: TCMime 1.0 by Tencent', 'X-Mailer: QQMail 2.x', 'In-Reply-To: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>'],
    b64(qq2_html.encode('gb18030')),
    {"kind": "correspondence", "senderTrusted": False, "recap": False, "objection": True, "objectedItems": [1],
     "firstLine": "张经理：", "mustNotAppear": ["我方对第3项有异议", "如有异议"]})

# ---------------------------------------------------------------- NetEase 163 / 126
ne_plain = """第2项需修改：物流单号请在发货前一天提供，当天提供来不及安排收货。

王磊






在 2026-11-18 10:12:33，"张伟" <zhang.wei@corp.example> 写道：

""" + '\n'.join('>' + l for l in quoted_recap_lines.split('\n'))
ne_html = ('<div style="line-height:1.7;color:#000000;font-size:14px;font-family:Arial"><div>第2项需修改：物流单号请在发货前一天提供，当天提供来不及安排收货。</div><div><br></div><div>王磊</div></div><br><br><br>'
           '<div style="position:relative;zoom:1"></div><div id="divNeteaseMailCard"></div><br>'
           '<pre><br>在 2026-11-18 10:12:33，"张伟" &lt;zhang.wei@corp.example&gt; 写道：<br></pre>'
           '<blockquote id="isReplyContent" style="PADDING-LEFT: 1ex; MARGIN: 0px 0px 0px 0.8ex; BORDER-LEFT: #ccc 1px solid">' + html_paras(quoted_recap_lines, '') + '</blockquote>')
write('netease', 'reply-objection-163', [
    received('m16.mail.163.com', '220.181.12.16', 'Wed, 18 Nov 2026 13:45:20 +0800 (CST)'),
    'X-Originating-IP: [116.228.33.12]', 'Date: Wed, 18 Nov 2026 13:45:17 +0800 (CST)',
    'From: "' + ew('王磊', 'GBK') + '" <wanglei_hd@163.com>', 'To: "' + ew('张伟', 'GBK') + '" <zhang.wei@corp.example>',
    'Cc: track@corp.example', 'Subject: Re:' + ew(RECAP_SUBJ, 'GBK'), 'X-Priority: 3', 'X-Mailer: Coremail Webmail Server Version XT5.0.14 build 20230109(dcb5de15)',
    'In-Reply-To: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>', 'References: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>',
    'Content-Type: multipart/alternative; \r\n\tboundary="----=_Part_152034_1285716923.1763444717652"', 'MIME-Version: 1.0',
    'Message-ID: <6f1e2d3c.4b5a.18f3c2d1e0a.Coremail.wanglei_hd@163.com>', 'X-Coremail-Locale: zh_CN', 'X-CM-TRANSID:EMCowAD3Xq3t1TpnmW8DAA--.31857S2'],
    alternative('----=_Part_152034_1285716923.1763444717652', part('text/plain', ne_plain, 'GBK', 'base64'), part('text/html', ne_html, 'GBK', 'base64')),
    {"kind": "correspondence", "senderTrusted": False, "recap": False, "objection": True, "objectedItems": [2],
     "firstLine": "第2项需修改：物流单号请在发货前一天提供，当天提供来不及安排收货。", "mustNotAppear": ["如有异议", "写道"]})

ne2_html = ('<div style="line-height:1.7;color:#000000;font-size:14px;font-family:Arial"><p>好的，收到，谢谢！</p><p>王磊</p></div><br><br>'
            '<div style="position:relative;zoom:1"></div><div id="divNeteaseMailCard"></div><br>'
            '<p>At 2026-11-18 15:30:02, "赵强" &lt;zhao.qiang@corp.example&gt; wrote:<br></p>'
            '<blockquote id="isReplyContent" style="PADDING-LEFT: 1ex; MARGIN: 0px 0px 0px 0.8ex; BORDER-LEFT: #ccc 1px solid">'
            '<div>王总：</div><div>关于第2项，我方不同意提前一天提供物流单号，原因是仓库排期已满。</div><div>赵强</div></blockquote>')
write('netease', 'reply-thanks-quoted-objection-126', [
    received('m15-112.126.com', '220.181.15.112', 'Wed, 18 Nov 2026 16:02:44 +0800 (CST)'),
    'Date: Wed, 18 Nov 2026 16:02:40 +0800 (CST)', 'From: "' + ew('王磊', 'UTF-8') + '" <wanglei_hd@126.com>',
    'To: "' + ew('赵强', 'UTF-8') + '" <zhao.qiang@corp.example>', 'Subject: Re:Re:' + ew(RECAP_SUBJ, 'UTF-8'),
    'X-Mailer: Coremail Webmail Server Version XT5.0.14 build 20230109(dcb5de15)', 'In-Reply-To: <a1b2c3@corp.example>',
    'Content-Type: text/html; charset=UTF-8', 'Content-Transfer-Encoding: base64', 'MIME-Version: 1.0',
    'Message-ID: <1a2b3c4d.5e6f.18f3c7e8f9a.Coremail.wanglei_hd@126.com>'],
    b64(ne2_html.encode('utf-8')),
    {"kind": "correspondence", "senderTrusted": False, "recap": False, "objection": False, "objectedItems": [],
     "firstLine": "好的，收到，谢谢！", "mustNotAppear": ["不同意提前"]})

# ---------------------------------------------------------------- Gmail
gm_plain = """Hi Zhang,

One correction: item 3 should be 6 months of warranty, as agreed on the call, not 3.

Thanks,
Linda

On Wed, Nov 18, 2026 at 10:12 AM Zhang Wei <zhang.wei@corp.example>
wrote:

""" + '\n'.join('> ' + l if l else '>' for l in quoted_recap_lines.split('\n'))
gm_html = ('<div dir="ltr">Hi Zhang,<div><br></div><div>One correction: item 3 should be 6 months of warranty, as agreed on the call, not 3.</div><div><br></div><div>Thanks,</div><div>Linda</div></div><br>'
           '<div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Wed, Nov 18, 2026 at 10:12 AM Zhang Wei &lt;<a href="mailto:zhang.wei@corp.example">zhang.wei@corp.example</a>&gt; wrote:<br></div>'
           '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">' + html_paras(quoted_recap_lines, '') + '</blockquote></div>')
write('gmail', 'reply-correction-en', [
    received('mail-pl1-f181.google.com', '209.85.214.181', 'Wed, 18 Nov 2026 12:40:33 +0800 (CST)'),
    'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=gmail.com; s=20230601; t=1763440831; x=1764045631; h=to:subject:message-id:date:from:in-reply-to:references:mime-version; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=Zx1',
    'MIME-Version: 1.0', 'References: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>', 'In-Reply-To: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>',
    'From: Linda Chen <linda.chen.hd@gmail.com>', 'Date: Wed, 18 Nov 2026 12:40:19 +0800',
    'Message-ID: <CAJx7Zb8s=Q2kUo3w+FNt_0xJm9RrWz8g3XyVb1Q@mail.gmail.com>', 'Subject: Re: ' + ew(RECAP_SUBJ, 'UTF-8'),
    'To: Zhang Wei <zhang.wei@corp.example>', 'Cc: track@corp.example',
    'Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f60718"'],
    alternative('000000000000a1b2c3d4e5f60718', part('text/plain', gm_plain, 'UTF-8', 'quoted-printable'), part('text/html', gm_html, 'UTF-8', 'quoted-printable')).replace('charset="UTF-8"', 'charset="UTF-8"'),
    {"kind": "correspondence", "senderTrusted": False, "recap": False, "objection": True, "objectedItems": [3],
     "firstLine": "Hi Zhang,", "mustNotAppear": ["如有异议", "wrote:"]})

gr_plain = """Hi all,

Recap of today's call with Huadong Precision:

1. Replace the 12 faulty units free of charge (owner: Li Lei, due Friday 5pm)
2. Share the tracking number before shipment (owner: 王芳, due Thursday noon)
3. Send the revised warranty terms (owner: 张伟, due Monday)

If you have any concerns or corrections, please reply within 24 hours; otherwise this recap stands.

Best,
Li Lei"""
gr_html = '<div dir="ltr">' + ''.join(f'<div>{esc(l) if l else "<br>"}</div>' for l in gr_plain.split('\n')) + '</div>'
write('gmail', 'recap-en-workspace', [
    received('mail-sor-f41.google.com', '209.85.220.41', 'Wed, 18 Nov 2026 10:00:09 +0800 (CST)'), AR,
    'MIME-Version: 1.0', 'From: Li Lei <li.lei@corp.example>', 'Date: Wed, 18 Nov 2026 10:00:00 +0800',
    'Message-ID: <CAHk9Lq3m=w8Vt2Rx5Yz0aB1cD2eF3gH4iJ5kL6mN7oP@mail.gmail.com>', 'Subject: Recap: call with Huadong Precision',
    'To: Wang Lei <wang.lei@huadong-precision.example>', 'Cc: track@corp.example',
    'Content-Type: multipart/alternative; boundary="0000000000001f2e3d4c5b6a7988"'],
    alternative('0000000000001f2e3d4c5b6a7988', part('text/plain', gr_plain, 'UTF-8', 'quoted-printable'), part('text/html', gr_html, 'UTF-8', 'quoted-printable')),
    {"kind": "recap", "senderTrusted": True, "recap": True, "objectionDeadline": "2026-11-19T10:00:00+08:00",
     "items": [{"number": 1, "owner": "Li Lei", "task": "Replace the 12 faulty units free of charge", "due": "2026-11-20T17:00:00+08:00"},
               {"number": 2, "owner": "王芳", "task": "Share the tracking number before shipment", "due": "2026-11-19T12:00:00+08:00"},
               {"number": 3, "owner": "张伟", "task": "Send the revised warranty terms", "due": "2026-11-23T23:59:59+08:00"}],
     "firstLine": "Hi all,", "mustNotAppear": []})

# ---------------------------------------------------------------- Apple Mail
ap_plain = """第1项的截止时间有误，应为11月25日，请更正。

王磊

2026年11月18日 上午10:12，张伟 <zhang.wei@corp.example> 写道：

""" + '\n'.join('> ' + l if l else '>' for l in quoted_recap_lines.split('\n'))
ap_html = ('<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">'
           '第1项的截止时间有误，应为11月25日，请更正。<div><br></div><div>王磊</div><div><br id="lineBreakAtBeginningOfSignature"><div dir="ltr"><br><blockquote type="cite">2026年11月18日 上午10:12，张伟 &lt;zhang.wei@corp.example&gt; 写道：<br><br></blockquote></div>'
           '<blockquote type="cite"><div dir="ltr">' + html_paras(quoted_recap_lines, '') + '</div></blockquote></div></body></html>')
write('applemail', 'reply-objection-zh', [
    received('smtp.huadong-precision.example', '203.0.113.25', 'Wed, 18 Nov 2026 15:10:12 +0800 (CST)'),
    'Content-Type: multipart/alternative;\r\n\tboundary="Apple-Mail=_8C3D2E1F-4A5B-6C7D-8E9F-0A1B2C3D4E5F"',
    'Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))', 'Subject: Re: ' + ew(RECAP_SUBJ, 'utf-8', 'Q'),
    'From: ' + ew('王磊', 'utf-8', 'Q') + ' <wang.lei@huadong-precision.example>',
    'In-Reply-To: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>', 'Date: Wed, 18 Nov 2026 15:10:05 +0800',
    'Cc: track@corp.example', 'Message-Id: <9B8A7C6D-5E4F-4321-ABCD-0123456789AB@huadong-precision.example>',
    'References: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>', 'To: ' + ew('张伟', 'utf-8', 'Q') + ' <zhang.wei@corp.example>',
    'X-Mailer: Apple Mail (2.3774.600.62)'],
    '\r\n' + alternative('Apple-Mail=_8C3D2E1F-4A5B-6C7D-8E9F-0A1B2C3D4E5F', part('text/plain', ap_plain, 'utf-8', 'quoted-printable'), part('text/html', ap_html, 'utf-8', 'quoted-printable')).replace('charset="utf-8"', 'charset=utf-8'),
    {"kind": "correspondence", "senderTrusted": False, "recap": False, "objection": True, "objectedItems": [1],
     "firstLine": "第1项的截止时间有误，应为11月25日，请更正。", "mustNotAppear": ["如有异议", "写道"]})

ap2_plain = """No objections from our side. Thanks for the quick summary!

Wang Lei

> On Nov 18, 2026, at 10:12, Zhang Wei <zhang.wei@corp.example> wrote:
> 
> Dear Wang Lei,
> 
> We disagree with your earlier proposal on item 2, as discussed. If you disagree with anything below, please reply by end of today.
> 
> 1. Replace the 12 units (owner: 王芳, due Friday)
"""
write('applemail', 'reply-no-objections-en', [
    received('smtp.huadong-precision.example', '203.0.113.25', 'Wed, 18 Nov 2026 15:40:12 +0800 (CST)'),
    'Content-Type: text/plain;\r\n\tcharset=us-ascii', 'Content-Transfer-Encoding: 8bit',
    'Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))', 'Subject: Re: Recap of our call', 'From: Wang Lei <wang.lei@huadong-precision.example>',
    'In-Reply-To: <recap-en-1@corp.example>', 'Date: Wed, 18 Nov 2026 15:40:05 +0800', 'Cc: track@corp.example',
    'Message-Id: <1C2D3E4F-5A6B-4C7D-8E9F-ABCDEF012345@huadong-precision.example>', 'To: Zhang Wei <zhang.wei@corp.example>',
    'X-Mailer: Apple Mail (2.3774.600.62)'],
    ap2_plain.replace('\n', '\r\n').encode('utf-8'),
    {"kind": "correspondence", "senderTrusted": False, "recap": False, "objection": False, "objectedItems": [],
     "firstLine": "No objections from our side. Thanks for the quick summary!", "mustNotAppear": ["We disagree"]})

# ---------------------------------------------------------------- WeCom (企业微信邮箱, exmail)
wc_rows = [('序号', '待办事项', '负责人', '完成时间', '状态'), ('1', '提交样机检测报告', '质量部/陈静', '11月24日', '跟进中'),
           ('2', '安排工程师上门复检', '售后部/王芳', '下周三下午3点', '跟进中'), ('3', '更新质保条款', '销售部/张伟', '', '未开始')]
wc_html = ('<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><div>王总您好：</div><div>今天沟通的待办事项如下：</div>'
           '<table border="1" cellspacing="0" cellpadding="4" style="border-collapse:collapse"><tbody>'
           + ''.join('<tr>' + ''.join((f'<th>{c}</th>' if r is wc_rows[0] else f'<td><div>{c}</div></td>') for c in r) + '</tr>' for r in wc_rows)
           + '</tbody></table><div><br></div><div>若有不同意见请在2个工作日内反馈。</div><div><br></div><div>陈静</div>'
           '<div><includetail><!--<![endif]--></includetail></div>')
write('wecom', 'recap-html-table', [
    received('smtpbg.exmail.qq.com', '43.155.80.173', 'Wed, 18 Nov 2026 17:02:31 +0800 (CST)'), AR,
    'X-QQ-mid: bizesmtp17t1763456551tq5cd3gk', 'From: "' + ew('陈静') + '" <chen.jing@corp.example>',
    'To: "' + ew('王磊') + '" <wang.lei@huadong-precision.example>', 'Cc: "track" <track@corp.example>',
    'Subject: ' + ew('待办事项：第二批货物复检'), 'Mime-Version: 1.0', 'Content-Type: text/html;\r\n\tcharset="utf-8"',
    'Content-Transfer-Encoding: base64', 'Date: Wed, 18 Nov 2026 17:02:31 +0800', 'X-Priority: 3',
    'Message-ID: <tencent_5A4B3C2D1E0F9A8B7C6D5E4F@corp.example>', 'X-QQ-MIME: TCMime 1.0 by Tencent', 'X-Mailer: QQMail 2.x',
    'X-QQ-Mailer: QQMail 2.x', 'X-QQ-SENDSIZE: 520'],
    b64(wc_html.encode('utf-8')),
    {"kind": "recap", "senderTrusted": True, "recap": True, "objectionDeadline": "2026-11-20T23:59:59+08:00",
     "items": [{"number": 1, "owner": "陈静", "department": "质量部", "task": "提交样机检测报告", "due": "2026-11-24T23:59:59+08:00"},
               {"number": 2, "owner": "王芳", "department": "售后部", "task": "安排工程师上门复检", "due": "2026-11-25T15:00:00+08:00"},
               {"number": 3, "owner": "张伟", "department": "销售部", "task": "更新质保条款", "due": None}],
     "firstLine": "王总您好：", "mustNotAppear": []})

wc2_plain = """陈经理：
不认可第2条，复检需要我方质检人员在场，时间请另行商定。

王磊
------------------ Original ------------------
From:  "陈静"<chen.jing@corp.example>;
Date:  Wed, Nov 18, 2026 05:02 PM
To:  "王磊"<wang.lei@huadong-precision.example>;
Cc:  "track"<track@corp.example>;
Subject:  待办事项：第二批货物复检

王总您好：
今天沟通的待办事项如下：
序号\t待办事项\t负责人\t完成时间\t状态
1\t提交样机检测报告\t质量部/陈静\t11月24日\t跟进中
若有不同意见请在2个工作日内反馈。"""
write('wecom', 'reply-objection-exmail', [
    received('smtpbg.exmail.qq.com', '43.155.80.173', 'Thu, 19 Nov 2026 09:15:02 +0800 (CST)'),
    'X-QQ-mid: bizesmtp23t1763514902t1k2j3h4', 'From: "' + ew('王磊') + '" <wang.lei@huadong-precision.example>',
    'To: "' + ew('陈静') + '" <chen.jing@corp.example>', 'Cc: "track" <track@corp.example>',
    'Subject: ' + ew('回复：待办事项：第二批货物复检'), 'Mime-Version: 1.0', 'Content-Type: text/plain;\r\n\tcharset="utf-8"',
    'Content-Transfer-Encoding: base64', 'Date: Thu, 19 Nov 2026 09:15:02 +0800', 'X-Priority: 3',
    'Message-ID: <tencent_1F2E3D4C5B6A79880A9B8C7D@huadong-precision.example>', 'X-QQ-MIME: TCMime 1.0 by Tencent',
    'X-Mailer: QQMail 2.x', 'In-Reply-To: <tencent_5A4B3C2D1E0F9A8B7C6D5E4F@corp.example>',
    'References: <tencent_5A4B3C2D1E0F9A8B7C6D5E4F@corp.example>'],
    b64(wc2_plain.replace('\n', '\r\n').encode('utf-8')),
    {"kind": "correspondence", "senderTrusted": False, "recap": False, "objection": True, "objectedItems": [2],
     "firstLine": "陈经理：", "mustNotAppear": ["若有不同意见", "Original"]})

# ---------------------------------------------------------------- DingTalk (钉钉邮箱 / Alimail)
dt_plain = """张经理：
已收到，纪要无异议。

王磊
------------------------------------------------------------------
发件人：张伟 <zhang.wei@corp.example>
发送时间：2026年11月18日(星期三) 10:12
收件人：王磊 <wang.lei@huadong-precision.example>
抄　送：track <track@corp.example>
主　题：""" + RECAP_SUBJ + """

赵强：我们对第1项有异议，需要先确认库存。

""" + quoted_recap_lines
dt_html = ('<div class="__aliyun_email_body_block"><div style="line-height:1.7;font-size:14px;font-family:Tahoma, Arial, STHeiti, SimSun;color:#000000;">'
           '<div style="clear:both;">张经理：</div><div style="clear:both;">已收到，纪要无异议。</div><div style="clear:both;"><br></div><div style="clear:both;">王磊</div>'
           '<blockquote style="margin-right:0;margin-top:0;margin-bottom:0;"><div style="clear:both;">------------------------------------------------------------------</div>'
           '<div style="clear:both;">发件人：张伟 &lt;zhang.wei@corp.example&gt;</div><div style="clear:both;">发送时间：2026年11月18日(星期三) 10:12</div>'
           '<div style="clear:both;">收件人：王磊 &lt;wang.lei@huadong-precision.example&gt;</div><div style="clear:both;">主　题：' + RECAP_SUBJ + '</div>'
           '<div style="clear:both;"><br></div><div>赵强：我们对第1项有异议，需要先确认库存。</div>' + html_paras(quoted_recap_lines, '') + '</blockquote></div></div>')
write('dingtalk', 'reply-no-objection-alimail', [
    received('out30-131.freemail.mail.aliyun.com', '115.124.30.131', 'Wed, 18 Nov 2026 18:20:45 +0800 (CST)'),
    'X-Alimail-AntiSpam: AC=PASS;BC=-1|-1;BR=01201311R101e4;CH=green;DM=||false|;DS=||;FP=0|-1|-1|-1|0|-1|-1|-1;HT=maildocker-contentspam033037120081;MF=wang.lei@huadong-precision.example;NM=1;PH=DS;RN=3;SR=0;TI=SMTPD_---0Wj8Kq3a_1763461245;',
    'Date: Wed, 18 Nov 2026 18:20:45 +0800', 'From: "' + ew('王磊', 'UTF-8') + '" <wang.lei@huadong-precision.example>',
    'To: "' + ew('张伟', 'UTF-8') + '" <zhang.wei@corp.example>', 'Cc: "track" <track@corp.example>',
    'Reply-To: "' + ew('王磊', 'UTF-8') + '" <wang.lei@huadong-precision.example>',
    'Message-ID: <2c1b0a9f-8e7d-4c6b-5a49-38271605f4e3.wang.lei@huadong-precision.example>',
    'Subject: =?UTF-8?B?' + base64.b64encode(('回复：' + RECAP_SUBJ).encode()).decode() + '?=',
    'X-Mailer: [Alimail-Mailagent revision 1][DingTalk]', 'MIME-Version: 1.0', 'x-aliyun-mail-creator: W4_5412345_DingTalk',
    'In-Reply-To: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>', 'References: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>',
    'Content-Type: multipart/alternative;\r\n  boundary="----=ALIBOUNDARY_74651_7f2a3c4d5e6f_6734f1bd_3a4b5c"'],
    alternative('----=ALIBOUNDARY_74651_7f2a3c4d5e6f_6734f1bd_3a4b5c', part('text/plain', dt_plain, 'UTF-8', 'base64'), part('text/html', dt_html, 'UTF-8', 'base64')),
    {"kind": "correspondence", "senderTrusted": False, "recap": False, "objection": False, "objectedItems": [],
     "firstLine": "张经理：", "mustNotAppear": ["对第1项有异议", "如有异议"]})

dt2_plain = """各位：
今日协调会纪要：
①更换第二批不良设备（负责人：售后部/王芳，截止：11月20日下午5点）
②提供物流单号（负责人：物流部 赵强；截止时间：明天上午10点）
③客户回访（负责人：张伟）
下次沟通时间：11月23日上午10点
如有异议请于明天12:00前回复。

张伟"""
write('dingtalk', 'recap-circled-dept-slash', [
    received('out30-45.freemail.mail.aliyun.com', '115.124.30.45', 'Wed, 18 Nov 2026 16:40:03 +0800 (CST)'), AR,
    'Date: Wed, 18 Nov 2026 16:40:00 +0800', 'From: "' + ew('张伟', 'UTF-8') + '" <zhang.wei@corp.example>',
    'To: "' + ew('王磊', 'UTF-8') + '" <wang.lei@huadong-precision.example>', 'Cc: "track" <track@corp.example>',
    'Message-ID: <8a7b6c5d-4e3f-2a1b-0c9d-8e7f6a5b4c3d.zhang.wei@corp.example>', 'Subject: ' + ew('协调会纪要', 'UTF-8'),
    'X-Mailer: [Alimail-Mailagent revision 1][DingTalk]', 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset="UTF-8"', 'Content-Transfer-Encoding: quoted-printable'],
    qp(dt2_plain.replace('\n', '\r\n').encode('utf-8')).replace('\r\r\n', '\r\n'),
    {"kind": "recap", "senderTrusted": True, "recap": True, "objectionDeadline": "2026-11-19T12:00:00+08:00",
     "nextContact": "2026-11-23T10:00:00+08:00",
     "items": [{"number": 1, "owner": "王芳", "department": "售后部", "task": "更换第二批不良设备", "due": "2026-11-20T17:00:00+08:00"},
               {"number": 2, "owner": "赵强", "department": "物流部", "task": "提供物流单号", "due": "2026-11-19T10:00:00+08:00"},
               {"number": 3, "owner": "张伟", "task": "客户回访", "due": None}],
     "firstLine": "各位：", "mustNotAppear": []})
print('ok')

# ---------------------------------------------------------------- more shapes
gz_plain = """张经理好，

第2条不认可：物流单号必须在发货前一天提供。

谢谢
王磊

张伟 <zhang.wei@corp.example> 于2026年11月18日周三 10:12写道：

""" + '\n'.join('> ' + l if l else '>' for l in quoted_recap_lines.split('\n'))
gz_html = ('<div dir="ltr"><div>张经理好，</div><div><br></div><div>第2条不认可：物流单号必须在发货前一天提供。</div><div><br></div><div>谢谢</div><div>王磊</div></div><br>'
           '<div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">张伟 &lt;<a href="mailto:zhang.wei@corp.example">zhang.wei@corp.example</a>&gt; 于2026年11月18日周三 10:12写道：<br></div>'
           '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">' + html_paras(quoted_recap_lines, '') + '</blockquote></div>')
write('gmail', 'reply-objection-zh-attribution', [
    received('mail-pj1-f44.google.com', '209.85.216.44', 'Wed, 18 Nov 2026 13:02:10 +0800 (CST)'),
    'MIME-Version: 1.0', 'References: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>', 'In-Reply-To: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>',
    'From: ' + ew('王磊', 'UTF-8') + ' <wanglei.hd@gmail.com>', 'Date: Wed, 18 Nov 2026 13:01:58 +0800',
    'Message-ID: <CAFq2Wc1n7=Ux4Jr0aP5S_8kT9mQ2vR3yZ6bN1hL@mail.gmail.com>', 'Subject: Re: ' + ew(RECAP_SUBJ, 'UTF-8'),
    'To: ' + ew('张伟', 'UTF-8') + ' <zhang.wei@corp.example>', 'Cc: track@corp.example',
    'Content-Type: multipart/alternative; boundary="00000000000077a1b2c3d4e5f601"'],
    alternative('00000000000077a1b2c3d4e5f601', part('text/plain', gz_plain, 'UTF-8', 'base64'), part('text/html', gz_html, 'UTF-8', 'quoted-printable')),
    {"kind": "correspondence", "senderTrusted": False, "recap": False, "objection": True, "objectedItems": [2],
     "firstLine": "张经理好，", "mustNotAppear": ["如有异议", "写道"]})

oe_plain = """Dear Mr. Wang,

Thank you for your time today. As agreed on the call:

1.      Ship the replacement units - owner: Sales Team Li Lei - due Friday noon
2.      Send the inspection report (owner: 陈静, deadline: November 24)
3.      Arrange an on-site visit (owner: 售后部 王芳)

If you disagree with any of the above, please let us know within 2 working days.

Kind regards,
Li Lei"""
oe_html = ('<html><head><meta http-equiv=Content-Type content="text/html; charset=us-ascii"></head><body lang=EN-US><div class=WordSection1>'
           + html_paras('Dear Mr. Wang,\n\nThank you for your time today. As agreed on the call:\n')
           + ''.join(f"<p class=MsoListParagraph style='margin-left:18.0pt;text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span>{n}.<span style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span><![endif]>{esc(t)}<o:p></o:p></p>\r\n"
                     for n, t in [(1, 'Ship the replacement units - owner: Sales Team Li Lei - due Friday noon'),
                                  (2, 'Send the inspection report (owner: 陈静, deadline: November 24)'),
                                  (3, 'Arrange an on-site visit (owner: 售后部 王芳)')])
           + html_paras('\nIf you disagree with any of the above, please let us know within 2 working days.\n\nKind regards,\nLi Lei') + '</div></body></html>')
write('outlook', 'recap-en-list-working-days', [
    received('mail-pc2.corp.example', '10.1.2.9', 'Wed, 18 Nov 2026 16:30:05 +0800 (CST)'), AR,
    'From: Li Lei <li.lei@corp.example>', 'To: Wang Lei <wang.lei@huadong-precision.example>', 'CC: <track@corp.example>',
    'Subject: Call summary: second batch quality issue', 'Date: Wed, 18 Nov 2026 16:30:00 +0800',
    'Message-ID: <002301dd5a6f$2b9c4e10$82d4ea30$@corp.example>', 'MIME-Version: 1.0',
    'Content-Type: multipart/alternative;\r\n\tboundary="----=_NextPart_000_0024_01DD5AB2.39C00E40"', 'X-Mailer: Microsoft Outlook 16.0', 'Content-Language: en-us'],
    'This is a multipart message in MIME format.\r\n\r\n' + alternative('----=_NextPart_000_0024_01DD5AB2.39C00E40',
        part('text/plain', oe_plain, 'utf-8', 'quoted-printable'), part('text/html', oe_html.replace('us-ascii', 'utf-8'), 'utf-8', 'quoted-printable')),
    {"kind": "recap", "senderTrusted": True, "recap": True, "objectionDeadline": "2026-11-20T23:59:59+08:00",
     "items": [{"number": 1, "owner": "Li Lei", "department": "Sales Team", "task": "Ship the replacement units", "due": "2026-11-20T12:00:00+08:00"},
               {"number": 2, "owner": "陈静", "task": "Send the inspection report", "due": "2026-11-24T23:59:59+08:00"},
               {"number": 3, "owner": "王芳", "department": "售后部", "task": "Arrange an on-site visit", "due": None}],
     "firstLine": "Dear Mr. Wang,", "mustNotAppear": []})

ar_plain = """王总：

今天会议纪要如下：
（1）安排工程师上门复检，负责人：售后部 王芳，截止时间：下周一上午10点
（2）提供新版质保条款，负责人：销售部/张伟，截止时间：11月25日前

如对以上内容有异议，请在24小时内回复，逾期视为确认。

张伟
发自我的iPhone"""
write('applemail', 'recap-iphone-qp', [
    received('mail-pc.corp.example', '10.1.2.77', 'Wed, 18 Nov 2026 20:15:40 +0800 (CST)'), AR,
    'Content-Type: text/plain;\r\n\tcharset=utf-8', 'Content-Transfer-Encoding: quoted-printable',
    'From: ' + ew('张伟', 'utf-8', 'Q') + ' <zhang.wei@corp.example>', 'Mime-Version: 1.0 (1.0)',
    'Date: Wed, 18 Nov 2026 20:15:32 +0800', 'Subject: ' + ew('会议纪要：复检安排', 'utf-8', 'Q'),
    'Message-Id: <A1B2C3D4-E5F6-4789-ABCD-EF0123456789@corp.example>', 'To: ' + ew('王磊', 'utf-8', 'Q') + ' <wang.lei@huadong-precision.example>',
    'Cc: track@corp.example', 'X-Mailer: iPhone Mail (22B91)'],
    qp(ar_plain.replace('\n', '\r\n').encode('utf-8')),
    {"kind": "recap", "senderTrusted": True, "recap": True, "objectionDeadline": "2026-11-19T20:15:32+08:00",
     "items": [{"number": 1, "owner": "王芳", "department": "售后部", "task": "安排工程师上门复检", "due": "2026-11-23T10:00:00+08:00"},
               {"number": 2, "owner": "张伟", "department": "销售部", "task": "提供新版质保条款", "due": "2026-11-25T23:59:59+08:00"}],
     "firstLine": "王总：", "mustNotAppear": []})
print('more ok')

# Outlook, Traditional Chinese (a Taiwan partner): Big5 body and subject, zh-TW reply header. Encoded with
# Python's big5hkscs codec: it puts the circled digits where Big5-ETEN does (① = 0xC6A1), which Windows
# writes; Python's plain big5 codec puts ② at 0xC7EA, which no Big5 reader takes for ②.
tw_plain = """張經理您好：

第②點有異議，交期無法接受，請改為下週三前。其餘無異議。

陳志明
台灣精密股份有限公司

寄件者: 張偉 <zhang.wei@corp.example>
寄件日期: 2026年11月18日 上午 10:12
收件者: 陳志明 <chen.zm@tw-precision.example>
副本: track@corp.example
主旨: 會議紀要：關於第二批貨物品質問題的電話溝通

各位好，
如有異議請於今日內回覆，逾期視為確認。
1、更換同型號設備12台（負責人：王芳）
2、物流單號於出貨當天提供（負責人：趙強）"""
tw_html = ('<html><head><meta http-equiv=Content-Type content="text/html; charset=big5"></head><body lang=ZH-TW><div class=WordSection1>'
           + html_paras('張經理您好：\n\n第②點有異議，交期無法接受，請改為下週三前。其餘無異議。\n\n陳志明\n台灣精密股份有限公司')
           + "<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'><p class=MsoNormal><b>寄件者:</b> 張偉 &lt;zhang.wei@corp.example&gt; <br><b>寄件日期:</b> 2026年11月18日 上午 10:12<br><b>收件者:</b> 陳志明 &lt;chen.zm@tw-precision.example&gt;<br><b>主旨:</b> 會議紀要：關於第二批貨物品質問題的電話溝通</p></div>"
           + html_paras('\n各位好，\n如有異議請於今日內回覆，逾期視為確認。\n1、更換同型號設備12台（負責人：王芳）\n2、物流單號於出貨當天提供（負責人：趙強）') + '</div></body></html>')
write('outlook', 'reply-objection-big5-zh-tw', [
    received('mail.tw-precision.example', '198.51.100.7', 'Wed, 18 Nov 2026 14:40:12 +0800 (CST)'),
    'From: ' + ew('陳志明', 'big5') + ' <chen.zm@tw-precision.example>', 'To: ' + ew('張偉', 'big5') + ' <zhang.wei@corp.example>',
    'CC: <track@corp.example>', 'Subject: ' + ew('回覆: 會議紀要：關於第二批貨物品質問題的電話溝通', 'big5'),
    'Date: Wed, 18 Nov 2026 14:40:05 +0800', 'Message-ID: <003a01dd5a60$7c1d2e30$74573a90$@tw-precision.example>',
    'In-Reply-To: <000c01dd5a3b$8f2e1c40$ad8a54c0$@corp.example>', 'MIME-Version: 1.0',
    'Content-Type: multipart/alternative;\r\n\tboundary="----=_NextPart_000_003B_01DD5AA3.8A4F6E50"', 'X-Mailer: Microsoft Outlook 16.0', 'Content-Language: zh-tw'],
    'This is a multipart message in MIME format.\r\n\r\n' + alternative('----=_NextPart_000_003B_01DD5AA3.8A4F6E50',
        part('text/plain', tw_plain, 'big5', 'base64', codec='big5hkscs'), part('text/html', tw_html, 'big5', 'base64', codec='big5hkscs')),
    {"kind": "correspondence", "senderTrusted": False, "recap": False, "objection": True, "objectedItems": [2],
     "subject": "回覆: 會議紀要：關於第二批貨物品質問題的電話溝通", "fromName": "陳志明",
     "firstLine": "張經理您好：", "mustNotAppear": ["如有異議", "更換同型號"]})
print('big5 ok')
