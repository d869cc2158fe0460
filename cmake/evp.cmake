# evp_unit_tests(<name> <library> <glob...>)
# Builds the doctest files that live beside the code (`*_test.cpp`) into one executable
# per module and registers it with CTest. Tests run with the source tree as working
# directory so they can find migrations/ and test data.
function(evp_unit_tests name library)
  if(NOT EVP_BUILD_TESTS)
    return()
  endif()
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${ARGN})
  if(NOT srcs)
    return()
  endif()
  add_executable(${name} ${PROJECT_SOURCE_DIR}/cmake/doctest_main.cpp ${srcs})
  target_link_libraries(${name} PRIVATE ${library} doctest::doctest evp_warnings)
  add_test(NAME ${name} COMMAND ${name} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endfunction()

# evp_glob_sources(<out-var> <glob...>): sources matching the globs, without `*_test.cpp`.
# Modules glob their src/ folders so that adding a file needs no CMake edit.
function(evp_glob_sources out)
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${ARGN})
  list(FILTER srcs EXCLUDE REGEX "_test\\.cpp$")
  set(${out} ${srcs} PARENT_SCOPE)
endfunction()
