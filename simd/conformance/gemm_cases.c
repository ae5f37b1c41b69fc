/* Conformance cases for the GEMM framework and k-means assignment. PLACEHOLDER: none yet. */
#include "../conformance.h"

const lk_conformance_kernel lk_conformance_gemm[] = {{0, 0}};
const int lk_conformance_gemm_count = 0;
