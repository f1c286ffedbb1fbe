extension Dictionary {
    /// Changes the value for `key` in place, if there is one. `self[key]?.x = y` does the same
    /// through the subscript's modify coroutine, whose frame is allocated on every call.
    @inline(__always)
    mutating func update(_ key: Key, _ change: (inout Value) -> Void) {
        guard let index = index(forKey: key) else { return }
        change(&values[index])
    }

    /// Changes the value for `key` in place, adding `initial` first if there is none.
    @inline(__always)
    mutating func update(_ key: Key, adding initial: @autoclosure () -> Value, _ change: (inout Value) -> Void) {
        if let index = index(forKey: key) {
            change(&values[index])
        } else {
            var value = initial()
            change(&value)
            self[key] = value
        }
    }
}
