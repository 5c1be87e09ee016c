// Errors of the card layer. The root hc::Error with its hc::NextStep, and hc::InputError, are
// base's (hc/base/error.hpp); the card layer adds the protocol error below.
#pragma once

#include "hc/base/error.hpp"

namespace hc {

/** The card (or the layer below) broke the protocol: an endless 61xx chain, a response larger
 * than any the middleware accepts. The card is unusable as it stands; ask for it again. */
class CardProtocolError : public Error {
public:
    /** A protocol error; the message says what the card did. */
    explicit CardProtocolError(std::string message)
        : Error(std::move(message), NextStep::ReinsertCard) { }
};

} // namespace hc
