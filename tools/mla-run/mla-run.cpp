//===- mla-run.cpp - JIT-execute mla modules --------------------*- C++ -*-===//
//
// Runs one function of an mla module: lowers the module with the CPU pipeline
// (mla-cpu-pipeline), JIT-compiles it with mlir::ExecutionEngine, feeds the
// function's tensor arguments from .npy files or seeded random numbers,
// writes its results as .npy files, prints a summary of each, and optionally
// times repeated calls.
//
// The entry function's arguments and results must be ranked tensors of f32,
// f16, bf16 or i32. It is called through its C interface
// (llvm.emit_c_interface): results come back as memref descriptors, which
// mla-run frees unless they alias an argument.
//
//===----------------------------------------------------------------------===//

#include "Npy.h"

#include "mla/Dialect/MLA/IR/MLA.h"
#include "mla/InitAll.h"
#include "mla/Runtime/CudaRuntime.h"
#include "mla/Runtime/MemrefCopy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <unistd.h>

using namespace mlir;
using npy::ElementKind;
using npy::HostArray;

namespace cl = llvm::cl;

/// mla-run's own options: --help lists only these (as FileCheck's does),
/// not the hundreds LLVM's libraries register.
static cl::OptionCategory mlaRunCategory("mla-run options");

static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<input .mlir file>"),
                                      cl::init("-"), cl::cat(mlaRunCategory));
static cl::opt<std::string>
    entryName("entry",
              cl::desc("Function to run (default: the only public one)"),
              cl::init(""), cl::cat(mlaRunCategory));
static cl::opt<std::string>
    target("target",
           cl::desc("Where to run: cpu, cuda, or auto (cuda when a GPU is "
                    "present, else cpu)"),
           cl::init("auto"), cl::cat(mlaRunCategory));
static cl::list<std::string>
    inputs("input",
           cl::desc("An .npy file for the next function argument, in "
                    "order (repeatable)"),
           cl::cat(mlaRunCategory));
static cl::opt<std::string>
    inputDir("input-dir",
             cl::desc("Folder with arg0.npy, arg1.npy, ... for arguments not "
                      "given by --input"),
             cl::init(""), cl::cat(mlaRunCategory));
static cl::opt<uint64_t> randomSeed(
    "random-seed",
    cl::desc("Fill float arguments without a file with numbers uniform in "
             "[-1, 1) from SplitMix64(seed, argument index)"),
    cl::init(0), cl::cat(mlaRunCategory));
static cl::opt<bool>
    useRandom("random",
              cl::desc("Draw float arguments that no file gives at random (see "
                       "--random-seed)"),
              cl::init(false), cl::cat(mlaRunCategory));
static cl::opt<std::string>
    outputDir("output-dir", cl::desc("Write result i to <dir>/out<i>.npy"),
              cl::init(""), cl::cat(mlaRunCategory));
static cl::opt<unsigned> warmup("warmup",
                                cl::desc("Untimed calls before timing"),
                                cl::init(0), cl::cat(mlaRunCategory));
static cl::opt<std::string>
    gpuChip("gpu-chip",
            cl::desc("GPU architecture for --target=cuda when not the "
                     "module's target's (#mla.target, else h100: sm_90a)"),
            cl::init(""), cl::cat(mlaRunCategory));
static cl::opt<std::string> gpuFormat(
    "gpu-format",
    cl::desc("GPU binary format for --target=cuda: isa (PTX, JIT-compiled "
             "by the driver), bin or fatbin (need ptxas)"),
    cl::init("isa"), cl::cat(mlaRunCategory));
static cl::opt<bool> compileOnly(
    "compile-only",
    cl::desc("Lower and JIT-compile for the target, then stop (needs no "
             "inputs, and no GPU even for --target=cuda)"),
    cl::init(false), cl::cat(mlaRunCategory));
static cl::opt<unsigned>
    rotate("rotate",
           cl::desc("Cycle through this many copies of the arguments across "
                    "calls (inputs larger than the caches)"),
           cl::init(1), cl::cat(mlaRunCategory));
static cl::opt<unsigned> repeat("repeat",
                                cl::desc("Timed calls (median reported)"),
                                cl::init(0), cl::cat(mlaRunCategory));
static cl::opt<bool> graph(
    "graph",
    cl::desc("On the GPU, capture one call (per --rotate set) into a CUDA "
             "graph, after at least one ordinary call, and replay it for the "
             "timed calls and the reported one: what a call costs without "
             "its host work"),
    cl::init(false), cl::cat(mlaRunCategory));
static cl::opt<bool> inputChecks(
    "input-checks",
    cl::desc("On the GPU, the kernels report bad block tables, lengths and "
             "positions (exit 1); =false drops the checks (indices only "
             "clamped), to measure what they cost"),
    cl::init(true), cl::cat(mlaRunCategory));
static cl::opt<bool> inPlace(
    "in-place",
    cl::desc("Let results update arguments in place (the cache, as an "
             "engine runs a layer) instead of writing them to a copy made "
             "each call; repeated calls then see the updated arguments"),
    cl::init(false), cl::cat(mlaRunCategory));

namespace {

/// Prints `message` prefixed with "mla-run: " and returns exit code 1.
int fail(const llvm::Twine &message) {
  llvm::errs() << "mla-run: " << message << "\n";
  return 1;
}

std::optional<ElementKind> kindOf(Type type) {
  if (type.isF32())
    return ElementKind::F32;
  if (type.isF16())
    return ElementKind::F16;
  if (type.isBF16())
    return ElementKind::BF16;
  if (type.isSignlessInteger(32))
    return ElementKind::I32;
  return std::nullopt;
}

std::string describe(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string text;
  for (int64_t size : shape)
    text += (text.empty() ? "" : "x") + std::to_string(size);
  return "[" + text + "]";
}

/// SplitMix64: a small, well-mixed generator with a documented sequence.
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [-1, 1) with 53 random bits.
  double uniform() { return (next() >> 11) * 0x1.0p-52 - 1.0; }
};

/// Loads or generates the array for argument `index` of type `type`.
llvm::Expected<HostArray> prepareArgument(unsigned index,
                                          RankedTensorType type) {
  std::optional<ElementKind> kind = kindOf(type.getElementType());
  auto error = [&](const llvm::Twine &what) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "argument " + llvm::Twine(index) + " (" +
                                       describe(type) + "): " + what);
  };
  if (!kind)
    return error("unsupported element type (expected f32, f16, bf16 or i32)");

  std::string path;
  if (index < inputs.size()) {
    path = inputs[index];
  } else if (!inputDir.empty()) {
    path = (inputDir + "/arg" + llvm::Twine(index) + ".npy").str();
    // With --random, arguments the folder lacks are drawn at random.
    if (useRandom && !llvm::sys::fs::exists(path))
      path.clear();
  }
  if (!path.empty()) {
    std::string note;
    llvm::Expected<HostArray> array = npy::readNpy(path, &note);
    if (!array)
      return error(llvm::toString(array.takeError()));
    if (!note.empty())
      llvm::errs() << "mla-run: note: " << path << ": " << note << "\n";
    if (array->kind != *kind)
      return error(path + " holds " + kindName(array->kind) +
                   " elements, expected " + kindName(*kind));
    bool shapeMatches =
        array->shape.size() == static_cast<size_t>(type.getRank()) &&
        llvm::all_of(llvm::seq<int64_t>(0, type.getRank()), [&](int64_t d) {
          return type.isDynamicDim(d) || type.getDimSize(d) == array->shape[d];
        });
    if (!shapeMatches)
      return error(path + " has shape " + shapeString(array->shape));
    return array;
  }

  if (!useRandom)
    return error("no input: give --input, --input-dir, or --random");
  if (*kind == ElementKind::I32)
    return error("i32 arguments (positions, block tables, lengths) need an "
                 "input file: random integers would index outside the cache");
  if (!type.hasStaticShape())
    return error("has dynamic sizes: give it an input file");
  llvm::Expected<HostArray> array =
      HostArray::allocate(*kind, std::vector<int64_t>(type.getShape().begin(),
                                                      type.getShape().end()));
  if (!array)
    return error(llvm::toString(array.takeError()));
  SplitMix64 generator{randomSeed * 0x100000001b3ULL + index};
  for (int64_t i = 0, e = array->numElements(); i < e; ++i)
    array->set(i, generator.uniform());
  return array;
}

/// A memref descriptor as the C interface lays it out: allocated and aligned
/// pointers, offset, sizes, strides; every field 8 bytes.
std::vector<int64_t> descriptorOf(HostArray &array) {
  std::vector<int64_t> descriptor;
  auto pointer = reinterpret_cast<int64_t>(array.data());
  descriptor = {pointer, pointer, 0};
  descriptor.insert(descriptor.end(), array.shape.begin(), array.shape.end());
  std::vector<int64_t> strides(array.shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(array.shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * array.shape[d + 1];
  descriptor.insert(descriptor.end(), strides.begin(), strides.end());
  return descriptor;
}

/// Statistics printed for each result.
void summarise(unsigned index, Type type, const HostArray &array) {
  double minimum = INFINITY, maximum = -INFINITY, sum = 0;
  int64_t nans = 0;
  for (int64_t i = 0, e = array.numElements(); i < e; ++i) {
    double value = array.get(i);
    if (std::isnan(value)) {
      ++nans;
      continue;
    }
    minimum = std::min(minimum, value);
    maximum = std::max(maximum, value);
    sum += value;
  }
  int64_t counted = array.numElements() - nans;
  llvm::outs() << llvm::formatv(
      "result {0}: {1} shape={2} min={3:e} max={4:e} mean={5:e} "
      "sum={6:e} nan={7}\n",
      index, describe(type), shapeString(array.shape), minimum, maximum,
      counted ? sum / counted : 0.0, sum, nans);
}


/// Runtime checks in lowered code (cf.assert) print their message and call
/// abort(): turn that into mla-run's usual failure, exit code 1.
extern "C" void onRuntimeCheckFailure(int) {
  const char message[] = "mla-run: a runtime check of the program failed "
                         "(its message is above)\n";
  // abort() is called synchronously by the program's own thread, after
  // puts() of the message into stdout's buffer: flush it before leaving.
  std::fflush(stdout);
  ssize_t ignored = write(STDERR_FILENO, message, sizeof(message) - 1);
  (void)ignored;
  _exit(1);
}

//===----------------------------------------------------------------------===//
// The stages of a run
//===----------------------------------------------------------------------===//

/// Prints `message` as fail() does; the stages' way out.
LogicalResult failure(const llvm::Twine &message) {
  fail(message);
  return mlir::failure();
}

/// Whether the function runs on the GPU: --target=cuda, or auto where a GPU
/// is present. --target=cuda without one fails, unless only compiling.
/// The options' values, before any work: a mistyped one is an error, not a
/// default, and the call counts are bounded (each call runs the whole
/// function; each rotated set is a copy of every argument).
constexpr unsigned kMaxCalls = 100000, kMaxRotate = 64;
LogicalResult checkOptions() {
  if (gpuFormat != "isa" && gpuFormat != "bin" && gpuFormat != "fatbin")
    return failure("--gpu-format must be isa, bin or fatbin, not '" +
                   gpuFormat + "'");
  if (warmup > kMaxCalls || repeat > kMaxCalls)
    return failure("--warmup and --repeat must be at most " +
                   llvm::Twine(kMaxCalls) + ", found " +
                   llvm::Twine(unsigned(warmup)) + " and " +
                   llvm::Twine(unsigned(repeat)));
  if (rotate < 1 || rotate > kMaxRotate)
    return failure("--rotate must be in [1, " + llvm::Twine(kMaxRotate) +
                   "], found " + llvm::Twine(unsigned(rotate)));
  return success();
}

FailureOr<bool> chooseDevice() {
  if (target != "cpu" && target != "cuda" && target != "auto")
    return failure("--target must be cpu, cuda or auto, not '" + target + "'");
  std::string whyNoGpu;
  bool gpuPresent = mla::cuda::isAvailable(&whyNoGpu);
  if (target == "cuda" && !gpuPresent && !compileOnly)
    return failure("--target=cuda: " + whyNoGpu);
  return target == "cuda" || (target == "auto" && gpuPresent);
}

FailureOr<OwningOpRef<ModuleOp>> parseInput(MLIRContext &context) {
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file =
      openInputFile(inputFile, &errorMessage);
  if (!file)
    return failure(errorMessage);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return failure("cannot parse " + inputFile);
  return module;
}

/// The entry function (--entry, or the only public one), its results
/// checked: ranked tensors of the element types mla-run reads and writes.
FailureOr<func::FuncOp> findEntry(ModuleOp module) {
  func::FuncOp entry;
  if (!entryName.empty()) {
    entry = module.lookupSymbol<func::FuncOp>(entryName);
    if (!entry)
      return failure("no function named '" + entryName + "' in " + inputFile);
  } else {
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isPrivate() || function.isExternal())
        continue;
      if (entry)
        return failure(inputFile + " has several public functions: choose "
                                   "one with --entry");
      entry = function;
    }
    if (!entry)
      return failure("no public function in " + inputFile);
  }
  FunctionType signature = entry.getFunctionType();
  for (auto [i, type] : llvm::enumerate(signature.getResults())) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || !kindOf(tensor.getElementType()))
      return failure("result " + llvm::Twine(i) + " of @" + entry.getName() +
                     " is " + describe(type) +
                     ": expected a ranked tensor of f32, f16, bf16 or i32");
  }
  if (inputs.size() > signature.getNumInputs())
    return failure(llvm::Twine(inputs.size()) + " --input files for @" +
                   entry.getName() + ", which takes " +
                   llvm::Twine(signature.getNumInputs()) + " arguments");
  return entry;
}

/// The arguments, read or drawn and checked against the signature before
/// anything is compiled (none with --compile-only).
FailureOr<std::vector<HostArray>> prepareArguments(func::FuncOp entry) {
  std::vector<HostArray> arguments;
  if (compileOnly)
    return arguments;
  for (auto [i, type] : llvm::enumerate(entry.getArgumentTypes())) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor)
      return failure("argument " + llvm::Twine(i) + " of @" + entry.getName() +
                     " is " + describe(type) + ": expected a ranked tensor");
    llvm::Expected<HostArray> array = prepareArgument(i, tensor);
    if (!array)
      return failure(llvm::toString(array.takeError()));
    arguments.push_back(std::move(*array));
  }
  return arguments;
}

/// Lowers the module with the CPU or GPU pipeline (the entry becomes an LLVM
/// function: `entry` is not valid afterwards). Unless --in-place, arguments
/// are read-only for bufferization, so that repeated (timed) calls see the
/// same inputs: a result that would update an argument in place (the cache)
/// is written to a copy, made each call. With --in-place the cache is
/// updated where it is, as an engine runs the layer: a block's append then
/// rewrites the same slots with the same values each call.
LogicalResult lower(ModuleOp module, func::FuncOp entry, bool onGpu) {
  MLIRContext *context = module.getContext();
  entry->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                 UnitAttr::get(context));
  if (!inPlace)
    for (unsigned i = 0; i < entry.getNumArguments(); ++i)
      entry.setArgAttr(i, "bufferization.writable",
                       BoolAttr::get(context, false));
  PassManager pm(context);
  if (onGpu) {
    mla::MLAGPUPipelineOptions gpuOptions;
    // The module's target, where it has one, is what it is compiled for.
    if (auto target = module->getAttrOfType<mla::TargetAttr>(
            mla::MLADialect::kTargetAttrName)) {
      gpuOptions.target = target.getName().str();
      if (gpuChip.empty())
        gpuOptions.chip = target.getChip().str();
    }
    if (!gpuChip.empty())
      gpuOptions.chip = gpuChip;
    gpuOptions.format = gpuFormat;
    gpuOptions.inputChecks = inputChecks;
    mla::buildMLAGPUPipeline(pm, gpuOptions);
  } else {
    mla::buildMLACPUPipeline(pm);
  }
  if (failed(pm.run(module)))
    return failure("lowering " + inputFile + " for the " +
                   (onGpu ? "GPU" : "CPU") + " failed");
  return success();
}

/// JIT-compiles the lowered module, with the runtime helpers it calls
/// registered before the engine initialises (and runs global constructors:
/// the GPU modules load there).
FailureOr<std::unique_ptr<ExecutionEngine>> compile(ModuleOp module) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  // The options hold a function_ref: the transformer must outlive the
  // engine's creation (a temporary here was a use after scope: ASan).
  std::function<llvm::Error(llvm::Module *)> optimize =
      makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0,
                                /*targetMachine=*/nullptr);
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = optimize;
  auto engine = ExecutionEngine::create(module, engineOptions);
  if (!engine)
    return failure("JIT compilation failed: " +
                   llvm::toString(engine.takeError()));
  (*engine)->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    symbols[interner("memrefCopy")] = {
        llvm::orc::ExecutorAddr::fromPtr(&mlaMemrefCopy),
        llvm::JITSymbolFlags::Exported};
    for (auto [name, address] : mla::cuda::runtimeSymbols())
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(address),
                                 llvm::JITSymbolFlags::Exported};
    return symbols;
  });
  return std::move(*engine);
}

/// Calls of the compiled entry through its C interface: pointers to
/// descriptor pointers, results first. On the GPU the descriptors point at
/// device copies of the arguments. With --rotate N, N copies of the
/// arguments are used in turn, so that timed calls do not find their inputs
/// in the cache.
class Invocation {
public:
  /// `name` and `signature` are the entry's before lowering (which
  /// replaces it by an LLVM function).
  /// `hostCopies`: on the CPU, the arguments of each rotated set after the
  /// first (`copiesForRotation`).
  Invocation(ExecutionEngine &engine, StringRef name, FunctionType signature,
             std::vector<HostArray> &arguments,
             std::deque<HostArray> hostCopies, bool onGpu)
      : engine(engine), name(name.str()), resultTypes(signature.getResults()),
        arguments(arguments), onGpu(onGpu), hostCopies(std::move(hostCopies)) {
    unsigned sets = std::max(1u, unsigned(rotate));
    descriptors.resize(sets);
    size_t copy = 0;
    for (unsigned set = 0; set < sets; ++set) {
      for (HostArray &array : arguments) {
        HostArray *source = &array;
        if (set > 0 && !onGpu)
          source = &this->hostCopies[copy++];
        descriptors[set].push_back(descriptorOf(*source));
        if (!onGpu)
          continue;
        void *device = mgpuMemAlloc(array.numBytes(), nullptr, false);
        mgpuMemcpy(device, array.data(), array.numBytes(), nullptr);
        deviceArguments.push_back(device);
        descriptors[set].back()[0] = descriptors[set].back()[1] =
            reinterpret_cast<int64_t>(device);
      }
    }
    if (onGpu)
      mgpuStreamSynchronize(nullptr);
    size_t resultWords = 0;
    for (Type type : resultTypes)
      resultWords += 3 + 2 * cast<RankedTensorType>(type).getRank();
    results.resize(resultWords);
    resultPointer = results.data();
    descriptorPointers.resize(sets);
    packed.resize(sets);
    for (unsigned set = 0; set < sets; ++set) {
      for (auto &descriptor : descriptors[set])
        descriptorPointers[set].push_back(descriptor.data());
      if (resultWords)
        packed[set].push_back(&resultPointer);
      for (void *&pointer : descriptorPointers[set])
        packed[set].push_back(&pointer);
    }
  }
  ~Invocation() {
    for (void *device : deviceArguments)
      mgpuMemFree(device, nullptr);
  }

  /// One call with the next argument set; the results' descriptors are
  /// left in `results`.
  llvm::Error call() {
    return engine.invokePacked("_mlir_ciface_" + name,
                               packed[calls++ % packed.size()]);
  }

  /// --graph: one call per argument set captured into a graph, the results'
  /// descriptors of each kept (the graph's allocations keep their addresses
  /// from launch to launch).
  llvm::Error capture() {
    for (size_t set = 0; set < packed.size(); ++set) {
      mla::cuda::CapturedCall captured = mla::cuda::beginCapture();
      llvm::Error error = call();
      mla::cuda::endCapture(captured);
      if (error)
        return error;
      graphs.push_back({captured, results});
    }
    return llvm::Error::success();
  }

  /// --graph: the next argument set's graph launched and waited for; its
  /// results' descriptors are left in `results`.
  void replay() {
    auto &[captured, descriptors] = graphs[calls++ % graphs.size()];
    mla::cuda::launchGraph(captured);
    results = descriptors;
  }
  bool replays() const { return !graphs.empty(); }

  /// Frees the results' buffers once each, except arguments' buffers (and
  /// a graph's: freed when it is launched again).
  void releaseResults() {
    if (replays())
      return;
    size_t at = 0;
    llvm::SmallPtrSet<void *, 4> released;
    for (HostArray &array : arguments)
      released.insert(array.data());
    for (HostArray &array : hostCopies)
      released.insert(array.data());
    for (void *device : deviceArguments)
      released.insert(device);
    for (Type type : resultTypes) {
      auto allocated = reinterpret_cast<void *>(results[at]);
      if (released.insert(allocated).second) {
        if (onGpu)
          mgpuMemFree(allocated, nullptr);
        else
          free(allocated);
      }
      at += 3 + 2 * cast<RankedTensorType>(type).getRank();
    }
  }

  /// Result `index`'s descriptor words: allocated, aligned, offset, sizes,
  /// strides.
  const int64_t *resultDescriptor(unsigned index) const {
    size_t at = 0;
    for (Type type : resultTypes.take_front(index))
      at += 3 + 2 * cast<RankedTensorType>(type).getRank();
    return &results[at];
  }

private:
  ExecutionEngine &engine;
  std::string name;
  TypeRange resultTypes;
  std::vector<HostArray> &arguments;
  bool onGpu;
  std::deque<HostArray> hostCopies; // stable addresses
  std::vector<std::vector<std::vector<int64_t>>> descriptors;
  std::vector<void *> deviceArguments;
  std::vector<int64_t> results;
  void *resultPointer = nullptr;
  std::vector<std::vector<void *>> descriptorPointers;
  std::vector<std::vector<void *>> packed;
  std::vector<std::pair<mla::cuda::CapturedCall, std::vector<int64_t>>> graphs;
  unsigned calls = 0;
};

/// With --rotate N on the CPU, N - 1 more copies of every argument, made
/// before anything runs (each one can fail for memory).
FailureOr<std::deque<HostArray>>
copiesForRotation(const std::vector<HostArray> &arguments, bool onGpu) {
  std::deque<HostArray> copies;
  for (unsigned set = 1; !onGpu && set < unsigned(rotate); ++set) {
    for (auto [i, array] : llvm::enumerate(arguments)) {
      llvm::Expected<HostArray> copy = array.clone();
      if (!copy)
        return failure("--rotate: argument " + llvm::Twine(i) + ": " +
                       llvm::toString(copy.takeError()));
      copies.push_back(std::move(*copy));
    }
  }
  return copies;
}

/// --warmup untimed calls, --repeat timed ones (device events around each on
/// the GPU: the lowered code synchronises its stream before returning), then
/// the call whose results are reported. Returns the times in µs.
FailureOr<std::vector<double>> callAndTime(Invocation &invocation,
                                           bool onGpu) {
  for (unsigned i = 0; i < warmup; ++i) {
    if (llvm::Error error = invocation.call())
      return failure(llvm::toString(std::move(error)));
    invocation.releaseResults();
  }
  if (graph) {
    // Captured calls must find what a first call sets up already there
    // (the kernels' modules load, with the error record, on the first call
    // into the JIT-compiled code; TMA descriptors, cuBLASLt's plans): one
    // ordinary call first where --warmup made none.
    if (warmup == 0) {
      if (llvm::Error error = invocation.call())
        return failure(llvm::toString(std::move(error)));
      invocation.releaseResults();
    }
    if (llvm::Error error = invocation.capture())
      return failure(llvm::toString(std::move(error)));
  }
  // A call, or the replay of its graph.
  auto callOnce = [&]() -> llvm::Error {
    if (!invocation.replays())
      return invocation.call();
    invocation.replay();
    return llvm::Error::success();
  };
  std::vector<double> times;
  for (unsigned i = 0; i < repeat; ++i) {
    void *startEvent = onGpu ? mla::cuda::recordEvent() : nullptr;
    auto start = std::chrono::steady_clock::now();
    if (llvm::Error error = callOnce())
      return failure(llvm::toString(std::move(error)));
    auto stop = std::chrono::steady_clock::now();
    if (onGpu)
      times.push_back(1e3 * mla::cuda::elapsedMilliseconds(
                                startEvent, mla::cuda::recordEvent()));
    else
      times.push_back(
          std::chrono::duration<double, std::micro>(stop - start).count());
    invocation.releaseResults();
  }
  if (llvm::Error error = callOnce())
    return failure(llvm::toString(std::move(error)));
  return times;
}

/// Result `index` copied out of its descriptor (any strides; from the
/// device on the GPU) into a dense host array.
llvm::Expected<HostArray> copyResult(const int64_t *descriptor,
                                     RankedTensorType tensor, bool onGpu) {
  int64_t rank = tensor.getRank();
  auto *aligned = reinterpret_cast<const uint8_t *>(descriptor[1]);
  int64_t offset = descriptor[2];
  std::vector<int64_t> shape(descriptor + 3, descriptor + 3 + rank);
  std::vector<int64_t> strides(descriptor + 3 + rank,
                               descriptor + 3 + 2 * rank);
  llvm::Expected<HostArray> allocated =
      HostArray::allocate(*kindOf(tensor.getElementType()), shape);
  if (!allocated)
    return allocated.takeError();
  HostArray &out = *allocated;
  size_t width = npy::byteWidth(out.kind);
  std::vector<uint8_t> staged;
  if (onGpu && out.numElements() > 0) {
    // The elements the descriptor can reach, copied to the host whole.
    int64_t extent = offset + 1;
    for (int64_t d = 0; d < rank; ++d)
      extent += (shape[d] - 1) * strides[d];
    staged.resize(extent * width);
    mgpuMemcpy(staged.data(), const_cast<uint8_t *>(aligned), staged.size(),
               nullptr);
    mgpuStreamSynchronize(nullptr);
    aligned = staged.data();
  }
  std::vector<int64_t> index(rank, 0);
  for (int64_t linear = 0, e = out.numElements(); linear < e; ++linear) {
    int64_t source = offset;
    for (int64_t d = 0; d < rank; ++d)
      source += index[d] * strides[d];
    std::memcpy(out.data() + linear * width, aligned + source * width, width);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return allocated;
}

/// Prints each result's summary and writes it to --output-dir.
LogicalResult reportResults(const Invocation &invocation,
                            FunctionType signature, bool onGpu) {
  for (auto [i, type] : llvm::enumerate(signature.getResults())) {
    llvm::Expected<HostArray> copied = copyResult(
        invocation.resultDescriptor(i), cast<RankedTensorType>(type), onGpu);
    if (!copied)
      return failure("result " + llvm::Twine(i) + ": " +
                     llvm::toString(copied.takeError()));
    HostArray &out = *copied;
    summarise(i, type, out);
    if (outputDir.empty())
      continue;
    if (std::error_code error = llvm::sys::fs::create_directories(outputDir))
      return failure("cannot create " + outputDir + ": " + error.message());
    std::string path = (outputDir + "/out" + llvm::Twine(i) + ".npy").str();
    if (llvm::Error error = npy::writeNpy(path, out))
      return failure(llvm::toString(std::move(error)));
  }
  return success();
}

void printTimes(std::vector<double> times, bool onGpu) {
  if (times.empty())
    return;
  std::sort(times.begin(), times.end());
  llvm::outs() << llvm::formatv(
      "time: median {0:f1} us, min {1:f1} us, max {2:f1} us over {3} "
      "calls ({4} warm-up, {5})\n",
      times[times.size() / 2], times.front(), times.back(), times.size(),
      unsigned(warmup), onGpu ? "GPU, device events" : "CPU");
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(mlaRunCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "mla-run: JIT-execute a function of an mla module on the CPU or an "
      "NVIDIA GPU\n");

  if (failed(checkOptions()))
    return 1;
  FailureOr<bool> onGpu = chooseDevice();
  if (failed(onGpu))
    return 1;
  if (graph && !*onGpu)
    return fail("--graph replays CUDA graphs: it needs --target=cuda and a "
                "GPU");
  DialectRegistry registry;
  mla::registerAllMLADialects(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  MLIRContext context(registry);
  FailureOr<OwningOpRef<ModuleOp>> module = parseInput(context);
  if (failed(module))
    return 1;
  FailureOr<func::FuncOp> entry = findEntry(**module);
  if (failed(entry))
    return 1;
  FailureOr<std::vector<HostArray>> arguments = prepareArguments(*entry);
  if (failed(arguments))
    return 1;
  // Lowering replaces the entry by an LLVM function: what the call needs of
  // it, first.
  std::string name = entry->getName().str();
  FunctionType signature = entry->getFunctionType();
  if (failed(lower(**module, *entry, *onGpu)))
    return 1;
  std::signal(SIGABRT, onRuntimeCheckFailure);
  FailureOr<std::unique_ptr<ExecutionEngine>> engine = compile(**module);
  if (failed(engine))
    return 1;
  if (compileOnly) {
    llvm::outs() << "compiled @" << name << " for the "
                 << (*onGpu ? "GPU" : "CPU") << "\n";
    return 0;
  }
  FailureOr<std::deque<HostArray>> copies =
      copiesForRotation(*arguments, *onGpu);
  if (failed(copies))
    return 1;
  Invocation invocation(**engine, name, signature, *arguments,
                        std::move(*copies), *onGpu);
  FailureOr<std::vector<double>> times = callAndTime(invocation, *onGpu);
  if (failed(times) || failed(reportResults(invocation, signature, *onGpu)))
    return 1;
  invocation.releaseResults();
  printTimes(*times, *onGpu);
  return 0;
}
