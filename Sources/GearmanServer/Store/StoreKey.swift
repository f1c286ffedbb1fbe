/// A stored job's identity: its function and unique key, the queue table's primary key.
public struct StoreKey: Sendable, Equatable, Hashable {
    public var function: String
    public var unique: String

    public init(function: String, unique: String) {
        self.function = function
        self.unique = unique
    }
}
