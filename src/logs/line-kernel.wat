;; The inner loop of container logging (line-kernel.ts): copies whole lines from an input area to
;; an output area, each behind a prefix and ending in a suffix, or only counts them, 16 bytes at a
;; time with SIMD.
;; Compiled by scripts/build-line-kernel.mjs into line-kernel-wasm.ts. All positions are byte
;; offsets in the memory the host gives; the host keeps 16 bytes of slack after every area, since
;; the loop reads and writes whole 16-byte blocks past the end of what it uses.
(module
  (import "host" "memory" (memory 1))
  ;; Where the output of the last call ends, and how many lines it holds.
  (global $outEnd (export "outEnd") (mut i32) (i32.const 0))
  (global $lineCount (export "lineCount") (mut i32) (i32.const 0))

  ;; For each whole line of in[s, end) (its newline not included): out gets the prefix
  ;; (pre, preLen bytes), the line, and the suffix (suf, sufLen <= 16 bytes, which takes the
  ;; newline's place). Stops before the first line that is unfinished (no newline before end),
  ;; longer than max bytes, or, with asciiOnly, holds a byte outside printable ASCII or a quote or
  ;; a backslash; and before a line when out[o, oEnd) has less than preLen + max + 17 bytes left.
  ;; Returns where in the input it stopped.
  (func (export "renderLines")
    (param $s i32) (param $end i32) (param $o i32) (param $oEnd i32)
    (param $pre i32) (param $preLen i32) (param $suf i32) (param $sufLen i32)
    (param $max i32) (param $asciiOnly i32) (result i32)
    (local $p i32) (local $k i32) (local $m i32) (local $bad i32) (local $limit i32)
    (local $nl i32) (local $n i32) (local $shift i32)
    (local $v v128) (local $newline v128) (local $suffix v128)
    (local.set $newline (i8x16.splat (i32.const 0x0a)))
    (local.set $suffix (v128.load (local.get $suf)))
    (block $done
      (loop $line
        (br_if $done (i32.gt_u
          (i32.add (i32.add (local.get $o) (local.get $preLen)) (i32.add (local.get $max) (i32.const 17)))
          (local.get $oEnd)))
        ;; The prefix, a block at a time (the last block's overrun is overwritten by the line).
        (local.set $k (i32.const 0))
        (block $prefixed
          (loop $prefix
            (br_if $prefixed (i32.ge_u (local.get $k) (local.get $preLen)))
            (v128.store (i32.add (local.get $o) (local.get $k)) (v128.load (i32.add (local.get $pre) (local.get $k))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $prefix)))
        ;; in[p] goes to out[p + shift].
        (local.set $shift (i32.sub (i32.add (local.get $o) (local.get $preLen)) (local.get $s)))
        (local.set $limit (i32.add (local.get $s) (i32.add (local.get $max) (i32.const 1))))
        (if (i32.gt_u (local.get $limit) (local.get $end)) (then (local.set $limit (local.get $end))))
        (local.set $p (local.get $s))
        (loop $scan
          (br_if $done (i32.ge_u (local.get $p) (local.get $limit)))
          (local.set $v (v128.load (local.get $p)))
          (v128.store (i32.add (local.get $shift) (local.get $p)) (local.get $v))
          (local.set $m (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $newline))))
          (if (local.get $asciiOnly)
            (then
              (local.set $bad (i8x16.bitmask (v128.or
                (v128.or (i8x16.lt_u (local.get $v) (i8x16.splat (i32.const 0x20))) (i8x16.lt_s (local.get $v) (i8x16.splat (i32.const 0))))
                (v128.or (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x22))) (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5c)))))))
              ;; Only the bytes before this block's first newline belong to the line; the
              ;; newline itself counts as bad, so the mask below it leaves it out.
              (if (local.get $m)
                (then (local.set $bad (i32.and (local.get $bad)
                  (i32.sub (i32.and (local.get $m) (i32.sub (i32.const 0) (local.get $m))) (i32.const 1))))))
              (br_if $done (local.get $bad))))
          (if (i32.eqz (local.get $m))
            (then
              (local.set $p (i32.add (local.get $p) (i32.const 16)))
              (br $scan))))
        (local.set $nl (i32.add (local.get $p) (i32.ctz (local.get $m))))
        (br_if $done (i32.ge_u (local.get $nl) (local.get $limit)))
        (v128.store (i32.add (local.get $shift) (local.get $nl)) (local.get $suffix))
        (local.set $o (i32.add (i32.add (local.get $shift) (local.get $nl)) (local.get $sufLen)))
        (local.set $s (i32.add (local.get $nl) (i32.const 1)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $line)))
    (global.set $outEnd (local.get $o))
    (global.set $lineCount (local.get $n))
    (local.get $s))

  ;; Counts the whole lines of in[s, end) before the first that is unfinished or longer than max
  ;; bytes, and returns where that one starts (lineCount says how many). Plain container lines
  ;; are passed on as they are, so they are only counted.
  (func (export "scanLines") (param $s i32) (param $end i32) (param $max i32) (result i32)
    (local $p i32) (local $m i32) (local $nl i32) (local $n i32) (local $newline v128)
    (local.set $newline (i8x16.splat (i32.const 0x0a)))
    (local.set $p (local.get $s))
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $m (i8x16.bitmask (i8x16.eq (v128.load (local.get $p)) (local.get $newline))))
        ;; Each newline in the block ends a line, lowest first.
        (block $next
          (loop $newlines
            (br_if $next (i32.eqz (local.get $m)))
            (local.set $nl (i32.add (local.get $p) (i32.ctz (local.get $m))))
            (br_if $done (i32.ge_u (local.get $nl) (local.get $end)))
            (br_if $done (i32.gt_u (i32.sub (local.get $nl) (local.get $s)) (local.get $max)))
            (local.set $s (i32.add (local.get $nl) (i32.const 1)))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            (br $newlines)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $block)))
    (global.set $lineCount (local.get $n))
    (local.get $s)))
