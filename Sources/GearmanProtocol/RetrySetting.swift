/// What admin `retries FUNCTION ...` sets: a count of its own, or `--retries` again.
public enum RetrySetting: Equatable, Sendable {
    case count(Int)
    case `default`
}
