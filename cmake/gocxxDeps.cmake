# The library gocxx's tracebacks use (docs/internals.md, "Tracebacks"), as an imported
# target, found the same way by gocxx's own build and by gocxxConfig.cmake:
#   gocxx::dw  elfutils' libdw (libdwfl): unwinding parked goroutines, symbols, inlined
#              calls and file:line. Debian: libdw-dev (scripts/install-deps.sh).
if(NOT TARGET gocxx::dw)
  find_library(GOCXX_LIBDW NAMES dw)
  find_path(GOCXX_LIBDW_INCLUDE NAMES elfutils/libdwfl.h)
  if(NOT GOCXX_LIBDW OR NOT GOCXX_LIBDW_INCLUDE)
    message(FATAL_ERROR "gocxx needs elfutils' libdw (Debian: apt-get install libdw-dev)")
  endif()
  add_library(gocxx::dw UNKNOWN IMPORTED)
  set_target_properties(gocxx::dw PROPERTIES
    IMPORTED_LOCATION "${GOCXX_LIBDW}"
    INTERFACE_INCLUDE_DIRECTORIES "${GOCXX_LIBDW_INCLUDE}")
endif()
