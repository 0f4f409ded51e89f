# SPDX-License-Identifier: MIT
# tb_set_warnings(target): the project's warning set, -Werror when TB_WERROR is on, sanitizers when TB_SANITIZE is set.
function(tb_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  if(TB_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(TB_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${TB_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${TB_SANITIZE})
  endif()
endfunction()
