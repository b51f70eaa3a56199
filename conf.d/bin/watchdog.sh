#!/bin/sh
# Stand-in for watchdog.sh (started by start_pxcontroller_pxstorage): every 63 s checks that
# px-storage's health file is fresh and logs a warning when it is not. Exits 0 on TERM.
state=${PX_STATE_DIR:-/tmp/supd-demo}
trap '{ kill $!; wait $!; } 2>/dev/null; echo "watchdog.sh: stopping"; exit 0' TERM INT
echo "watchdog.sh: checking px-storage every 63 s"
while :; do
  # 63 naps of 1 s: dash can enter `wait` with a TERM already pending (a group-wide TERM that
  # came between two commands) and then waits for the whole nap; short naps bound that to 1 s.
  n=0; while [ $n -lt 63 ]; do sleep 1 & wait $! 2>/dev/null; n=$((n + 1)); done
  if read -r word stamp pid 2>/dev/null < "$state/px-storage.health" && [ $(( $(date +%s) - stamp )) -le 10 ]; then
    echo "watchdog.sh: px-storage pid $pid ok"
  else
    echo "watchdog.sh: WARNING: px-storage health file missing or stale"
  fi
done
