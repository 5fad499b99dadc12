"""Each optimizer's first two steps against values worked by hand from the papers' formulas."""

import math

import numpy as np
import pytest

import chainrule as cr

P0 = [1.0, -2.0]
G1 = [0.5, -1.0]
G2 = [0.2, 0.4]


def two_steps(opt, dtype=np.float64):
    p = np.array(P0, dtype)
    opt.setup(p)
    opt.step(p, np.array(G1, dtype))
    p1 = p.copy()
    opt.step(p, np.array(G2, dtype))
    return p1, p


def test_sgd_plain():
    p1, p2 = two_steps(cr.SGD(lr=0.1))
    np.testing.assert_allclose(p1, [0.95, -1.9])
    np.testing.assert_allclose(p2, [0.93, -1.94])


def test_sgd_momentum():
    # v1 = g1; p1 = p0 - 0.1 v1; v2 = 0.9 v1 + g2 = [0.65, -0.5]; p2 = p1 - 0.1 v2
    p1, p2 = two_steps(cr.SGD(lr=0.1, momentum=0.9))
    np.testing.assert_allclose(p1, [0.95, -1.9])
    np.testing.assert_allclose(p2, [0.885, -1.85])


def test_sgd_nesterov():
    # p1 = p0 - 0.1 (g1 + 0.9 g1); p2 = p1 - 0.1 (g2 + 0.9 [0.65, -0.5])
    p1, p2 = two_steps(cr.SGD(lr=0.1, momentum=0.9, nesterov=True))
    np.testing.assert_allclose(p1, [0.905, -1.81])
    np.testing.assert_allclose(p2, [0.8265, -1.805])


def test_adam():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    p1, p2 = two_steps(cr.Adam(lr=lr, beta1=b1, beta2=b2, eps=eps))
    # step 1: m_hat = g1, v_hat = g1^2, so each weight moves by lr * sign(g1)
    np.testing.assert_allclose(p1, [0.9, -1.9], rtol=1e-7)
    expected = []
    for p, g1, g2 in zip(p1, G1, G2, strict=True):
        m = b1 * (1 - b1) * g1 + (1 - b1) * g2
        v = b2 * (1 - b2) * g1**2 + (1 - b2) * g2**2
        m_hat, v_hat = m / (1 - b1**2), v / (1 - b2**2)
        expected.append(p - lr * m_hat / (math.sqrt(v_hat) + eps))
    np.testing.assert_allclose(p2, expected, rtol=1e-12)
    # numbers, as worked on paper: m = [0.065, -0.05], v = [0.00028975, 0.001159]
    np.testing.assert_allclose(p2, [0.81014, -1.86544], atol=1e-5)


def test_rmsprop():
    lr, rho = 0.01, 0.9
    p1, p2 = two_steps(cr.RMSprop(lr=lr, rho=rho, eps=0.0 + 1e-8))
    s1 = [0.025, 0.1]
    np.testing.assert_allclose(p1, [1 - 0.01 * 0.5 / math.sqrt(0.025),
                                    -2 + 0.01 * 1 / math.sqrt(0.1)], rtol=1e-7)
    s2 = [rho * s1[0] + 0.1 * 0.04, rho * s1[1] + 0.1 * 0.16]  # [0.0265, 0.106]
    np.testing.assert_allclose(p2, [p1[0] - lr * 0.2 / math.sqrt(s2[0]),
                                    p1[1] - lr * 0.4 / math.sqrt(s2[1])], rtol=1e-7)


@pytest.mark.parametrize("cls", [cr.SGD, cr.Adam, cr.RMSprop])
def test_float32_state_stays_float32(cls):
    opt = cls(lr=0.1)
    p1, p2 = two_steps(opt, np.float32)
    assert p2.dtype == np.float32
    for name in ("m", "v", "square_avg", "velocity"):
        state = getattr(opt, name, None)
        assert state is None or state.dtype == np.float32


def test_schedules():
    s = cr.StepDecay(0.1, step_size=10, gamma=0.5)
    assert [s(0), s(9), s(10), s(25)] == [0.1, 0.1, 0.05, 0.025]
    e = cr.ExponentialDecay(0.1, decay_rate=0.5, decay_steps=10)
    assert e(0) == 0.1 and e(10) == pytest.approx(0.05) and e(5) == pytest.approx(0.1 / 2**0.5)
    i = cr.InverseTimeDecay(0.1, decay_rate=1.0, decay_steps=10)
    assert i(0) == 0.1 and i(10) == pytest.approx(0.05)


def test_schedule_drives_the_step_size():
    opt = cr.SGD(lr=cr.StepDecay(1.0, step_size=1, gamma=0.5))
    p = np.array([0.0])
    opt.setup(p)
    for _ in range(3):
        opt.step(p, np.array([1.0]))
    np.testing.assert_allclose(p, [-(1 + 0.5 + 0.25)])
    opt2 = cr.Adam(lr=lambda t: 0.0 if t == 0 else 0.1)
    q = np.array([1.0])
    opt2.setup(q)
    opt2.step(q, np.array([1.0]))
    assert q[0] == 1.0


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: cr.SGD(lr=-1), r"lr must be a finite number > 0, got -1.0"),
        (lambda: cr.SGD(lr=float("nan")), r"lr must be a finite number > 0, got nan"),
        (lambda: cr.SGD(lr=0.1, momentum=1.0), r"momentum must be a finite number >= 0 and < 1"),
        (lambda: cr.SGD(lr=0.1, nesterov=True), r"nesterov=True needs momentum > 0"),
        (lambda: cr.Adam(beta1=1.5), r"beta1 must be a finite number >= 0 and < 1, got 1.5"),
        (lambda: cr.RMSprop(eps=0), r"eps must be a finite number > 0, got 0.0"),
        (lambda: cr.Adam(weight_decay=-0.1), r"weight_decay must be a finite number >= 0"),
        (lambda: cr.StepDecay(0.1, step_size=0), r"step_size must be a finite number >= 1"),
    ],
)
def test_bad_settings(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_lr_type_error():
    with pytest.raises(TypeError, match="lr must be a real number, got str '0.1'"):
        cr.Adam(lr="0.1")
