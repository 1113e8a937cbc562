"""The policy lab: the attempt log's record format (codec), the pure replay of logged
attempts under another policy (replay), and what a backtest reports (report).

Nothing here does I/O: the shell (shell/attempt_log.py, shell/lab.py) reads and writes
the store, and re-deciding calls the gate's own `decide`, never a copy of it.
"""
