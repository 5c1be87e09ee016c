// drivers/pcsc: the PC/SC reader driver on pcsc-lite.
//
//   hc::pcsc::listReaders()            names of the attached readers
//   hc::pcsc::ReaderMonitor            blocking insert/remove/reader-added events, cancellable
//   hc::pcsc::PcscCard                 a connected card, a hc::card::CardChannel
//   hc::pcsc::PcscCard::Transaction    RAII exclusive access for a multi-APDU operation
//   hc::pcsc::PcscError and subclasses typed failures (CardRemoved, CardReset, NoCard, ...)
//
// Typical use:
//   auto card = std::make_unique<hc::pcsc::PcscCard>("Virtual PCD 00 00");
//   hc::card::T0Channel channel(std::move(card));   // 61xx/6Cxx handled below the application
//   auto rsp = channel.transmit(hc::card::apdu::selectFid(0x3F00));
#pragma once

#include "hc/pcsc/context.hpp"
#include "hc/pcsc/error.hpp"
#include "hc/pcsc/pcsc_card.hpp"
#include "hc/pcsc/reader_monitor.hpp"
