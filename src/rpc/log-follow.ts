/**
 * `tail -f` for /logtail and /mainlogtail, as supervisord's http.py tail_f_producer does it: start
 * `headBytes` before the end, go on from the start of a rotated file (new inode), say
 * `==> File truncated <==` when the log shrinks. A log is a file or a process's in-memory tail.
 * Followers are woken by file change notifications (one inotify watch per path, shared by all
 * its followers), not by polling, and a follower whose socket is full is not read for until it
 * drains. Not HTTP: the caller hands over something to write to.
 */
import { closeSync, fstatSync, openSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** The in-memory tail of a process with no log file (memory-tail.ts), as the port hands it over. */
export interface LiveTail {
  /** Bytes written since the last clear; offsets count from there. */
  size(): number;
  /** Up to length bytes at position; fewer (from the oldest kept byte) where older ones are gone. */
  readAt(position: number, length: number): Buffer;
  /** Calls onChange after each write or clear; returns the way to stop. */
  subscribe(onChange: () => void): () => void;
}

/** Where the followed bytes go: a Node Writable (the HTTP response) has this shape. */
export interface FollowSink {
  /** false: the sink is full; no more is written until it emits 'drain'. */
  write(chunk: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
  removeListener(event: 'drain', listener: () => void): unknown;
}

export interface LogFollower {
  stop(): void;
}

/** The most read for a follower at once: with the sink's own buffer, the most queued for it. */
export const FOLLOW_CHUNK_BYTES = 64 * 1024;

const TRUNCATED = Buffer.from('==> File truncated <==\n');

/** Reads a followed log forward from where it left off; knows rotation and truncation. */
interface LogCursor {
  /** The next bytes (at most max), or an empty buffer when there is nothing new. */
  next(max: number): Buffer;
  /** Calls onChange when there may be something new; returns the way to stop. */
  watch(onChange: () => void): () => void;
  close(): void;
}

/** Follows `path` from `headBytes` before its end; throws when it cannot be opened. */
export function followLogFile(path: string, headBytes: number, sink: FollowSink): LogFollower {
  return follow(fileCursor(path, headBytes), sink);
}

/** Follows an in-memory tail from `headBytes` before its end. */
export function followLiveTail(tail: LiveTail, headBytes: number, sink: FollowSink): LogFollower {
  return follow(memoryCursor(tail, headBytes), sink);
}

function follow(cursor: LogCursor, sink: FollowSink): LogFollower {
  let isStopped = false;
  let isWaitingForDrain = false;
  const onDrain = (): void => {
    isWaitingForDrain = false;
    pump();
  };
  function pump(): void {
    // A full sink is not read for: what waits for this follower is at most one chunk past it.
    while (!isStopped && !isWaitingForDrain) {
      const chunk = cursor.next(FOLLOW_CHUNK_BYTES);
      if (chunk.length === 0) return;
      if (!sink.write(chunk)) {
        isWaitingForDrain = true;
        sink.once('drain', onDrain);
      }
    }
  }
  const unwatch = cursor.watch(pump);
  pump();
  return {
    stop() {
      if (isStopped) return;
      isStopped = true;
      unwatch();
      sink.removeListener('drain', onDrain);
      cursor.close();
    },
  };
}

function memoryCursor(tail: LiveTail, headBytes: number): LogCursor {
  const size = tail.size();
  let sent = Math.max(0, size - headBytes);
  return {
    next(max) {
      const size = tail.size();
      if (size < sent) {
        // clearProcessLogs emptied the tail.
        sent = 0;
        return TRUNCATED;
      }
      if (size === sent) return Buffer.alloc(0);
      const want = Math.min(max, size - sent);
      // Bytes older than what the tail keeps are gone: the chunk then starts at the oldest kept.
      const chunk = tail.readAt(sent, want);
      sent += want;
      return chunk.length === 0 ? this.next(max) : chunk;
    },
    watch(onChange) {
      // Told of every write: read once per turn of the event loop, not once per write.
      let isScheduled = false;
      const unsubscribe = tail.subscribe(() => {
        if (isScheduled) return;
        isScheduled = true;
        setImmediate(() => {
          isScheduled = false;
          onChange();
        });
      });
      return unsubscribe;
    },
    close() {},
  };
}

function fileCursor(path: string, headBytes: number): LogCursor {
  let fd = openSync(path, 'r');
  let ino = fstatSync(fd).ino;
  const size = fstatSync(fd).size;
  // supervisord starts at size - head only when the file holds at least head bytes, else at 0.
  let sent = size >= headBytes ? size - headBytes : 0;
  // Whether the path may name another file now: only a rename (or a poll) can tell.
  let mayBeReplaced = false;

  const readFrom = (position: number, max: number): Buffer => {
    const buffer = Buffer.allocUnsafe(max);
    const read = readSync(fd, buffer, 0, max, position);
    return buffer.subarray(0, read);
  };

  return {
    next(max) {
      const size = fstatSync(fd).size;
      if (size < sent) {
        sent = 0;
        return TRUNCATED;
      }
      if (size > sent) {
        const chunk = readFrom(sent, Math.min(max, size - sent));
        sent += chunk.length;
        if (chunk.length > 0) return chunk;
      }
      // All of this file is sent: if the path is another file now (rotation), go on with that.
      if (!mayBeReplaced) return Buffer.alloc(0);
      const onDisk = statSync(path, { throwIfNoEntry: false });
      if (onDisk === undefined || onDisk.ino === ino) return Buffer.alloc(0);
      let next: number;
      try {
        next = openSync(path, 'r');
      } catch {
        return Buffer.alloc(0);
      }
      closeSync(fd);
      fd = next;
      ino = fstatSync(fd).ino;
      sent = 0;
      mayBeReplaced = false;
      return this.next(max);
    },
    watch: (onChange) =>
      watchPath(path, (isRenamed) => {
        if (isRenamed) mayBeReplaced = true;
        onChange();
      }),
    close() {
      closeSync(fd);
    },
  };
}

/**
 * One change notification per watched path, shared by every follower of it. The watch is on the
 * file while it exists (inotify follows the inode, so a rename ends it and the path is watched
 * anew), on its directory while it does not; where neither can be had, a 1 s poll stands in.
 */
interface PathWatch {
  readonly listeners: Set<(isRenamed: boolean) => void>;
  watcher: FSWatcher | null;
  pollTimer: NodeJS.Timeout | null;
  isNotifying: boolean;
  /** The inode watched (0: none, the directory is watched for the name to come back). */
  ino: number;
}

const WATCHES = new Map<string, PathWatch>();
const FALLBACK_POLL_MS = 1000;

/** Calls onChange(isRenamed) after the file at path changed; returns the way to stop. */
function watchPath(path: string, onChange: (isRenamed: boolean) => void): () => void {
  let shared = WATCHES.get(path);
  if (shared === undefined) {
    shared = { listeners: new Set(), watcher: null, pollTimer: null, isNotifying: false, ino: 0 };
    WATCHES.set(path, shared);
    arm(path, shared);
  }
  const entry = shared;
  // A listener object of its own, so one callback given twice is two followers.
  const listener = (isRenamed: boolean): void => onChange(isRenamed);
  entry.listeners.add(listener);
  return () => {
    entry.listeners.delete(listener);
    if (entry.listeners.size > 0) return;
    disarm(entry);
    if (WATCHES.get(path) === entry) WATCHES.delete(path);
  };
}

function arm(path: string, entry: PathWatch): void {
  disarm(entry);
  entry.ino = statSync(path, { throwIfNoEntry: false })?.ino ?? 0;
  try {
    if (entry.ino !== 0) {
      entry.watcher = watch(path, { persistent: false }, () => notify(path, entry));
    } else {
      const name = basename(path);
      entry.watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
        if (file === name) notify(path, entry);
      });
    }
    entry.watcher.on('error', () => poll(path, entry));
  } catch {
    poll(path, entry);
  }
}

function poll(path: string, entry: PathWatch): void {
  disarm(entry);
  entry.pollTimer = setInterval(() => notify(path, entry), FALLBACK_POLL_MS);
  entry.pollTimer.unref();
}

function disarm(entry: PathWatch): void {
  entry.watcher?.close();
  entry.watcher = null;
  if (entry.pollTimer !== null) clearInterval(entry.pollTimer);
  entry.pollTimer = null;
}

/** Wakes the followers once per turn of the event loop, however many notifications came. */
function notify(path: string, entry: PathWatch): void {
  if (entry.isNotifying) return;
  entry.isNotifying = true;
  setImmediate(() => {
    entry.isNotifying = false;
    if (entry.listeners.size === 0) return;
    // Moved, deleted or replaced (inotify follows the inode, and a deleted file we hold open
    // only changes its link count): watch whatever the path names now, once for all followers.
    const ino = statSync(path, { throwIfNoEntry: false })?.ino ?? 0;
    const isRenamed = ino !== entry.ino || entry.pollTimer !== null;
    if (ino !== entry.ino && entry.pollTimer === null) arm(path, entry);
    for (const listener of [...entry.listeners]) {
      try {
        listener(isRenamed);
      } catch {
        // The file vanished between stat and read; the next notification tries again.
      }
    }
  });
}
