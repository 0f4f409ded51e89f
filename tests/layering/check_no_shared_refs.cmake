# SPDX-License-Identifier: MIT
# The product is self-contained: nothing under resources/, app/, ui/ or core/ may refer to the shared data folder
# beside the repository (shared/ in any path, e.g. ../../../shared/data/sft/identity.json). Tests may use it; the
# app and its presets may not, because an installed copy has no such folder.
set(files "")
foreach(dir resources app ui core)
  file(GLOB_RECURSE found LIST_DIRECTORIES false "${SOURCE_DIR}/${dir}/*")
  list(APPEND files ${found})
endforeach()
list(LENGTH files count)
if(count LESS 10)
  message(FATAL_ERROR "only ${count} files found under resources/, app/, ui/ and core/ of ${SOURCE_DIR}")
endif()
set(offenders "")
foreach(f ${files})
  # Text files only: a binary (an icon) cannot name a path the app opens.
  file(STRINGS "${f}" hits REGEX "(^|[^A-Za-z0-9_])shared/|SHARED_DATA" LIMIT_INPUT 4000000)
  if(hits)
    list(APPEND offenders "${f}: ${hits}")
  endif()
endforeach()
if(offenders)
  string(REPLACE ";" "\n" text "${offenders}")
  message(FATAL_ERROR "the product must not read the shared data folder (shared/); ship the data in resources/:\n${text}")
endif()
message(STATUS "checked ${count} files under resources/, app/, ui/ and core/: no reference to shared/")
