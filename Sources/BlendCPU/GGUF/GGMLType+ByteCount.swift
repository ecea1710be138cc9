extension GGMLType {
    /// Bytes of `rowCount` rows of `rowLength` values each, or nil when `rowLength` is not a whole
    /// number of blocks or the count does not fit in `Int` (``rowBytes(elements:)`` would trap on
    /// the sizes a corrupt file can claim).
    /// - Complexity: O(1).
    func byteCount(rowLength: Int, rowCount: Int) -> Int? {
        guard rowLength >= 0, rowCount >= 0, rowLength % blockElements == 0 else { return nil }
        let (rowBytes, rowOverflow) = (rowLength / blockElements).multipliedReportingOverflow(by: blockBytes)
        let (total, totalOverflow) = rowBytes.multipliedReportingOverflow(by: rowCount)
        return rowOverflow || totalOverflow ? nil : total
    }
}
