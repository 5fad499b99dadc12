import numpy as np
import pytest

import chainrule as cr


def small_net(seed=0, act="relu"):
    return cr.Network([cr.Dense(2, 16, act), cr.Dense(16, 2, "softmax")], seed=seed)


def test_history_keys_and_lengths(moons_split):
    Xtr, Xte, ytr, yte = moons_split
    hist = small_net().fit(Xtr, ytr, epochs=4, validation_data=(Xte, yte))
    assert set(hist.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 4 for v in hist.history.values())
    assert hist.epoch == [0, 1, 2, 3]
    assert all(0 <= a <= 1 for a in hist.history["val_accuracy"])
    assert hist.train_time > 0


def test_default_recipe_learns_moons(moons_split):
    Xtr, Xte, ytr, yte = moons_split
    net = cr.Network([cr.Dense(2, 25, "relu"), cr.Dense(25, 50, "relu"),
                      cr.Dense(50, 25, "relu"), cr.Dense(25, 2, "softmax")], seed=0)
    hist = net.fit(Xtr, ytr, epochs=60, batch_size=32, optimizer=cr.Adam(0.01),
                   validation_data=(Xte, yte), seed=0)
    assert hist.history["val_accuracy"][-1] >= 0.96
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert net.evaluate(Xte, yte)["accuracy"] == pytest.approx(hist.history["val_accuracy"][-1])


def test_batch_size_one_is_per_sample_sgd():
    # with batch_size=1 and no shuffle, fit equals a hand-written loop of single-sample steps
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(7, 2)), np.array([0, 1, 1, 0, 1, 0, 1])
    a, b = small_net(3), small_net(3)
    a.fit(X, y, epochs=2, batch_size=1, optimizer=cr.SGD(0.1), shuffle=False)
    T = b.encode_targets(y, b.resolve_loss(None), fit=True)
    for _ in range(2):
        for i in range(len(X)):
            b.loss_and_gradient(X[i : i + 1], T[i : i + 1], b.resolve_loss(None))
            b.params -= 0.1 * b.grads
    np.testing.assert_allclose(a.params, b.params, rtol=1e-12)


def test_the_same_optimizer_continues_across_fit_calls(moons_split):
    Xtr, _, ytr, _ = moons_split
    a, b = small_net(5), small_net(5)
    opt_a, opt_b = cr.Adam(0.01), cr.Adam(0.01)
    a.fit(Xtr, ytr, epochs=4, optimizer=opt_a, seed=1, shuffle=False)
    for _ in range(4):
        b.fit(Xtr, ytr, epochs=1, optimizer=opt_b, seed=1, shuffle=False)
    assert opt_b.t == opt_a.t == 4 * 22
    np.testing.assert_allclose(b.params, a.params, rtol=1e-12)
    # a fresh optimizer (or new weights after add) starts from a clean state
    fresh = cr.Adam(0.01)
    b.fit(Xtr, ytr, epochs=1, optimizer=fresh)
    assert fresh.t == 22


def test_nan_loss_stops_with_a_clear_error_and_keeps_good_weights(moons_split):
    Xtr, _, ytr, _ = moons_split
    net = small_net()
    net.fit(Xtr, ytr, epochs=1)
    good = net.params.copy()
    with pytest.raises(cr.TrainingError, match=r"loss became (nan|inf) at epoch 1, batch \d+"):
        net.fit(Xtr * 1e150, ytr, epochs=3, optimizer=cr.SGD(1e10))
    np.testing.assert_array_equal(net.params, good)
    assert np.isfinite(net.params).all()


def test_divergence_on_the_very_last_step_is_caught():
    # the batch loss is checked before each step; the weights after the final step must be
    # checked too, or a run could end "successfully" with inf weights
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 2)), 1e3 * rng.normal(size=64)
    net = cr.Network([cr.Dense(2, 4, "tanh"), cr.Dense(4, 1)], seed=0)
    before = net.params.copy()
    with pytest.raises(cr.TrainingError, match="weights became NaN or inf at epoch 1"):
        net.fit(X, y, epochs=1, batch_size=64, optimizer=cr.SGD(1e308))
    np.testing.assert_array_equal(net.params, before)


def test_nan_after_some_epochs_keeps_last_epoch():
    class Blowup(cr.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.saved = self.network.params.copy()
                self.network.params[:] = 1e200

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), np.arange(40) % 2
    net = small_net()
    cb = Blowup()
    with pytest.raises(cr.TrainingError, match="epoch 3"):
        net.fit(X, y, epochs=5, callbacks=[cb], optimizer=cr.SGD(0.1))
    assert np.all(net.params == 1e200)  # the weights at the end of epoch 2, as promised


def test_early_stopping_restores_best_weights(moons_split):
    Xtr, Xte, ytr, yte = moons_split

    class Spy(cr.Callback):
        def on_train_begin(self, logs=None):
            self.params = []

        def on_epoch_end(self, epoch, logs=None):
            self.params.append(self.network.params.copy())

    stop = cr.EarlyStopping(monitor="val_loss", patience=2)
    spy = Spy()
    net = small_net()
    hist = net.fit(Xtr, ytr, epochs=200, optimizer=cr.Adam(0.05),
                   validation_data=(Xte, yte), callbacks=[spy, stop])
    assert len(hist.epoch) < 200
    assert stop.stopped_epoch == hist.epoch[-1]
    best = int(np.argmin(hist.history["val_loss"]))
    assert best == stop.best_epoch
    np.testing.assert_array_equal(net.params, spy.params[best])


def test_early_stopping_without_validation_names_the_fix():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 2)), np.arange(20) % 2
    with pytest.raises(ValueError, match=r"monitor must be one of \['accuracy', 'loss'\], got "
                       r"'val_loss' \(pass validation_data to fit\)"):
        small_net().fit(X, y, epochs=2, callbacks=[cr.EarlyStopping()])


def test_track_gradients_records_per_layer_norms(moons_split):
    Xtr, _, ytr, _ = moons_split
    net = cr.Network([cr.Dense(2, 8, "sigmoid"), cr.Dense(8, 8, "sigmoid"),
                      cr.Dense(8, 2, "sigmoid")], seed=0)
    hist = net.fit(Xtr, ytr, epochs=3, loss="mse", track_gradients=True)
    assert np.array(hist.grad_norms).shape == (3, 3)
    assert np.all(np.array(hist.grad_norms) > 0)


def test_verbose_lines_and_bar(moons_split, capsys):
    Xtr, Xte, ytr, yte = moons_split
    small_net().fit(Xtr, ytr, epochs=2, verbose=2, validation_data=(Xte, yte))
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0].startswith("Epoch 1/2 - loss: ")
    assert "val_accuracy: " in out[1] and out[1].endswith("%")
    small_net().fit(Xtr, ytr, epochs=3, verbose=1)
    err = capsys.readouterr().err
    assert "3/3" in err and "epoch" in err


def test_bad_fit_arguments():
    X, y = np.zeros((4, 2)), [0, 1, 0, 1]
    with pytest.raises(ValueError, match="verbose must be 0, 1 or 2, got 3"):
        small_net().fit(X, y, verbose=3)
    with pytest.raises(TypeError, match="batch_size must be an integer, got float 3.0"):
        small_net().fit(X, y, batch_size=3.0)
    with pytest.raises(TypeError, match="callbacks must be Callback instances, got function"):
        small_net().fit(X, y, callbacks=[print.__call__.__self__ and (lambda: 0)])
    with pytest.raises(ValueError, match=r"validation_data must be a pair"):
        small_net().fit(X, y, validation_data=X)
    with pytest.raises(ValueError, match=r"optimizer must be an Optimizer or one of"):
        small_net().fit(X, y, optimizer="lbfgs")
