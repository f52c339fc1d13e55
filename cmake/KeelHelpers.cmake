# keel_test(NAME <name> SOURCES <files...> LIBS <targets...> LABELS <labels...>)
#
# Builds one gtest binary and registers it with CTest. Labels choose the suites:
#   unit  - fast, pure tests (run under ASan+UBSan in CI)
#   sim   - deterministic simulation (run under ASan+UBSan in CI)
#   e2e   - real processes on loopback
function(keel_test)
    cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
    add_executable(${T_NAME} ${T_SOURCES})
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
    target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    add_test(NAME ${T_NAME} COMMAND ${T_NAME})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 300)
    endif()
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                         WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
endfunction()
