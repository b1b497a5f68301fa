# What `cmake --install` puts where, and the CPack .deb built from it. Programs, docs and
# dashboards follow GNUInstallDirs under the prefix (/usr for the package); configuration,
# units, sysusers.d and tmpfiles.d go where Debian 12's systemd looks for them whatever the
# prefix (cache variables, for another distribution).
# Included last from the top-level CMakeLists.txt, after every target's own install() rules.

set(KPIHUB_SYSTEMD_UNIT_DIR "/lib/systemd/system" CACHE PATH "systemd system unit directory")
set(KPIHUB_SYSUSERS_DIR "/usr/lib/sysusers.d" CACHE PATH "sysusers.d directory")
set(KPIHUB_TMPFILES_DIR "/usr/lib/tmpfiles.d" CACHE PATH "tmpfiles.d directory")
set(KPIHUB_CONF_DIR "/etc/kpihub" CACHE PATH "kpihubd configuration directory")

# The installed kpihubd.toml is the documented example with the catalogue taken from
# /etc/kpihub/catalogue.toml, so that an operator edits the catalogue and reloads.
file(READ "${PROJECT_SOURCE_DIR}/config/kpihubd.toml" KPIHUB_CONFIG_TEXT)
string(REPLACE "catalogue = \"\"" "catalogue = \"${KPIHUB_CONF_DIR}/catalogue.toml\""
       KPIHUB_CONFIG_TEXT "${KPIHUB_CONFIG_TEXT}")
file(CONFIGURE OUTPUT "${PROJECT_BINARY_DIR}/packaging/kpihubd.toml" CONTENT "${KPIHUB_CONFIG_TEXT}"
     @ONLY)

install(FILES "${PROJECT_BINARY_DIR}/packaging/kpihubd.toml" "${PROJECT_SOURCE_DIR}/config/catalogue.toml"
        DESTINATION "${KPIHUB_CONF_DIR}" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES systemd/kpihubd.service systemd/kpihub-adapter@.service
              systemd/kpihub-adapter@.timer systemd/kpihub-adapter@.path systemd/kpihub-pull@.service
        DESTINATION "${KPIHUB_SYSTEMD_UNIT_DIR}")
install(FILES systemd/kpihub.sysusers DESTINATION "${KPIHUB_SYSUSERS_DIR}" RENAME kpihub.conf)
install(FILES systemd/kpihub.tmpfiles DESTINATION "${KPIHUB_TMPFILES_DIR}" RENAME kpihub.conf)
# The department profiles are templates: an operator copies one to
# /etc/kpihub-adapter/<dept>.toml (docs/operations.md, "Adapters").
install(DIRECTORY config/profiles/ DESTINATION "${CMAKE_INSTALL_DATADIR}/kpihub/profiles"
        FILES_MATCHING PATTERN "*.toml")
# The rule unit tests (promtool test rules) stay in the source tree.
install(DIRECTORY dashboards/ DESTINATION "${CMAKE_INSTALL_DATADIR}/kpihub/dashboards"
        PATTERN "*_test*" EXCLUDE PATTERN "*.test.yml*" EXCLUDE PATTERN "tests" EXCLUDE
        PATTERN "kpihub-rules*" EXCLUDE)  # rendered and installed by cmake/KpihubRules.cmake
install(FILES README.md DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(DIRECTORY docs/ DESTINATION "${CMAKE_INSTALL_DOCDIR}" FILES_MATCHING PATTERN "*.md")

# What Debian policy asks of every binary package: a machine-readable copyright file, a
# compressed changelog (gzip -9n: no name or time stamp, so the package is reproducible) and a
# manual page for every program (kpihub_man_pages in cmake/KpihubManPages.cmake).
set(KPIHUB_MAINTAINER "kpihub maintainers <kpihub@jiaozuo-hitech.example.org>"
    CACHE STRING "Maintainer of the .deb (name <mail>)")
string(TIMESTAMP KPIHUB_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
# A native package (built from this repository, no Debian revision): the changelog is
# changelog.gz.
configure_file(packaging/debian/changelog.in "${PROJECT_BINARY_DIR}/packaging/changelog" @ONLY)
add_custom_command(
  OUTPUT "${PROJECT_BINARY_DIR}/packaging/changelog.gz"
  COMMAND gzip -9nfk "${PROJECT_BINARY_DIR}/packaging/changelog"
  DEPENDS "${PROJECT_BINARY_DIR}/packaging/changelog")
add_custom_target(kpihub_changelog ALL DEPENDS "${PROJECT_BINARY_DIR}/packaging/changelog.gz")
install(FILES packaging/debian/copyright "${PROJECT_BINARY_DIR}/packaging/changelog.gz"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}")
include(cmake/KpihubManPages.cmake)

# The .deb: `cpack -G DEB` in the build directory.
# The tests run cpack after the build; packaging must not rebuild the whole tree first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "kpihub")
set(CPACK_PACKAGE_VENDOR "焦作国家高新技术产业开发区")
set(CPACK_PACKAGE_CONTACT "${KPIHUB_MAINTAINER}")
# The extended description (CPack indents it and turns blank lines into " .").
set(CPACK_PACKAGE_DESCRIPTION_FILE "${PROJECT_SOURCE_DIR}/packaging/debian/description.txt")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "department indicator feeds into KPI state, exported to Prometheus")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
# Library dependencies come from dpkg-shlibdeps on the built binaries; systemd provides
# systemd-sysusers and systemd-tmpfiles for the maintainer scripts (deb-systemd-helper and
# deb-systemd-invoke come from init-system-helpers, which is essential); tzdata the time zones
# `kpihub` prints moments in.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd, tzdata")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "lmdb-utils")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus, grafana")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/packaging/debian/conffiles;${PROJECT_SOURCE_DIR}/packaging/debian/postinst;${PROJECT_SOURCE_DIR}/packaging/debian/prerm;${PROJECT_SOURCE_DIR}/packaging/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
