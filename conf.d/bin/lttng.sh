#!/bin/sh
# Stand-in for lttng.sh: the shell loop that keeps the tracing session going. Each round (every
# 120 s) it checks that the relay daemon is alive and its trace file is growing. Exits 0 on TERM.
state=${PX_STATE_DIR:-/tmp/supd-demo}
round=0
trap '{ kill $!; wait $!; } 2>/dev/null; echo "lttng.sh: stopping"; exit 0' TERM INT
while :; do
  round=$((round + 1))
  relay=$(cat "$state/lttng/relayd.pid" 2>/dev/null)
  if [ -n "$relay" ] && kill -0 "$relay" 2>/dev/null; then
    events=$(wc -l < "$state/lttng/traces/px.trace" 2>/dev/null || echo 0)
    echo "lttng.sh: round $round: relay pid $relay up, $events trace events; next check in 120 s"
  else
    echo "lttng.sh: round $round: relay not running; session paused; next check in 120 s"
  fi
  sleep 120 & wait $! 2>/dev/null
done
