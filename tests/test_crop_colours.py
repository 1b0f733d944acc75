"""A CMYK crop is refused (issue 54's list): by the one crop decoder (core.io.crops), a browser take's crop
(core.data.imports.browser_take) and a project file's crops (core.data.bundles.bundle_read); an RGB or grey one still passes."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from core.data.bundles.bundle_format import BundleError
from core.data.bundles.bundle_read import _check_crop
from core.data.imports.browser_take import CROP_SIDE, TakeError, crop_jpeg
from core.io.crops import decode_jpeg


def _jpeg(mode: str, side: int = CROP_SIDE) -> bytes:
    ramp = np.linspace(0, 255, side, dtype=np.uint8)  # smooth, so the JPEG stays a crop's size (8-20 kB)
    rgb = Image.fromarray(np.stack([np.tile(ramp, (side, 1)), np.tile(ramp[:, None], (1, side)),
                                    np.full((side, side), 90, np.uint8)], axis=-1))  # fmt: skip
    out = io.BytesIO()
    rgb.convert(mode).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_the_crop_decoder_refuses_cmyk() -> None:
    cmyk = _jpeg("CMYK")
    assert Image.open(io.BytesIO(cmyk)).mode == "CMYK"  # a real CMYK JPEG (four components)
    with pytest.raises(ValueError, match=r"a CMYK image \(print colours, not a camera's\): a crop must be an RGB JPEG"):
        decode_jpeg(cmyk)
    assert decode_jpeg(_jpeg("RGB")).shape == (CROP_SIDE, CROP_SIDE, 3)
    assert decode_jpeg(_jpeg("L")).shape == (CROP_SIDE, CROP_SIDE, 3)


def test_a_browser_take_refuses_a_cmyk_crop_in_one_line() -> None:
    with pytest.raises(TakeError) as caught:
        crop_jpeg(base64.b64encode(_jpeg("CMYK")).decode(), "frames[0].hands[0].crop")
    assert str(caught.value) == ("frames[0].hands[0].crop: a CMYK image (print colours, not a camera's): "
                                 "a crop must be an RGB JPEG")  # fmt: skip
    assert crop_jpeg(base64.b64encode(_jpeg("RGB")).decode(), "crop").startswith(b"\xff\xd8\xff")


def test_a_project_file_refuses_a_cmyk_crop() -> None:
    with pytest.raises(BundleError, match="the crop of sample 3: a CMYK image"):
        _check_crop(_jpeg("CMYK"), "the crop of sample 3", 512)
    _check_crop(_jpeg("RGB"), "the crop of sample 3", 512)
