// Answers chat questions with the CPU engine on the default model, using the library directly
// (no batch files): `swift run -c release cpu-chat "What is the capital of France?" "Name a colour."`
import BlendCore
import BlendCPU
import BlendSchedulers
import Foundation

let questions = CommandLine.arguments.dropFirst().isEmpty ? ["What is the capital of France?"] : Array(CommandLine.arguments.dropFirst())
let model = try LlamaModel(path: try ModelStore().resolveDefaultModel(log: { print($0) }))
let encoder = try ChatPromptEncoder(metadata: model.file.metadata)

var workload = Workload()
for (i, question) in questions.enumerated() {
    workload.append(id: "q\(i)", prompt: encoder.encode(chat: [ChatMessage(role: "user", content: question)]), maxNewTokens: 64)
}
let engine = try CPUEngine(model: model, tokenizer: encoder.tokenizer,
                           sampling: Array(repeating: SamplingParameters(temperature: 0), count: questions.count))
let result = await runOffline(OrderedScheduler(name: "fcfs", order: AdmissionOrder.fcfs), on: engine, workload: workload)
for (question, answer) in zip(questions, result.results) {
    let text = encoder.tokenizer.decode(answer.tokens.filter { !encoder.tokenizer.endOfGenerationIDs.contains($0) })
    print("> \(question)\n\(text)\n")
}
