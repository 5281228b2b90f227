//===- mla-aot.cpp - An mla module as a shared library with a C ABI -------===//
//
// Compiles the public functions of an mla module ahead of time into a shared
// library: the CPU or GPU pipeline with the library ABI (mla-library-abi:
// results updated in place or written into the caller's buffers), LLVM IR,
// an object for the host (the kernels embedded in it, loaded when the library
// is), C entry points generated beside it, and this project's runtime
// (libmla_library_runtime.a) linked in; at run time the library needs libc,
// libm, libdl and, on the GPU, libcuda (opened with dlopen). Writes
//
//   <out>.so   the library;
//   <out>.h    one C function per entry: pointers, dynamic sizes, a stream;
//   <out>.json the same signatures for tools (python/mla/aot.py).
//
// The host C++ compiler (--cxx, else $CXX, else c++) compiles the entry
// points and links. docs/aot.md describes the ABI.
//
//===----------------------------------------------------------------------===//

#include "mla/Dialect/MLA/IR/MLA.h"
#include "mla/InitAll.h"
#include "mla/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <optional>
#include <string>
#include <vector>

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory aotCategory("mla-aot options");

static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<input .mlir file>"),
                                      cl::init("-"), cl::cat(aotCategory));
static cl::opt<std::string>
    outputBase("o",
               cl::desc("Output path without extension: <o>.so, <o>.h and "
                        "<o>.json are written"),
               cl::value_desc("path"), cl::Required, cl::cat(aotCategory));
static cl::opt<std::string> target("target",
                                   cl::desc("Where the library runs: cpu or "
                                            "cuda"),
                                   cl::init("cuda"), cl::cat(aotCategory));
static cl::list<std::string>
    entries("entry",
            cl::desc("A public function to export (repeatable; default: "
                     "every public function)"),
            cl::cat(aotCategory));
static cl::opt<std::string>
    gpuChip("gpu-chip",
            cl::desc("GPU architecture (default: the module's target's)"),
            cl::init(""), cl::cat(aotCategory));
static cl::opt<std::string>
    gpuFormat("gpu-format",
              cl::desc("Kernel binary embedded: isa (PTX, compiled by the "
                       "driver when the library loads), bin (cubin) or "
                       "fatbin; bin and fatbin need ptxas"),
              cl::init("isa"), cl::cat(aotCategory));
static cl::opt<std::string>
    cxx("cxx",
        cl::desc("Host C++ compiler that compiles the entry points and links "
                 "(default: $CXX, else c++)"),
        cl::init(""), cl::cat(aotCategory));
static cl::opt<std::string>
    runtimeLibrary("runtime-lib",
                   cl::desc("libmla_library_runtime.a (default: beside the "
                            "tool, or in ../lib)"),
                   cl::init(""), cl::cat(aotCategory));
static cl::opt<bool> keepTemporaries(
    "keep-temps",
    cl::desc("Keep the object and entry-point source (<o>.o, <o>.entry.cpp)"),
    cl::init(false), cl::cat(aotCategory));

namespace {

/// Prints `message` prefixed with "mla-aot: " and returns failure.
LogicalResult fail(const llvm::Twine &message) {
  llvm::errs() << "mla-aot: " << message << "\n";
  return failure();
}

/// The element types the ABI carries, with their names in the header.
std::optional<StringRef> elementName(Type type) {
  if (type.isF32())
    return StringRef("f32");
  if (type.isF16())
    return StringRef("f16");
  if (type.isBF16())
    return StringRef("bf16");
  if (type.isSignlessInteger(32))
    return StringRef("i32");
  return std::nullopt;
}

/// One parameter of an entry's C function: an argument of the function, or
/// a result written into the caller's buffer.
struct Parameter {
  std::string name;     // arg<i> or result<j>
  RankedTensorType type;
  bool isResult = false;
  unsigned index = 0;          // argument or result number
  std::optional<unsigned> result; // the result an argument holds in place
  bool written = false;
};

/// An exported function: its parameters in the order of the lowered
/// function (arguments, then out-parameters).
struct Entry {
  std::string name;
  std::vector<Parameter> parameters;
};

FailureOr<OwningOpRef<ModuleOp>> parseInput(MLIRContext &context) {
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file =
      openInputFile(inputFile, &errorMessage);
  if (!file)
    return fail(errorMessage);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return fail("cannot parse " + inputFile);
  return module;
}

/// The functions to export, checked: ranked tensors of the ABI's element
/// types in and out, at least rank 1.
FailureOr<std::vector<func::FuncOp>> selectEntries(ModuleOp module) {
  std::vector<func::FuncOp> selected;
  for (auto function : module.getOps<func::FuncOp>())
    if (function.isPublic() && !function.isExternal() &&
        (entries.empty() || llvm::is_contained(entries, function.getName())))
      selected.push_back(function);
  for (const std::string &name : entries)
    if (!llvm::any_of(selected,
                      [&](func::FuncOp f) { return f.getName() == name; }))
      return fail("--entry " + name + ": no public function of that name in " +
                  inputFile);
  if (selected.empty())
    return fail(inputFile + " has no public function to export");
  for (func::FuncOp function : selected) {
    auto check = [&](Type type, const llvm::Twine &what) -> LogicalResult {
      auto tensor = dyn_cast<RankedTensorType>(type);
      if (!tensor || tensor.getRank() == 0 ||
          !elementName(tensor.getElementType())) {
        std::string text;
        llvm::raw_string_ostream(text) << type;
        return fail(what + " of @" + function.getName() + " is " + text +
                    ": expected a ranked tensor (rank >= 1) of f32, f16, "
                    "bf16 or i32");
      }
      return success();
    };
    for (auto [i, type] : llvm::enumerate(function.getArgumentTypes()))
      if (failed(check(type, "argument " + llvm::Twine(i))))
        return failure();
    for (auto [i, type] : llvm::enumerate(function.getResultTypes()))
      if (failed(check(type, "result " + llvm::Twine(i))))
        return failure();
  }
  return selected;
}

/// Lowers the module for the library: every function's results in place or
/// in the caller's buffers (mla-library-abi), C interfaces for the entries.
LogicalResult lower(ModuleOp module, ArrayRef<func::FuncOp> selected,
                    bool onGpu) {
  MLIRContext *context = module.getContext();
  for (func::FuncOp function : selected)
    function->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                      UnitAttr::get(context));
  PassManager pm(context);
  if (onGpu) {
    mla::MLAGPUPipelineOptions options;
    if (auto moduleTarget = module->getAttrOfType<mla::TargetAttr>(
            mla::MLADialect::kTargetAttrName)) {
      options.target = moduleTarget.getName().str();
      if (gpuChip.empty())
        options.chip = moduleTarget.getChip().str();
    }
    if (!gpuChip.empty())
      options.chip = gpuChip;
    options.format = gpuFormat;
    options.libraryABI = true;
    mla::buildMLAGPUPipeline(pm, options);
  } else {
    mla::MLACPUPipelineOptions options;
    options.libraryABI = true;
    mla::buildMLACPUPipeline(pm, options);
  }
  if (failed(pm.run(module)))
    return fail("lowering " + inputFile + " for the " +
                (onGpu ? "GPU" : "CPU") + " failed");
  return success();
}

/// Each entry's parameters, from its signature before lowering and the
/// ABI mla-library-abi recorded on the lowered function.
FailureOr<Entry> describeEntry(ModuleOp module, StringRef name,
                               FunctionType signature) {
  auto lowered = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
  auto params = lowered ? lowered->getAttrOfType<DenseI64ArrayAttr>(
                              mla::MLADialect::kResultParamsAttrName)
                        : DenseI64ArrayAttr();
  auto written = lowered ? lowered->getAttrOfType<DenseI64ArrayAttr>(
                               mla::MLADialect::kWrittenArgumentsAttrName)
                         : DenseI64ArrayAttr();
  if (!params || !written ||
      params.size() != int64_t(signature.getNumResults()))
    return fail("@" + name + ": the lowered function carries no library ABI "
                "(mla.result_params)");
  Entry entry{name.str(), {}};
  unsigned numArguments = signature.getNumInputs();
  for (auto [i, type] : llvm::enumerate(signature.getInputs())) {
    Parameter parameter;
    parameter.name = "arg" + std::to_string(i);
    parameter.type = cast<RankedTensorType>(type);
    parameter.index = i;
    parameter.written = llvm::is_contained(written.asArrayRef(), int64_t(i));
    entry.parameters.push_back(parameter);
  }
  for (auto [j, param] : llvm::enumerate(params.asArrayRef())) {
    if (param < numArguments) {
      entry.parameters[param].result = j;
      entry.parameters[param].written = true;
      continue;
    }
    if (param != int64_t(entry.parameters.size()))
      return fail("@" + name + ": out-parameters out of order");
    Parameter parameter;
    parameter.name = "result" + std::to_string(j);
    parameter.type = cast<RankedTensorType>(signature.getResult(j));
    parameter.isResult = true;
    parameter.index = j;
    parameter.written = true;
    entry.parameters.push_back(parameter);
  }
  return entry;
}

/// The C parameter carrying dynamic size `dim` of `parameter`: arg0_d0.
std::string sizeName(const Parameter &parameter, unsigned dim) {
  return parameter.name + "_d" + std::to_string(dim);
}

/// Size `dim` of `parameter` in C: its parameter's name, or the number.
std::string sizeText(const Parameter &parameter, unsigned dim) {
  int64_t size = parameter.type.getDimSize(dim);
  return ShapedType::isDynamic(size) ? sizeName(parameter, dim)
                                     : std::to_string(size);
}

/// "bf16 [arg0_d0, 1, 7168]": the element type and the shape.
std::string describeShape(const Parameter &parameter) {
  std::string text = elementName(parameter.type.getElementType())->str() + " [";
  for (unsigned d = 0; d < parameter.type.getRank(); ++d)
    text += (d ? ", " : "") + sizeText(parameter, d);
  return text + "]";
}

/// `text` as a C identifier: other characters become '_', a leading digit
/// or nothing gets one before it.
std::string cIdentifier(StringRef text) {
  std::string identifier = text.str();
  for (char &c : identifier)
    if (!llvm::isAlnum(c))
      c = '_';
  if (identifier.empty() || llvm::isDigit(identifier.front()))
    identifier.insert(identifier.begin(), '_');
  return identifier;
}

/// The C prototype of an entry (without the trailing semicolon).
std::string prototype(const Entry &entry) {
  std::string text = "int " + entry.name + "(";
  for (const Parameter &parameter : entry.parameters) {
    text += parameter.written ? "void *" : "const void *";
    text += parameter.name + ", ";
    for (auto [d, size] : llvm::enumerate(parameter.type.getShape()))
      if (ShapedType::isDynamic(size))
        text += "int64_t " + sizeName(parameter, d) + ", ";
  }
  return text + "void *stream)";
}

std::string headerText(ArrayRef<Entry> exported, StringRef guard,
                       StringRef errorFunction, bool onGpu) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "/* Generated by mla-aot from " << llvm::sys::path::filename(inputFile)
     << " for the " << (onGpu ? "GPU (CUDA)" : "CPU")
     << ": do not edit. docs/aot.md describes the ABI.\n"
     << " *\n"
     << " * Every tensor is dense and row-major, given by a pointer to its "
        "first\n"
     << " * element ("
     << (onGpu ? "device memory, on `stream`'s device" : "host memory")
     << ") and the sizes the type\n"
     << " * leaves open. Arguments marked `in place` hold a result when the "
        "call\n"
     << " * returns; `result` parameters are the caller's buffers, written.\n"
     << " * `stream` is a CUstream "
     << (onGpu ? "(NULL: the legacy default stream); the work is\n"
                 " * ordered on it and done when the call returns."
               : "and is ignored on the CPU.")
     << "\n * Returns 0; 1 for a negative size, 2 for a null pointer to a "
        "non-empty\n"
     << " * tensor, 3 for a failed check (sizes that disagree, a result "
        "buffer of\n"
     << " * the wrong size" << (onGpu ? "" : ", a bad cache index")
     << "), whose message " << errorFunction << "() then\n"
     << " * returns (this thread's last failed call)."
     << (onGpu ? " Bad cache indices found by the\n * kernels stop the "
                 "process with a message (docs/gpu.md)."
               : "")
     << " */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  for (const Entry &entry : exported) {
    os << "/* @" << entry.name << "\n";
    for (const Parameter &parameter : entry.parameters) {
      os << " *   " << parameter.name << ": " << describeShape(parameter);
      if (parameter.result)
        os << ", in place: result " << *parameter.result;
      else if (parameter.isResult)
        os << ", written";
      else if (parameter.written)
        os << ", written (scratch)";
      os << "\n";
    }
    os << " */\n" << prototype(entry) << ";\n\n";
  }
  os << "/* The message of this thread's last call that returned 3. */\n"
     << "const char *" << errorFunction << "(void);\n\n"
     << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  return text;
}

/// The entry points: each builds the lowered function's memref descriptors
/// from pointers and sizes and calls its C interface on the caller's stream.
std::string entryPointsText(ArrayRef<Entry> exported, StringRef header,
                            StringRef errorFunction, bool onGpu) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "// Generated by mla-aot: the C entry points of "
     << llvm::sys::path::filename(outputBase) << ".so. Do not edit.\n"
     << "#include \"" << header << "\"\n\n"
     << "namespace {\n"
     << "// A ranked memref descriptor, as the lowered code takes it.\n"
     << "template <int R> struct Memref {\n"
     << "  void *allocated;\n  void *aligned;\n  int64_t offset;\n"
     << "  int64_t sizes[R];\n  int64_t strides[R];\n};\n\n"
     << "// A dense row-major tensor; 1 for a negative size, 2 for a null "
        "pointer\n// to a non-empty tensor.\n"
     << "template <int R>\n"
     << "int dense(Memref<R> &m, const void *data, const int64_t (&sizes)[R]) "
        "{\n"
     << "  int64_t elements = 1;\n"
     << "  for (int d = R - 1; d >= 0; --d) {\n"
     << "    if (sizes[d] < 0)\n      return 1;\n"
     << "    m.sizes[d] = sizes[d];\n"
     << "    m.strides[d] = elements;\n"
     << "    elements *= sizes[d];\n  }\n"
     << "  if (!data && elements != 0)\n    return 2;\n"
     << "  m.allocated = m.aligned = const_cast<void *>(data);\n"
     << "  m.offset = 0;\n  return 0;\n}\n\n"
     << "thread_local const char *lastError = \"\";\n"
     << "} // namespace\n\n"
     << "extern \"C\" const char *mlaTakeCheckFailure();\n\n"
     << "extern \"C\" __attribute__((visibility(\"default\"))) const char *"
     << errorFunction << "(void) {\n  return lastError;\n}\n\n";
  if (onGpu)
    os << "extern \"C\" void mlaBeginCallOnStream(void *stream);\n"
       << "extern \"C\" void mlaEndCallOnStream();\n\n";
  for (const Entry &entry : exported) {
    os << "extern \"C\" void __mla_ciface_" << entry.name << "(";
    for (auto [i, parameter] : llvm::enumerate(entry.parameters))
      os << (i ? ", " : "") << "Memref<" << parameter.type.getRank() << "> *";
    os << ");\n\n"
       << "extern \"C\" __attribute__((visibility(\"default\"))) "
       << prototype(entry) << " {\n";
    if (!onGpu)
      os << "  (void)stream;\n";
    for (auto [i, parameter] : llvm::enumerate(entry.parameters)) {
      os << "  Memref<" << parameter.type.getRank() << "> p" << i << ";\n"
         << "  if (int error = dense(p" << i << ", " << parameter.name << ", {";
      for (unsigned d = 0; d < parameter.type.getRank(); ++d)
        os << (d ? ", " : "") << sizeText(parameter, d);
      os << "}))\n    return error;\n";
    }
    if (onGpu)
      os << "  mlaBeginCallOnStream(stream);\n";
    os << "  __mla_ciface_" << entry.name << "(";
    for (unsigned i = 0; i < entry.parameters.size(); ++i)
      os << (i ? ", " : "") << "&p" << i;
    os << ");\n";
    if (onGpu)
      os << "  mlaEndCallOnStream();\n";
    os << "  if (const char *failure = mlaTakeCheckFailure()) {\n"
       << "    lastError = failure;\n    return 3;\n  }\n"
       << "  return 0;\n}\n\n";
  }
  return text;
}

/// The signatures for tools, as JSON.
std::string descriptionText(ArrayRef<Entry> exported, StringRef errorFunction,
                            bool onGpu) {
  llvm::json::Array entryList;
  for (const Entry &entry : exported) {
    llvm::json::Array parameters;
    for (const Parameter &parameter : entry.parameters) {
      llvm::json::Array shape;
      for (int64_t size : parameter.type.getShape())
        shape.push_back(ShapedType::isDynamic(size) ? int64_t(-1) : size);
      llvm::json::Object object{
          {"name", parameter.name},
          {"kind", parameter.isResult ? "result" : "argument"},
          {"index", parameter.index},
          {"dtype", *elementName(parameter.type.getElementType())},
          {"shape", std::move(shape)},
          {"written", parameter.written}};
      if (parameter.result)
        object["in_place_result"] = *parameter.result;
      parameters.push_back(std::move(object));
    }
    entryList.push_back(llvm::json::Object{
        {"name", entry.name}, {"parameters", std::move(parameters)}});
  }
  llvm::json::Object root{{"target", onGpu ? "cuda" : "cpu"},
                          {"source", inputFile},
                          {"last_error", errorFunction},
                          {"entries", std::move(entryList)}};
  std::string text;
  llvm::raw_string_ostream(text) << llvm::formatv("{0:2}", llvm::json::Value(
                                                              std::move(root)))
                                 << "\n";
  return text;
}

LogicalResult writeFile(StringRef path, StringRef contents) {
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file)
    return fail(error);
  file->os() << contents;
  file->os().flush();
  if (file->os().has_error())
    return fail("cannot write " + path + ": " +
                file->os().error().message());
  file->keep();
  return success();
}

/// Translates the lowered module to LLVM IR, renames the entries' lowered
/// functions out of the way of the C entry points (which take their names),
/// hides every definition but those, optimises and writes an object file.
LogicalResult emitObject(ModuleOp module, ArrayRef<Entry> exported,
                         StringRef objectPath) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "mla-aot");
  if (!llvmModule)
    return fail("translating the lowered module to LLVM IR failed");
  for (const Entry &entry : exported) {
    llvm::Function *lowered = llvmModule->getFunction(entry.name);
    llvm::Function *cInterface =
        llvmModule->getFunction("_mlir_ciface_" + entry.name);
    if (!lowered || !cInterface)
      return fail("@" + entry.name + ": no C interface after lowering");
    lowered->setName("__mla_impl_" + entry.name);
    cInterface->setName("__mla_ciface_" + entry.name);
  }
  // A failed cf.assert prints its message with puts() (stdout, buffered:
  // lost at the abort() that follows when stdout is a pipe): the runtime's
  // mlaCheckFailed prints it on stderr instead.
  if (llvm::Function *puts = llvmModule->getFunction("puts"))
    puts->setName("mlaCheckFailed");
  for (llvm::Function &function : *llvmModule)
    if (!function.isDeclaration() && !function.hasLocalLinkage())
      function.setVisibility(llvm::GlobalValue::HiddenVisibility);
  for (llvm::GlobalVariable &global : llvmModule->globals())
    if (!global.isDeclaration() && !global.hasLocalLinkage())
      global.setVisibility(llvm::GlobalValue::HiddenVisibility);

  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return fail("no LLVM target for " + triple.str() + ": " + error);
  std::unique_ptr<llvm::TargetMachine> machine(llvmTarget->createTargetMachine(
      triple, "generic", "", llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());
  if (llvm::Error error = makeOptimizingTransformer(3, 0, machine.get())(
          llvmModule.get()))
    return fail("optimising the LLVM IR failed: " +
                llvm::toString(std::move(error)));
  std::error_code code;
  llvm::ToolOutputFile object(objectPath, code, llvm::sys::fs::OF_None);
  if (code)
    return fail("cannot write " + objectPath + ": " + code.message());
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, object.os(), nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return fail("the host target cannot emit object files");
  codegen.run(*llvmModule);
  object.os().flush();
  if (object.os().has_error())
    return fail("cannot write " + objectPath);
  object.keep();
  return success();
}

/// libmla_library_runtime.a: --runtime-lib, else beside the tool or in
/// ../lib.
FailureOr<std::string> findRuntime(const char *argv0) {
  if (!runtimeLibrary.empty()) {
    if (!llvm::sys::fs::exists(runtimeLibrary))
      return fail("--runtime-lib " + runtimeLibrary + ": no such file");
    return std::string(runtimeLibrary);
  }
  std::string tool = llvm::sys::fs::getMainExecutable(
      argv0, reinterpret_cast<void *>(&findRuntime));
  StringRef dir = llvm::sys::path::parent_path(tool);
  for (const char *relative : {"libmla_library_runtime.a",
                               "../lib/libmla_library_runtime.a"}) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, relative);
    llvm::sys::path::remove_dots(path, /*remove_dot_dot=*/true);
    if (llvm::sys::fs::exists(path))
      return std::string(path);
  }
  return fail("cannot find libmla_library_runtime.a beside " + tool +
              " or in its ../lib; give --runtime-lib");
}

/// The host C++ compiler: --cxx, else $CXX, else c++.
FailureOr<std::string> findCompiler() {
  std::string compiler = cxx;
  if (compiler.empty())
    if (const char *fromEnv = std::getenv("CXX"))
      compiler = fromEnv;
  if (compiler.empty())
    compiler = "c++";
  llvm::ErrorOr<std::string> program = llvm::sys::findProgramByName(compiler);
  if (!program || !llvm::sys::fs::can_execute(*program))
    return fail("cannot find the C++ compiler '" + compiler +
                "' (give --cxx or set CXX)");
  return *program;
}

/// Compiles the entry points and links the library with the host compiler.
LogicalResult link(StringRef program, StringRef objectPath,
                   StringRef entryPath, StringRef runtime,
                   StringRef libraryPath, StringRef headerDir) {
  std::string include = ("-I" + headerDir).str();
  std::vector<StringRef> arguments = {
      program, "-shared", "-fPIC", "-O2", "-fvisibility=hidden", include,
      "-o", libraryPath, entryPath, objectPath, runtime,
      // Only the entry points are exported; the runtime's symbols stay
      // inside (no clash with another mgpu* runtime in the process).
      "-Wl,--exclude-libs,ALL", "-static-libstdc++", "-static-libgcc",
      "-ldl", "-lpthread", "-lm"};
  std::string error;
  int status = llvm::sys::ExecuteAndWait(program, arguments, std::nullopt,
                                         {}, 0, 0, &error);
  if (status != 0)
    return fail("linking " + libraryPath + " with " + program + " failed" +
                (error.empty() ? "" : ": " + error) + " (status " +
                llvm::Twine(status) + ")");
  return success();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(aotCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "mla-aot: compile an mla module's public functions into a shared "
      "library with a C ABI\n");
  if (target != "cpu" && target != "cuda") {
    (void)fail("--target must be cpu or cuda, not '" + target + "'");
    return 1;
  }
  if (gpuFormat != "isa" && gpuFormat != "bin" && gpuFormat != "fatbin") {
    (void)fail("--gpu-format must be isa, bin or fatbin, not '" + gpuFormat +
               "'");
    return 1;
  }
  bool onGpu = target == "cuda";
  FailureOr<std::string> runtime = findRuntime(argv[0]);
  if (failed(runtime))
    return 1;
  FailureOr<std::string> compiler = findCompiler();
  if (failed(compiler))
    return 1;

  DialectRegistry registry;
  mla::registerAllMLADialects(registry);
  MLIRContext context(registry);
  FailureOr<OwningOpRef<ModuleOp>> module = parseInput(context);
  if (failed(module))
    return 1;
  FailureOr<std::vector<func::FuncOp>> selected = selectEntries(**module);
  if (failed(selected))
    return 1;
  // Lowering replaces the functions: their names and signatures first.
  std::vector<std::pair<std::string, FunctionType>> signatures;
  for (func::FuncOp function : *selected)
    signatures.emplace_back(function.getName().str(),
                            function.getFunctionType());
  if (failed(lower(**module, *selected, onGpu)))
    return 1;
  std::vector<Entry> exported;
  for (auto &[name, signature] : signatures) {
    FailureOr<Entry> entry = describeEntry(**module, name, signature);
    if (failed(entry))
      return 1;
    exported.push_back(std::move(*entry));
  }

  std::string headerPath = outputBase + ".h";
  StringRef stem = llvm::sys::path::stem(outputBase);
  std::string guard = cIdentifier("MLA_AOT_" + stem.upper() + "_H");
  // <stem>_last_error, a C identifier of the library's own.
  std::string errorFunction = cIdentifier(stem) + "_last_error";
  for (const Entry &entry : exported) {
    if (entry.name == errorFunction) {
      (void)fail("@" + entry.name + " has the name of the library's error "
                 "function: choose another -o");
      return 1;
    }
  }
  std::string objectPath = outputBase + ".o";
  std::string entryPath = outputBase + ".entry.cpp";
  std::string libraryPath = outputBase + ".so";
  StringRef headerDir = llvm::sys::path::parent_path(headerPath);
  if (failed(writeFile(headerPath,
                       headerText(exported, guard, errorFunction, onGpu))) ||
      failed(writeFile(outputBase + ".json",
                       descriptionText(exported, errorFunction, onGpu))) ||
      failed(writeFile(entryPath,
                       entryPointsText(exported,
                                       llvm::sys::path::filename(headerPath),
                                       errorFunction, onGpu))) ||
      failed(emitObject(**module, exported, objectPath)))
    return 1;
  LogicalResult linked =
      link(*compiler, objectPath, entryPath, *runtime, libraryPath,
           headerDir.empty() ? StringRef(".") : headerDir);
  if (!keepTemporaries) {
    llvm::sys::fs::remove(objectPath);
    llvm::sys::fs::remove(entryPath);
  }
  if (failed(linked))
    return 1;
  llvm::outs() << "mla-aot: wrote " << libraryPath << ", " << headerPath
               << " (" << exported.size() << " entr"
               << (exported.size() == 1 ? "y" : "ies") << ", "
               << (onGpu ? "GPU" : "CPU") << ")\n";
  return 0;
}
