import GearmanTool
import Glibc

/// The terminal while `gearman top` runs: keys read one at a time without echo, the
/// screen redrawn in place, and the settings put back at the end (also on SIGINT/SIGTERM).
final class TerminalScreen {
    nonisolated(unsafe) private static var saved: termios?

    init() {
        var settings = termios()
        if tcgetattr(0, &settings) == 0 {
            Self.saved = settings
            settings.c_lflag &= ~tcflag_t(ICANON | ECHO)
            tcsetattr(0, TCSANOW, &settings)
        }
        for number in [SIGINT, SIGTERM] {
            signal(number) { received in
                TerminalScreen.restoreSettings()
                _ = write(1, "\u{1b}[?25h", 6)
                signal(received, SIG_DFL)
                raise(received)
            }
        }
        _ = StandardStreams.write("\u{1b}[?25l", to: StandardStreams.output)
    }

    /// Replaces the screen's contents with `lines`, clipped to the terminal's size (read each
    /// time, so that a resized window is followed); no newline after the last line, which
    /// would scroll a full screen.
    func draw(_ lines: [String]) {
        var size = winsize()
        let known = ioctl(1, UInt(TIOCGWINSZ), &size) == 0 && size.ws_row > 0 && size.ws_col > 0
        let shown = known ? TopView.clip(lines, rows: Int(size.ws_row), columns: Int(size.ws_col)) : lines
        _ = StandardStreams.write("\u{1b}[H\u{1b}[2J" + shown.joined(separator: "\n"), to: StandardStreams.output)
    }

    /// Waits up to `seconds` for a key; true if it was q (or stdin ended).
    func waitForQuit(seconds: Double) -> Bool {
        let end = TopTool.now() + seconds
        while true {
            let left = end - TopTool.now()
            if left <= 0 { return false }
            var poller = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(left * 1000)) > 0 else { continue }
            var key: UInt8 = 0
            if read(0, &key, 1) != 1 { return true }
            if key == UInt8(ascii: "q") || key == UInt8(ascii: "Q") { return true }
        }
    }

    func restore() {
        Self.restoreSettings()
        _ = StandardStreams.write("\u{1b}[?25h", to: StandardStreams.output)
    }

    private static func restoreSettings() {
        if var settings = saved { tcsetattr(0, TCSANOW, &settings) }
    }
}
