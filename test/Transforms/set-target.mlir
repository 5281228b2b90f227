// RUN: mla-opt %s --mla-set-target | FileCheck %s --check-prefix=H100
// RUN: mla-opt %s --mla-set-target=target=a100 | FileCheck %s --check-prefix=A100
// RUN: mla-opt %s --mla-set-target="target=h100 chip=sm_90" | FileCheck %s --check-prefix=SM90
// RUN: mla-opt %s --mla-set-target=target=h100 --mla-set-target=target=h100 | FileCheck %s --check-prefix=H100
// RUN: not mla-opt %s --mla-set-target=target=tpu -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-TARGET
// RUN: not mla-opt %s --mla-set-target=chip=gfx90a -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-CHIP
// RUN: not mla-opt %s --mla-set-target=target=h100 --mla-set-target=target=a100 -o /dev/null 2>&1 | FileCheck %s --check-prefix=OTHER
// RUN: not mla-opt %s --mla-set-target=target=h100 --mla-set-target="target=h100 chip=sm_90" -o /dev/null 2>&1 | FileCheck %s --check-prefix=OTHER-CHIP
// RUN: mla-opt %S/Inputs/measured-target.mlir --mla-set-target=target=lab-h100 | FileCheck %s --check-prefix=KEPT
// RUN: mla-opt %S/Inputs/measured-target.mlir --mla-set-target="target=lab-h100 chip=sm_90a" | FileCheck %s --check-prefix=KEPT

// mla-set-target: the module's #mla.target from the preset table (chip,
// SMs, shared memory, registers, rates), compiled for another chip on
// request; a module already targeting that GPU keeps its own (measured)
// figures; another GPU is refused.

// H100: module attributes {mla.target = #mla.target<name = "h100", chip = "sm_90a", sms = 132, shared_memory = 232448, registers = 65536, bandwidth = 2.900000e+12, tensor_rate = 7.600000e+14, f32_rate = 51486349848331.648>}
// A100: module attributes {mla.target = #mla.target<name = "a100", chip = "sm_80", sms = 108, shared_memory = 166912, registers = 65536,
// SM90: module attributes {mla.target = #mla.target<name = "h100", chip = "sm_90", sms = 132, shared_memory = 232448,
// BAD-TARGET: error: mla-set-target: unknown target 'tpu' (known: h100, h200, a100)
// BAD-CHIP: error: mla-set-target: unknown chip 'gfx90a' (expected sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a, sm_100)
// OTHER: error: mla-set-target: the module targets h100 (sm_90a), not a100 (sm_80)
// OTHER-CHIP: error: mla-set-target: the module targets h100 (sm_90a), not h100 (sm_90)
// KEPT: module attributes {mla.target = #mla.target<name = "lab-h100", chip = "sm_90a", sms = 132, shared_memory = 200000, registers = 65536, bandwidth = 3.100000e+12,
module {
}
