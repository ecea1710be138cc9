// BlendCUDA will hold the CUDA execution engine over the CBlendCUDA C target. Until that issue
// lands this module is empty on purpose and exports nothing.
import BlendCore
import CBlendCUDA
