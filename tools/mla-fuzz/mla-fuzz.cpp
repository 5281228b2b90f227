//===- mla-fuzz.cpp - Fuzz target: parse, verify, every pipeline ---*- C++ -*-===//
//
// One input is MLIR text, optionally split into modules by `// -----` lines
// (as mlir-opt's -split-input-file) and optionally headed by a line
//
//   // mla-fuzz: <pass pipeline>
//
// naming the pipeline to run (mla passes, pipelines and their options only,
// e.g. `mla-fuse-decode{splits=7},mla-gpu-pipeline{format=isa}`). Without
// it, each module that parses and verifies runs through one of the default
// pipeline, the default pipeline then the CPU lowering, and the default
// pipeline then the GPU pipeline down to PTX — which one, a hash of the
// input says (one pipeline per run: three times the runs a second; the
// mutator also writes headers, and MLA_FUZZ_ALL=1 runs all three).
//
// What counts as a finding, besides the crashes, hangs and memory errors
// libFuzzer and the sanitizers catch:
//   - a pass that succeeds and leaves IR that does not verify (invalid IR
//     from valid IR);
//   - a pipeline that fails without an error diagnostic (a silent failure).
// Each aborts with a message naming the pass or the pipeline.
//
// Built with libFuzzer (MLA_FUZZ=ON: clang's -fsanitize=fuzzer, with ASan and
// UBSan) this is a fuzz target with a mutator that knows the mla dialect's
// attributes (LLVMFuzzerCustomMutator below); built without it, the same
// target has a main that runs the files it is given once each: the crash
// regression inputs under test/Tools/Inputs/fuzz run that way in every build.
//
//===----------------------------------------------------------------------===//

#include "mla/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/xxhash.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

using namespace mlir;

namespace {

/// The pipelines an input without a header runs, each on its own copy of
/// the module.
constexpr const char *kDefaultPipelines[] = {
    "mla-pipeline",
    "mla-pipeline,mla-cpu-pipeline",
    "mla-pipeline,mla-gpu-pipeline{format=isa}",
};

constexpr llvm::StringLiteral kHeader = "// mla-fuzz:";

/// MLA_FUZZ_VERBOSE=1 prints each pipeline run and every diagnostic, to read
/// what an input does.
bool verbose() {
  static const bool on = getenv("MLA_FUZZ_VERBOSE") != nullptr;
  return on;
}

/// Diagnostics are the expected outcome of most inputs: dropped, unless
/// verbose.
LogicalResult dropDiagnostic(Diagnostic &diag) {
  if (verbose())
    llvm::errs() << diag.getLocation() << ": " << diag << "\n";
  return success();
}

/// Larger inputs are not interesting: the seeds are at most a few KiB, and a
/// V3 block's weights are shapes, not data.
constexpr size_t kMaxInputBytes = 64 * 1024;

const DialectRegistry &registry() {
  static const DialectRegistry *registry = [] {
    auto *r = new DialectRegistry();
    mla::registerAllMLADialects(*r);
    mla::registerAllMLAPasses();
    return r;
  }();
  return *registry;
}

[[noreturn]] void finding(const llvm::Twine &what) {
  llvm::errs() << "mla-fuzz: " << what << "\n";
  llvm::errs().flush();
  std::abort();
}

/// Only mla's own passes and pipelines, and the clean-ups tests run after
/// them, may be named by a header: upstream passes on inputs they were not
/// written for are not this project's findings.
bool isOwnPass(StringRef argument) {
  return argument.starts_with("mla-") || argument.starts_with("convert-mla-") ||
         argument == "canonicalize" || argument == "cse";
}

/// Whether every pass a textual pipeline names is one of ours; the names of
/// the ops it nests under (`func.func(...)`) and the options (`{...}`) are
/// not pass names.
bool allOwnPasses(StringRef pipeline) {
  std::string name;
  int braces = 0;
  for (char c : pipeline.str() + ",") {
    if (c == '{' && braces++ == 0)
      continue;
    if (braces) {
      braces -= c == '}';
      continue;
    }
    if (c == ',' || c == '(' || c == ')') {
      StringRef trimmed = StringRef(name).trim();
      if (!trimmed.empty() && c != '(' && !isOwnPass(trimmed))
        return false;
      name.clear();
      continue;
    }
    name.push_back(c);
  }
  return braces == 0;
}

/// After every pass that succeeded, the IR must verify: the pass manager's
/// own verifier would report the same as an ordinary failure.
struct VerifyAfterEachPass : public PassInstrumentation {
  void runAfterPass(Pass *pass, Operation *op) override {
    ScopedDiagnosticHandler quiet(op->getContext(), dropDiagnostic);
    if (failed(verify(op)))
      finding("pass '" + pass->getArgument() +
              "' succeeded and left IR that does not verify");
  }
};

/// Runs `pipeline` on a copy of `module`; returns false where the pipeline
/// text is not one this target runs.
bool runPipeline(ModuleOp module, StringRef pipeline) {
  MLIRContext *context = module.getContext();
  PassManager pm(context, ModuleOp::getOperationName());
  std::string parseErrors;
  llvm::raw_string_ostream errorStream(parseErrors);
  if (!allOwnPasses(pipeline) ||
      failed(parsePassPipeline(pipeline, pm, errorStream))) {
    if (verbose())
      llvm::errs() << "mla-fuzz: not run: '" << pipeline << "' "
                   << parseErrors << "\n";
    return false;
  }
  if (verbose())
    llvm::errs() << "mla-fuzz: running '" << pipeline << "'\n";
  pm.enableVerifier(false);
  pm.addInstrumentation(std::make_unique<VerifyAfterEachPass>());

  OwningOpRef<ModuleOp> copy = module.clone();
  bool sawError = false;
  ScopedDiagnosticHandler handler(context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error)
      sawError = true;
    return dropDiagnostic(diag);
  });
  if (failed(pm.run(*copy)) && !sawError)
    finding("pipeline '" + pipeline + "' failed without an error");
  return true;
}

/// One module's text: parse (which verifies), then the pipelines.
void runModule(StringRef text, ArrayRef<std::string> pipelines) {
  MLIRContext context(registry(), MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler quiet(&context, dropDiagnostic);
  ParserConfig config(&context);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, config);
  if (!module)
    return;
  for (const std::string &pipeline : pipelines)
    runPipeline(*module, pipeline);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  (void)registry();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > kMaxInputBytes)
    return -1;
  StringRef input(reinterpret_cast<const char *>(data), size);

  SmallVector<std::string> pipelines;
  if (input.starts_with(kHeader)) {
    auto [header, rest] = input.split('\n');
    pipelines.push_back(header.drop_front(kHeader.size()).trim().str());
    input = rest;
  } else if (getenv("MLA_FUZZ_ALL")) {
    for (const char *pipeline : kDefaultPipelines)
      pipelines.push_back(pipeline);
  } else {
    pipelines.push_back(
        kDefaultPipelines[llvm::xxh3_64bits(input) %
                          std::size(kDefaultPipelines)]);
  }

  // The parser reads from a null-terminated buffer of its own.
  SmallVector<StringRef> chunks;
  input.split(chunks, "// -----");
  for (StringRef chunk : chunks) {
    std::string text = chunk.str();
    runModule(text, pipelines);
  }
  return 0;
}

//===----------------------------------------------------------------------===//
// The mutator: integers in mla attributes, shapes and options
//===----------------------------------------------------------------------===//

namespace {

/// Sizes that have found bugs before (zero batches, a splits of 2^31, the
/// products that overflow) and the edges around the usual powers of two.
constexpr int64_t kInterestingValues[] = {
    0,          1,          2,          3,          7,
    8,          15,         16,         17,         31,
    32,         33,         63,         64,         65,
    127,        128,        129,        255,        256,
    512,        576,        1023,       1024,       1025,
    4096,       65535,      65536,      65537,      2147483647,
    2147483648, 4294967296, -1,         -2147483648,
    9223372036854775807};

/// Where a structure-aware mutation may land: the digits of an integer
/// inside an `#mla.` attribute, a tensor/memref shape, or the header's
/// pass options.
struct Site {
  size_t begin, end;
};

bool isDigit(char c) { return c >= '0' && c <= '9'; }

/// Integer literals in the regions of `text` the mutator targets.
SmallVector<Site> findSites(StringRef text) {
  SmallVector<Site> sites;
  auto addIntegers = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end;) {
      if (!isDigit(text[i]) ||
          (i > 0 && (isalnum(static_cast<unsigned char>(text[i - 1])) ||
                     text[i - 1] == '_' || text[i - 1] == '.'))) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < end && isDigit(text[j]))
        ++j;
      // Skip floats (1.0e-5): their digits are not sizes.
      if (j < end && (text[j] == '.' || text[j] == 'e')) {
        i = j + 1;
        continue;
      }
      sites.push_back({i, j});
      i = j;
    }
  };
  // `#mla.name<...>` with nested angle brackets.
  for (size_t at = text.find("#mla."); at != StringRef::npos;
       at = text.find("#mla.", at + 1)) {
    size_t open = text.find('<', at);
    if (open == StringRef::npos)
      break;
    int depth = 0;
    size_t close = open;
    for (; close < text.size(); ++close) {
      if (text[close] == '<')
        ++depth;
      else if (text[close] == '>' && --depth == 0)
        break;
    }
    addIntegers(open, std::min(close, text.size()));
  }
  // Shapes: `tensor<` / `memref<` up to the element type.
  for (StringRef kind : {"tensor<", "memref<"}) {
    for (size_t at = text.find(kind); at != StringRef::npos;
         at = text.find(kind, at + 1)) {
      size_t begin = at + kind.size();
      size_t end = text.find('>', begin);
      if (end == StringRef::npos)
        break;
      addIntegers(begin, end);
    }
  }
  // The header's options.
  if (text.starts_with(kHeader))
    addIntegers(0, text.find('\n'));
  return sites;
}

/// The pass options an input's header may name, one per mutation.
constexpr const char *kHeaders[] = {
    "mla-pipeline",
    "mla-pipeline{phase=decode},mla-gpu-pipeline{format=isa}",
    "mla-pipeline{phase=prefill},mla-gpu-pipeline{format=isa}",
    "mla-pipeline,mla-cpu-pipeline",
    "mla-pipeline{fuse=0},mla-cpu-pipeline",
    "mla-decompose,mla-select-phase,mla-absorb-weights,mla-fuse-decode{"
    "splits=4 stages=2}",
    "mla-decompose,mla-select-phase{force=decode},mla-absorb-weights,"
    "mla-fuse-decode{block_tokens=64}",
    "mla-decompose,mla-select-phase{force=prefill},mla-fuse-prefill",
    "mla-pipeline,mla-gpu-pipeline{chip=sm_80 format=isa}",
    "mla-pipeline,mla-gpu-pipeline{chip=sm_100 format=isa}",
    "convert-mla-to-linalg",
};

} // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size,
                                   size_t maxSize);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  std::minstd_rand rng(seed);
  std::string text(reinterpret_cast<const char *>(data), size);
  switch (rng() % 4) {
  case 0: {
    // An integer of an mla attribute, a shape or an option.
    SmallVector<Site> sites = findSites(text);
    if (sites.empty())
      break;
    Site site = sites[rng() % sites.size()];
    int64_t value = rng() % 2 ? kInterestingValues[rng() % std::size(
                                    kInterestingValues)]
                              : static_cast<int64_t>(rng() % 5000);
    // Negative values only where a sign can be written: after `=` or `<`.
    if (value < 0 && site.begin > 0 && text[site.begin - 1] != '=' &&
        text[site.begin - 1] != ' ')
      value = -value;
    text.replace(site.begin, site.end - site.begin, std::to_string(value));
    break;
  }
  case 1: {
    // Another pipeline header.
    std::string header =
        std::string(kHeader) + " " + kHeaders[rng() % std::size(kHeaders)];
    if (StringRef(text).starts_with(kHeader))
      text.replace(0, text.find('\n'), header);
    else
      text = header + "\n" + text;
    break;
  }
  default:
    return LLVMFuzzerMutate(data, size, maxSize);
  }
  if (text.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  memcpy(data, text.data(), text.size());
  return text.size();
}

#ifndef MLA_LIBFUZZER
// Without libFuzzer: run each file named on the command line once, as
// libFuzzer's own main does with files (crash reproduction, regression
// inputs). A finding aborts; otherwise the count of inputs run is printed.
extern "C" size_t LLVMFuzzerMutate(uint8_t *, size_t size, size_t) {
  return size;
}

int main(int argc, char **argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  int ran = 0;
  for (int i = 1; i < argc; ++i) {
    auto buffer = llvm::MemoryBuffer::getFile(argv[i]);
    if (!buffer) {
      llvm::errs() << "mla-fuzz: cannot read '" << argv[i]
                   << "': " << buffer.getError().message() << "\n";
      return 1;
    }
    StringRef bytes = (*buffer)->getBuffer();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()),
                           bytes.size());
    ++ran;
  }
  llvm::outs() << "mla-fuzz: ran " << ran << " input(s)\n";
  return 0;
}
#endif
