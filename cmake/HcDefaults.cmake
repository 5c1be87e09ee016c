# Project-wide compile settings, applied per target with hc_target_defaults(<target>).

set(HC_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough)

if(HC_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

function(hc_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE ${HC_WARNINGS})
endfunction()

# hc_library(<name> SOURCES ... [PUBLIC_LIBS ...] [PRIVATE_LIBS ...])
# A static library whose public headers live in <dir>/include.
function(hc_library name)
  cmake_parse_arguments(A "" "" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  add_library(${name} STATIC ${A_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                     PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${A_PUBLIC_LIBS} PRIVATE ${A_PRIVATE_LIBS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  hc_target_defaults(${name})
endfunction()

# hc_executable(<name> SOURCES ... [LIBS ...])
function(hc_executable name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_LIBS})
  hc_target_defaults(${name})
endfunction()

# hc_doctest(<name> SOURCES ... [LIBS ...] [LABELS ...] [TIMEOUT s] [SERIAL])
# A doctest executable registered with ctest as one test. Label "unit" for pure logic,
# "integration" for tests that start real daemons; SERIAL for tests that use the machine-wide
# pcscd socket (they run one at a time).
function(hc_doctest name)
  cmake_parse_arguments(A "SERIAL" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_LIBS} hc_doctest_main)
  hc_target_defaults(${name})
  add_test(NAME ${name} COMMAND ${name})
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  # hcard keeps what it learned about card kinds in ~/.cache by default; tests start from nothing
  # (HC_CARD_STRATEGY_CACHE=none: each hcard run learns afresh), so no run depends on an earlier one.
  set_tests_properties(${name} PROPERTIES TIMEOUT ${A_TIMEOUT} LABELS "${A_LABELS}"
                       ENVIRONMENT "HC_CARD_STRATEGY_CACHE=none")
  if(A_SERIAL)
    set_tests_properties(${name} PROPERTIES RESOURCE_LOCK pcscd)
  endif()
  if(name IN_LIST HC_CLOCK_SHIFTED_TESTS)
    set(_serial)
    if(A_SERIAL)
      set(_serial SERIAL)
    endif()
    hc_clock_shifted_copies(${name} COMMAND ${name} TIMEOUT ${A_TIMEOUT} LABELS "${A_LABELS}"
                            ${_serial})
  endif()
endfunction()

# hc_clock_shifted_copies(<test> COMMAND ... [TIMEOUT s] [LABELS ...] [SERIAL])
# Registers <test>@clock+1y and <test>@clock+10y: the same command with the wall clock of the test
# and of every process it starts moved 366 and 3653 days ahead (tests/support/clock_shift.c,
# LD_PRELOAD). A test that reads today's date instead of an injected clock fails there. The
# date-sensitive tests are listed in HC_CLOCK_SHIFTED_TESTS (tests/CMakeLists.txt).
function(hc_clock_shifted_copies name)
  cmake_parse_arguments(A "SERIAL" "TIMEOUT" "COMMAND;LABELS" ${ARGN})
  foreach(shift "1y;366" "10y;3653")
    list(GET shift 0 tag)
    list(GET shift 1 days)
    add_test(NAME ${name}@clock+${tag} COMMAND ${A_COMMAND})
    set_tests_properties(${name}@clock+${tag} PROPERTIES
      TIMEOUT ${A_TIMEOUT} LABELS "${A_LABELS};clockshift"
      ENVIRONMENT
        "LD_PRELOAD=$<TARGET_FILE:hc_clock_shift>;HC_CLOCK_SHIFT_DAYS=${days};ASAN_OPTIONS=verify_asan_link_order=0;HC_CARD_STRATEGY_CACHE=none")
    if(A_SERIAL)
      set_tests_properties(${name}@clock+${tag} PROPERTIES RESOURCE_LOCK pcscd)
    endif()
  endforeach()
endfunction()
