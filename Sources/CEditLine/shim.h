#ifndef VQ_CEDITLINE_SHIM_H
#define VQ_CEDITLINE_SHIM_H
// Included explicitly from editline/: GNU readline's headers may also be installed.
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <pthread.h>
#include <string.h>
#include <locale.h>
#include <langinfo.h>
#include <editline/readline.h>

// Swift 6 rejects direct use of libedit's mutable C globals; these setters keep
// that shared state behind C.
static inline void vq_set_readline_name(const char *name) { rl_readline_name = name; }
static inline void vq_set_completion(rl_completion_func_t *fn) { rl_attempted_completion_function = fn; }
static inline void vq_set_completion_over(int over) { rl_attempted_completion_over = over; }
// libedit's own signal handling would take SIGINT from ours while a statement runs.
static inline void vq_set_catch_signals(int on) { rl_catch_signals = on; }

// A SIGINT handler without SA_RESTART, so that readline returns on Ctrl-C
// instead of the process dying (glibc's signal() would turn SA_RESTART on).
static volatile sig_atomic_t vq_interrupted = 0;
static void vq_on_sigint(int sig) { (void)sig; vq_interrupted = 1; }
static inline int vq_install_sigint(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = vq_on_sigint;
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
static inline int vq_take_interrupt(void) { int was = vq_interrupted; vq_interrupted = 0; return was; }

// stdout and stderr are C globals too.
static inline void vq_write_out(const char *s) { fputs(s, stdout); }
static inline void vq_write_err(const char *s) { fflush(stdout); fputs(s, stderr); }
static inline void vq_flush_out(void) { fflush(stdout); }
#endif
