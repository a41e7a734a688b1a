  (func $k1_max_pool
    (local $m_0 f32)
    (local $ih_1 i32)
    (local $iw_2 i32)
    (local $dim_batch i32)
    (local $p_3 i32)
    (local $end_4 i32)
    (local $oh_5 i32)
    (local $ow_6 i32)
    (local $buf1 i32)
    (local $buf3 i32)
    (local.set $dim_batch (i32.load (i32.const 0)))
    (local.set $buf1 (i32.load (i32.const 20)))
    (local.set $buf3 (i32.load (i32.const 28)))
    ;; max_pool batchx8x12x12 -> batchx8x6x6
    (local.set $end_4 (i32.mul (local.get $dim_batch) (i32.const 8)))
    (local.set $p_3 (i32.const 0))
    (block $exit0 (loop $next0
      (br_if $exit0 (i32.gt_s (i32.add (local.get $p_3) (i32.const 1)) (local.get $end_4)))
      (local.set $oh_5 (i32.const 0))
      (block $exit1 (loop $next1
        (br_if $exit1 (i32.gt_s (i32.add (local.get $oh_5) (i32.const 1)) (i32.const 6)))
        (local.set $ow_6 (i32.const 0))
        (block $exit2 (loop $next2
          (br_if $exit2 (i32.gt_s (i32.add (local.get $ow_6) (i32.const 1)) (i32.const 6)))
          (local.set $m_0 (f32.const -inf))
          (local.set $ih_1 (i32.mul (local.get $oh_5) (i32.const 2)))
          (if (i32.lt_u (local.get $ih_1) (i32.const 12)) (then
            (local.set $iw_2 (i32.mul (local.get $ow_6) (i32.const 2)))
            (if (i32.lt_u (local.get $iw_2) (i32.const 12)) (then
              (local.set $m_0 (f32.max (local.get $m_0) (f32.load (i32.add (i32.add (local.get $buf1) (i32.mul (i32.mul (local.get $p_3) (i32.const 144)) (i32.const 4))) (i32.mul (i32.add (i32.mul (local.get $ih_1) (i32.const 12)) (local.get $iw_2)) (i32.const 4))))))
            ))
            (local.set $iw_2 (i32.add (i32.mul (local.get $ow_6) (i32.const 2)) (i32.const 1)))
            (if (i32.lt_u (local.get $iw_2) (i32.const 12)) (then
              (local.set $m_0 (f32.max (local.get $m_0) (f32.load (i32.add (i32.add (local.get $buf1) (i32.mul (i32.mul (local.get $p_3) (i32.const 144)) (i32.const 4))) (i32.mul (i32.add (i32.mul (local.get $ih_1) (i32.const 12)) (local.get $iw_2)) (i32.const 4))))))
            ))
          ))
          (local.set $ih_1 (i32.add (i32.mul (local.get $oh_5) (i32.const 2)) (i32.const 1)))
          (if (i32.lt_u (local.get $ih_1) (i32.const 12)) (then
            (local.set $iw_2 (i32.mul (local.get $ow_6) (i32.const 2)))
            (if (i32.lt_u (local.get $iw_2) (i32.const 12)) (then
              (local.set $m_0 (f32.max (local.get $m_0) (f32.load (i32.add (i32.add (local.get $buf1) (i32.mul (i32.mul (local.get $p_3) (i32.const 144)) (i32.const 4))) (i32.mul (i32.add (i32.mul (local.get $ih_1) (i32.const 12)) (local.get $iw_2)) (i32.const 4))))))
            ))
            (local.set $iw_2 (i32.add (i32.mul (local.get $ow_6) (i32.const 2)) (i32.const 1)))
            (if (i32.lt_u (local.get $iw_2) (i32.const 12)) (then
              (local.set $m_0 (f32.max (local.get $m_0) (f32.load (i32.add (i32.add (local.get $buf1) (i32.mul (i32.mul (local.get $p_3) (i32.const 144)) (i32.const 4))) (i32.mul (i32.add (i32.mul (local.get $ih_1) (i32.const 12)) (local.get $iw_2)) (i32.const 4))))))
            ))
          ))
          (f32.store (i32.add (local.get $buf3) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $p_3) (i32.const 6)) (local.get $oh_5)) (i32.const 6)) (local.get $ow_6)) (i32.const 4))) (local.get $m_0))
          (local.set $ow_6 (i32.add (local.get $ow_6) (i32.const 1)))
          (br $next2)
        ))
        (local.set $oh_5 (i32.add (local.get $oh_5) (i32.const 1)))
        (br $next1)
      ))
      (local.set $p_3 (i32.add (local.get $p_3) (i32.const 1)))
      (br $next0)
    ))
  )
