# Every third-party dependency is found here, once, and exposed as an imported target.
# Why each one is here is written in docs/dependencies.md.

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL 3.0 REQUIRED)                  # SM4/SM3/SM2, 3DES, AES
pkg_check_modules(PCSC REQUIRED IMPORTED_TARGET libpcsclite)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)       # 9101/9102 reconciliation files
find_package(PostgreSQL REQUIRED)                   # libpq
# Boost 1.81: Debian 12's default 1.74 has no Boost.JSON.
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS json program_options)
find_package(doctest REQUIRED)

# Boost headers trigger some of our stricter warnings; include them as system headers.
foreach(t Boost::headers Boost::json Boost::program_options)
  get_target_property(_inc ${t} INTERFACE_INCLUDE_DIRECTORIES)
  if(_inc)
    set_target_properties(${t} PROPERTIES INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${_inc}")
  endif()
endforeach()

# One doctest main shared by every test executable.
file(WRITE ${CMAKE_BINARY_DIR}/hc_doctest_main.cpp
     "#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN\n#include <doctest/doctest.h>\n")
add_library(hc_doctest_main STATIC ${CMAKE_BINARY_DIR}/hc_doctest_main.cpp)
target_link_libraries(hc_doctest_main PUBLIC doctest::doctest)
