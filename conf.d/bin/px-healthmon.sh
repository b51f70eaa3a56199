#!/bin/sh
# Stand-in for px-healthmon: every few seconds, report whether the storage daemon's health file is there.
trap 'echo "px-healthmon: stopping"; exit 0' TERM INT
health=${PX_HEALTH_FILE:-/tmp/px-storage.health}
while :; do
  if [ -f "$health" ]; then echo "px-healthmon: storage healthy ($(cat "$health"))"; else echo "px-healthmon: storage not ready"; fi
  sleep 5 & wait $!
done
