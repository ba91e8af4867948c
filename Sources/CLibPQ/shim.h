// libpq's types and constants; its functions are loaded on first use (VQPostgres/LibPQ.swift), not linked.
#include <postgresql/libpq-fe.h>
