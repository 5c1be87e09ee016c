# kioskd kill -9 tests on the real card path (pcscd + vpcd + hcemu resident card and SAM, his-sim,
# paygw-sim, escpos-sim; settlementd + center-sim where built). SERIAL: pcscd is machine-wide.
if(TARGET kioskd AND TARGET hcemu)
  set(_hc_kpcsc_libs hc_kiosk_devices hc_kiosk_journal hc_test_support Boost::json)
  if(TARGET settlementd AND TARGET center-sim AND TARGET hc_settle_terminal)
    list(APPEND _hc_kpcsc_libs hc_settle_terminal)
  endif()
  hc_doctest(kiosk_kioskd_pcsc_process_test SOURCES kioskd_pcsc_process_test.cpp
    LIBS ${_hc_kpcsc_libs} LABELS integration SERIAL TIMEOUT 180)
  add_dependencies(kiosk_kioskd_pcsc_process_test kioskd his-sim paygw-sim escpos-sim hcemu)
  if(TARGET settlementd AND TARGET center-sim AND TARGET hc_settle_terminal)
    add_dependencies(kiosk_kioskd_pcsc_process_test settlementd center-sim)
    target_compile_definitions(kiosk_kioskd_pcsc_process_test PRIVATE HC_KIOSK_TEST_SETTLEMENT=1)
  endif()
endif()
