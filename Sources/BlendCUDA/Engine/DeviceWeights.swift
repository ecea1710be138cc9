import BlendCPU

/// A weight matrix in device memory, in the model file's layout.
struct DeviceMatrix {
    var type: GGMLType
    var rows: Int
    var columns: Int
    var rowBytes: Int
    var address: UInt64
}

/// The weights of one transformer block in device memory (vectors as floats).
struct DeviceLayer {
    var attentionNorm: UInt64
    var query: DeviceMatrix
    var key: DeviceMatrix
    var value: DeviceMatrix
    var queryBias: UInt64?
    var keyBias: UInt64?
    var valueBias: UInt64?
    var attentionOutput: DeviceMatrix
    var ffnNorm: UInt64
    var gate: DeviceMatrix
    var up: DeviceMatrix
    var down: DeviceMatrix
}

/// A model's weights copied into one device allocation, quantised matrices byte for byte as the
/// file stores them (the kernels dequantise on the fly), norm weights and biases as floats.
final class DeviceWeights {
    let buffer: DeviceBuffer
    let embedding: DeviceMatrix
    let layers: [DeviceLayer]
    let outputNorm: UInt64
    let output: DeviceMatrix

    /// Copies `model`'s weights to the device.
    /// - Throws: ``CUDAError`` when the device is out of memory.
    /// - Complexity: O(weight bytes).
    init(model: LlamaModel, context: CUDAContext, stream: CUDAStream) throws {
        let weights = model.weights
        var layout = Layout()
        let embeddingOffset = layout.reserve(weights.embedding.bytes.count)
        let outputOffset = weights.outputIsTied ? embeddingOffset : layout.reserve(weights.output.bytes.count)
        let outputNormOffset = layout.reserve(floats: weights.outputNorm)
        let layerOffsets = weights.layers.map { layer in
            (attentionNorm: layout.reserve(floats: layer.attentionNorm), query: layout.reserve(layer.query.bytes.count),
             key: layout.reserve(layer.key.bytes.count), value: layout.reserve(layer.value.bytes.count),
             queryBias: layer.queryBias.map { layout.reserve(floats: $0) },
             keyBias: layer.keyBias.map { layout.reserve(floats: $0) },
             valueBias: layer.valueBias.map { layout.reserve(floats: $0) },
             attentionOutput: layout.reserve(layer.attentionOutput.bytes.count),
             ffnNorm: layout.reserve(floats: layer.ffnNorm), gate: layout.reserve(layer.gate.bytes.count),
             up: layout.reserve(layer.up.bytes.count), down: layout.reserve(layer.down.bytes.count))
        }
        let buffer = try DeviceBuffer(context: context, bytes: layout.bytes)
        func matrix(_ m: LlamaModel.Matrix, at offset: Int) throws -> DeviceMatrix {
            try buffer.upload(m.bytes, at: offset, on: stream)
            return DeviceMatrix(type: m.type, rows: m.rows, columns: m.columns, rowBytes: m.rowBytes, address: buffer.address(at: offset))
        }
        func vector(_ v: [Float], at offset: Int) throws -> UInt64 {
            try v.withUnsafeBytes { try buffer.upload($0, at: offset, on: stream) }
            return buffer.address(at: offset)
        }
        embedding = try matrix(weights.embedding, at: embeddingOffset)
        output = weights.outputIsTied ? embedding : try matrix(weights.output, at: outputOffset)
        outputNorm = try vector(weights.outputNorm, at: outputNormOffset)
        layers = try zip(weights.layers, layerOffsets).map { layer, at in
            DeviceLayer(attentionNorm: try vector(layer.attentionNorm, at: at.attentionNorm),
                        query: try matrix(layer.query, at: at.query), key: try matrix(layer.key, at: at.key),
                        value: try matrix(layer.value, at: at.value),
                        queryBias: try layer.queryBias.map { try vector($0, at: at.queryBias!) },
                        keyBias: try layer.keyBias.map { try vector($0, at: at.keyBias!) },
                        valueBias: try layer.valueBias.map { try vector($0, at: at.valueBias!) },
                        attentionOutput: try matrix(layer.attentionOutput, at: at.attentionOutput),
                        ffnNorm: try vector(layer.ffnNorm, at: at.ffnNorm), gate: try matrix(layer.gate, at: at.gate),
                        up: try matrix(layer.up, at: at.up), down: try matrix(layer.down, at: at.down))
        }
        try stream.synchronize()
        self.buffer = buffer
    }

    /// Bytes of device memory the weights take.
    var bytes: Int { buffer.bytes }

    /// Offsets of the pieces of one allocation, each aligned to 256 bytes.
    private struct Layout {
        var bytes = 0

        mutating func reserve(_ count: Int) -> Int {
            let offset = bytes
            bytes += (count + 255) / 256 * 256
            return offset
        }

        mutating func reserve(floats: [Float]) -> Int { reserve(floats.count * MemoryLayout<Float>.stride) }
    }
}
