#!/usr/bin/env python3
"""Builds hcemu card images of residents' health cards from readable resident JSON.

    python3 firmware-tools/images/resident-gen.py            # all of resident-sources/*.json
    python3 firmware-tools/images/resident-gen.py SRC.json   # one

Each source (resident-sources/<slug>.json) holds the data elements by their keys (the same keys as
hc::card::health::CardProfile::ws543_2017(), "holder.name" ...), written as nested objects, plus:
  "interface": "contact" | "contactless"   contact ATR, or the PC/SC part 3 pseudo-ATR
  "diversifier": 16 hex digits              cardNo8, carried at the end of the historical bytes
  "pin" / "puk": ASCII digits               cardholder PIN and unblocking code
  "allergies", "immunisations", "inpatient_index", "outpatient_index", "photo_hex"
  "epurse": {"balance": FEN, "transactions": [{"type": "load"|"purchase", "amount": FEN,
             "terminal": 12 hex, "when": "YYYYMMDD hhmmss"}, ...]}   (optional; oldest first)
Output: resident-<slug>.json next to this script (format hcemu-image/1, profile "health-card",
plus profile "epurse" when the source has an "epurse" block), and resident-sam.json, the SAM for
slot 1 holding the master keys of resident-keys.json, which is also the purchase PSAM (profiles
"health-sam" and "psam").

The co-branded PBOC EP (docs/epurse.md) lives in its own ADF beside DDF1: DF 1001, AID
A00000000386980701, EF 0015 (SFI 21, serial = 3100 || the card's diversifier, so D = cardNo8) and
the cyclic log EF 0018 (SFI 24). Purse keys are the 3DES development masters of
resident-keys.json "purse_masters" diversified with D: 3DES_MK(D) || 3DES_MK(NOT D).

Card keys are the masters diversified as hc/card/health/crypto.hpp says:
  diversify(K, D) = SM4_K(D || NOT D); card key = diversify(diversify(master, city8), cardNo8)
  (two-level keys, 80DE P1=4x) or diversify(master, cardNo8) (one-level, P1=2x).
SM4 comes from the openssl command line (OpenSSL >= 3); nothing beyond the standard library.
Output is deterministic: the same sources give the same images.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# (tag, key, coding, length, file, record): the 57 elements, as in card/src/health/profile.cpp.
ELEMENTS = [
    (0x01, "card.card_type", "AN", 1, "DDF1/EF05", 1), (0x02, "card.spec_version", "AN", 4, "DDF1/EF05", 2),
    (0x03, "card.issuer_name", "AN", 30, "DDF1/EF05", 3), (0x04, "card.issuer_code", "CN", 11, "DDF1/EF05", 4),
    (0x05, "card.issuer_certificate", "B", 180, "DDF1/EF05", 5), (0x06, "card.issue_date", "CN", 4, "DDF1/EF05", 6),
    (0x08, "card.card_number", "AN", 18, "DDF1/EF05", 7), (0x09, "card.security_code", "AN", 3, "DDF1/EF05", 8),
    (0x0A, "card.chip_serial", "AN", 10, "DDF1/EF05", 9), (0x39, "card.city_code", "CN", 3, "DDF1/EF05", 10),
    (0x0B, "holder.name", "AN", 30, "DDF1/EF06", 1), (0x0C, "holder.sex", "B", 1, "DDF1/EF06", 2),
    (0x0D, "holder.ethnicity", "CN", 1, "DDF1/EF06", 3), (0x0E, "holder.birth_date", "CN", 4, "DDF1/EF06", 4),
    (0x0F, "holder.id_number", "AN", 18, "DDF1/EF06", 5),
    (0x07, "validity.expiry_date", "CN", 4, "DDF1/EF08", 1), (0x10, "validity.phone1", "AN", 20, "DDF1/EF08", 2),
    (0x11, "validity.phone2", "AN", 20, "DDF1/EF08", 3), (0x12, "validity.payment_method1", "CN", 1, "DDF1/EF08", 4),
    (0x13, "validity.payment_method2", "CN", 1, "DDF1/EF08", 5), (0x14, "validity.payment_method3", "CN", 1, "DDF1/EF08", 6),
    (0x15, "address.type1", "CN", 1, "DF01/EF05", 1), (0x16, "address.address1", "AN", 100, "DF01/EF05", 2),
    (0x17, "address.type2", "CN", 1, "DF01/EF05", 3), (0x18, "address.address2", "AN", 100, "DF01/EF05", 4),
    (0x19, "contact1.name", "AN", 30, "DF01/EF06", 1), (0x1A, "contact1.relation", "CN", 1, "DF01/EF06", 2),
    (0x1B, "contact1.phone", "AN", 20, "DF01/EF06", 3), (0x1C, "contact2.name", "AN", 30, "DF01/EF06", 4),
    (0x1D, "contact2.relation", "CN", 1, "DF01/EF06", 5), (0x1E, "contact2.phone", "AN", 20, "DF01/EF06", 6),
    (0x1F, "contact3.name", "AN", 30, "DF01/EF06", 7), (0x20, "contact3.relation", "CN", 1, "DF01/EF06", 8),
    (0x21, "contact3.phone", "AN", 20, "DF01/EF06", 9),
    (0x22, "social.education", "CN", 1, "DF01/EF07", 1), (0x23, "social.marital_status", "CN", 1, "DF01/EF07", 2),
    (0x24, "social.occupation", "AN", 3, "DF01/EF07", 3),
    (0x25, "documents.type", "CN", 1, "DF01/EF08", 1), (0x26, "documents.number", "AN", 18, "DF01/EF08", 2),
    (0x27, "documents.health_record_no", "AN", 17, "DF01/EF08", 3), (0x28, "documents.ncms_no", "AN", 18, "DF01/EF08", 4),
    (0x29, "clinical.abo", "B", 1, "DF02/EF05", 1), (0x2A, "clinical.rh", "CN", 1, "DF02/EF05", 2),
] + [(0x2B + i, "clinical." + n, "B", 1, "DF02/EF05", 3 + i) for i, n in enumerate([
    "asthma", "heart_disease", "cardio_cerebral", "epilepsy", "coagulation_disorder", "diabetes", "glaucoma",
    "dialysis", "organ_transplant", "organ_loss", "prosthesis", "pacemaker"])] + [
    (0x37, "clinical.other_alert", "AN", 40, "DF02/EF05", 15), (0x38, "clinical.psychiatric", "B", 1, "DF02/EF06", 1),
]
assert len(ELEMENTS) == 57

# Card key reference (EXTERNAL AUTHENTICATE P2) -> SAM master slot, per DF (healthcard-reference §4).
DF_KEYS = {
    "DDF1": {"04": "4731", "05": "272A"},
    "DF01": {"84": "4732", "85": "272B"},
    "DF02": {"84": "4733", "85": "472C", "86": "472D", "87": "472E"},
    "DF03": {"84": "4734", "85": "472F", "86": "2730"},
}
TRANSPORT = {"DDF1": "2802", "DF01": "2803", "DF02": "4804", "DF03": "4805"}
# DF names (AIDs) for SELECT by name. The public layout names none (reference gap 1): these are
# this project's TEST names, so that a card OS that selects DFs by name only (hcemu --cos
# name-only) can be played; a reader uses them only when a profile gives them (dfs[].aid).
DF_NAMES = {n: ("HC.TEST." + n).encode("ascii").hex().upper() for n in ("DDF1", "DF01", "DF02", "DF03")}


def sm4_ecb(key_hex, data):
    out = subprocess.run(["openssl", "enc", "-sm4-ecb", "-K", key_hex, "-nopad"], input=data,
                         capture_output=True, check=True).stdout
    assert len(out) == len(data)
    return out


def diversify(key_hex, d):
    return sm4_ecb(key_hex, d + bytes(b ^ 0xFF for b in d)).hex().upper()


def des3_ecb(key_hex, data):
    out = subprocess.run(["openssl", "enc", "-des-ede", "-K", key_hex, "-nopad"], input=data,
                         capture_output=True, check=True).stdout
    assert len(out) == len(data)
    return out


def purse_diversify(key_hex, d):
    return (des3_ecb(key_hex, d) + des3_ecb(key_hex, bytes(b ^ 0xFF for b in d))).hex().upper()


PURSE_AID = "A00000000386980701"
TX_TYPE = {"load": 0x02, "purchase": 0x06}  # EP load / EP purchase


def purse(src, purse_masters):
    """The EP ADF and extensions.epurse of a co-branded card, from src["epurse"]."""
    p = src["epurse"]
    div = bytes.fromhex(src["diversifier"])
    serial = bytes.fromhex("3100") + div
    city = str(lookup(src, "card.city_code"))
    issuer = bytes.fromhex("434E4843" + city + "00")  # "CNHC" || city code BCD || 00
    ef15 = (issuer + bytes([0x02, 0x01]) + serial + bytes.fromhex(str(lookup(src, "card.issue_date")))
            + bytes.fromhex(str(lookup(src, "validity.expiry_date"))) + bytes(2))
    assert len(ef15) == 30
    balance, online, offline, log = 0, 0, 0, []
    for t in p.get("transactions", []):
        kind, amount = t["type"], int(t["amount"])
        if kind == "load":
            atc, online = online, online + 1
            balance += amount
        elif kind == "purchase":
            atc, offline = offline, offline + 1
            if amount > balance:
                sys.exit(f"epurse: purchase of {amount} fen above the balance {balance}")
            balance -= amount
        else:
            sys.exit(f"epurse: transaction type {kind!r} is not load or purchase")
        date, time = t["when"].split()
        rec = (atc.to_bytes(2, "big") + bytes(3) + amount.to_bytes(4, "big") + bytes([TX_TYPE[kind]])
               + bytes.fromhex(t["terminal"]) + bytes.fromhex(date) + bytes.fromhex(time))
        assert len(rec) == 23
        log.insert(0, rec.hex().upper())  # newest first
    if balance != p["balance"]:
        sys.exit(f"epurse: the transactions give {balance} fen, the source says {p['balance']}")

    def key(master):
        return {"index": 1, "version": 1, "alg": 0, "value": purse_diversify(master, div)}

    adf = {"fid": "1001", "type": "df", "name": PURSE_AID, "children": [
        {"fid": "0015", "type": "transparent", "size": 30, "sfi": 21, "read": "always", "update": "never",
         "data": ef15.hex().upper()},
        {"fid": "0018", "type": "cyclic", "record_size": 23, "max_records": 10, "sfi": 24, "read": "always",
         "update": "never", "records": log[:10]},
    ]}
    ext = {"aid": PURSE_AID, "balance": balance, "max_balance": 100000000, "overdraft_limit": 0,
           "online_atc": online, "offline_atc": offline,
           "keys": {"dpk": key(purse_masters["purchase"]["01"]), "dlk": key(purse_masters["load"]["01"]),
                    "dtk": key(purse_masters["tac"])},
           "proofs": []}
    return adf, ext


def card_key(master_hex, two_level, card8, city8):
    k = master_hex
    if two_level:
        k = diversify(k, city8)
    return diversify(k, card8)


def encode(coding, length, value, key):
    if coding == "AN":
        b = str(value).encode("gbk")
        if len(b) > length:
            sys.exit(f"{key}: {len(b)} GBK bytes do not fit {length}")
        return b + bytes(length - len(b))
    if coding == "CN":
        digits = str(value)
        if (digits and not digits.isdigit()) or len(digits) > 2 * length:
            sys.exit(f"{key}: '{digits}' is not CN {length}")
        return bytes.fromhex(digits + "F" * (2 * length - len(digits)))
    if length == 1:
        return bytes([int(value)])
    b = bytes.fromhex(value)
    return b + bytes(length - len(b))


def lookup(src, key):
    node = src
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def tlv_records(src, file):
    recs = []
    for tag, key, coding, length, f, rec in sorted((e for e in ELEMENTS if e[4] == file), key=lambda e: e[5]):
        value = lookup(src, key)
        if value is None:
            value = "" if coding != "B" or length != 1 else 0xFF
        v = encode(coding, length, value, key)
        recs.append((bytes([tag, length]) + v).hex().upper())
    return recs


def atr(hist, contactless):
    body = bytes([0x80 | len(hist)]) + (bytes([0x80, 0x01]) if contactless else bytes([0x81, 0x31, 0xFE, 0x45])) + hist
    tck = 0
    for b in body:
        tck ^= b
    return ("3B" + body.hex() + "%02X" % tck).upper()


def ascii_hex(s):
    return s.encode("ascii").hex().upper()


def build(src, masters, purse_masters):
    div = bytes.fromhex(src["diversifier"])
    assert len(div) == 8
    city = str(lookup(src, "card.city_code"))
    city8 = (city[:2] + "000000").encode("ascii")
    # COMPACT-TLV historical bytes: card capabilities 73 00 00 40 (extended Lc/Le: a reader sends
    # extended Le only when the ATR says so), then pre-issuing data 69 B0 <diversifier>, so the
    # diversifier stays the last 8 bytes (docs/healthcard.md).
    hist = bytes.fromhex("807300004069B0") + div

    def key(slot):
        return card_key(masters[slot], slot[0] == "4", div, city8)

    def ef(fid, kind, sfi, read, update, **kw):
        node = {"fid": fid, "type": kind, "read": read, "update": update}
        if sfi:
            node["sfi"] = sfi
        node.update(kw)
        return node

    def sm(rule):
        return rule + "+sm"  # updates only with secure messaging (a MAC the card checks)

    def df(name, fid, children):
        return {"fid": fid, "type": "df", "name": DF_NAMES[name],
                "keys": [{"id": kid, "alg": "sm4", "value": key(slot), "tries_left": 15, "max_tries": 15}
                         for kid, slot in DF_KEYS[name].items()],
                "children": children}

    photo = bytes.fromhex(src.get("photo_hex", ""))
    photo_data = (len(photo).to_bytes(2, "big") + photo).hex().upper()
    allergies = [(encode("AN", 20, a["substance"], "allergy") + encode("AN", 100, a["reaction"], "allergy")).hex().upper()
                 for a in src.get("allergies", [])]
    immunisations = [(encode("AN", 20, i["vaccine"], "vaccine") + encode("CN", 4, i["date"], "date")).hex().upper()
                     for i in src.get("immunisations", [])]
    inp = src.get("inpatient_index", [False] * 3)
    outp = src.get("outpatient_index", [False] * 5)
    visits_in = [ef("EE0%d" % (i + 1), "transparent", 0, "key:84", "key:85", size=1893) for i in range(3)]
    visits_out = [ef("ED0%d" % (i + 1), "transparent", 0, "key:84", "key:85", size=3267) for i in range(5)]
    lv = dict(record_size=255)
    ddf1 = df("DDF1", "DDF1", [
        ef("EF05", "linear-variable", 5, "always", sm("key:05"), max_records=10, records=tlv_records(src, "DDF1/EF05"), **lv),
        ef("EF06", "linear-variable", 6, "key:04", sm("key:05"), max_records=5, records=tlv_records(src, "DDF1/EF06"), **lv),
        ef("EF07", "transparent", 7, "key:04", "key:05", size=3072, data=photo_data),
        ef("EF08", "linear-variable", 8, "key:04", sm("key:05"), max_records=6, records=tlv_records(src, "DDF1/EF08"), **lv),
        df("DF01", "DF01", [
            ef("EF0%d" % n, "linear-variable", n, "key:84", sm("key:85"), max_records=m,
               records=tlv_records(src, "DF01/EF0%d" % n), **lv) for n, m in ((5, 4), (6, 9), (7, 3), (8, 4))]),
        df("DF02", "DF02", [
            ef("EF05", "linear-variable", 5, "key:84", sm("key:85"), max_records=15, records=tlv_records(src, "DF02/EF05"), **lv),
            ef("EF06", "linear-variable", 6, "key:84", sm("key:86"), max_records=1, records=tlv_records(src, "DF02/EF06"), **lv),
            ef("EF07", "cyclic", 7, "key:84", "key:87", record_size=120, max_records=3, records=allergies),
            ef("EF08", "cyclic", 8, "key:84", "key:87", record_size=24, max_records=10, records=immunisations),
        ]),
        df("DF03", "DF03", [
            # index flags: set and cleared only by the MAC-protected 84 D2 / 84 0C (reference §5.4)
            ef("EF05", "linear-fixed", 5, "key:84", sm("key:85"), record_size=1, max_records=3,
               records=["00" if u else "FF" for u in inp]),
            ef("EF06", "linear-fixed", 6, "key:84", sm("key:85"), record_size=1, max_records=5,
               records=["00" if u else "FF" for u in outp]),
        ] + visits_in + visits_out),
    ])
    contactless = src.get("interface", "contact") == "contactless"
    image = {
        "format": "hcemu-image/1",
        "description": src["description"],
        "atr": atr(hist, contactless),
        "t0": False,
        "pin": {"value": ascii_hex(src.get("pin", "123456")), "tries_left": 3, "max_tries": 3},
        "puk": {"value": ascii_hex(src.get("puk", "12345678")), "tries_left": 10, "max_tries": 10},
        "mf": {"fid": "3F00", "type": "df", "children": [ddf1]},
        "extensions": {
            "profiles": ["health-card"],
            "health-card": {
                "transport_keys": {name: key(slot) for name, slot in TRANSPORT.items()},
            },
        },
    }
    if "epurse" in src:
        adf, ext = purse(src, purse_masters)
        image["mf"]["children"].append(adf)
        image["extensions"]["profiles"].append("epurse")
        image["extensions"]["epurse"] = ext
    return image


def sam_image(masters, purse_masters):
    """The SAM for slot 1: masters, terminal number, PIN 123456 (VERIFY after selecting DF01).

    It is also the PBOC purchase PSAM (profile "psam": 80 70 MAC1, 80 72 MAC2): EF 0016 (SFI 22)
    is both the health terminal number and the PSAM terminal id, so one SAM reader serves both.
    """
    return {
        "format": "hcemu-image/1",
        "description": "Health-card SAM (居民健康卡安全存取模块) with the TEST master keys of resident-keys.json; also the PBOC purchase PSAM (terminal id 410100000001, purchase master 01 of resident-keys.json purse_masters)",
        "atr": "3B6D000080318065B04853414D00000001",
        "t0": True,
        "pin": {"value": "313233343536", "tries_left": 3, "max_tries": 3},
        "mf": {"fid": "3F00", "type": "df", "children": [
            {"fid": "0015", "type": "transparent", "size": 14, "sfi": 21, "data": "0102030405060708090A" + "01" + "01" + "01" + "00"},
            {"fid": "0016", "type": "transparent", "size": 6, "sfi": 22, "data": "410100000001"},
            {"fid": "DF01", "type": "df", "children": [
                {"fid": "001A", "type": "transparent", "size": 25},
                {"fid": "001B", "type": "transparent", "size": 180},
                {"fid": "001C", "type": "transparent", "size": 190},
            ]},
        ]},
        "extensions": {
            "profiles": ["health-sam", "psam"],
            "health-sam": {"masters": masters, "pin_df": "DF01"},
            "psam": {"purchase_master_keys": dict(purse_masters["purchase"]), "ttsn": 1},
        },
    }


def main(argv):
    all_keys = json.load(open(os.path.join(HERE, "resident-keys.json"), encoding="utf-8"))
    keys = all_keys["masters"]
    purse_masters = {k: v for k, v in all_keys["purse_masters"].items() if k != "comment"}
    srcdir = os.path.join(HERE, "resident-sources")
    sources = argv[1:] or sorted(os.path.join(srcdir, f) for f in os.listdir(srcdir) if f.endswith(".json"))
    for path in sources:
        src = json.load(open(path, encoding="utf-8"))
        slug = os.path.splitext(os.path.basename(path))[0]
        out = os.path.join(HERE, "resident-%s.json" % slug)
        with open(out, "w", encoding="utf-8") as f:
            json.dump(build(src, keys, purse_masters), f, indent=2, ensure_ascii=False)
            f.write("\n")
        print("wrote", os.path.relpath(out))
    out = os.path.join(HERE, "resident-sam.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(sam_image(keys, purse_masters), f, indent=2, ensure_ascii=False)
        f.write("\n")
    print("wrote", os.path.relpath(out))


if __name__ == "__main__":
    main(sys.argv)
