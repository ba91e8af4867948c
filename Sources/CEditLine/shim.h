#ifndef VQ_CEDITLINE_SHIM_H
#define VQ_CEDITLINE_SHIM_H
// Included explicitly from editline/: GNU readline's headers may also be installed.
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <pthread.h>
#include <string.h>
#include <errno.h>
#include <locale.h>
#include <langinfo.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <editline/readline.h>

// Swift 6 rejects direct use of libedit's mutable C globals; these setters keep
// that shared state behind C.
static inline void vq_set_readline_name(const char *name) { rl_readline_name = name; }
static inline void vq_set_completion(rl_completion_func_t *fn) { rl_attempted_completion_function = fn; }
static inline void vq_set_completion_over(int over) { rl_attempted_completion_over = over; }
// Completion: the characters that end a word, what follows a unique match,
// and the line and cursor the callback completes in.
static inline void vq_set_word_breaks(char *breaks) {
    rl_basic_word_break_characters = breaks;
    rl_completer_word_break_characters = breaks;
}
static inline void vq_set_append_character(int c) { rl_completion_append_character = c; }
static inline const char *vq_line_buffer(void) { return rl_line_buffer ? rl_line_buffer : ""; }
static inline int vq_point(void) { return rl_point; }
static inline int vq_history_length(void) { return history_length; }
static inline int vq_history_base(void) { return history_base; }

// The terminal's width in columns (0 when standard output is not one).
static inline int vq_terminal_width(void) {
    struct winsize w;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) != 0) return 0;
    return w.ws_col;
}
// Whether more typed or pasted input is waiting: libedit reads a byte at a
// time, so the rest of a paste is still in the terminal's buffer.
static inline int vq_input_pending(void) {
    struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN, .revents = 0 };
    return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

// libedit's own signal handling would take SIGINT from ours while a statement runs.
static inline void vq_set_catch_signals(int on) { rl_catch_signals = on; }

// A SIGINT handler without SA_RESTART, so that readline returns on Ctrl-C
// instead of the process dying (glibc's signal() would turn SA_RESTART on).
// The flag it sets lives in Swift: a variable in this header would be a copy
// in each object file that uses it.
static inline int vq_install_sigint(void (*handler)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    return sigaction(SIGINT, &sa, NULL);
}
// A signal mask is inherited across exec: started from a program that blocks
// signals (a test runner, say), vq would ignore SIGHUP and SIGTERM for ever.
static inline void vq_reset_signal_mask(void) {
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
}
// Unblocked again before each prompt and statement, in case a library on the way blocks it.
static inline void vq_unblock_sigint(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

// stdout and stderr are C globals too. Writes take a length (a value may hold
// a NUL byte) and say whether every byte went out; errno tells why not.
static inline int vq_write_out(const void *s, size_t n) { return fwrite(s, 1, n, stdout) == n ? 0 : -1; }
static inline int vq_write_err(const void *s, size_t n) { fflush(stdout); return fwrite(s, 1, n, stderr) == n ? 0 : -1; }
static inline int vq_flush_out(void) { return fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1; }
static inline int vq_errno(void) { return errno; }
#endif
