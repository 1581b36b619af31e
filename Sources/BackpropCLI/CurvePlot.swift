import Backprop
import Foundation

/// An SVG picture of the loss and accuracy curves per epoch, training and validation.
struct CurvePlot {
    let history: TrainingHistory

    func write(to path: String) throws {
        try writeAtomically(Array(render().utf8), to: path)
    }

    func render() -> String {
        let records = history.epochs
        let hasAccuracy = records.contains { $0.trainAccuracy != nil }
        let panelWidth = 420.0, height = 300.0
        let panels = hasAccuracy ? 2 : 1
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(panelWidth) * panels)" height="\(Int(height))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>

            """
        svg += panel(
            title: "loss", x: 0, width: panelWidth, height: height,
            series: [("training", "#1f77b4", records.map(\.trainLoss)),
                     ("validation", "#ff7f0e", records.compactMap(\.validationLoss)),
                     ("test", "#2ca02c", records.compactMap(\.testLoss))])
        if hasAccuracy {
            svg += panel(
                title: "accuracy", x: panelWidth, width: panelWidth, height: height,
                    series: [("training", "#1f77b4", records.compactMap(\.trainAccuracy)),
                         ("validation", "#ff7f0e", records.compactMap(\.validationAccuracy)),
                         ("test", "#2ca02c", records.compactMap(\.testAccuracy))])
        }
        return svg + "</svg>\n"
    }

    private func panel(title: String, x: Double, width: Double, height: Double, series: [(String, String, [Double])]) -> String {
        let left = x + 55, right = x + width - 15, top = 30.0, bottom = height - 40
        let values = series.flatMap(\.2).filter(\.isFinite)
        var low = values.min() ?? 0, high = values.max() ?? 1
        if high - low < 1e-12 { low -= 0.5; high += 0.5 }
        let count = max(series.map(\.2.count).max() ?? 1, 2)
        func px(_ i: Int) -> Double { left + (right - left) * Double(i) / Double(count - 1) }
        func py(_ v: Double) -> Double { bottom - (bottom - top) * (v - low) / (high - low) }
        var out = "<text x=\"\(x + width / 2)\" y=\"18\" text-anchor=\"middle\" font-weight=\"bold\">\(title)</text>\n"
        out += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
        for k in 0...4 {
            let v = low + (high - low) * Double(k) / 4
            out += "<text x=\"\(left - 5)\" y=\"\(py(v) + 4)\" text-anchor=\"end\">\(String(format: "%.3g", v))</text>\n"
        }
        out += "<text x=\"\((left + right) / 2)\" y=\"\(height - 8)\" text-anchor=\"middle\">epoch (1 … \(count))</text>\n"
        for (index, (name, color, points)) in series.enumerated() where !points.isEmpty {
            let path = points.enumerated().map { "\(px($0.offset)),\(py($0.element))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
            out += "<text x=\"\(right - 80)\" y=\"\(top + 14 * Double(index))\" fill=\"\(color)\">\(name)</text>\n"
        }
        return out
    }
}
