// swift-tools-version:6.0
import PackageDescription

// `make bench`: W1–W4 beside the PyTorch, NumPy and JAX peers. A package of its own so that
// no user of Backprop resolves the benchmark's dependencies (malloc-interposer).
let package = Package(
    name: "BackpropBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Backprop", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.0"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // The raw sgemm the bench measures as the machine's BLAS rate.
        .systemLibrary(name: "CBLASBench", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // The cores' FMA limit: register-only AVX-512 and AVX2 loops (x86-64).
        .target(name: "CPeak"),
        // The other matrix-product libraries, loaded at run time for the engine comparison.
        .target(name: "CEngines", linkerSettings: [.linkedLibrary("dl")]),
        .executableTarget(
            name: "backprop-bench",
            dependencies: [
                .product(name: "Backprop", package: "Backprop"),
                .target(name: "CBLASBench", condition: .when(platforms: [.linux])),
                "CPeak",
                "CEngines",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ],
            path: "Sources/BackpropBench"),
        // Data-parallel scaling under mpirun (scripts/bench-distributed.sh).
        .executableTarget(
            name: "backprop-scaling",
            dependencies: [
                .product(name: "Backprop", package: "Backprop"),
                .product(name: "BackpropMPI", package: "Backprop"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/ScalingBench"),
        // The in-process batched rate beside `backprop serve`'s (scripts/bench-serve.sh).
        .executableTarget(
            name: "backprop-serve-bench",
            dependencies: [
                .product(name: "Backprop", package: "Backprop"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/ServeBench"),
        // A gRPC load generator for `backprop serve --grpc-port` (scripts/bench-serve.sh).
        .executableTarget(
            name: "backprop-grpc-load",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/GRPCLoad"),
    ]
)
