#!/usr/bin/env bash
# Regenerates Sources/BackpropONNX/onnx.pb.swift from onnx.proto (ONNX 1.23.2,
# from the `onnx` wheel on PyPI). Run only when updating ONNX or swift-protobuf; the output
# is committed so that builds need no generator.
# Needs: protoc (Debian's protobuf-compiler) and protoc-gen-swift built from swift-protobuf
# at the version Package.swift resolves (swift build --product protoc-gen-swift).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=${PROTOC_GEN_SWIFT:?set PROTOC_GEN_SWIFT to the protoc-gen-swift binary}
out=$here/../../Sources/BackpropONNX
protoc --plugin="$plugin" --swift_out="$out" --swift_opt=Visibility=Internal -I "$here" "$here/onnx.proto"
echo "wrote $out/onnx.pb.swift"
