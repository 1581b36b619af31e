// Saves two different models to one path, alternately, until killed. The kill-while-saving
// test SIGKILLs it at random moments and checks that the file always holds one whole model.
import Backprop
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: SaveStress PATH\n".utf8))
    exit(2)
}
let path = arguments[1]
do {
    let models = try [1, 2].map { seed -> Model<Float> in
        let network = try Network<Float>(sizes: [100, 200, 10], activation: .relu, loss: .crossEntropy, seed: UInt64(seed))
        return try Model(
            network: network, labels: LabelEncoding(task: .classification, classNames: (0..<10).map(String.init)),
            scaler: .identity(count: 100))
    }
    try ModelFile.write(models[0], to: path)
    print("ready")
    fflush(nil)
    var i = 1
    while true {
        try ModelFile.write(models[i % 2], to: path)
        i += 1
    }
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
