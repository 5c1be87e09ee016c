# Declared dependencies between the modules (docs/architecture.md, "Declared dependencies").
#
# The first line of every module's CMakeLists.txt declares what the module may use:
#
#   hc_module(kiosk DEPENDS base card drivers OPTIONAL firmware-tools hsm settlement)
#   if(HC_MODULE_OFF)
#     return()
#   endif()
#
#   DEPENDS   modules the module cannot build without. When one of them is not in the build
#             (HC_WITH_<NAME>=OFF, or turned off itself because of its own dependencies), the
#             module is turned off too: HC_MODULE_OFF is set and the module returns. The top
#             level then names, per option, everything that option turned off.
#   OPTIONAL  modules the module uses when they are in the build and does without otherwise
#             (its CMake guards those parts with if(TARGET ...)).
#
# A folder inside a module that needs more than its module declares is a part, named
# <module>/<folder>, declared the same way with only what it adds:
#
#   hc_module(firmware-tools/perso DEPENDS hsm)
#
# A part whose dependency is missing is left out (HC_MODULE_OFF); the rest of its module builds.
#
# The declarations are also the include rule: scripts/check-includes reads these hc_module()
# lines and fails when a file includes hc/<x>/... of a module its folder's declarations (its own
# module's, its part's) do not name. One source of truth: the lines here, not a second table.

# Whether module or part `name` is in this build (ON/OFF into `out`). base is always built.
function(hc_module_built name out)
  if(name STREQUAL "base")
    set(${out} ON PARENT_SCOPE)
    return()
  endif()
  get_property(b GLOBAL PROPERTY HC_MODULE_BUILT_${name})
  if(b)
    set(${out} ON PARENT_SCOPE)
  else()
    set(${out} OFF PARENT_SCOPE)
  endif()
endfunction()

function(_hc_module_declare name)
  cmake_parse_arguments(A "" "" "DEPENDS;OPTIONAL" ${ARGN})
  if(A_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "hc_module(${name}): unexpected arguments ${A_UNPARSED_ARGUMENTS} "
                        "(write hc_module(<name> DEPENDS <module>... [OPTIONAL <module>...]))")
  endif()
  set_property(GLOBAL APPEND PROPERTY HC_MODULES_DECLARED ${name})
  set_property(GLOBAL PROPERTY HC_MODULE_OPTIONAL_${name} ${A_OPTIONAL})
  set(missing)
  foreach(d IN LISTS A_DEPENDS)
    hc_module_built(${d} built)
    if(NOT built)
      list(APPEND missing ${d})
    endif()
  endforeach()
  if(missing)
    set_property(GLOBAL APPEND PROPERTY HC_MODULES_TURNED_OFF ${name})
    set_property(GLOBAL PROPERTY HC_MODULE_MISSING_${name} ${missing})
    set(HC_MODULE_OFF ON PARENT_SCOPE)
  else()
    set_property(GLOBAL PROPERTY HC_MODULE_BUILT_${name} ON)
    set(HC_MODULE_OFF OFF PARENT_SCOPE)
  endif()
endfunction()

# hc_module(<name> DEPENDS <module>... [OPTIONAL <module>...]): see above. Sets HC_MODULE_OFF in
# the calling folder.
macro(hc_module name)
  _hc_module_declare(${name} ${ARGN})
endmacro()

# After every module was added: one message per HC_WITH_<NAME>=OFF naming what it turned off
# (directly or through a chain of dependencies), e.g.
#   HC_WITH_HSM=OFF also turns off: firmware-tools/perso, firmware-tools/hcperso
function(hc_modules_report_turned_off modules)
  get_property(turned_off GLOBAL PROPERTY HC_MODULES_TURNED_OFF)
  foreach(m IN LISTS modules)
    string(TOUPPER ${m} M)
    string(REPLACE "-" "_" M ${M})
    if(HC_WITH_${M})
      continue()
    endif()
    set(gone ${m})
    set(names)
    # Turned-off modules and parts are recorded in configure order, which is dependency order:
    # one pass finds the chains.
    foreach(x IN LISTS turned_off)
      get_property(missing GLOBAL PROPERTY HC_MODULE_MISSING_${x})
      foreach(d IN LISTS missing)
        if(d IN_LIST gone)
          list(APPEND gone ${x})
          list(APPEND names ${x})
          break()
        endif()
      endforeach()
    endforeach()
    # Built modules that use one of the modules gone when it is there (OPTIONAL).
    get_property(declared GLOBAL PROPERTY HC_MODULES_DECLARED)
    set(without)
    foreach(x IN LISTS declared)
      hc_module_built(${x} built)
      get_property(optional GLOBAL PROPERTY HC_MODULE_OPTIONAL_${x})
      foreach(d IN LISTS optional)
        if(built AND d IN_LIST gone)
          list(APPEND without ${x})
          break()
        endif()
      endforeach()
    endforeach()
    if(names OR without)
      set(text "HC_WITH_${M}=OFF")
      if(names)
        list(JOIN names ", " t)
        string(APPEND text " also turns off: ${t} (they depend on ${m})")
      endif()
      if(without)
        list(JOIN without ", " t)
        if(names)
          string(APPEND text ";")
        endif()
        string(APPEND text " built without the parts that use ${m} (OPTIONAL): ${t}")
      endif()
      message(WARNING "${text}. See the hc_module() lines (docs/modules.md).")
    endif()
  endforeach()
endfunction()

# hc_write_target_graph(<file>): after every folder was added, writes what CMake knows of our
# targets for scripts/check-includes' per-target check: per target its type, folder, sources,
# include folders (own and exported), link libraries (all, and those it passes on: PUBLIC and
# INTERFACE; a static library's PRIVATE ones appear there as $<LINK_ONLY:...>) and compile
# definitions (own and exported: the check reads #ifdef HC_... around an include). Read from the
# targets' properties, so it is what the build uses, not a second parse of the CMakeLists.
function(_hc_targets_in dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(s IN LISTS subdirs)
    _hc_targets_in(${s} more)
    list(APPEND targets ${more})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

function(_hc_json_list out)
  set(items)
  foreach(v IN LISTS ARGN)
    string(REPLACE "\\" "\\\\" v "${v}")
    string(REPLACE "\"" "\\\"" v "${v}")
    list(APPEND items "\"${v}\"")
  endforeach()
  list(JOIN items ", " text)
  set(${out} "[${text}]" PARENT_SCOPE)
endfunction()

function(hc_write_target_graph file)
  _hc_targets_in(${CMAKE_SOURCE_DIR} targets)
  set(entries)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(NOT type MATCHES "^(EXECUTABLE|(STATIC|SHARED|MODULE|OBJECT|INTERFACE)_LIBRARY)$")
      continue()
    endif()
    set(fields "\"type\": \"${type}\"")
    get_target_property(dir ${t} SOURCE_DIR)
    string(APPEND fields ", \"source_dir\": \"${dir}\"")
    foreach(p SOURCES INCLUDE_DIRECTORIES INTERFACE_INCLUDE_DIRECTORIES LINK_LIBRARIES
              INTERFACE_LINK_LIBRARIES COMPILE_DEFINITIONS INTERFACE_COMPILE_DEFINITIONS)
      get_target_property(v ${t} ${p})
      if(NOT v)
        set(v)
      endif()
      # "::@(0x...)" and "::@" mark link items added from another folder: not libraries.
      list(FILTER v EXCLUDE REGEX "^::@")
      _hc_json_list(j ${v})
      string(APPEND fields ", \"${p}\": ${j}")
    endforeach()
    list(APPEND entries "  \"${t}\": {${fields}}")
  endforeach()
  list(JOIN entries ",\n" text)
  file(WRITE ${file} "{\n${text}\n}\n")
endfunction()
