import Backprop
import Foundation

/// Checks, before any work starts, that a file can be written at `path` given with `flag`
/// (see the library's `checkWritable`). A long run must not end by failing to save.
func checkWritable(_ path: String, flag: String) throws {
    do {
        try Backprop.checkWritable(path)
    } catch DataError.unwritable(_, let reason) {
        throw CLIError("\(flag) \(path): \(reason)")
    }
}

/// Creates `folder` and its parents when missing (as `mkdir -p`), and checks that files
/// can be written in it.
func prepareFolder(_ folder: String, flag: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
        throw CLIError("\(flag) \(folder): cannot create the folder (\(error.localizedDescription))")
    }
    guard access(folder, W_OK | X_OK) == 0 else {
        throw CLIError("\(flag) \(folder): cannot write in the folder (\(String(cString: strerror(errno))))")
    }
}

/// Writes the trained `model` to `path`; if that fails after all, writes it to a new file
/// in the temporary folder and says where, so that the run is not lost. With `bfloat16` the
/// tensors are BF16.
func saveTrainedModel(_ model: Model<Float>, to path: String, bfloat16: Bool = false) throws {
    do {
        try ModelFile.write(model, to: path, bfloat16: bfloat16)
    } catch {
        let rescue = FileManager.default.temporaryDirectory
            .appendingPathComponent("backprop-trained-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).safetensors").path
        guard (try? ModelFile.write(model, to: rescue, bfloat16: bfloat16)) != nil else { throw error }
        throw CLIError("\(error); the trained model is saved in \(rescue) instead")
    }
}
