# KPIHUB_BUILD_REVISION: the git commit kpihubd reports in kpihub_build_info{revision}. Taken
# at configure time from the source checkout; "unknown" when the sources are not one (a
# release tarball), unless the packager names it with -DKPIHUB_REVISION=<commit>. Configure
# runs again when HEAD moves, so that a build never reports the commit before.
set(KPIHUB_REVISION "" CACHE STRING "Commit reported in kpihub_build_info (empty: git rev-parse HEAD)")
set(KPIHUB_BUILD_REVISION "unknown")
if(KPIHUB_REVISION)
  set(KPIHUB_BUILD_REVISION "${KPIHUB_REVISION}")
else()
  find_package(Git QUIET)
  if(GIT_FOUND)
    execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${PROJECT_SOURCE_DIR}" rev-parse HEAD
                    OUTPUT_VARIABLE head RESULT_VARIABLE rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(rc EQUAL 0 AND head MATCHES "^[0-9a-f]+$")
      set(KPIHUB_BUILD_REVISION "${head}")
      execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${PROJECT_SOURCE_DIR}" rev-parse --absolute-git-dir
                      OUTPUT_VARIABLE git_dir RESULT_VARIABLE rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
      if(rc EQUAL 0 AND EXISTS "${git_dir}/logs/HEAD")
        set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${git_dir}/logs/HEAD")
      endif()
    endif()
  endif()
endif()
if(NOT KPIHUB_BUILD_REVISION MATCHES "^[A-Za-z0-9._+-]+$")
  message(FATAL_ERROR "KPIHUB_REVISION must be a commit id: '${KPIHUB_BUILD_REVISION}'")
endif()
