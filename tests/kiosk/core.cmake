# Kiosk engine (hc_kiosk_core): flows on the state machine with fakes, the recovery executor;
# kioskd as a process (kill -9 tests); the PC/SC card device; the benchmark.
hc_doctest(kiosk_core_engine_test SOURCES core_engine_test.cpp
  LIBS hc_kiosk_core hc_test_support LABELS unit TIMEOUT 60)
hc_doctest(kiosk_config_test SOURCES kioskd_config_test.cpp
  LIBS hc_kiosk_core LABELS unit TIMEOUT 60)

if(TARGET kioskd)
  hc_doctest(kiosk_kioskd_process_test SOURCES kioskd_process_test.cpp
    LIBS hc_kiosk_journal hc_test_support Boost::json LABELS integration TIMEOUT 120)
  add_dependencies(kiosk_kioskd_process_test kioskd his-sim paygw-sim escpos-sim)
  if(TARGET settlementd AND TARGET center-sim)
    # The insurance cases run only where settlementd is built.
    add_dependencies(kiosk_kioskd_process_test settlementd center-sim)
    target_compile_definitions(kiosk_kioskd_process_test PRIVATE HC_KIOSK_TEST_SETTLEMENT=1)
  endif()
endif()

if(TARGET hcemu)
  hc_doctest(kiosk_pcsc_card_test SOURCES kiosk_pcsc_card_test.cpp
    LIBS hc_kiosk_devices hc_test_support LABELS integration SERIAL TIMEOUT 120)
  add_dependencies(kiosk_pcsc_card_test hcemu)

  # Benchmark: card insert -> menu on pcscd + vpcd + hcemu, and each flow's wall time.
  add_executable(kiosk_bench kiosk_bench.cpp)
  target_link_libraries(kiosk_bench PRIVATE hc_kiosk_devices hc_test_support)
  hc_target_defaults(kiosk_bench)
  add_dependencies(kiosk_bench hcemu his-sim paygw-sim escpos-sim)
  add_test(NAME kiosk_bench COMMAND kiosk_bench)
  set_tests_properties(kiosk_bench PROPERTIES LABELS bench RESOURCE_LOCK pcscd TIMEOUT 600)
endif()
hc_doctest(kiosk_card_issuance_test SOURCES card_issuance_test.cpp
  LIBS hc_kiosk_core hc_test_support LABELS unit TIMEOUT 60)
if(TARGET hc_kiosk_issuer)
  hc_doctest(kiosk_register_card_issuer_test SOURCES register_card_issuer_test.cpp
    LIBS hc_kiosk_issuer hc_test_support LABELS unit TIMEOUT 60)
endif()
if(TARGET hc_kiosk_issuer AND TARGET hcemu AND TARGET hc_perso AND TARGET hc_pcsc)
  hc_doctest(kiosk_card_issuance_pcsc_test SOURCES card_issuance_pcsc_test.cpp
    LIBS hc_kiosk_issuer hc_perso hc_pcsc hc_emu hc_emu_profiles hc_test_support
    LABELS integration SERIAL TIMEOUT 120)
  add_dependencies(kiosk_card_issuance_pcsc_test hcemu)
endif()
hc_doctest(kiosk_core_money_test SOURCES core_money_test.cpp
  LIBS hc_kiosk_core hc_test_support LABELS unit TIMEOUT 60)
hc_doctest(kiosk_staff_auth_test SOURCES staff_auth_test.cpp
  LIBS hc_kiosk_core hc_test_support LABELS unit TIMEOUT 60)
if(TARGET hc_kiosk_devices)
  hc_doctest(kiosk_memory_card_test SOURCES memory_card_test.cpp
    LIBS hc_kiosk_devices LABELS unit TIMEOUT 60)
endif()
if(TARGET kioskd)
  hc_doctest(kiosk_kioskd_access_test SOURCES kioskd_access_test.cpp
    LIBS hc_kiosk_journal hc_test_support Boost::json LABELS integration TIMEOUT 180)
  add_dependencies(kiosk_kioskd_access_test kioskd his-sim paygw-sim escpos-sim)
endif()

# DeviceWatcher (kioskd's reader monitor): the logic with a fake event source, and once on the
# real pcscd + vpcd + hcemu stack.
hc_doctest(kiosk_device_watcher_test SOURCES device_watcher_test.cpp
  LIBS hc_kiosk_devices LABELS unit TIMEOUT 60)
if(TARGET hcemu)
  hc_doctest(kiosk_device_watcher_pcsc_test SOURCES device_watcher_pcsc_test.cpp
    LIBS hc_kiosk_devices hc_test_support LABELS integration SERIAL TIMEOUT 120)
  add_dependencies(kiosk_device_watcher_pcsc_test hcemu)
endif()
# Loads through the issuer's HSM (hc_kiosk_purse_hsm): SoftHSM2 + pcscd + vpcd + hcemu.
if(TARGET hcemu AND TARGET hc_kiosk_purse_hsm)
  hc_doctest(kiosk_hsm_load_test SOURCES kiosk_hsm_load_test.cpp
    LIBS hc_kiosk_devices hc_kiosk_purse_hsm hc_test_support hc_hsm_test_support LABELS integration
    SERIAL TIMEOUT 120)
  add_dependencies(kiosk_hsm_load_test hcemu)
endif()
