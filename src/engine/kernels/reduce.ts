// Column sums of a matrix as a matrix product. A reduction over the first axis of a (N, C) tensor is
// slow in TensorFlow.js (the wasm and cpu backends first transpose the reduced axis innermost), where
// ones(1, N) · dy runs as one matMul. Bias and LayerNorm gradients reduce this way.
//
// A wasm pitfall this must respect: the wasm backend caches its XNNPACK matMul operator under the id of
// the second operand's data, whatever its shape (tfjs-backend-wasm batch_mat_mul_impl.cc), and tf.reshape
// keeps the id. So a tensor must never be the second operand of matMuls in two different 2-D shapes:
// the second would silently reuse the first's operator. sumRows therefore takes 2-D tensors as they are
// and never reshapes; sums over other axes use tf.sum.

import * as tf from '@tensorflow/tfjs-core';

/** Σ over the rows of x (N, C) → (C). */
export function sumRows(x: tf.Tensor2D): tf.Tensor1D {
  const [n, c] = x.shape;
  return tf.reshape(tf.matMul(tf.ones([1, n]) as tf.Tensor2D, x), [c]) as tf.Tensor1D; // (1, N) · (N, C)
}
