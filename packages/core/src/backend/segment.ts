// Segment sums from a scatter, for backends without UnsortedSegmentSum.
import * as tf from '@tensorflow/tfjs-core';

/**
 * out[s] = Σ_{i: ids[i] = s} x[i], as tf.unsortedSegmentSum (TensorFlow's
 * UnsortedSegmentSum): a scatter-add of the rows of x into numSegments + 1
 * rows, the last one catching the ids outside [0, numSegments), which are
 * dropped. x [...ids.shape, ...rest], ids int32 → [numSegments, ...rest].
 */
export function segmentSumByScatter(
  x: tf.Tensor,
  ids: tf.Tensor,
  numSegments: number,
): tf.Tensor {
  return tf.tidy(() => {
    const rest = x.shape.slice(ids.rank);
    const flat = tf.reshape(ids, [ids.size]);
    const outside = tf.logicalOr(
      tf.less(flat, 0),
      tf.greaterEqual(flat, numSegments),
    );
    const rows = tf.where(outside, tf.scalar(numSegments, 'int32'), flat);
    const updates = tf.reshape(x, [ids.size, ...rest]);
    const shape = [numSegments + 1, ...rest];
    const all = tf.scatterND(tf.expandDims(rows, 1), updates, shape);
    return tf.slice(all, 0, [numSegments, ...rest]);
  });
}
