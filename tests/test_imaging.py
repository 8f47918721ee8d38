"""The reading path's image operations (``nnrecog.imaging``, ``nnrecog.connectivity.label``)
give the same pixels as their ``scipy.ndimage`` namesakes, which they replace so that
``nnrecog read`` need not import scipy: random masks and images of many shapes, every window
size, origin and border the reader uses, and the awkward cases (one row, one column, a window
longer than the image, nothing set, everything set)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi

from nnrecog import imaging
from nnrecog.connectivity import EIGHT_CONNECTED, label, regions

SHAPES = [(1, 1), (1, 17), (23, 1), (2, 2), (9, 31), (40, 28), (64, 64)]


def _masks(seed: int = 0):
    rng = np.random.default_rng(seed)
    for shape in SHAPES:
        for density in (0.0, 0.15, 0.45, 0.8, 1.0):
            yield rng.random(shape) < density


def _images(seed: int = 1):
    rng = np.random.default_rng(seed)
    for shape in SHAPES:
        yield rng.random(shape).astype(np.float32)


@pytest.mark.parametrize("connectivity", [4, 8])
def test_label_numbers_regions_as_scipy_does(connectivity):
    structure = EIGHT_CONNECTED if connectivity == 8 else None
    for mask in _masks():
        labels, count = label(mask, connectivity)
        expected, expected_count = ndi.label(mask, structure=structure)
        assert count == expected_count and labels.dtype == np.int32
        np.testing.assert_array_equal(labels, expected)


def test_label_joins_long_winding_regions():
    """A spiral and a comb: regions whose runs meet only after many steps of union-find."""
    spiral = np.zeros((41, 41), bool)
    top, left, bottom, right = 0, 0, 40, 40
    while top <= bottom and left <= right:
        spiral[top, left : right + 1] = spiral[top : bottom + 1, right] = True
        spiral[bottom, left : right + 1] = True
        spiral[top + 2 : bottom + 1, left] = True
        top, left, bottom, right = top + 2, left + 2, bottom - 2, right - 2
        if top <= bottom:
            spiral[top, left - 2 : left + 1] = False
    comb = np.zeros((30, 60), bool)
    comb[::2, :] = True
    comb[:, ::7] = False
    comb[:, 59] = True
    for mask in (spiral, comb, ~spiral):
        for connectivity, structure in ((8, EIGHT_CONNECTED), (4, None)):
            labels, count = label(mask, connectivity)
            expected, expected_count = ndi.label(mask, structure=structure)
            assert count == expected_count
            np.testing.assert_array_equal(labels, expected)


def test_region_boxes_and_areas_are_scipy_find_objects_and_pixel_counts():
    for mask in _masks(2):
        for connectivity in (4, 8):
            found = regions(mask, connectivity)
            boxes = [(s[0].start, s[1].start, s[0].stop, s[1].stop) for s in ndi.find_objects(found.labels)]
            np.testing.assert_array_equal(found.boxes, np.asarray(boxes, np.int64).reshape(-1, 4))
            np.testing.assert_array_equal(found.areas, np.bincount(found.labels.ravel(), minlength=found.count + 1)[1:])


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 13, 40])
def test_running_maximum_and_minimum(size):
    origins = (0, -1) if size % 2 == 0 else (0,)
    for mask, image in zip(_masks(3), _images(3)):
        for axis in (0, 1):
            for origin in origins:
                for cval in (None, 0):
                    border = {} if cval is None else {"mode": "constant", "cval": cval}
                    np.testing.assert_array_equal(
                        imaging.maximum_filter1d(mask, size, axis=axis, origin=origin, cval=cval),
                        ndi.maximum_filter1d(mask, size, axis=axis, origin=origin, **border))
                    np.testing.assert_array_equal(
                        imaging.minimum_filter1d(image, size, axis=axis, origin=origin, cval=cval),
                        ndi.minimum_filter1d(image, size, axis=axis, origin=origin, **border))
        np.testing.assert_array_equal(imaging.binary_dilation(mask, size // 2, diagonal=True),
                                      ndi.maximum_filter(mask, 2 * (size // 2) + 1))
        np.testing.assert_array_equal(imaging.grey_closing(image, size), ndi.grey_closing(image, size=(size, size)))


@pytest.mark.parametrize("size", [1, 2, 3, 9, 40])
def test_running_means_match_to_the_bit(size):
    for image in _images(4):
        for axis in (0, 1):
            np.testing.assert_array_equal(imaging.uniform_filter1d(image, size, axis=axis),
                                          ndi.uniform_filter1d(image, size, axis=axis))
        assert imaging.uniform_filter(image, size).dtype == np.float32
        np.testing.assert_array_equal(imaging.uniform_filter(image, size), ndi.uniform_filter(image, size))
    profile = np.array([0, 4, 4, 1, 0, 0, 7, 2], np.int64)  # an integer profile becomes float64
    np.testing.assert_array_equal(imaging.uniform_filter1d(profile, 3), ndi.uniform_filter1d(profile.astype(float), 3))


@pytest.mark.parametrize("sigma", [0.7, 1.0, 1.5, 3.0])
def test_gaussian_blur_matches_to_the_bit(sigma):
    # and an image blurred in several bands of lines both ways
    for image in [*_images(5), np.random.default_rng(6).random((150, 203)).astype(np.float32)]:
        blurred = imaging.gaussian_filter(image, sigma)
        assert blurred.dtype == np.float32
        np.testing.assert_array_equal(blurred, ndi.gaussian_filter(image, sigma))


def test_binary_morphology():
    for mask in _masks(6):
        counted = ndi.correlate(mask.astype(np.uint8), np.ones((3, 3), np.uint8), mode="constant") - mask
        np.testing.assert_array_equal(imaging.neighbour_count(mask), counted)
        np.testing.assert_array_equal(imaging.binary_fill_holes(mask), ndi.binary_fill_holes(mask))
        for iterations in (1, 2, 3):
            np.testing.assert_array_equal(imaging.binary_dilation(mask, iterations),
                                          ndi.binary_dilation(mask, iterations=iterations))
            np.testing.assert_array_equal(imaging.binary_dilation(mask, iterations, diagonal=True),
                                          ndi.binary_dilation(mask, structure=EIGHT_CONNECTED, iterations=iterations))
            for border in (False, True):
                np.testing.assert_array_equal(imaging.binary_erosion(mask, iterations, border_value=border),
                                              ndi.binary_erosion(mask, iterations=iterations, border_value=border))


@pytest.mark.parametrize("radius", [0.0, 0.5, 1.0, 1.42, 2.3, 3.5, 4.49, 7.0])
def test_disk_dilation_is_the_distance_transform_thresholded(radius):
    for mask in _masks(7):
        if mask.any():
            np.testing.assert_array_equal(imaging.disk_dilation(mask, radius), ndi.distance_transform_edt(~mask) <= radius)


@pytest.mark.parametrize("shape", [(0, 5), (5, 0), (0, 0)])
def test_empty_images_give_empty_results(shape):
    image, mask = np.zeros(shape, np.float32), np.zeros(shape, bool)
    results = [imaging.maximum_filter1d(image, 3, axis=0), imaging.minimum_filter1d(mask, 4, axis=1, cval=0),
               imaging.uniform_filter(image, 3), imaging.gaussian_filter(image, 1.0), imaging.grey_closing(image, 3),
               imaging.neighbour_count(mask), imaging.binary_dilation(mask, 2),
               imaging.binary_dilation(mask, 2, diagonal=True), imaging.binary_erosion(mask, 1, border_value=True),
               imaging.binary_fill_holes(mask), imaging.disk_dilation(mask, 2.5), label(mask)[0]]
    assert all(result.shape == shape for result in results)
    assert regions(mask).count == 0 and regions(mask).boxes.shape == (0, 4) and regions(mask).areas.shape == (0,)
