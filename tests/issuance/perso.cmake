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

# Benchmark (label bench, ./scripts/bench): APDUs per card, s per card, cards/min with 1, 2, 4
# readers.
hc_executable(perso_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/perso_bench.cpp
  LIBS hc_perso hc_pcsc hc_emu hc_emu_profiles hc_test_support)
add_dependencies(perso_bench hcemu)
add_test(NAME perso_bench COMMAND perso_bench 4)
set_tests_properties(perso_bench PROPERTIES LABELS bench TIMEOUT 600 RESOURCE_LOCK pcscd)
