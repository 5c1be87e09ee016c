// Keeps hc_emu_profiles non-empty when no profile is compiled in yet.
namespace hc::emu::detail {
int profileAnchor = 0;
} // namespace hc::emu::detail
