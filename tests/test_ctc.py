"""CTC: the loss and its gradient against PyTorch, and decoding on hand-made frame probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from nnrecog.nn.ctc import ctc_log_likelihood, ctc_loss
from nnrecog.ocr.recognition.ctc import alignment, best_path, posteriors, prefix_beam_search, sequences_log_likelihood

BLANK = 0


def test_ctc_loss_and_gradient_equal_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    n, T, C = 6, 15, 7
    logits = rng.normal(size=(n, T, C)) * 2
    lengths = np.array([15, 12, 9, 15, 6, 3])
    # repeats (which need a blank between), an empty target, one too long for its frames
    targets = [np.array([1, 2, 2, 3]), np.array([4]), np.array([1, 1, 1]), np.array([], np.int64),
               np.array([5, 6, 5]), np.array([1, 2, 3, 4])]
    loss, dlogits = ctc_loss(logits, lengths, targets, blank=BLANK)
    x = torch.tensor(logits, requires_grad=True)
    reference = torch.nn.functional.ctc_loss(
        torch.log_softmax(x, -1).transpose(0, 1), torch.tensor(np.concatenate(targets)),
        torch.tensor(lengths), torch.tensor([len(t) for t in targets]), blank=BLANK, reduction="sum",
        zero_infinity=True,
    )
    reference.backward()
    assert loss == pytest.approx(reference.item(), rel=1e-10)
    np.testing.assert_allclose(dlogits, x.grad.numpy(), atol=1e-10)


def test_log_likelihood_sums_every_alignment():
    # two frames, classes {blank, A}: "A" is read by A-A, A-blank and blank-A
    p = np.array([[0.4, 0.6], [0.3, 0.7]])
    expected = 0.6 * 0.7 + 0.6 * 0.3 + 0.4 * 0.7
    assert np.exp(ctc_log_likelihood(np.log(p), np.array([1]), BLANK)) == pytest.approx(expected)
    assert ctc_log_likelihood(np.log(p), np.array([1, 1]), BLANK) == -np.inf  # 'AA' needs three frames


def _collapsed(path: tuple[int, ...]) -> tuple[int, ...]:
    """The labels a frame path reads: repeats merged, blanks dropped."""
    merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
    return tuple(k for k in merged if k != BLANK)


def test_the_likelihoods_of_many_sequences_at_once_sum_every_frame_path():
    import itertools

    rng = np.random.default_rng(5)
    logits = rng.normal(size=(5, 4)) * 2
    lp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    by_labels: dict[tuple[int, ...], float] = {}
    for path in itertools.product(range(4), repeat=5):  # every frame path, summed by what it reads
        labels = _collapsed(path)
        by_labels[labels] = by_labels.get(labels, 0.0) + float(np.exp(lp[np.arange(5), path].sum()))
    for length in (0, 1, 2, 3):
        labels = rng.integers(1, 4, size=(6, length))
        if length >= 2:
            labels[0, 1] = labels[0, 0]  # a repeat needs a blank between
        expected = [np.log(by_labels.get(tuple(row), 0.0)) for row in labels]
        assert np.allclose(sequences_log_likelihood(lp, labels, BLANK), expected)
    assert sequences_log_likelihood(lp[:2], np.array([[1, 1]]), BLANK)[0] == -np.inf  # too few frames


def _frames(rows: list[dict[int, float]], classes: int = 4) -> np.ndarray:
    """Log-probabilities of frames given as {class: p}, the rest shared by the other classes."""
    out = np.zeros((len(rows), classes))
    for t, row in enumerate(rows):
        rest = (1 - sum(row.values())) / (classes - len(row))
        out[t] = [row.get(k, rest) for k in range(classes)]
    return np.log(out)


def test_best_path_merges_repeats_and_needs_a_blank_for_doubled_letters():
    lp = _frames([{1: 0.9}, {1: 0.9}, {0: 0.9}, {1: 0.9}, {2: 0.9}, {2: 0.9}, {0: 0.9}])
    labels, spans = best_path(lp, BLANK)
    assert labels == [1, 1, 2] and spans == [(0, 1), (3, 3), (4, 5)]


def test_beam_search_finds_the_sequence_greedy_decoding_misses():
    # every frame's best is the blank, yet 'A' summed over its paths is more probable than nothing
    lp = _frames([{0: 0.45, 1: 0.4}, {0: 0.45, 1: 0.4}, {0: 0.45, 1: 0.4}])
    assert best_path(lp, BLANK)[0] == []
    (top, top_lp), *rest = prefix_beam_search(lp, BLANK, beam=4)
    assert top == (1,)
    assert top_lp == pytest.approx(ctc_log_likelihood(lp, np.array([1]), BLANK))
    assert all(score <= top_lp for _, score in rest)


def test_alignment_places_each_letter_and_posteriors_read_its_frames():
    lp = _frames([{1: 0.8, 3: 0.15}, {0: 0.9}, {0: 0.9}, {2: 0.6, 3: 0.3}, {2: 0.7}, {0: 0.9}])
    spans = alignment(lp, [1, 2], BLANK)
    assert spans == [(0, 0), (3, 4)]
    post = posteriors(np.exp(lp), spans, BLANK)
    assert post.shape == (2, 3) and np.allclose(post.sum(axis=1), 1)
    assert post[0].argmax() == 0 and post[1].argmax() == 1  # columns: classes without the blank
    with pytest.raises(ValueError, match="too few"):
        alignment(lp[:2], [1, 1, 2], BLANK)


def test_an_exported_line_recogniser_gives_torchs_frames(tmp_path):
    torch = pytest.importorskip("torch")
    from nnrecog.ocr.recognition.linereader import load_line_recognizer
    from nnrecog.pytorch.export import to_numpy_model
    from nnrecog.pytorch.lines import LineNet, frame_log_probs, line_model_meta

    torch.manual_seed(0)
    model = LineNet().eval()
    for module in model.modules():  # batch norm with statistics of its own, so folding matters
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    to_numpy_model(model.layers, line_model_meta()).save(tmp_path / "lines.npz")
    recognizer = load_line_recognizer(tmp_path / "lines.npz")
    image = np.random.default_rng(0).random((32, 96)).astype(np.float32)
    with torch.no_grad():
        expected = frame_log_probs(model, torch.from_numpy(1 - image)[None, None]).numpy()[:, 0]
    np.testing.assert_allclose(recognizer.log_probs(image), expected, atol=1e-4)
    assert recognizer.label(recognizer.output("Q")) == "Q" and recognizer.blank == BLANK
