# Refunds to the card's e-purse and 退号 (appointment cancellation): the engine with fakes, and
# kioskd as a process with his-sim, paygw-sim and the file-backed card (kill -9 after the HIS
# cancel and after the card refund load).
hc_doctest(kiosk_refund_engine_test SOURCES refund_engine_test.cpp
  LIBS hc_kiosk_core hc_test_support LABELS unit TIMEOUT 60)

if(TARGET kioskd)
  hc_doctest(kiosk_kioskd_refund_process_test SOURCES kioskd_refund_process_test.cpp
    LIBS hc_kiosk_journal hc_test_support Boost::json LABELS integration TIMEOUT 120)
  add_dependencies(kiosk_kioskd_refund_process_test kioskd his-sim paygw-sim escpos-sim)
endif()
