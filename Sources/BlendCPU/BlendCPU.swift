// BlendCPU will hold the CPU reference engine (GGUF loading, tokenizer, a Llama-architecture
// forward pass) behind BlendCore's execution-engine protocol. Until that issue lands this module
// is empty on purpose and exports nothing.
import BlendCore
