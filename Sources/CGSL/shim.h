#ifndef READCHAIN_CGSL_SHIM_H
#define READCHAIN_CGSL_SHIM_H

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_version.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_qrng.h>

/// Swift cannot import GSL's generator-type globals (`gsl_rng_mt19937` and friends are
/// `extern const gsl_rng_type *` variables); these accessors expose them.
static inline const gsl_rng_type *readchain_gsl_rng_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_rng_type *readchain_gsl_rng_ranlxd2(void) { return gsl_rng_ranlxd2; }
static inline const gsl_rng_type *readchain_gsl_rng_taus2(void) { return gsl_rng_taus2; }
/// The Sobol' quasi-random generator type (`gsl_qrng_sobol`, Antonov–Saleev; at most 40 dimensions in GSL).
static inline const gsl_qrng_type *readchain_gsl_qrng_sobol(void) { return gsl_qrng_sobol; }

/// The version string of the GSL that was linked (not the headers').
static inline const char *readchain_gsl_version(void) { return gsl_version; }

/// The number of 32-bit words in GSL's MT19937 state (`N` in GSL's rng/mt.c).
#define READCHAIN_MT19937_N 624

/// GSL's private MT19937 state (`mt_state_t` in rng/mt.c), restated so Swift can write the whole
/// 624-word state. A test checks this layout against `gsl_rng_set`'s documented seeding.
typedef struct {
    unsigned long mt[READCHAIN_MT19937_N];
    int mti;
} readchain_mt19937_state;

/// `sizeof` GSL's MT19937 state as we restate it; must equal `gsl_rng_size` of an mt19937 generator.
static inline size_t readchain_mt19937_state_size(void) { return sizeof(readchain_mt19937_state); }

/// Word `i` (0..<624) of the MT19937 state behind `gsl_rng_state(r)`.
static inline unsigned long readchain_mt19937_word(const void *state, int i) {
    return ((const readchain_mt19937_state *)state)->mt[i];
}
static inline void readchain_mt19937_set_word(void *state, int i, unsigned long value) {
    ((readchain_mt19937_state *)state)->mt[i] = value;
}
/// The position `mti` of the next word to temper; 624 means "regenerate the block first".
static inline int readchain_mt19937_index(const void *state) {
    return ((const readchain_mt19937_state *)state)->mti;
}
static inline void readchain_mt19937_set_index(void *state, int mti) {
    ((readchain_mt19937_state *)state)->mti = mti;
}

#endif
