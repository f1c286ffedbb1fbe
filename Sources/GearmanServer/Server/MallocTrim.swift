/// glibc's `malloc_trim` (malloc.h, which the Glibc module does not export): hands freed heap
/// memory back to the system, as after a client that held megabytes of unsent replies leaves.
@_silgen_name("malloc_trim")
func malloc_trim(_ pad: Int) -> Int32
