# Run by `cmake --install` (and cpack) after the programs are installed, with
# the variables deploy/CMakeLists.txt sets: installs the systemd unit, made
# for this prefix, and the example config, which an upgrade must not
# overwrite (the .deb marks it a conffile; here an existing one is kept).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(config_dir /etc/banen)
else()
  set(config_dir ${CMAKE_INSTALL_PREFIX}/etc/banen)
endif()
set(BANEN_CONFIG ${config_dir}/ledgerd.conf)
set(BANEN_BINDIR ${CMAKE_INSTALL_PREFIX}/${banen_bindir})
set(BANEN_DOC_DIR ${CMAKE_INSTALL_PREFIX}/${banen_docdir})
# One unit file per destination, so that installs into two prefixes at once
# (the tests: cmake --install and cpack) do not write each other's.
string(MD5 destination "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
set(unit ${banen_deploy_binary}/unit-${destination}/banen-ledgerd.service)
configure_file(${banen_deploy_source}/banen-ledgerd.service.in ${unit} @ONLY)
file(INSTALL ${unit} DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
if(EXISTS "$ENV{DESTDIR}${BANEN_CONFIG}")
  message(STATUS "Keeping: $ENV{DESTDIR}${BANEN_CONFIG}")
else()
  file(INSTALL ${banen_deploy_source}/ledgerd.conf DESTINATION ${config_dir})
endif()
