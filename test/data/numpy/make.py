# Writes the reference .npy files of test/data/npy.test.ts with numpy itself (an independent writer);
# run `python3 make.py` here to regenerate. The tests rebuild the same arrays from these formulas.
import numpy as np

k = np.arange(24)
np.save('u8-2x3x4.npy', (k * 10).astype(np.uint8).reshape(2, 3, 4))
f = ((np.arange(2 * 3 * 2 * 2) - 5) / 4).astype(np.float32).reshape(2, 3, 2, 2)
np.save('f32-2x3x2x2.npy', f)
with open('f32-2x3x2x2-v2.npy', 'wb') as fh:
    np.lib.format.write_array(fh, f, version=(2, 0))
np.save('i64-labels.npy', np.array([3, 0, 7], dtype=np.int64))
np.save('u8-labels-keras.npy', np.array([[1], [2]], dtype=np.uint8))
np.save('f32-fortran.npy', np.asfortranarray(f[0]))
np.save('f32-big-endian.npy', f.astype('>f4'))
np.save('f64-images.npy', f.astype(np.float64))
np.save('f32-labels.npy', np.array([1.0, 2.0], dtype=np.float32))
