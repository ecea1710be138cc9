/* Block geometry of the supported weight types and the clamping of requested levels. */
#include "kernels_internal.h"

int bs_level(int isa) {
    int best = bs_cpu_best_isa();
    if (isa < BS_ISA_PORTABLE) return BS_ISA_PORTABLE;
    return isa > best ? best : isa;
}

int bs_type_supported(uint32_t ggml_type) { return bs_block_elements(ggml_type) != 0; }

int64_t bs_block_elements(uint32_t ggml_type) {
    switch (ggml_type) {
    case BS_T_F32:
    case BS_T_F16:
    case BS_T_BF16: return 1;
    case BS_T_Q4_0:
    case BS_T_Q4_1:
    case BS_T_Q8_0: return 32;
    case BS_T_Q4_K:
    case BS_T_Q6_K: return 256;
    default: return 0;
    }
}

int64_t bs_block_bytes(uint32_t ggml_type) {
    switch (ggml_type) {
    case BS_T_F32: return 4;
    case BS_T_F16:
    case BS_T_BF16: return 2;
    case BS_T_Q4_0: return 18;
    case BS_T_Q4_1: return 20;
    case BS_T_Q8_0: return 34;
    case BS_T_Q4_K: return 144;
    case BS_T_Q6_K: return 210;
    default: return 0;
    }
}
