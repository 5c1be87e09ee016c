# Kiosk browser tests and the demo check (label integration): headless Debian chromium driven by
# playwright-core from tests/e2e (installed by scripts/setup with npm). Screenshots are kept under
# build/test-output/e2e/<test>/; each test prints their paths.
# Without node, its modules or chromium these tests would simply not exist, and a suite short of
# them looks green: configuration stops instead, saying what to install.
find_program(HC_NODE node)
find_program(HC_CHROMIUM NAMES chromium chromium-browser)
set(HC_E2E_DIR ${CMAKE_SOURCE_DIR}/tests/e2e)
set(HC_E2E_OUT ${CMAKE_BINARY_DIR}/test-output/e2e)
if(NOT HC_NODE)
  message(FATAL_ERROR "node not found: the kiosk browser tests (kiosk_e2e_ui_dev, kiosk_e2e_real) "
    "need Node.js. Run ./scripts/setup (it installs nodejs, npm and the modules of tests/e2e), "
    "or configure with -DHC_WITH_KIOSK=OFF to leave the kiosk out.")
endif()
execute_process(COMMAND ${HC_NODE} -p process.versions.node
  OUTPUT_VARIABLE HC_NODE_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE)
if(HC_NODE_VERSION VERSION_LESS 20)
  message(FATAL_ERROR "${HC_NODE} is Node.js ${HC_NODE_VERSION}: the kiosk browser tests "
    "(playwright-core) need Node.js 20 or later. Install it, then run ./scripts/setup.")
endif()
if(NOT EXISTS ${HC_E2E_DIR}/node_modules/playwright-core/package.json)
  message(FATAL_ERROR "tests/e2e/node_modules/playwright-core is missing: the kiosk browser tests "
    "need it. Run ./scripts/setup (it runs npm ci in tests/e2e from package-lock.json).")
endif()
if(NOT HC_CHROMIUM)
  message(FATAL_ERROR "chromium not found: the kiosk browser tests drive Debian's chromium. "
    "Run ./scripts/setup (apt-get install chromium).")
endif()

# (a) The UI against kiosk-ui-dev (scripted fake engine): every screen, keyboard only, elderly
# switch, contrast, touch targets, countdown, errors, PIN never shown, reconnect, timeout.
add_test(NAME kiosk_e2e_ui_dev
  COMMAND ${HC_NODE} ${HC_E2E_DIR}/ui_dev.mjs --ui-dev $<TARGET_FILE:kiosk-ui-dev>
          --ui-dir ${CMAKE_SOURCE_DIR}/kiosk/ui --out ${HC_E2E_OUT}/ui-dev
  WORKING_DIRECTORY ${HC_E2E_DIR})
set_tests_properties(kiosk_e2e_ui_dev PROPERTIES LABELS integration TIMEOUT 120 RUN_SERIAL TRUE)

# The demo, non-interactively: every component started and answering, the UI's first page and
# /api/view fetched, everything stopped. Uses the binaries of this build tree.
set(_hc_demo_ok TRUE)
foreach(t hcemu hcard hsm-tool settlementd center-sim settle his-sim escpos-sim kiosk-ui-dev)
  if(NOT TARGET ${t})
    set(_hc_demo_ok FALSE)
  endif()
endforeach()
if(_hc_demo_ok)
  add_test(NAME kiosk_demo_once COMMAND ${CMAKE_SOURCE_DIR}/scripts/demo --once --no-build)
  # Both wait for the machine-wide pcscd lock first (other build trees' PC/SC tests), which the
  # timeout includes: generous bounds, the walk itself takes about a minute.
  set_tests_properties(kiosk_demo_once PROPERTIES LABELS integration TIMEOUT 600
    RESOURCE_LOCK pcscd ENVIRONMENT "HC_BUILD_DIR=${CMAKE_BINARY_DIR}")
  # (b) The real path: the demo's stack with kioskd, driven in chromium (insert the card,
  # register, pay, print a report).
  if(TARGET kioskd)
    add_test(NAME kiosk_e2e_real
      COMMAND ${HC_NODE} ${HC_E2E_DIR}/kiosk_real.mjs --demo ${CMAKE_SOURCE_DIR}/scripts/demo
              --build-dir ${CMAKE_BINARY_DIR} --out ${HC_E2E_OUT}/kiosk-real
      WORKING_DIRECTORY ${HC_E2E_DIR})
    set_tests_properties(kiosk_e2e_real PROPERTIES LABELS integration TIMEOUT 600
      RUN_SERIAL TRUE RESOURCE_LOCK pcscd)
  endif()
else()
  message(STATUS "kiosk_demo_once not registered: the demo needs the card, hsm, settlement and kiosk modules")
endif()
