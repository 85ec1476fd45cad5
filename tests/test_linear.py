"""SharedRowsLogistic: scikit-learn's L2 logistic regression, fitted once per distinct text."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from autodm.linear import SharedRowsLogistic, split_shared


def _data(seed: int = 0, n: int = 600, texts: int = 40) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """Rows = a 'text' block repeated per text code + a signal block that varies per row."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, texts, n)
    text_block = sp.random(texts, 60, density=0.15, random_state=seed, format="csr")
    signals = rng.normal(size=(n, 5)) * (rng.random((n, 5)) < 0.6)
    X = sp.csr_array(sp.hstack([text_block[codes], sp.csr_matrix(signals)]))
    z = np.asarray(text_block @ rng.normal(size=60)).ravel()[codes] * 3 + signals @ rng.normal(size=5)
    y = (z + rng.normal(size=n) > 0.3).astype(int)
    return X, y, codes


def test_split_finds_the_shared_block_and_keeps_varying_columns() -> None:
    X, _, codes = _data()
    T, S, shared, new_codes = split_shared(X, codes)
    assert shared[:60].all() and not shared[60:].any()
    assert T.shape == (len(np.unique(codes)), 60) and S.shape == (X.shape[0], 5)
    np.testing.assert_array_equal((T[new_codes]).toarray(), X.toarray()[:, :60])
    # a code that does not really share a column: that column goes to S
    X2 = X.toarray()
    X2[np.flatnonzero(codes == codes[0])[0], 3] += 1.0
    _, S2, shared2, _ = split_shared(sp.csr_array(X2), codes)
    assert not shared2[3] and S2.shape[1] == 6


@pytest.mark.parametrize("weights", [False, True])
def test_fits_what_sklearn_lbfgs_fits(weights: bool) -> None:
    X, y, codes = _data(seed=3)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, len(y)) if weights else None
    ref = LogisticRegression(C=4.0, class_weight="balanced", solver="lbfgs", max_iter=5000, tol=1e-10)
    ref.fit(X, y, sample_weight=sw)
    ours = SharedRowsLogistic(C=4.0, tol=1e-10, max_iter=5000).fit(X, y, sample_weight=sw, row_codes=codes)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-5)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)


def test_codes_only_change_the_speed_not_the_model() -> None:
    X, y, codes = _data(seed=5)
    with_codes = SharedRowsLogistic(C=2.0).fit(X, y, row_codes=codes)
    without = SharedRowsLogistic(C=2.0).fit(X, y)
    wrong = SharedRowsLogistic(C=2.0).fit(X, y, row_codes=np.zeros(len(y), dtype=int))  # one code for all
    for other in (without, wrong):
        np.testing.assert_allclose(with_codes.coef_, other.coef_, atol=1e-6)
        np.testing.assert_allclose(with_codes.intercept_, other.intercept_, atol=1e-6)


def test_string_labels_and_bad_input() -> None:
    X, y, codes = _data(seed=7)
    labels = np.where(y == 1, "auto", "personal")
    m = SharedRowsLogistic().fit(X, labels, row_codes=codes)
    assert list(m.classes_) == ["auto", "personal"]
    assert set(m.predict(X)) <= {"auto", "personal"}
    with pytest.raises(ValueError, match="two classes"):
        SharedRowsLogistic().fit(X, np.ones(len(y)))
    with pytest.raises(ValueError, match="row_codes"):
        SharedRowsLogistic().fit(X, y, row_codes=codes[:-1])


def test_a_warm_start_reaches_the_same_optimum_in_fewer_iterations() -> None:
    X, y, codes = _data(seed=9)
    cold = SharedRowsLogistic(C=4.0, tol=1e-10).fit(X, y, row_codes=codes)
    near = np.append(cold.coef_[0], cold.intercept_) * 0.9  # a start near the optimum
    warm = SharedRowsLogistic(C=4.0, tol=1e-10).fit(X, y, row_codes=codes, init=near)
    np.testing.assert_allclose(warm.coef_, cold.coef_, atol=1e-5)
    np.testing.assert_allclose(warm.intercept_, cold.intercept_, atol=1e-5)
    at_default = [SharedRowsLogistic(C=4.0).fit(X, y, row_codes=codes, init=i).n_iter_[0] for i in (None, near)]
    assert at_default[1] < at_default[0]
    with pytest.raises(ValueError, match="init"):
        SharedRowsLogistic().fit(X, y, init=np.zeros(3))


def test_the_order_of_indices_inside_rows_does_not_change_a_bit() -> None:
    """A stacked matrix may come with each row's entries out of column order; the fit and the
    decisions must be those of the sorted matrix, bit for bit (rounding follows the order)."""
    X, y, codes = _data(seed=11)
    rng = np.random.default_rng(0)
    data, indices = X.data.copy(), X.indices.copy()
    for r in range(X.shape[0]):  # reverse or shuffle each row's entries
        lo, hi = X.indptr[r], X.indptr[r + 1]
        order = rng.permutation(hi - lo)
        data[lo:hi], indices[lo:hi] = data[lo:hi][order], indices[lo:hi][order]
    shuffled = sp.csr_array((data, indices, X.indptr.copy()), shape=X.shape)
    shuffled.has_sorted_indices = False
    a = SharedRowsLogistic(C=4.0).fit(X, y, row_codes=codes)
    b = SharedRowsLogistic(C=4.0).fit(shuffled, y, row_codes=codes)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(shuffled))
