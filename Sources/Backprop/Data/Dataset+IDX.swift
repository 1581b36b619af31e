extension Dataset {
    /// Images and their class labels from a pair of IDX files (as MNIST ships them).
    /// - Throws: `DataError` for unreadable or malformed files, or if the counts differ.
    public static func idx(images imagesPath: String, labels labelsPath: String) throws -> Dataset {
        let images: Matrix<S> = try IDXFile(contentsOf: imagesPath).images(path: imagesPath)
        let labels = try IDXFile(contentsOf: labelsPath).labels(path: labelsPath)
        guard labels.count == images.rows else {
            throw DataError.malformed(
                path: labelsPath, location: "dimension 1",
                message: "\(labels.count) labels, but \(imagesPath) holds \(images.rows) images")
        }
        return try Dataset(inputs: images, targets: .classes(labels))
    }
}
