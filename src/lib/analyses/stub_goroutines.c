/* Temporary stand-in until goroutines.c lands; delete then. */
#include "gmd/goroutines.h"
bool gmd_profile_is_goroutine(const gmd_profile *p) { (void)p; return false; }
