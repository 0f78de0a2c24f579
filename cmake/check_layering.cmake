# Fails the build when a source includes a header from a layer it must not depend on.
# Run by the `check_layering` target (part of `all`): cmake -DROOT=<source dir> -P this file.
#
# Each folder may include its own headers and those of the layers below it, as its CMake
# target links them:
#   base/                           base/
#   collectors/ (proc/, logs/)      base/, collectors/
#   rules/                          base/, collectors/, rules/
#   daemon/http/                    base/, daemon/http/
#   daemon/notify/                  base/, daemon/notify/
#   daemon/                         everything above (not tests/, bench/, fuzz/)
# tests/, bench/ and fuzz/ may include anything.
set(layers
  "base/|base/"
  "collectors/|base/,collectors/"
  "rules/|base/,collectors/,rules/"
  "daemon/http/|base/,daemon/http/"
  "daemon/notify/|base/,daemon/notify/"
  "daemon/|base/,collectors/,rules/,daemon/")
set(problems "")
foreach(layer IN LISTS layers)
  string(REPLACE "|" ";" parts "${layer}")
  string(REPLACE "," ";" parts "${parts}")
  list(GET parts 0 folder)
  list(SUBLIST parts 1 -1 allowed)
  file(GLOB_RECURSE sources RELATIVE "${ROOT}" "${ROOT}/${folder}*.h" "${ROOT}/${folder}*.cc"
       "${ROOT}/${folder}*.cpp")
  foreach(src IN LISTS sources)
    # A more specific layer (daemon/http/ under daemon/) judges its own files.
    if(folder STREQUAL "daemon/" AND src MATCHES "^daemon/(http|notify)/")
      continue()
    endif()
    file(STRINGS "${ROOT}/${src}" includes REGEX "^#include \"[^\"]+\"")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" header "${line}")
      if(NOT header MATCHES "/")
        continue()  # Generated or system-style headers without a folder.
      endif()
      set(ok FALSE)
      foreach(prefix IN LISTS allowed)
        string(FIND "${header}" "${prefix}" at)
        if(at EQUAL 0)
          set(ok TRUE)
        endif()
      endforeach()
      if(NOT ok)
        string(APPEND problems "  ${src}: includes \"${header}\" (${folder} may include ${allowed})\n")
      endif()
    endforeach()
  endforeach()
endforeach()
if(problems)
  message(FATAL_ERROR "layering violated (see cmake/check_layering.cmake):\n${problems}")
endif()
