# Kiosk engine (hc_kiosk_core): flows on the state machine with fakes, the recovery executor.
hc_doctest(kiosk_core_engine_test SOURCES core_engine_test.cpp
  LIBS hc_kiosk_core hc_test_support LABELS unit TIMEOUT 60)
