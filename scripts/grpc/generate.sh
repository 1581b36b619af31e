#!/usr/bin/env bash
# Regenerates Sources/BackpropGRPC/Generated/ (the messages and the service's server side)
# and Benchmarks/Sources/GRPCLoad/Generated/ (the messages and the client the load test of
# scripts/bench-serve.sh drives) from open_inference.proto. Run only when changing
# the proto, swift-protobuf or grpc-swift-protobuf; the output is committed so that builds need
# no generator (a first build of the generators takes about ten minutes here).
# Needs: protoc (Debian's protobuf-compiler), and protoc-gen-swift and protoc-gen-grpc-swift-2
# built at the versions Package.swift resolves, e.g. in a scratch package that depends on
# swift-protobuf and grpc-swift-protobuf: swift build -c release --product protoc-gen-swift
# and --product protoc-gen-grpc-swift-2. PLUGINS names the folder that holds both.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugins=${PLUGINS:?set PLUGINS to the folder holding protoc-gen-swift and protoc-gen-grpc-swift-2}
generate() {  # OUT CLIENT SERVER WRAP: WRAP wraps the files in `#if WRAP`
  local out=$1
  mkdir -p "$out"
  protoc -I "$here" "$here/open_inference.proto" \
    --plugin="$plugins/protoc-gen-swift" --swift_out="$out" --swift_opt=Visibility=Internal \
    --plugin="$plugins/protoc-gen-grpc-swift-2" --grpc-swift-2_out="$out" \
    --grpc-swift-2_opt="Visibility=Internal,Client=$2,Server=$3"
  if [ -n "$4" ]; then
    for file in "$out"/open_inference.pb.swift "$out"/open_inference.grpc.swift; do
      { echo "#if $4"; cat "$file"; echo '#endif'; } >"$file.tmp" && mv "$file.tmp" "$file"
    done
  fi
  echo "wrote $out"
}
# The library's target compiles to nothing without the trait GRPC, as the server's files do
# without Server.
generate "$here/../../Sources/BackpropGRPC/Generated" false true GRPC
generate "$here/../../Benchmarks/Sources/GRPCLoad/Generated" true false ""
