#!/usr/bin/env python3
"""scikit-learn peer for the online-EM benchmarks.

Fit mode (batch EM with sklearn.mixture.GaussianMixture):

    sklearn_gmm.py --train TRAIN.ndjson --test TEST.ndjson --components K \
        --covariance full|diag|spherical|tied [--n-init 5] [--max-iter 500] \
        [--tol 1e-4] [--reg-covar 1e-6] [--seed 0] [--threads 1] \
        [--init kmeans|k-means++|random] [--missing drop|error]

Score-only mode (cross-check of a given mixture's held-out log-likelihood):

    sklearn_gmm.py --score-only --params PARAMS.json --test TEST.ndjson

Input files are NDJSON: one point per line, a JSON array of numbers; `null`
(or NaN) marks a missing coordinate. sklearn cannot handle missing values, so
rows with any missing coordinate are dropped and counted (--missing drop, the
default) or rejected (--missing error).

Output: exactly one JSON object on stdout (non-finite numbers become null).
Diagnostics go to stderr; a non-zero exit status means failure.

Threads: BLAS/OpenMP pools are limited to --threads (default 1) by setting
OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS / ... before numpy
is imported, so that the comparison is one thread against one thread.
--threads 0 leaves the environment untouched (library defaults).
"""

import time

_T0 = time.perf_counter()  # process-work clock starts before any heavy import

import argparse
import json
import os
import sys

_THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


class PeerError(Exception):
    pass


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="sklearn_gmm.py",
        description="scikit-learn GaussianMixture peer for the online-EM benchmarks "
        "(one JSON object on stdout).",
    )
    p.add_argument("--train", help="training NDJSON file (fit mode)")
    p.add_argument("--test", required=True, help="held-out NDJSON file")
    p.add_argument("--components", "-k", type=int, help="number of mixture components K (fit mode)")
    p.add_argument("--covariance", choices=("full", "diag", "spherical", "tied"), default=None,
                   help="sklearn covariance_type (fit mode)")
    p.add_argument("--n-init", type=int, default=5, help="number of EM restarts, best kept (default 5)")
    p.add_argument("--max-iter", type=int, default=500, help="EM iterations per restart (default 500)")
    p.add_argument("--tol", type=float, default=1e-4,
                   help="convergence threshold on the mean log-likelihood lower bound (default 1e-4)")
    p.add_argument("--reg-covar", type=float, default=1e-6,
                   help="non-negative regularisation added to covariance diagonals (default 1e-6)")
    p.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    p.add_argument("--init", choices=("kmeans", "k-means++", "random", "random_from_data"),
                   default="kmeans", help="sklearn init_params (default kmeans, sklearn's default)")
    p.add_argument("--threads", type=int, default=1,
                   help="BLAS/OpenMP threads (default 1; 0 = don't touch the environment)")
    p.add_argument("--missing", choices=("drop", "error"), default="drop",
                   help="rows with a null/NaN coordinate: drop and count them (default) or fail")
    p.add_argument("--score-only", action="store_true",
                   help="score the mixture in --params on --test instead of fitting")
    p.add_argument("--params", help="JSON with weights [K], means [K][d], covariances [K][d][d] "
                   "(score-only mode; the fit-mode output is accepted as is)")
    a = p.parse_args(argv)
    if a.score_only:
        if not a.params:
            p.error("--score-only needs --params PARAMS.json")
    else:
        missing = [n for n, v in (("--train", a.train), ("--components", a.components),
                                  ("--covariance", a.covariance)) if v is None]
        if missing:
            p.error("fit mode needs " + ", ".join(missing) + " (or use --score-only --params)")
        if a.components < 1:
            p.error("--components must be >= 1")
        if a.n_init < 1 or a.max_iter < 1:
            p.error("--n-init and --max-iter must be >= 1")
        if a.reg_covar < 0 or a.tol < 0:
            p.error("--reg-covar and --tol must be >= 0")
    if a.threads < 0:
        p.error("--threads must be >= 0")
    return a


def limit_threads(n):
    if n > 0:
        for var in _THREAD_ENV_VARS:
            os.environ[var] = str(n)


# --------------------------------------------------------------------------- I/O

def read_ndjson_points(path, np, missing):
    """Return (X float64 [n, d] without missing rows, n_dropped)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise PeerError(f"cannot read {path}: {e.strerror}") from None
    text = raw.decode("utf-8").strip()
    if not text:
        raise PeerError(f"{path}: no points")
    try:
        # Fast path: one C-level json.loads over the whole file.
        rows = json.loads("[" + text.replace("\n", ",") + "]")
    except json.JSONDecodeError:
        # Slow path tolerates blank lines and pinpoints the bad line.
        rows = []
        for lineno, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise PeerError(f"{path}:{lineno}: invalid JSON: {e.msg}") from None
    if not isinstance(rows[0], list):
        raise PeerError(f"{path}:1: each line must be a JSON array of numbers")
    d = len(rows[0])
    if d == 0:
        raise PeerError(f"{path}:1: empty point")
    try:
        # None -> nan with dtype=float.
        X = np.array(rows, dtype=np.float64)
    except (ValueError, TypeError):
        for i, r in enumerate(rows, 1):
            if not isinstance(r, list) or len(r) != d:
                raise PeerError(f"{path}: point {i} is not an array of {d} numbers") from None
            for v in r:
                if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                    raise PeerError(f"{path}: point {i} has a non-numeric coordinate {v!r}") from None
        raise
    if X.ndim != 2 or X.shape[1] != d:
        raise PeerError(f"{path}: points must all be arrays of {d} numbers")
    if np.isinf(X).any():
        i = int(np.flatnonzero(np.isinf(X).any(axis=1))[0]) + 1
        raise PeerError(f"{path}: point {i} has an infinite coordinate")
    bad = np.isnan(X).any(axis=1)
    n_bad = int(bad.sum())
    if n_bad:
        if missing == "error":
            raise PeerError(f"{path}: {n_bad} point(s) have missing coordinates (--missing error)")
        X = X[~bad]
    return X, n_bad


def finite_or_none(obj):
    """Recursively turn non-finite floats into None so the output is strict JSON."""
    if isinstance(obj, float):
        return obj if obj == obj and obj not in (float("inf"), float("-inf")) else None
    if isinstance(obj, list):
        return [finite_or_none(v) for v in obj]
    if isinstance(obj, dict):
        return {k: finite_or_none(v) for k, v in obj.items()}
    return obj


def emit(obj):
    sys.stdout.write(json.dumps(finite_or_none(obj), allow_nan=False) + "\n")
    sys.stdout.flush()


# --------------------------------------------------------------------------- helpers

def full_covariances(gm, np):
    """sklearn's covariances_ expanded to K x d x d whatever the covariance_type."""
    k, d = gm.means_.shape
    c = gm.covariances_
    t = gm.covariance_type
    if t == "full":
        return np.asarray(c)
    if t == "tied":
        return np.broadcast_to(c, (k, d, d)).copy()
    if t == "diag":
        out = np.zeros((k, d, d))
        idx = np.arange(d)
        out[:, idx, idx] = c
        return out
    if t == "spherical":
        return np.asarray(c)[:, None, None] * np.eye(d)[None, :, :]
    raise PeerError(f"unknown covariance_type {t}")


def precision_cholesky_full(cov, np):
    """Cholesky factor of the precisions (sklearn's convention), K x d x d."""
    try:
        from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky
        return _compute_precision_cholesky(cov, "full")
    except ImportError:  # private API moved: same computation, by hand
        from scipy import linalg
        d = cov.shape[1]
        out = np.empty_like(cov)
        for i, c in enumerate(cov):
            L = linalg.cholesky(c, lower=True)
            out[i] = linalg.solve_triangular(L, np.eye(d), lower=True).T
        return out


def thread_pools():
    try:
        from threadpoolctl import threadpool_info
        return [{"api": p.get("internal_api"), "numThreads": p.get("num_threads")}
                for p in threadpool_info()]
    except Exception:  # informative only
        return None


# --------------------------------------------------------------------------- modes

def run_score_only(a):
    t_imp = time.perf_counter()
    import numpy as np
    import sklearn
    from sklearn.mixture import GaussianMixture
    import_s = time.perf_counter() - t_imp

    try:
        with open(a.params, "r", encoding="utf-8") as f:
            params = json.load(f)
    except OSError as e:
        raise PeerError(f"cannot read {a.params}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise PeerError(f"{a.params}: invalid JSON: {e}") from None
    try:
        w = np.asarray(params["weights"], dtype=np.float64)
        mu = np.asarray(params["means"], dtype=np.float64)
        cov = np.asarray(params["covariances"], dtype=np.float64)
    except KeyError as e:
        raise PeerError(f"{a.params}: missing key {e}") from None
    except (ValueError, TypeError) as e:
        raise PeerError(f"{a.params}: weights/means/covariances must be numeric arrays: {e}") from None
    if w.ndim != 1 or mu.ndim != 2 or cov.ndim != 3:
        raise PeerError(f"{a.params}: expected weights [K], means [K][d], covariances [K][d][d]; "
                        f"got shapes {w.shape}, {mu.shape}, {cov.shape}")
    k, d = mu.shape
    if w.shape[0] != k or cov.shape != (k, d, d):
        raise PeerError(f"{a.params}: inconsistent shapes {w.shape}, {mu.shape}, {cov.shape}")
    if np.any(w < 0) or not np.isfinite(w).all():
        raise PeerError(f"{a.params}: weights must be finite and non-negative")
    wsum = float(w.sum())
    if abs(wsum - 1.0) > 1e-6:
        print(f"sklearn_gmm.py: warning: weights sum to {wsum!r}, renormalising", file=sys.stderr)
    w = w / wsum

    t_load = time.perf_counter()
    X, dropped = read_ndjson_points(a.test, np, a.missing)
    load_s = time.perf_counter() - t_load
    if X.shape[1] != d:
        raise PeerError(f"{a.test}: points have dimension {X.shape[1]}, the mixture has {d}")
    if X.shape[0] == 0:
        raise PeerError(f"{a.test}: every point has a missing coordinate")

    gm = GaussianMixture(n_components=k, covariance_type="full")
    gm.weights_ = w
    gm.means_ = mu
    gm.covariances_ = cov
    try:
        gm.precisions_cholesky_ = precision_cholesky_full(cov, np)
    except (ValueError, np.linalg.LinAlgError) as e:
        raise PeerError(f"{a.params}: a covariance is not positive definite: {e}") from None
    gm.precisions_ = gm.precisions_cholesky_ @ np.transpose(gm.precisions_cholesky_, (0, 2, 1))
    gm.n_features_in_ = d
    gm.converged_ = True
    gm.n_iter_ = 0
    gm.lower_bound_ = float("nan")

    t_score = time.perf_counter()
    ll = float(gm.score(X))
    score_s = time.perf_counter() - t_score
    emit({
        "peer": "sklearn",
        "mode": "score-only",
        "sklearnVersion": sklearn.__version__,
        "numpyVersion": np.__version__,
        "k": k,
        "dim": d,
        "testPoints": int(X.shape[0]),
        "droppedTest": dropped,
        "importSeconds": import_s,
        "loadSeconds": load_s,
        "scoreSeconds": score_s,
        "heldOutMeanLogLik": ll,
    })


def run_fit(a):
    import warnings

    t_imp = time.perf_counter()
    import numpy as np
    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture
    import_s = time.perf_counter() - t_imp

    t_load = time.perf_counter()
    Xtr, drop_tr = read_ndjson_points(a.train, np, a.missing)
    t_mid = time.perf_counter()
    Xte, drop_te = read_ndjson_points(a.test, np, a.missing)
    t_fit = time.perf_counter()
    load_train_s, load_test_s = t_mid - t_load, t_fit - t_mid
    if Xte.shape[1] != Xtr.shape[1]:
        raise PeerError(f"train has dimension {Xtr.shape[1]} but test has {Xte.shape[1]}")
    if Xtr.shape[0] < a.components:
        raise PeerError(f"{Xtr.shape[0]} complete training points < --components {a.components}")
    if Xte.shape[0] == 0:
        raise PeerError(f"{a.test}: every point has a missing coordinate")

    gm = GaussianMixture(
        n_components=a.components,
        covariance_type=a.covariance,
        n_init=a.n_init,
        max_iter=a.max_iter,
        tol=a.tol,
        reg_covar=a.reg_covar,
        init_params=a.init,
        random_state=a.seed,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            gm.fit(Xtr)
        except ValueError as e:
            raise PeerError(f"GaussianMixture.fit failed: {e}") from None
    t_end = time.perf_counter()
    fit_s = t_end - t_fit
    total_s = t_end - _T0
    for w in caught:
        print(f"sklearn_gmm.py: warning: {w.message}", file=sys.stderr)

    t_score = time.perf_counter()
    train_ll = float(gm.score(Xtr))
    test_ll = float(gm.score(Xte))
    score_s = time.perf_counter() - t_score

    emit({
        "peer": "sklearn",
        "sklearnVersion": sklearn.__version__,
        "numpyVersion": np.__version__,
        "k": a.components,
        "dim": int(Xtr.shape[1]),
        "covarianceType": a.covariance,
        "nInit": a.n_init,
        "maxIter": a.max_iter,
        "tol": a.tol,
        "regCovar": a.reg_covar,
        "init": a.init,
        "seed": a.seed,
        "threads": a.threads,
        "threadPools": thread_pools(),
        "trainPoints": int(Xtr.shape[0]),
        "testPoints": int(Xte.shape[0]),
        "droppedTrain": drop_tr,
        "droppedTest": drop_te,
        "importSeconds": import_s,
        "loadSeconds": load_train_s + load_test_s,
        "loadTrainSeconds": load_train_s,
        "loadTestSeconds": load_test_s,
        "fitSeconds": fit_s,
        "totalSeconds": total_s,
        "scoreSeconds": score_s,
        "converged": bool(gm.converged_),
        "nIter": int(gm.n_iter_),
        "lowerBound": float(gm.lower_bound_),
        "trainMeanLogLik": train_ll,
        "heldOutMeanLogLik": test_ll,
        "weights": gm.weights_.tolist(),
        "means": gm.means_.tolist(),
        "covariances": full_covariances(gm, np).tolist(),
    })


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    limit_threads(a.threads)
    try:
        if a.score_only:
            run_score_only(a)
        else:
            run_fit(a)
    except PeerError as e:
        print(f"sklearn_gmm.py: error: {e}", file=sys.stderr)
        return 1
    except MemoryError:
        print("sklearn_gmm.py: error: out of memory", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
