# Sanitizer and fuzzing builds (see docs/TESTING.md).
#
#   EVP_SANITIZE=address,undefined  every target compiled and linked with -fsanitize=...;
#                                   a report aborts the program (no recovery), so a test fails.
#   EVP_FUZZ=ON                     also instruments every target for libFuzzer (Clang only)
#                                   and builds the harnesses of tests/fuzz.
#
# Both go with CMAKE_BUILD_TYPE=Sanitize (-O1 -g, assertions on): fast enough for the whole
# suite and readable stack traces.
set(EVP_SANITIZE "" CACHE STRING "Comma-separated -fsanitize= list for every target (e.g. address,undefined)")
option(EVP_FUZZ "Build the libFuzzer harnesses of tests/fuzz (needs Clang)" OFF)

set(CMAKE_CXX_FLAGS_SANITIZE "-O1 -g -fno-omit-frame-pointer" CACHE STRING "Flags of the Sanitize build type")
set(CMAKE_EXE_LINKER_FLAGS_SANITIZE "" CACHE STRING "Linker flags of the Sanitize build type")
set(CMAKE_SHARED_LINKER_FLAGS_SANITIZE "" CACHE STRING "Linker flags of the Sanitize build type")
mark_as_advanced(CMAKE_CXX_FLAGS_SANITIZE CMAKE_EXE_LINKER_FLAGS_SANITIZE CMAKE_SHARED_LINKER_FLAGS_SANITIZE)

if(EVP_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "EVP_FUZZ needs Clang (e.g. -DCMAKE_CXX_COMPILER=clang++-15); found ${CMAKE_CXX_COMPILER_ID}")
  endif()
  if(NOT EVP_SANITIZE)
    set(EVP_SANITIZE address,undefined)
  endif()
  # Coverage feedback in the libraries too, not only in the harness; the harness executables
  # add -fsanitize=fuzzer (libFuzzer's main) themselves.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(EVP_SANITIZE)
  add_compile_options(-fsanitize=${EVP_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${EVP_SANITIZE})
endif()
