/* Elementary functions made of IEEE additions, multiplications and divisions alone (the build
 * never fuses them: -ffp-contract=off), so they give the same bits on x86-64 and aarch64. glibc's
 * expf, tanhf, log1pf, log, sin and cos are built differently for the two (FMA variants chosen at
 * run time on x86-64, contracted C on aarch64) and may differ in the last bit; the scalar level,
 * the random normals and the other libm calls that reach a model's bytes use these instead, which
 * is what makes LATENT_ISA=scalar checkpoints equal across the two architectures.
 * Double versions: relative error below 5e-16 over their whole range. Float versions: rounded
 * from the double result, within 1 ulp of the correctly rounded value. */
#ifndef LATENT_SIMD_PORTABLE_MATH_H
#define LATENT_SIMD_PORTABLE_MATH_H

#include <stdint.h>

double lk_exp(double x);
double lk_log(double x);           /* x > 0; log(0) = -inf, negative or NaN -> NaN */
double lk_sin(double x);           /* |x| up to about 1e6 (Cody-Waite reduction) */
double lk_cos(double x);
void lk_sincos(double x, double *s, double *c); /* lk_sin(x) and lk_cos(x), one reduction */
/* lk_log and lk_sincos of n values, the same bits as one call each: the same operations in the
 * same order, on several values side by side (each is a chain of dependent operations, so one
 * value at a time leaves the core waiting on each result; the random normals need a log and a
 * sine and cosine per pair). Output arrays must not overlap the input. */
void lk_log_n(int64_t n, const double *x, double *y);
void lk_sincos_n(int64_t n, const double *x, double *s, double *c);
double lk_pow_int(double b, int64_t e); /* b^e by repeated squaring, e >= 0: relative error
                                        * about e x 2^-53 (Adam's bias correction) */

float lk_expf(float x);
float lk_logf(float x);
float lk_log1pf(float x);
float lk_tanhf(float x);

#endif
