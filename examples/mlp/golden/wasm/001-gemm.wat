  (func $k1_gemm
    (local $dim_batch i32)
    (local $buf7 i32)
    (local $buf1 i32)
    (local $buf3 i32)
    (local $buf8 i32)
    (local.set $dim_batch (i32.load (i32.const 0)))
    (local.set $buf7 (i32.load (i32.const 44)))
    (local.set $buf1 (i32.load (i32.const 20)))
    (local.set $buf3 (i32.load (i32.const 28)))
    (local.set $buf8 (i32.load (i32.const 48)))
    ;; gemm (tuned kernel gemm_mr4_nr8_kc256_nc512_bias_row) rows x 10, K=32
    (call $gemm_mr4_nr8_kc256_nc512_bias_row (local.get $buf1) (i32.const 32) (local.get $buf7) (local.get $buf3) (i32.const 10) (local.get $buf8) (local.get $dim_batch) (i32.const 10) (i32.const 32) (i32.const 0))
  )
