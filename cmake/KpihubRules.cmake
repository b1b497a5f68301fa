# The Prometheus rules with absolute runbook links. dashboards/prometheus/kpihub-rules.yml.in
# (and its unit tests, kpihub-rules.test.yml.in) hold the placeholder @KPIHUB_RUNBOOK_BASE_URL@;
# configure renders both into ${KPIHUB_RULES_DIR}, where the promtool tests, the live tests
# and `cmake --install` take them from. A relative link is dead in Alertmanager and Grafana,
# so the base is set once per installation, as Prometheus mixins set their runbook URL pattern.
# The template is installed beside the rendered file so that an operator can render it again
# with the base of their own runbook (docs/monitoring.md, "Runbook links").

# The default is where the package puts the runbook on every installation: absolute, and
# right without any network, but a browser will not follow a file: link from a web page —
# point it at a web copy of operations.md (an intranet wiki or git server) where there is one.
set(KPIHUB_RUNBOOK_BASE_URL "file:///usr/share/doc/kpihub/operations.md" CACHE STRING
    "Absolute URL of operations.md; each alert's runbook_url is this plus #<alert name in lower case>")
if(NOT KPIHUB_RUNBOOK_BASE_URL MATCHES "^[a-zA-Z][a-zA-Z0-9+.-]*://[^#\"' ]+$")
  message(FATAL_ERROR "KPIHUB_RUNBOOK_BASE_URL must be an absolute URL without a fragment, quotes "
                      "or spaces (it becomes each alert's runbook_url): '${KPIHUB_RUNBOOK_BASE_URL}'")
endif()

set(KPIHUB_RULES_DIR "${PROJECT_BINARY_DIR}/dashboards/prometheus")
foreach(name kpihub-rules.yml kpihub-rules.test.yml)
  configure_file("${PROJECT_SOURCE_DIR}/dashboards/prometheus/${name}.in" "${KPIHUB_RULES_DIR}/${name}"
                 @ONLY)
endforeach()
# The shipped scrape configuration beside them, so that `promtool check config` reads its
# relative rule_files path against the rendered rules.
# Likewise the province's pair (a zone's configuration with its external labels, and the
# provincial Prometheus federating the zones; docs/monitoring.md, "Province federation").
foreach(name prometheus.yml prometheus-zone.yml prometheus-province.yml)
  configure_file("${PROJECT_SOURCE_DIR}/dashboards/${name}" "${PROJECT_BINARY_DIR}/dashboards/${name}" COPYONLY)
endforeach()

install(FILES "${KPIHUB_RULES_DIR}/kpihub-rules.yml" "${PROJECT_SOURCE_DIR}/dashboards/prometheus/kpihub-rules.yml.in"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/kpihub/dashboards/prometheus")
