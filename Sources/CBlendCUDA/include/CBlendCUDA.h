#ifndef CBLENDCUDA_H
#define CBLENDCUDA_H
/* CBlendCUDA will open the CUDA driver and NVRTC with dlopen at run time and expose a small C API
 * to BlendCUDA. Until that issue lands the header declares nothing. */
#endif
