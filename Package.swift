// swift-tools-version:6.1
import PackageDescription

// The core library `Backprop` depends on BLAS, zlib and the CSV reader only. Everything else
// is a thin layer over it in a product of its own, so a library user builds only what they use:
// `BackpropONNX` (export, with SwiftProtobuf), `BackpropMPI` (data-parallel training over
// MPI; needs Open MPI or MPICH installed), `BackpropServer` (the HTTP inference server, on
// Hummingbird 2), `BackpropGRPC` (its gRPC service, on grpc-swift 2) and the `backprop`
// command line. The server is behind the trait `Server`, gRPC behind `GRPC` and distributed
// training behind `MPI`, all on by default: `--disable-default-traits` builds everything else
// without Hummingbird, SwiftNIO, gRPC or Open MPI (make test's sanitizer passes do, which
// keeps them within CI's time), and `--traits Server,MPI` all but gRPC, whose transport
// brings SwiftNIO SSL and HTTP/2. The benchmark
// is a package of its own under Benchmarks/ (`make bench`), so no user resolves its dependencies.
let package = Package(
    name: "Backprop",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        .library(name: "BackpropONNX", targets: ["BackpropONNX"]),
        .library(name: "BackpropMPI", targets: ["BackpropMPI"]),
        .library(name: "BackpropServer", targets: ["BackpropServer"]),
        .library(name: "BackpropGRPC", targets: ["BackpropGRPC"]),
        .library(name: "BackpropPlayground", targets: ["BackpropPlayground"]),
        .executable(name: "backprop", targets: ["BackpropCLI"]),
    ],
    traits: [
        .trait(name: "Server", description: "The HTTP servers, `backprop serve` and `backprop playground` (Hummingbird 2 on SwiftNIO)."),
        .trait(name: "MPI", description: "Data-parallel training over MPI, `backprop train --distributed` (Open MPI or MPICH)."),
        .trait(
            name: "GRPC", description: "The Open Inference Protocol over gRPC, `backprop serve --grpc-port` (grpc-swift 2).",
            enabledTraits: ["Server"]),
        .default(enabledTraits: ["Server", "MPI", "GRPC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
        // Without Hummingbird's default traits: they add swift-configuration, which is not used.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Already in Hummingbird's graph; named for the types the server uses directly.
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.30.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.0"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.0"),
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
        // Data-parallel training over MPI: `MPICommunicator`; compiles to nothing without the trait `MPI`.
        .target(name: "BackpropMPI", dependencies: ["Backprop", .target(name: "CMPI", condition: .when(traits: ["MPI"]))]),
        // The inference server behind `backprop serve`; its files compile to nothing without the trait `Server`.
        .target(
            name: "BackpropServer",
            dependencies: [
                "Backprop",
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Server"])),
                .product(name: "HummingbirdCore", package: "hummingbird", condition: .when(traits: ["Server"])),
                .product(name: "Prometheus", package: "swift-prometheus", condition: .when(traits: ["Server"])),
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["Server"])),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras", condition: .when(traits: ["Server"])),
                .product(name: "NIOHTTP1", package: "swift-nio", condition: .when(traits: ["Server"])),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras", condition: .when(traits: ["Server"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["Server"])),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["Server"])),
                .product(name: "UnixSignals", package: "swift-service-lifecycle", condition: .when(traits: ["Server"])),
            ]
        ),
        // The Open Inference Protocol's gRPC service on a `ModelServer`; its files (the generated
        // ones in Generated/ too, from scripts/grpc) compile to nothing without the trait `GRPC`.
        .target(
            name: "BackpropGRPC",
            dependencies: [
                .target(name: "BackpropServer", condition: .when(traits: ["GRPC"])),
                .product(name: "GRPCCore", package: "grpc-swift-2", condition: .when(traits: ["GRPC"])),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport", condition: .when(traits: ["GRPC"])),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf", condition: .when(traits: ["GRPC"])),
                .product(name: "SwiftProtobuf", package: "swift-protobuf", condition: .when(traits: ["GRPC"])),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["GRPC"])),
            ]
        ),
        // `backprop playground`: runs stepped for a page in the browser (PlaygroundSession), and
        // with the trait `Server` the HTTP server and the page (Page/, built into the binary).
        .target(
            name: "BackpropPlayground",
            dependencies: [
                "Backprop",
                .target(name: "BackpropONNX", condition: .when(traits: ["Server"])),
                .target(name: "BackpropServer", condition: .when(traits: ["Server"])),
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Server"])),
                .product(name: "HummingbirdCore", package: "hummingbird", condition: .when(traits: ["Server"])),
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["Server"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["Server"])),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["Server"])),
            ],
            resources: [.embedInCode("Page")]
        ),
        .executableTarget(
            name: "BackpropCLI",
            dependencies: [
                "Backprop",
                "BackpropONNX",
                .target(name: "BackpropMPI", condition: .when(traits: ["MPI"])),
                .target(name: "BackpropServer", condition: .when(traits: ["Server"])),
                .target(name: "BackpropGRPC", condition: .when(traits: ["GRPC"])),
                .target(name: "BackpropPlayground", condition: .when(traits: ["Server"])),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["Server"])),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What the test targets share: a temporary folder that removes itself.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "BackpropTests",
            dependencies: ["Backprop", "TestSupport"]
        ),
        // Runs the built `backprop` binary (`swift build` first; `make test` does).
        .testTarget(name: "BackpropCLITests", dependencies: ["Backprop", "TestSupport"]),
        // The playground's runs (the page and its server come on top).
        .testTarget(name: "BackpropPlaygroundTests", dependencies: ["Backprop", "BackpropPlayground", "TestSupport"]),
        // The server live on a free port, with a client of its own (TestHTTP.swift): Hummingbird's
        // testing framework would bring AsyncHTTPClient, SwiftNIO SSL and HTTP/2 to every build.
        .testTarget(
            name: "BackpropServerTests",
            dependencies: [
                "Backprop",
                "TestSupport",
                .target(name: "BackpropServer", condition: .when(traits: ["Server"])),
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Server"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["Server"])),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["Server"])),
            ]
        ),
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
