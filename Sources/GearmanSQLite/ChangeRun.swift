import GearmanServer

/// Consecutive queue changes of one kind, which a store can write as a few statements of
/// many rows each. Runs keep the changes' order, so a key added, removed and added again
/// in one commit ends as the last change says.
enum ChangeRun: Sendable, Equatable {
    case add([StoredJob])
    case remove([StoreKey])
    case bury([StoredJob])
    case unbury([StoreKey])

    /// `changes` cut into runs of one kind, at most `limit` changes each.
    static func runs(of changes: [QueueChange], limit: Int) -> [ChangeRun] {
        var runs: [ChangeRun] = []
        for change in changes {
            switch (change, runs.last) {
            case (.add(let job), .add(var jobs)?) where jobs.count < limit:
                jobs.append(job)
                runs[runs.count - 1] = .add(jobs)
            case (.bury(let job), .bury(var jobs)?) where jobs.count < limit:
                jobs.append(job)
                runs[runs.count - 1] = .bury(jobs)
            case (.remove(let function, let unique), .remove(var keys)?) where keys.count < limit:
                keys.append(StoreKey(function: function, unique: unique))
                runs[runs.count - 1] = .remove(keys)
            case (.unbury(let function, let unique), .unbury(var keys)?) where keys.count < limit:
                keys.append(StoreKey(function: function, unique: unique))
                runs[runs.count - 1] = .unbury(keys)
            case (.add(let job), _): runs.append(.add([job]))
            case (.bury(let job), _): runs.append(.bury([job]))
            case (.remove(let function, let unique), _): runs.append(.remove([StoreKey(function: function, unique: unique)]))
            case (.unbury(let function, let unique), _): runs.append(.unbury([StoreKey(function: function, unique: unique)]))
            }
        }
        return runs
    }
}
