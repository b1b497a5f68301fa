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
        DESTINATION "${KPIHUB_CONF_DIR}" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES systemd/kpihubd.service systemd/kpihub-adapter@.service
              systemd/kpihub-adapter@.timer systemd/kpihub-adapter@.path
        DESTINATION "${KPIHUB_SYSTEMD_UNIT_DIR}")
install(FILES systemd/kpihub.sysusers DESTINATION "${KPIHUB_SYSUSERS_DIR}" RENAME kpihub.conf)
install(FILES systemd/kpihub.tmpfiles DESTINATION "${KPIHUB_TMPFILES_DIR}" RENAME kpihub.conf)
# The department profiles are templates: an operator copies one to
# /etc/kpihub-adapter/<dept>.toml (docs/operations.md, "Adapters").
install(DIRECTORY config/profiles/ DESTINATION "${CMAKE_INSTALL_DATADIR}/kpihub/profiles"
        FILES_MATCHING PATTERN "*.toml")
install(DIRECTORY dashboards/ DESTINATION "${CMAKE_INSTALL_DATADIR}/kpihub/dashboards"
        PATTERN "*_test*" EXCLUDE PATTERN "tests" EXCLUDE
        PATTERN "kpihub-rules*" EXCLUDE)  # rendered and installed by cmake/KpihubRules.cmake
install(FILES README.md DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(DIRECTORY docs/ DESTINATION "${CMAKE_INSTALL_DOCDIR}" FILES_MATCHING PATTERN "*.md")

# The .deb: `cpack -G DEB` in the build directory.
# The tests run cpack after the build; packaging must not rebuild the whole tree first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "kpihub")
set(CPACK_PACKAGE_VENDOR "焦作国家高新技术产业开发区")
set(CPACK_PACKAGE_CONTACT "kpihub operators <kpihub@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "department indicator feeds into KPI state, exported to Prometheus")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
# Library dependencies come from dpkg-shlibdeps on the built binaries; systemd provides
# systemd-sysusers and systemd-tmpfiles for the maintainer scripts.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "lmdb-utils")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus, grafana")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/packaging/debian/conffiles;${PROJECT_SOURCE_DIR}/packaging/debian/postinst;${PROJECT_SOURCE_DIR}/packaging/debian/prerm;${PROJECT_SOURCE_DIR}/packaging/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
