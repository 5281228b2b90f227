// A module carrying its own measured target figures (set-target.mlir).
module attributes {mla.target = #mla.target<name = "lab-h100", chip = "sm_90a", sms = 132, shared_memory = 200000, registers = 65536, bandwidth = 3.1e12, tensor_rate = 6.5e14, f32_rate = 5.0e13>} {
}
