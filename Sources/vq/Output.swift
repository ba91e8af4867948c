import CEditLine
import VQRender
import VQSupport

/// Every byte of `s` to standard output (a value may hold a NUL); a short write throws.
func writeOut(_ s: String) throws(OutputFailure) {
    var text = s
    if text.withUTF8({ vq_write_out($0.baseAddress, $0.count) }) != 0 { throw OutputFailure(errno: vq_errno()) }
}

func writeErr(_ s: String) {
    var text = s
    _ = text.withUTF8 { vq_write_err($0.baseAddress, $0.count) }
}

/// Standard output flushed; output that could not be written is an error (exit 1).
func finishOutput() {
    if vq_flush_out() != 0 { fail(OutputFailure(errno: vq_errno()).message, code: 1) }
}

func fail(_ message: String, code: Int32) -> Never {
    writeErr("vq: \(TerminalText.visible(message, keepingLineBreaks: true))\n")
    exit(code)
}
