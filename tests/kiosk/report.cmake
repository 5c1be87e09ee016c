# Report printing (kiosk/report, drivers/printer IPP): unit tests of the IPP state mapping and
# reply parsing; integration tests against CUPS' ippeveprinter (a private dbus-daemon beside it)
# and of the lab report PDF checked with poppler-utils and zbarimg.
find_package(Cups REQUIRED)
hc_doctest(kiosk_report_ipp_status_test SOURCES report_ipp_status_test.cpp
  LIBS hc_printer hc_kiosk_report Cups::Cups LABELS unit TIMEOUT 60)
hc_doctest(kiosk_report_ipp_printer_test SOURCES report_ipp_printer_test.cpp
  LIBS hc_printer hc_kiosk_report hc_test_support LABELS integration TIMEOUT 120)
hc_doctest(kiosk_report_pdf_test SOURCES report_pdf_test.cpp
  LIBS hc_kiosk_report hc_test_support LABELS integration TIMEOUT 120)
