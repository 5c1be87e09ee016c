#!/usr/bin/env python3
"""A resident health card written from the public layout alone, for pcscd's vpcd reader.

This program shares no code with the project's emulator (hcemu) or card library: it was written
from shared/docs/healthcard-reference.md (§2 file tree and record coding, §3 commands, §5.2
external authentication) and docs/healthcard.md's key derivation (the reference leaves it to the
SAM). It plays a card of another COS vendor that does *only* what the public vendor terminal
code does:

  * SELECT by FID only (00 A4 00 00 02 fid): DDF1 from the MF, EF05/EF06 from DDF1;
  * READ RECORD from the current EF only: no short file identifiers (an SFI in P2 is answered
    6986, "no current EF", as the issue's card did), one record per command (no P2=05);
  * DDF1/EF05 read by record identifier (P2=00, P1 = the tag), the other files by record number
    (P2=04), as the reference reads them; the other modes are refused 6A86;
  * short APDUs only (extended ones: 6700); a Le shorter than the record: 6Cxx;
  * GET CHALLENGE and EXTERNAL AUTHENTICATE (00 82 00 04 11 crypt8 || plain8 || 01) with the DDF1
    read key, which EF06 needs; the card key is the test master of the key file diversified by
    city8 and cardNo8 (two levels), the session key by the last challenge;
  * names in GBK, with characters that GB 2312 lacks.

    public_layout_card.py --keys resident-keys.json [--port 35963] [--host 127.0.0.1]

It connects to vpcd (the card side of the vpcd protocol: 2-byte big-endian length, then the
payload; a 1-byte payload is a control byte: 00 power off, 01 power on, 02 reset, 04 get ATR),
answers until vpcd closes the link, and reconnects. SIGTERM ends it. SM4 comes from the
`openssl enc -sm4-ecb` command (OpenSSL 3).
"""

import argparse
import json
import os
import secrets
import signal
import socket
import struct
import subprocess
import sys
import time

# ---------------------------------------------------------------- the card's data (fictional)

DIVERSIFIER = bytes.fromhex("4101020000001307")  # the last 8 historical bytes = cardNo8
HISTORICAL = b"JKX1" + DIVERSIFIER  # proprietary category (no COMPACT-TLV: no extended length)
CITY_CODE = "410100"
ID_NUMBER = "410102199003070510"


def an(text, length):
    """AN: GBK text, left-justified, padded with 00."""
    b = text.encode("gbk")
    assert len(b) <= length
    return b + bytes(length - len(b))


def cn(digits, length):
    """CN: BCD digits, left-justified, padded with F."""
    s = digits + "F" * (2 * length - len(digits))
    return bytes.fromhex(s)


def tlv(tag, value):
    return bytes([tag, len(value)]) + value


EF05 = [  # DDF1/EF05: card identification, one element per record (reference §2.2)
    tlv(0x01, an("1", 1)),
    tlv(0x02, an("V1.0", 4)),
    tlv(0x03, an("郑州市卫生健康委员会", 30)),
    tlv(0x04, cn("41010000001", 11)),
    tlv(0x05, bytes(180)),
    tlv(0x06, cn("20240105", 4)),
    tlv(0x08, an(ID_NUMBER, 18)),
    tlv(0x09, an("917", 3)),
    tlv(0x0A, an("JKX0001307", 10)),
    tlv(0x39, cn(CITY_CODE, 3)),
]
EF06 = [  # DDF1/EF06: the holder
    tlv(0x0B, an("司马堃垚", 30)),  # 堃 and 垚 are GBK, not GB 2312
    tlv(0x0C, bytes([1])),  # male
    tlv(0x0D, cn("01", 1)),  # Han
    tlv(0x0E, cn("19900307", 4)),
    tlv(0x0F, an(ID_NUMBER, 18)),
]

# ---------------------------------------------------------------- SM4 through the openssl tool


def sm4_ecb(key, data):
    out = subprocess.run(
        ["openssl", "enc", "-sm4-ecb", "-nopad", "-K", key.hex()],
        input=data, capture_output=True, check=True)
    return out.stdout


def diversify(key, factor8):
    """SM4_K(D || NOT D): the project's SM4 form of PBOC diversification."""
    return sm4_ecb(key, factor8 + bytes(b ^ 0xFF for b in factor8))


def fold(block16):
    return bytes(a ^ b for a, b in zip(block16[:8], block16[8:]))


# ---------------------------------------------------------------- the card OS

OK = b"\x90\x00"


def sw(hex4):
    return bytes.fromhex(hex4)


class Card:
    def __init__(self, read_key):
        self.read_key = read_key  # the DDF1 read key (RK, key 04) of this card
        self.tries = 15
        self.power_off()

    def power_off(self):
        self.df = "MF"
        self.ef = None
        self.challenge = None
        self.authenticated = False

    def atr(self):
        body = bytes([0x80 | len(HISTORICAL), 0x81, 0x31, 0xFE, 0x45]) + HISTORICAL
        tck = 0
        for b in body:
            tck ^= b
        return b"\x3B" + body + bytes([tck])

    def apdu(self, c):
        if len(c) < 4:
            return sw("6700")
        cla, ins, p1, p2 = c[0], c[1], c[2], c[3]
        body = c[4:]
        if len(body) >= 3 and body[0] == 0 and len(body) != 1:
            return sw("6700")  # an extended length field: this card knows short APDUs only
        lc, data, le = 0, b"", None
        if len(body) == 1:
            le = body[0] or 256
        elif len(body) > 1:
            lc = body[0]
            data = body[1:1 + lc]
            if len(body) == 1 + lc + 1:
                le = body[-1] or 256
            elif len(body) != 1 + lc:
                return sw("6700")
        if cla != 0x00:
            return sw("6E00")
        if ins == 0xA4:
            return self.select(p1, p2, data)
        if ins == 0xB2:
            return self.read_record(p1, p2, le)
        if ins == 0x84:
            return self.get_challenge(le)
        if ins == 0x82:
            return self.external_authenticate(p2, data)
        return sw("6D00")

    def select(self, p1, p2, data):
        if p1 != 0x00:
            return sw("6A86")
        if len(data) != 2:
            return sw("6A87")
        fid = data.hex().upper()
        if fid == "3F00":
            self.df, self.ef = "MF", None
        elif fid == "DDF1" and self.df in ("MF", "DDF1"):
            self.df, self.ef = "DDF1", None
        elif fid in ("EF05", "EF06") and self.df == "DDF1":
            self.ef = fid
        else:
            return sw("6A82")
        return OK

    def read_record(self, p1, p2, le):
        if p2 >> 3:
            return sw("6986")  # no SFI on this card: there is no current EF to read
        if self.ef is None:
            return sw("6986")
        mode = p2 & 0x07
        if self.ef == "EF05":
            if mode != 0x00:
                return sw("6A86")
            hits = [r for r in EF05 if r[0] == p1]
            if not hits:
                return sw("6A83")
            rec = hits[0]
        else:
            if not self.authenticated:
                return sw("6982")
            if mode != 0x04:
                return sw("6A86")
            if p1 < 1 or p1 > len(EF06):
                return sw("6A83")
            rec = EF06[p1 - 1]
        if le is None:
            return sw("6700")
        if le < len(rec):
            return bytes([0x6C, len(rec)])
        return rec + OK

    def get_challenge(self, le):
        if le != 8:
            return sw("6700")
        self.challenge = secrets.token_bytes(8)
        return self.challenge + OK

    def external_authenticate(self, p2, data):
        challenge, self.challenge = self.challenge, None
        if self.df != "DDF1" or p2 != 0x04:
            return sw("6A88")
        if self.tries == 0:
            return sw("6983")
        if challenge is None:
            return sw("6984")
        if len(data) != 17:
            return sw("6700")
        session = diversify(self.read_key, challenge)
        expected = fold(sm4_ecb(session, data[8:16] + bytes(8)))
        if expected != data[:8]:
            self.tries -= 1
            return bytes([0x63, 0xC0 | self.tries])
        self.tries = 15
        self.authenticated = True
        return OK


# ---------------------------------------------------------------- the vpcd link


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("vpcd closed the link")
        buf += chunk
    return buf


def serve(card, host, port):
    while True:
        try:
            sock = socket.create_connection((host, port))
        except OSError:
            time.sleep(0.1)
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        card.power_off()
        try:
            while True:
                (n,) = struct.unpack(">H", read_exact(sock, 2))
                payload = read_exact(sock, n)
                if n == 1:
                    if payload[0] in (0x00, 0x01, 0x02):
                        card.power_off()
                    elif payload[0] == 0x04:
                        a = card.atr()
                        sock.sendall(struct.pack(">H", len(a)) + a)
                    continue
                r = card.apdu(payload)
                sock.sendall(struct.pack(">H", len(r)) + r)
        except (ConnectionError, OSError):
            sock.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keys", required=True, help="JSON with {\"masters\": {\"4731\": hex}}")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=35963)
    args = ap.parse_args()
    master = bytes.fromhex(json.load(open(args.keys, encoding="utf-8"))["masters"]["4731"])
    city8 = (CITY_CODE[:2] + "000000").encode("ascii")
    read_key = diversify(diversify(master, city8), DIVERSIFIER)  # personalisation
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print("public_layout_card: card on vpcd %s:%d" % (args.host, args.port), flush=True)
    serve(Card(read_key), args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
