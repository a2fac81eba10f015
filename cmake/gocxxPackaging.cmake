# gocxx for users who do not build it from source: the pkg-config file (gocxx.pc) and a
# Debian package made by CPack. Included by the top-level CMakeLists.txt after the
# install rules, which are what both ship:
#
#   cmake --build --preset release --target package     # or: cd build/release && cpack -G DEB
#   -> build/release/libgocxx-dev_<version>-1_<arch>.deb
#
# tests/consumer/check_deb.sh builds the package, unpacks it and builds a program
# against it with find_package(gocxx) and with `pkg-config --cflags --libs gocxx`.

# --- gocxx.pc ---------------------------------------------------------------------
set(GOCXX_SUMMARY "Go's concurrency system as a C++20 library")

# The prefix relative to the .pc's own directory (${pcfiledir}, which pkg-config and
# pkgconf both define), so the file is right wherever the tree is installed or unpacked:
# `cmake --install --prefix` picks the prefix after configuring, and CPack installs to
# /usr whatever CMAKE_INSTALL_PREFIX says. Absolute install dirs are used as they are.
set(GOCXX_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(GOCXX_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _gocxx_up "/p/${GOCXX_PC_DIR}" "/p")  # lib/pkgconfig: ../..
  string(REGEX REPLACE "/$" "" _gocxx_up "${_gocxx_up}")
  set(GOCXX_PC_PREFIX "\${pcfiledir}/${_gocxx_up}")
endif()
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(GOCXX_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(GOCXX_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()

# What linking gocxx needs besides itself: elfutils' libdw (cmake/gocxxDeps.cmake), and
# -pthread. A static libgocxx.a cannot carry its dependencies, so they go in Libs (plain
# `pkg-config --libs` must be enough to link); a shared one records them itself.
get_target_property(_gocxx_dw gocxx::dw IMPORTED_LOCATION)
get_filename_component(_gocxx_dw_dir "${_gocxx_dw}" DIRECTORY)
if(_gocxx_dw_dir IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES)
  set(_gocxx_dw_flags "-ldw")
else()
  set(_gocxx_dw_flags "-L${_gocxx_dw_dir} -ldw")
endif()
if(BUILD_SHARED_LIBS)
  set(GOCXX_PC_LIBS "")
  set(GOCXX_PC_LIBS_PRIVATE "Libs.private: ${_gocxx_dw_flags}")
else()
  set(GOCXX_PC_LIBS " ${_gocxx_dw_flags}")
  set(GOCXX_PC_LIBS_PRIVATE "")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/gocxx.pc.in ${PROJECT_BINARY_DIR}/gocxx.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/gocxx.pc DESTINATION ${GOCXX_PC_DIR})

# --- the Debian package -----------------------------------------------------------
# Only when gocxx is the top-level project: include(CPack) writes CPackConfig.cmake to
# the top of the build tree, which belongs to the parent under add_subdirectory(gocxx).
if(NOT PROJECT_IS_TOP_LEVEL)
  return()
endif()
# Named libgocxx-dev, Debian's name for a library's development package: what it holds
# is headers, the library (static by default: nothing to install at run time, so no
# separate runtime package libgocxx0), the CMake package config and gocxx.pc, which is
# what libgtest-dev and libdw-dev hold too. It also ships gocxx-trace-svg, the trace
# reader that `cmake --install` installs (a -dev package's tool, as glib's are).
set(GOCXX_DEB_MAINTAINER "gocxx maintainers <maintainers@users.noreply.b-seed-6b51f42a.example>"
    CACHE STRING "The Maintainer field of the .deb that `cpack -G DEB` makes")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME gocxx)  # the source tarball's name
set(CPACK_DEBIAN_PACKAGE_NAME libgocxx-dev)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR gocxx)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${GOCXX_SUMMARY}")
# The long description: Debian wants lines under 80 columns; CPack indents them.
set(CPACK_PACKAGE_DESCRIPTION "\
Goroutines on an M:N work-stealing scheduler, channels and select with Go's
exact semantics, timers and tickers, the sync and context packages, errgroup
and signal.NotifyContext, and Go's runtime diagnostics, for C++20 programs.
This package holds the headers, the library, the CMake package config
(find_package(gocxx)), the pkg-config file (gocxx.pc) and gocxx-trace-svg.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${GOCXX_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # libgocxx-dev_0.1.0-1_amd64.deb
# Depends. The library links libdw (and -pthread, which is libc's). Whoever links the
# static library links libdw too, and gocxxConfig.cmake finds libdw's headers and
# libdw.so (gocxxDeps.cmake): so libdw-dev, which brings libdw1 and libelf-dev. Then
# dpkg-shlibdeps (dpkg-dev) adds what the package's ELF files load at run time:
# gocxx-trace-svg's libc6, libgcc-s1 and libstdc++6 (and libdw1 for a shared libgocxx).
# Without dpkg-shlibdeps CPack says so and keeps the list below.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libdw-dev")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "cmake (>= 3.25), pkgconf")
# `package_source` (a tarball of the sources) leaves out the build trees and git.
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/build/" "/\\\\.git/" "/\\\\.git$")
include(CPack)
