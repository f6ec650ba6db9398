#!/usr/bin/env python3
"""Synthetic Gaussian-mixture NDJSON data for the sklearn peer (run with the venv python).

    gen_synthetic.py --out-train T.ndjson --out-test H.ndjson --n-train 200000 \
        --n-test 50000 --dim 16 --components 8 [--sep 3] [--missing 0.0] [--seed 0] \
        [--truth truth.json]

Means ~ N(0, sep^2/dim * I), so two means are about sep*sqrt(2) apart whatever the
dimension; covariances are random SPD with eigenvalues of order 1, weights ~ Dirichlet(5).
sep ~3 gives overlapping clusters (EM needs tens of iterations), sep >= 10 well-separated
ones (k-means init is already nearly optimal and EM stops after 2-3 iterations).
--missing F replaces each coordinate by null with probability F.
--truth writes the generating mixture (weights, means, covariances K x d x d), which
sklearn_gmm.py --score-only accepts.
"""
import argparse
import json

import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out-train", required=True)
    p.add_argument("--out-test", required=True)
    p.add_argument("--n-train", type=int, default=20000)
    p.add_argument("--n-test", type=int, default=5000)
    p.add_argument("--dim", type=int, default=2)
    p.add_argument("--components", "-k", type=int, default=3)
    p.add_argument("--sep", type=float, default=3.0)
    p.add_argument("--missing", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--truth")
    a = p.parse_args()

    rng = np.random.default_rng(a.seed)
    d, k = a.dim, a.components
    w = rng.dirichlet(np.full(k, 5.0))
    mu = rng.normal(0.0, a.sep / np.sqrt(d), size=(k, d))
    A = rng.normal(0.0, 1.0, size=(k, d, d)) / np.sqrt(d)
    cov = A @ A.transpose(0, 2, 1) + 0.3 * np.eye(d)
    L = np.linalg.cholesky(cov)
    for path, n in ((a.out_train, a.n_train), (a.out_test, a.n_test)):
        z = rng.choice(k, size=n, p=w)
        X = mu[z] + np.einsum("nij,nj->ni", L[z], rng.standard_normal((n, d)))
        rows = X.tolist()
        if a.missing > 0:
            for i, j in zip(*np.nonzero(rng.random((n, d)) < a.missing)):
                rows[i][j] = None
        with open(path, "w") as f:
            f.write("\n".join(json.dumps(r) for r in rows))
            f.write("\n")
    if a.truth:
        with open(a.truth, "w") as f:
            json.dump({"weights": w.tolist(), "means": mu.tolist(), "covariances": cov.tolist()}, f)


if __name__ == "__main__":
    main()
