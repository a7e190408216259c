;; The hashing's inner loops in WebAssembly (SIMD), operation for operation the arithmetic of the
;; JS versions in pdq.js, phash.js and pixels.js, which pdqhash and Pillow define:
;; - f32 adds, subtracts and divides in the same order, lane by lane (no reassociation, no FMA);
;; - f64 luma rounded once to f32; integer resampling (exact in any order).
;; Built into kernels.wasm by tools/build-kernels.mjs (see there). Memory is the caller's: every function
;; takes byte offsets into the exported memory.
(module
  (memory (export "memory") 1)

  ;; ---- pixels: luma (f32) and grey (u8) of RGBA ----

  ;; luma[i] = f32((R*0.299 + G*0.587) + B*0.114) computed in f64 (pdqhash's numpy step);
  ;; grey[i] = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16 (Pillow's convert("L")). Alpha ignored.
  (func (export "planes_rgba") (param $src i32) (param $n i32) (param $luma i32) (param $grey i32)
    (local $i i32) (local $v v128) (local $r v128) (local $g v128) (local $b v128)
    (local $lo v128) (local $hi v128) (local $y v128)
    (local $pr i32) (local $pg i32) (local $pb i32)
    (block $done
      (loop $quad
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $v (v128.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $r (i8x16.shuffle 0 16 16 16 4 16 16 16 8 16 16 16 12 16 16 16 (local.get $v) (v128.const i32x4 0 0 0 0)))
        (local.set $g (i8x16.shuffle 1 16 16 16 5 16 16 16 9 16 16 16 13 16 16 16 (local.get $v) (v128.const i32x4 0 0 0 0)))
        (local.set $b (i8x16.shuffle 2 16 16 16 6 16 16 16 10 16 16 16 14 16 16 16 (local.get $v) (v128.const i32x4 0 0 0 0)))
        ;; grey
        (local.set $y
          (i32x4.shr_u
            (i32x4.add
              (i32x4.add
                (i32x4.mul (local.get $r) (v128.const i32x4 19595 19595 19595 19595))
                (i32x4.mul (local.get $g) (v128.const i32x4 38470 38470 38470 38470)))
              (i32x4.add
                (i32x4.mul (local.get $b) (v128.const i32x4 7471 7471 7471 7471))
                (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)))
            (i32.const 16)))
        (v128.store32_lane 0 (i32.add (local.get $grey) (local.get $i))
          (i8x16.shuffle 0 4 8 12 0 0 0 0 0 0 0 0 0 0 0 0 (local.get $y) (local.get $y)))
        ;; luma, two pixels per f64x2
        (local.set $lo
          (f32x4.demote_f64x2_zero
            (f64x2.add
              (f64x2.add
                (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $r)) (v128.const f64x2 0.299 0.299))
                (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $g)) (v128.const f64x2 0.587 0.587)))
              (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $b)) (v128.const f64x2 0.114 0.114)))))
        (local.set $r (i8x16.shuffle 8 9 10 11 12 13 14 15 0 0 0 0 0 0 0 0 (local.get $r) (local.get $r)))
        (local.set $g (i8x16.shuffle 8 9 10 11 12 13 14 15 0 0 0 0 0 0 0 0 (local.get $g) (local.get $g)))
        (local.set $b (i8x16.shuffle 8 9 10 11 12 13 14 15 0 0 0 0 0 0 0 0 (local.get $b) (local.get $b)))
        (local.set $hi
          (f32x4.demote_f64x2_zero
            (f64x2.add
              (f64x2.add
                (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $r)) (v128.const f64x2 0.299 0.299))
                (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $g)) (v128.const f64x2 0.587 0.587)))
              (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $b)) (v128.const f64x2 0.114 0.114)))))
        (v128.store (i32.add (local.get $luma) (i32.shl (local.get $i) (i32.const 2)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $quad)))
    ;; the last 0-3 pixels
    (block $end
      (loop $one
        (br_if $end (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $pr (i32.load8_u (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $pg (i32.load8_u offset=1 (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $pb (i32.load8_u offset=2 (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))
        (i32.store8 (i32.add (local.get $grey) (local.get $i))
          (i32.shr_u
            (i32.add
              (i32.add (i32.mul (local.get $pr) (i32.const 19595)) (i32.mul (local.get $pg) (i32.const 38470)))
              (i32.add (i32.mul (local.get $pb) (i32.const 7471)) (i32.const 0x8000)))
            (i32.const 16)))
        (f32.store (i32.add (local.get $luma) (i32.shl (local.get $i) (i32.const 2)))
          (f32.demote_f64
            (f64.add
              (f64.add
                (f64.mul (f64.convert_i32_u (local.get $pr)) (f64.const 0.299))
                (f64.mul (f64.convert_i32_u (local.get $pg)) (f64.const 0.587)))
              (f64.mul (f64.convert_i32_u (local.get $pb)) (f64.const 0.114)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $one))))

  ;; ---- PDQ: ThreatExchange's box1DFloat, along rows and down columns ----
  ;;
  ;; box1DFloat over a vector of `length` with window `win`:
  ;;   phase 1 (half-1 steps):          sum += in[ri++]; n++
  ;;   phase 2 (win-half+1 steps):      sum += in[ri++]; n++; out[oi++] = sum / n
  ;;   phase 3 (length-win steps):      sum += in[ri++]; sum -= in[li++]; out[oi++] = sum / n
  ;;   phase 4 (half-1 steps):          sum -= in[li++]; n--; out[oi++] = sum / n
  ;; with half = (win + 2) / 2, sum a float, n an int.

  ;; box1DFloat along every row of the rows x cols plane at $in, into $out. Four rows at a time:
  ;; lane k follows row r+k (the last group repeats the last row, which writes the same values
  ;; twice). $tin and $tout are scratch of cols * 16 bytes each. With $wanted (a byte per column,
  ;; or 0 for all), only the wanted outputs are divided and written, compactly: column c goes to
  ;; place wanted[c] - 1 of rows $out_cols floats long (the sums still visit every pixel).
  ;; Without $wanted, $out has the input's layout and $out_cols is ignored.
  (func (export "box_rows") (param $in i32) (param $out i32) (param $rows i32) (param $cols i32)
    (param $win i32) (param $tin i32) (param $tout i32) (param $wanted i32) (param $out_cols i32)
    (local $r i32) (local $stride i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $c i32) (local $k i32) (local $last i32) (local $ostride i32) (local $t i32)
    (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $ostride (i32.shl (local.get $out_cols) (i32.const 2)))
    (local.set $last (i32.sub (local.get $rows) (i32.const 1)))
    (block $rows_done
      (loop $group
        (br_if $rows_done (i32.ge_s (local.get $r) (local.get $rows)))
        ;; byte offsets of rows r..r+3 (clamped to the last row)
        (local.set $p0 (i32.mul (local.get $r) (local.get $stride)))
        (local.set $p1 (i32.mul (call $min (i32.add (local.get $r) (i32.const 1)) (local.get $last)) (local.get $stride)))
        (local.set $p2 (i32.mul (call $min (i32.add (local.get $r) (i32.const 2)) (local.get $last)) (local.get $stride)))
        (local.set $p3 (i32.mul (call $min (i32.add (local.get $r) (i32.const 3)) (local.get $last)) (local.get $stride)))
        ;; interleave the four rows into $tin: column c at tin + c*16
        (local.set $c (i32.const 0))
        (block $tdone
          (loop $tloop
            (br_if $tdone (i32.gt_s (i32.add (local.get $c) (i32.const 4)) (local.get $cols)))
            (local.set $k (i32.shl (local.get $c) (i32.const 2)))
            ;; $transpose_in, written out (no call in the hot loop)
            (local.set $a0 (v128.load (i32.add (local.get $in) (i32.add (local.get $p0) (local.get $k)))))
            (local.set $a1 (v128.load (i32.add (local.get $in) (i32.add (local.get $p1) (local.get $k)))))
            (local.set $b0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a0) (local.get $a1)))
            (local.set $b1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a0) (local.get $a1)))
            (local.set $a0 (v128.load (i32.add (local.get $in) (i32.add (local.get $p2) (local.get $k)))))
            (local.set $a1 (v128.load (i32.add (local.get $in) (i32.add (local.get $p3) (local.get $k)))))
            (local.set $b2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a0) (local.get $a1)))
            (local.set $b3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a0) (local.get $a1)))
            (local.set $t (i32.add (local.get $tin) (i32.shl (local.get $c) (i32.const 4))))
            (v128.store (local.get $t)
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $b0) (local.get $b2)))
            (v128.store offset=16 (local.get $t)
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $b0) (local.get $b2)))
            (v128.store offset=32 (local.get $t)
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $b1) (local.get $b3)))
            (v128.store offset=48 (local.get $t)
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $b1) (local.get $b3)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $tloop)))
        (block $rdone
          (loop $rloop
            (br_if $rdone (i32.ge_s (local.get $c) (local.get $cols)))
            (local.set $k (i32.shl (local.get $c) (i32.const 2)))
            (f32.store (i32.add (local.get $tin) (i32.shl (local.get $c) (i32.const 4)))
              (f32.load (i32.add (local.get $in) (i32.add (local.get $p0) (local.get $k)))))
            (f32.store offset=4 (i32.add (local.get $tin) (i32.shl (local.get $c) (i32.const 4)))
              (f32.load (i32.add (local.get $in) (i32.add (local.get $p1) (local.get $k)))))
            (f32.store offset=8 (i32.add (local.get $tin) (i32.shl (local.get $c) (i32.const 4)))
              (f32.load (i32.add (local.get $in) (i32.add (local.get $p2) (local.get $k)))))
            (f32.store offset=12 (i32.add (local.get $tin) (i32.shl (local.get $c) (i32.const 4)))
              (f32.load (i32.add (local.get $in) (i32.add (local.get $p3) (local.get $k)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $rloop)))
        (if (local.get $wanted)
          (then
            (call $box_lanes_wanted (local.get $tin) (local.get $cols) (local.get $win) (local.get $wanted)
              (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $ostride)))
              (i32.add (local.get $out) (i32.mul (call $min (i32.add (local.get $r) (i32.const 1)) (local.get $last)) (local.get $ostride)))
              (i32.add (local.get $out) (i32.mul (call $min (i32.add (local.get $r) (i32.const 2)) (local.get $last)) (local.get $ostride)))
              (i32.add (local.get $out) (i32.mul (call $min (i32.add (local.get $r) (i32.const 3)) (local.get $last)) (local.get $ostride)))))
          (else
            (call $box_lanes (local.get $tin) (local.get $tout) (local.get $cols) (local.get $win))
            ;; and back into rows
            (local.set $c (i32.const 0))
            (block $odone
              (loop $oloop
                (br_if $odone (i32.gt_s (i32.add (local.get $c) (i32.const 4)) (local.get $cols)))
                (local.set $k (i32.shl (local.get $c) (i32.const 2)))
                ;; $transpose_out, written out
                (local.set $t (i32.add (local.get $tout) (i32.shl (local.get $c) (i32.const 4))))
                (local.set $a0 (v128.load (local.get $t)))
                (local.set $a1 (v128.load offset=16 (local.get $t)))
                (local.set $b0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a0) (local.get $a1)))
                (local.set $b1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a0) (local.get $a1)))
                (local.set $a0 (v128.load offset=32 (local.get $t)))
                (local.set $a1 (v128.load offset=48 (local.get $t)))
                (local.set $b2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a0) (local.get $a1)))
                (local.set $b3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a0) (local.get $a1)))
                (v128.store (i32.add (local.get $out) (i32.add (local.get $p0) (local.get $k)))
                  (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $b0) (local.get $b2)))
                (v128.store (i32.add (local.get $out) (i32.add (local.get $p1) (local.get $k)))
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $b0) (local.get $b2)))
                (v128.store (i32.add (local.get $out) (i32.add (local.get $p2) (local.get $k)))
                  (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $b1) (local.get $b3)))
                (v128.store (i32.add (local.get $out) (i32.add (local.get $p3) (local.get $k)))
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $b1) (local.get $b3)))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $oloop)))
            (block $odone1
              (loop $oloop1
                (br_if $odone1 (i32.ge_s (local.get $c) (local.get $cols)))
                (local.set $k (i32.shl (local.get $c) (i32.const 2)))
                (f32.store (i32.add (local.get $out) (i32.add (local.get $p0) (local.get $k)))
                  (f32.load (i32.add (local.get $tout) (i32.shl (local.get $c) (i32.const 4)))))
                (f32.store (i32.add (local.get $out) (i32.add (local.get $p1) (local.get $k)))
                  (f32.load offset=4 (i32.add (local.get $tout) (i32.shl (local.get $c) (i32.const 4)))))
                (f32.store (i32.add (local.get $out) (i32.add (local.get $p2) (local.get $k)))
                  (f32.load offset=8 (i32.add (local.get $tout) (i32.shl (local.get $c) (i32.const 4)))))
                (f32.store (i32.add (local.get $out) (i32.add (local.get $p3) (local.get $k)))
                  (f32.load offset=12 (i32.add (local.get $tout) (i32.shl (local.get $c) (i32.const 4)))))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $oloop1)))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $group))))

  (func $min (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.lt_s (local.get $a) (local.get $b))))

  ;; box1DFloat on four interleaved vectors at once (lane k = vector k), $length steps long.
  (func $box_lanes (param $in i32) (param $out i32) (param $length i32) (param $win i32)
    (local $half i32) (local $i i32) (local $n i32) (local $ri i32) (local $li i32) (local $oi i32)
    (local $sum v128)
    (local.set $half (i32.shr_s (i32.add (local.get $win) (i32.const 2)) (i32.const 1)))
    (local.set $ri (local.get $in))
    (local.set $li (local.get $in))
    (local.set $oi (local.get $out))
    (local.set $sum (v128.const f32x4 0 0 0 0))
    ;; phase 1
    (local.set $i (i32.sub (local.get $half) (i32.const 1)))
    (block $b1 (loop $l1
      (br_if $b1 (i32.le_s (local.get $i) (i32.const 0)))
      (local.set $sum (f32x4.add (local.get $sum) (v128.load (local.get $ri))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $ri (i32.add (local.get $ri) (i32.const 16)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br $l1)))
    ;; phase 2
    (local.set $i (i32.add (i32.sub (local.get $win) (local.get $half)) (i32.const 1)))
    (block $b2 (loop $l2
      (br_if $b2 (i32.le_s (local.get $i) (i32.const 0)))
      (local.set $sum (f32x4.add (local.get $sum) (v128.load (local.get $ri))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (v128.store (local.get $oi) (f32x4.div (local.get $sum) (f32x4.splat (f32.convert_i32_s (local.get $n)))))
      (local.set $ri (i32.add (local.get $ri) (i32.const 16)))
      (local.set $oi (i32.add (local.get $oi) (i32.const 16)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br $l2)))
    ;; phase 3
    (local.set $i (i32.sub (local.get $length) (local.get $win)))
    (block $b3 (loop $l3
      (br_if $b3 (i32.le_s (local.get $i) (i32.const 0)))
      (local.set $sum (f32x4.sub (f32x4.add (local.get $sum) (v128.load (local.get $ri))) (v128.load (local.get $li))))
      (v128.store (local.get $oi) (f32x4.div (local.get $sum) (f32x4.splat (f32.convert_i32_s (local.get $n)))))
      (local.set $ri (i32.add (local.get $ri) (i32.const 16)))
      (local.set $li (i32.add (local.get $li) (i32.const 16)))
      (local.set $oi (i32.add (local.get $oi) (i32.const 16)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br $l3)))
    ;; phase 4
    (local.set $i (i32.sub (local.get $half) (i32.const 1)))
    (block $b4 (loop $l4
      (br_if $b4 (i32.le_s (local.get $i) (i32.const 0)))
      (local.set $sum (f32x4.sub (local.get $sum) (v128.load (local.get $li))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (v128.store (local.get $oi) (f32x4.div (local.get $sum) (f32x4.splat (f32.convert_i32_s (local.get $n)))))
      (local.set $li (i32.add (local.get $li) (i32.const 16)))
      (local.set $oi (i32.add (local.get $oi) (i32.const 16)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br $l4))))

  ;; One wanted output: lane k of sum / n into the row at $pk, at place $place - 1.
  (func $put4 (param $sum v128) (param $n i32) (param $place i32)
    (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32)
    (local $v v128) (local $at i32)
    (local.set $v (f32x4.div (local.get $sum) (f32x4.splat (f32.convert_i32_s (local.get $n)))))
    (local.set $at (i32.shl (i32.sub (local.get $place) (i32.const 1)) (i32.const 2)))
    (f32.store (i32.add (local.get $p0) (local.get $at)) (f32x4.extract_lane 0 (local.get $v)))
    (f32.store (i32.add (local.get $p1) (local.get $at)) (f32x4.extract_lane 1 (local.get $v)))
    (f32.store (i32.add (local.get $p2) (local.get $at)) (f32x4.extract_lane 2 (local.get $v)))
    (f32.store (i32.add (local.get $p3) (local.get $at)) (f32x4.extract_lane 3 (local.get $v))))

  ;; $box_lanes writing only the outputs whose byte in $wanted is set, straight into the four rows
  ;; (at place wanted[column] - 1).
  (func $box_lanes_wanted (param $in i32) (param $length i32) (param $win i32) (param $wanted i32)
    (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32)
    (local $half i32) (local $i i32) (local $n i32) (local $ri i32) (local $li i32) (local $oi i32) (local $place i32)
    (local $sum v128)
    (local.set $half (i32.shr_s (i32.add (local.get $win) (i32.const 2)) (i32.const 1)))
    (local.set $ri (local.get $in))
    (local.set $li (local.get $in))
    (local.set $sum (v128.const f32x4 0 0 0 0))
    (local.set $i (i32.sub (local.get $half) (i32.const 1)))
    (block $b1 (loop $l1
      (br_if $b1 (i32.le_s (local.get $i) (i32.const 0)))
      (local.set $sum (f32x4.add (local.get $sum) (v128.load (local.get $ri))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $ri (i32.add (local.get $ri) (i32.const 16)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br $l1)))
    (local.set $i (i32.add (i32.sub (local.get $win) (local.get $half)) (i32.const 1)))
    (block $b2 (loop $l2
      (br_if $b2 (i32.le_s (local.get $i) (i32.const 0)))
      (local.set $sum (f32x4.add (local.get $sum) (v128.load (local.get $ri))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $place (i32.load8_u (i32.add (local.get $wanted) (local.get $oi))))
      (if (local.get $place)
        (then (call $put4 (local.get $sum) (local.get $n) (local.get $place)
          (local.get $p0) (local.get $p1) (local.get $p2) (local.get $p3))))
      (local.set $ri (i32.add (local.get $ri) (i32.const 16)))
      (local.set $oi (i32.add (local.get $oi) (i32.const 1)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br $l2)))
    (local.set $i (i32.sub (local.get $length) (local.get $win)))
    (block $b3 (loop $l3
      (br_if $b3 (i32.le_s (local.get $i) (i32.const 0)))
      (local.set $sum (f32x4.sub (f32x4.add (local.get $sum) (v128.load (local.get $ri))) (v128.load (local.get $li))))
      (local.set $place (i32.load8_u (i32.add (local.get $wanted) (local.get $oi))))
      (if (local.get $place)
        (then (call $put4 (local.get $sum) (local.get $n) (local.get $place)
          (local.get $p0) (local.get $p1) (local.get $p2) (local.get $p3))))
      (local.set $ri (i32.add (local.get $ri) (i32.const 16)))
      (local.set $li (i32.add (local.get $li) (i32.const 16)))
      (local.set $oi (i32.add (local.get $oi) (i32.const 1)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br $l3)))
    (local.set $i (i32.sub (local.get $half) (i32.const 1)))
    (block $b4 (loop $l4
      (br_if $b4 (i32.le_s (local.get $i) (i32.const 0)))
      (local.set $sum (f32x4.sub (local.get $sum) (v128.load (local.get $li))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (local.set $place (i32.load8_u (i32.add (local.get $wanted) (local.get $oi))))
      (if (local.get $place)
        (then (call $put4 (local.get $sum) (local.get $n) (local.get $place)
          (local.get $p0) (local.get $p1) (local.get $p2) (local.get $p3))))
      (local.set $li (i32.add (local.get $li) (i32.const 16)))
      (local.set $oi (i32.add (local.get $oi) (i32.const 1)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br $l4))))

  ;; box1DFloat down every column of the rows x cols plane at $in, into $out: the columns advance
  ;; together a row at a time (memory in order), each column's running sum in $sums (cols floats).
  (func (export "box_cols") (param $in i32) (param $out i32) (param $rows i32) (param $cols i32)
    (param $win i32) (param $sums i32)
    (local $half i32) (local $stride i32) (local $i i32) (local $n i32) (local $ri i32) (local $li i32) (local $oi i32)
    (local.set $half (i32.shr_s (i32.add (local.get $win) (i32.const 2)) (i32.const 1)))
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (memory.fill (local.get $sums) (i32.const 0) (local.get $stride))
    (local.set $ri (local.get $in))
    (local.set $li (local.get $in))
    (local.set $oi (local.get $out))
    (local.set $i (i32.sub (local.get $half) (i32.const 1)))
    (block $b1 (loop $l1
      (br_if $b1 (i32.le_s (local.get $i) (i32.const 0)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (call $cols_step (i32.const 1) (local.get $sums) (local.get $stride) (local.get $ri) (i32.const 0) (i32.const 0) (i32.const 0))
      (local.set $ri (i32.add (local.get $ri) (local.get $stride)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br $l1)))
    (local.set $i (i32.add (i32.sub (local.get $win) (local.get $half)) (i32.const 1)))
    (block $b2 (loop $l2
      (br_if $b2 (i32.le_s (local.get $i) (i32.const 0)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (call $cols_step (i32.const 2) (local.get $sums) (local.get $stride) (local.get $ri) (i32.const 0) (local.get $oi) (local.get $n))
      (local.set $ri (i32.add (local.get $ri) (local.get $stride)))
      (local.set $oi (i32.add (local.get $oi) (local.get $stride)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br $l2)))
    (local.set $i (i32.sub (local.get $rows) (local.get $win)))
    (block $b3 (loop $l3
      (br_if $b3 (i32.le_s (local.get $i) (i32.const 0)))
      (call $cols_step (i32.const 3) (local.get $sums) (local.get $stride) (local.get $ri) (local.get $li) (local.get $oi) (local.get $n))
      (local.set $ri (i32.add (local.get $ri) (local.get $stride)))
      (local.set $li (i32.add (local.get $li) (local.get $stride)))
      (local.set $oi (i32.add (local.get $oi) (local.get $stride)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br $l3)))
    (local.set $i (i32.sub (local.get $half) (i32.const 1)))
    (block $b4 (loop $l4
      (br_if $b4 (i32.le_s (local.get $i) (i32.const 0)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (call $cols_step (i32.const 4) (local.get $sums) (local.get $stride) (i32.const 0) (local.get $li) (local.get $oi) (local.get $n))
      (local.set $li (i32.add (local.get $li) (local.get $stride)))
      (local.set $oi (i32.add (local.get $oi) (local.get $stride)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br $l4))))

  ;; One row step of box_cols for every column, in the given phase: 1 adds the row at $ri; 2 adds and
  ;; writes sums / $n at $oi; 3 adds $ri, subtracts $li, writes; 4 subtracts $li and writes.
  (func $cols_step (param $phase i32) (param $sums i32) (param $bytes i32) (param $ri i32) (param $li i32)
    (param $oi i32) (param $n i32)
    (local $at i32) (local $vec_end i32) (local $sum v128) (local $div v128) (local $s f32) (local $d f32)
    (local.set $vec_end (i32.and (local.get $bytes) (i32.const -16)))
    (local.set $div (f32x4.splat (f32.convert_i32_s (local.get $n))))
    (local.set $d (f32.convert_i32_s (local.get $n)))
    (block $vdone
      (br_if $vdone (i32.ne (local.get $phase) (i32.const 1)))
      (loop $v1
        (br_if $vdone (i32.ge_u (local.get $at) (local.get $vec_end)))
        (v128.store (i32.add (local.get $sums) (local.get $at))
          (f32x4.add (v128.load (i32.add (local.get $sums) (local.get $at))) (v128.load (i32.add (local.get $ri) (local.get $at)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $v1)))
    (block $vdone
      (br_if $vdone (i32.ne (local.get $phase) (i32.const 2)))
      (loop $v2
        (br_if $vdone (i32.ge_u (local.get $at) (local.get $vec_end)))
        (local.set $sum
          (f32x4.add (v128.load (i32.add (local.get $sums) (local.get $at))) (v128.load (i32.add (local.get $ri) (local.get $at)))))
        (v128.store (i32.add (local.get $sums) (local.get $at)) (local.get $sum))
        (v128.store (i32.add (local.get $oi) (local.get $at)) (f32x4.div (local.get $sum) (local.get $div)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $v2)))
    (block $vdone
      (br_if $vdone (i32.ne (local.get $phase) (i32.const 3)))
      (loop $v3
        (br_if $vdone (i32.ge_u (local.get $at) (local.get $vec_end)))
        (local.set $sum
          (f32x4.sub
            (f32x4.add (v128.load (i32.add (local.get $sums) (local.get $at))) (v128.load (i32.add (local.get $ri) (local.get $at))))
            (v128.load (i32.add (local.get $li) (local.get $at)))))
        (v128.store (i32.add (local.get $sums) (local.get $at)) (local.get $sum))
        (v128.store (i32.add (local.get $oi) (local.get $at)) (f32x4.div (local.get $sum) (local.get $div)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $v3)))
    (block $vdone
      (br_if $vdone (i32.ne (local.get $phase) (i32.const 4)))
      (loop $v4
        (br_if $vdone (i32.ge_u (local.get $at) (local.get $vec_end)))
        (local.set $sum
          (f32x4.sub (v128.load (i32.add (local.get $sums) (local.get $at))) (v128.load (i32.add (local.get $li) (local.get $at)))))
        (v128.store (i32.add (local.get $sums) (local.get $at)) (local.get $sum))
        (v128.store (i32.add (local.get $oi) (local.get $at)) (f32x4.div (local.get $sum) (local.get $div)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $v4)))
    ;; the last 0-3 columns, one at a time
    (block $sdone (loop $sloop
      (br_if $sdone (i32.ge_u (local.get $at) (local.get $bytes)))
      (local.set $s (f32.load (i32.add (local.get $sums) (local.get $at))))
      (if (i32.le_u (local.get $phase) (i32.const 3))
        (then (local.set $s (f32.add (local.get $s) (f32.load (i32.add (local.get $ri) (local.get $at)))))))
      (if (i32.ge_u (local.get $phase) (i32.const 3))
        (then (local.set $s (f32.sub (local.get $s) (f32.load (i32.add (local.get $li) (local.get $at)))))))
      (f32.store (i32.add (local.get $sums) (local.get $at)) (local.get $s))
      (if (i32.ge_u (local.get $phase) (i32.const 2))
        (then (f32.store (i32.add (local.get $oi) (local.get $at)) (f32.div (local.get $s) (local.get $d)))))
      (local.set $at (i32.add (local.get $at) (i32.const 4)))
      (br $sloop))))

  ;; ---- pHash: Pillow's horizontal LANCZOS pass (ImagingResampleHorizontal_8bpc) ----
  ;;
  ;; For each of $rows rows from $src (u8, $stride bytes apart) and each output column xx:
  ;;   ss = 2^21 + sum over x < xmax of src[xmin + x] * k[xx][x];  out = clip8(ss >> 22)
  ;; with (xmin, xmax) at $bounds + 8*xx and k[xx] at $coeffs + 4*kstride*xx, i32, zero-padded to
  ;; kstride (a multiple of 16). Integer sums, so summing 16 at a time is exact. Reads up to 15 bytes
  ;; past xmin + xmax, which the caller keeps inside memory (their weights are zero).
  (func (export "resample_h") (param $src i32) (param $stride i32) (param $rows i32) (param $out_width i32)
    (param $kstride i32) (param $bounds i32) (param $coeffs i32) (param $out i32)
    (local $y i32) (local $xx i32) (local $row i32) (local $p i32) (local $k i32) (local $x i32) (local $xmax i32)
    (local $acc v128) (local $v v128) (local $lo v128) (local $hi v128) (local $ss i32)
    (block $ydone (loop $yloop
      (br_if $ydone (i32.ge_s (local.get $y) (local.get $rows)))
      (local.set $row (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $stride))))
      (local.set $xx (i32.const 0))
      (block $xdone (loop $xloop
        (br_if $xdone (i32.ge_s (local.get $xx) (local.get $out_width)))
        (local.set $p (i32.add (local.get $row) (i32.load (i32.add (local.get $bounds) (i32.shl (local.get $xx) (i32.const 3))))))
        (local.set $xmax (i32.load offset=4 (i32.add (local.get $bounds) (i32.shl (local.get $xx) (i32.const 3)))))
        (local.set $k (i32.add (local.get $coeffs) (i32.shl (i32.mul (local.get $xx) (local.get $kstride)) (i32.const 2))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $x (i32.const 0))
        (block $tdone (loop $tloop
          (br_if $tdone (i32.ge_s (local.get $x) (local.get $xmax)))
          (local.set $v (v128.load (i32.add (local.get $p) (local.get $x))))
          (local.set $lo (i16x8.extend_low_i8x16_u (local.get $v)))
          (local.set $hi (i16x8.extend_high_i8x16_u (local.get $v)))
          (local.set $acc (i32x4.add (local.get $acc)
            (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $lo)) (v128.load (local.get $k)))))
          (local.set $acc (i32x4.add (local.get $acc)
            (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $lo)) (v128.load offset=16 (local.get $k)))))
          (local.set $acc (i32x4.add (local.get $acc)
            (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $hi)) (v128.load offset=32 (local.get $k)))))
          (local.set $acc (i32x4.add (local.get $acc)
            (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $hi)) (v128.load offset=48 (local.get $k)))))
          (local.set $k (i32.add (local.get $k) (i32.const 64)))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (br $tloop)))
        (local.set $ss
          (i32.shr_s
            (i32.add (i32.const 0x200000)
              (i32.add
                (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
                (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
            (i32.const 22)))
        (i32.store8
          (i32.add (local.get $out) (i32.add (i32.mul (local.get $y) (local.get $out_width)) (local.get $xx)))
          (select (i32.const 0)
            (select (i32.const 255) (local.get $ss) (i32.gt_s (local.get $ss) (i32.const 255)))
            (i32.lt_s (local.get $ss) (i32.const 0))))
        (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
        (br $xloop)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $yloop))))

  ;; Pillow's vertical LANCZOS pass (ImagingResampleVertical_8bpc): for each output row yy and
  ;; column xx, ss = 2^21 + sum over y < ymax of src[ymin + y][xx] * k[yy][y]; out = clip8(ss >> 22).
  ;; Sixteen columns at a time, rows read in order. The last group of a row may compute columns
  ;; past $width: it reads into the next row (or the caller's slack) and writes into the next
  ;; output row, which is written afterwards, or into the slack after the last one.
  (func (export "resample_v") (param $src i32) (param $width i32) (param $out_rows i32) (param $kstride i32)
    (param $bounds i32) (param $coeffs i32) (param $out i32)
    (local $yy i32) (local $x i32) (local $y i32) (local $ymax i32) (local $k i32) (local $p i32) (local $w v128)
    (local $v v128) (local $lo v128) (local $hi v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (block $ydone (loop $rows
      (br_if $ydone (i32.ge_s (local.get $yy) (local.get $out_rows)))
      (local.set $ymax (i32.load offset=4 (i32.add (local.get $bounds) (i32.shl (local.get $yy) (i32.const 3)))))
      (local.set $x (i32.const 0))
      (block $xdone (loop $groups
        (br_if $xdone (i32.ge_s (local.get $x) (local.get $width)))
        (local.set $p (i32.add (i32.add (local.get $src) (local.get $x))
          (i32.mul (i32.load (i32.add (local.get $bounds) (i32.shl (local.get $yy) (i32.const 3)))) (local.get $width))))
        (local.set $k (i32.add (local.get $coeffs) (i32.shl (i32.mul (local.get $yy) (local.get $kstride)) (i32.const 2))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $y (i32.const 0))
        (block $tdone (loop $taps
          (br_if $tdone (i32.ge_s (local.get $y) (local.get $ymax)))
          (local.set $w (i32x4.splat (i32.load (local.get $k))))
          (local.set $v (v128.load (local.get $p)))
          (local.set $lo (i16x8.extend_low_i8x16_u (local.get $v)))
          (local.set $hi (i16x8.extend_high_i8x16_u (local.get $v)))
          (local.set $a0 (i32x4.add (local.get $a0) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $lo)) (local.get $w))))
          (local.set $a1 (i32x4.add (local.get $a1) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $lo)) (local.get $w))))
          (local.set $a2 (i32x4.add (local.get $a2) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $hi)) (local.get $w))))
          (local.set $a3 (i32x4.add (local.get $a3) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $hi)) (local.get $w))))
          (local.set $p (i32.add (local.get $p) (local.get $width)))
          (local.set $k (i32.add (local.get $k) (i32.const 4)))
          (local.set $y (i32.add (local.get $y) (i32.const 1)))
          (br $taps)))
        ;; (2^21 + ss) >> 22, clamped to 0-255 by the saturating narrows
        (local.set $a0 (i32x4.shr_s (i32x4.add (local.get $a0) (v128.const i32x4 0x200000 0x200000 0x200000 0x200000)) (i32.const 22)))
        (local.set $a1 (i32x4.shr_s (i32x4.add (local.get $a1) (v128.const i32x4 0x200000 0x200000 0x200000 0x200000)) (i32.const 22)))
        (local.set $a2 (i32x4.shr_s (i32x4.add (local.get $a2) (v128.const i32x4 0x200000 0x200000 0x200000 0x200000)) (i32.const 22)))
        (local.set $a3 (i32x4.shr_s (i32x4.add (local.get $a3) (v128.const i32x4 0x200000 0x200000 0x200000 0x200000)) (i32.const 22)))
        (v128.store (i32.add (local.get $out) (i32.add (i32.mul (local.get $yy) (local.get $width)) (local.get $x)))
          (i8x16.narrow_i16x8_u
            (i16x8.narrow_i32x4_s (local.get $a0) (local.get $a1))
            (i16x8.narrow_i32x4_s (local.get $a2) (local.get $a3))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $groups)))
      (local.set $yy (i32.add (local.get $yy) (i32.const 1)))
      (br $rows))))

  ;; ---- JPEG: libjpeg-turbo's chroma upsampling and YCbCr -> RGB, straight into luma and grey ----
  ;;
  ;; For the Y, Cb, Cr planes a JPEG decoder hands over before its own colour conversion (the
  ;; browser's ImageDecoder gives them as I420, I422 or I444). What Pillow's libjpeg-turbo does with
  ;; them (jdsample.c with do_fancy_upsampling, jdcolor.c), reproduced exactly:
  ;; - 4:2:2 (h2v1_fancy_upsample, when the chroma is over 2 samples wide, else replication):
  ;;     out[0] = c0; out[2j] = (3c[j] + c[j-1] + 1) >> 2; out[2j+1] = (3c[j] + c[j+1] + 2) >> 2;
  ;;     out[last] = c[last];
  ;; - 4:2:0 (h2v2_fancy_upsample, same condition): column sums s[j] = 3*near[j] + far[j], near the
  ;;   chroma row of this luma row and far the one above (even rows) or below (odd rows), clamped
  ;;   to the image; out[0] = (4s0 + 8) >> 4; out[2j] = (3s[j] + s[j-1] + 8) >> 4;
  ;;   out[2j+1] = (3s[j] + s[j+1] + 7) >> 4; out[last] = (4s[last] + 7) >> 4;
  ;; - R = clamp(Y + ((91881 x_r + 32768) >> 16)), B = clamp(Y + ((116130 x_b + 32768) >> 16)),
  ;;   G = clamp(Y + ((-46802 x_r - 22554 x_b + 32768) >> 16)), x = C - 128, shifts arithmetic.

  ;; One upsampled chroma row (2 * $cw samples at $out) from the chroma row $near (and $far for
  ;; 4:2:0). $mode: 1 = 4:2:2, 2 = 4:2:0; $cw the chroma row's width. The inner columns go eight at
  ;; a time (i16x8; the largest intermediate, 3 * 1020 + 1020 + 8, fits), the edges one at a time.
  (func $upsample_row (param $mode i32) (param $near i32) (param $far i32) (param $cw i32) (param $out i32)
    (local $j i32) (local $this i32) (local $sl v128) (local $sc v128) (local $sr v128) (local $e v128) (local $o v128)
    (if (i32.le_s (local.get $cw) (i32.const 2))
      (then
        ;; replication (h2v1_upsample / h2v2_upsample)
        (block $done (loop $copy
          (br_if $done (i32.ge_s (local.get $j) (local.get $cw)))
          (local.set $this (i32.load8_u (i32.add (local.get $near) (local.get $j))))
          (i32.store8 (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 1))) (local.get $this))
          (i32.store8 offset=1 (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 1))) (local.get $this))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $copy)))
        (return)))
    (if (i32.eq (local.get $mode) (i32.const 1))
      (then
        ;; first column
        (local.set $this (i32.load8_u (i32.add (local.get $near) (i32.const 0))))
        (i32.store8 (local.get $out) (local.get $this))
        (i32.store8 offset=1 (local.get $out)
          (i32.shr_u (i32.add (i32.add (i32.mul (local.get $this) (i32.const 3)) (i32.load8_u (i32.add (local.get $near) (i32.const 1)))) (i32.const 2)) (i32.const 2)))
        (local.set $j (i32.const 1))
        ;; inner columns, eight at a time
        (block $done (loop $wide
          (br_if $done (i32.gt_s (i32.add (local.get $j) (i32.const 8)) (i32.sub (local.get $cw) (i32.const 1))))
          (local.set $sl (i16x8.extend_low_i8x16_u (v128.load64_zero (i32.sub (i32.add (local.get $near) (local.get $j)) (i32.const 1)))))
          (local.set $sc (i16x8.extend_low_i8x16_u (v128.load64_zero (i32.add (local.get $near) (local.get $j)))))
          (local.set $sr (i16x8.extend_low_i8x16_u (v128.load64_zero (i32.add (i32.add (local.get $near) (local.get $j)) (i32.const 1)))))
          (local.set $sc (i16x8.mul (local.get $sc) (v128.const i16x8 3 3 3 3 3 3 3 3)))
          (local.set $e (i16x8.shr_u (i16x8.add (i16x8.add (local.get $sc) (local.get $sl)) (v128.const i16x8 1 1 1 1 1 1 1 1)) (i32.const 2)))
          (local.set $o (i16x8.shr_u (i16x8.add (i16x8.add (local.get $sc) (local.get $sr)) (v128.const i16x8 2 2 2 2 2 2 2 2)) (i32.const 2)))
          (v128.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 1)))
            (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23
              (i8x16.narrow_i16x8_u (local.get $e) (local.get $e)) (i8x16.narrow_i16x8_u (local.get $o) (local.get $o))))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br $wide)))
        ;; the rest of the inner columns
        (block $done (loop $mid
          (br_if $done (i32.ge_s (local.get $j) (i32.sub (local.get $cw) (i32.const 1))))
          (local.set $this (i32.mul (i32.load8_u (i32.add (local.get $near) (local.get $j))) (i32.const 3)))
          (i32.store8 (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 1)))
            (i32.shr_u (i32.add (i32.add (local.get $this) (i32.load8_u (i32.add (local.get $near) (i32.sub (local.get $j) (i32.const 1))))) (i32.const 1)) (i32.const 2)))
          (i32.store8 offset=1 (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 1)))
            (i32.shr_u (i32.add (i32.add (local.get $this) (i32.load8_u (i32.add (local.get $near) (i32.add (local.get $j) (i32.const 1))))) (i32.const 2)) (i32.const 2)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $mid)))
        ;; last column
        (local.set $this (i32.load8_u (i32.add (local.get $near) (local.get $j))))
        (i32.store8 (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 1)))
          (i32.shr_u (i32.add (i32.add (i32.mul (local.get $this) (i32.const 3)) (i32.load8_u (i32.add (local.get $near) (i32.sub (local.get $j) (i32.const 1))))) (i32.const 1)) (i32.const 2)))
        (i32.store8 offset=1 (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 1))) (local.get $this))
        (return)))
    ;; 4:2:0: first column
    (local.set $this (i32.add (i32.mul (i32.load8_u (i32.add (local.get $near) (i32.const 0))) (i32.const 3)) (i32.load8_u (i32.add (local.get $far) (i32.const 0)))))
    (i32.store8 (local.get $out) (i32.shr_u (i32.add (i32.shl (local.get $this) (i32.const 2)) (i32.const 8)) (i32.const 4)))
    (i32.store8 offset=1 (local.get $out)
      (i32.shr_u (i32.add (i32.add (i32.mul (local.get $this) (i32.const 3)) (i32.add (i32.mul (i32.load8_u (i32.add (local.get $near) (i32.const 1))) (i32.const 3)) (i32.load8_u (i32.add (local.get $far) (i32.const 1))))) (i32.const 7)) (i32.const 4)))
    (local.set $j (i32.const 1))
    ;; inner columns, eight at a time
    (block $done (loop $wide
      (br_if $done (i32.gt_s (i32.add (local.get $j) (i32.const 8)) (i32.sub (local.get $cw) (i32.const 1))))
      (local.set $sl (i16x8.add (i16x8.mul (i16x8.extend_low_i8x16_u (v128.load64_zero (i32.sub (i32.add (local.get $near) (local.get $j)) (i32.const 1)))) (v128.const i16x8 3 3 3 3 3 3 3 3))
        (i16x8.extend_low_i8x16_u (v128.load64_zero (i32.sub (i32.add (local.get $far) (local.get $j)) (i32.const 1))))))
      (local.set $sc (i16x8.add (i16x8.mul (i16x8.extend_low_i8x16_u (v128.load64_zero (i32.add (local.get $near) (local.get $j)))) (v128.const i16x8 3 3 3 3 3 3 3 3))
        (i16x8.extend_low_i8x16_u (v128.load64_zero (i32.add (local.get $far) (local.get $j))))))
      (local.set $sr (i16x8.add (i16x8.mul (i16x8.extend_low_i8x16_u (v128.load64_zero (i32.add (i32.add (local.get $near) (local.get $j)) (i32.const 1)))) (v128.const i16x8 3 3 3 3 3 3 3 3))
        (i16x8.extend_low_i8x16_u (v128.load64_zero (i32.add (i32.add (local.get $far) (local.get $j)) (i32.const 1))))))
      (local.set $sc (i16x8.mul (local.get $sc) (v128.const i16x8 3 3 3 3 3 3 3 3)))
      (local.set $e (i16x8.shr_u (i16x8.add (i16x8.add (local.get $sc) (local.get $sl)) (v128.const i16x8 8 8 8 8 8 8 8 8)) (i32.const 4)))
      (local.set $o (i16x8.shr_u (i16x8.add (i16x8.add (local.get $sc) (local.get $sr)) (v128.const i16x8 7 7 7 7 7 7 7 7)) (i32.const 4)))
      (v128.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 1)))
        (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23
          (i8x16.narrow_i16x8_u (local.get $e) (local.get $e)) (i8x16.narrow_i16x8_u (local.get $o) (local.get $o))))
      (local.set $j (i32.add (local.get $j) (i32.const 8)))
      (br $wide)))
    ;; the rest of the inner columns
    (block $done (loop $mid
      (br_if $done (i32.ge_s (local.get $j) (i32.sub (local.get $cw) (i32.const 1))))
      (local.set $this (i32.mul (i32.add (i32.mul (i32.load8_u (i32.add (local.get $near) (local.get $j))) (i32.const 3)) (i32.load8_u (i32.add (local.get $far) (local.get $j)))) (i32.const 3)))
      (i32.store8 (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 1)))
        (i32.shr_u (i32.add (i32.add (local.get $this) (i32.add (i32.mul (i32.load8_u (i32.add (local.get $near) (i32.sub (local.get $j) (i32.const 1)))) (i32.const 3)) (i32.load8_u (i32.add (local.get $far) (i32.sub (local.get $j) (i32.const 1)))))) (i32.const 8)) (i32.const 4)))
      (i32.store8 offset=1 (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 1)))
        (i32.shr_u (i32.add (i32.add (local.get $this) (i32.add (i32.mul (i32.load8_u (i32.add (local.get $near) (i32.add (local.get $j) (i32.const 1)))) (i32.const 3)) (i32.load8_u (i32.add (local.get $far) (i32.add (local.get $j) (i32.const 1)))))) (i32.const 7)) (i32.const 4)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $mid)))
    ;; last column
    (local.set $this (i32.add (i32.mul (i32.load8_u (i32.add (local.get $near) (local.get $j))) (i32.const 3)) (i32.load8_u (i32.add (local.get $far) (local.get $j)))))
    (i32.store8 (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 1)))
      (i32.shr_u (i32.add (i32.add (i32.mul (local.get $this) (i32.const 3)) (i32.add (i32.mul (i32.load8_u (i32.add (local.get $near) (i32.sub (local.get $j) (i32.const 1)))) (i32.const 3)) (i32.load8_u (i32.add (local.get $far) (i32.sub (local.get $j) (i32.const 1)))))) (i32.const 8)) (i32.const 4)))
    (i32.store8 offset=1 (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 1)))
      (i32.shr_u (i32.add (i32.shl (local.get $this) (i32.const 2)) (i32.const 7)) (i32.const 4))))

  ;; Four YCbCr samples (u8 in the low lanes of i32x4) to R, G, B (i32x4 each, 0-255), then to
  ;; luma (f32) and grey (u8) stored at $luma and $grey.
  (func $ycc4 (param $y v128) (param $cb v128) (param $cr v128) (param $luma i32) (param $grey i32)
    (local $r v128) (local $g v128) (local $b v128) (local $lo v128) (local $hi v128) (local $k v128)
    (local.set $cb (i32x4.sub (local.get $cb) (v128.const i32x4 128 128 128 128)))
    (local.set $cr (i32x4.sub (local.get $cr) (v128.const i32x4 128 128 128 128)))
    (local.set $r (i32x4.add (local.get $y)
      (i32x4.shr_s (i32x4.add (i32x4.mul (local.get $cr) (v128.const i32x4 91881 91881 91881 91881))
        (v128.const i32x4 32768 32768 32768 32768)) (i32.const 16))))
    (local.set $b (i32x4.add (local.get $y)
      (i32x4.shr_s (i32x4.add (i32x4.mul (local.get $cb) (v128.const i32x4 116130 116130 116130 116130))
        (v128.const i32x4 32768 32768 32768 32768)) (i32.const 16))))
    (local.set $g (i32x4.add (local.get $y)
      (i32x4.shr_s
        (i32x4.add
          (i32x4.add
            (i32x4.mul (local.get $cr) (v128.const i32x4 -46802 -46802 -46802 -46802))
            (i32x4.mul (local.get $cb) (v128.const i32x4 -22554 -22554 -22554 -22554)))
          (v128.const i32x4 32768 32768 32768 32768))
        (i32.const 16))))
    (local.set $r (i32x4.min_s (i32x4.max_s (local.get $r) (v128.const i32x4 0 0 0 0)) (v128.const i32x4 255 255 255 255)))
    (local.set $g (i32x4.min_s (i32x4.max_s (local.get $g) (v128.const i32x4 0 0 0 0)) (v128.const i32x4 255 255 255 255)))
    (local.set $b (i32x4.min_s (i32x4.max_s (local.get $b) (v128.const i32x4 0 0 0 0)) (v128.const i32x4 255 255 255 255)))
    ;; grey, as planes_rgba
    (local.set $k
      (i32x4.shr_u
        (i32x4.add
          (i32x4.add
            (i32x4.mul (local.get $r) (v128.const i32x4 19595 19595 19595 19595))
            (i32x4.mul (local.get $g) (v128.const i32x4 38470 38470 38470 38470)))
          (i32x4.add
            (i32x4.mul (local.get $b) (v128.const i32x4 7471 7471 7471 7471))
            (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)))
        (i32.const 16)))
    (v128.store32_lane 0 (local.get $grey) (i8x16.shuffle 0 4 8 12 0 0 0 0 0 0 0 0 0 0 0 0 (local.get $k) (local.get $k)))
    ;; luma, as planes_rgba
    (local.set $lo
      (f32x4.demote_f64x2_zero
        (f64x2.add
          (f64x2.add
            (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $r)) (v128.const f64x2 0.299 0.299))
            (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $g)) (v128.const f64x2 0.587 0.587)))
          (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $b)) (v128.const f64x2 0.114 0.114)))))
    (local.set $r (i8x16.shuffle 8 9 10 11 12 13 14 15 0 0 0 0 0 0 0 0 (local.get $r) (local.get $r)))
    (local.set $g (i8x16.shuffle 8 9 10 11 12 13 14 15 0 0 0 0 0 0 0 0 (local.get $g) (local.get $g)))
    (local.set $b (i8x16.shuffle 8 9 10 11 12 13 14 15 0 0 0 0 0 0 0 0 (local.get $b) (local.get $b)))
    (local.set $hi
      (f32x4.demote_f64x2_zero
        (f64x2.add
          (f64x2.add
            (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $r)) (v128.const f64x2 0.299 0.299))
            (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $g)) (v128.const f64x2 0.587 0.587)))
          (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $b)) (v128.const f64x2 0.114 0.114)))))
    (v128.store (local.get $luma) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi))))

  ;; u8 x4 at $p as i32x4 (reads 4 bytes).
  (func $u8x4 (param $p i32) (result v128)
    (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (local.get $p)))))

  ;; luma and grey of a width x height JPEG from its Y, Cb, Cr planes. $mode: 0 = 4:4:4, 1 = 4:2:2,
  ;; 2 = 4:2:0. $ystride and $cstride are the planes' row strides; $cw, $ch the chroma plane's size.
  ;; $tmp: scratch of 2 * (width + 32) + 64 bytes. Outputs as planes_rgba.
  (func (export "planes_yuv") (param $yp i32) (param $ystride i32) (param $cbp i32) (param $crp i32) (param $cstride i32)
    (param $cw i32) (param $ch i32) (param $width i32) (param $height i32) (param $mode i32) (param $tmp i32)
    (param $luma i32) (param $grey i32)
    (local $row i32) (local $x i32) (local $yrow i32) (local $cbrow i32) (local $crrow i32) (local $cy i32) (local $far i32)
    (local $lrow i32) (local $grow i32) (local $tcb i32) (local $tcr i32) (local $q i32)
    (local $vy v128) (local $vcb v128) (local $vcr v128) (local $r v128) (local $g v128) (local $b v128)
    (local $lo v128) (local $hi v128) (local $k v128)
    (local.set $tcb (local.get $tmp))
    (local.set $tcr (i32.add (local.get $tmp) (i32.add (local.get $width) (i32.const 32))))
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_s (local.get $row) (local.get $height)))
      (local.set $yrow (i32.add (local.get $yp) (i32.mul (local.get $row) (local.get $ystride))))
      (if (i32.eqz (local.get $mode))
        (then
          (local.set $cbrow (i32.add (local.get $cbp) (i32.mul (local.get $row) (local.get $cstride))))
          (local.set $crrow (i32.add (local.get $crp) (i32.mul (local.get $row) (local.get $cstride)))))
        (else
          (if (i32.eq (local.get $mode) (i32.const 1))
            (then
              (local.set $cy (local.get $row))
              (local.set $far (local.get $row)))
            (else
              (local.set $cy (i32.shr_u (local.get $row) (i32.const 1)))
              (local.set $far
                (if (result i32) (i32.and (local.get $row) (i32.const 1))
                  (then (call $min (i32.add (local.get $cy) (i32.const 1)) (i32.sub (local.get $ch) (i32.const 1))))
                  (else (select (i32.sub (local.get $cy) (i32.const 1)) (i32.const 0) (i32.gt_s (local.get $cy) (i32.const 0))))))))
          (call $upsample_row (local.get $mode)
            (i32.add (local.get $cbp) (i32.mul (local.get $cy) (local.get $cstride)))
            (i32.add (local.get $cbp) (i32.mul (local.get $far) (local.get $cstride)))
            (local.get $cw) (local.get $tcb))
          (call $upsample_row (local.get $mode)
            (i32.add (local.get $crp) (i32.mul (local.get $cy) (local.get $cstride)))
            (i32.add (local.get $crp) (i32.mul (local.get $far) (local.get $cstride)))
            (local.get $cw) (local.get $tcr))
          (local.set $cbrow (local.get $tcb))
          (local.set $crrow (local.get $tcr))))
      (local.set $lrow (i32.add (local.get $luma) (i32.shl (i32.mul (local.get $row) (local.get $width)) (i32.const 2))))
      (local.set $grow (i32.add (local.get $grey) (i32.mul (local.get $row) (local.get $width))))
      (local.set $x (i32.const 0))
      (block $xdone (loop $xs
        (br_if $xdone (i32.gt_s (i32.add (local.get $x) (i32.const 4)) (local.get $width)))
        ;; (the body of $ycc4, written out here so the hot loop makes no calls)
        (local.set $vy (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $yrow) (local.get $x))))))
        (local.set $vcb (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $cbrow) (local.get $x))))))
        (local.set $vcr (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $crrow) (local.get $x))))))
        (local.set $vcb (i32x4.sub (local.get $vcb) (v128.const i32x4 128 128 128 128)))
        (local.set $vcr (i32x4.sub (local.get $vcr) (v128.const i32x4 128 128 128 128)))
        (local.set $r (i32x4.add (local.get $vy)
          (i32x4.shr_s (i32x4.add (i32x4.mul (local.get $vcr) (v128.const i32x4 91881 91881 91881 91881))
            (v128.const i32x4 32768 32768 32768 32768)) (i32.const 16))))
        (local.set $b (i32x4.add (local.get $vy)
          (i32x4.shr_s (i32x4.add (i32x4.mul (local.get $vcb) (v128.const i32x4 116130 116130 116130 116130))
            (v128.const i32x4 32768 32768 32768 32768)) (i32.const 16))))
        (local.set $g (i32x4.add (local.get $vy)
          (i32x4.shr_s
            (i32x4.add
              (i32x4.add
                (i32x4.mul (local.get $vcr) (v128.const i32x4 -46802 -46802 -46802 -46802))
                (i32x4.mul (local.get $vcb) (v128.const i32x4 -22554 -22554 -22554 -22554)))
              (v128.const i32x4 32768 32768 32768 32768))
            (i32.const 16))))
        (local.set $r (i32x4.min_s (i32x4.max_s (local.get $r) (v128.const i32x4 0 0 0 0)) (v128.const i32x4 255 255 255 255)))
        (local.set $g (i32x4.min_s (i32x4.max_s (local.get $g) (v128.const i32x4 0 0 0 0)) (v128.const i32x4 255 255 255 255)))
        (local.set $b (i32x4.min_s (i32x4.max_s (local.get $b) (v128.const i32x4 0 0 0 0)) (v128.const i32x4 255 255 255 255)))
        ;; grey, as planes_rgba
        (local.set $k
          (i32x4.shr_u
            (i32x4.add
              (i32x4.add
                (i32x4.mul (local.get $r) (v128.const i32x4 19595 19595 19595 19595))
                (i32x4.mul (local.get $g) (v128.const i32x4 38470 38470 38470 38470)))
              (i32x4.add
                (i32x4.mul (local.get $b) (v128.const i32x4 7471 7471 7471 7471))
                (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)))
            (i32.const 16)))
        (v128.store32_lane 0 (i32.add (local.get $grow) (local.get $x)) (i8x16.shuffle 0 4 8 12 0 0 0 0 0 0 0 0 0 0 0 0 (local.get $k) (local.get $k)))
        ;; luma, as planes_rgba
        (local.set $lo
          (f32x4.demote_f64x2_zero
            (f64x2.add
              (f64x2.add
                (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $r)) (v128.const f64x2 0.299 0.299))
                (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $g)) (v128.const f64x2 0.587 0.587)))
              (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $b)) (v128.const f64x2 0.114 0.114)))))
        (local.set $r (i8x16.shuffle 8 9 10 11 12 13 14 15 0 0 0 0 0 0 0 0 (local.get $r) (local.get $r)))
        (local.set $g (i8x16.shuffle 8 9 10 11 12 13 14 15 0 0 0 0 0 0 0 0 (local.get $g) (local.get $g)))
        (local.set $b (i8x16.shuffle 8 9 10 11 12 13 14 15 0 0 0 0 0 0 0 0 (local.get $b) (local.get $b)))
        (local.set $hi
          (f32x4.demote_f64x2_zero
            (f64x2.add
              (f64x2.add
                (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $r)) (v128.const f64x2 0.299 0.299))
                (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $g)) (v128.const f64x2 0.587 0.587)))
              (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $b)) (v128.const f64x2 0.114 0.114)))))
        (v128.store (i32.add (local.get $lrow) (i32.shl (local.get $x) (i32.const 2))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $xs)))
      ;; the last 1-3 pixels of the row: through the same four-lane code, into the scratch, then copied
      (if (i32.lt_s (local.get $x) (local.get $width))
        (then
          (memory.fill (i32.add (local.get $tmp) (i32.shl (i32.add (local.get $width) (i32.const 32)) (i32.const 1))) (i32.const 0) (i32.const 12))
          (memory.copy (i32.add (local.get $tmp) (i32.shl (i32.add (local.get $width) (i32.const 32)) (i32.const 1)))
            (i32.add (local.get $yrow) (local.get $x)) (i32.sub (local.get $width) (local.get $x)))
          (memory.copy (i32.add (i32.add (local.get $tmp) (i32.shl (i32.add (local.get $width) (i32.const 32)) (i32.const 1))) (i32.const 4))
            (i32.add (local.get $cbrow) (local.get $x)) (i32.sub (local.get $width) (local.get $x)))
          (memory.copy (i32.add (i32.add (local.get $tmp) (i32.shl (i32.add (local.get $width) (i32.const 32)) (i32.const 1))) (i32.const 8))
            (i32.add (local.get $crrow) (local.get $x)) (i32.sub (local.get $width) (local.get $x)))
          (local.set $q (i32.add (local.get $tmp) (i32.shl (i32.add (local.get $width) (i32.const 32)) (i32.const 1))))
          (call $ycc4
            (call $u8x4 (local.get $q))
            (call $u8x4 (i32.add (local.get $q) (i32.const 4)))
            (call $u8x4 (i32.add (local.get $q) (i32.const 8)))
            (i32.add (local.get $q) (i32.const 16))
            (i32.add (local.get $q) (i32.const 32)))
          (memory.copy (i32.add (local.get $lrow) (i32.shl (local.get $x) (i32.const 2)))
            (i32.add (local.get $q) (i32.const 16)) (i32.shl (i32.sub (local.get $width) (local.get $x)) (i32.const 2)))
          (memory.copy (i32.add (local.get $grow) (local.get $x))
            (i32.add (local.get $q) (i32.const 32)) (i32.sub (local.get $width) (local.get $x)))))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $rows)))
  )

  ;; ---- orientation: the luma plane as a viewer shows it (pixels.js orientLuma) ----
  ;;
  ;; dst (out_rows x out_cols f32) pixel (r, c) = src[base + r * down + c * across], in 64 x 64 tiles
  ;; so that turned orientations read the source a cache line at a time.
  (func (export "orient") (param $src i32) (param $dst i32) (param $out_rows i32) (param $out_cols i32)
    (param $base i32) (param $down i32) (param $across i32)
    (local $r0 i32) (local $c0 i32) (local $r1 i32) (local $c1 i32) (local $r i32) (local $c i32)
    (local $from i32) (local $to i32) (local $step i32)
    (local.set $step (i32.shl (local.get $across) (i32.const 2)))
    (block $rdone (loop $rtiles
      (br_if $rdone (i32.ge_s (local.get $r0) (local.get $out_rows)))
      (local.set $r1 (call $min (i32.add (local.get $r0) (i32.const 64)) (local.get $out_rows)))
      (local.set $c0 (i32.const 0))
      (block $cdone (loop $ctiles
        (br_if $cdone (i32.ge_s (local.get $c0) (local.get $out_cols)))
        (local.set $c1 (call $min (i32.add (local.get $c0) (i32.const 64)) (local.get $out_cols)))
        (local.set $r (local.get $r0))
        (block $done (loop $rows
          (br_if $done (i32.ge_s (local.get $r) (local.get $r1)))
          (local.set $from (i32.add (local.get $src) (i32.shl
            (i32.add (local.get $base) (i32.add (i32.mul (local.get $r) (local.get $down)) (i32.mul (local.get $c0) (local.get $across))))
            (i32.const 2))))
          (local.set $to (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $out_cols)) (local.get $c0)) (i32.const 2))))
          (local.set $c (local.get $c0))
          (block $cols_done (loop $cols
            (br_if $cols_done (i32.ge_s (local.get $c) (local.get $c1)))
            (f32.store (local.get $to) (f32.load (local.get $from)))
            (local.set $from (i32.add (local.get $from) (local.get $step)))
            (local.set $to (i32.add (local.get $to) (i32.const 4)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $cols)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $rows)))
        (local.set $c0 (i32.add (local.get $c0) (i32.const 64)))
        (br $ctiles)))
      (local.set $r0 (i32.add (local.get $r0) (i32.const 64)))
      (br $rtiles))))
)
