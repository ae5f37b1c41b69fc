/* The two entries every level's GEMM micro-kernel file defines around its stride-generic tile
 * function TILE(kc, a, ars, aps, b, bps, c, ldc, accumulate, ep) (always inline): the packed one
 * (lk_gemm_ukr_fn) and the strided one (lk_gemm_ukr_strided_fn), which picks the instance
 * compiled for the operand that is read where it lies. MR and NR are the file's tile. */
#ifndef LATENT_SIMD_UKR_ENTRIES_H
#define LATENT_SIMD_UKR_ENTRIES_H

#define LK_UKR_ENTRIES(PACKED, STRIDED, TILE)                                                   \
    static void PACKED(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,      \
                       int accumulate, const lk_epilogue *ep)                                  \
    {                                                                                          \
        TILE(kc, a, 1, MR, b, NR, c, ldc, accumulate, ep);                                     \
    }                                                                                          \
    static void STRIDED(int64_t kc, const float *a, int64_t ars, int64_t aps, const float *b,  \
                        int64_t bps, float *c, int64_t ldc, int accumulate,                    \
                        const lk_epilogue *ep)                                                 \
    {                                                                                          \
        if (bps != NR) TILE(kc, a, 1, MR, b, bps, c, ldc, accumulate, ep);                     \
        else if (aps == 1) TILE(kc, a, ars, 1, b, NR, c, ldc, accumulate, ep);                 \
        else TILE(kc, a, 1, aps, b, NR, c, ldc, accumulate, ep);                               \
    }

#endif
