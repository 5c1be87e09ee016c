hc_doctest(test_vreader_unit
  SOURCES vreader_frame_test.cpp vreader_slot_test.cpp
  LIBS hc_vreader Threads::Threads
  LABELS unit TIMEOUT 60)
target_compile_definitions(test_vreader_unit
  PRIVATE HC_IMAGES_DIR="${CMAKE_SOURCE_DIR}/firmware-tools/images")

if(TARGET hcemu AND TARGET ifdhcvr)
  hc_doctest(test_vreader_integration
    SOURCES vreader_integration_test.cpp
    LIBS hc_pcsc hc_card hc_test_support
    LABELS integration SERIAL TIMEOUT 180)
  add_dependencies(test_vreader_integration hcemu ifdhcvr)

  add_executable(vreader_bench vreader_bench.cpp)
  target_link_libraries(vreader_bench PRIVATE hc_test_support)
  hc_target_defaults(vreader_bench)
  add_dependencies(vreader_bench hcemu ifdhcvr)
  add_test(NAME vreader_bench COMMAND vreader_bench)
  set_tests_properties(vreader_bench PROPERTIES LABELS bench RESOURCE_LOCK pcscd TIMEOUT 300)
endif()

# The C entry points through dlopen, without pcscd.
if(TARGET ifdhcvr)
  hc_doctest(test_vreader_ifd
    SOURCES vreader_ifd_test.cpp
    LIBS ${CMAKE_DL_LIBS} Threads::Threads
    LABELS unit TIMEOUT 60)
  target_include_directories(test_vreader_ifd SYSTEM PRIVATE ${PCSC_INCLUDE_DIRS})
  target_compile_definitions(test_vreader_ifd PRIVATE HC_VREADER_SO="$<TARGET_FILE:ifdhcvr>")
  add_dependencies(test_vreader_ifd ifdhcvr)
endif()
