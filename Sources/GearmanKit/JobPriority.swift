/// The three Gearman job priorities.
public enum JobPriority: Sendable, Equatable {
    case high, normal, low
}
