// The simulated dispenser behind dispenser-sim: a stock count, a reject bin, the card position,
// a jam switch, and the blank cards themselves. "Move to IC" starts `hcemu --blank` with a new
// image on the configured vpcd slot (the card is then in the issuance reader, as pcscd sees it);
// "eject" pulls it out of the reader to the gate; "capture" stops hcemu and files the image under
// bin/; the simulator's own XT ("the patient takes the card") files it under taken/ and answers
// its path (IMG=...), so a test can put the issued card in another reader and read it.
// One thread (the server loop).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <sys/types.h>

namespace hc::dispenser::sim {

/** Set-up of the simulated device. */
struct SimOptions {
    std::uint32_t stock = 20; ///< blank cards in the stack at start
    std::uint32_t lowMark = 3; ///< L=1 at or below this
    std::uint32_t binCapacity = 10; ///< F=1 when the bin holds this many
    std::filesystem::path hcemu; ///< hcemu binary ("" = no real card: positions only)
    int slot = 2; ///< vpcd slot of the issuance reader (hcemu --slot)
    std::filesystem::path dir; ///< card images: card-N.json, bin/, taken/
};

/** The device. */
class SimDevice {
public:
    explicit SimDevice(SimOptions options);
    ~SimDevice();
    SimDevice(const SimDevice&) = delete;
    SimDevice& operator=(const SimDevice&) = delete;
    /** Handles one command payload and returns the reply payload. */
    std::string handle(const std::string& command);

private:
    std::string status() const;
    std::string ok(const std::string& extra = {}) const;
    std::string er(const std::string& code) const;
    void startCard();
    void stopCard();
    std::string control(const std::string& line);
    SimOptions m_o;
    std::uint32_t m_bin = 0;
    char m_position = 'N';
    bool m_jam = false;
    bool m_jamNext = false;
    std::uint32_t m_serial = 0;
    std::filesystem::path m_image;
    pid_t m_child = -1;
    std::chrono::steady_clock::time_point m_left {}; ///< when the last card left the reader
    unsigned short m_controlPort = 0;
};

} // namespace hc::dispenser::sim
