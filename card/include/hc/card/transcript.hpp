// JSONL APDU transcripts, as written by RecordingChannel and read by ReplayChannel.
//
//   {"atr":"3B6D...","reader":"Virtual PCD 00 00"}           first line: header
//   {"step":1,"cmd":"00A4040008A000000333010101","rsp":"9000"}
//   {"step":2,"cmd":"0020008106************","rsp":"9000"}     masked bytes as "**"
//   {"step":3,"reset":true,"atr":"3B6D..."}                    a card reset
//
// Steps are numbered from 1 without gaps. Empty lines are ignored. In a command "**" matches any
// byte on replay; in a response it replays as 00. parseTranscript checks everything and throws
// hc::InputError naming the line. Pure functions, safe from any thread.
#pragma once

#include "hc/card/apdu_mask.hpp"
#include "hc/card/bytes.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hc::card {

/** One step of a transcript: an exchange or a reset. */
struct TranscriptStep {
    /** Step number, from 1. */
    std::size_t step = 0;
    /** True for a reset step (command and response empty, atr set). */
    bool reset = false;
    /** Command bytes, possibly masked. */
    MaskedBytes command;
    /** Response bytes (data and SW), possibly masked; at least 2 bytes for an exchange. */
    MaskedBytes response;
    /** ATR after a reset step. */
    Bytes atr;
};

/** A whole transcript. */
struct Transcript {
    /** ATR from the header. */
    Bytes atr;
    /** Reader name from the header. */
    std::string reader;
    /** Steps in order. */
    std::vector<TranscriptStep> steps;
};

/** Parses JSONL text. Throws InputError naming the line number and the problem. */
Transcript parseTranscript(std::string_view jsonl);
/** Reads and parses a file. Throws hc::Error (CheckConfiguration) when it cannot be read. */
Transcript loadTranscript(const std::filesystem::path& path);

/** The header line {"atr":..,"reader":..} (no newline). */
std::string transcriptHeaderLine(ByteView atr, std::string_view reader);
/** An exchange line {"step":n,"cmd":..,"rsp":..}. */
std::string transcriptExchangeLine(
    std::size_t step, const MaskedBytes& command, const MaskedBytes& response);
/** A reset line {"step":n,"reset":true,"atr":..}. */
std::string transcriptResetLine(std::size_t step, ByteView atr);

} // namespace hc::card
