/* latent: unsupervised deep learning on CPUs. The umbrella header of the public C API. */
#ifndef LATENT_LATENT_H
#define LATENT_LATENT_H

#include "latent/activation.h"
#include "latent/error.h"
#include "latent/isa.h"
#include "latent/memory.h"
#include "latent/rng.h"
#include "latent/topology.h"
#include "latent/comm.h"

#endif
