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
