  (func $k4_flatten_gemm
    (local $dim_batch i32)
    (local $buf8 i32)
    (local $buf6 i32)
    (local $buf14 i32)
    (local $buf7 i32)
    (local $buf15 i32)
    (local.set $dim_batch (i32.load (i32.const 0)))
    (local.set $buf8 (i32.load (i32.const 48)))
    (local.set $buf6 (i32.load (i32.const 40)))
    (local.set $buf14 (i32.load (i32.const 72)))
    (local.set $buf7 (i32.load (i32.const 44)))
    (local.set $buf15 (i32.load (i32.const 76)))
    ;; flatten: copy
    (memory.copy (local.get $buf8) (local.get $buf6) (i32.mul (i32.mul (local.get $dim_batch) (i32.const 16)) (i32.const 4)))
    ;; gemm (tuned kernel gemm_mr4_nr8_kc256_nc512_bias_row) rows x 10, K=16
    (call $gemm_mr4_nr8_kc256_nc512_bias_row (local.get $buf8) (i32.const 16) (local.get $buf14) (local.get $buf7) (i32.const 10) (local.get $buf15) (local.get $dim_batch) (i32.const 10) (i32.const 16) (i32.const 0))
  )
