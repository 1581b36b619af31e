#if Server
import Backprop
import BackpropONNX
import BackpropServer
import Foundation
import Hummingbird
import NIOCore

/// Files in and out under `/api`: a run's model and examples to download, a model to
/// continue from, and CSV tables to learn.
struct FilesController: PlaygroundController {
    let runs: PlaygroundRuns

    func addRoutes(to group: RouterGroup<PlaygroundRequestContext>) {
        group
            .get("runs/:id/model.safetensors", use: safetensors)
            .get("runs/:id/model.onnx", use: onnx)
            .get("runs/:id/examples.csv", use: examples)
            .post("runs/:id/model", use: uploadModel)
            .post("tables", use: uploadTable)
    }

    /// `GET /api/runs/ID/model.safetensors`: the trained model.
    @Sendable func safetensors(_ request: Request, context: PlaygroundRequestContext) async throws -> Response {
        let run = try runNamed(by: context)
        return try await compute(context) {
            download(try ModelFile.data(of: try run.withSession { try $0.model() }), name: "playground-\(run.id).safetensors")
        }
    }

    /// `GET /api/runs/ID/model.onnx`: the trained model as ONNX.
    @Sendable func onnx(_ request: Request, context: PlaygroundRequestContext) async throws -> Response {
        let run = try runNamed(by: context)
        return try await compute(context) {
            download(try ONNXExport.data(for: try run.withSession { try $0.model() }), name: "playground-\(run.id).onnx")
        }
    }

    /// `GET /api/runs/ID/examples.csv`: the built-in data's examples with their features.
    @Sendable func examples(_ request: Request, context: PlaygroundRequestContext) async throws -> Response {
        let run = try runNamed(by: context)
        let csv = try await compute(context) {
            try run.withSession { session throws(RequestError) in
                guard let csv = session.examplesCSV() else {
                    throw RequestError(.notFound, "this run learns from an uploaded table: its examples are that file")
                }
                return csv
            }
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv", .contentDisposition: "attachment; filename=\"playground-\(run.id).csv\""],
            body: ResponseBody(byteBuffer: ByteBuffer(string: csv)))
    }

    /// `POST /api/runs/ID/model` with a model file: the run continues from that model.
    @Sendable func uploadModel(_ request: Request, context: PlaygroundRequestContext) async throws -> Response {
        let run = try runNamed(by: context)
        let bytes = try await upload(request)
        return try await compute(context) {
            let settings = try run.withSession { $0.settings }
            let table = try settings.table.map { id throws(RequestError) in try runs.table(id) }
            let model: Model<Float> = try asBadRequest { try ModelFile.read(from: Data(bytes), named: "the uploaded model") }
            let session = try asBadRequest { try PlaygroundSession(settings, table: table, continuing: model) }
            run.replace(with: session)
            return try json(RunInfo(id: run.id, session: session))
        }
    }

    /// `POST /api/tables?name=F&label=C` with a CSV file: an uploaded table, for settings' `table`.
    @Sendable func uploadTable(_ request: Request, context: PlaygroundRequestContext) async throws -> Response {
        let name = Self.fileName(request.uri.queryParameters.get("name") ?? "upload.csv")
        let label = request.uri.queryParameters.get("label").flatMap { $0.isEmpty ? nil : $0 }
        let bytes = try await upload(request)
        let id = try await compute(context) {
            let (id, table) = try asBadRequest { try runs.addTable(bytes, name: name, labelColumn: label) }
            // Read it once now, so that a malformed file is refused at the upload, naming the line.
            var settings = PlaygroundSettings()
            settings.table = id
            _ = try asBadRequest { try PlaygroundExamples(table: table, settings: settings) }
            return id
        }
        return jsonResponse("{\"table\":\(jsonQuoted(id)),\"name\":\(jsonQuoted(name))}", status: .created)
    }

    /// An uploaded file's name reduced to letters, digits, '.', '_' and '-', without any folder.
    static func fileName(_ name: String) -> String {
        let base = name.split(separator: "/").last.map(String.init) ?? ""
        let kept = String(base.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0) }.map(Character.init))
        let trimmed = String(kept.drop { $0 == "." }.prefix(100))
        return trimmed.isEmpty ? "upload.csv" : trimmed
    }
}
#endif
