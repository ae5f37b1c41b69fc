/* Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations, in double (internal). */
#ifndef LATENT_SRC_MODELS_SYM_EIGEN_H
#define LATENT_SRC_MODELS_SYM_EIGEN_H

#include <stdint.h>
#include "latent/error.h"

/* a (n x n, symmetric, destroyed) -> eigenvalues w[n] and eigenvectors as the columns of v
 * (n x n). Converges quadratically; LATENT_EINVAL if it has not after 100 sweeps. */
latent_status latent_sym_eigen(int64_t n, double *a, double *w, double *v);

/* s = the symmetric square root of the positive semi-definite a (n x n; negative eigenvalues
 * from rounding are taken as 0). a is kept; work needs 3 n^2 + n doubles. */
latent_status latent_sym_sqrt(int64_t n, const double *a, double *s, double *work);
#endif
