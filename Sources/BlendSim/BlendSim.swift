// BlendSim will hold the simulated GPU engine (roofline, overlap and attention-kernel models)
// behind BlendCore's execution-engine protocol. The protocol arrives with the runtime issue;
// until then this module is empty on purpose and exports nothing.
import BlendCore
