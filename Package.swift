// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "BlendServe",
    products: [
        .library(name: "BlendCore", targets: ["BlendCore"]),
        .library(name: "BlendSchedulers", targets: ["BlendSchedulers"]),
        .library(name: "BlendSim", targets: ["BlendSim"]),
        .library(name: "BlendCPU", targets: ["BlendCPU"]),
        .library(name: "BlendCUDA", targets: ["BlendCUDA"]),
        .executable(name: "blendserve", targets: ["blendserve"]),
    ],
    targets: [
        .target(name: "BlendCore"),
        .target(name: "BlendSchedulers", dependencies: ["BlendCore"]),
        .target(name: "BlendSim", dependencies: ["BlendCore"]),
        .target(name: "CBlendCPU"),
        .target(name: "BlendCPU", dependencies: ["BlendCore", "CBlendCPU"]),
        .target(name: "CBlendCUDA"),
        .target(name: "BlendCUDA", dependencies: ["BlendCore", "BlendCPU", "CBlendCUDA"], exclude: ["Kernels/cuda"]),
        .executableTarget(
            name: "blendserve",
            dependencies: ["BlendCore", "BlendSchedulers", "BlendSim", "BlendCPU", "BlendCUDA"]
        ),
        .executableTarget(name: "worked-example", dependencies: ["BlendCore"], path: "Examples/WorkedExample"),
        .executableTarget(name: "custom-scheduler", dependencies: ["BlendCore", "BlendSchedulers", "BlendSim"],
                          path: "Examples/CustomScheduler"),
        .executableTarget(name: "cpu-chat", dependencies: ["BlendCore", "BlendCPU", "BlendSchedulers"], path: "Examples/CPUChat"),
        .executableTarget(name: "custom-engine", dependencies: ["BlendCore", "BlendSchedulers"], path: "Examples/CustomEngine"),
        .target(name: "BlendTestSupport", dependencies: ["BlendCore"], path: "Tests/BlendTestSupport"),
        .testTarget(name: "BlendCoreTests", dependencies: ["BlendCore"]),
        .testTarget(name: "BlendSimTests", dependencies: ["BlendSim", "BlendCore"]),
        .testTarget(name: "BlendSchedulersTests", dependencies: ["BlendSchedulers", "BlendCore", "BlendSim"]),
        .testTarget(name: "BlendCPUTests", dependencies: ["BlendCPU", "CBlendCPU", "BlendCore", "BlendSchedulers", "BlendTestSupport"]),
        .testTarget(name: "BlendCUDATests",
                    dependencies: ["BlendCUDA", "CBlendCUDA", "BlendCPU", "CBlendCPU", "BlendCore", "BlendSchedulers", "BlendTestSupport"]),
        .testTarget(name: "blendserveTests", dependencies: ["blendserve", "BlendCore", "BlendCUDA", "BlendTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
