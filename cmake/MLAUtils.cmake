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
  # LINK_COMPONENTS (e.g. Support) must name the static LLVM components, not
  # libLLVM.so.
  set(LLVM_LINK_LLVM_DYLIB OFF)

  # Components whose archives are missing from Debian's packages or whose
  # dependencies (libpfm, curl, libedit, libxml2, libffi) are not installed;
  # nothing in mla uses them.
  set(_mla_dropped_components
    LLVMExegesis LLVMDebuginfod LLVMLineEditor LLVMWindowsManifest
    LLVMInterpreter Polly LLVMPolly)
  set(_mla_dropped_system_libs z3 pfm curl edit xml2 ffi)

  # Every static LLVM component that exists on disk. With lld, archives cost
  # nothing unless a member is needed, so listing all of them is simplest.
  set(_mla_llvm_static)
  foreach(_lib IN LISTS LLVM_AVAILABLE_LIBS)
    if(NOT TARGET ${_lib} OR _lib IN_LIST _mla_dropped_components)
      continue()
    endif()
    get_target_property(_type ${_lib} TYPE)
    get_target_property(_location ${_lib} IMPORTED_LOCATION_RELWITHDEBINFO)
    if(_type STREQUAL "STATIC_LIBRARY" AND EXISTS "${_location}")
      list(APPEND _mla_llvm_static ${_lib})
    endif()
  endforeach()
  add_library(MLAStaticLLVM INTERFACE)
  target_link_libraries(MLAStaticLLVM INTERFACE ${_mla_llvm_static})

  # Debian's static MLIR targets name the shared `LLVM` (and some `MLIR`) in
  # their link interfaces: point them at the static components instead, and
  # drop system libraries that are not installed.
  foreach(_tgt IN LISTS MLIR_EXPORTED_TARGETS _mla_llvm_static)
    if(NOT TARGET ${_tgt})
      continue()
    endif()
    get_target_property(_deps ${_tgt} INTERFACE_LINK_LIBRARIES)
    if(NOT _deps)
      continue()
    endif()
    set(_new_deps)
    foreach(_dep IN LISTS _deps)
      if(_dep STREQUAL "LLVM")
        list(APPEND _new_deps MLAStaticLLVM)
        continue()
      endif()
      if(_dep STREQUAL "MLIR" OR _dep IN_LIST _mla_dropped_components)
        continue()
      endif()
      # Compression libraries: their static archives, so that the tools need
      # only libc and libm at run time.
      if(_dep STREQUAL "ZLIB::ZLIB")
        list(APPEND _new_deps libz.a)
        continue()
      endif()
      if(_dep MATCHES "^zstd::")
        list(APPEND _new_deps libzstd.a)
        continue()
      endif()
      set(_skip FALSE)
      foreach(_sys IN LISTS _mla_dropped_system_libs)
        if(_dep MATCHES "(^|/|lib)${_sys}([.]|$)")
          set(_skip TRUE)
        endif()
      endforeach()
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

# mla_link_llvm(<target>): LLVM itself (targets, JIT), shared or static.
function(mla_link_llvm target)
  if(MLA_STATIC_TOOLS)
    target_link_libraries(${target} PRIVATE MLAStaticLLVM)
  else()
    target_link_libraries(${target} PRIVATE LLVM)
  endif()
endfunction()
