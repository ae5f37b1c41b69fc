/* Conformance cases for activations, losses, reductions and optimizers. PLACEHOLDER: none yet. */
#include "../conformance.h"

const lk_conformance_kernel lk_conformance_elementwise[] = {{0, 0}};
const int lk_conformance_elementwise_count = 0;
