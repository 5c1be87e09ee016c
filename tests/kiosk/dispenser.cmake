# Card dispenser (hc_dispenser): parsers, the driver against dispenser-sim (and a pty for the
# serial path); the simulator putting a real blank card into a vpcd slot (pcscd, SERIAL).
if(TARGET hc_dispenser)
  hc_doctest(kiosk_dispenser_test SOURCES dispenser_test.cpp
    LIBS hc_dispenser hc_test_support LABELS integration TIMEOUT 60)
  add_dependencies(kiosk_dispenser_test dispenser-sim)
endif()
if(TARGET kiosk_card_issuance_pcsc_test AND TARGET dispenser-sim)
  add_dependencies(kiosk_card_issuance_pcsc_test dispenser-sim)
endif()
