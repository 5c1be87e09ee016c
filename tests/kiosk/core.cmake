# Kiosk engine (hc_kiosk_core): flows on the state machine with fakes, the recovery executor.
hc_doctest(kiosk_core_engine_test SOURCES core_engine_test.cpp
  LIBS hc_kiosk_core hc_test_support LABELS unit TIMEOUT 60)
hc_doctest(kiosk_kioskd_process_test SOURCES kioskd_process_test.cpp
  LIBS hc_kiosk_journal hc_test_support Boost::json LABELS integration TIMEOUT 120)
add_dependencies(kiosk_kioskd_process_test kioskd his-sim paygw-sim escpos-sim)
