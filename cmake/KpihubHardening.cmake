# Hardening flags the Debian way: whatever `dpkg-buildflags` gives with every hardening
# feature on (stack protector, _FORTIFY_SOURCE, format security, relro, bindnow, PIE) for the
# optimised builds the package is made from. The optimisation and debug-info levels stay the
# build type's; path remapping is left out so that ccache can share objects between checkouts.
# Sanitizer and fuzzing builds are left alone: _FORTIFY_SOURCE and -O0 or ASan do not mix.
option(KPIHUB_HARDENING "Add dpkg-buildflags' hardening flags to optimised builds" ON)
find_program(KPIHUB_DPKG_BUILDFLAGS dpkg-buildflags)
if(KPIHUB_HARDENING AND KPIHUB_DPKG_BUILDFLAGS AND NOT KPIHUB_SANITIZE AND NOT KPIHUB_TSAN
   AND NOT KPIHUB_FUZZ AND NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
  set(_kpihub_env
      "DEB_BUILD_MAINT_OPTIONS=hardening=+all reproducible=-fixfilepath,-fixdebugpath"
      "DEB_CFLAGS_MAINT_STRIP=-g -O2" "DEB_CXXFLAGS_MAINT_STRIP=-g -O2")
  foreach(_kind CPPFLAGS CXXFLAGS LDFLAGS)
    execute_process(COMMAND ${CMAKE_COMMAND} -E env ${_kpihub_env}
                            ${KPIHUB_DPKG_BUILDFLAGS} --get ${_kind}
                    OUTPUT_VARIABLE _flags OUTPUT_STRIP_TRAILING_WHITESPACE
                    COMMAND_ERROR_IS_FATAL ANY)
    separate_arguments(_flags UNIX_COMMAND "${_flags}")
    set(KPIHUB_HARDENING_${_kind} ${_flags})
  endforeach()
  add_compile_options(${KPIHUB_HARDENING_CPPFLAGS} ${KPIHUB_HARDENING_CXXFLAGS})
  add_link_options(${KPIHUB_HARDENING_LDFLAGS})
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  message(STATUS "hardening flags: ${KPIHUB_HARDENING_CPPFLAGS} ${KPIHUB_HARDENING_CXXFLAGS} ${KPIHUB_HARDENING_LDFLAGS}")
endif()
