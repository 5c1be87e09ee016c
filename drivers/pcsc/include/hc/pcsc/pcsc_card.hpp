// A card in a PC/SC reader, as a hc::card::CardChannel.
//
// Recovery rules (what users of other PC/SC libraries suffer from, handled here once):
// - SCARD_W_RESET_CARD (another application reset the card): the handle is reconnected with
//   SCardReconnect(LEAVE_CARD) and CardReset is thrown, so the application re-selects and
//   re-authenticates before it repeats the command. The next call works on the fresh handle.
// - A card pulled during a command: CardRemoved, never a generic error. A failed transmit with an
//   ambiguous code is checked with SCardStatus to tell removal from a protocol error.
// - Every other failure: a typed PcscError carrying the function, the code and the reader.
//
// Threading: one thread at a time per PcscCard. Use Transaction to keep other processes out for
// the duration of a multi-APDU operation.
#pragma once

#include "hc/card/card_channel.hpp"
#include "hc/pcsc/context.hpp"

#include <string>

namespace hc::pcsc {

/** How the card is shared with other applications. */
enum class ShareMode { Shared, Exclusive };
/** Which protocols we accept; the reader picks from the ATR. */
enum class Protocols { T0, T1, Any };
/** The protocol in effect. */
enum class ActiveProtocol { T0, T1, Raw, Undefined };

/** A connected card. Disconnects (leaving the card powered) in the destructor. */
class PcscCard final : public hc::card::CardChannel {
public:
    /** Connects to the card in `reader`. Throws NoCard, ReaderUnavailable, SharingViolation, ... */
    PcscCard(ContextPtr context, std::string reader, ShareMode mode = ShareMode::Shared,
        Protocols protocols = Protocols::Any);
    /** Same, with a context of its own. */
    explicit PcscCard(std::string reader, ShareMode mode = ShareMode::Shared,
        Protocols protocols = Protocols::Any);
    ~PcscCard() override;
    PcscCard(const PcscCard&) = delete;
    PcscCard& operator=(const PcscCard&) = delete;

    hc::card::ResponseApdu transmit(const hc::card::CommandApdu& command) override;
    /** Sends raw bytes and returns the raw answer (data + SW), for tools that pass bytes through.
     */
    hc::Bytes transmitRaw(hc::ByteView command);
    hc::Bytes atr() const override { return m_atr; }
    /** SCardReconnect(SCARD_RESET_CARD): warm reset. Other handles get SCARD_W_RESET_CARD. */
    void reset() override;
    std::string readerName() const override { return m_reader; }
    ActiveProtocol protocol() const { return m_protocol; }
    /** True while the card is still in the reader (SCardStatus). */
    bool present() const;

    /** Holds a PC/SC transaction (SCardBeginTransaction) for its lifetime: no other process
     * can send APDUs in between. Ends with SCARD_LEAVE_CARD. Not copyable. */
    class Transaction {
    public:
        explicit Transaction(PcscCard& card);
        ~Transaction();
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;

    private:
        PcscCard& m_card;
    };

private:
    friend class Transaction;
    [[noreturn]] void fail(const char* function, long code);
    void reconnectAfterReset();
    bool confirmRemoval() const;
    /** SCardTransmit into m_rx; returns the answer's length (at least 2). */
    std::size_t exchange(hc::ByteView command);
    void refreshAtr();

    ContextPtr m_context;
    std::string m_reader;
    std::intptr_t m_handle = 0;
    unsigned long m_activeProtocol = 0;
    ActiveProtocol m_protocol = ActiveProtocol::Undefined;
    hc::Bytes m_atr;
    hc::Bytes m_rx;
};

} // namespace hc::pcsc
