#include "ipp_reply.hpp"

#include <algorithm>
#include <cstring>

namespace hc::printer {

namespace detail {
namespace {

struct ReadCursor {
    std::span<const std::uint8_t> bytes;
    std::size_t offset = 0;
};

ssize_t readFromCursor(void* context, ipp_uchar_t* buffer, size_t wanted) {
    auto* cursor = static_cast<ReadCursor*>(context);
    const std::size_t left = cursor->bytes.size() - cursor->offset;
    const std::size_t n = std::min(left, wanted);
    if (n > 0) {
        std::memcpy(buffer, cursor->bytes.data() + cursor->offset, n);
        cursor->offset += n;
    }
    return static_cast<ssize_t>(n);
}

bool isStringTag(ipp_tag_t tag) {
    switch (tag) {
    case IPP_TAG_TEXT:
    case IPP_TAG_NAME:
    case IPP_TAG_KEYWORD:
    case IPP_TAG_URI:
    case IPP_TAG_CHARSET:
    case IPP_TAG_LANGUAGE:
    case IPP_TAG_MIMETYPE:
    case IPP_TAG_TEXTLANG:
    case IPP_TAG_NAMELANG:
        return true;
    default:
        return false;
    }
}

ipp_attribute_t* find(ipp_t* reply, const char* name) {
    return ippFindAttribute(reply, name, IPP_TAG_ZERO);
}

std::vector<std::string> strings(ipp_t* reply, const char* name) {
    std::vector<std::string> out;
    ipp_attribute_t* attr = find(reply, name);
    if (!attr || !isStringTag(static_cast<ipp_tag_t>(ippGetValueTag(attr) & IPP_TAG_CUPS_MASK))) {
        return out;
    }
    const int count = ippGetCount(attr);
    for (int i = 0; i < count; ++i) {
        if (const char* value = ippGetString(attr, i, nullptr)) {
            out.emplace_back(value);
        }
    }
    return out;
}

std::string firstString(ipp_t* reply, const char* name) {
    auto all = strings(reply, name);
    return all.empty() ? std::string() : all.front();
}

std::optional<int> integer(ipp_t* reply, const char* name, ipp_tag_t tag) {
    ipp_attribute_t* attr = find(reply, name);
    if (!attr || ippGetValueTag(attr) != tag || ippGetCount(attr) < 1) {
        return std::nullopt;
    }
    return ippGetInteger(attr, 0);
}

bool isErrorStatus(ipp_status_t status) {
    return status >= IPP_STATUS_ERROR_BAD_REQUEST;
}

IppJobState jobStateOf(int value) {
    switch (value) {
    case IPP_JSTATE_PENDING:
        return IppJobState::Pending;
    case IPP_JSTATE_HELD:
        return IppJobState::Held;
    case IPP_JSTATE_PROCESSING:
        return IppJobState::Processing;
    case IPP_JSTATE_STOPPED:
        return IppJobState::Stopped;
    case IPP_JSTATE_CANCELED:
        return IppJobState::Canceled;
    case IPP_JSTATE_ABORTED:
        return IppJobState::Aborted;
    case IPP_JSTATE_COMPLETED:
        return IppJobState::Completed;
    default:
        return IppJobState::Unknown;
    }
}

} // namespace

IppPtr readIpp(std::span<const std::uint8_t> bytes) {
    IppPtr ipp(ippNew());
    ReadCursor cursor { bytes, 0 };
    const ipp_state_t state = ippReadIO(&cursor, readFromCursor, 1, nullptr, ipp.get());
    if (state != IPP_STATE_DATA) {
        return nullptr;
    }
    return ipp;
}

IppPrinterStatus statusFromReply(ipp_t* reply, const char* noReplyWhy) {
    if (!reply) {
        return IppPrinterStatus::fromAttributes("", {}, noReplyWhy);
    }
    const ipp_status_t status = ippGetStatusCode(reply);
    if (isErrorStatus(status)) {
        return IppPrinterStatus::fromAttributes(
            "", {}, std::string("printer answered ") + ippErrorString(status));
    }
    std::string printerState;
    if (auto value = integer(reply, "printer-state", IPP_TAG_ENUM)) {
        switch (*value) {
        case IPP_PSTATE_IDLE:
            printerState = "idle";
            break;
        case IPP_PSTATE_PROCESSING:
            printerState = "processing";
            break;
        case IPP_PSTATE_STOPPED:
            printerState = "stopped";
            break;
        default:
            printerState = "unknown";
            break;
        }
    } else {
        return IppPrinterStatus::fromAttributes("", {}, "reply without printer-state");
    }
    IppPrinterStatus result = IppPrinterStatus::fromAttributes(std::move(printerState),
        strings(reply, "printer-state-reasons"), firstString(reply, "printer-state-message"));
    ipp_attribute_t* accepting = find(reply, "printer-is-accepting-jobs");
    if (result.state == IppPrinterState::Ready && accepting
        && ippGetValueTag(accepting) == IPP_TAG_BOOLEAN && !ippGetBoolean(accepting, 0)) {
        // A queue that rejects jobs (cupsreject) would refuse Print-Job: not ready either.
        result.state = IppPrinterState::Other;
        result.message = "printer is not accepting jobs";
    }
    return result;
}

IppJobResult jobFromReply(ipp_t* reply, const char* noReplyWhy) {
    IppJobResult result;
    if (!reply) {
        result.message = noReplyWhy;
        return result;
    }
    const ipp_status_t status = ippGetStatusCode(reply);
    if (isErrorStatus(status)) {
        result.message = std::string("printer answered ") + ippErrorString(status);
        return result;
    }
    result.jobId = integer(reply, "job-id", IPP_TAG_INTEGER).value_or(0);
    if (auto value = integer(reply, "job-state", IPP_TAG_ENUM)) {
        result.state = jobStateOf(*value);
    }
    result.reasons = strings(reply, "job-state-reasons");
    result.message = firstString(reply, "job-state-message");
    if (result.message.empty()) {
        result.message = std::string("job ") + describe(result.state);
    }
    return result;
}

} // namespace detail

IppPrinterStatus parsePrinterAttributesReply(std::span<const std::uint8_t> reply) {
    auto ipp = detail::readIpp(reply);
    return detail::statusFromReply(ipp.get(), "reply is not an IPP message");
}

IppJobResult parseJobAttributesReply(std::span<const std::uint8_t> reply) {
    auto ipp = detail::readIpp(reply);
    return detail::jobFromReply(ipp.get(), "reply is not an IPP message");
}

} // namespace hc::printer
