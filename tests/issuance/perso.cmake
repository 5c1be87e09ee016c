# Card side of issuance (hc_perso, the blank-card emulator profile): unit tests in process,
# integration through pcscd + vpcd + hcemu with keys in SoftHSM2, and the benchmark.
hc_doctest(perso_engine_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/perso_engine_test.cpp
  LIBS hc_perso hc_emu hc_emu_profiles hc_test_support
  LABELS unit TIMEOUT 60)

hc_doctest(perso_pcsc_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/perso_pcsc_test.cpp
  LIBS hc_perso hc_pcsc hc_emu hc_emu_profiles hc_test_support
  LABELS integration SERIAL TIMEOUT 120)
add_dependencies(perso_pcsc_test hcemu hcard)
