# Compiler flags shared by every keel target.
add_compile_options(-Wall -Wextra -Wshadow -Werror -Wno-missing-field-initializers)

if(KEEL_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                        -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
    add_compile_definitions(KEEL_ENABLE_DASSERT=1)
endif()

if(KEEL_TSAN)
    add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
    add_link_options(-fsanitize=thread)
    add_compile_definitions(KEEL_ENABLE_DASSERT=1)
endif()

if(CMAKE_BUILD_TYPE STREQUAL "Debug")
    add_compile_definitions(KEEL_ENABLE_DASSERT=1)
endif()

# ccache, when the machine has it, makes rebuilds in other checkouts of the tree cheap.
find_program(KEEL_CCACHE ccache)
if(KEEL_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
    set(CMAKE_CXX_COMPILER_LAUNCHER ${KEEL_CCACHE})
    set(CMAKE_C_COMPILER_LAUNCHER ${KEEL_CCACHE})
endif()
