// The HIS reply parser (kiosk/his, links hc_kiosk_his). Invariant: for any bytes, parsing as JSON
// and then as every reply type either returns or throws hc::InputError (HisReplyError) naming the
// problem; no other exception, no crash.
#include "hc/kiosk/his/his_error.hpp"
#include "hc/kiosk/his/his_reply.hpp"

#include <cstdint>
#include <string_view>

namespace {

template <typename F> void attempt(const boost::json::value& v, F parse) {
    try {
        (void)parse(v);
    } catch (const hc::InputError&) { }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace hc::kiosk::his;
    boost::json::value v;
    try {
        v = parseReplyJson(std::string_view(reinterpret_cast<const char*>(data), size));
    } catch (const hc::InputError&) {
        return 0;
    }
    attempt(v, parsePatient);
    attempt(v, parsePatientBundle);
    attempt(v, parseDepartmentBundle);
    attempt(v, parseDoctorBundle);
    attempt(v, parseSlot);
    attempt(v, parseSlotBundle);
    attempt(v, parseSlotHold);
    attempt(v, parseAppointment);
    attempt(v, parseAppointmentBundle);
    attempt(v, parseChargeItemBundle);
    attempt(v, parseInvoice);
    attempt(v, parseInvoiceBundle);
    attempt(v, parseLabReportBundle);
    (void)operationOutcomeText(v);
    return 0;
}
