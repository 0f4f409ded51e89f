# SPDX-License-Identifier: MIT
# Builds the layering probe and checks that it failed because the Qt header is not reachable from core.
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY_DIR} --target layering_qt_probe
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "the probe compiled: tb_core's include paths reach Qt")
endif()
if(NOT "${out}${err}" MATCHES "QString: No such file or directory")
  message(FATAL_ERROR "the probe failed for another reason:\n${out}${err}")
endif()
