# Writes the NumPy fixtures of the package's tests (run with NumPy 1.24 to reproduce):
# x[i, j] = 10 i + j + 0.5 (5×3), labels = [3, 1, 4, 1, 5], y = labels / 2.
import numpy as np

x = np.array([[10 * i + j + 0.5 for j in range(3)] for i in range(5)])
labels = np.array([3, 1, 4, 1, 5], dtype=np.int64)
y = labels / 2
np.save("x_f8.npy", x)
np.save("x_f4_fortran.npy", np.asfortranarray(x.astype(np.float32)))
np.save("x_be_f8.npy", x.astype(">f8"))
np.save("labels_i8.npy", labels)
np.save("labels_u1.npy", labels.astype(np.uint8))
np.save("y_f8.npy", y)
np.savez("savez.npz", x=x, y=labels)
np.savez_compressed("savez_compressed.npz", X=x.astype(np.float32), Y=y)
np.save("x_3d.npy", x.reshape(5, 3, 1))
np.save("x_bool.npy", x > 20)
