// swift-tools-version:6.0
import PackageDescription

// The core library `Backprop` depends on BLAS, zlib and the CSV reader only. Everything else
// is a thin layer over it in a product of its own, so a library user builds only what they use:
// `BackpropONNX` (export, with SwiftProtobuf), `BackpropMPI` (data-parallel training over
// MPI; needs Open MPI or MPICH installed) and the `backprop` command line. The benchmark
// is a package of its own under Benchmarks/ (`make bench`), so no user resolves its dependencies.
let package = Package(
    name: "Backprop",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        .library(name: "BackpropONNX", targets: ["BackpropONNX"]),
        .library(name: "BackpropMPI", targets: ["BackpropMPI"]),
        .executable(name: "backprop", targets: ["BackpropCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // OpenBLAS on Linux; Apple platforms use Accelerate instead.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // The few kernels that need instructions beyond baseline x86-64, selected at run time.
        .target(name: "CKernels"),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .target(
            name: "Backprop",
            dependencies: [
                .target(name: "CBLAS", condition: .when(platforms: [.linux])),
                "CKernels",
                "CZlib",
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        // ONNX export: `onnx.pb.swift` was generated once from onnx.proto (scripts/onnx).
        .target(
            name: "BackpropONNX",
            dependencies: ["Backprop", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // MPI's C API, with the handles mpi.h defines as macros made functions (shim.h).
        .systemLibrary(
            name: "CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"]), .brew(["open-mpi"])]
        ),
        // Data-parallel training over MPI: `MPICommunicator`.
        .target(name: "BackpropMPI", dependencies: ["Backprop", "CMPI"]),
        .executableTarget(
            name: "BackpropCLI",
            dependencies: [
                "Backprop",
                "BackpropONNX",
                "BackpropMPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "BackpropTests",
            dependencies: ["Backprop"]
        ),
        // Runs the built `backprop` binary (`swift build` first; `make test` does).
        .testTarget(name: "BackpropCLITests", dependencies: ["Backprop"]),
        // Fuzz targets for the readers (`make fuzz` builds them with libFuzzer); not a product.
        .executableTarget(
            name: "backprop-fuzz", dependencies: ["Backprop"], path: "Tests/Fuzz", exclude: ["Seeds", "Regressions"]),
        // A program on the library alone that LibraryResumeTests runs in fresh processes; not a product.
        .executableTarget(name: "library-run", dependencies: ["Backprop"], path: "Tests/LibraryRun"),
        // The distributed-equivalence check that MPITests runs under mpirun; not a product.
        .executableTarget(name: "mpi-equivalence", dependencies: ["Backprop", "BackpropMPI"], path: "Tests/MPIEquivalence"),
        // A helper the kill-while-saving test runs and SIGKILLs; not a product.
        .executableTarget(name: "SaveStress", dependencies: ["Backprop"], path: "Tests/SaveStress"),
    ]
)
