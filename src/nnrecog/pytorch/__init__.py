"""PyTorch counterparts of the NumPy experiments (the optional ``nnrecog[torch]`` extra).

Importing this package does not import torch; the models and training loops do, the readers
(``cifar``, ``imagefolder``, ``pickles``) and ``options`` do not. Command handlers
call :func:`require_torch` first so a missing extra is one clear line, not a traceback.
"""

from __future__ import annotations

from nnrecog.errors import InputError


def require_torch() -> None:
    """Raise :class:`InputError` with the install hint if PyTorch is not importable."""
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        raise InputError(
            "this command needs PyTorch, which is not installed: install nnrecog[torch] "
            "(pip install 'nnrecog[torch]')"
        ) from exc
