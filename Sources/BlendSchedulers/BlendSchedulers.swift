// BlendSchedulers will hold the policies behind BlendCore's scheduler protocol (BlendServe,
// AlignedServe and the papers' baselines). The protocol itself arrives with the runtime issue;
// until then this module is empty on purpose and exports nothing.
import BlendCore
