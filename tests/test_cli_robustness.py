"""Bad input through the command line (one clear error line, exit status 2, no traceback) and
the Python API (a sensible exception); each a regression test of a defect found by hand.

Every case fails before any real work starts or uses tiny inputs: the file runs in seconds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from nnrecog.cli import main

#: /proc refuses new files even to root: the one reliably unwritable place (Linux only).
needs_proc = pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")


def _fails_cleanly(capsys, argv: list[str], *expected: str) -> str:
    """Run ``nnrecog argv``; assert exit 2 and one error line containing ``expected``.

    The status is returned by ``main`` or, for a usage mistake, raised by the parser.
    """
    try:
        status = main(argv)
    except SystemExit as exited:
        status = exited.code
    assert status == 2
    err = capsys.readouterr().err
    assert re.match(r"nnrecog[ a-z0-9-]*: error: ", err) and err.count("\n") == 1, err
    for text in expected:
        assert text in err, err
    return err


def test_model_file_that_is_not_an_npz_archive_is_refused(capsys, tmp_path: Path):
    photo = tmp_path / "page.png"
    photo.write_bytes(b"")  # never read: the model is checked first
    single_array = tmp_path / "array.npz"
    with open(single_array, "wb") as handle:  # a .npy payload under an .npz name
        np.save(handle, np.zeros(3))
    text = tmp_path / "text.npz"
    text.write_text("hello\n")
    for model in (single_array, text):
        _fails_cleanly(capsys, ["read", str(photo), "--model", str(model)], str(model), "expected a .npz")
    _fails_cleanly(capsys, ["read", str(photo), "--model", str(tmp_path)], "is a directory")
    if Path("/dev/zero").exists():
        _fails_cleanly(capsys, ["read", str(photo), "--model", "/dev/zero"], "is not a regular file")


@needs_proc
def test_unwritable_output_names_the_requested_file(tmp_path: Path):
    from nnrecog.fileio import write_json

    with pytest.raises(OSError) as raised:
        write_json("/proc/out.json", {})
    assert raised.value.filename == "/proc/out.json"  # not the hidden temp file
    with pytest.raises(OSError) as raised:
        write_json("/proc/nnrecog-test/out.json", {})
    assert raised.value.filename == "/proc/nnrecog-test"  # the folder that cannot be made
    a_file = tmp_path / "file"
    a_file.write_text("")
    with pytest.raises(NotADirectoryError) as raised:
        write_json(a_file / "out.json", {})
    assert raised.value.filename == str(a_file)


_NONSENSE_OPTIONS = [
    # (model, option, text, value as a Python caller would pass it, the library's message)
    ("mlp", "--epochs", "0", 0, "--epochs must be positive, got 0"),
    ("mlp", "--epochs", "-1", -1, "--epochs must be positive, got -1"),
    ("mlp", "--batch-size", "0", 0, "--batch-size must be positive"),
    ("mlp", "--lr", "0", 0.0, "--lr must be positive"),
    ("mlp", "--lr", "nan", float("nan"), "--lr must be positive"),
    ("mlp", "--hidden", "64,0", (64, 0), "--hidden must be positive"),
    ("mlp", "--momentum", "-1", -1.0, "--momentum must be in [0, 1)"),
    ("mlp", "--decay-every", "-1", -1, "--decay-every must be 0 or more"),
    ("cnn", "--channels", "0", (0,), "--channels must be positive"),
    ("cnn", "--dropout", "1.5", 1.5, "--dropout must be in [0, 1)"),
    ("cnn", "--hidden", "-3", -3, "--hidden must be positive"),
    ("autoencoder", "--batch-size", "-2", -2, "--batch-size must be positive"),
]


@pytest.mark.parametrize(("model", "option", "text", "value", "message"), _NONSENSE_OPTIONS)
def test_nonsense_training_options_fail_before_any_work(capsys, tmp_path: Path, model, option, text, value, message):
    from nnrecog.errors import InputError
    from nnrecog.experiments.commands import run_training

    out = tmp_path / "run"
    # A missing data source would fail too: passing one proves the options are checked first.
    argv = ["train", model, option, text, "--out", str(out), "--data", str(tmp_path / "none")]
    _fails_cleanly(capsys, argv, f"nnrecog train {model}: error: argument {option}: expected", repr(text))
    # Python callers get the same refusal from the library, naming the command-line option
    with pytest.raises(InputError, match=re.escape(message)):
        run_training(model, out, source=str(tmp_path / "none"), **{option[2:].replace("-", "_"): value})
    assert not out.exists()


def test_too_many_conv_blocks_are_refused(capsys, tmp_path: Path):
    _fails_cleanly(capsys, ["train", "cnn", "--channels", "8,8,8,8,8,8", "--out", str(tmp_path / "run")],
                   "--channels must be at most 5")


def test_training_output_that_is_a_file_is_refused(capsys, tmp_path: Path):
    a_file = tmp_path / "results.npz"
    a_file.write_text("")
    _fails_cleanly(capsys, ["train", "mlp", "--out", str(a_file)], str(a_file), "expected an output folder")


def test_data_show_refuses_empty_grids(capsys, tmp_path: Path, shared_data: Path):
    out = tmp_path / "grid.png"
    show = ["data", "show", "nist26", "--out", str(out), "--data-dir", str(shared_data)]
    _fails_cleanly(capsys, [*show, "--per-class", "0"], "argument --per-class: expected a positive int, got '0'")
    _fails_cleanly(capsys, [*show, "--classes", "A-B"], "--classes must be characters of")
    _fails_cleanly(capsys, [*show, "--classes", "012"], "nist26: no samples of the classes '012'")
    assert not out.exists()
    assert main([*show, "--classes", "ab", "--per-class", "2"]) == 0  # lower case is fine
    assert out.is_file()


@needs_proc
def test_data_build_checks_its_output_folder_before_building(capsys, tmp_path: Path, shared_data: Path):
    a_file = tmp_path / "built"
    a_file.write_text("")
    build = ["data", "build", "--sources", str(shared_data), "--out"]
    _fails_cleanly(capsys, [*build, str(a_file)], f"Not a directory: {a_file}")
    _fails_cleanly(capsys, [*build, "/proc/nnrecog-test"], "/proc/nnrecog-test")


def test_read_json_of_one_failed_photo_prints_nothing(capsys, tmp_path: Path):
    from PIL import Image

    not_an_image = tmp_path / "notes.jpg"
    not_an_image.write_text("hello\n")
    assert main(["read", "--json", str(not_an_image)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # not "[]", the several-photos shape
    assert captured.err.count("\n") == 1 and "notes.jpg: not an image" in captured.err
    tiny = tmp_path / "tiny.png"
    Image.new("L", (1, 1), 255).save(tiny)
    assert main(["read", "--json", str(not_an_image), str(tiny)]) == 2
    failed, read = json.loads(capsys.readouterr().out)
    assert failed["file"] == str(not_an_image) and "not an image" in failed["error"]
    assert read == {"file": str(tiny), "size": [1, 1], "lines": [], "rejected": []}


def test_ocr_read_refuses_what_is_not_an_image():
    from nnrecog import ocr

    with pytest.raises(TypeError, match="got NoneType"):
        ocr.read(None)
    with pytest.raises(ValueError, match="1 to 4 colour channels"):
        ocr.read(np.zeros((8, 8, 7), np.uint8))
    with pytest.raises(ValueError, match="NaN or infinite"):
        ocr.read(np.full((8, 8), np.nan, np.float32))


def test_data_source_that_is_a_file_says_so(tmp_path: Path):
    from nnrecog import data
    from nnrecog.errors import InputError

    a_file = tmp_path / "nist36_train.mat"
    a_file.write_text("")
    with pytest.raises(InputError, match="is a file; expected 'default' or the folder"):
        data.load(a_file)


def test_eval_ocr_bad_folder_or_ground_truth_is_one_error_line(capsys, tmp_path: Path):
    from PIL import Image

    photo = tmp_path / "page.png"
    Image.new("L", (1, 1), 255).save(photo)
    _fails_cleanly(capsys, ["eval-ocr", str(photo)], f"{photo}: is a file")
    (tmp_path / "page.gt.txt").write_bytes(b"\xff\xfeHELLO")
    _fails_cleanly(capsys, ["eval-ocr", str(tmp_path)], "page.gt.txt: not UTF-8 text")


def test_reconstruct_reads_transparent_paper_as_white(tmp_path: Path):
    from PIL import Image

    from nnrecog.experiments.autoencoder import read_glyph

    grey = np.full((40, 30), 255, np.uint8)
    grey[8:32, 12:18] = 0  # a dark bar on white paper
    Image.fromarray(grey).save(tmp_path / "opaque.png")
    rgba = np.zeros((40, 30, 4), np.uint8)
    rgba[..., 3] = 255 - grey  # black ink, fully transparent paper
    Image.fromarray(rgba, "RGBA").save(tmp_path / "transparent.png")
    np.testing.assert_allclose(read_glyph(tmp_path / "transparent.png"), read_glyph(tmp_path / "opaque.png"))


@pytest.fixture
def tiny_course_folder(tmp_path: Path) -> Path:
    """nist36_{train,valid,test}.mat with two blank glyphs each: enough to start training."""
    from scipy.io import savemat

    folder = tmp_path / "nist36"
    folder.mkdir()
    for split in ("train", "valid", "test"):
        savemat(folder / f"nist36_{split}.mat",
                {f"{split}_data": np.ones((2, 1024)), f"{split}_labels": np.eye(36)[:2]})
    return folder


def test_resume_from_a_file_that_is_not_a_training_state(capsys, tmp_path: Path, tiny_course_folder: Path):
    run = tmp_path / "run"
    run.mkdir()
    state = run / "train_state.npz"
    resume = ["train", "mlp", "--resume", "--data", str(tiny_course_folder), "--out", str(run), "--no-progress"]
    state.write_text("junk\n")
    _fails_cleanly(capsys, resume, f"{state}: not a training state")
    with open(state, "wb") as handle:  # a .npy payload: np.load returns an array, not an archive
        np.save(handle, np.zeros(2))
    _fails_cleanly(capsys, resume, f"{state}: not a training state")


def test_damaged_dataset_files_are_input_errors(tmp_path: Path):
    from nnrecog import data
    from nnrecog.errors import InputError

    course = tmp_path / "course"
    course.mkdir()
    for split in ("train", "valid", "test"):
        (course / f"nist36_{split}.mat").write_text("junk\n")
    with pytest.raises(InputError, match="nist36_train.mat: not a readable MATLAB .mat file"):
        data.load(course)
    built = tmp_path / "built"
    built.mkdir()
    with open(built / "nist36_open.npz", "wb") as handle:  # a .npy payload under the .npz name
        np.save(handle, np.zeros(3))
    with pytest.raises(InputError, match="nist36_open.npz: not a readable dataset file"):
        data.load(built)


@pytest.mark.parametrize("command", [["gradcheck"], ["train", "mlp"], ["data", "build"]])
def test_negative_seed_is_refused_by_the_parser(capsys, command):
    with pytest.raises(SystemExit) as raised:
        main([*command, "--seed", "-1"])
    assert raised.value.code == 2
    assert "--seed: expected a non-negative integer, got '-1'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["torch", "train", "fc", "--epochs", "0"], "--epochs: expected a positive int, got '0'"),
        (["torch", "cifar10", "--data", ".", "--batch-size", "0"], "--batch-size: expected a positive int"),
        (["torch", "scenes", "--lr", "-1"], "--lr: expected a positive float, got '-1'"),
        (["torch", "classify", "x.jpg", "--top", "0"], "--top: expected a positive int"),
        (["gradcheck", "--tolerance", "nan"], "--tolerance: expected a positive float, got 'nan'"),
    ],
)
def test_nonpositive_numbers_are_refused_by_the_parser(capsys, argv, expected):
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == 2
    assert expected in capsys.readouterr().err


def test_word_counts_of_a_missing_folder_is_one_line_and_nothing_written(tmp_path, capsys):
    """Every folder is checked before any is read: no counts of the first written for a typo
    in the second."""
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("the sense")
    out = tmp_path / "counts.txt.gz"
    code = main(["data", "word-counts", str(tmp_path / "notes"), str(tmp_path / "nots"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "nots: not a folder" in err
    assert list(tmp_path.iterdir()) == [tmp_path / "notes"]


def test_read_weighs_words_by_the_user_s_counts(tmp_path, capsys, shared_data):
    """``--word-counts`` (a file of ``nnrecog data word-counts``) reads with the user's counts;
    a bad file, or the counts without the word list, is one error line and status 2."""
    import gzip

    pytest.importorskip("english_words")
    photo = str(shared_data / "ocr_samples" / "02_letters.jpg")
    counts = tmp_path / "counts.txt.gz"
    counts.write_bytes(gzip.compress(b"THE\t100000\nSENSE\t500\n"))
    assert main(["read", photo, "--jobs", "1"]) == 0
    shipped = capsys.readouterr().out
    assert main(["read", photo, "--jobs", "1", "--word-counts", str(counts)]) == 0
    assert capsys.readouterr().out == shipped  # a row of letters, no word to weigh
    (tmp_path / "bad.gz").write_bytes(gzip.compress(b"the 12\n"))
    for argv, message in [
        (["--word-counts", str(tmp_path / "bad.gz")], "bad.gz: line 1: expected WORD<TAB>COUNT"),
        (["--word-counts", str(counts), "--no-lexicon"], "--word-counts weighs the word list's words"),
    ]:
        assert main(["read", photo, *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err


def test_python_dash_m_runs_the_command_line():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "nnrecog", "gradcheck", "--seed", "x"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--seed: expected a non-negative integer" in done.stderr


def test_transparent_photo_shrunk_before_compositing_matches_full_resolution(tmp_path: Path):
    from PIL import Image

    from nnrecog.data.normalize import grey_image
    from nnrecog.ocr.finding.photo import open_photo

    rgba = np.random.default_rng(0).integers(0, 256, (300, 400, 4), dtype=np.uint8)
    path = tmp_path / "semi_transparent.png"
    Image.fromarray(rgba, "RGBA").save(path)
    grey, size = open_photo(path, max_pixels=30_000)
    assert size == (300, 400) and grey.shape == (150, 200)
    full = grey_image(Image.fromarray(rgba, "RGBA"))
    expected = full.reshape(150, 2, 200, 2).mean(axis=(1, 3))  # composite on white, then 2x2 box
    np.testing.assert_allclose(grey, expected, atol=2 / 255)


@needs_proc
def test_model_predicts_no_samples_and_names_an_unwritable_file():
    from nnrecog import nn

    rng = np.random.default_rng(0)
    cnn = nn.Sequential(nn.Conv2D(1, 2, 3, padding=1, rng=rng), nn.MaxPool2D(2), nn.Flatten(),
                        nn.Dense(2 * 16 * 16, 36, rng=rng))
    assert cnn.predict_proba(np.zeros((0, 1, 32, 32), np.float32)).shape == (0, 36)
    with pytest.raises(OSError) as raised:
        cnn.save("/proc/model.npz")
    assert raised.value.filename == "/proc/model.npz"


@pytest.mark.parametrize(
    "make",
    [lambda nn: nn.MaxPool2D(0), lambda nn: nn.MaxPool2D(2, stride=-1),
     lambda nn: nn.Conv2D(1, 2, 3, stride=0), lambda nn: nn.Conv2D(1, 2, 3, padding=-1)],
)
def test_pooling_and_convolution_refuse_impossible_geometry(make):
    from nnrecog import nn

    with pytest.raises(ValueError, match="stride"):
        make(nn)


def test_data_show_augmented_keeps_each_sample_with_both_versions(tmp_path: Path, shared_data: Path):
    from PIL import Image

    out = tmp_path / "grid.png"
    assert main(["data", "show", "nist26", "--out", str(out), "--data-dir", str(shared_data),
                 "--classes", "AB", "--augmented", "--per-class", "1"]) == 0
    with Image.open(out) as image:  # label + 3 tiles (the sample and two augmented), zoom 2
        assert image.size == (2 * (14 + 3 * 34), 2 * 2 * 34)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["torch", "scenes", "--size", "8"], "argument --size: expected a size from 32 to 1024 px"),
        (["torch", "video", "clip.mp4", "--every", "0"], "argument --every: expected a positive int"),
        (["torch", "train", "cnn", "--limit", "-5"], "argument --limit: expected a positive int"),
        (["gradcheck", "--tolerance", "inf"], "argument --tolerance: expected a positive float"),
        (["read"], "the following arguments are required: PHOTO"),
    ],
)
def test_usage_mistakes_are_one_line_naming_the_help(capsys, argv, expected):
    err = _fails_cleanly(capsys, argv, expected)
    assert f"(see 'nnrecog {' '.join(argv[:2]) if argv[0] == 'torch' else argv[0]} --help')" in err


def test_absurdly_large_counts_are_refused_while_parsing(capsys, tmp_path: Path):
    # 10**40 epochs used to pass the parser and crash the progress bar with an OverflowError
    _fails_cleanly(capsys, ["train", "mlp", "--epochs", "1" + "0" * 40, "--out", str(tmp_path / "run")],
                   "nnrecog train mlp: error: argument --epochs: expected a positive int")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("argv", "prog"),
    [(["train", "mlp", "--bogus", "1"], "nnrecog train mlp"), (["torch", "train", "cnn", "--zap"], "nnrecog torch train")],
)
def test_unknown_options_name_the_subcommand_help(capsys, argv, prog):
    _fails_cleanly(capsys, argv, f"{prog}: error: unrecognized arguments:", f"(see '{prog} --help')")
