import Glibc

/// A daemon keeps no descriptor it inherited beyond stdin, stdout and stderr: a parent's
/// pipe or socket held open by the daemon would make the parent wait for it forever.
package func closeInheritedDescriptors(except kept: Set<Int32> = []) {
    let limit = min(Int32(clamping: sysconf(Int32(_SC_OPEN_MAX))), 65536)
    if limit > 3 {
        for fd in 3..<limit where !kept.contains(fd) { close(fd) }
    }
}
