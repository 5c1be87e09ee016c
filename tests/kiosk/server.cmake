# Kiosk web server (kiosk/server): WebServer over a fake UiPort through real sockets.
hc_doctest(kiosk_server_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/server_test.cpp
  LIBS hc_kiosk_server hc_test_support LABELS integration TIMEOUT 60)
