/* Intentionally empty until the CUDA engine issue: see include/CBlendCUDA.h. */
#include "CBlendCUDA.h"
