"""L2 logistic regression that fits on the distinct texts, not on every row.

The design matrix is ``[text n-grams | signals]`` and many rows carry the same text (a
template sent to thousands; the corpus placed in simulated timelines), so their n-gram
columns are identical. :class:`SharedRowsLogistic` fits the same objective as scikit-learn's
``LogisticRegression(solver="lbfgs")`` (L2 penalty on the weights, unpenalised intercept,
``class_weight="balanced"``), minimised by SciPy's L-BFGS-B as scikit-learn does, but each
product with the matrix goes through the distinct rows of the shared block once:

    X @ w   = (T @ w_T)[codes] + S @ w_S
    X.T @ r = [T.T @ bincount(codes, r), S.T @ r]

``T`` holds one row per code (the shared columns), ``S`` the columns that vary inside a code.
Which columns are shared is checked on the data, never assumed, so any ``row_codes`` (or
none) gives the same model; good codes just make it fast.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

log = logging.getLogger(__name__)


def canonical(X: Any) -> sp.csr_array:
    """``X`` as float64 CSR with sorted indices: each row's products then add up in one order
    (column order), so the same matrix gives the same bits however it was stacked."""
    X = sp.csr_array(X, dtype=np.float64)
    if not X.has_sorted_indices:
        X = X.sorted_indices()
    return X


def split_shared(X: Any, codes: np.ndarray) -> tuple[sp.csr_array, sp.csr_array, np.ndarray, np.ndarray]:
    """``(T, S, shared, codes)``: columns equal in every row of a code, one row per code, and the rest.

    ``shared`` is the boolean column mask of ``T``; ``codes`` are renumbered 0..k-1.
    """
    X = canonical(X)
    p = X.shape[1]
    _, first, codes = np.unique(np.asarray(codes), return_index=True, return_inverse=True)
    codes = codes.ravel()
    diff = X - X[first[codes]]
    diff.eliminate_zeros()
    shared = np.ones(p, dtype=bool)
    shared[np.unique(diff.indices)] = False
    T = sp.csr_array(X[first][:, shared])
    S = sp.csr_array(X[:, ~shared])
    return T, S, shared, codes


class SharedRowsLogistic(ClassifierMixin, BaseEstimator):
    """Binary L2 logistic regression; ``fit(X, y, row_codes=...)`` groups rows that share columns.

    Exposes ``coef_`` (1 x p), ``intercept_`` (1,), ``classes_`` and ``n_iter_`` like
    scikit-learn's linear models, so decision values decompose into per-column contributions.
    """

    #: ``tol`` bounds the projected gradient. scikit-learn's 1e-4 stops the bundled model's fit
    #: far from its optimum (the objective is strictly convex, so there is one): the same data
    #: with BLAS on one thread or two gave coefficients 0.7 apart and another threshold. At 1e-6
    #: they agree to 0.005, for 2.5x the iterations.
    def __init__(self, C: float = 1.0, class_weight: str | None = "balanced", tol: float = 1e-6,
                 max_iter: int = 3000) -> None:
        self.C = C
        self.class_weight = class_weight
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X: Any, y: Any, sample_weight: Any = None, row_codes: Any = None,
            init: Any = None) -> SharedRowsLogistic:
        """``init``: starting weights (p coefficients, then the intercept), else zeros. The
        objective is strictly convex, so the start changes the iterations, not the optimum."""
        y = np.asarray(y)
        classes = np.unique(y)
        if len(classes) != 2:
            raise ValueError(f"need two classes, got {len(classes)}")
        y01 = (y == classes[1]).astype(np.float64)
        n, p = X.shape
        sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).copy()
        if self.class_weight == "balanced":
            # as scikit-learn (1.9) balances: by the weight of each class, not its row count
            class_sw = np.array([sw[y01 == 0].sum(), sw[y01 == 1].sum()])
            sw *= (sw.sum() / (2 * class_sw))[y01.astype(int)]
        elif self.class_weight is not None:
            raise ValueError("class_weight must be 'balanced' or None")
        codes = np.arange(n) if row_codes is None else np.asarray(row_codes)
        if len(codes) != n:
            raise ValueError(f"row_codes has {len(codes)} entries for {n} rows")
        T, S, shared, codes = split_shared(X, codes)
        k, pt = T.shape
        sw_sum = sw.sum()
        l2 = 1.0 / (self.C * sw_sum)  # scikit-learn's scaling: same minimiser as C * sum(loss) + |w|^2 / 2
        sw_n = sw / sw_sum
        TT, ST = T.T.tocsr(), S.T.tocsr()

        def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
            wt, ws, b = theta[:pt], theta[pt:-1], theta[-1]
            z = (T @ wt)[codes] + S @ ws + b
            # log(1 + e^z) - y z, written to stay finite for large |z|
            loss = float(sw_n @ (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - y01 * z))
            r = sw_n * (expit(z) - y01)
            grad = np.empty_like(theta)
            grad[:pt] = TT @ np.bincount(codes, weights=r, minlength=k) + l2 * wt
            grad[pt:-1] = ST @ r + l2 * ws
            grad[-1] = r.sum()
            w = theta[:-1]
            return loss + 0.5 * l2 * float(w @ w), grad

        x0 = np.zeros(p + 1)
        if init is not None:
            init = np.asarray(init, dtype=np.float64)
            if init.shape != (p + 1,):
                raise ValueError(f"init has shape {init.shape}, expected ({p + 1},)")
            x0 = np.concatenate([init[:-1][shared], init[:-1][~shared], init[-1:]])
        res = minimize(loss_grad, x0, method="L-BFGS-B", jac=True,
                       options={"maxiter": self.max_iter, "maxls": 50, "gtol": self.tol,
                                "ftol": 64 * np.finfo(float).eps})
        if not res.success:
            log.warning("logistic regression did not converge in %d iterations: %s", res.nit, res.message)
        coef = np.empty(p)
        coef[shared] = res.x[:pt]
        coef[~shared] = res.x[pt:-1]
        self.coef_ = coef.reshape(1, -1)
        self.intercept_ = np.array([res.x[-1]])
        self.classes_ = classes
        self.n_iter_ = np.array([res.nit])
        self.n_features_in_ = p
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "coef_")
        if sp.issparse(X):
            X = canonical(X)
        return np.asarray(X @ self.coef_[0]).ravel() + self.intercept_[0]

    def predict_proba(self, X: Any) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[(self.decision_function(X) > 0).astype(int)]
