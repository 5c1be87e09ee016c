# kioskd with card issuance configured, as a process: pcscd + dispenser-sim (hcemu --blank on
# vpcd slot 2) + SoftHSM2 + his-sim; kill -9 between the write and the eject (SERIAL: pcscd).
if(TARGET kioskd AND TARGET hc_kiosk_issuer AND TARGET dispenser-sim AND TARGET hcemu
   AND TARGET hcard AND TARGET hc_perso)
  hc_doctest(kiosk_kioskd_issuance_process_test SOURCES kioskd_issuance_process_test.cpp
    LIBS hc_kiosk_issuer hc_perso hc_pcsc hc_emu hc_emu_profiles hc_test_support Boost::json
    LABELS integration SERIAL TIMEOUT 180)
  add_dependencies(kiosk_kioskd_issuance_process_test kioskd his-sim dispenser-sim hcemu hcard)
endif()
