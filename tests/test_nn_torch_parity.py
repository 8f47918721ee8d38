"""Every activation, layer and loss against PyTorch autograd, in float64.

Values and every gradient must agree to a relative error below 1e-6 (micrograd's approach).
"""

from __future__ import annotations

import numpy as np
import pytest

from nnrecog import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def assert_close(ours: np.ndarray, theirs, rtol: float = 1e-6) -> None:
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.shape == theirs.shape
    scale = max(np.abs(theirs).max(), 1e-12)
    assert np.abs(ours - theirs).max() / scale < rtol


def t64(a: np.ndarray, grad: bool = True):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


TORCH_ACTIVATIONS = {
    "linear": lambda x: x,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "softmax": lambda x: torch.softmax(x, dim=1),
}


@pytest.mark.parametrize("name", list(TORCH_ACTIVATIONS))
def test_activation_values_and_gradients(name: str, rng: np.random.Generator) -> None:
    x = rng.normal(0, 3, size=(7, 11))
    dy = rng.normal(size=x.shape)
    y = nn.functional.activate(name, x)
    dx = nn.functional.activation_backward(name, y, dy)
    xt = t64(x)
    yt = TORCH_ACTIVATIONS[name](xt)
    yt.backward(torch.tensor(dy))
    assert_close(y, yt)
    assert_close(dx, xt.grad)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "softmax", "linear"])
def test_activations_stable_for_huge_inputs(name: str) -> None:
    x = np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = nn.functional.activate(name, x)
        dx = nn.functional.activation_backward(name, y, np.ones_like(y))
    assert np.isfinite(y).all() and np.isfinite(dx).all()


def test_softmax_shift_invariant(rng: np.random.Generator) -> None:
    x = rng.normal(size=(5, 36))
    assert np.allclose(nn.softmax(x), nn.softmax(x + 1000.0), rtol=1e-12, atol=1e-15)
    assert np.allclose(nn.softmax(x).sum(axis=1), 1.0)


@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh", "relu", "softmax"])
@pytest.mark.parametrize("shape", [(1, 3, 2), (9, 17, 5), (4, 1, 1)])
def test_dense_against_torch(activation: str, shape: tuple[int, int, int], rng: np.random.Generator) -> None:
    n, d_in, d_out = shape
    layer = nn.Dense(d_in, d_out, activation=activation, rng=rng, dtype=np.float64)
    layer.params["b"][:] = rng.normal(size=d_out)
    X = rng.normal(size=(n, d_in))
    dY = rng.normal(size=(n, d_out))
    Y = layer.forward(X)
    dX = layer.backward(dY)
    Xt, Wt, bt = t64(X), t64(layer.params["W"]), t64(layer.params["b"])
    Yt = TORCH_ACTIVATIONS[activation](Xt @ Wt + bt)
    Yt.backward(torch.tensor(dY))
    assert_close(Y, Yt)
    assert_close(dX, Xt.grad)
    assert_close(layer.grads["W"], Wt.grad)
    assert_close(layer.grads["b"], bt.grad)


@pytest.mark.parametrize(
    "n, c_in, c_out, hw, k, stride, padding, activation",
    [
        (2, 1, 3, (8, 8), 3, 1, 0, "linear"),
        (3, 2, 4, (9, 7), 3, 2, 1, "relu"),
        (1, 3, 2, (10, 10), (5, 3), 1, 2, "tanh"),
        (2, 4, 5, (11, 12), 2, 3, 1, "sigmoid"),
        (4, 1, 8, (32, 32), 5, 1, 2, "relu"),
        # a line network's layers: rows and columns padded, strided and spanned differently
        (2, 3, 4, (4, 19), (4, 3), 1, (0, 1), "relu"),
        (2, 2, 3, (12, 15), (3, 5), (2, 1), (1, 2), "linear"),
    ],
)
def test_conv2d_against_torch(n, c_in, c_out, hw, k, stride, padding, activation, rng) -> None:
    layer = nn.Conv2D(c_in, c_out, k, stride=stride, padding=padding, activation=activation, rng=rng, dtype=np.float64)
    layer.params["b"][:] = rng.normal(size=c_out)
    X = rng.normal(size=(n, c_in, *hw))
    Y = layer.forward(X)
    dY = rng.normal(size=Y.shape)
    dX = layer.backward(dY)
    Xt, Wt, bt = t64(X), t64(layer.params["W"]), t64(layer.params["b"])
    Yt = TORCH_ACTIVATIONS[activation](TF.conv2d(Xt, Wt, bt, stride=stride, padding=padding))
    Yt.backward(torch.tensor(dY))
    assert_close(Y, Yt)
    assert_close(dX, Xt.grad)
    assert_close(layer.grads["W"], Wt.grad)
    assert_close(layer.grads["b"], bt.grad)


@pytest.mark.parametrize("k, stride, hw", [(2, None, (8, 8)), (3, 2, (9, 11)), (2, 1, (5, 6)), (3, None, (10, 9)),
                                           ((2, 1), None, (8, 7)), ((3, 2), (2, 1), (9, 8))])
def test_maxpool_against_torch(k, stride, hw, rng) -> None:
    layer = nn.MaxPool2D(k, stride)
    X = rng.normal(size=(3, 2, *hw))
    Y = layer.forward(X)
    dY = rng.normal(size=Y.shape)
    dX = layer.backward(dY)
    Xt = t64(X)
    Yt = TF.max_pool2d(Xt, k, stride)
    Yt.backward(torch.tensor(dY))
    assert_close(Y, Yt)
    assert_close(dX, Xt.grad)


def test_flatten_and_dropout_eval_are_exact(rng) -> None:
    X = rng.normal(size=(2, 3, 4, 5))
    flat = nn.Flatten()
    assert np.array_equal(flat.forward(X), torch.flatten(torch.tensor(X), 1).numpy())
    assert flat.backward(flat.forward(X)).shape == X.shape
    drop = nn.Dropout(0.5)
    drop.training = False
    assert drop.forward(X) is X


def test_dropout_train_mask_matches_gradient(rng) -> None:
    drop = nn.Dropout(0.25, rng=rng)
    X = np.ones((200, 50))
    Y = drop.forward(X)
    assert set(np.unique(Y)) <= {0.0, 1 / 0.75}
    assert abs((Y == 0).mean() - 0.25) < 0.02
    assert np.array_equal(drop.backward(np.ones_like(X)), Y)


@pytest.mark.parametrize("onehot", [True, False])
def test_softmax_cross_entropy_against_torch(onehot: bool, rng) -> None:
    logits = rng.normal(0, 4, size=(6, 36))
    labels = rng.integers(0, 36, size=6)
    Y = np.eye(36)[labels] if onehot else labels
    loss, dlogits = nn.softmax_cross_entropy(logits, Y)
    lt = t64(logits)
    lt_loss = TF.cross_entropy(lt, torch.tensor(labels), reduction="sum")
    lt_loss.backward()
    assert abs(loss - lt_loss.item()) / lt_loss.item() < 1e-9
    assert_close(dlogits, lt.grad)


def test_cross_entropy_on_probabilities_against_torch(rng) -> None:
    probs = nn.softmax(rng.normal(size=(5, 10)))
    labels = rng.integers(0, 10, size=5)
    loss, dprobs = nn.cross_entropy(probs, labels)
    pt = t64(probs)
    pt_loss = TF.nll_loss(torch.log(pt), torch.tensor(labels), reduction="sum")
    pt_loss.backward()
    assert abs(loss - pt_loss.item()) / pt_loss.item() < 1e-9
    assert_close(dprobs, pt.grad)


def test_squared_error_against_torch(rng) -> None:
    pred, target = rng.random((4, 1024)), rng.random((4, 1024))
    loss, dpred = nn.squared_error(pred, target)
    pt = t64(pred)
    pt_loss = TF.mse_loss(pt, torch.tensor(target), reduction="sum")
    pt_loss.backward()
    assert abs(loss - pt_loss.item()) / pt_loss.item() < 1e-9
    assert_close(dpred, pt.grad)


def test_whole_cnn_against_torch(rng) -> None:
    """A full conv-pool-dense network: logits, loss and every parameter gradient."""
    net = nn.Sequential(
        nn.Conv2D(1, 4, 3, padding=1, activation="relu", rng=rng, dtype=np.float64),
        nn.MaxPool2D(2),
        nn.Conv2D(4, 6, 3, stride=1, padding=1, activation="relu", rng=rng, dtype=np.float64),
        nn.MaxPool2D(2),
        nn.Flatten(),
        nn.Dense(6 * 8 * 8, 20, activation="tanh", rng=rng, dtype=np.float64),
        nn.Dense(20, 36, rng=rng, dtype=np.float64),
    )
    X = rng.random((5, 1, 32, 32))
    labels = rng.integers(0, 36, size=5)
    loss, dlogits = nn.softmax_cross_entropy(net.forward(X), labels)
    net.backward(dlogits)

    c1, c2, d1, d2 = (t64(layer.params["W"]) for layer in net.layers if layer.params)
    b = [t64(layer.params["b"]) for layer in net.layers if layer.params]
    h = TF.max_pool2d(torch.relu(TF.conv2d(torch.tensor(X), c1, b[0], padding=1)), 2)
    h = TF.max_pool2d(torch.relu(TF.conv2d(h, c2, b[1], padding=1)), 2)
    h = torch.tanh(h.flatten(1) @ d1 + b[2])
    t_loss = TF.cross_entropy(h @ d2 + b[3], torch.tensor(labels), reduction="sum")
    t_loss.backward()
    assert abs(loss - t_loss.item()) / t_loss.item() < 1e-9
    ours = [g for _, _, g in net.parameters()]
    theirs = [c1.grad, b[0].grad, c2.grad, b[1].grad, d1.grad, b[2].grad, d2.grad, b[3].grad]
    for mine, ref in zip(ours, theirs):
        assert_close(mine, ref)
