# Manual pages for the three programs, generated at build time from their own --help by
# help2man (the version is the project's) (plus the sections in packaging/man/*.h2m), so that they cannot drift
# from the programs. Installed gzipped (-9n, reproducible) under share/man.
find_program(KPIHUB_HELP2MAN help2man REQUIRED)

function(kpihub_man_page target section summary)
  set(page "${PROJECT_BINARY_DIR}/man/${target}.${section}")
  set(include "${PROJECT_SOURCE_DIR}/packaging/man/${target}.h2m")
  add_custom_command(
    OUTPUT "${page}.gz"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${PROJECT_BINARY_DIR}/man"
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0
            ${KPIHUB_HELP2MAN} --no-info --no-discard-stderr --section=${section}
            "--name=${summary}" --version-string=${PROJECT_VERSION} --include=${include}
            --output=${page} $<TARGET_FILE:${target}>
    COMMAND gzip -9nf "${page}"
    DEPENDS ${target} "${include}"
    VERBATIM)
  set(KPIHUB_MAN_PAGES ${KPIHUB_MAN_PAGES} "${page}.gz" PARENT_SCOPE)
  install(FILES "${page}.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man${section}")
endfunction()

if(NOT KPIHUB_FUZZ)
  kpihub_man_page(kpihubd 8 "department feeds into KPI state, exported to Prometheus")
  kpihub_man_page(kpihub 1 "operate kpihubd: keys, KPIs, history, verify, backup")
  kpihub_man_page(kpihub-adapter 1 "deliver a department's export files to kpihubd")
  add_custom_target(kpihub_man_pages ALL DEPENDS ${KPIHUB_MAN_PAGES})
endif()
