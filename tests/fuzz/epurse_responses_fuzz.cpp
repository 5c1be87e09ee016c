// E-purse response parsers (INITIALIZE for load/purchase, DEBIT, CREDIT, GET BALANCE, GET
// TRANSACTION PROOF, PSAM MAC1 and its request, EF 0015, log records). The first byte picks the
// parser, the rest is the response data. Invariants: a parser returns or throws InputError,
// nothing else; log records and PSAM requests re-encode to the same bytes.
#include "hc/card/epurse/commands.hpp"
#include "hc/card/epurse/log_record.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    namespace ep = hc::card::epurse;
    const hc::ByteView in(data + 1, size - 1);
    try {
        switch (data[0] % 9) {
        case 0:
            (void)ep::parseInitLoad(in);
            break;
        case 1:
            (void)ep::parseInitPurchase(in);
            break;
        case 2:
            (void)ep::parseDebit(in);
            break;
        case 3:
            (void)ep::parseCredit(in);
            break;
        case 4:
            (void)ep::parseBalance(in);
            break;
        case 5:
            (void)ep::parseProof(in);
            break;
        case 6:
            (void)ep::parsePsamMac1(in);
            break;
        case 7: {
            const auto req = ep::parsePsamMac1Request(in);
            const auto again = ep::cmd::psamMac1(req).data();
            if (!std::equal(again.begin(), again.end(), in.begin(), in.end())) {
                std::abort();
            }
            (void)ep::parsePublicData(in).diversifier();
            break;
        }
        default: {
            const auto rec = ep::parseLogRecord(in);
            const auto again = rec.encode();
            if (!std::equal(again.begin(), again.end(), in.begin(), in.end())) {
                std::abort();
            }
            break;
        }
        }
    } catch (const hc::InputError&) { }
    return 0;
}
