#ifndef READCHAIN_CGSL_SHIM_H
#define READCHAIN_CGSL_SHIM_H

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_version.h>

/// Swift cannot import GSL's generator-type globals (`gsl_rng_mt19937` and friends are
/// `extern const gsl_rng_type *` variables); these accessors expose them.
static inline const gsl_rng_type *readchain_gsl_rng_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_rng_type *readchain_gsl_rng_ranlxd2(void) { return gsl_rng_ranlxd2; }
static inline const gsl_rng_type *readchain_gsl_rng_taus2(void) { return gsl_rng_taus2; }

/// The version string of the GSL that was linked (not the headers').
static inline const char *readchain_gsl_version(void) { return gsl_version; }

#endif
