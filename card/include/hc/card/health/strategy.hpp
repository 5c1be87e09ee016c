// How a HealthCard reaches the files of a card, learned from the card itself: whether it takes
// short file identifiers (SFI) in READ/UPDATE RECORD and READ BINARY, READ RECORD P2=05 (all
// records from P1), DDF1/EF05 by record identifier (P2=00, P1 = tag), DFs by FID or only by
// name, the PIN as a global or a DF-specific reference. Each fact says why it is believed (the
// command and status word that showed it), so `hcard read --explain` can print it.
//
// Real cards come from several COS vendors and differ; the public layout (healthcard-reference
// §2.1, §3) only shows files selected by FID and records read from the current EF. A reader
// starts optimistic (SFI and bulk reads save APDUs), and a refusal of the short form teaches it
// the long one. What it learned is kept per card kind in a StrategyCache, so the next card of
// the same kind costs no failed probe.
//
// The card kind is taken from the ATR: the protocol (contact T=0, contact T=1 or a contactless
// PC/SC pseudo-ATR) and the historical bytes without the per-card diversifier (the last 8 bytes
// by default, profile.diversifier): two cards of one COS and issuer differ only there.
//
// Extended length is not learned: it is read from the ATR on every card (short APDUs unless the
// card capabilities announce extended Lc/Le, Atr::announcesExtendedLength).
//
// Plain values; any thread.
#pragma once

#include "hc/card/bytes.hpp"
#include "hc/card/health/profile.hpp"

#include <string>
#include <string_view>

namespace hc::card::health {

/** What is known about one capability of a card. */
enum class Known { Unknown, Yes, No };

/** "unknown", "yes", "no". */
std::string_view knownName(Known k);

/** One capability and why it is believed. */
struct Fact {
    /** Unknown until a card showed it. */
    Known value = Known::Unknown;
    /** The evidence, e.g. "READ RECORD by SFI 5 (DDF1/EF05) answered 6986"; empty when unknown. */
    std::string why;
    /** True when the card showed it can. */
    bool yes() const { return value == Known::Yes; }
    /** True when the card refused it. */
    bool no() const { return value == Known::No; }
    /** Equal value and evidence. */
    friend bool operator==(const Fact&, const Fact&) = default;
};

/** What was learned about a kind of card. */
struct CardStrategy {
    /** EFs addressed by SFI (READ RECORD P2 = SFI<<3 | mode, READ BINARY P1 = 80 | SFI, the SM
     * writes); no = SELECT the EF by FID and address the current EF. */
    Fact sfi;
    /** READ RECORD P2 b3-b1 = 101 (all records from P1); no = one record per command. */
    Fact bulk;
    /** Files the profile reads by record identifier (DDF1/EF05: P2 b3-b1 = 000, P1 = tag);
     * no = by record number (P2 b3-b1 = 100). */
    Fact recordIds;
    /** DFs are selected by name (the card refused SELECT by FID for a DF). */
    Fact dfByName;
    /** The cardholder PIN is a DF-specific reference (VERIFY P2 = 80 in DDF1): the card answered
     * the global reference (P2 = 00) with "referenced data not found". */
    Fact pinLocal;

    /** Equal facts. */
    friend bool operator==(const CardStrategy&, const CardStrategy&) = default;
};

/** The card kind of an ATR: "t0:", "t1:" or "cl:" (contactless pseudo-ATR), then the historical
 * bytes in hex without the diversifier `d` locates. An ATR that does not parse, or whose
 * historical bytes are shorter than the diversifier, gives "atr:" and the whole ATR in hex. */
std::string cardKind(ByteView atr, const DiversifierSpec& d);

} // namespace hc::card::health
