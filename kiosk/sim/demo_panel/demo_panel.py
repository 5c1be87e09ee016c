#!/usr/bin/env python3
"""demo-panel: the demo's hands. A small web page beside the kiosk that does what a visitor's hands
would do at a real kiosk: insert or pull the emulated health card, empty or refill the receipt
printer's paper, open its cover, take a newly issued card from the dispenser's gate; and shows
what came out of the printers (receipts and A4 reports).

    demo_panel.py --port 8081 --kiosk-url http://127.0.0.1:8080/ --card-control 35990 \
        --escpos-control 9101 --receipts DIR --reports DIR [--dispenser PORT]

Not part of the kiosk: kioskd's UI forbids framing and knows nothing of this page. It talks only
to the simulators' control ports (hcemu: insert/remove/status; escpos-sim: paper/cover/status), on
127.0.0.1, and binds 127.0.0.1 itself. Standard library only.

    GET  /                 the panel (refreshes its state every second)
    GET  /api/state        {"card": "present"|"removed"|"unreachable", "printer": {...},
                            "receipts": [{"name", "text"}...newest first, 5], "reports": [names]}
    POST /api/card         {"action": "insert"|"remove"}
    POST /api/printer      {"command": one of PRINTER_COMMANDS}
    POST /api/dispenser    {"command": "take"}: take the card waiting at the dispenser's gate
    GET  /reports/<name>   a printed A4 report (PDF)
"""
import argparse
import http.server
import json
import pathlib
import re
import socket
import sys

PRINTER_COMMANDS = ("paper ok", "paper near-end", "paper out", "cover open", "cover closed")
SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
MAX_BODY = 4096

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>演示控制台 demo panel</title>
<style>
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:24px;background:#f4f6f8;color:#1a1a1a}
h1{font-size:22px}section{background:#fff;border:1px solid #c8ced6;border-radius:8px;padding:16px;margin:12px 0;max-width:760px}
button{font-size:18px;padding:10px 18px;margin:4px;border-radius:6px;border:1px solid #0b4f8a;background:#0b5cad;color:#fff;cursor:pointer}
button.alt{background:#fff;color:#0b4f8a}pre{background:#111;color:#eee;padding:10px;white-space:pre-wrap;max-height:260px;overflow:auto}
.state{font-weight:bold}a{color:#0b4f8a}
</style></head><body>
<h1>演示控制台 · demo panel</h1>
<p>自助机界面 / the kiosk: <a id="kiosk" target="_blank"></a> — 在另一个窗口打开，本页代替您的手操作卡片和打印机。</p>
<section><h2>健康卡 · the card</h2>
<p>读卡器 Virtual PCD 00 00: <span class="state" id="card">…</span></p>
<button onclick="card('insert')">插入卡片 insert</button><button class="alt" onclick="card('remove')">拔出卡片 pull</button></section>
<section><h2>小票打印机 · receipt printer</h2>
<p>状态: <span class="state" id="printer">…</span></p>
<button onclick="printer('paper out')">缺纸 paper out</button><button onclick="printer('paper near-end')">纸将尽 near end</button>
<button class="alt" onclick="printer('paper ok')">装纸 paper ok</button><button onclick="printer('cover open')">开盖 cover open</button>
<button class="alt" onclick="printer('cover closed')">合盖 cover closed</button>
<h3>最近的小票 · latest receipts</h3><div id="receipts"></div></section>
<section id="dispenser-box" hidden><h2>发卡机 · card dispenser</h2>
<p>状态: <span class="state" id="dispenser">…</span></p>
<button onclick="post('/api/dispenser',{command:'take'})">取走新卡 take the issued card</button></section>
<section><h2>A4 报告 · printed reports</h2><ul id="reports"></ul></section>
<script>
async function post(path, body){const r=await fetch(path,{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify(body)});
 const j=await r.json(); if(!r.ok) alert(j.error||r.status); refresh();}
function card(a){post('/api/card',{action:a});}
function printer(c){post('/api/printer',{command:c});}
function text(el,t){document.getElementById(el).textContent=t;}
async function refresh(){try{const s=await (await fetch('/api/state')).json();
 text('card',{present:'已插入 present',removed:'已拔出 removed',unreachable:'模拟卡未运行 emulator not running'}[s.card]||s.card);
 const p=s.printer; text('printer', p.error?p.error:(p.paper_out?'缺纸 ':p.paper_near_end?'纸将尽 ':'纸正常 ')+(p.cover_open?'开盖':'合盖'));
 if(s.dispenser){document.getElementById('dispenser-box').hidden=false;text('dispenser',s.dispenser);}
 const rc=document.getElementById('receipts'); rc.replaceChildren(...s.receipts.map(r=>{const d=document.createElement('div');
  const h=document.createElement('b');h.textContent=r.name;const pre=document.createElement('pre');pre.textContent=r.text;d.append(h,pre);return d;}));
 const rp=document.getElementById('reports'); rp.replaceChildren(...s.reports.map(n=>{const li=document.createElement('li');
  const a=document.createElement('a');a.href='/reports/'+encodeURIComponent(n);a.textContent=n;li.append(a);return li;}));
}catch(e){text('card','demo-panel: '+e);}}
const k=document.getElementById('kiosk');k.href=k.textContent=KIOSK_URL;refresh();setInterval(refresh,1000);
</script></body></html>"""


def control(port, line, timeout=3.0):
    """One command line to a simulator's control port on 127.0.0.1; returns its reply line."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(line.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n") and len(data) < 65536:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.decode("utf-8", "replace").strip()


def dispenser_command(port, payload, timeout=3.0):
    """One command to dispenser-sim in its frame (STX LEN PAYLOAD ETX BCC); the reply payload."""
    body = payload.encode("ascii")
    bcc = len(body)
    for b in body:
        bcc ^= b
    frame = bytes([0x02, len(body)]) + body + bytes([0x03, bcc])
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(frame)
        data = b""
        while len(data) < 2 or len(data) < data[1] + 4:
            chunk = s.recv(512)
            if not chunk:
                raise OSError("dispenser-sim closed the connection")
            data += chunk
            if len(data) > 512:
                raise OSError("dispenser-sim reply too long")
    start = data.find(b"\x02")
    if start < 0 or len(data) < start + 2 or len(data) < start + data[start + 1] + 4:
        raise OSError("dispenser-sim: no frame in the reply")
    return data[start + 2:start + 2 + data[start + 1]].decode("ascii", "replace")


def describe_dispenser(reply):
    """'OK S=19 L=3 B=0 F=0 P=N J=0' as words."""
    f = dict(kv.split("=", 1) for kv in reply.split()[1:] if "=" in kv)
    where = {"N": "无卡在通道", "I": "卡在读卡位置", "G": "卡在出卡口，请取走"}.get(f.get("P"), "?")
    return "余卡 %s 张 · 废卡箱 %s 张 · %s%s" % (f.get("S", "?"), f.get("B", "?"), where,
                                         " · 卡堵塞" if f.get("J") == "1" else "")


class Panel(http.server.BaseHTTPRequestHandler):
    args = None  # set in main

    def log_message(self, fmt, *a):  # quiet: the demo's log folder gets stderr
        sys.stderr.write("demo-panel: " + (fmt % a) + "\n")

    def reply(self, code, body, ctype="application/json; charset=utf-8"):
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def state(self):
        a = self.args
        try:
            st = control(a.card_control, "status")
            card = "present" if st.startswith("ok present") else "removed"
        except OSError:
            card = "unreachable"
        try:
            st = control(a.escpos_control, "status")
            if not st.startswith("OK "):
                raise ValueError("unexpected status reply %r" % st[:80])
            printer = json.loads(st[3:])
        except (OSError, ValueError) as e:
            printer = {"error": "escpos-sim not answering: %s" % e}
        receipts = []
        rdir = pathlib.Path(a.receipts)
        if rdir.is_dir():
            for p in sorted(rdir.glob("job-*.txt"), reverse=True)[:5]:
                receipts.append({"name": p.name, "text": p.read_text("utf-8", "replace")[:4000]})
        reports = []
        pdir = pathlib.Path(a.reports)
        if pdir.is_dir():
            reports = sorted((p.name for p in pdir.rglob("*") if p.is_file()), reverse=True)[:20]
        state = {"card": card, "printer": printer, "receipts": receipts, "reports": reports}
        if a.dispenser:
            try:
                state["dispenser"] = describe_dispenser(dispenser_command(a.dispenser, "ST"))
            except (OSError, ValueError) as e:
                state["dispenser"] = "dispenser-sim not answering: %s" % e
        return state

    def do_GET(self):
        if self.path in ("/", "/index.html"):
            page = PAGE.replace("KIOSK_URL", json.dumps(self.args.kiosk_url))
            return self.reply(200, page.encode(), "text/html; charset=utf-8")
        if self.path == "/api/state":
            return self.reply(200, self.state())
        if self.path.startswith("/reports/"):
            name = self.path[len("/reports/"):]
            matches = [p for p in pathlib.Path(self.args.reports).rglob("*")
                       if p.is_file() and p.name == name] if SAFE_NAME.match(name) else []
            if not matches:
                return self.reply(404, {"error": "no report named %r" % name})
            return self.reply(200, matches[0].read_bytes(), "application/pdf")
        return self.reply(404, {"error": "no such page: " + self.path})

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n <= 0 or n > MAX_BODY:
            raise ValueError("a JSON body of 1 to %d bytes is expected" % MAX_BODY)
        obj = json.loads(self.rfile.read(n))
        if not isinstance(obj, dict):
            raise ValueError("the body must be a JSON object")
        return obj

    def do_POST(self):
        try:
            req = self.body()
            if self.path == "/api/card":
                action = req.get("action")
                if action not in ("insert", "remove"):
                    raise ValueError('"action" must be "insert" or "remove"')
                return self.reply(200, {"reply": control(self.args.card_control, action)})
            if self.path == "/api/printer":
                cmd = req.get("command")
                if cmd not in PRINTER_COMMANDS:
                    raise ValueError('"command" must be one of ' + ", ".join(PRINTER_COMMANDS))
                return self.reply(200, {"reply": control(self.args.escpos_control, cmd)})
            if self.path == "/api/dispenser" and self.args.dispenser:
                if req.get("command") != "take":
                    raise ValueError('"command" must be "take"')
                reply = dispenser_command(self.args.dispenser, "XT")
                if not reply.startswith("OK"):
                    raise ValueError("no card at the gate (%s)" % reply)
                return self.reply(200, {"reply": "taken"})
            return self.reply(404, {"error": "no such action: " + self.path})
        except ValueError as e:
            return self.reply(400, {"error": str(e)})
        except OSError as e:
            return self.reply(502, {"error": "the simulator did not answer: %s" % e})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8081)
    ap.add_argument("--port-file", help="write the bound port here once listening")
    ap.add_argument("--kiosk-url", required=True)
    ap.add_argument("--card-control", type=int, required=True, help="hcemu's control port")
    ap.add_argument("--escpos-control", type=int, required=True, help="escpos-sim's control port")
    ap.add_argument("--receipts", required=True)
    ap.add_argument("--reports", required=True)
    ap.add_argument("--dispenser", type=int, help="dispenser-sim's port (card issuance)")
    Panel.args = ap.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", Panel.args.port), Panel)
    if Panel.args.port_file:
        tmp = Panel.args.port_file + ".tmp"
        pathlib.Path(tmp).write_text(str(server.server_address[1]))
        pathlib.Path(tmp).rename(Panel.args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
