"""G.711 mu-law, the codec of Twilio Media Streams (8 kHz, one byte per sample).

Both directions are table look-ups: the encode table has one entry per possible 16-bit sample
(65,536) and the decode table one per byte (256), built once at import from the G.711 rules.
A look-up is bit-exact by construction and costs a few microseconds per 20 ms frame.
"""

from __future__ import annotations

import numpy as np

from speech.pcm import AudioFormatError, to_int16

ULAW_SILENCE = 0xFF  # the code of a zero sample: what pads a short frame
_BIAS = 0x84  # 132, G.711's offset that makes segment boundaries powers of two
_CLIP = 8159  # largest magnitude representable on the 14-bit scale


def _build_encode_table() -> np.ndarray:
    samples = np.arange(-32768, 32768, dtype=np.int32)
    # G.711 works on 14-bit magnitudes; an arithmetic shift floors negatives like the reference.
    value = samples >> 2
    negative = value < 0
    magnitude = np.minimum(np.where(negative, -value, value), _CLIP) + (_BIAS >> 2)
    # Segment = position of the highest set bit above bit 5; segment 8 (only the clip value)
    # saturates to the largest code, 0x7F, as in the reference.
    segment = np.maximum(np.floor(np.log2(magnitude)).astype(np.int32) - 5, 0)
    mantissa = (magnitude >> (np.minimum(segment, 7) + 1)) & 0x0F
    code = np.where(segment > 7, 0x7F, (segment << 4) | mantissa)
    code = np.where(negative, code ^ 0x7F, code ^ 0xFF)
    table = np.empty(65536, dtype=np.uint8)
    # Index by the sample's unsigned 16-bit view so encode is one fancy-index.
    table[samples.astype(np.int16).view(np.uint16)] = code.astype(np.uint8)
    return table


def _build_decode_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(codes & 0x80, -magnitude, magnitude).astype(np.int16)


_ENCODE = _build_encode_table()
_DECODE = _build_decode_table()


def ulaw_encode(pcm16: np.ndarray) -> bytes:
    """Encode int16 samples (floats in [-1, 1] are accepted and converted) to mu-law bytes."""
    samples = to_int16(pcm16)
    return _ENCODE[samples.view(np.uint16)].tobytes()


def ulaw_decode(data: bytes) -> np.ndarray:
    """Decode mu-law bytes to int16 samples."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise AudioFormatError(f"mu-law data must be bytes, got {type(data).__name__}")
    return _DECODE[np.frombuffer(data, dtype=np.uint8)]
