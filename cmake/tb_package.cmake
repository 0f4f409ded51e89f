# SPDX-License-Identifier: MIT
# The desktop integration files and the Debian package (scripts/package.sh; packaging/README.md).
# Installed layout under the prefix (/usr in the package): bin/, lib/tunebench/libtb_spm.so, share/tunebench/,
# share/applications, share/metainfo, share/icons/hicolor, share/man/man1, share/bash-completion, share/doc/tunebench.
set(TB_APP_ID org.tunebench.TuneBench)
set(TB_PKG_DIR ${PROJECT_SOURCE_DIR}/packaging)
set(TB_PKG_GEN ${PROJECT_BINARY_DIR}/packaging)

install(FILES ${TB_PKG_DIR}/${TB_APP_ID}.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
configure_file(${TB_PKG_DIR}/${TB_APP_ID}.metainfo.xml.in ${TB_PKG_GEN}/${TB_APP_ID}.metainfo.xml @ONLY)
install(FILES ${TB_PKG_GEN}/${TB_APP_ID}.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
install(FILES ${TB_PKG_DIR}/icons/tunebench.svg DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps
        RENAME ${TB_APP_ID}.svg)
foreach(size 16 24 32 48 64 128 256 512)
  install(FILES ${TB_PKG_DIR}/icons/tunebench-${size}.png
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps RENAME ${TB_APP_ID}.png)
endforeach()
install(FILES ${TB_PKG_DIR}/tunebench-cli.bash-completion DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME tunebench-cli)

# Generated files Debian wants compressed (gzip -n: no time stamp, so the package is reproducible): the man pages,
# written by help2man from the programs' own --help (the version given, so the page is named after the
# executable, not `TuneBench` as `tunebench --version` says), and the changelog. Built by the tb_package_files
# target (scripts/package.sh builds it), not by `all`, so an ordinary build needs no help2man; installed when built.
configure_file(${TB_PKG_DIR}/changelog.in ${TB_PKG_GEN}/changelog @ONLY)
add_custom_command(OUTPUT ${TB_PKG_GEN}/changelog.gz
                   COMMAND gzip -9n -c ${TB_PKG_GEN}/changelog > ${TB_PKG_GEN}/changelog.gz
                   DEPENDS ${TB_PKG_GEN}/changelog VERBATIM)
set(TB_PKG_FILES ${TB_PKG_GEN}/changelog.gz)
find_program(TB_HELP2MAN help2man)
if(TB_HELP2MAN)
  set(tb_man_programs tunebench-cli)
  set(tb_man_names "train, tune and inspect small GPT language models from the command line")
  if(TB_BUILD_GUI)
    list(APPEND tb_man_programs tunebench)
    list(APPEND tb_man_names "workbench to pretrain and tune small GPT language models")
  endif()
  foreach(program name IN ZIP_LISTS tb_man_programs tb_man_names)
    # The GUI parses --help before it opens a window, but QApplication still needs a platform: offscreen.
    add_custom_command(OUTPUT ${TB_PKG_GEN}/${program}.1.gz
                       COMMAND ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen
                               ${TB_HELP2MAN} --no-info --name=${name} --section=1
                               --version-string=${PROJECT_VERSION}
                               --include=${TB_PKG_DIR}/man-common.h2m --output=${TB_PKG_GEN}/${program}.1
                               $<TARGET_FILE:${program}>
                       COMMAND gzip -9nf ${TB_PKG_GEN}/${program}.1
                       DEPENDS ${program} ${TB_PKG_DIR}/man-common.h2m VERBATIM)
    list(APPEND TB_PKG_FILES ${TB_PKG_GEN}/${program}.1.gz)
    install(FILES ${TB_PKG_GEN}/${program}.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 OPTIONAL)
  endforeach()
endif()
add_custom_target(tb_package_files DEPENDS ${TB_PKG_FILES})
install(FILES ${TB_PKG_GEN}/changelog.gz DESTINATION ${CMAKE_INSTALL_DOCDIR} OPTIONAL)
install(FILES ${TB_PKG_DIR}/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})

# CPack: `cpack -G DEB` in the build folder. The package holds only the installed targets above and in app/,
# which scripts/package.sh builds by name; without this, cpack's preinstall step would build `all` (tests, bench).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(CPACK_PACKAGE_NAME tunebench)
set(CPACK_PACKAGE_VENDOR "The TuneBench developers")
set(CPACK_PACKAGE_CONTACT "The TuneBench developers <tunebench@tunebench.org>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "workbench to pretrain and tune small GPT language models")
# The extended description; CPack puts the summary above it as the synopsis. Lines under 80 columns (lintian).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "TuneBench trains small GPT models from a text corpus and fine-tunes them\n"
    "(supervised fine-tuning, LoRA, prompt tuning, DPO), showing the loss, the\n"
    "samples and what tuning does to the model as it trains. It includes a Qt\n"
    "workbench (tunebench), a command line (tunebench-cli) and a built-in demo.")
string(REPLACE ";" "" CPACK_DEBIAN_PACKAGE_DESCRIPTION "${CPACK_DEBIAN_PACKAGE_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # tunebench_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON) # Depends from the binaries' and libtb_spm.so's libraries (dpkg-shlibdeps)
# Added to those: what Qt loads at run time, which no ELF file names. Without the xcb platform plugin (only
# Recommended by libqt6gui6) the window cannot open; packaging/test-install.sh installs without Recommends.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
include(CPack)
