# Issuance register, batches and lifecycle (hc_issuance, hcperso). Included by CMakeLists.txt.
if(TARGET hc_issuance)
  hc_doctest(issuance_input_test SOURCES issuance_input_test.cpp
    LIBS hc_issuance LABELS unit TIMEOUT 60)
  target_include_directories(issuance_input_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
endif()
if(TARGET hc_issuance)
  hc_doctest(issuance_register_test SOURCES issuance_register_test.cpp
    LIBS hc_issuance LABELS unit TIMEOUT 60)
  target_include_directories(issuance_register_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  # The same contract on PostgreSQL, on a throwaway cluster (settlement's with_postgres.sh).
  add_executable(issuance_pg_register_test issuance_pg_register_test.cpp)
  target_link_libraries(issuance_pg_register_test PRIVATE hc_issuance PostgreSQL::PostgreSQL hc_doctest_main)
  target_include_directories(issuance_pg_register_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  hc_target_defaults(issuance_pg_register_test)
  add_test(NAME issuance_pg_register_test
    COMMAND ${CMAKE_SOURCE_DIR}/tests/settlement/with_postgres.sh $<TARGET_FILE:issuance_pg_register_test>)
  set_tests_properties(issuance_pg_register_test PROPERTIES LABELS integration TIMEOUT 90)
endif()
if(TARGET hcperso)
  # hcperso's command line: help, bad options, missing options (no cards, no HSM).
  hc_doctest(issuance_cli_test SOURCES issuance_cli_test.cpp
    LIBS hc_test_support LABELS integration TIMEOUT 60)
  target_compile_definitions(issuance_cli_test PRIVATE HC_HCPERSO="$<TARGET_FILE:hcperso>")
  add_dependencies(issuance_cli_test hcperso)
endif()
if(TARGET hcperso)
  # Integration through pcscd + vpcd + hcemu --blank with keys in SoftHSM2 (SERIAL: pcscd).
  hc_doctest(issuance_batch_test SOURCES issuance_batch_test.cpp
    LIBS hc_issuance hc_hsm hc_test_support LABELS integration SERIAL TIMEOUT 180)
  target_include_directories(issuance_batch_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_definitions(issuance_batch_test PRIVATE HC_HCPERSO="$<TARGET_FILE:hcperso>")
  add_dependencies(issuance_batch_test hcperso hcemu hcard)
endif()
if(TARGET hcperso)
  hc_doctest(issuance_lifecycle_test SOURCES issuance_lifecycle_test.cpp
    LIBS hc_issuance hc_hsm hc_test_support LABELS integration SERIAL TIMEOUT 180)
  target_include_directories(issuance_lifecycle_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_definitions(issuance_lifecycle_test PRIVATE HC_HCPERSO="$<TARGET_FILE:hcperso>")
  add_dependencies(issuance_lifecycle_test hcperso hcemu hcard)
endif()
if(TARGET hcperso)
  # Benchmark (label bench): cards/min with 1, 2, 4 readers and APDUs per card, end to end.
  hc_executable(issuance_bench SOURCES issuance_bench.cpp LIBS hc_issuance hc_hsm hc_test_support)
  target_include_directories(issuance_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_definitions(issuance_bench PRIVATE HC_HCPERSO="$<TARGET_FILE:hcperso>")
  add_dependencies(issuance_bench hcperso hcemu hcard)
  add_test(NAME issuance_bench COMMAND issuance_bench 8)
  set_tests_properties(issuance_bench PROPERTIES LABELS bench TIMEOUT 600 RESOURCE_LOCK pcscd)
endif()
if(TARGET hcperso AND TARGET escpos-sim)
  # hcperso's PIN mailer on escpos-sim, cards through pcscd + vpcd + hcemu --blank (SERIAL).
  hc_doctest(issuance_pin_mailer_test SOURCES issuance_pin_mailer_test.cpp
    LIBS hc_issuance hc_hsm hc_perso hc_emu hc_emu_profiles hc_test_support
    LABELS integration SERIAL TIMEOUT 180)
  target_include_directories(issuance_pin_mailer_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_definitions(issuance_pin_mailer_test PRIVATE HC_HCPERSO="$<TARGET_FILE:hcperso>")
  add_dependencies(issuance_pin_mailer_test hcperso hcemu hcard escpos-sim)
endif()
