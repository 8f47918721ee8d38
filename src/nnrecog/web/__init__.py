"""``nnrecog serve``: a local web page to draw a character or drop a photo and watch the network
read it, and the JSON API under it.

The framework (Starlette on uvicorn, the ``web`` extra) is imported only by :mod:`.app`,
:mod:`.uploads` and :mod:`.server`; the other modules here need nothing beyond nnrecog itself:

- :mod:`.config`, :mod:`.options`: the settings and the command's options;
- :mod:`.glyphs`: the classifiers offered, and what one makes of a drawn glyph;
- :mod:`.pool`: the worker processes that read photos;
- :mod:`.client`: a small HTTP client (standard library) for the API, as the tests and the
  load benchmark use it;
- ``static/``: the page, its script and its style, all served by nnrecog itself.
"""
