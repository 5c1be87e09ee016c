#include "hc/pcsc/pcsc_card.hpp"

#include "scard_call.hpp"

#include <chrono>

namespace hc::pcsc {

namespace {
DWORD toShare(ShareMode m) {
    return m == ShareMode::Exclusive ? SCARD_SHARE_EXCLUSIVE : SCARD_SHARE_SHARED;
}
DWORD toProtocols(Protocols p) {
    switch (p) {
    case Protocols::T0:
        return SCARD_PROTOCOL_T0;
    case Protocols::T1:
        return SCARD_PROTOCOL_T1;
    case Protocols::Any:
        break;
    }
    return SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1;
}
ActiveProtocol toActive(DWORD p) {
    switch (p) {
    case SCARD_PROTOCOL_T0:
        return ActiveProtocol::T0;
    case SCARD_PROTOCOL_T1:
        return ActiveProtocol::T1;
    case SCARD_PROTOCOL_RAW:
        return ActiveProtocol::Raw;
    default:
        return ActiveProtocol::Undefined;
    }
}
// Header, extended Lc, 64 KiB data, extended Le, SW: pcsc-lite's MAX_BUFFER_SIZE_EXTENDED.
constexpr std::size_t kMaxResponse = 4 + 3 + 65536 + 3 + 2;

} // namespace

PcscCard::PcscCard(std::string reader, ShareMode mode, Protocols protocols)
    : PcscCard(std::make_shared<Context>(), std::move(reader), mode, protocols) {
}

PcscCard::PcscCard(ContextPtr context, std::string reader, ShareMode mode, Protocols protocols)
    : m_context(std::move(context))
    , m_reader(std::move(reader))
    , m_rx(kMaxResponse) {
    SCARDHANDLE h = 0;
    DWORD active = 0;
    HC_SCARD(SCardConnect, m_reader, m_context->handle(), m_reader.c_str(), toShare(mode),
        toProtocols(protocols), &h, &active);
    m_handle = h;
    m_activeProtocol = active;
    m_protocol = toActive(active);
    refreshAtr();
}

PcscCard::~PcscCard() {
    ::SCardDisconnect(m_handle, SCARD_LEAVE_CARD);
}

namespace {
struct CardStatus {
    LONG rv = SCARD_S_SUCCESS;
    DWORD state = 0;
    hc::Bytes atr;
};
CardStatus cardStatus(SCARDHANDLE handle) {
    BYTE atr[MAX_ATR_SIZE];
    DWORD atrLen = sizeof atr;
    DWORD proto = 0;
    char name[256];
    DWORD nameLen = sizeof name;
    CardStatus st;
    st.rv = ::SCardStatus(handle, name, &nameLen, &st.state, &proto, atr, &atrLen);
    if (st.rv == SCARD_S_SUCCESS) {
        st.atr.assign(atr, atr + atrLen);
    }
    return st;
}
} // namespace

void PcscCard::refreshAtr() {
    auto st = cardStatus(m_handle);
    if (st.rv == SCARD_S_SUCCESS) {
        m_atr = std::move(st.atr);
    }
}

bool PcscCard::present() const {
    const auto st = cardStatus(m_handle);
    if (st.rv == SCARD_W_RESET_CARD) {
        return true;
    }
    return st.rv == SCARD_S_SUCCESS
        && (st.state & (SCARD_PRESENT | SCARD_POWERED | SCARD_SPECIFIC)) != 0;
}

bool PcscCard::confirmRemoval() const {
    // pcscd notices a pulled card on its next presence poll (every 400 ms for drivers without
    // events), so a transport failure is given up to a second to show as a removal.
    SCARD_READERSTATE rs {};
    rs.szReader = m_reader.c_str();
    rs.dwCurrentState = SCARD_STATE_UNAWARE;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1200);
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        const LONG rv
            = ::SCardGetStatusChange(m_context->handle(), static_cast<DWORD>(left.count()), &rs, 1);
        if (rv != SCARD_S_SUCCESS) {
            return rv != SCARD_E_TIMEOUT;
        }
        if (rs.dwEventState & (SCARD_STATE_EMPTY | SCARD_STATE_UNAVAILABLE | SCARD_STATE_UNKNOWN)) {
            return true;
        }
        // Present: if the card was replaced meanwhile the event counter moved; either way the
        // card we talked to is gone only once pcscd says so. Wait for the next change.
        rs.dwCurrentState = rs.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
    }
}

void PcscCard::reconnectAfterReset() {
    DWORD active = 0;
    const LONG rv = ::SCardReconnect(m_handle, SCARD_SHARE_SHARED,
        SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &active);
    if (rv == SCARD_S_SUCCESS) {
        m_activeProtocol = active;
        m_protocol = toActive(active);
        refreshAtr();
    } else {
        detail::check("SCardReconnect", rv, m_reader);
    }
}

void PcscCard::fail(const char* function, long code) {
    if (code == SCARD_W_RESET_CARD) {
        reconnectAfterReset();
        detail::throwPcscError(function, code, m_reader);
    }
    // A pulled card often shows first as a transport error; ask the resource manager whether
    // the card is still there before calling it a protocol failure.
    if (code == SCARD_E_NOT_TRANSACTED || code == SCARD_F_COMM_ERROR
        || code == SCARD_E_PROTO_MISMATCH || code == SCARD_F_UNKNOWN_ERROR
        || code == SCARD_E_NO_SMARTCARD || code == SCARD_E_INVALID_HANDLE) {
        if (confirmRemoval()) {
            detail::throwPcscError(function, SCARD_W_REMOVED_CARD, m_reader);
        }
    }
    detail::throwPcscError(function, code, m_reader);
}

std::size_t PcscCard::exchange(hc::ByteView command) {
    const SCARD_IO_REQUEST* pci = m_activeProtocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0
        : m_activeProtocol == SCARD_PROTOCOL_T1                         ? SCARD_PCI_T1
                                                                        : SCARD_PCI_RAW;
    DWORD rxLen = static_cast<DWORD>(m_rx.size());
    const LONG rv = ::SCardTransmit(m_handle, pci, command.data(),
        static_cast<DWORD>(command.size()), nullptr, m_rx.data(), &rxLen);
    if (rv != SCARD_S_SUCCESS) {
        fail("SCardTransmit", rv);
    }
    if (rxLen < 2) {
        // Some drivers (vpcd among them) report success with an empty answer when the card
        // went away in the middle of the exchange.
        if (confirmRemoval()) {
            detail::throwPcscError("SCardTransmit", SCARD_W_REMOVED_CARD, m_reader);
        }
        throw CommunicationError("SCardTransmit", 0, m_reader,
            "SCardTransmit returned " + std::to_string(rxLen)
                + " bytes, fewer than a status word, on reader \"" + m_reader
                + "\"; retry, and call staff if it persists",
            NextStep::Retry);
    }
    return rxLen;
}

hc::Bytes PcscCard::transmitRaw(hc::ByteView command) {
    const std::size_t n = exchange(command);
    return hc::Bytes(m_rx.begin(), m_rx.begin() + static_cast<std::ptrdiff_t>(n));
}

hc::card::ResponseApdu PcscCard::transmit(const hc::card::CommandApdu& command) {
    const std::size_t n = exchange(command.encode());
    return hc::card::ResponseApdu::parse(hc::ByteView(m_rx.data(), n));
}

void PcscCard::reset() {
    DWORD active = 0;
    const LONG rv = ::SCardReconnect(m_handle, SCARD_SHARE_SHARED,
        SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_RESET_CARD, &active);
    if (rv != SCARD_S_SUCCESS) {
        fail("SCardReconnect", rv);
    }
    m_activeProtocol = active;
    m_protocol = toActive(active);
    refreshAtr();
}

PcscCard::Transaction::Transaction(PcscCard& card)
    : m_card(card) {
    const LONG rv = ::SCardBeginTransaction(card.m_handle);
    if (rv != SCARD_S_SUCCESS) {
        card.fail("SCardBeginTransaction", rv);
    }
}

PcscCard::Transaction::~Transaction() {
    ::SCardEndTransaction(m_card.m_handle, SCARD_LEAVE_CARD);
}

} // namespace hc::pcsc
