#include "hc/settle/zap_authenticator.hpp"

#include <array>
#include <vector>
#include <zmq_addon.hpp>

namespace hc::settle {

ZapAuthenticator::ZapAuthenticator(zmq::context_t& context, AllowList allow, Decision onDecision,
    std::chrono::milliseconds startDelay)
    : m_socket(context, zmq::socket_type::rep)
    , m_allow(std::move(allow))
    , m_onDecision(std::move(onDecision))
    , m_startDelay(startDelay) {
    m_socket.bind("inproc://zeromq.zap.01"); // now, before any CURVE socket is bound
    m_socket.set(zmq::sockopt::rcvtimeo, 200);
    m_socket.set(zmq::sockopt::linger, 0);
    m_thread = std::thread([this] { run(); });
}

ZapAuthenticator::~ZapAuthenticator() {
    m_stop = true;
    m_thread.join();
}

void ZapAuthenticator::run() {
    std::this_thread::sleep_for(m_startDelay);
    while (!m_stop) {
        std::vector<zmq::message_t> req;
        try {
            if (!zmq::recv_multipart(m_socket, std::back_inserter(req)) || req.size() < 6) {
                continue;
            }
        } catch (const zmq::error_t&) {
            continue; // EINTR; the context ending is after our destructor
        }
        std::string status = "400", text = "denied", user;
        if (req[5].to_string() == "CURVE" && req.size() >= 7 && req[6].size() == 32) {
            char z85[41] = {};
            zmq_z85_encode(z85, static_cast<const uint8_t*>(req[6].data()), 32);
            const auto it = m_allow.find(z85);
            if (it != m_allow.end()) {
                status = "200";
                text = "OK";
                user = it->second;
            }
        }
        if (m_onDecision) {
            m_onDecision(status, user);
        }
        std::array<zmq::const_buffer, 6> reply = { zmq::str_buffer("1.0"),
            zmq::buffer(req[1].data(), req[1].size()), zmq::buffer(status), zmq::buffer(text),
            zmq::buffer(user), zmq::const_buffer(nullptr, 0) };
        zmq::send_multipart(m_socket, reply);
    }
}

} // namespace hc::settle
