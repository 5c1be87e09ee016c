#include "hc/card/apdu_mask.hpp"

#include "hc/card/error.hpp"

#include <algorithm>

namespace hc::card {

MaskedBytes::MaskedBytes(Bytes bytes)
    : m_bytes(std::move(bytes))
    , m_masked(m_bytes.size(), false) {
}

MaskedBytes MaskedBytes::parseHex(std::string_view text) {
    MaskedBytes out;
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == ':' || c == '\n' || c == '\r') {
            ++i;
            continue;
        }
        if (i + 1 >= text.size()) {
            throw InputError("masked hex: lone digit at position " + std::to_string(i));
        }
        if (c == '*' || text[i + 1] == '*') {
            if (c != '*' || text[i + 1] != '*') {
                throw InputError("masked hex: '*' at position "
                    + std::to_string(c == '*' ? i : i + 1)
                    + " must come in pairs (\"**\" is one masked byte)");
            }
            out.m_bytes.push_back(0);
            out.m_masked.push_back(true);
        } else {
            Bytes b;
            try {
                b = fromHex(text.substr(i, 2));
            } catch (const InputError&) {
                throw InputError("masked hex: \"" + std::string(text.substr(i, 2))
                    + "\" at position " + std::to_string(i) + " is not a hex byte or \"**\"");
            }
            out.m_bytes.push_back(b.at(0));
            out.m_masked.push_back(false);
        }
        i += 2;
    }
    return out;
}

void MaskedBytes::mask(std::size_t offset, std::size_t count) {
    if (offset >= m_bytes.size()) {
        return;
    }
    const std::size_t end = offset + std::min(count, m_bytes.size() - offset);
    for (std::size_t i = offset; i < end; ++i) {
        m_bytes[i] = 0;
        m_masked[i] = true;
    }
}

std::size_t MaskedBytes::maskedCount() const {
    return static_cast<std::size_t>(std::count(m_masked.begin(), m_masked.end(), true));
}

std::string MaskedBytes::toHex() const {
    std::string out;
    out.reserve(m_bytes.size() * 2);
    for (std::size_t i = 0; i < m_bytes.size(); ++i) {
        if (m_masked[i]) {
            out += "**";
        } else {
            const std::uint8_t one[1] = { m_bytes[i] };
            out += hc::toHex(one);
        }
    }
    return out;
}

std::string MaskedBytes::toTraceText() const {
    std::string out;
    std::size_t i = 0;
    while (i < m_bytes.size()) {
        std::size_t j = i;
        while (j < m_bytes.size() && m_masked[j] == m_masked[i]) {
            ++j;
        }
        if (!out.empty()) {
            out += ' ';
        }
        if (m_masked[i]) {
            out += "<" + std::to_string(j - i) + (j - i == 1 ? " byte" : " bytes") + " masked>";
        } else {
            out += hc::toHex(ByteView(m_bytes).subspan(i, j - i));
        }
        i = j;
    }
    return out;
}

bool MaskedBytes::matches(ByteView actual) const {
    if (actual.size() != m_bytes.size()) {
        return false;
    }
    for (std::size_t i = 0; i < actual.size(); ++i) {
        if (!m_masked[i] && actual[i] != m_bytes[i]) {
            return false;
        }
    }
    return true;
}

bool MaskRule::appliesTo(std::uint8_t cla, std::uint8_t insByte) const {
    return insByte == ins
        && (classes.empty() || std::find(classes.begin(), classes.end(), cla) != classes.end());
}

MaskPolicy::MaskPolicy(std::vector<MaskRule> rules)
    : m_rules(std::move(rules)) {
}

MaskPolicy MaskPolicy::defaults() {
    using P = MaskPart;
    const std::vector<std::uint8_t> prop { 0x80, 0x84 };
    return MaskPolicy({
        { 0x20, {}, P::CommandData, "VERIFY: PIN" },
        { 0x24, {}, P::CommandData, "CHANGE REFERENCE DATA: old and new PIN" },
        { 0x2C, {}, P::CommandData, "RESET RETRY COUNTER: unblocking code and new PIN" },
        { 0x5E, prop, P::CommandData, "proprietary PIN change / reload" },
        { 0xD4, {}, P::CommandData, "key loading (WRITE KEY)" },
        { 0xD8, {}, P::CommandData, "PUT KEY" },
        { 0xE2, prop, P::CommandData, "proprietary key loading" },
        { 0xE4, prop, P::CommandData, "proprietary key loading" },
        { 0xB0, {}, P::ResponseData, "READ BINARY: patient data" },
        { 0xB1, {}, P::ResponseData, "READ BINARY (odd INS): patient data" },
        { 0xB2, {}, P::ResponseData, "READ RECORD: patient data" },
        { 0xB3, {}, P::ResponseData, "READ RECORD (odd INS): patient data" },
    });
}

MaskPolicy MaskPolicy::withReadDataShown() const {
    std::vector<MaskRule> rules;
    for (const auto& r : m_rules) {
        if (r.part != MaskPart::ResponseData) {
            rules.push_back(r);
        }
    }
    return MaskPolicy(std::move(rules));
}

MaskPolicy MaskPolicy::with(MaskRule rule) const {
    MaskPolicy copy = *this;
    copy.m_rules.push_back(std::move(rule));
    return copy;
}

const MaskRule* MaskPolicy::commandRule(const CommandApdu& command) const {
    for (const auto& r : m_rules) {
        if (r.part == MaskPart::CommandData && r.appliesTo(command.cla(), command.ins())) {
            return &r;
        }
    }
    return nullptr;
}

const MaskRule* MaskPolicy::responseRule(const CommandApdu& command) const {
    for (const auto& r : m_rules) {
        if (r.part == MaskPart::ResponseData && r.appliesTo(command.cla(), command.ins())) {
            return &r;
        }
    }
    return nullptr;
}

ExchangeMasker::ExchangeMasker(MaskPolicy policy)
    : m_policy(std::move(policy)) {
}

MaskedBytes ExchangeMasker::command(const CommandApdu& command) const {
    MaskedBytes out(command.encode());
    if (!command.data().empty() && m_policy.commandRule(command) != nullptr) {
        const std::size_t offset = command.extended() ? 7 : 5;
        out.mask(offset, command.data().size());
    }
    return out;
}

MaskedBytes ExchangeMasker::response(const CommandApdu& command, const ResponseApdu& response) {
    const bool isGetResponse = command.ins() == 0xC0;
    const bool masked
        = m_policy.responseRule(command) != nullptr || (isGetResponse && m_chainMasked);
    MaskedBytes out(response.encode());
    if (masked) {
        out.mask(0, response.data().size());
    }
    // A masked answer that continues with 61xx (or asks for a resend with 6Cxx) keeps the chain
    // masked until it ends.
    m_chainMasked = masked && (response.sw().moreData() || response.sw().wrongLe());
    return out;
}

} // namespace hc::card
