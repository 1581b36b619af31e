import Backprop
import Foundation

/// Checks, before any work starts, that a file can be written at `path` given with `flag`:
/// its folder exists and is a writable folder, and `path` is not a folder. A long run must
/// not end by failing to save.
func checkWritable(_ path: String, flag: String) throws {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
        throw CLIError("\(flag) \(path): is a folder; give a file name")
    }
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
        throw CLIError("\(flag) \(path): the folder \(folder) does not exist")
    }
    guard access(folder, W_OK | X_OK) == 0 else {
        throw CLIError("\(flag) \(path): cannot write in \(folder) (\(String(cString: strerror(errno))))")
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
/// in the temporary folder and says where, so that the run is not lost.
func saveTrainedModel(_ model: Model<Float>, to path: String) throws {
    do {
        try ModelFile.write(model, to: path)
    } catch {
        let rescue = FileManager.default.temporaryDirectory
            .appendingPathComponent("backprop-trained-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).safetensors").path
        guard (try? ModelFile.write(model, to: rescue)) != nil else { throw error }
        throw CLIError("\(error); the trained model is saved in \(rescue) instead")
    }
}
