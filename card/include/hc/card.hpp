// hc/card.hpp: the public header of the card/ module. Include this one file.
//
// WHAT IS HERE
//   Pure protocol for ISO 7816 cards, no I/O of its own:
//   - bytes.hpp          hc::Bytes / hc::ByteView, hex text, big-endian helpers
//   - error.hpp          hc::Error (with NextStep), hc::InputError, hc::CardProtocolError
//   - status_word.hpp    StatusWord values with a catalogue (ISO 7816-4, 9302, 9401, 9403, 63Cx
//   ...)
//   - apdu.hpp           CommandApdu (cases 1-4, short and extended) and ResponseApdu
//   - tlv.hpp            BER-TLV (tags up to 3 bytes, lengths up to 83 xx xx xx, nesting) and
//                        the health card's simple TLV (1-byte tag, 1-byte length)
//   - atr.hpp            ISO 7816-3 ATR parser, PC/SC contactless pseudo-ATR
//   - card_channel.hpp   CardChannel: transmit, atr, reset, readerName
//   - t0_channel.hpp     decorator: 61xx GET RESPONSE chains, 6Cxx resend
//   - apdu_mask.hpp      MaskPolicy: which command / response data a trace must hide
//   - tracing_channel.hpp   decorator: one masked text line per exchange
//   - transcript.hpp     JSONL transcript format
//   - recording_channel.hpp decorator: writes a masked JSONL transcript
//   - replay_channel.hpp CardChannel answering from a transcript, ReplayMismatch on divergence
//   - scripted_channel.hpp  CardChannel for unit tests: expected command -> response pairs
//
// COMPOSING DECORATORS
//   Each decorator owns its inner channel (CardChannelPtr) and exposes it with inner(). Build the
//   stack from the reader outwards:
//
//     CardChannelPtr ch = openReader(...);                           // drivers/pcsc
//     ch = std::make_unique<TracingChannel>(std::move(ch), sink);    // sees every raw APDU
//     ch = std::make_unique<T0Channel>(std::move(ch));               // 61xx / 6Cxx handled here
//     ch = std::make_unique<RecordingChannel>(std::move(ch), file);  // application-level steps
//
//   Tracing below T0Channel shows the GET RESPONSE traffic (and masks the data of a masked
//   command's chain); tracing above it shows one line per application command. Recording above
//   T0Channel gives transcripts that replay against any transport; recording below it gives
//   transcripts of the raw T=0 dialogue (replay those under a T0Channel).
//
// THREADING
//   A channel, decorated or not, is used by one thread at a time; a caller sharing one between
//   threads serialises access itself. Value types (APDUs, TLV, Atr, StatusWord, MaskPolicy,
//   Transcript) are immutable after construction or plain values and may be shared freely.
//   Free functions are pure. Sinks are called on the thread that uses the channel.
//
// ERROR MODEL
//   - Status words are values, never exceptions: transmit() returns 6A82 as a normal response.
//   - Malformed input from outside (APDU bytes, TLV, ATR, hex, transcripts) throws hc::InputError
//     naming the offset or line and what was wrong. Parsers are bounds-checked and fuzzed.
//   - A card breaking the transport protocol (endless 61xx, oversized response) throws
//     hc::CardProtocolError (next step: reinsert the card).
//   - ReplayMismatch / ScriptMismatch: the session diverged from its transcript / script; they
//     carry the step number, the expected and the actual command hex.
//   - Transport failures (card removed, reader gone) come from the driver as hc::Error
//     subclasses; every hc::Error says via nextStep() what the caller should do.
//
// SECRETS
//   PINs, key material and patient data read from the card never reach a trace or a transcript
//   under the default MaskPolicy; see apdu_mask.hpp for the table and how to change it.
#pragma once

#include "hc/card/apdu.hpp"
#include "hc/card/apdu_mask.hpp"
#include "hc/card/atr.hpp"
#include "hc/card/bytes.hpp"
#include "hc/card/card_channel.hpp"
#include "hc/card/error.hpp"
#include "hc/card/line_sink.hpp"
#include "hc/card/recording_channel.hpp"
#include "hc/card/replay_channel.hpp"
#include "hc/card/scripted_channel.hpp"
#include "hc/card/status_word.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/card/tlv.hpp"
#include "hc/card/tracing_channel.hpp"
#include "hc/card/transcript.hpp"
