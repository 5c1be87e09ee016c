#include "hc/printer/ipp_printer.hpp"

#include "ipp_reply.hpp"

#include <array>
#include <cups/cups.h>
#include <cups/http.h>
#include <sys/socket.h>
#include <thread>

namespace hc::printer {

namespace {

struct HttpCloser {
    void operator()(http_t* http) const { httpClose(http); }
};
using HttpPtr = std::unique_ptr<http_t, HttpCloser>;

// libcups asks for a password on a 401 through a callback that may read the terminal; a kiosk
// has no one to type it. The callback is per thread in libcups, so set it before each request.
const char* noPassword(const char*, http_t*, const char*, const char*, void*) {
    return nullptr;
}

std::string lastCupsError() {
    const char* text = cupsLastErrorString();
    return text ? text : "unknown error";
}

void addOperationAttributes(ipp_t* request, const std::string& uri) {
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, uri.c_str());
}

} // namespace

IppPrinter::IppPrinter(std::string uri, IppPrinterOptions options)
    : m_uri(std::move(uri))
    , m_options(options) {
    std::array<char, 32> scheme {};
    std::array<char, 256> userpass {};
    std::array<char, 256> host {};
    std::array<char, 1024> resource {};
    int port = 0;
    const http_uri_status_t parsed = httpSeparateURI(HTTP_URI_CODING_ALL, m_uri.c_str(),
        scheme.data(), static_cast<int>(scheme.size()), userpass.data(),
        static_cast<int>(userpass.size()), host.data(), static_cast<int>(host.size()), &port,
        resource.data(), static_cast<int>(resource.size()));
    const std::string schemeText(scheme.data());
    if (parsed < HTTP_URI_STATUS_OK || (schemeText != "ipp" && schemeText != "ipps")
        || host[0] == '\0') {
        throw IppError("report printer URI '" + m_uri + "' is not an ipp:// or ipps:// URI",
            hc::NextStep::CheckConfiguration);
    }
    m_host = host.data();
    m_port = port > 0 ? port : 631;
    m_resource = resource[0] != '\0' ? resource.data() : "/";
    m_tls = schemeText == "ipps";
}

namespace {

HttpPtr connectTo(const std::string& host, int port, bool tls, std::chrono::milliseconds timeout,
    std::string& why) {
    int cancel = 0;
    HttpPtr http(httpConnect2(host.c_str(), port, nullptr, AF_UNSPEC,
        tls ? HTTP_ENCRYPTION_ALWAYS : HTTP_ENCRYPTION_IF_REQUESTED, 1,
        static_cast<int>(timeout.count()), &cancel));
    if (!http) {
        why = "cannot connect to " + host + ":" + std::to_string(port) + ": " + lastCupsError();
        return nullptr;
    }
    httpSetTimeout(http.get(), static_cast<double>(timeout.count()) / 1000.0, nullptr, nullptr);
    cupsSetPasswordCB2(noPassword, nullptr);
    return http;
}

} // namespace

IppPrinterStatus IppPrinter::status() const {
    std::string why;
    HttpPtr http = connectTo(m_host, m_port, m_tls, m_options.requestTimeout, why);
    if (!http) {
        return IppPrinterStatus::fromAttributes("", {}, why);
    }
    ipp_t* request = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
    addOperationAttributes(request, m_uri);
    static const char* const wanted[] = { "printer-state", "printer-state-reasons",
        "printer-state-message", "printer-is-accepting-jobs" };
    ippAddStrings(
        request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 4, nullptr, wanted);
    detail::IppPtr reply(cupsDoRequest(http.get(), request, m_resource.c_str()));
    const std::string noReply = "no reply to Get-Printer-Attributes: " + lastCupsError();
    return detail::statusFromReply(reply.get(), noReply.c_str());
}

IppJobResult IppPrinter::jobState(int jobId) const {
    std::string why;
    HttpPtr http = connectTo(m_host, m_port, m_tls, m_options.requestTimeout, why);
    if (!http) {
        IppJobResult result;
        result.jobId = jobId;
        result.message = why;
        return result;
    }
    ipp_t* request = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
    addOperationAttributes(request, m_uri);
    ippAddInteger(request, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", jobId);
    static const char* const wanted[]
        = { "job-id", "job-state", "job-state-reasons", "job-state-message" };
    ippAddStrings(
        request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 4, nullptr, wanted);
    detail::IppPtr reply(cupsDoRequest(http.get(), request, m_resource.c_str()));
    const std::string noReply = "no reply to Get-Job-Attributes: " + lastCupsError();
    IppJobResult result = detail::jobFromReply(reply.get(), noReply.c_str());
    result.jobId = jobId;
    return result;
}

IppJobResult IppPrinter::print(std::span<const std::uint8_t> pdf, const std::string& jobName,
    const std::string& requestingUser) const {
    IppPrinterStatus before = status();
    if (!before.canPrint()) {
        throw IppPrinterNotReady(std::move(before));
    }

    std::string why;
    HttpPtr http = connectTo(m_host, m_port, m_tls, m_options.requestTimeout, why);
    if (!http) {
        throw IppError("report printer: " + why, hc::NextStep::Retry);
    }
    detail::IppPtr request(ippNewRequest(IPP_OP_PRINT_JOB));
    addOperationAttributes(request.get(), m_uri);
    ippAddString(request.get(), IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr,
        requestingUser.c_str());
    ippAddString(
        request.get(), IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", nullptr, jobName.c_str());
    ippAddString(request.get(), IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", nullptr,
        "application/pdf");

    const auto started = std::chrono::steady_clock::now();
    // The length is the whole HTTP body: the IPP request followed by the document.
    http_status_t sent = cupsSendRequest(
        http.get(), request.get(), m_resource.c_str(), ippLength(request.get()) + pdf.size());
    if (sent != HTTP_STATUS_CONTINUE) {
        // Nothing but the request header went out: no job exists.
        throw IppError("report printer refused Print-Job: " + lastCupsError(), hc::NextStep::Retry);
    }
    // From here on the printer has (part of) the document: a lost reply means Unknown.
    IppJobResult result;
    constexpr std::size_t chunk = 64 * 1024;
    for (std::size_t offset = 0; offset < pdf.size() && sent == HTTP_STATUS_CONTINUE;
         offset += chunk) {
        const std::size_t n = std::min(chunk, pdf.size() - offset);
        sent = cupsWriteRequestData(
            http.get(), reinterpret_cast<const char*>(pdf.data() + offset), n);
    }
    if (sent != HTTP_STATUS_CONTINUE) {
        result.message = "sending the document failed midway: " + lastCupsError();
        return result;
    }
    detail::IppPtr reply(cupsGetResponse(http.get(), m_resource.c_str()));
    if (!reply) {
        result.message = "no reply to Print-Job: " + lastCupsError();
        return result;
    }
    const ipp_status_t replyStatus = ippGetStatusCode(reply.get());
    if (replyStatus >= IPP_STATUS_ERROR_BAD_REQUEST) {
        // The printer answered with an error: it did not create the job.
        const bool configuration = replyStatus < IPP_STATUS_ERROR_INTERNAL
            && replyStatus != IPP_STATUS_ERROR_NOT_POSSIBLE;
        throw IppError(std::string("report printer refused the job: ") + ippErrorString(replyStatus)
                + " (" + lastCupsError() + ")",
            configuration ? hc::NextStep::CheckConfiguration : hc::NextStep::Retry,
            static_cast<int>(replyStatus));
    }
    const IppJobResult created = detail::jobFromReply(reply.get(), "");
    if (created.jobId <= 0) {
        result.message = "Print-Job reply without a job-id";
        return result;
    }
    http.reset();

    // Follow the job until a terminal state or the deadline.
    const auto deadline = started + m_options.jobTimeout;
    IppJobResult last = created;
    while (true) {
        IppJobResult now = jobState(created.jobId);
        if (now.state != IppJobState::Unknown) {
            last = now;
        }
        if (now.state == IppJobState::Completed || now.state == IppJobState::Aborted
            || now.state == IppJobState::Canceled) {
            now.printer = status();
            return now;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            IppJobResult unknown;
            unknown.jobId = created.jobId;
            unknown.reasons = last.reasons;
            unknown.message = "no end of job " + std::to_string(created.jobId) + " seen within "
                + std::to_string(m_options.jobTimeout.count())
                + " ms (last seen: " + describe(last.state) + "; " + now.message + ")";
            IppPrinterStatus after = status();
            unknown.printer = after;
            return unknown;
        }
        std::this_thread::sleep_for(m_options.pollInterval);
    }
}

IppJobResult IppPrinter::printChecked(std::span<const std::uint8_t> pdf, const std::string& jobName,
    const std::string& requestingUser) const {
    IppJobResult result = print(pdf, jobName, requestingUser);
    if (!result.completed()) {
        throw IppJobFailed(std::move(result));
    }
    return result;
}

} // namespace hc::printer
