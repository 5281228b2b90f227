# Helpers that pick how mla targets link MLIR and LLVM.
#
# Everyday builds: every target links the one shared libMLIR.so (the imported
# target `MLIR`), which itself carries libLLVM.so. With MLA_STATIC_TOOLS=ON the
# same targets link the static MLIR/LLVM archives instead; Debian's exported
# static targets name libMLIR.so / libLLVM.so in their link interfaces, so those
# are rewritten to the static LLVM components (DESIGN §8).

# mla_link_mlir(<target> <PUBLIC|PRIVATE> <MLIR libraries>...)
function(mla_link_mlir target scope)
  if(MLA_STATIC_TOOLS)
    target_link_libraries(${target} ${scope} ${ARGN})
  else()
    target_link_libraries(${target} ${scope} MLIR)
  endif()
endfunction()

if(MLA_STATIC_TOOLS)
  # Static archives whose dependencies are missing from Debian's packages or
  # would drag in large system libraries; nothing in mla uses them.
  set(_mla_drop_components
    Polly Exegesis Debuginfod LineEditor WindowsManifest Interpreter
    LLVM MLIR)
  get_property(_mla_targets DIRECTORY "${MLIR_DIR}" PROPERTY IMPORTED_TARGETS)
  foreach(_tgt IN ITEMS ${MLIR_EXPORTED_TARGETS} ${LLVM_EXPORTED_TARGETS})
    if(NOT TARGET ${_tgt})
      continue()
    endif()
    get_target_property(_type ${_tgt} TYPE)
    if(NOT _type STREQUAL "STATIC_LIBRARY")
      continue()
    endif()
    get_target_property(_deps ${_tgt} INTERFACE_LINK_LIBRARIES)
    if(NOT _deps)
      continue()
    endif()
    set(_new_deps)
    foreach(_dep IN LISTS _deps)
      if(_dep STREQUAL "LLVM" OR _dep STREQUAL "MLIR")
        # The shared libraries stand for every component; the static targets
        # name their real components elsewhere in the list.
        continue()
      endif()
      set(_skip FALSE)
      foreach(_drop IN LISTS _mla_drop_components)
        if(_dep STREQUAL "LLVM${_drop}")
          set(_skip TRUE)
        endif()
      endforeach()
      if(_dep MATCHES "z3" OR _dep MATCHES "libpfm" OR _dep MATCHES "curl"
         OR _dep MATCHES "edit" OR _dep MATCHES "xml2" OR _dep MATCHES "ffi")
        set(_skip TRUE)
      endif()
      if(NOT _skip)
        list(APPEND _new_deps ${_dep})
      endif()
    endforeach()
    set_target_properties(${_tgt} PROPERTIES INTERFACE_LINK_LIBRARIES "${_new_deps}")
  endforeach()
endif()

# mla_add_tool(<name> <sources>...): an executable that is built by default
# (add_mlir_tool is EXCLUDE_FROM_ALL out of tree: DESIGN §8).
macro(mla_add_tool name)
  add_llvm_executable(${name} ${ARGN})
  if(MLA_STATIC_TOOLS)
    target_link_options(${name} PRIVATE -static-libstdc++ -static-libgcc)
  endif()
endmacro()
