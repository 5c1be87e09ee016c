// Card keys: how the journal names a card without holding its number (the resident's ID number).
// A purse step left UNKNOWN must be matched to the card when it comes back, and a refund onto
// the e-purse must find the card that paid; the journal keeps `card=<key>` for that.
//
// The key is an HMAC-SHA256 of the card number under a per-site secret (a 32-byte key kioskd
// generates at its first boot into a 0600 file beside the journal), so the journal alone does not
// give the number back. Key formats in step details:
//   h<32 hex>   HMAC(site, "card:" || number), first 16 bytes          (written now)
//   m<32 hex>   HMAC(site, "fnv:" || fnv1a64hex(number)), first 16 bytes  (a migrated old key)
//   <16 hex>    FNV-1a 64 of the number, unkeyed: journals written before (enumerable: an
//               18-digit ID number has about 10^10 candidates). CardKeys::migrateJournal
//               rewrites them as `m…` at boot; matches() still accepts them until then.
//
// Threading: a CardKeys is immutable after construction; thread-safe.
#pragma once

#include "hc/kiosk/journal.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hc::kiosk::core {

/** The per-site card key. */
class CardKeys {
public:
    /** Keys under `siteKey` (at least 16 bytes). */
    explicit CardKeys(std::vector<std::uint8_t> siteKey);

    /** Reads the site key file, or creates it (32 random bytes, hex, mode 0600) when absent.
     * Throws hc::Error naming the file when it is readable by group or others, malformed, or
     * cannot be written. */
    static CardKeys loadOrCreate(const std::filesystem::path& file);
    /** A key made at random once per process: engines and recovery executors built without a
     * site key (unit tests) agree within the process. */
    static const CardKeys& processDefault();

    /** The key to journal for `cardNumber` ("h" + 32 hex). */
    std::string key(const std::string& cardNumber) const;
    /** True when the journaled `stored` key (any format above) is `cardNumber`'s. */
    bool matches(const std::string& stored, const std::string& cardNumber) const;
    /** Rewrites every old unkeyed `card=<16 hex>` in the journal's step details as `card=m…`.
     * Returns how many steps changed. */
    int migrateJournal(Journal& journal) const;

private:
    std::string mac(const std::string& text) const;
    std::vector<std::uint8_t> m_key;
};

/** The old unkeyed key: FNV-1a 64 of the card number, 16 hex digits (read, never written). */
std::string legacyCardKey(const std::string& cardNumber);

} // namespace hc::kiosk::core
