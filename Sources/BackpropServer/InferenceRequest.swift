#if Server
import Foundation

/// The JSON of an Open Inference Protocol ("v2") infer request, as sent:
/// `{"id"?, "parameters"?, "inputs": [{"name", "shape", "datatype", "parameters"?, "data"?}],
/// "outputs"?: [{"name", "parameters"?}]}`. Only its form is checked here (a string where a
/// string belongs, integers in a shape, no key twice); whether it fits the model is
/// `InferenceInputs`' job.
package struct InferenceRequest {
    /// One tensor of "inputs".
    package struct Input {
        package var name: String
        package var shape: [Int]
        package var datatype: String
        /// The values of "data", flattened row-major (nil when the tensor comes as binary).
        package var data: [Float]?
        /// "parameters": {"binary_data_size": B}: the tensor's bytes follow the JSON.
        package var binaryDataSize: Int?

        package init(name: String, shape: [Int], datatype: String, data: [Float]?, binaryDataSize: Int?) {
            self.name = name
            self.shape = shape
            self.datatype = datatype
            self.data = data
            self.binaryDataSize = binaryDataSize
        }
    }

    /// One entry of "outputs".
    package struct Output {
        package var name: String
        /// "parameters": {"binary_data": …}, if given.
        package var binaryData: Bool?

        package init(name: String, binaryData: Bool?) {
            self.name = name
            self.binaryData = binaryData
        }
    }

    package var id: String?
    package var inputs: [Input] = []
    /// Nil when the request names none: every output is sent.
    package var outputs: [Output]?
    /// "parameters": {"binary_data_output": true}: outputs that do not say otherwise are binary.
    package var binaryDataOutput = false

    package init() {}

    /// The request in `json` (the whole body, or its first Inference-Header-Content-Length bytes).
    /// - Throws: `RequestError` (400) naming the fault and its line and column.
    static func parse(_ json: UnsafeBufferPointer<UInt8>) throws(RequestError) -> InferenceRequest {
        var scanner = JSONScanner(json)
        var request = InferenceRequest()
        var seen = Set<String>()
        guard !json.isEmpty else { throw scanner.fail("the body is empty; expected a JSON object with \"inputs\"") }
        try scanner.object("the request") { scanner, key throws(RequestError) in
            guard seen.insert(key).inserted else { throw scanner.fail("\"\(key.prefix(64))\" appears twice in the request") }
            switch key {
            case "id": request.id = try scanner.string("\"id\"")
            case "inputs":
                try scanner.array("\"inputs\"") { scanner, k throws(RequestError) in
                    request.inputs.append(try parseInput(&scanner, index: k))
                }
            case "outputs":
                var outputs: [Output] = []
                try scanner.array("\"outputs\"") { scanner, k throws(RequestError) in
                    outputs.append(try parseOutput(&scanner, index: k))
                }
                request.outputs = outputs
            case "parameters":
                try scanner.object("\"parameters\"") { scanner, name throws(RequestError) in
                    if name == "binary_data_output" {
                        request.binaryDataOutput = try scanner.bool("\"parameters\".binary_data_output")
                    } else {
                        try scanner.skipValue()
                    }
                }
            default: try scanner.skipValue()
            }
        }
        try scanner.end(hint: "; binary tensor data after the JSON needs the header Inference-Header-Content-Length")
        guard seen.contains("inputs") else { throw scanner.fail("the request needs \"inputs\": a list of tensors, each with name, shape, datatype and data") }
        guard !request.inputs.isEmpty else { throw scanner.fail("\"inputs\" is empty: send the tensor \"input\"") }
        return request
    }

    private static func parseInput(_ scanner: inout JSONScanner, index k: Int) throws(RequestError) -> Input {
        let place = "inputs[\(k)]"
        var name: String?, shape: [Int]?, datatype: String?, data: [Float]?, binaryDataSize: Int?
        var seen = Set<String>()
        try scanner.object(place) { scanner, key throws(RequestError) in
            guard seen.insert(key).inserted else { throw scanner.fail("\(place) has \"\(key.prefix(64))\" twice") }
            switch key {
            case "name": name = try scanner.string("\(place).name")
            case "datatype": datatype = try scanner.string("\(place).datatype")
            case "shape":
                var dims: [Int] = []
                try scanner.array("\(place).shape") { scanner, d throws(RequestError) in
                    guard d < JSONScanner.maximumDepth else { throw scanner.fail("\(place).shape has more than \(JSONScanner.maximumDepth) dimensions") }
                    let dim = try scanner.integer("\(place).shape[\(d)]")
                    guard dim >= 0 else { throw scanner.fail("\(place).shape[\(d)] is \(dim); a dimension is 0 or more") }
                    dims.append(dim)
                }
                shape = dims
            case "data":
                var values: [Float] = []
                try scanner.floats("\(place).data", into: &values)
                data = values
            case "parameters":
                try scanner.object("\(place).parameters") { scanner, name throws(RequestError) in
                    guard name == "binary_data_size" else { return try scanner.skipValue() }
                    let size = try scanner.integer("\(place).parameters.binary_data_size")
                    guard size >= 0 else { throw scanner.fail("\(place).parameters.binary_data_size is \(size); a size is 0 or more") }
                    binaryDataSize = size
                }
            default: try scanner.skipValue()
            }
        }
        guard let name else { throw scanner.fail("\(place) has no \"name\"") }
        guard let shape else { throw scanner.fail("\(place) ('\(name.prefix(64))') has no \"shape\"") }
        guard let datatype else { throw scanner.fail("\(place) ('\(name.prefix(64))') has no \"datatype\"") }
        if data != nil, binaryDataSize != nil {
            throw scanner.fail("\(place) ('\(name.prefix(64))') has both \"data\" and parameters.binary_data_size; send one")
        }
        if data == nil, binaryDataSize == nil {
            throw scanner.fail("\(place) ('\(name.prefix(64))') has neither \"data\" nor parameters.binary_data_size")
        }
        return Input(name: name, shape: shape, datatype: datatype, data: data, binaryDataSize: binaryDataSize)
    }

    private static func parseOutput(_ scanner: inout JSONScanner, index k: Int) throws(RequestError) -> Output {
        let place = "outputs[\(k)]"
        var name: String?, binaryData: Bool?
        try scanner.object(place) { scanner, key throws(RequestError) in
            switch key {
            case "name": name = try scanner.string("\(place).name")
            case "parameters":
                try scanner.object("\(place).parameters") { scanner, parameter throws(RequestError) in
                    switch parameter {
                    case "binary_data": binaryData = try scanner.bool("\(place).parameters.binary_data")
                    case "classification":
                        throw scanner.fail("\(place).parameters.classification: this server does not implement the classification extension; ask for the output \"class\"")
                    default: try scanner.skipValue()
                    }
                }
            default: try scanner.skipValue()
            }
        }
        guard let name else { throw scanner.fail("\(place) has no \"name\"") }
        return Output(name: name, binaryData: binaryData)
    }
}
#endif
