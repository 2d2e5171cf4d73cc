# Documentation, completions and the Debian package: man pages built from
# man/*.scd with scdoc, installed with the completions and docs by
# `cmake --install`, and `cpack -G DEB` (dependencies from dpkg-shlibdeps).
# tests/packaging checks that what is documented matches what is parsed and
# that the package installs and runs.
include(GNUInstallDirs)

find_program(SOCKWATCH_SCDOC scdoc)
if(NOT SOCKWATCH_SCDOC)
  message(FATAL_ERROR "scdoc not found: the man pages (man/*.scd) are built with it. "
                      "Install the Debian package scdoc (bash scripts/deps.sh does).")
endif()

# Every man/NAME.SECTION.scd becomes build/man/NAME.SECTION (for tests and
# `man -l`) and NAME.SECTION.gz (installed, as Debian policy wants).
file(GLOB SOCKWATCH_MAN_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/man/*.scd)
set(SOCKWATCH_MAN_DIR ${CMAKE_CURRENT_BINARY_DIR}/man)
file(MAKE_DIRECTORY ${SOCKWATCH_MAN_DIR})
set(SOCKWATCH_MAN_OUTPUTS)
foreach(src ${SOCKWATCH_MAN_SOURCES})
  get_filename_component(page ${src} NAME_WLE)  # sockwatch.8
  string(REGEX MATCH "[0-9]$" section ${page})
  add_custom_command(
    OUTPUT ${SOCKWATCH_MAN_DIR}/${page} ${SOCKWATCH_MAN_DIR}/${page}.gz
    COMMAND sh -c "\"$0\" < \"$1\" > \"$2\" && gzip -9nc \"$2\" > \"$2.gz\""
            ${SOCKWATCH_SCDOC} ${src} ${page}
    WORKING_DIRECTORY ${SOCKWATCH_MAN_DIR}
    DEPENDS ${src}
    VERBATIM
    COMMENT "scdoc ${page}")
  list(APPEND SOCKWATCH_MAN_OUTPUTS ${SOCKWATCH_MAN_DIR}/${page})
  install(FILES ${SOCKWATCH_MAN_DIR}/${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(man ALL DEPENDS ${SOCKWATCH_MAN_OUTPUTS})

install(FILES completions/sockwatch.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME sockwatch)
install(FILES completions/_sockwatch DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)

file(GLOB SOCKWATCH_DOCS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/docs/*.md)
install(FILES README.md ${SOCKWATCH_DOCS} tests/differential/known_diffs.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The JSON Schemas of `sockwatch log` (docs/log.md links them relatively).
install(DIRECTORY docs/schema DESTINATION ${CMAKE_INSTALL_DOCDIR})

# `check`'s shipped rules, for reading and as a start for --rules (the binary has them built in).
install(FILES rules/default.rules DESTINATION ${CMAKE_INSTALL_DATADIR}/sockwatch)

# Hooks for what the subcommands bring: `log` adds its unit here
# (dist/systemd/sockwatch-log.service), `baseline` its timer example
# (dist/systemd/sockwatch-baseline-diff.{service,timer}). One line each.
set(SOCKWATCH_SYSTEMD_UNITS)
set(SOCKWATCH_EXAMPLES)
list(APPEND SOCKWATCH_SYSTEMD_UNITS dist/systemd/sockwatch-log.service)
list(APPEND SOCKWATCH_SYSTEMD_UNITS dist/systemd/sockwatch-metrics.service
     dist/systemd/sockwatch-metrics.timer)
list(APPEND SOCKWATCH_SYSTEMD_UNITS dist/systemd/sockwatch-check.service
     dist/systemd/sockwatch-check.timer)
list(APPEND SOCKWATCH_EXAMPLES dist/examples/sockwatch-log.logrotate)
if(SOCKWATCH_SYSTEMD_UNITS)
  install(FILES ${SOCKWATCH_SYSTEMD_UNITS} DESTINATION lib/systemd/system)
endif()
if(SOCKWATCH_EXAMPLES)
  install(FILES ${SOCKWATCH_EXAMPLES} DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sockwatch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "sockwatch maintainers <sockwatch@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "socket inspection for admins and incident responders")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "A byte-for-byte drop-in for iproute2's ss (same options, filters and text)\n\
 with JSON output, every network namespace at once, and process owners that\n\
 carry executable, command line, user, container and systemd unit.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)
include(CPack)
